"""Indicator data (指标数据): the catalogue of indicators, units' annual targets, and the
monthly values that units and data providers submit once, approve and lock.

This is what the competition is scored on: every unit's numbers, month by month, against
its annual targets (DESIGN.md, "The flow of data", step 3).
"""

from datetime import date
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from bipin.core.history import History
from bipin.core.periods import Period
from bipin.indicators.choices import Direction, IndicatorKind, Source, ValueStatus
from bipin.indicators.querysets import (
    IndicatorQuerySet,
    ReportingPeriodQuerySet,
    TargetQuerySet,
    ValueQuerySet,
)
from bipin.org.choices import UnitKind
from bipin.org.models import Unit, code_validator

#: Amounts of every indicator: 万元 with four decimals covers a province's totals (10^16).
AMOUNT_DIGITS, AMOUNT_PLACES = 20, 4


def _check_unit_kinds(value: str) -> None:
    kinds = [kind for kind in value.split(",") if kind]
    unknown = sorted(set(kinds) - set(UnitKind.values))
    if unknown:
        raise ValidationError(_("未知的单位类型：%(kinds)s") % {"kinds": "、".join(unknown)})


class Indicator(models.Model):
    """A measured quantity of the competition (指标): 固定资产投资, 新签约亿元以上项目数 …

    Its kind says what a month's value is (a year-to-date total, a month-end level, a
    rate, a growth); its direction whether more is better. An indicator is owned either by
    a data provider (a bureau reporting it for every unit) or, without one, by each unit
    for itself; a derived indicator is counted from the records by a registered function
    (derived.py) and never typed in. A growth indicator may name the cumulative indicator
    it is the growth of (`base`): then it is computed from that one's values.
    """

    code = models.CharField(_("指标代码"), max_length=32, unique=True, validators=[code_validator])
    name = models.CharField(_("指标名称"), max_length=60, unique=True)
    unit_of_measure = models.CharField(
        _("计量单位"), max_length=20, help_text=_("如：万元、%、个、人")
    )
    kind = models.CharField(_("指标类型"), max_length=20, choices=IndicatorKind.choices)
    direction = models.CharField(
        _("指标方向"), max_length=10, choices=Direction.choices, default=Direction.HIGHER
    )
    decimals = models.PositiveSmallIntegerField(
        _("小数位数"), default=1, validators=[MaxValueValidator(4)]
    )
    provider = models.ForeignKey(
        Unit,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="provided_indicators",
        limit_choices_to={"kind": UnitKind.DEPARTMENT},
        verbose_name=_("数据提供部门"),
        help_text=_("为各单位统一报送本指标的部门；留空则由各单位自行填报"),
    )
    source = models.CharField(
        _("数据来源"), max_length=10, choices=Source.choices, default=Source.MANUAL
    )
    derivation = models.CharField(
        _("计算方法"),
        max_length=40,
        blank=True,
        help_text=_("系统计算指标所用的计算方法（统计哪些记录）"),
    )
    base = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="growth_indicators",
        verbose_name=_("基础指标"),
        help_text=_("增速指标所依据的累计指标，按“本期累计 ÷ 上年同期累计 − 1”计算"),
    )
    unit_kinds = models.CharField(
        _("适用单位类型"),
        max_length=100,
        default="subdistrict,town",
        validators=[_check_unit_kinds],
        help_text=_("报送本指标的单位类型，以逗号分隔"),
    )
    description = models.TextField(_("指标解释"), blank=True)
    order = models.PositiveIntegerField(_("排序"), default=0)
    active = models.BooleanField(_("启用"), default=True)

    objects = IndicatorQuerySet.as_manager()
    history = History()

    class Meta:
        verbose_name = _("指标")
        verbose_name_plural = _("指标")
        ordering = ["order", "code"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("indicators:indicator", args=[self.pk])

    @property
    def is_derived(self) -> bool:
        return self.source == Source.DERIVED

    @property
    def is_percentage(self) -> bool:
        return self.kind in (IndicatorKind.RATE, IndicatorKind.GROWTH)

    def applies_to_kinds(self) -> list[str]:
        return [kind for kind in self.unit_kinds.split(",") if kind]

    def applies_to(self, unit: Unit) -> bool:
        return unit.kind in self.applies_to_kinds()

    def quantum(self) -> Decimal:
        """The step of the indicator's precision: 0.1 for one decimal."""
        return Decimal(1).scaleb(-self.decimals)


class ReportingPeriod(models.Model):
    """A month of the collection (填报期): its submission deadline, and whether it is closed.

    Closing a period locks its values; after that only the supervisor corrects a value,
    with a reason. A period exists from the first time someone writes to it or the
    supervisor opens it, with the default deadline (settings.BIPIN_VALUE_DEADLINE_DAY of
    the following month).
    """

    year = models.PositiveIntegerField(_("年度"))
    month = models.PositiveSmallIntegerField(_("月份"))
    deadline = models.DateField(_("报送截止日期"))
    closed_at = models.DateTimeField(_("锁定时间"), null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("锁定人"),
    )

    objects = ReportingPeriodQuerySet.as_manager()
    history = History()

    class Meta:
        verbose_name = _("填报期")
        verbose_name_plural = _("填报期")
        ordering = ["-year", "-month"]
        constraints = [
            models.UniqueConstraint(fields=["year", "month"], name="one_reporting_period_a_month"),
            models.CheckConstraint(
                condition=models.Q(month__gte=1, month__lte=12), name="reporting_period_month"
            ),
        ]

    def __str__(self) -> str:
        return self.period.label

    @property
    def period(self) -> Period:
        return Period(self.year, self.month)

    @property
    def is_closed(self) -> bool:
        return self.closed_at is not None

    def is_overdue(self, today: date) -> bool:
        return not self.is_closed and today > self.deadline


class Target(models.Model):
    """The annual target of one unit on one indicator (目标), optionally phased by month.

    The phasing lists the amount planned by the end of each month (12 cumulative amounts,
    the last equal to the annual target); time progress then follows it instead of n/12.
    Targets are set by the supervisor; a change after the year has started needs a reason
    and stays in the history.
    """

    indicator = models.ForeignKey(
        Indicator, on_delete=models.PROTECT, related_name="targets", verbose_name=_("指标")
    )
    unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, related_name="targets", verbose_name=_("单位")
    )
    year = models.PositiveIntegerField(_("年度"))
    amount = models.DecimalField(
        _("年度目标"), max_digits=AMOUNT_DIGITS, decimal_places=AMOUNT_PLACES
    )
    phasing = models.JSONField(
        _("分月目标"),
        null=True,
        blank=True,
        help_text=_("1-12 月各月末的累计目标；留空则按序时进度（月数 ÷ 12）"),
    )
    note = models.CharField(_("备注"), max_length=200, blank=True)

    objects = TargetQuerySet.as_manager()
    history = History()

    class Meta:
        verbose_name = _("目标")
        verbose_name_plural = _("目标")
        ordering = ["year", "indicator__order", "unit__order"]
        constraints = [
            models.UniqueConstraint(
                fields=["indicator", "unit", "year"], name="one_target_per_unit_indicator_year"
            )
        ]

    def __str__(self) -> str:
        return f"{self.year} {self.unit} · {self.indicator}"

    def phased_amounts(self) -> list[Decimal] | None:
        """The phasing as Decimals (stored as text, never float)."""
        if not self.phasing:
            return None
        return [Decimal(str(amount)) for amount in self.phasing]


