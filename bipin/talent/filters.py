"""The one filter of the talent list: the page, the API and the Excel export use it alike
(STYLE.md), so that what a user exports is what the page shows."""

from typing import Any

import django_filters
from django.db.models import Case, F, IntegerField, Q, QuerySet, Value, When
from django.utils.translation import gettext_lazy as _

from bipin.core.filters import FilterSet
from bipin.enterprises.models import Enterprise
from bipin.org.models import Unit
from bipin.talent.choices import HIGH_LEVEL, Employment, TalentStatus, Tier
from bipin.talent.models import Talent

#: The two bands of the tier filter besides each tier.
HIGH_LEVEL_BAND = "high_level"
GRADUATE_BAND = "graduate"
TIER_CHOICES = [
    (HIGH_LEVEL_BAND, _("高层次人才（A–E 类）")),
    (GRADUATE_BAND, _("高校毕业生（全部）")),
    *Tier.choices,
]

#: Sort keys of the list and what each orders by; the code last keeps equal values in a
#: stable order across pages.
SORTS: dict[str, tuple[str, ...]] = {
    "code": ("code",),
    "name": ("name", "code"),
    "tier": ("tier", "code"),
    "introduced": ("introduced_on", "code"),
    "funding": ("project_funding", "code"),
}
DEFAULT_SORT = "-introduced"
SORT_CHOICES = [
    ("-introduced", _("引进日期（新→旧）")),
    ("introduced", _("引进日期（旧→新）")),
    ("tier", _("人才类别（A→本科）")),
    ("-funding", _("项目资助（多→少）")),
    ("name", _("姓名")),
    ("code", _("人才编号")),
    ("-code", _("人才编号（倒序）")),
]
#: The stored tier codes sort A…E, then bachelor, doctor, master: the order of the
#: classification instead.
_TIER_ORDER = {tier.value: index for index, tier in enumerate(Tier)}


def sort_talents(queryset: QuerySet, key: str) -> QuerySet:
    """Orders by a key of SORTS; empty values go last either way."""
    descending = key.startswith("-")
    fields = SORTS.get(key.lstrip("-"))
    if fields is None:
        return queryset
    if "tier" in fields:
        queryset = queryset.annotate(
            tier_order=Case(
                *[When(tier=tier, then=Value(index)) for tier, index in _TIER_ORDER.items()],
                output_field=IntegerField(),
            )
        )
        fields = tuple("tier_order" if field == "tier" else field for field in fields)
    order = []
    for field in fields:
        if field == "code" and field != fields[0]:
            order.append(F(field).asc())
        elif descending:
            order.append(F(field).desc(nulls_last=True))
        else:
            order.append(F(field).asc(nulls_last=True))
    return queryset.order_by(*order)


def _search(queryset: QuerySet, name: str, value: str) -> QuerySet:
    text = value.strip()
    if not text:
        return queryset
    return queryset.filter(
        Q(name__icontains=text)
        | Q(code__icontains=text)
        | Q(field__icontains=text)
        | Q(project_name__icontains=text)
        | Q(employer__name__icontains=text)
    )


def _visible_units(request: Any) -> QuerySet[Unit]:
    # Only units the user may see are choices: a hidden unit answers like an unknown one.
    return Unit.objects.restrict(request.user).order_by("order", "code")


def _visible_employers(request: Any) -> QuerySet[Enterprise]:
    """Enterprises that employ a talent the user may see: the employer filter's choices,
    drawn from the user's own talents."""
    talents = Talent.objects.restrict(request.user).values("employer_id")
    return Enterprise.objects.filter(pk__in=talents).order_by("name")


class TalentFilter(FilterSet):
    q = django_filters.CharFilter(label=_("搜索"), method=_search)
    tier = django_filters.ChoiceFilter(
        label=_("人才类别"), choices=TIER_CHOICES, empty_label=_("全部类别"), method="filter_tier"
    )
    # A unit takes the talents of the units below it (a town's platforms).
    introducing_unit = django_filters.ModelChoiceFilter(
        label=_("引进单位"),
        queryset=_visible_units,
        empty_label=_("全部单位"),
        method="filter_unit",
    )
    employer = django_filters.ModelChoiceFilter(
        label=_("工作单位"), queryset=_visible_employers, empty_label=_("全部企业")
    )
    employment = django_filters.ChoiceFilter(
        label=_("引进方式"), choices=Employment.choices, empty_label=_("全职与柔性")
    )
    settled = django_filters.BooleanFilter(label=_("落户"))
    status = django_filters.ChoiceFilter(
        label=_("状态"), choices=TalentStatus.choices, empty_label=_("全部状态")
    )
    year = django_filters.NumberFilter(label=_("引进年度"), field_name="introduced_on__year")
    sort = django_filters.ChoiceFilter(
        label=_("排序"), choices=SORT_CHOICES, empty_label=None, method="filter_sort"
    )

    class Meta:
        model = Talent
        fields = [
            "q", "tier", "introducing_unit", "employer", "employment", "settled", "status",
            "year", "sort",
        ]  # fmt: skip

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        fields = self.form.fields
        fields["settled"].widget.choices = [
            ("unknown", _("落户与否")),
            ("true", _("已落户")),
            ("false", _("未落户")),
        ]
        fields["settled"].widget.attrs["class"] = "form-select"
        fields["year"].widget.attrs.update({"placeholder": _("引进年度"), "min": 2000})

    def filter_queryset(self, queryset: QuerySet) -> QuerySet:
        queryset = super().filter_queryset(queryset)
        if not self.form.cleaned_data.get("sort"):
            queryset = sort_talents(queryset, DEFAULT_SORT)
        return queryset

    def filter_tier(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        if value == HIGH_LEVEL_BAND:
            return queryset.filter(tier__in=HIGH_LEVEL)
        if value == GRADUATE_BAND:
            return queryset.exclude(tier__in=HIGH_LEVEL)
        return queryset.filter(tier=value)

    def filter_unit(self, queryset: QuerySet, name: str, value: Unit) -> QuerySet:
        return queryset.filter(introducing_unit_id__in=Unit.objects.subtree_ids(value.pk))

    def filter_sort(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return sort_talents(queryset, value)

    @property
    def sort_key(self) -> str:
        cleaned = getattr(self.form, "cleaned_data", {})
        return cleaned.get("sort") or DEFAULT_SORT

    @property
    def advanced_used(self) -> bool:
        """Whether a filter behind "more filters" is set (the section opens)."""
        cleaned = getattr(self.form, "cleaned_data", {})
        return any(cleaned.get(name) not in (None, "", DEFAULT_SORT) for name in ADVANCED)


#: The filters behind "more filters" on the page.
ADVANCED = ("employer", "employment", "status", "sort")
