"""Choices of the indicators app."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class IndicatorKind(models.TextChoices):
    """What a value of the indicator is (DESIGN.md, "Periods")."""

    #: Year-to-date (1–N月累计): the value of month n is the total of months 1..n, as the
    #: statistics bureau reports it.
    CUMULATIVE = "cumulative", _("累计值")
    #: The level at month end (期末数), e.g. enterprises above designated size.
    STOCK = "stock", _("期末值")
    #: A percentage of something else, e.g. 项目开工率.
    RATE = "rate", _("比率")
    #: A percentage growth against the same period last year, e.g. 地区生产总值增速.
    GROWTH = "growth", _("增速")


class Direction(models.TextChoices):
    HIGHER = "higher", _("越大越好")
    LOWER = "lower", _("越小越好")


class Source(models.TextChoices):
    """Where an indicator's values come from."""

    MANUAL = "manual", _("填报")
    #: Counted from the records (projects, talents, requests) by a registered derivation;
    #: never typed in.
    DERIVED = "derived", _("系统计算")


class ValueStatus(models.TextChoices):
    """草稿 → 已提交 → 已审核 → 已锁定 (when the period closes); a submitted or approved value
    that the approver sends back (退回) is a draft again."""

    DRAFT = "draft", _("草稿")
    SUBMITTED = "submitted", _("已提交")
    APPROVED = "approved", _("已审核")
    LOCKED = "locked", _("已锁定")


#: Statuses in which the owner may still change a value (a change to a submitted value
#: makes it a draft again, to be submitted anew).
EDITABLE = (ValueStatus.DRAFT, ValueStatus.SUBMITTED)
#: Statuses that count as submitted for the "who has not submitted" list.
SUBMITTED_OR_LATER = (ValueStatus.SUBMITTED, ValueStatus.APPROVED, ValueStatus.LOCKED)


class GrowthState(models.TextChoices):
    """Whether a growth rate could be computed, and if not, why."""

    OK = "ok", _("正常")
    NO_BASE = "no_base", _("上年同期无数据")
    ZERO_BASE = "zero_base", _("上年同期为零")
    #: A percentage against a negative base (a loss last year) reads backwards: a smaller
    #: loss would show as a "decline". Bureaus print "扭亏" or "—" instead; so do we.
    NEGATIVE_BASE = "negative_base", _("上年同期为负")
    NO_VALUE = "no_value", _("本期无数据")


class Colour(models.TextChoices):
    """The traffic light of a gap (DESIGN.md, "Colours")."""

    GREEN = "green", _("绿")
    YELLOW = "yellow", _("黄")
    RED = "red", _("红")


class CompletionState(models.TextChoices):
    """Whether a completion could be computed, and if not, why."""

    OK = "ok", _("正常")
    NO_TARGET = "no_target", _("无目标")
    ZERO_TARGET = "zero_target", _("目标为零")
    NO_VALUE = "no_value", _("无数据")
    #: A negative target (an amount) has no completion ratio: 50 of −100 is not "−50 %".
    NOT_APPLICABLE = "not_applicable", _("不适用")
