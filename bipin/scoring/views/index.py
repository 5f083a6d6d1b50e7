"""高质量发展指数: entropy-weight TOPSIS over a set of units and indicators for a month, with
the normalisation named beside the ranking, the weights it derived (and those of the other
normalisation), the data matrix with its filled cells, and the three tables in Excel.

The supervisor and leaders index any units; a unit's people their own group's (the values
of other units are not theirs to read: 403); the big screen not at all.
"""

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse, QueryDict
from django.shortcuts import render
from django.urls import path
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, gettext_noop

from bipin.core.excel import Column, WorkbookWriter
from bipin.core.excel.forms import XLSX
from bipin.core.forms import StyledFormMixin
from bipin.core.periods import Period
from bipin.core.views import add_action_errors
from bipin.indicators.choices import Direction
from bipin.indicators.models import Indicator
from bipin.indicators.views.entry.cells import month_choices, month_label, picked_period
from bipin.org.choices import UnitKind
from bipin.org.models import Group, Unit, User
from bipin.org.views import AuthedRequest
from bipin.scoring.actions import scheme_for
from bipin.scoring.choices import Normalization
from bipin.scoring.development import (
    DevelopmentIndex,
    check_index_access,
    development_index,
)
from bipin.scoring.models import Run

#: "All subdistricts and towns": the units of the district's own territory.
TERRITORIAL = (UnitKind.SUBDISTRICT, UnitKind.TOWN)
#: Units that may be indexed (not the district or a city above it).
_INDEXED_KINDS = (UnitKind.SUBDISTRICT, UnitKind.TOWN, UnitKind.DEPARTMENT, UnitKind.PLATFORM)

FROM_GROUP, FROM_TERRITORY, FROM_PICKED = "group", "towns", "units"


