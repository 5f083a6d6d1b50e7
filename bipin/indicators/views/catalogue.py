"""Pages of the indicator catalogue (指标目录): the list with its filters, an indicator's
page (its particulars, formula and history; for a derived indicator every unit's computed
value of a month), the records a derived value counted, and the supervisor's forms.

A derived value is never typed in; its page shows the records that were counted
(issue 5): `derivation.records_of(unit and sub-units, period)`, narrowed to the records
the user may see, with the derivation's own columns.
"""

import copy
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Case, IntegerField, QuerySet, When
from django.db.models import Value as Constant
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from bipin.core.choices import Action
from bipin.core.periods import Period
from bipin.core.querysets import RestrictedQuerySet
from bipin.core.views import form_page, get_restricted_or_404, require_action
from bipin.indicators import computations
from bipin.indicators.actions import derived_amounts, do_save_indicator
from bipin.indicators.choices import IndicatorKind
from bipin.indicators.derived import Column, Derivation, derivations
from bipin.indicators.filters import IndicatorFilterSet
from bipin.indicators.forms import IndicatorForm
from bipin.indicators.models import Indicator, Value, format_amount
from bipin.org.choices import UnitKind
from bipin.org.models import Unit
from bipin.org.views import AuthedRequest

#: Records listed on one page of a derived value's records.
RECORDS_PAGE_SIZE = 100
#: The order of the groups of units in the tables of this module, as the org tree reads:
#: the district level first, then 街道, 乡镇, 部门, 平台.
UNIT_KIND_ORDER = (
    UnitKind.PROVINCE,
    UnitKind.CITY,
    UnitKind.DISTRICT,
    UnitKind.SUBDISTRICT,
    UnitKind.TOWN,
    UnitKind.DEPARTMENT,
    UnitKind.PLATFORM,
)


# Shared by the catalogue and the targets -----------------------------------------------------


def in_tree_order(units: QuerySet[Unit]) -> QuerySet[Unit]:
    """Units grouped by kind in UNIT_KIND_ORDER, then by their order among siblings."""
    rank = Case(
        *(When(kind=kind, then=Constant(place)) for place, kind in enumerate(UNIT_KIND_ORDER)),
        default=Constant(len(UNIT_KIND_ORDER)),
        output_field=IntegerField(),
    )
    return units.annotate(kind_rank=rank).order_by("kind_rank", "order", "code")


def applicable_units(user: Any, indicators: list[Indicator]) -> QuerySet[Unit]:
    """The active units the user may see that report at least one of `indicators`, in
    tree order."""
    kinds = {kind for indicator in indicators for kind in indicator.applies_to_kinds()}
    return in_tree_order(Unit.objects.restrict(user).active().filter(kind__in=kinds))


@dataclass
class UnitGroup:
    """The rows of one kind of unit (街道, 乡镇 …) in a table."""

    label: str
    rows: list[Any]


def grouped(rows: list[Any], unit_of: Any = lambda row: row.unit) -> list[UnitGroup]:
    """Rows (in tree order) under the heading of their unit's kind."""
    groups: list[UnitGroup] = []
    for row in rows:
        label = str(UnitKind(unit_of(row).kind).label)
        if not groups or groups[-1].label != label:
            groups.append(UnitGroup(label, []))
        groups[-1].rows.append(row)
    return groups


def source_label(indicator: Indicator) -> str:
    """Where the indicator's values come from: 填报, or what the system computes it from."""
    if not indicator.is_derived:
        return str(indicator.get_source_display())
    if indicator.base_id is not None:
        return _("根据“%(base)s”计算") % {"base": indicator.base}
    if indicator.derivation in derivations:
        return str(derivations.get(indicator.derivation).label)
    return str(indicator.get_source_display())


def owner_label(indicator: Indicator) -> str:
    """Who reports the indicator's values: its data provider, or each unit itself."""
    if indicator.is_derived:
        return _("系统计算")
    if indicator.provider is not None:
        return indicator.provider.name
    return _("各单位填报")


def formula_of(indicator: Indicator) -> str:
    """How the indicator is computed, as its page states it ("" for a typed-in one)."""
    if indicator.base_id is not None:
        # DESIGN.md, "Periods": growth against the same period last year.
        return _("本期累计 ÷ 上年同期累计 − 1")
    if indicator.is_derived and indicator.derivation in derivations:
        return str(derivations.get(indicator.derivation).formula)
    return ""


def default_period(today: date | None = None) -> Period:
    """The last month that has ended: the month whose numbers are being reported."""
    return Period.of(today or timezone.localdate()).previous()


