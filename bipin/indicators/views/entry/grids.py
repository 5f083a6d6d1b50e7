"""The data entry grids: where a person lands to report, a unit's grid (every indicator
that applies to it) and a data provider's (one indicator, every unit), the htmx cell that
saves itself, and the buttons that submit and approve a month's values."""

from datetime import date
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django_htmx.http import HttpResponseClientRedirect

from bipin.core.choices import Action, Role
from bipin.core.periods import Period
from bipin.core.views import get_restricted_or_404, require_action
from bipin.indicators import actions, computations
from bipin.indicators.choices import ValueStatus
from bipin.indicators.models import Indicator, ReportingPeriod, Value
from bipin.indicators.views.entry.cells import (
    VALUE_RELATED,
    WRITERS,
    Cell,
    Figures,
    deadline_context,
    latest_open_period,
    month_args,
    month_choices,
    month_label,
    period_or_404,
    picked_period,
    read_cells,
    reporting_row,
    sees_values,
)
from bipin.org.models import Unit
from bipin.org.views import AuthedRequest

# The grids ------------------------------------------------------------------------------------


def _pickers(request: AuthedRequest, today: date) -> dict[str, Any]:
    """The unit and indicator pickers the user gets: a unit's people pick among their unit
    and its sub-units, a data provider among its indicators, the supervisor and leaders
    both."""
    user = request.user
    everything = user.is_superuser or user.role in (Role.SUPERVISOR, Role.LEADER)
    units: list[Unit] = []
    indicators: list[Indicator] = []
    if everything or user.role in WRITERS:
        reported = Indicator.objects.restrict(user).active().values_list("unit_kinds", flat=True)
        kinds = {kind for kinds in reported for kind in kinds.split(",") if kind}
        units = list(Unit.objects.restrict(user).active().filter(kind__in=kinds))
    if everything:
        indicators = list(Indicator.objects.restrict(user).active())
    elif user.role == Role.DATA_PROVIDER:
        indicators = list(Indicator.objects.owned_by(user).active())
    return {"picker_units": units, "picker_indicators": indicators, "months": month_choices(today)}


def _grid_context(
    request: AuthedRequest,
    cells: list[Cell],
    period: Period,
    reporting: ReportingPeriod,
    url_name: str,
    pk: int,
) -> dict[str, Any]:
    """What both grids show besides their rows: the month and its neighbours, the
    deadline, and what there is to fill in, submit and approve."""
    today = timezone.localdate()
    user = request.user
    drafts = [cell for cell in cells if cell.status == ValueStatus.DRAFT and cell.writable]
    waiting = [
        cell
        for cell in cells
        if cell.status == ValueStatus.SUBMITTED and actions.may_approve(user, cell.value)  # type: ignore[arg-type]
    ]
    return {
        "period": period,
        "period_key": str(period),
        "month_label": month_label(period),
        "cells": cells,
        "to_submit": len(drafts),
        "to_approve": len(waiting),
        "blank": sum(1 for cell in cells if cell.writable and cell.value is None),
        "grid_url": reverse(url_name, args=[pk, period.year, period.month]),
        "previous_url": reverse(url_name, args=[pk, *month_args(period.previous())]),
        "next_url": (
            reverse(url_name, args=[pk, *month_args(period.next())])
            if period < Period.of(today)
            else ""
        ),
        **deadline_context(reporting, today),
    }


def _grid_part(request: AuthedRequest, context: dict[str, Any], page: str) -> HttpResponse:
    """The page, or (htmx, after a cell was saved) its actions bar or 合计 row alone."""
    part = request.GET.get("part") if request.htmx else None
    if part == "actions":
        return render(request, "indicators/_entry_actions.html", context)
    if part == "totals" and context.get("totals") is not None:
        return render(request, "indicators/_entry_totals.html", context)
    return render(request, page, {**context, **_pickers(request, timezone.localdate())})


