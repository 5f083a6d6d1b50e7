from django.db import models
from django.utils.translation import gettext_lazy as _


class Stage(models.TextChoices):
    """A project's stage, from the first lead to full production (DESIGN.md, glossary).

    The order of the members is the order of the pipeline; TERMINATED stands apart.
    """

    LEAD = "lead", _("线索")
    NEGOTIATING = "negotiating", _("洽谈")
    SIGNED = "signed", _("签约")
    REGISTERED = "registered", _("注册")
    LAND = "land", _("供地")
    STARTED = "started", _("开工")
    PRODUCING = "producing", _("投产")
    AT_CAPACITY = "at_capacity", _("达产")
    TERMINATED = "terminated", _("终止")


#: The pipeline in order, without TERMINATED.
PIPELINE: list[Stage] = [stage for stage in Stage if stage != Stage.TERMINATED]
#: The stages a roadmap plans (everything after signing).
ROADMAP_STAGES: list[Stage] = PIPELINE[PIPELINE.index(Stage.SIGNED) + 1 :]


def stage_index(stage: str) -> int:
    return PIPELINE.index(Stage(stage))


class Channel(models.TextChoices):
    """How the project was attracted (招商方式)."""

    DOOR_TO_DOOR = "door_to_door", _("上门招商")
    STATIONED = "stationed", _("驻点招商")
    SPECIALISED = "specialised", _("专业招商")
    BY_BUSINESS = "by_business", _("以商招商")
    PLATFORM = "platform", _("平台招商")
    OTHER = "other", _("其他")


class InvestorKind(models.TextChoices):
    DOMESTIC = "domestic", _("内资")
    FOREIGN = "foreign", _("外资")


class MajorClass(models.TextChoices):
    """Major-project classes by amount (亿元以上项目 …); thresholds in settings."""

    YI_1 = "1", _("亿元以上")
    YI_10 = "10", _("10亿元以上")
    YI_50 = "50", _("50亿元以上")


class NegativeKind(models.TextChoices):
    """Kinds of market-access items (市场准入负面清单)."""

    PROHIBITED = "prohibited", _("禁止准入")
    LICENSED = "licensed", _("许可准入")


class DuplicateReason(models.TextChoices):
    USCC = "uscc", _("统一社会信用代码相同")
    INVESTOR_NAME = "investor_name", _("投资方相同且项目名称相近")


class DuplicateStatus(models.TextChoices):
    OPEN = "open", _("待甄别")
    DISTINCT = "distinct", _("确认不重复")
    MERGED = "merged", _("已合并")