# The catalogue -------------------------------------------------------------------------------


@login_required
def indicator_list(request: AuthedRequest) -> HttpResponse:
    """The catalogue, filtered; htmx swaps in the results only. A catalogue is tens of
    indicators: one page, a fixed number of queries."""
    visible = Indicator.objects.restrict(request.user, Action.VIEW)
    filterset = IndicatorFilterSet(request.GET, queryset=visible, request=request)
    indicators = list(filterset.qs.select_related("provider", "base"))
    for indicator in indicators:
        indicator.owner_text = owner_label(indicator)
        indicator.source_text = source_label(indicator)
    context = {
        "filter": filterset,
        "indicators": indicators,
        "can_add": not Indicator.objects.restrict(request.user, Action.ADD).query.is_empty(),
        "current": "catalogue",
    }
    template = (
        "indicators/indicator_list_rows.html" if request.htmx else "indicators/indicator_list.html"
    )
    return render(request, template, context)


@dataclass
class DerivedRow:
    """One unit's computed value of a derived indicator in a month."""

    unit: Unit
    shown: str
    stored: Value | None = None
    stale: bool = False
    #: A rate without records to divide by: no value, rightly.
    nothing_counted: bool = False
    records_url: str = ""
    #: For a growth: the base's current and last year's year-to-date amounts.
    current: str = ""
    last_year: str = ""


def _derived_rows(request: AuthedRequest, indicator: Indicator, period: Period) -> list[DerivedRow]:
    """Every applicable unit the user sees, with its value computed from the records now
    and the value stored for the month (which is what the scoring reads); a difference
    says the month must be computed again."""
    units = list(applicable_units(request.user, [indicator]))
    ids = [unit.pk for unit in units]
    visible_values = Value.objects.restrict(request.user)
    stored = {
        value.unit_id: value
        for value in visible_values.filter(
            indicator=indicator, year=period.year, month=period.month, unit__in=ids
        )
    }
    rows = []
    if indicator.base_id is not None:
        last = period.same_period_last_year()
        base_amounts: dict[tuple[int, int], Decimal] = {
            (unit_id, year): amount
            for unit_id, year, amount in visible_values.filter(
                indicator_id=indicator.base_id,
                unit__in=ids,
                year__in=(period.year, last.year),
                month=period.month,
            ).values_list("unit_id", "year", "amount")
        }
        for unit in units:
            current = base_amounts.get((unit.pk, period.year))
            previous = base_amounts.get((unit.pk, last.year))
            growth = computations.growth(current, previous)
            value = stored.get(unit.pk)
            rows.append(
                DerivedRow(
                    unit=unit,
                    shown=growth.label,
                    stored=value,
                    stale=value is not None and value.amount != growth.percent,
                    current=format_amount(current, indicator.base),
                    last_year=format_amount(previous, indicator.base),
                )
            )
        return rows
    amounts = derived_amounts(indicator, period, units)
    counts = indicator.kind != IndicatorKind.RATE
    for unit in units:
        amount = amounts.get(unit.pk, Decimal(0) if counts else None)
        value = stored.get(unit.pk)
        rows.append(
            DerivedRow(
                unit=unit,
                shown=format_amount(amount, indicator),
                stored=value,
                stale=value is not None and value.amount != amount,
                nothing_counted=amount is None,
                records_url=reverse(
                    "indicators:derived_records",
                    kwargs={
                        "pk": indicator.pk,
                        "unit_pk": unit.pk,
                        "year": period.year,
                        "month": period.month,
                    },
                ),
            )
        )
    return rows


def _period_from(request: AuthedRequest) -> tuple[Period, str]:
    """The period of `?period=2026-03`, or the last month that has ended; and the reason
    a given one could not be read."""
    text = request.GET.get("period", "").strip()
    if text:
        try:
            return Period.parse(text), ""
        except ValueError as error:
            return default_period(), str(error)
    return default_period(), ""


@login_required
def indicator_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    indicator = get_restricted_or_404(
        Indicator.objects.select_related("provider", "base"), request.user, pk=pk
    )
    context: dict[str, Any] = {
        "indicator": indicator,
        "owner": owner_label(indicator),
        "source": source_label(indicator),
        "formula": formula_of(indicator),
        "unit_kinds": [str(UnitKind(kind).label) for kind in indicator.applies_to_kinds()],
        "can_change": Indicator.objects.can(request.user, Action.CHANGE, indicator),
        "current": "catalogue",
    }
    computed = indicator.is_derived and (
        indicator.base_id is not None or indicator.derivation in derivations
    )
    if computed:
        period, period_error = _period_from(request)
        context |= {
            "period": period,
            "period_error": period_error,
            "groups": grouped(_derived_rows(request, indicator, period)),
            "is_growth": indicator.base_id is not None,
        }
    return render(request, "indicators/indicator_detail.html", context)


