"""The filters of the indicator lists: one class per list, serving the page, the API and
the Excel export alike (STYLE.md)."""

from typing import Any

import django_filters
from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from bipin.core.filters import FilterSet
from bipin.indicators.choices import IndicatorKind, Source, ValueStatus
from bipin.indicators.models import Indicator, Target, Value
from bipin.org.models import Unit


def _units(request: Any) -> QuerySet:
    user = getattr(request, "user", None)
    return Unit.objects.restrict(user).active() if user is not None else Unit.objects.none()


def _indicators(request: Any) -> QuerySet:
    user = getattr(request, "user", None)
    return Indicator.objects.restrict(user) if user is not None else Indicator.objects.none()


class IndicatorFilterSet(FilterSet):
    """The catalogue: by kind, source, owner, and a search of code and name."""

    q = django_filters.CharFilter(method="search", label=_("搜索"))
    kind = django_filters.ChoiceFilter(
        choices=IndicatorKind.choices, label=_("指标类型"), empty_label=_("全部类型")
    )
    source = django_filters.ChoiceFilter(
        choices=Source.choices, label=_("数据来源"), empty_label=_("全部来源")
    )
    provider = django_filters.ModelChoiceFilter(
        queryset=Unit.objects.filter(kind="department"),
        label=_("数据提供部门"),
        empty_label=_("全部报送单位"),
    )
    active = django_filters.BooleanFilter(
        label=_("启用"),
        widget=forms.Select(
            choices=[("", _("启用与停用")), ("true", _("启用")), ("false", _("停用"))]
        ),
    )

    class Meta:
        model = Indicator
        fields = ["q", "kind", "source", "provider", "active"]

    def search(self, queryset: QuerySet, _name: str, text: str) -> QuerySet:
        text = text.strip()
        if not text:
            return queryset
        return queryset.filter(code__icontains=text) | queryset.filter(name__icontains=text)


class TargetFilterSet(FilterSet):
    """Targets: by year, indicator and unit."""

    year = django_filters.NumberFilter(label=_("年度"))
    indicator = django_filters.ModelChoiceFilter(queryset=_indicators, label=_("指标"))
    unit = django_filters.ModelChoiceFilter(queryset=_units, label=_("单位"))

    class Meta:
        model = Target
        fields = ["year", "indicator", "unit"]


class ValueFilterSet(FilterSet):
    """Monthly values: by period (year and month), indicator, unit (and the units below
    it), status and source."""

    year = django_filters.NumberFilter(label=_("年度"))
    month = django_filters.NumberFilter(label=_("月份"))
    indicator = django_filters.ModelChoiceFilter(queryset=_indicators, label=_("指标"))
    unit = django_filters.ModelChoiceFilter(
        queryset=_units, method="in_unit", label=_("单位（含下级）")
    )
    status = django_filters.ChoiceFilter(choices=ValueStatus.choices, label=_("状态"))
    source = django_filters.ChoiceFilter(
        field_name="indicator__source", choices=Source.choices, label=_("数据来源")
    )

    class Meta:
        model = Value
        fields = ["year", "month", "indicator", "unit", "status", "source"]

    def in_unit(self, queryset: QuerySet, _name: str, unit: Unit | None) -> QuerySet:
        if unit is None:
            return queryset
        return queryset.filter(unit__in=Unit.objects.subtree_ids(unit.pk))
