"""The filter classes of the enterprises' lists: one per list, serving its page, the API
and the Excel export alike (STYLE.md), so that what a user exports is what the page shows."""

from datetime import date
from typing import Any

import django_filters
from django import forms
from django.contrib.contenttypes.models import ContentType
from django.db.models import (
    BooleanField,
    Case,
    Count,
    Exists,
    ExpressionWrapper,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Value,
    When,
)
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from bipin.core.choices import Role
from bipin.core.filters import FilterSet
from bipin.enterprises.choices import OPEN, Grade, Intake, Size, Status
from bipin.enterprises.models import LOCAL_UNIT_KINDS, Enterprise, ServiceCategory, ServiceRequest
from bipin.org.choices import UnitKind
from bipin.org.models import Link, Unit, User
from bipin.projects.filters import IndustryChoiceFilter
from bipin.projects.models import Industry

# Enterprises -------------------------------------------------------------------------------


def enterprise_links(leader: Any = None) -> QuerySet:
    """The current links to enterprises, of one leader when given."""
    links = Link.objects.current().filter(
        content_type=ContentType.objects.get_for_model(Enterprise)
    )
    return links if leader is None else links.filter(leader=leader)


#: Units an enterprise list can be narrowed to: the towns and subdistricts enterprises
#: belong to, and the regions above them (a unit takes the enterprises below it).
FILTER_UNIT_KINDS = (
    UnitKind.PROVINCE, UnitKind.CITY, UnitKind.DISTRICT, UnitKind.SUBDISTRICT, UnitKind.TOWN,
)  # fmt: skip

#: Sort keys of the list and what each orders by (ascending; "-key" descends). The USCC
#: comes last: it is unique, so equal values keep a stable order across pages.
ENTERPRISE_SORTS: dict[str, tuple[str, ...]] = {
    "name": ("name", "uscc"),
    "uscc": ("uscc",),
    "unit": ("unit__order", "unit__code", "name", "uscc"),
    "employees": ("employees", "uscc"),
    "land": ("land_area", "uscc"),
}
DEFAULT_ENTERPRISE_SORT = "unit"
ENTERPRISE_SORT_CHOICES = [
    ("unit", _("所属镇街")),
    ("-unit", _("所属镇街（倒序）")),
    ("name", _("企业名称")),
    ("-name", _("企业名称（倒序）")),
    ("-employees", _("从业人数（多→少）")),
    ("employees", _("从业人数（少→多）")),
    ("-land", _("用地面积（大→小）")),
    ("land", _("用地面积（小→大）")),
    ("uscc", _("统一社会信用代码")),
    ("-uscc", _("统一社会信用代码（倒序）")),
]


def sort_enterprises(queryset: QuerySet, key: str) -> QuerySet:
    """Orders by a key of ENTERPRISE_SORTS; enterprises without a value go last either way."""
    descending = key.startswith("-")
    fields = ENTERPRISE_SORTS.get(key.lstrip("-"))
    if fields is None:
        return queryset
    order = []
    for index, field in enumerate(fields):
        if field == "uscc" and index > 0:
            order.append(F(field).asc())
        elif descending:
            order.append(F(field).desc(nulls_last=True))
        else:
            order.append(F(field).asc(nulls_last=True))
    return queryset.order_by(*order)


def _search_enterprises(queryset: QuerySet, name: str, value: str) -> QuerySet:
    text = value.strip()
    if not text:
        return queryset
    return queryset.filter(Q(name__icontains=text) | Q(uscc__icontains=text.upper()))


