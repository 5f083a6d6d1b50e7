"""Choices that every app shares."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    """What a person may do in bipin (DESIGN.md, "Users and what each needs")."""

    SUPERVISOR = "supervisor", _("督查室")
    LEADER = "leader", _("区领导")
    UNIT_MANAGER = "unit_manager", _("单位负责人")
    UNIT_CLERK = "unit_clerk", _("填报员")
    DATA_PROVIDER = "data_provider", _("数据提供部门")
    VIEWER = "viewer", _("观察员")


class Action(models.TextChoices):
    """What a user wants to do with an object; the scoping queryset answers per action."""

    VIEW = "view", _("查看")
    ADD = "add", _("新增")
    CHANGE = "change", _("修改")
    DELETE = "delete", _("删除")
