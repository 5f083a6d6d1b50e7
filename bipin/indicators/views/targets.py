"""Pages of the annual targets (目标): the grid of units × indicators for a year, or of one
indicator's units × its monthly phasing; a target's page with its history.

The supervisor edits the grid in place: each cell saves on change (htmx POST to
`target_cell`) through actions.do_set_target, and the answer is the cell again, with the
action's message under it when it refused. After 1 January of the year a change needs a
reason (one field at the top of the grid, sent with every cell). Everyone else sees the
grid read-only, a unit's people their units' rows only.
"""

import json
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import HttpResponse, HttpResponseBadRequest
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import URLPattern, path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from bipin.core.choices import Action, Role
from bipin.core.excel import excel_kinds
from bipin.core.views import get_restricted_or_404, require_action
from bipin.indicators.actions import do_set_target, read_amount
from bipin.indicators.choices import IndicatorKind
from bipin.indicators.filters import TargetFilterSet
from bipin.indicators.models import Indicator, Target
from bipin.indicators.views.catalogue import applicable_units, grouped
from bipin.org.models import Unit
from bipin.org.views import AuthedRequest

#: Units (rows) on one page of the grid.
PAGE_SIZE = 100
MONTHS = tuple(range(1, 13))
#: Only these kinds are phased by month (actions.check_target).
PHASED_KINDS = (IndicatorKind.CUMULATIVE, IndicatorKind.STOCK)
#: The years a grid may show.
YEARS = (2000, 2100)


# Amounts as the grid shows them ------------------------------------------------------------


def plain(amount: Decimal, indicator: Indicator) -> str:
    """An amount as an input holds it: at the indicator's precision, more places only
    where the stored amount has them (nothing is rounded away by a re-save)."""
    rounded = amount.quantize(indicator.quantum())
    return f"{rounded:f}" if rounded == amount else f"{amount.normalize():f}"


def shown(amount: Decimal | None, indicator: Indicator) -> str:
    """An amount as a read-only cell shows it: thousands separated, the unit of measure
    is in the column's head."""
    if amount is None:
        return "—"
    return f"{amount.quantize(indicator.quantum()):,.{indicator.decimals}f}"


def straight_line(amount: Decimal, indicator: Indicator) -> list[Decimal]:
    """The month-end amounts of time progress (序时进度, n/12 of the year's target) at the
    indicator's precision: what a target without a phasing means, and where a phasing
    starts from when its first month is typed in."""
    quantum = indicator.quantum()
    months = [
        min((amount * month / 12).quantize(quantum, ROUND_HALF_UP), amount) for month in MONTHS
    ]
    months[-1] = amount
    return months


# Cells -------------------------------------------------------------------------------------


@dataclass
class TargetCell:
    """One cell of the grid: a unit's annual target on an indicator (`month` None), or the
    planned amount at the end of one month of its phasing."""

    indicator: Indicator
    unit: Unit
    year: int
    month: int | None = None
    target: Target | None = None
    applicable: bool = True
    editable: bool = False
    #: The phasing grid (one indicator, its months): a change answers with the row's
    #: other cells too, out of band.
    phasing: bool = False
    text: str = ""
    placeholder: str = ""
    shown: str = ""
    #: Shown from time progress, not set by hand.
    implied: bool = False
    error: str = ""
    saved: bool = False
    oob: bool = False

    @property
    def dom_id(self) -> str:
        suffix = f"-m{self.month}" if self.month else ""
        return f"target-{self.unit.pk}-{self.indicator.pk}{suffix}"

    @property
    def hx_vals(self) -> str:
        vals: dict[str, Any] = {
            "indicator": self.indicator.pk,
            "unit": self.unit.pk,
            "year": self.year,
        }
        if self.month:
            vals["month"] = self.month
        if self.phasing:
            vals["phasing"] = 1
        return json.dumps(vals)

    @property
    def label(self) -> str:
        if self.month:
            return _("%(unit)s %(indicator)s %(month)s月末累计目标") % {
                "unit": self.unit.name,
                "indicator": self.indicator.name,
                "month": self.month,
            }
        return _("%(unit)s %(indicator)s 年度目标") % {
            "unit": self.unit.name,
            "indicator": self.indicator.name,
        }


def annual_cell(
    indicator: Indicator,
    unit: Unit,
    year: int,
    target: Target | None,
    *,
    can_change: bool,
    phasing: bool = False,
) -> TargetCell:
    applicable = indicator.applies_to(unit)
    return TargetCell(
        indicator=indicator,
        unit=unit,
        year=year,
        target=target,
        applicable=applicable,
        editable=can_change and applicable,
        phasing=phasing,
        text=plain(target.amount, indicator) if target else "",
        shown=shown(target.amount if target else None, indicator),
    )