class EnterpriseFilter(FilterSet):
    """Filters of the enterprise list: the page, the API and the export."""

    q = django_filters.CharFilter(label=_("搜索"), method=_search_enterprises)
    # Only units the user may see are choices: a hidden unit answers like an unknown one.
    unit = django_filters.ModelChoiceFilter(
        label=_("所属镇街"),
        queryset=lambda request: (
            Unit.objects.restrict(request.user)
            .filter(kind__in=FILTER_UNIT_KINDS)
            .order_by("order", "code")
        ),
        empty_label=_("全部镇街"),
        method="filter_unit",
    )
    industry = IndustryChoiceFilter(
        label=_("行业"),
        queryset=Industry.objects.all(),
        to_field_name="code",
        empty_label=_("全部行业"),
    )
    size = django_filters.ChoiceFilter(
        label=_("规模"), choices=Size.choices, empty_label=_("规上与规下")
    )
    is_key = django_filters.BooleanFilter(label=_("重点企业"))
    # The class of the latest published 亩均 evaluation (set by the scoring app).
    grade = django_filters.ChoiceFilter(
        label=_("亩均评价类别"), choices=Grade.choices, empty_label=_("全部亩均类别")
    )
    leader = django_filters.ModelChoiceFilter(
        label=_("挂联领导"),
        queryset=User.objects.filter(role=Role.LEADER).order_by("username"),
        empty_label=_("全部领导"),
        method="filter_leader",
    )
    linked = django_filters.BooleanFilter(label=_("有挂联领导"), method="filter_linked")
    sort = django_filters.ChoiceFilter(
        label=_("排序"), choices=ENTERPRISE_SORT_CHOICES, empty_label=None, method="filter_sort"
    )

    class Meta:
        model = Enterprise
        fields = ["q", "unit", "industry", "size", "is_key", "grade", "leader", "linked", "sort"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        fields = self.form.fields
        fields["is_key"].widget.choices = [
            ("unknown", _("重点与否")),
            ("true", _("仅重点企业")),
            ("false", _("非重点企业")),
        ]
        fields["linked"].widget.choices = [
            ("unknown", _("挂联与否")),
            ("true", _("有挂联领导")),
            ("false", _("无挂联领导")),
        ]
        for name in ("is_key", "linked"):
            fields[name].widget.attrs["class"] = "form-select"

    def filter_queryset(self, queryset: QuerySet) -> QuerySet:
        queryset = super().filter_queryset(queryset)
        if not self.form.cleaned_data.get("sort"):
            queryset = sort_enterprises(queryset, DEFAULT_ENTERPRISE_SORT)
        return queryset

    def filter_unit(self, queryset: QuerySet, name: str, value: Unit) -> QuerySet:
        return queryset.filter(unit_id__in=Unit.objects.subtree_ids(value.pk))

    def filter_leader(self, queryset: QuerySet, name: str, value: User) -> QuerySet:
        return queryset.filter(Exists(enterprise_links(value).filter(object_id=OuterRef("pk"))))

    def filter_linked(self, queryset: QuerySet, name: str, value: bool | None) -> QuerySet:
        if value is None:
            return queryset
        linked = Exists(enterprise_links().filter(object_id=OuterRef("pk")))
        return queryset.filter(linked) if value else queryset.exclude(linked)

    def filter_sort(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return sort_enterprises(queryset, value)

    @property
    def sort_key(self) -> str:
        cleaned = getattr(self.form, "cleaned_data", {})
        return cleaned.get("sort") or DEFAULT_ENTERPRISE_SORT

    @property
    def advanced_used(self) -> bool:
        """Whether a filter behind "more filters" is set (the section opens)."""
        cleaned = getattr(self.form, "cleaned_data", {})
        return any(
            cleaned.get(name) not in (None, "", DEFAULT_ENTERPRISE_SORT)
            for name in ("grade", "leader", "linked", "sort")
        )


# Service requests --------------------------------------------------------------------------


def overdue_condition(today: date | None = None) -> Q:
    """Open and past its deadline (ServiceRequest.is_overdue, as a condition)."""
    return Q(status__in=OPEN, deadline__lt=today or timezone.localdate())


def with_request_overdue(queryset: QuerySet, today: date | None = None) -> QuerySet:
    """Annotates `late`: whether each request is open and past its deadline."""
    return queryset.annotate(
        late=ExpressionWrapper(overdue_condition(today), output_field=BooleanField())
    )


def request_totals(queryset: QuerySet, today: date | None = None) -> dict[str, int]:
    """How many requests, how many of them open and how many overdue (one query): the
    list's totals, and the export's totals row."""
    return queryset.order_by().aggregate(
        count=Count("pk"),
        open=Count("pk", filter=Q(status__in=OPEN)),
        overdue=Count("pk", filter=overdue_condition(today)),
    )


def _status_order() -> Case:
    """The order statuses are worked in (the stored codes sort alphabetically)."""
    return Case(
        *[When(status=status, then=Value(index)) for index, status in enumerate(Status)],
        output_field=IntegerField(),
    )


#: Sort keys of the request list and what each orders by (ascending; "-key" descends). The
#: code comes last: it is unique, so equal values keep a stable order across pages.
REQUEST_SORTS: dict[str, tuple[str, ...]] = {
    "submitted": ("submitted_on", "code"),
    "deadline": ("deadline", "code"),
    "code": ("code",),
    "enterprise": ("enterprise__name", "code"),
    "status": ("status_order", "code"),
}
DEFAULT_REQUEST_SORT = "-submitted"
REQUEST_SORT_CHOICES = [
    ("-submitted", _("提交日期（新→旧）")),
    ("submitted", _("提交日期（旧→新）")),
    ("deadline", _("办理期限（近→远）")),
    ("-deadline", _("办理期限（远→近）")),
    ("status", _("状态（前→后）")),
    ("-status", _("状态（后→前）")),
    ("enterprise", _("企业名称")),
    ("code", _("诉求编号")),
    ("-code", _("诉求编号（倒序）")),
]


def sort_requests(queryset: QuerySet, key: str) -> QuerySet:
    descending = key.startswith("-")
    fields = REQUEST_SORTS.get(key.lstrip("-"))
    if fields is None:
        return queryset
    if "status_order" in fields:
        queryset = queryset.annotate(status_order=_status_order())
    order = []
    for index, name in enumerate(fields):
        if name == "code" and index > 0:
            order.append(F(name).asc())
        else:
            order.append(F(name).desc() if descending else F(name).asc())
    return queryset.order_by(*order)


def _search_requests(queryset: QuerySet, name: str, value: str) -> QuerySet:
    text = value.strip()
    if not text:
        return queryset
    return queryset.filter(
        Q(code__icontains=text)
        | Q(description__icontains=text)
        | Q(enterprise__name__icontains=text)
        | Q(enterprise__uscc__icontains=text.upper())
    )


_DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class RequestFilter(FilterSet):
    """Filters of the request list: the page, the API and the Excel export. The choices of
    town and department are every such unit: a request of another town is simply not among
    what the user sees, so naming the town reveals nothing."""

    q = django_filters.CharFilter(label=_("搜索"), method=_search_requests)
    status = django_filters.ChoiceFilter(
        label=_("状态"), choices=Status.choices, empty_label=_("全部状态")
    )
    category = django_filters.ModelChoiceFilter(
        label=_("诉求类别"), queryset=ServiceCategory.objects.all(), empty_label=_("全部类别")
    )
    department = django_filters.ModelChoiceFilter(
        label=_("承办部门"),
        queryset=Unit.objects.filter(kind=UnitKind.DEPARTMENT).order_by("order", "code"),
        empty_label=_("全部部门"),
        method="filter_department",
    )
    town = django_filters.ModelChoiceFilter(
        label=_("所属镇街"),
        queryset=Unit.objects.filter(kind__in=LOCAL_UNIT_KINDS).order_by("order", "code"),
        empty_label=_("全部镇街"),
        field_name="enterprise__unit",
    )
    intake = django_filters.ChoiceFilter(
        label=_("受理渠道"), choices=Intake.choices, empty_label=_("全部渠道")
    )
    # One enterprise's requests (the link from its page); not a field of the list's form.
    enterprise = django_filters.NumberFilter(label=_("企业编号"), field_name="enterprise_id")
    overdue = django_filters.BooleanFilter(label=_("超期"), method="filter_overdue")
    submitted_from = django_filters.DateFilter(
        label=_("提交日期自"), field_name="submitted_on", lookup_expr="gte", widget=_DATE
    )
    submitted_to = django_filters.DateFilter(
        label=_("提交日期至"), field_name="submitted_on", lookup_expr="lte", widget=_DATE
    )
    sort = django_filters.ChoiceFilter(
        label=_("排序"), choices=REQUEST_SORT_CHOICES, empty_label=None, method="filter_sort"
    )

    class Meta:
        model = ServiceRequest
        fields = [
            "q", "status", "category", "department", "town", "intake", "enterprise", "overdue",
            "submitted_from", "submitted_to", "sort",
        ]  # fmt: skip

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        fields = self.form.fields
        fields["overdue"].widget.choices = [
            ("unknown", _("超期与否")),
            ("true", _("仅超期")),
            ("false", _("未超期")),
        ]
        fields["overdue"].widget.attrs["class"] = "form-select"

    def filter_queryset(self, queryset: QuerySet) -> QuerySet:
        queryset = super().filter_queryset(queryset)
        if not self.form.cleaned_data.get("sort"):
            queryset = sort_requests(queryset, DEFAULT_REQUEST_SORT)
        return queryset

    def filter_department(self, queryset: QuerySet, name: str, value: Unit) -> QuerySet:
        return queryset.assigned_to([value.pk])  # type: ignore[attr-defined]

    def filter_overdue(self, queryset: QuerySet, name: str, value: bool | None) -> QuerySet:
        if value is None:
            return queryset
        late = overdue_condition()
        return queryset.filter(late) if value else queryset.exclude(late)

    def filter_sort(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return sort_requests(queryset, value)

    @property
    def sort_key(self) -> str:
        cleaned = getattr(self.form, "cleaned_data", {})
        return cleaned.get("sort") or DEFAULT_REQUEST_SORT

    @property
    def advanced_used(self) -> bool:
        """Whether a filter behind "more filters" is set (the section opens)."""
        cleaned = getattr(self.form, "cleaned_data", {})
        return any(
            cleaned.get(name) not in (None, "", DEFAULT_REQUEST_SORT) for name in REQUEST_ADVANCED
        )


#: The filters behind "more filters" on the list page.
REQUEST_ADVANCED = ("intake", "town", "submitted_from", "submitted_to", "sort")
