"""Pages of the enterprise registry: the list with its filters and totals, the enterprise
page with its leaders, requests and history, the forms, a leader's linked enterprises, and
the enterprises section of a town's page. Every write goes through enterprises.actions;
Excel import and export are the generic pages of every registered kind (core's /excel/)."""

import copy
from decimal import Decimal
from typing import Any

from django.contrib.auth.decorators import login_required
from django.contrib.contenttypes.models import ContentType
from django.core.paginator import Paginator
from django.db.models import Count, Prefetch, Q, QuerySet, Sum
from django.http import HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from bipin.core.choices import Action
from bipin.core.excel import writable_unit_ids
from bipin.core.views import form_page, get_restricted_or_404, require_action
from bipin.enterprises import actions
from bipin.enterprises.choices import OPEN, Size
from bipin.enterprises.filters import FILTER_UNIT_KINDS, EnterpriseFilter, enterprise_links
from bipin.enterprises.forms import EnterpriseForm
from bipin.enterprises.models import Enterprise, ServiceRequest
from bipin.org.models import Link, Unit
from bipin.org.views import AuthedRequest

PAGE_SIZE = 50
#: What a row of the list shows besides the enterprise itself.
_LIST_RELATED = ("unit", "industry")
#: Requests shown on an enterprise's page (the newest); the count says how many there are.
RECENT_REQUESTS = 10
#: Key enterprises named in a unit's section; the link to the list shows the rest.
SECTION_KEY_ENTERPRISES = 12


def enterprise_totals(queryset: QuerySet[Enterprise]) -> dict[str, Any]:
    """How many enterprises, how many key and above-scale ones, their employees and land
    area (亩): one query."""
    totals = queryset.order_by().aggregate(
        count=Count("pk"),
        key=Count("pk", filter=Q(is_key=True)),
        above_scale=Count("pk", filter=Q(size=Size.ABOVE_SCALE)),
        employees=Sum("employees"),
        land_area=Sum("land_area"),
    )
    totals["employees"] = totals["employees"] or 0
    totals["land_area"] = totals["land_area"] or Decimal(0)
    return totals


def _enterprise_type() -> ContentType:
    return ContentType.objects.get_for_model(Enterprise)


def _leaders_by_enterprise(user: Any, enterprise_ids: list[int]) -> dict[int, list[Link]]:
    """The current links of these enterprises that `user` may see, by enterprise: one query."""
    links: dict[int, list[Link]] = {}
    if not enterprise_ids:
        return links
    visible = Link.objects.restrict(user).current().filter(content_type=_enterprise_type())
    for link in visible.filter(object_id__in=enterprise_ids).select_related("leader"):
        links.setdefault(link.object_id, []).append(link)
    return links


# The list ----------------------------------------------------------------------------------


def _filtered(request: AuthedRequest) -> EnterpriseFilter:
    visible = Enterprise.objects.restrict(request.user, Action.VIEW)
    return EnterpriseFilter(request.GET, queryset=visible, request=request)


