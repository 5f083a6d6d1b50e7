"""The cells of the data entry grids: the month being reported and its deadline, who may
type in which cell and why not, and a cell's figures (growth, completion, gap, colour) as
the grids and a value's page show them. A grid's cells are read in a fixed number of
queries, however many rows it has."""

from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from functools import cached_property
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from bipin.core.choices import Role
from bipin.core.periods import Period
from bipin.indicators import actions, computations
from bipin.indicators.choices import EDITABLE, Source, ValueStatus
from bipin.indicators.models import Indicator, ReportingPeriod, Target, Value
from bipin.org.models import Unit, User

#: What a value's steps and messages read of it (actions: "with select_related").
VALUE_RELATED = ("indicator", "indicator__provider", "unit")
WRITERS = (Role.UNIT_MANAGER, Role.UNIT_CLERK)
_COLOUR_CLASS = {
    computations.Colour.GREEN: "success",
    computations.Colour.YELLOW: "warning",
    computations.Colour.RED: "danger",
}


# Months --------------------------------------------------------------------------------------


def period_or_404(year: int, month: int) -> Period:
    try:
        return Period(year, month)
    except ValueError:
        raise Http404 from None


def picked_period(text: str | None) -> Period | None:
    try:
        return Period.parse(text) if text else None
    except ValueError:
        return None


def month_label(period: Period) -> str:
    """One month as a page names it: 2026年10月 (Period.label is the year to date)."""
    return _("%(year)s年%(month)s月") % {"year": period.year, "month": period.month}


def latest_open_period(user: User, today: date | None = None) -> Period:
    """The month people report now: last month, until the supervisor closes it; then this
    month (which cannot be closed before it ends)."""
    current = Period.of(today or timezone.localdate())
    previous = current.previous()
    closed = (
        ReportingPeriod.objects.restrict(user)
        .filter(year=previous.year, month=previous.month, closed_at__isnull=False)
        .exists()
    )
    return current if closed else previous


def reporting_row(user: User, period: Period) -> ReportingPeriod:
    """The month's row; before anyone wrote to the month, an unsaved one with the default
    deadline (a page that reads does not create it)."""
    row = ReportingPeriod.objects.restrict(user).filter(year=period.year, month=period.month)
    return row.first() or ReportingPeriod(
        year=period.year, month=period.month, deadline=actions.default_deadline(period)
    )


def month_choices(today: date) -> list[dict[str, Any]]:
    """The months of this year and last year up to this one, newest first, for pickers."""
    current = Period.of(today)
    months = [
        Period(year, month)
        for year in (current.year - 1, current.year)
        for month in range(1, 13)
        if Period(year, month) <= current
    ]
    return [{"key": str(period), "label": month_label(period)} for period in reversed(months)]


def month_args(period: Period) -> tuple[int, int]:
    return period.year, period.month


def deadline_context(reporting: ReportingPeriod, today: date) -> dict[str, Any]:
    overdue = reporting.is_overdue(today)
    return {
        "reporting": reporting,
        "overdue_days": (today - reporting.deadline).days if overdue else 0,
        "days_left": (reporting.deadline - today).days if not overdue else 0,
    }


# Who sees and writes which cells --------------------------------------------------------------


def is_supervisor(user: User) -> bool:
    return bool(user.is_superuser or user.role == Role.SUPERVISOR)


def sees_values(user: User, indicator: Indicator, unit: Unit) -> bool:
    """Whether `user` sees the values of `indicator` for `unit`, a unit they see.

    ValueQuerySet.restrict's rule, for a cell that may have no value yet: a data provider
    sees its own indicators for every unit and every indicator of its own unit; everyone
    else sees every value of the units they see.
    """
    if user.is_superuser or user.role != Role.DATA_PROVIDER:
        return True
    scope = user.scope_unit_ids()
    return unit.pk in scope or indicator.provider_id in scope


def _refusal(
    user: User,
    indicator: Indicator,
    unit: Unit,
    period: Period,
    value: Value | None,
    reporting: ReportingPeriod,
    today: date,
) -> tuple[str, str]:
    """Why a cell is read-only, in a word for the grid ("系统计算", "由区统计局报送",
    "已锁定" …) and in check_writable's sentence; ("", "") when `user` may type in it."""
    try:
        actions.check_writable(user, indicator, unit, period, today=today, reporting=reporting)
    except ValidationError as error:
        detail = error.messages[0]
        if error.code == "closed":
            return _("已锁定"), detail
        if error.code == "future":
            return _("未到填报期"), detail
        if error.code == "inactive":
            return _("已停用"), detail
        if error.code == "not_applicable":
            return _("不适用"), detail
        if indicator.source == Source.DERIVED:
            return _("系统计算"), detail
        if indicator.provider is not None:
            return _("由%(provider)s报送") % {"provider": indicator.provider.name}, detail
        return _("无填报权限"), detail
    if value is not None and value.status not in EDITABLE:
        if value.status == ValueStatus.LOCKED:
            return _("已锁定"), _("已锁定的数据只能由督查室说明原因后更正。")
        return _("已审核"), _("已审核的数据须由审核人退回后才能修改。")
    return "", ""


# Figures of a cell ----------------------------------------------------------------------------


def _number(amount: Decimal | None, indicator: Indicator) -> str:
    """An amount at the indicator's precision, without its unit of measure (the grid has a
    column for it); "—" for none."""
    if amount is None:
        return "—"
    rounded = amount.quantize(indicator.quantum(), rounding=ROUND_HALF_UP)
    return f"{rounded:,.{indicator.decimals}f}"


