"""The closed lists of the scoring app."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Basis(models.TextChoices):
    """What number of a unit an item scores (评分依据)."""

    #: actual ÷ the target to date (the annual target × time progress): on pace is 100 %.
    COMPLETION = "completion", _("序时完成率")
    #: growth against the same period last year, scored across the group.
    GROWTH = "growth", _("同比增速")
    #: the value itself, scored across the group.
    LEVEL = "level", _("绝对量")
    #: the place of the value in the group: the first earns the weight, each place lower less.
    RANK = "rank", _("位次")


class EfficacyForm(models.TextChoices):
    """How a growth or a level becomes points (功效系数法, DESIGN.md)."""

    #: w × [20 + 80 × (x − min)/(max − min)] over the group.
    MINMAX = "minmax", _("极值法（20 + 80 × 相对位置）")
    #: 60 + 40 × (x − x_s)/(x_h − x_s) with a satisfactory and a not-allowed value.
    THRESHOLD = "threshold", _("阈值法（满意值 / 不允许值）")


class AdjustmentKind(models.TextChoices):
    BONUS = "bonus", _("加分")
    DEDUCTION = "deduction", _("扣分")


class Counting(models.TextChoices):
    """What a bonus or deduction counts of its indicator."""

    VALUE = "value", _("按指标值")
    #: beyond the annual target only: "+0.1 per ≥10亿 project over the target".
    EXCESS = "excess", _("超出目标部分")


class RunStatus(models.TextChoices):
    DRAFT = "draft", _("草稿")
    PUBLISHED = "published", _("已发布")


class ItemState(models.TextChoices):
    """Why an item earned what it did, when it is not simply scored."""

    SCORED = "scored", _("已计分")
    NO_VALUE = "no_value", _("无审核数据")
    NO_TARGET = "no_target", _("无目标")
    NOT_APPLICABLE = "not_applicable", _("不适用")


class Normalization(models.TextChoices):
    """The entropy weights' normalisation (DESIGN.md: the variant is a setting, shown)."""

    SUM = "sum", _("比重法 p = x / Σx")
    MINMAX = "minmax", _("极差法（平移至 [0.002, 0.996]）")


class Measure(models.TextChoices):
    """The measures of the 亩均 evaluation (亩均论英雄), each computed from the year's figures."""

    TAX_PER_MU = "tax_per_mu", _("亩均税收（万元/亩）")
    VALUE_ADDED_PER_MU = "value_added_per_mu", _("亩均增加值（万元/亩）")
    LABOUR_PRODUCTIVITY = "labour_productivity", _("全员劳动生产率（万元/人）")
    VALUE_ADDED_PER_ENERGY = "value_added_per_energy", _("单位能耗增加值（万元/吨标煤）")
    VALUE_ADDED_PER_EMISSION = "value_added_per_emission", _("单位排放增加值（万元/吨）")
    RD_SHARE = "rd_share", _("R&D 经费支出占营业收入比重（%）")
    TAX_PER_ELECTRICITY = "tax_per_electricity", _("单位电耗税收（万元/万千瓦时）")
