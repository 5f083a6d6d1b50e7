"""One filter class per list: the page, the API and the export use the same one."""

from typing import Any

import django_filters
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from bipin.core.choices import Role
from bipin.core.filters import FilterSet
from bipin.org.choices import UnitKind
from bipin.org.models import Group, Link, Unit, User


def _search(fields: list[str]) -> Any:
    def method(queryset: QuerySet, name: str, value: str) -> QuerySet:
        query = Q()
        for field in fields:
            query |= Q(**{f"{field}__icontains": value.strip()})
        return queryset.filter(query)

    return method


class UnitFilter(FilterSet):
    q = django_filters.CharFilter(label=_("搜索"), method=_search(["name", "short_name", "code"]))
    kind = django_filters.ChoiceFilter(
        label=_("类型"), choices=UnitKind.choices, empty_label=_("全部类型")
    )
    active = django_filters.BooleanFilter(label=_("启用"))
    # Only units the user may see are choices: a hidden unit answers like an unknown one.
    parent = django_filters.ModelChoiceFilter(
        label=_("上级单位"), queryset=lambda request: Unit.objects.restrict(request.user)
    )

    class Meta:
        model = Unit
        fields = ["q", "kind", "active", "parent"]


class GroupFilter(FilterSet):
    year = django_filters.NumberFilter(label=_("年度"))

    class Meta:
        model = Group
        fields = ["year"]


class PersonFilter(FilterSet):
    q = django_filters.CharFilter(
        label=_("搜索"), method=_search(["username", "name", "phone", "title"])
    )
    role = django_filters.ChoiceFilter(
        label=_("角色"), choices=Role.choices, empty_label=_("全部角色")
    )
    unit = django_filters.ModelChoiceFilter(
        label=_("单位"),
        queryset=lambda request: Unit.objects.restrict(request.user),
        empty_label=_("全部单位"),
    )
    is_active = django_filters.BooleanFilter(label=_("启用"))

    class Meta:
        model = User
        fields = ["q", "role", "unit", "is_active"]


class LinkFilter(FilterSet):
    leader = django_filters.ModelChoiceFilter(
        label=_("挂联领导"),
        queryset=User.objects.filter(role=Role.LEADER),
        empty_label=_("全部领导"),
    )
    current = django_filters.BooleanFilter(
        label=_("仅当前"), field_name="ended_on", lookup_expr="isnull"
    )

    class Meta:
        model = Link
        fields = ["leader", "current"]