def month_cell(
    indicator: Indicator,
    unit: Unit,
    year: int,
    month: int,
    target: Target | None,
    *,
    can_change: bool,
) -> TargetCell:
    """A month of the phasing. December is the annual target itself; without a phasing a
    month shows time progress (n/12) as its placeholder; before there is an annual target
    there is nothing to phase."""
    cell = TargetCell(indicator=indicator, unit=unit, year=year, month=month, target=target)
    cell.phasing = True
    if target is None:
        cell.shown = "—"
        cell.placeholder = "—"
        return cell
    phased = target.phased_amounts()
    if month == 12:
        cell.shown = shown(target.amount, indicator)
        return cell
    cell.editable = can_change
    if phased:
        cell.text = plain(phased[month - 1], indicator)
        cell.shown = shown(phased[month - 1], indicator)
    else:
        implied = straight_line(target.amount, indicator)[month - 1]
        cell.placeholder = plain(implied, indicator)
        cell.shown = shown(implied, indicator)
        cell.implied = True
    return cell


def row_cells(
    indicators: list[Indicator],
    unit: Unit,
    year: int,
    targets: dict[tuple[int, int], Target],
    *,
    can_change: bool,
    phasing: bool,
) -> list[TargetCell]:
    """A unit's row: its annual target on each indicator; with the phasing, the 12 months
    of the one indicator after it."""
    cells = [
        annual_cell(
            indicator,
            unit,
            year,
            targets.get((indicator.pk, unit.pk)),
            can_change=can_change,
            phasing=phasing,
        )
        for indicator in indicators
    ]
    if phasing and indicators[0].kind in PHASED_KINDS:
        target = targets.get((indicators[0].pk, unit.pk))
        cells += [
            month_cell(indicators[0], unit, year, month, target, can_change=can_change)
            for month in MONTHS
        ]
    return cells


@dataclass
class Row:
    unit: Unit
    cells: list[TargetCell] = field(default_factory=list)


# The grid ----------------------------------------------------------------------------------


def _is_provider(user: Any) -> bool:
    return bool(not user.is_superuser and user.role == Role.DATA_PROVIDER)


def grid_indicators(user: Any) -> list[Indicator]:
    """The columns of the grid of all indicators: the active catalogue; for a data
    provider, the indicators it reports (their targets it sees for every unit)."""
    indicators = Indicator.objects.restrict(user).active()
    if _is_provider(user):
        own = indicators.filter(provider__in=user.scope_unit_ids())
        if own.exists():
            return list(own)
    return list(indicators)


def row_units(user: Any, indicators: list[Indicator]) -> QuerySet[Unit]:
    """The rows: the units that report the indicators, as far as the user sees targets of
    them (a data provider sees every unit's targets of its own indicators only)."""
    units = applicable_units(user, indicators)
    scope = user.scope_unit_ids()
    if _is_provider(user) and not any(ind.provider_id in scope for ind in indicators):
        units = units.filter(pk__in=scope)
    return units


def _read_year(text: Any) -> int | None:
    try:
        year = int(text)
    except (TypeError, ValueError):
        return None
    return year if YEARS[0] <= year <= YEARS[1] else None


@login_required
def target_grid(request: AuthedRequest) -> HttpResponse:
    """The targets of a year: units × indicators, or `?indicator=` one indicator's units ×
    its monthly phasing. Editable in place for the supervisor, read-only for others."""
    user = request.user
    require_action(Target.objects.all(), user, Action.VIEW)
    visible = Target.objects.restrict(user, Action.VIEW)
    filterset = TargetFilterSet(request.GET, queryset=visible, request=request)
    today = timezone.localdate()
    year, chosen, year_error = today.year, None, ""
    if filterset.form.is_valid():
        chosen = filterset.form.cleaned_data.get("indicator")
        if filterset.form.cleaned_data.get("year") is not None:
            found = _read_year(filterset.form.cleaned_data["year"])
            if found is None:
                year_error = _("年度须在 %(first)s 至 %(last)s 之间。") % {
                    "first": YEARS[0],
                    "last": YEARS[1],
                }
            else:
                year = found
        visible = filterset.qs
    can_change = not Target.objects.restrict(user, Action.CHANGE).query.is_empty()
    indicators = [chosen] if chosen else grid_indicators(user)
    phasing = chosen is not None
    page = Paginator(row_units(user, indicators), PAGE_SIZE).get_page(request.GET.get("page"))
    units = list(page)
    targets = {
        (target.indicator_id, target.unit_id): target
        for target in visible.filter(
            year=year, indicator__in=indicators, unit__in=[unit.pk for unit in units]
        )
    }
    rows = [
        Row(
            unit,
            row_cells(indicators, unit, year, targets, can_change=can_change, phasing=phasing),
        )
        for unit in units
    ]
    context = {
        "filter": filterset,
        "year": year,
        "year_error": year_error,
        "years": range(min(year, today.year) - 2, max(year, today.year) + 2),
        "chosen": chosen,
        "indicators": indicators,
        "phased": chosen is not None and chosen.kind in PHASED_KINDS,
        "months": MONTHS,
        "groups": grouped(rows),
        "page": page,
        "can_change": can_change,
        "started": today >= date(year, 1, 1),
        "excel_targets": "targets" in excel_kinds,
        "current": "targets",
    }
    return render(request, "indicators/target_grid.html", context)