@login_required
def enterprise_list(request: AuthedRequest) -> HttpResponse:
    """The enterprises the user may see, filtered and sorted, with the totals of what is
    filtered; htmx swaps in the results only."""
    filterset = _filtered(request)
    enterprises = filterset.qs
    page = Paginator(enterprises.select_related(*_LIST_RELATED), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    leaders = _leaders_by_enterprise(request.user, [enterprise.pk for enterprise in page])
    for enterprise in page:
        enterprise.current_links = leaders.get(enterprise.pk, [])
    context = {
        "filter": filterset,
        "page": page,
        "totals": enterprise_totals(enterprises),
        "sort": filterset.sort_key,
        "can_add": not Enterprise.objects.restrict(request.user, Action.ADD).query.is_empty(),
    }
    template = (
        "enterprises/_enterprise_rows.html" if request.htmx else "enterprises/enterprise_list.html"
    )
    return render(request, template, context)


@login_required
def my_enterprises(request: AuthedRequest) -> HttpResponse:
    """A leader's linked enterprises (我挂联的重点企业), each with its open requests: those
    with overdue requests first, then those with the most open, so that what needs a push
    is at the top; within an enterprise the requests by deadline (the overdue first)."""
    today = timezone.localdate()
    open_requests = (
        ServiceRequest.objects.restrict(request.user)
        .open()
        .select_related("category")
        .order_by("deadline", "code")
    )
    enterprises = list(
        Enterprise.objects.restrict(request.user)
        .filter(pk__in=enterprise_links(request.user).values("object_id"))
        .select_related(*_LIST_RELATED)
        .prefetch_related(Prefetch("requests", queryset=open_requests, to_attr="open_requests"))
    )
    for enterprise in enterprises:
        enterprise.overdue_count = sum(
            1 for item in enterprise.open_requests if item.deadline < today
        )
    enterprises.sort(key=lambda e: (-e.overdue_count, -len(e.open_requests), not e.is_key, e.name))
    context = {
        "enterprises": enterprises,
        "overdue_count": sum(enterprise.overdue_count for enterprise in enterprises),
        "open_count": sum(len(enterprise.open_requests) for enterprise in enterprises),
        "today": today,
    }
    return render(request, "enterprises/enterprise_mine.html", context)


# The enterprise page -----------------------------------------------------------------------


@login_required
def enterprise_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    enterprise = get_restricted_or_404(
        Enterprise.objects.select_related("unit", "industry__section"), request.user, pk=pk
    )
    today = timezone.localdate()
    requests = ServiceRequest.objects.restrict(request.user).filter(enterprise=enterprise)
    request_counts = requests.order_by().aggregate(
        total=Count("pk"),
        open=Count("pk", filter=Q(status__in=OPEN)),
        overdue=Count("pk", filter=Q(status__in=OPEN, deadline__lt=today)),
    )
    links = (
        Link.objects.restrict(request.user)
        .current()
        .filter(content_type=_enterprise_type(), object_id=enterprise.pk)
        .select_related("leader")
    )
    context = {
        "enterprise": enterprise,
        "links": links,
        "requests": list(requests.select_related("category")[:RECENT_REQUESTS]),
        "request_counts": request_counts,
        "can_change": Enterprise.objects.can(request.user, Action.CHANGE, enterprise),
        "can_link": not Link.objects.restrict(request.user, Action.ADD).query.is_empty(),
        "today": today,
    }
    return render(request, "enterprises/enterprise_detail.html", context)


# Forms -------------------------------------------------------------------------------------


@login_required
def enterprise_create(request: AuthedRequest) -> HttpResponse:
    require_action(Enterprise.objects.all(), request.user, Action.ADD)
    form = EnterpriseForm(request.POST or None, user=request.user)
    return form_page(
        request,
        form,
        lambda: actions.do_create_enterprise(actor=request.user, **form.changes()),
        title=_("录入企业"),
        done=_("企业“%(name)s”已录入。"),
        cancel_url=reverse("enterprises:list"),
    )


@login_required
def enterprise_edit(request: AuthedRequest, pk: int) -> HttpResponse:
    enterprise = get_restricted_or_404(Enterprise.objects.all(), request.user, Action.CHANGE, pk=pk)
    # The form validates on a copy: the action applies the changes to the stored enterprise.
    form = EnterpriseForm(request.POST or None, instance=copy.copy(enterprise), user=request.user)
    return form_page(
        request,
        form,
        lambda: actions.do_update_enterprise(
            enterprise, actor=request.user, reason=form.cleaned_data["reason"], **form.changes()
        ),
        title=_("修改企业：%(name)s") % {"name": enterprise.name},
        done=_("企业“%(name)s”已保存。"),
        cancel_url=enterprise.get_absolute_url(),
    )


# The section of a town's page --------------------------------------------------------------


def unit_section(request: AuthedRequest, unit: Unit) -> str:
    """The enterprises of a town or subdistrict (or of the region above them) that the user
    may see: how many, the key ones, and links to the list filtered by the unit. Nothing for
    a department or platform, nor for a user who sees no enterprise of the unit: three
    queries."""
    if unit.kind not in FILTER_UNIT_KINDS:
        return ""
    subtree = Unit.objects.subtree_ids(unit.pk)
    # Whose enterprises the user sees (None: all); a unit outside that has no section.
    scope = writable_unit_ids(request.user, Enterprise.objects.all(), Action.VIEW)
    if scope is not None and not scope & set(subtree):
        return ""
    enterprises = Enterprise.objects.restrict(request.user).filter(unit_id__in=subtree)
    totals = enterprise_totals(enterprises)
    key = list(
        enterprises.filter(is_key=True)
        .select_related("industry")
        .order_by("name")[:SECTION_KEY_ENTERPRISES]
    )
    list_url = reverse("enterprises:list")
    context = {
        "unit": unit,
        "totals": totals,
        "key_enterprises": key,
        "list_url": f"{list_url}?unit={unit.pk}",
        "key_url": f"{list_url}?unit={unit.pk}&is_key=true",
    }
    return render_to_string("enterprises/_enterprise_unit_section.html", context, request=request)