def plain_amount(amount: Decimal) -> str:
    """An amount as it goes back into an input: no separators, no trailing zeros."""
    text = f"{amount:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def _points(gap: Decimal | None) -> str:
    """A gap in percentage points with its sign: "+2.1", "-3.0"."""
    if gap is None:
        return "—"
    rounded = gap.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
    return f"{abs(rounded) if rounded == 0 else rounded:+f}"


@dataclass(kw_only=True)
class Figures:
    """A month's amount of an indicator beside last year's and the annual target: growth,
    completion, gap and colour, as a grid row or a 合计 row shows them."""

    indicator: Indicator
    period: Period
    amount: Decimal | None
    last_year: Decimal | None
    target: Decimal | None
    phasing: list[Decimal] | None = None

    @property
    def shown(self) -> str:
        return _number(self.amount, self.indicator)

    @property
    def last_year_shown(self) -> str:
        return _number(self.last_year, self.indicator)

    @property
    def target_shown(self) -> str:
        return _number(self.target, self.indicator)

    @cached_property
    def growth(self) -> computations.Growth | None:
        """Against the same month last year; None for a rate or a growth (a growth of a
        percentage means nothing)."""
        if not computations.summable(self.indicator.kind):
            return None
        return computations.growth(self.amount, self.last_year)

    @property
    def growth_shown(self) -> str:
        """The growth, or why there is none when it is last year that is missing ("上年同期
        为零"); nothing to say when this month has no value yet."""
        growth = self.growth
        if growth is None or growth.state == computations.GrowthState.NO_VALUE:
            return "—"
        return growth.label

    @property
    def growth_class(self) -> str:
        growth = self.growth
        if growth is None or growth.percent is None:
            return "text-muted small"
        return "text-success" if growth.percent >= 0 else "text-danger"

    @cached_property
    def completion(self) -> computations.Completion:
        return computations.completion(
            self.indicator.kind,
            self.indicator.direction,
            self.amount,
            self.target,
            self.period.month,
            self.phasing,
        )

    @property
    def completion_shown(self) -> str:
        completion = self.completion
        if completion.percent is not None:
            return computations.format_percent(completion.percent)
        if completion.state in (
            computations.CompletionState.OK,
            computations.CompletionState.NO_VALUE,
        ):
            return "—"
        return str(completion.state.label)

    @property
    def gap_shown(self) -> str:
        return _points(self.completion.gap)

    @property
    def colour(self) -> str:
        """The Bootstrap colour of the gap's light: success, warning, danger, or ""."""
        colour = self.completion.colour
        return _COLOUR_CLASS[colour] if colour is not None else ""


@dataclass(kw_only=True)
class Cell(Figures):
    """One unit's value of one indicator for the month, with what the user may do."""

    unit: Unit
    value: Value | None
    refusal: str = ""
    refusal_detail: str = ""
    may_return: bool = False
    error: str = ""
    typed: str | None = None
    layout: str = "unit"

    @property
    def key(self) -> str:
        return f"{self.indicator.pk}-{self.unit.pk}"

    @property
    def writable(self) -> bool:
        return not self.refusal

    @property
    def input_text(self) -> str:
        if self.typed is not None:
            return self.typed
        return plain_amount(self.amount) if self.amount is not None else ""

    @property
    def status(self) -> str:
        return self.value.status if self.value is not None else ""

    @property
    def status_label(self) -> str:
        if self.value is not None:
            return self.value.get_status_display()
        return _("无数据") if self.indicator.source == Source.DERIVED else _("未填报")

    @property
    def grid_url(self) -> str:
        """The grid the row is shown in (where a step on the row comes back to)."""
        month = [self.period.year, self.period.month]
        if self.layout == "indicator":
            return reverse("indicators:indicator_grid", args=[self.indicator.pk, *month])
        return reverse("indicators:unit_grid", args=[self.unit.pk, *month])

    @property
    def save_url(self) -> str:
        return reverse(
            "indicators:value_cell",
            args=[self.indicator.pk, self.unit.pk, self.period.year, self.period.month],
        )


def read_cells(
    user: User,
    pairs: list[tuple[Indicator, Unit]],
    period: Period,
    scope: Q,
    reporting: ReportingPeriod,
    today: date,
) -> list[Cell]:
    """The cells of (indicator, unit) pairs for one month, in two queries whatever their
    number (values of this month and last year's, targets); `scope` narrows the reads to
    the grid's unit or indicator."""
    last = period.same_period_last_year()
    values = (
        Value.objects.restrict(user)
        .filter(scope, month=period.month, year__in=(period.year, last.year))
        .select_related(*VALUE_RELATED)
    )
    current: dict[tuple[int, int], Value] = {}
    previous: dict[tuple[int, int], Decimal] = {}
    for value in values:
        key = (value.indicator_id, value.unit_id)
        if value.year == period.year:
            current[key] = value
        else:
            previous[key] = value.amount
    targets = {
        (target.indicator_id, target.unit_id): target
        for target in Target.objects.restrict(user).filter(scope, year=period.year)
    }
    cells = []
    for indicator, unit in pairs:
        key = (indicator.pk, unit.pk)
        value = current.get(key)
        target = targets.get(key)
        refusal, detail = _refusal(user, indicator, unit, period, value, reporting, today)
        cells.append(
            Cell(
                indicator=indicator,
                period=period,
                amount=value.amount if value is not None else None,
                last_year=previous.get(key),
                target=target.amount if target is not None else None,
                phasing=target.phased_amounts() if target is not None else None,
                unit=unit,
                value=value,
                refusal=refusal,
                refusal_detail=detail,
                may_return=value is not None and "return" in actions.allowed_steps(value, user),
            )
        )
    return cells