@login_required
def entry(request: AuthedRequest) -> HttpResponse:
    """Where a person lands to report: a unit's people on their unit's grid, a data
    provider on its first indicator's, for the month being reported; the supervisor and
    leaders pick a unit or an indicator. The pickers of every grid come here too."""
    user = request.user
    require_action(Value.objects.all(), user, Action.VIEW)
    period = picked_period(request.GET.get("period")) or latest_open_period(user)
    unit = request.GET.get("unit", "")
    indicator = request.GET.get("indicator", "")
    if unit.isdigit():
        return redirect("indicators:unit_grid", int(unit), period.year, period.month)
    if indicator.isdigit():
        return redirect("indicators:indicator_grid", int(indicator), period.year, period.month)
    if user.role in WRITERS and user.unit_id is not None and not user.is_superuser:
        return redirect("indicators:unit_grid", user.unit_id, period.year, period.month)
    if user.role == Role.DATA_PROVIDER and not user.is_superuser:
        first = Indicator.objects.owned_by(user).active().first()
        if first is not None:
            return redirect("indicators:indicator_grid", first.pk, period.year, period.month)
    context = {
        "period_key": str(period),
        "month_label": month_label(period),
        **_pickers(request, timezone.localdate()),
    }
    return render(request, "indicators/entry_start.html", context)


@login_required
def unit_grid(request: AuthedRequest, unit_pk: int, year: int, month: int) -> HttpResponse:
    """Every indicator that applies to a unit, in catalogue order, for one month."""
    period = period_or_404(year, month)
    user = request.user
    unit = get_restricted_or_404(Unit.objects.all(), user, pk=unit_pk)
    indicators = [
        indicator
        for indicator in Indicator.objects.restrict(user).active().select_related("provider")
        if indicator.applies_to(unit) and sees_values(user, indicator, unit)
    ]
    reporting = reporting_row(user, period)
    today = timezone.localdate()
    pairs = [(indicator, unit) for indicator in indicators]
    cells = read_cells(user, pairs, period, Q(unit=unit), reporting, today)
    context = {
        **_grid_context(request, cells, period, reporting, "indicators:unit_grid", unit.pk),
        "unit": unit,
        "layout": "unit",
        "submit_url": reverse("indicators:unit_submit", args=[unit.pk, year, month]),
        "approve_url": reverse("indicators:unit_approve", args=[unit.pk, year, month]),
    }
    return _grid_part(request, context, "indicators/entry_unit.html")


@login_required
def indicator_grid(
    request: AuthedRequest, indicator_pk: int, year: int, month: int
) -> HttpResponse:
    """One indicator for every unit it applies to (a data provider's grid), with a 合计 row
    for the kinds that add up."""
    period = period_or_404(year, month)
    user = request.user
    indicator = get_restricted_or_404(
        Indicator.objects.select_related("provider"), user, pk=indicator_pk
    )
    require_action(Value.objects.all(), user, Action.VIEW)
    units = [
        unit
        for unit in Unit.objects.restrict(user).active()
        if indicator.applies_to(unit) and sees_values(user, indicator, unit)
    ]
    reporting = reporting_row(user, period)
    today = timezone.localdate()
    pairs = [(indicator, unit) for unit in units]
    cells = read_cells(user, pairs, period, Q(indicator=indicator), reporting, today)
    for cell in cells:
        cell.layout = "indicator"
    totals = None
    if computations.summable(indicator.kind):
        totals = Figures(
            indicator=indicator,
            period=period,
            amount=computations.total(cell.amount for cell in cells),
            last_year=computations.total(cell.last_year for cell in cells),
            target=computations.total(cell.target for cell in cells),
        )
    may_import = Indicator.objects.owned_by(user).filter(pk=indicator.pk).exists()
    context = {
        **_grid_context(
            request, cells, period, reporting, "indicators:indicator_grid", indicator.pk
        ),
        "indicator": indicator,
        "layout": "indicator",
        "totals": totals,
        "may_import": may_import,
        "submit_url": reverse("indicators:indicator_submit", args=[indicator.pk, year, month]),
        "approve_url": reverse("indicators:indicator_approve", args=[indicator.pk, year, month]),
    }
    return _grid_part(request, context, "indicators/entry_indicator.html")


@login_required
@require_POST
def value_cell(
    request: AuthedRequest, indicator_pk: int, unit_pk: int, year: int, month: int
) -> HttpResponse:
    """Saves one cell as a draft (htmx, on change); answers with its row: re-rendered with
    the new status and figures, or with the error under the input and the text kept."""
    period = period_or_404(year, month)
    user = request.user
    unit = get_restricted_or_404(Unit.objects.all(), user, pk=unit_pk)
    indicator = get_restricted_or_404(
        Indicator.objects.select_related("provider"), user, pk=indicator_pk
    )
    typed = request.POST.get("amount", "")
    error = ""
    try:
        actions.do_save_value(
            indicator=indicator, unit=unit, period=period, amount=typed, actor=user
        )
    except ValidationError as refusal:
        error = "；".join(refusal.messages)
    today = timezone.localdate()
    reporting = reporting_row(user, period)
    scope = Q(indicator=indicator, unit=unit)
    cell = read_cells(user, [(indicator, unit)], period, scope, reporting, today)[0]
    cell.layout = "indicator" if request.POST.get("layout") == "indicator" else "unit"
    if error:
        cell.error, cell.typed = error, typed
    response = render(request, "indicators/_entry_row.html", {"cell": cell})
    if not error:
        response["HX-Trigger"] = "values-changed"
    return response