class IndexForm(StyledFormMixin, forms.Form):
    """Which units, which indicators, which month, which normalisation. Unit and group
    choices accept any unit or group: whether the user may index them is the access
    check's (a 403 naming them), not a form error."""

    period = forms.ChoiceField(label=gettext_lazy("月份"))
    units_from = forms.ChoiceField(
        label=gettext_lazy("参评单位"),
        choices=[
            (FROM_GROUP, gettext_lazy("比拼组")),
            (FROM_TERRITORY, gettext_lazy("全部街道和乡镇")),
            (FROM_PICKED, gettext_lazy("自选单位")),
        ],
        initial=FROM_GROUP,
        widget=forms.RadioSelect,
    )
    group = forms.ModelChoiceField(
        label=gettext_lazy("比拼组"), queryset=Group.objects.none(), required=False
    )
    units: "forms.ModelMultipleChoiceField[Unit]" = forms.ModelMultipleChoiceField(
        label=gettext_lazy("自选单位"),
        queryset=Unit.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    indicators = forms.ModelMultipleChoiceField(
        label=gettext_lazy("指标"),
        queryset=Indicator.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=gettext_lazy("不选则用比拼组评分方案的指标"),
    )
    normalization = forms.ChoiceField(
        label=gettext_lazy("熵权法标准化方式"),
        choices=Normalization.choices,
        initial=Normalization.SUM,
        widget=forms.RadioSelect,
    )

    def __init__(self, data: Any, *, user: User, months: list[dict[str, Any]]) -> None:
        super().__init__(data)
        self.user = user
        offered = [Period.parse(month["key"]) for month in months]
        asked = picked_period(self.data.get("period"))
        if asked is not None and asked not in offered:
            offered = sorted([*offered, asked], reverse=True)  # a month of an older year
        fields: Any = self.fields
        fields["period"].choices = [(str(month), month_label(month)) for month in offered]
        years = sorted({month.year for month in offered})
        fields["group"].queryset = Group.objects.restrict(user).filter(year__in=years)
        fields["units"].queryset = Unit.objects.filter(kind__in=_INDEXED_KINDS)
        fields["indicators"].queryset = Indicator.objects.restrict(user).active()

    def clean(self) -> dict[str, Any]:
        cleaned: dict[str, Any] = super().clean() or {}
        if "period" not in cleaned:
            return cleaned
        period = Period.parse(cleaned["period"])
        cleaned["period"] = period
        source = cleaned.get("units_from")
        group = cleaned.get("group")
        if source == FROM_GROUP:
            if group is None:
                self.add_error("group", _("请选择比拼组。"))
            elif group.year != period.year:
                self.add_error(
                    "group",
                    _("“%(group)s”是 %(year)s 年的比拼组，所选月份在 %(period_year)s 年。")
                    % {"group": group.name, "year": group.year, "period_year": period.year},
                )
        if source == FROM_PICKED and not cleaned.get("units"):
            self.add_error("units", _("请选择参评单位。"))
        if not cleaned.get("indicators") and source != FROM_GROUP:
            self.add_error("indicators", _("请至少选择一个指标。"))
        return cleaned

    def chosen_units(self) -> list[Unit]:
        source = self.cleaned_data["units_from"]
        units: Any
        if source == FROM_GROUP:
            units = Unit.objects.filter(memberships__group=self.cleaned_data["group"])
        elif source == FROM_TERRITORY:
            units = Unit.objects.filter(kind__in=TERRITORIAL, active=True)
        else:
            units = self.cleaned_data["units"]
        return list(units.order_by("order", "code"))

    def chosen_indicators(self) -> list[Indicator]:
        """The ticked indicators, or the group's scheme's items' (in the scheme's order)."""
        indicators = list(self.cleaned_data["indicators"])
        if indicators:
            return indicators
        scheme = scheme_for(self.cleaned_data["group"])
        if scheme is None:
            raise ValidationError(
                {"indicators": _("该比拼组还没有评分方案，请选择指标。")}, code="indicators"
            )
        return [item.indicator for item in scheme.items.select_related("indicator")]


def _defaults(user: User, months: list[dict[str, Any]]) -> dict[str, Any]:
    """What the page shows first: the latest month with a published board (or the latest
    month offered), the year's first group, its scheme's indicators, 比重法."""
    latest = Run.objects.restrict(user).current().order_by("-year", "-month").first()
    if latest is not None:
        period = latest.period
    else:
        period = Period.parse(months[1]["key"] if len(months) > 1 else months[0]["key"])
    group = Group.objects.restrict(user).filter(year=period.year).order_by("order").first()
    return {
        "period": str(period),
        "units_from": FROM_GROUP,
        "group": group.pk if group else "",
        "normalization": Normalization.SUM,
    }


def _choices(form: IndexForm) -> dict[str, Any]:
    """The groups and units offered (the page is for those who read every unit's values)."""
    fields: Any = form.fields
    groups = list(fields["group"].queryset.order_by("-year", "order"))
    units = list(
        Unit.objects.filter(kind__in=_INDEXED_KINDS, active=True).order_by("kind", "order", "code")
    )
    return {"group_choices": groups, "unit_choices": units}


def _picked(form: IndexForm, name: str) -> set[str]:
    values = form.data.getlist(name) if hasattr(form.data, "getlist") else form.data.get(name, [])
    return {str(value) for value in values}


@login_required
def index(request: AuthedRequest) -> HttpResponse:
    """The form and, once it is filled in (or on the first visit, for the user's own group
    and the latest published month), the ranking, the weights and the data matrix."""
    user = request.user
    check_index_access(user)
    months = month_choices(timezone.localdate())
    asked = "period" in request.GET
    data = request.GET if asked else _defaults(user, months)
    form = IndexForm(data, user=user, months=months)
    result: DevelopmentIndex | None = None
    switched = ""
    if form.is_valid():
        period = form.cleaned_data["period"]
        units = form.chosen_units()
        try:
            indicators = form.chosen_indicators()
            normalization = form.cleaned_data["normalization"]
            try:
                result = development_index(units, indicators, period, normalization=normalization)
            except ValidationError as error:
                # The first visit is not the user's choice: growths below zero are common,
                # and 比重法 cannot take them, so it shows 极差法 and says why.
                if asked or error.code != "negative":
                    raise
                switched = (error.params or {}).get("refusal", "")
                data = {**data, "normalization": Normalization.MINMAX}
                form = IndexForm(data, user=user, months=months)
                form.is_valid()
                result = development_index(
                    units, indicators, period, normalization=Normalization.MINMAX
                )
        except ValidationError as error:
            add_action_errors(form, error)
    if result is not None and request.GET.get("export") == "xlsx":
        return _export(result)
    query = request.GET.copy() if "period" in request.GET else None
    if query is None:
        query = _query_of(form, result)
    query.pop("export", None)
    context = {
        "form": form,
        "result": result,
        "export_query": query.urlencode(),
        "picked_units": _picked(form, "units"),
        "picked_indicators": _picked(form, "indicators")
        or {str(row.indicator.pk) for row in (result.indicators if result else [])},
        "switched": switched,
        **_choices(form),
    }
    if result is not None:
        context.update(_tables(result))
    template = "scoring/_index_result.html" if request.htmx else "scoring/index.html"
    return render(request, template, context)


@dataclass
class ShownCell:
    text: str
    filled: bool = False
    empty: bool = False


def _shown(number: Decimal | float | None, indicator: Indicator) -> str:
    """A number at the indicator's precision, without its unit (the column names it)."""
    if number is None:
        return "—"
    rounded = Decimal(repr(number) if isinstance(number, float) else number).quantize(
        indicator.quantum()
    )
    return f"{rounded:,.{indicator.decimals}f}"


def _weight(weight: float | None) -> str:
    return "" if weight is None else f"{weight:.4f}"


def _tables(result: DevelopmentIndex) -> dict[str, Any]:
    """The weights and the data matrix as the page shows them: weights to four places, a
    missing cell with the number it was scored on, marked."""
    weight_rows = [
        {
            "indicator": row.indicator,
            "weight": _weight(row.weight),
            "other_weight": _weight(row.other_weight),
            "empty": row.empty,
        }
        for row in result.indicators
    ]
    matrix_rows = [
        {
            "unit": row.unit,
            "cells": [
                ShownCell(
                    _shown(cell.amount if not cell.missing else cell.used, weighted.indicator),
                    filled=cell.filled,
                    empty=cell.missing and not cell.filled,
                )
                for weighted, cell in zip(result.indicators, row.cells, strict=True)
            ],
        }
        for row in result.results
    ]
    return {
        "month_label": month_label(result.period),
        "weight_rows": weight_rows,
        "matrix_rows": matrix_rows,
    }


def _query_of(form: IndexForm, result: DevelopmentIndex | None) -> Any:
    """The query string of the page's defaults (for its export link)."""
    query = QueryDict(mutable=True)
    for name in ("period", "units_from", "group", "normalization"):
        value = form.data.get(name)
        if value not in (None, ""):
            query[name] = str(value)
    if result is not None:
        query.setlist("indicators", [str(row.indicator.pk) for row in result.indicators])
    return query


# Excel -------------------------------------------------------------------------------------

RANKING_COLUMNS = (
    Column("rank", gettext_noop("名次"), width=8),
    Column("unit", gettext_noop("单位"), width=20),
    Column("index", gettext_noop("发展指数"), width=12, number_format="0.00"),
    Column("closeness", gettext_noop("贴近度"), width=12, number_format="0.000000"),
    Column("missing", gettext_noop("缺数据项"), width=10),
)
WEIGHT_COLUMNS = (
    Column("indicator", gettext_noop("指标"), width=24),
    Column("unit_of_measure", gettext_noop("计量单位"), width=10),
    Column("direction", gettext_noop("指标方向"), width=10),
    Column("weight", gettext_noop("权重（所选标准化）"), width=16, number_format="0.0000"),
    Column("other_weight", gettext_noop("权重（另一种标准化）"), width=18, number_format="0.0000"),
    Column("reported", gettext_noop("有数据单位数"), width=12),
    Column("fill", gettext_noop("缺数据时取值"), width=14),
)


def _export(result: DevelopmentIndex) -> HttpResponse:
    """The three tables of the page, one sheet each."""
    chosen = str(result.normalization.label)
    other = str(result.other_normalization.label)
    month = month_label(result.period)
    writer = WorkbookWriter()
    ranking = writer.table(
        _("排名"),
        RANKING_COLUMNS,
        heading=_("%(month)s 高质量发展指数（熵权 TOPSIS，%(normalization)s）")
        % {"month": month, "normalization": chosen},
    )
    for row in result.results:
        ranking.append(
            {
                "rank": row.rank,
                "unit": row.unit.name,
                "index": row.index,
                "closeness": row.closeness,
                "missing": row.missing_count or None,
            }
        )
    weights = writer.table(
        _("权重"),
        WEIGHT_COLUMNS,
        heading=_("熵权：所选 %(chosen)s；对照 %(other)s") % {"chosen": chosen, "other": other},
    )
    for weighted in result.indicators:
        weights.append(
            {
                "indicator": weighted.indicator.name,
                "unit_of_measure": weighted.indicator.unit_of_measure,
                "direction": Direction(weighted.indicator.direction).label,
                "weight": weighted.weight,
                "other_weight": weighted.other_weight,
                "reported": weighted.reported,
                "fill": weighted.fill if weighted.reported < len(result.results) else None,
            }
        )
    weights.totals(
        {
            "weight": sum(weighted.weight for weighted in result.indicators),
            "other_weight": sum(weighted.other_weight or 0.0 for weighted in result.indicators)
            if not result.other_error
            else None,
        }
    )
    matrix_columns = [
        Column("unit", gettext_noop("单位"), width=20),
        *(
            Column(
                f"i{weighted.indicator.pk}",
                f"{weighted.indicator.name}（{weighted.indicator.unit_of_measure}）",
                width=16,
                number_format="#,##0.00",
            )
            for weighted in result.indicators
        ),
    ]
    matrix = writer.table(
        _("数据"),
        matrix_columns,
        heading=_("%(month)s 已审核数据（空格为缺数据，按该指标最差值计算）") % {"month": month},
    )
    for row in result.results:
        matrix.append(
            {
                "unit": row.unit.name,
                **{
                    f"i{weighted.indicator.pk}": cell.amount
                    for weighted, cell in zip(result.indicators, row.cells, strict=True)
                },
            }
        )
    response = HttpResponse(writer.to_bytes(), content_type=XLSX)
    filename = _("高质量发展指数_%(period)s.xlsx") % {"period": result.period}
    response["Content-Disposition"] = content_disposition_header(True, filename) or ""
    return response


urlpatterns = [path("index/", index, name="index")]
