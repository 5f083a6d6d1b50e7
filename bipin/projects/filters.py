"""The one filter of the project list: the page, the API and the Excel export use it alike
(STYLE.md), so that what a user exports is what the page shows."""

from typing import Any

import django_filters
from django import forms
from django.contrib.contenttypes.models import ContentType
from django.db.models import Case, Exists, F, IntegerField, OuterRef, Q, QuerySet, Value, When
from django.utils.translation import gettext_lazy as _

from bipin.core.choices import Role
from bipin.core.filters import FilterSet
from bipin.org.choices import UnitKind
from bipin.org.models import Link, Unit, User
from bipin.projects.choices import PIPELINE, Channel, MajorClass, Stage
from bipin.projects.models import Industry, LeadingIndustry, Project


def with_overdue(queryset: QuerySet) -> QuerySet:
    """Annotates `late`: whether a milestone is past due, by the one definition of
    `ProjectQuerySet.overdue()` (one subquery, not one query per row)."""
    return queryset.annotate(late=Exists(Project.objects.overdue().filter(pk=OuterRef("pk"))))


def leader_links(leader: Any) -> QuerySet:
    """A leader's current links to projects."""
    return Link.objects.current().filter(
        leader=leader, content_type=ContentType.objects.get_for_model(Project)
    )


def _stage_order() -> Case:
    """The pipeline's order of the stages (the stored codes sort alphabetically)."""
    return Case(
        *[When(stage=stage, then=Value(index)) for index, stage in enumerate(PIPELINE)],
        default=Value(len(PIPELINE)),
        output_field=IntegerField(),
    )


#: Sort keys of the list and what each orders by (ascending; "-key" descends). The project
#: code comes last so that equal values keep a stable order across pages.
SORTS: dict[str, tuple[Any, ...]] = {
    "code": ("code",),
    "name": ("name", "code"),
    "amount": ("contracted_investment", "code"),
    "signed": ("signed_on", "code"),
    "stage": ("stage_order", "code"),
}
DEFAULT_SORT = "-signed"
SORT_CHOICES = [
    ("-signed", _("签约日期（新→旧）")),
    ("signed", _("签约日期（旧→新）")),
    ("-amount", _("总投资（大→小）")),
    ("amount", _("总投资（小→大）")),
    ("stage", _("阶段（前→后）")),
    ("-stage", _("阶段（后→前）")),
    ("code", _("项目编号")),
    ("-code", _("项目编号（倒序）")),
    ("name", _("项目名称")),
    ("-name", _("项目名称（倒序）")),
]


def sort_projects(queryset: QuerySet, key: str) -> QuerySet:
    """Orders by a key of SORTS; dates without a value go last either way."""
    descending = key.startswith("-")
    fields = SORTS.get(key.lstrip("-"))
    if fields is None:
        return queryset
    if "stage_order" in fields:
        queryset = queryset.annotate(stage_order=_stage_order())
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
        Q(name__icontains=text) | Q(investor_name__icontains=text) | Q(code__icontains=text)
    )


class IndustryChoiceFilter(django_filters.ModelChoiceFilter):
    """A section (门类) or a division (大类) by its code; a section takes its divisions."""

    def filter(self, queryset: QuerySet, value: Any) -> QuerySet:
        if not value:
            return queryset
        if value.is_section:
            return queryset.filter(industry__section=value)
        return queryset.filter(industry=value)