def _done(request: AuthedRequest, url: str) -> HttpResponse:
    """Back to the grid: by htmx (the button waited for the cells being saved) or plainly."""
    return HttpResponseClientRedirect(url) if request.htmx else redirect(url)


def _submit(request: AuthedRequest, values: Any, back: str) -> HttpResponse:
    """Submits the user's drafts among `values` (restricted to what they own)."""
    drafts = list(values.filter(status=ValueStatus.DRAFT).select_related(*VALUE_RELATED))
    if not drafts:
        messages.info(request, _("没有需要提交的草稿。"))
        return _done(request, back)
    try:
        count = actions.do_submit_values(drafts, actor=request.user)
    except ValidationError as error:
        messages.error(request, "；".join(error.messages))
    else:
        messages.success(request, _("已提交 %(count)s 项数据，等待审核。") % {"count": count})
    return _done(request, back)


def _approve(request: AuthedRequest, values: Any, back: str) -> HttpResponse:
    """Approves the submitted values among `values` that the user may approve; 403 when
    there are some and the user may approve none of them."""
    waiting = list(values.filter(status=ValueStatus.SUBMITTED).select_related(*VALUE_RELATED))
    mine = [value for value in waiting if actions.may_approve(request.user, value)]
    if waiting and not mine:
        raise PermissionDenied(_("您不能审核这些数据。"))
    if not mine:
        messages.info(request, _("没有待审核的数据。"))
        return _done(request, back)
    try:
        count = actions.do_approve_values(mine, actor=request.user)
    except ValidationError as error:
        messages.error(request, "；".join(error.messages))
    else:
        messages.success(request, _("已审核通过 %(count)s 项数据。") % {"count": count})
    return _done(request, back)


@login_required
@require_POST
def unit_submit(request: AuthedRequest, unit_pk: int, year: int, month: int) -> HttpResponse:
    """提交本月数据: every draft of the unit's month that the user owns."""
    period = period_or_404(year, month)
    unit = get_restricted_or_404(Unit.objects.all(), request.user, pk=unit_pk)
    owned = Value.objects.restrict(request.user, Action.CHANGE).for_period(year, month)
    back = reverse("indicators:unit_grid", args=[unit.pk, period.year, period.month])
    return _submit(request, owned.filter(unit=unit), back)


@login_required
@require_POST
def unit_approve(request: AuthedRequest, unit_pk: int, year: int, month: int) -> HttpResponse:
    """审核通过: every submitted value of the unit's month that the user may approve."""
    period = period_or_404(year, month)
    unit = get_restricted_or_404(Unit.objects.all(), request.user, pk=unit_pk)
    seen = Value.objects.restrict(request.user).for_period(year, month).filter(unit=unit)
    back = reverse("indicators:unit_grid", args=[unit.pk, period.year, period.month])
    return _approve(request, seen, back)


@login_required
@require_POST
def indicator_submit(
    request: AuthedRequest, indicator_pk: int, year: int, month: int
) -> HttpResponse:
    period = period_or_404(year, month)
    indicator = get_restricted_or_404(Indicator.objects.all(), request.user, pk=indicator_pk)
    owned = Value.objects.restrict(request.user, Action.CHANGE).for_period(year, month)
    back = reverse("indicators:indicator_grid", args=[indicator.pk, period.year, period.month])
    return _submit(request, owned.filter(indicator=indicator), back)


@login_required
@require_POST
def indicator_approve(
    request: AuthedRequest, indicator_pk: int, year: int, month: int
) -> HttpResponse:
    period = period_or_404(year, month)
    indicator = get_restricted_or_404(Indicator.objects.all(), request.user, pk=indicator_pk)
    seen = Value.objects.restrict(request.user).for_period(year, month)
    back = reverse("indicators:indicator_grid", args=[indicator.pk, period.year, period.month])
    return _approve(request, seen.filter(indicator=indicator), back)
