from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy as _


class Tier(models.TextChoices):
    """The Hangzhou classification of high-level talent (杭州市高层次人才分类目录: A 顶尖,
    B 国家级领军, C 省级领军, D 市级领军, E 高级人才), and graduates by degree."""

    A = "A", _("A类（顶尖人才）")
    B = "B", _("B类（国家级领军人才）")
    C = "C", _("C类（省级领军人才）")
    D = "D", _("D类（市级领军人才）")
    E = "E", _("E类（高级人才）")
    DOCTOR = "doctor", _("高校毕业生（博士）")
    MASTER = "master", _("高校毕业生（硕士）")
    BACHELOR = "bachelor", _("高校毕业生（本科）")


#: The high-level tiers, A to E (the others are graduates).
HIGH_LEVEL = (Tier.A, Tier.B, Tier.C, Tier.D, Tier.E)


class Employment(models.TextChoices):
    FULL_TIME = "full_time", _("全职")
    FLEXIBLE = "flexible", _("柔性")


class ProjectStage(models.TextChoices):
    """Where a talent's start-up project (创业创新项目) stands."""

    APPLYING = "applying", _("申报中")
    APPROVED = "approved", _("已立项")
    LANDED = "landed", _("已落地")
    INDUSTRIALISED = "industrialised", _("已产业化")


class TalentStatus(models.TextChoices):
    ACTIVE = "active", _("在岗")
    LEFT = "left", _("已离开")


#: Short labels of the tiers, for badges and tables.
TIER_SHORT: dict[str, Any] = {
    Tier.A: _("A类"),
    Tier.B: _("B类"),
    Tier.C: _("C类"),
    Tier.D: _("D类"),
    Tier.E: _("E类"),
    Tier.DOCTOR: _("博士"),
    Tier.MASTER: _("硕士"),
    Tier.BACHELOR: _("本科"),
}