def _posted_int(request: AuthedRequest, name: str) -> int | None:
    try:
        return int(request.POST.get(name, ""))
    except ValueError:
        return None


@login_required
@require_POST
def target_cell(request: AuthedRequest) -> HttpResponse:
    """Saves one cell of the grid and answers with it again: the value saved, or what was
    typed with the action's message under it. A phasing cell answers with the other cells
    of its row out of band (December follows the annual target, the months their first
    phasing)."""
    user = request.user
    require_action(Target.objects.all(), user, Action.CHANGE)
    indicator_pk, unit_pk = _posted_int(request, "indicator"), _posted_int(request, "unit")
    year, month = _read_year(request.POST.get("year")), _posted_int(request, "month")
    if indicator_pk is None or unit_pk is None or year is None:
        return HttpResponseBadRequest(_("缺少指标、单位或年度。"))
    if month is not None and month not in MONTHS[:-1]:
        return HttpResponseBadRequest(_("月份须在 1 到 11 之间（12 月末即年度目标）。"))
    indicator = get_restricted_or_404(Indicator.objects.all(), user, pk=indicator_pk)
    unit = get_restricted_or_404(Unit.objects.all(), user, pk=unit_pk)
    phasing = request.POST.get("phasing") == "1"
    raw = request.POST.get("amount", "")
    reason = request.POST.get("reason", "")
    target = (
        Target.objects.restrict(user, Action.CHANGE)
        .filter(indicator=indicator, unit=unit, year=year)
        .first()
    )
    error = ""
    try:
        target = _save_cell(indicator, unit, year, month, target, raw, reason, user)
    except ValidationError as refusal:
        error = "；".join(refusal.messages)
    if month is None:
        cell = annual_cell(indicator, unit, year, target, can_change=True, phasing=phasing)
    else:
        cell = month_cell(indicator, unit, year, month, target, can_change=True)
    if error:
        cell.text, cell.error = raw, error
    else:
        cell.saved = True
    cells = [cell]
    if phasing and not error:
        others = row_cells(
            [indicator], unit, year, {(indicator.pk, unit.pk): target} if target else {},
            can_change=True, phasing=True,
        )  # fmt: skip
        for other in others:
            if other.month != month:
                other.oob = True
                cells.append(other)
    html = "".join(
        render_to_string("indicators/target_cell.html", {"cell": one}, request=request)
        for one in cells
    )
    return HttpResponse(html)


def _save_cell(
    indicator: Indicator,
    unit: Unit,
    year: int,
    month: int | None,
    target: Target | None,
    raw: str,
    reason: str,
    actor: Any,
) -> Target:
    """The annual target (its phasing's December follows it), or one month of the
    phasing (started from time progress the first time)."""
    # The same number typed again ("49700.0" for 49700) is no change: nothing is written
    # (the phasing is stored as text, where the two would differ).
    if month is None:
        amount = read_amount(indicator, raw)
        if target is not None and amount == target.amount:
            return target
        phased = target.phased_amounts() if target else None
        phasing = [*phased[:-1], amount] if phased else None
        return do_set_target(
            indicator=indicator, unit=unit, year=year, amount=amount, actor=actor,
            phasing=phasing, reason=reason,
        )  # fmt: skip
    if target is None:
        raise ValidationError(_("请先填写年度目标，再分月。"))
    amount = read_amount(indicator, raw)
    phasing = target.phased_amounts() or straight_line(target.amount, indicator)
    if target.phasing and phasing[month - 1] == amount:
        return target
    phasing[month - 1] = amount
    return do_set_target(
        indicator=indicator, unit=unit, year=year, amount=target.amount, actor=actor,
        phasing=phasing, reason=reason,
    )  # fmt: skip


# A target's page ---------------------------------------------------------------------------


@login_required
def target_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    """A target's particulars, its month-end amounts and its history."""
    target = get_restricted_or_404(
        Target.objects.select_related("indicator", "unit"), request.user, pk=pk
    )
    indicator = target.indicator
    phased = target.phased_amounts()
    months: list[tuple[int, str]] = []
    if indicator.kind in PHASED_KINDS:
        amounts = phased or straight_line(target.amount, indicator)
        months = [
            (month, shown(amount, indicator)) for month, amount in zip(MONTHS, amounts, strict=True)
        ]
    context = {
        "target": target,
        "indicator": indicator,
        "amount": shown(target.amount, indicator),
        "months": months,
        "phased": bool(phased),
        "can_change": Target.objects.can(request.user, Action.CHANGE, target),
        "current": "targets",
    }
    return render(request, "indicators/target_detail.html", context)


urlpatterns: list[URLPattern] = [
    path("targets/", target_grid, name="targets"),
    path("targets/cell/", target_cell, name="target_cell"),
    path("targets/<int:pk>/", target_detail, name="target"),
]
