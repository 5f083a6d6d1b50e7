"""The filters of the scoring lists: one class per list, serving the page, the API and the
Excel export alike (STYLE.md)."""

from typing import Any

import django_filters
from django import forms
from django.db.models import QuerySet
from django.utils.dates import MONTHS
from django.utils.translation import gettext_lazy as _

from bipin.core.filters import FilterSet
from bipin.org.models import Group
from bipin.scoring.choices import RunStatus
from bipin.scoring.models import Run

#: The months by name (Django's catalogue: 一月 … 十二月, January … December).
MONTH_CHOICES = list(MONTHS.items())


def _groups(request: Any) -> QuerySet:
    user = getattr(request, "user", None)
    if user is None:
        return Group.objects.none()
    return Group.objects.restrict(user).order_by("-year", "order", "code")


class GroupField(forms.ModelChoiceField):
    """A group named with its year ("2026 乡镇组"): the groups of several years share names."""

    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.year} {obj.name}"


class GroupChoiceFilter(django_filters.ModelChoiceFilter):
    field_class = GroupField


class RunFilterSet(FilterSet):
    """Scoring runs (评分记录): by group, year, month and status."""

    group = GroupChoiceFilter(queryset=_groups, label=_("比拼组"), empty_label=_("全部比拼组"))
    year = django_filters.NumberFilter(label=_("年度"))
    month = django_filters.ChoiceFilter(
        choices=MONTH_CHOICES, label=_("月份"), empty_label=_("全部月份")
    )
    status = django_filters.ChoiceFilter(
        choices=RunStatus.choices, label=_("状态"), empty_label=_("全部状态")
    )

    class Meta:
        model = Run
        fields = ["group", "year", "month", "status"]


# 亩均 ---------------------------------------------------------------------------------------
# (the 亩均 evaluation's filters; their imports are here so that this part stands alone)

from django.db.models import F, Q  # noqa: E402

from bipin.enterprises.choices import Grade, Size  # noqa: E402
from bipin.enterprises.models import LOCAL_UNIT_KINDS  # noqa: E402
from bipin.org.models import Unit  # noqa: E402
from bipin.scoring.models import EnterpriseFigures, EvaluationResult  # noqa: E402


def _evaluation_towns(request: Any) -> QuerySet:
    """The towns and subdistricts a user may name: those they see (a hidden one answers
    like an unknown one)."""
    user = getattr(request, "user", None)
    if user is None:
        return Unit.objects.none()
    return Unit.objects.restrict(user).filter(kind__in=LOCAL_UNIT_KINDS).order_by("order", "code")


def _search_enterprises(queryset: QuerySet, name: str, value: str) -> QuerySet:
    text = value.strip()
    if not text:
        return queryset
    return queryset.filter(
        Q(enterprise__name__icontains=text) | Q(enterprise__uscc__icontains=text.upper())
    )


class EvaluationResultFilter(FilterSet):
    """An evaluation's results (亩均评价结果): by size, class, town and a search of the
    enterprise's name or code; 规上 before 规下, each by rank (T last). Serves the results
    page, its Excel export and the API."""

    q = django_filters.CharFilter(label=_("搜索"), method=_search_enterprises)
    size = django_filters.ChoiceFilter(
        label=_("企业类别"), choices=Size.choices, empty_label=_("规上与规下")
    )
    grade = django_filters.ChoiceFilter(
        label=_("评价类别"), choices=Grade.choices, empty_label=_("全部类别")
    )
    unit = django_filters.ModelChoiceFilter(
        label=_("所属镇街"), queryset=_evaluation_towns, empty_label=_("全部镇街")
    )

    class Meta:
        model = EvaluationResult
        fields = ["q", "size", "grade", "unit"]

    def filter_queryset(self, queryset: QuerySet) -> QuerySet:
        return (
            super()
            .filter_queryset(queryset)
            .order_by("size", F("rank").asc(nulls_last=True), "enterprise__name", "pk")
        )


class FiguresFilter(FilterSet):
    """A year's 亩均 figures: by size, town and a search of the enterprise's name or code.
    Serves the figures page and its Excel export."""

    q = django_filters.CharFilter(label=_("搜索"), method=_search_enterprises)
    size = django_filters.ChoiceFilter(
        label=_("企业类别"), choices=Size.choices, empty_label=_("规上与规下")
    )
    unit = django_filters.ModelChoiceFilter(
        label=_("所属镇街"),
        queryset=_evaluation_towns,
        empty_label=_("全部镇街"),
        field_name="enterprise__unit",
    )

    class Meta:
        model = EnterpriseFigures
        fields = ["q", "size", "unit"]

    def filter_queryset(self, queryset: QuerySet) -> QuerySet:
        return (
            super()
            .filter_queryset(queryset)
            .order_by("enterprise__unit__order", "enterprise__name", "pk")
        )