# The records a derived value counted -------------------------------------------------------


def cell_text(record: Any, column: Column) -> str:
    """A record's value in one column: the attribute path followed (a method called, as
    get_tier_display), dates as 2026-03-01, amounts with thousands separators."""
    value = record
    for part in column.path.split("."):
        value = getattr(value, part, None)
        if value is None:
            return "—"
    if callable(value):
        value = value()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return f"{value:,}"
    return str(value)


def record_url(record: Any) -> str:
    """The page of a counted record; a roadmap milestone is shown on its project's page."""
    if hasattr(record, "get_absolute_url"):
        return str(record.get_absolute_url())
    project = getattr(record, "project", None)
    return str(project.get_absolute_url()) if project is not None else ""


@login_required
def derived_records(
    request: AuthedRequest, pk: int, unit_pk: int, year: int, month: int
) -> HttpResponse:
    """The records a unit's derived value of a month counted (its sub-units' included),
    as far as the user may see them; a unit the user may not see is not found."""
    indicator = get_restricted_or_404(Indicator.objects.all(), request.user, pk=pk)
    if not indicator.is_derived or indicator.derivation not in derivations:
        raise Http404
    unit = get_restricted_or_404(Unit.objects.all(), request.user, pk=unit_pk)
    if not indicator.applies_to(unit):
        raise Http404
    try:
        period = Period(year, month)
    except ValueError:
        raise Http404 from None
    derivation: Derivation = derivations.get(indicator.derivation)
    counted = derivation.records_of(Unit.objects.subtree_ids(unit.pk), period)
    records: QuerySet = (
        counted.restrict(request.user)
        if isinstance(counted, RestrictedQuerySet)
        else counted.none()
    )
    page = Paginator(records, RECORDS_PAGE_SIZE).get_page(request.GET.get("page"))
    rows = [
        {"url": record_url(record), "cells": [cell_text(record, c) for c in derivation.columns]}
        for record in page
    ]
    amount = derived_amounts(indicator, period, [unit]).get(unit.pk)
    if amount is None and indicator.kind != IndicatorKind.RATE:
        amount = Decimal(0)
    hidden = counted.count() - page.paginator.count
    context = {
        "indicator": indicator,
        "unit": unit,
        "period": period,
        "derivation": derivation,
        "columns": [str(column.label) for column in derivation.columns],
        "rows": rows,
        "page": page,
        "shown": format_amount(amount, indicator),
        "hidden": max(hidden, 0),
        "current": "catalogue",
    }
    return render(request, "indicators/derived_records.html", context)


# Forms -------------------------------------------------------------------------------------


@login_required
def indicator_create(request: AuthedRequest) -> HttpResponse:
    require_action(Indicator.objects.all(), request.user, Action.ADD)
    form = IndicatorForm(request.POST or None)
    return form_page(
        request,
        form,
        lambda: do_save_indicator(None, actor=request.user, **form.changes()),
        title=_("新增指标"),
        done=_("指标“%(name)s”已保存。"),
        cancel_url=reverse("indicators:list"),
    )


@login_required
def indicator_edit(request: AuthedRequest, pk: int) -> HttpResponse:
    indicator = get_restricted_or_404(Indicator.objects.all(), request.user, Action.CHANGE, pk=pk)
    # The form validates on a copy: the action sets the changes on the stored indicator.
    form = IndicatorForm(request.POST or None, instance=copy.copy(indicator))
    return form_page(
        request,
        form,
        lambda: do_save_indicator(
            indicator, actor=request.user, reason=form.cleaned_data["reason"], **form.changes()
        ),
        title=_("修改指标：%(name)s") % {"name": indicator.name},
        done=_("指标“%(name)s”已保存。"),
        cancel_url=indicator.get_absolute_url(),
    )


urlpatterns: list[URLPattern] = [
    path("", indicator_list, name="list"),
    path("new/", indicator_create, name="indicator_create"),
    path("<int:pk>/", indicator_detail, name="indicator"),
    path("<int:pk>/edit/", indicator_edit, name="indicator_edit"),
    path(
        "<int:pk>/records/<int:unit_pk>/<int:year>-<int:month>/",
        derived_records,
        name="derived_records",
    ),
]