class Value(models.Model):
    """One unit's value of one indicator for one month (月度数据), with its state.

    草稿 → 已提交 → 已审核 (by the unit's manager, or the supervisor for a data provider's
    values) → 已锁定 when the period closes. A cumulative indicator's value is the
    year-to-date figure (1–N月累计), a percentage is in percent. A derived value is
    counted by the system (`computed_at`) and never typed in. The import of the statistics
    bureau's report keeps the growth the bureau printed (`reported_growth`), so that a
    difference from bipin's own computation is shown, not silently taken.
    """

    indicator = models.ForeignKey(
        Indicator, on_delete=models.PROTECT, related_name="values", verbose_name=_("指标")
    )
    unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, related_name="indicator_values", verbose_name=_("单位")
    )
    year = models.PositiveIntegerField(_("年度"))
    month = models.PositiveSmallIntegerField(_("月份"))
    amount = models.DecimalField(_("数值"), max_digits=AMOUNT_DIGITS, decimal_places=AMOUNT_PLACES)
    status = models.CharField(
        _("状态"), max_length=12, choices=ValueStatus.choices, default=ValueStatus.DRAFT
    )
    reported_growth = models.DecimalField(
        _("报表同比增长（%）"), max_digits=12, decimal_places=4, null=True, blank=True
    )
    note = models.CharField(_("说明"), max_length=200, blank=True)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("填报人"),
    )
    entered_at = models.DateTimeField(_("填报时间"), null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("提交人"),
    )
    submitted_at = models.DateTimeField(_("提交时间"), null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("审核人"),
    )
    approved_at = models.DateTimeField(_("审核时间"), null=True, blank=True)
    computed_at = models.DateTimeField(_("计算时间"), null=True, blank=True)

    objects = ValueQuerySet.as_manager()
    history = History()

    class Meta:
        verbose_name = _("月度数据")
        verbose_name_plural = _("月度数据")
        ordering = ["year", "month", "indicator__order", "unit__order"]
        constraints = [
            models.UniqueConstraint(
                fields=["indicator", "unit", "year", "month"], name="one_value_per_month"
            ),
            models.CheckConstraint(
                condition=models.Q(month__gte=1, month__lte=12), name="value_month"
            ),
        ]
        indexes = [models.Index(fields=["year", "month", "unit"], name="value_period_unit")]

    def __str__(self) -> str:
        return f"{self.unit} · {self.indicator} · {self.period}"

    def get_absolute_url(self) -> str:
        return reverse("indicators:value", args=[self.pk])

    @property
    def period(self) -> Period:
        return Period(self.year, self.month)

    @property
    def is_derived(self) -> bool:
        return self.computed_at is not None

    def shown(self) -> str:
        """The amount at the indicator's precision, with its unit of measure."""
        return format_amount(self.amount, self.indicator)


def format_amount(amount: Decimal | None, indicator: Any) -> str:
    """An amount at the indicator's precision with its unit of measure: "1,234.5 万元",
    "12.5%"; "—" for none."""
    if amount is None:
        return "—"
    rounded = amount.quantize(indicator.quantum())
    text = f"{rounded:,.{indicator.decimals}f}"
    if indicator.unit_of_measure == "%":
        return f"{text}%"
    return f"{text} {indicator.unit_of_measure}"