class ProjectFilter(FilterSet):
    """Filters of the project list. Merged projects are left out unless asked for."""

    q = django_filters.CharFilter(label=_("搜索"), method=_search)
    stage = django_filters.ChoiceFilter(
        label=_("阶段"), choices=Stage.choices, empty_label=_("全部阶段")
    )
    # Only units the user may see are choices: a hidden unit answers like an unknown one.
    # A unit takes the projects of the units below it (a town's platforms).
    responsible_unit = django_filters.ModelChoiceFilter(
        label=_("责任单位"),
        queryset=lambda request: Unit.objects.restrict(request.user).order_by("order", "code"),
        empty_label=_("全部单位"),
        method="filter_unit",
    )
    platform = django_filters.ModelChoiceFilter(
        label=_("落地平台"),
        queryset=Unit.objects.filter(kind=UnitKind.PLATFORM).order_by("order", "code"),
        empty_label=_("全部平台"),
    )
    industry = IndustryChoiceFilter(
        label=_("行业"),
        queryset=Industry.objects.all(),
        to_field_name="code",
        empty_label=_("全部行业"),
    )
    leading_industry = django_filters.ModelChoiceFilter(
        label=_("主导产业"), queryset=LeadingIndustry.objects.all(), empty_label=_("全部主导产业")
    )
    channel = django_filters.ChoiceFilter(
        label=_("招商方式"), choices=Channel.choices, empty_label=_("全部招商方式")
    )
    major_class = django_filters.ChoiceFilter(
        label=_("重大项目"),
        choices=MajorClass.choices,
        empty_label=_("全部规模"),
        method="filter_major_class",
    )
    leader = django_filters.ModelChoiceFilter(
        label=_("挂联领导"),
        queryset=User.objects.filter(role=Role.LEADER).order_by("username"),
        empty_label=_("全部领导"),
        method="filter_leader",
    )
    overdue = django_filters.BooleanFilter(label=_("逾期"), method="filter_overdue")
    year = django_filters.NumberFilter(label=_("计数年度"), field_name="counting_year")
    include_merged = django_filters.BooleanFilter(
        label=_("含已合并项目"), method="filter_include_merged", widget=forms.CheckboxInput
    )
    sort = django_filters.ChoiceFilter(
        label=_("排序"), choices=SORT_CHOICES, empty_label=None, method="filter_sort"
    )

    class Meta:
        model = Project
        fields = [
            "q", "stage", "responsible_unit", "platform", "industry", "leading_industry",
            "channel", "major_class", "leader", "overdue", "year", "include_merged", "sort",
        ]  # fmt: skip

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        fields = self.form.fields
        fields["overdue"].widget.choices = [
            ("unknown", _("逾期与否")),
            ("true", _("仅逾期")),
            ("false", _("未逾期")),
        ]
        fields["overdue"].widget.attrs["class"] = "form-select"
        fields["year"].widget.attrs.update({"placeholder": _("计数年度"), "min": 2000})

    def filter_queryset(self, queryset: QuerySet) -> QuerySet:
        queryset = super().filter_queryset(queryset)
        if not self.form.cleaned_data.get("include_merged"):
            queryset = queryset.current()  # type: ignore[attr-defined]
        if not self.form.cleaned_data.get("sort"):
            queryset = sort_projects(queryset, DEFAULT_SORT)
        return queryset

    def filter_unit(self, queryset: QuerySet, name: str, value: Unit) -> QuerySet:
        return queryset.filter(responsible_unit_id__in=Unit.objects.subtree_ids(value.pk))

    def filter_major_class(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.with_major_class(value)  # type: ignore[attr-defined]

    def filter_leader(self, queryset: QuerySet, name: str, value: User) -> QuerySet:
        return queryset.filter(Exists(leader_links(value).filter(object_id=OuterRef("pk"))))

    def filter_overdue(self, queryset: QuerySet, name: str, value: bool | None) -> QuerySet:
        if value is None:
            return queryset
        late = Exists(Project.objects.overdue().filter(pk=OuterRef("pk")))
        return queryset.filter(late) if value else queryset.exclude(late)

    def filter_include_merged(self, queryset: QuerySet, name: str, value: bool) -> QuerySet:
        return queryset  # applied in filter_queryset, where its absence counts too

    def filter_sort(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return sort_projects(queryset, value)

    @property
    def sort_key(self) -> str:
        cleaned = getattr(self.form, "cleaned_data", {})
        return cleaned.get("sort") or DEFAULT_SORT

    @property
    def advanced_fields(self) -> list[Any]:
        """The filters behind "more filters" on the page."""
        return [self.form[name] for name in ADVANCED[:-2]]

    @property
    def advanced_used(self) -> bool:
        """Whether a filter behind "more filters" is set (the section opens)."""
        cleaned = getattr(self.form, "cleaned_data", {})
        return any(cleaned.get(name) not in (None, "", False, DEFAULT_SORT) for name in ADVANCED)


ADVANCED = (
    "platform", "industry", "leading_industry", "channel", "major_class", "leader",
    "include_merged", "sort",
)  # fmt: skip
