"""Pages of enterprise service requests (企业诉求): the list with its filters and totals,
the request page with its steps as a timeline, a form per step, a department's queue (我的
待办), the figures of the 最多跑一次 promise, and the supervisor's categories.

Who may take a step is the actions' rule (`actions.check_step`): a page offers only the
steps the user may take now, and a step's page refuses the others with the action's own
message (403 for a user who may not take it at all; back to the request, with the message,
when the request is not in a status the step starts from). Every write goes through
enterprises.actions.
"""

import copy
from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Case, DateField, Exists, F, IntegerField, OuterRef, Q, Value, When
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from bipin.core.choices import Action
from bipin.core.views import form_page, get_restricted_or_404, require_action
from bipin.enterprises import actions
from bipin.enterprises.choices import OPEN, Status
from bipin.enterprises.filters import (
    RequestFilter,
    request_totals,
    with_request_overdue,
)
from bipin.enterprises.forms import (
    AssignForm,
    CategoryForm,
    CloseForm,
    FinishForm,
    ReopenForm,
    RequestForm,
    StartForm,
    request_enterprises,
)
from bipin.enterprises.models import ServiceCategory, ServiceRequest
from bipin.enterprises.stats import request_figures
from bipin.org.choices import UnitKind
from bipin.org.models import Unit
from bipin.org.views import AuthedRequest

PAGE_SIZE = 50
#: What a row of a list shows besides the request itself.
_LIST_RELATED = ("enterprise", "enterprise__unit", "category")
#: The step pages: (step, icon) in the order the detail page offers them.
STEP_BUTTONS = (
    ("assign", "bi-signpost-split"),
    ("start", "bi-play-circle"),
    ("finish", "bi-check2-circle"),
    ("close", "bi-lock"),
    ("reopen", "bi-arrow-counterclockwise"),
    ("edit", "bi-pencil"),
)


def _excel_urls() -> dict[str, str | None]:
    """The generic Excel pages of the kind "requests" (core's /excel/<kind>/), if mounted."""
    urls: dict[str, str | None] = {}
    for name in ("import", "template", "export"):
        try:
            urls[name] = reverse(f"excel:{name}", kwargs={"kind": "requests"})
        except NoReverseMatch:
            urls[name] = None
    return urls


def _may_submit(request: AuthedRequest) -> bool:
    """Whether the user takes requests in for some enterprise (their town's, or any)."""
    return request_enterprises(request.user).exists()


# The list ----------------------------------------------------------------------------------


def _filtered(request: AuthedRequest) -> RequestFilter:
    visible = ServiceRequest.objects.restrict(request.user, Action.VIEW)
    return RequestFilter(request.GET, queryset=visible, request=request)


def _rows(queryset: Any) -> Any:
    """A list's rows: each request with what its row shows, in a fixed number of queries."""
    return with_request_overdue(
        queryset.select_related(*_LIST_RELATED).prefetch_related("departments")
    )


@login_required
def request_list(request: AuthedRequest) -> HttpResponse:
    """The requests the user may see, filtered and sorted, with the totals of what is
    filtered (how many, open, overdue); htmx swaps in the results only."""
    filterset = _filtered(request)
    requests = filterset.qs
    page = Paginator(_rows(requests), PAGE_SIZE).get_page(request.GET.get("page"))
    may_submit = _may_submit(request)
    context = {
        "filter": filterset,
        "page": page,
        "totals": request_totals(requests),
        "sort": filterset.sort_key,
        "can_add": may_submit,
        "excel": _excel_urls(),
    }
    template = "enterprises/_request_rows.html" if request.htmx else "enterprises/request_list.html"
    return render(request, template, context)


@login_required
def request_queue(request: AuthedRequest) -> HttpResponse:
    """我的待办: the requests assigned to the user's department(s), and those of the user's
    town that wait for the town (to be assigned, or closed with the enterprise). The open
    ones first, the overdue first among them, then by deadline; `?all=1` adds the finished
    ones (newest first) after them."""
    user = request.user
    scope = user.scope_unit_ids()
    assigned = ServiceRequest.departments.through.objects.filter(
        servicerequest=OuterRef("pk"), unit__in=scope
    )
    waiting_at_town = Q(enterprise__unit__in=scope, status__in=(Status.SUBMITTED, Status.DONE))
    everything = ServiceRequest.objects.restrict(user, Action.VIEW).filter(
        Q(Exists(assigned)) | waiting_at_town
    )
    pending = everything.filter(Q(status__in=OPEN) | waiting_at_town)
    show_all = request.GET.get("all") == "1"
    queue = (everything if show_all else pending).annotate(
        open_rank=Case(
            When(status__in=OPEN, then=Value(0)), default=Value(1), output_field=IntegerField()
        ),
        open_deadline=Case(
            When(status__in=OPEN, then=F("deadline")), default=None, output_field=DateField()
        ),
    )
    rows = _rows(queue).order_by("open_rank", "-late", "open_deadline", "-submitted_on", "code")
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    for service_request in page:
        service_request.my_steps = [
            (step, actions.STEP_RULES[step].label)
            for step in actions.allowed_steps(service_request, user)
            if step in ("assign", "start", "finish", "close")
        ]
    departments = Unit.objects.filter(pk__in=scope, kind=UnitKind.DEPARTMENT).order_by(
        "order", "code"
    )
    context = {
        "page": page,
        "totals": request_totals(queue),
        "show_all": show_all,
        "departments": departments,
    }
    return render(request, "enterprises/request_queue.html", context)


# The request page --------------------------------------------------------------------------


def _get(request: AuthedRequest, pk: int) -> ServiceRequest:
    """The request, if the user may see it (else 404), with what its pages show."""
    return get_restricted_or_404(
        ServiceRequest.objects.select_related(*_LIST_RELATED).prefetch_related("departments"),
        request.user,
        pk=pk,
    )


@login_required
def request_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    service_request = _get(request, pk)
    allowed = set(actions.allowed_steps(service_request, request.user))
    today = timezone.localdate()
    context = {
        "service_request": service_request,
        "steps": service_request.steps.select_related("actor", "actor__unit"),
        "buttons": [
            (step, icon, actions.STEP_RULES[step].label)
            for step, icon in STEP_BUTTONS
            if step in allowed
        ],
        "late": service_request.is_overdue(today),
        "days_left": (service_request.deadline - today).days,
        "days_late": (today - service_request.deadline).days,
        "statuses": [status for status in Status if status != Status.REOPENED],
        "today": today,
    }
    return render(request, "enterprises/request_detail.html", context)


# Forms -------------------------------------------------------------------------------------


@login_required
def request_create(request: AuthedRequest) -> HttpResponse:
    """A new request; `?enterprise=<id>` (from an enterprise's page) chooses its enterprise."""
    if not _may_submit(request):
        raise PermissionDenied(_("只有督查室或企业所在镇街可以登记诉求。"))
    initial = {"enterprise": request.GET.get("enterprise")} if request.GET.get("enterprise") else {}
    form = RequestForm(request.POST or None, initial=initial, user=request.user)
    return form_page(
        request,
        form,
        lambda: actions.do_submit_request(
            actor=request.user, submitted_on=form.cleaned_data["submitted_on"], **form.changes()
        ),
        title=_("登记企业诉求"),
        done=_("诉求“%(name)s”已登记。"),
        cancel_url=reverse("enterprises:requests"),
    )


def _for_step(request: AuthedRequest, pk: int, step: str) -> ServiceRequest | HttpResponse:
    """The request for a step's page: 404 when the user may not see it, 403 with the
    action's message when they may not take the step, back to the request with the
    message when it is not in a status the step starts from."""
    service_request = _get(request, pk)
    try:
        actions.check_step(service_request, request.user, step)
    except ValidationError as error:
        message = "；".join(error.messages)
        if error.code == "not_allowed":
            raise PermissionDenied(message) from None
        messages.error(request, message)
        return redirect(service_request)
    return service_request


def _step_page(
    request: AuthedRequest,
    pk: int,
    step: str,
    make_form: Callable[[ServiceRequest], Any],
    save: Callable[[ServiceRequest, Any], ServiceRequest],
    *,
    done: str,
) -> HttpResponse:
    found = _for_step(request, pk, step)
    if isinstance(found, HttpResponse):
        return found
    form = make_form(found)
    label = actions.STEP_RULES[step].label
    return form_page(
        request,
        form,
        lambda: save(found, form.cleaned_data),
        title=_("%(step)s诉求：%(name)s") % {"step": label, "name": found},
        done=done,
        cancel_url=found.get_absolute_url(),
    )


@login_required
def request_edit(request: AuthedRequest, pk: int) -> HttpResponse:
    def make_form(found: ServiceRequest) -> RequestForm:
        # The form validates on a copy: the action compares the stored request with it.
        return RequestForm(request.POST or None, instance=copy.copy(found), user=request.user)

    def save(found: ServiceRequest, data: dict[str, Any]) -> ServiceRequest:
        changes = {name: data[name] for name in actions.REQUEST_FIELDS}
        return actions.do_update_request(
            found, actor=request.user, reason=data["reason"], **changes
        )

    return _step_page(request, pk, "edit", make_form, save, done=_("诉求“%(name)s”已保存。"))


@login_required
def request_assign(request: AuthedRequest, pk: int) -> HttpResponse:
    def make_form(found: ServiceRequest) -> AssignForm:
        initial = {"departments": [unit.pk for unit in found.departments.all()]}
        return AssignForm(request.POST or None, initial=initial)

    def save(found: ServiceRequest, data: dict[str, Any]) -> ServiceRequest:
        return actions.do_assign_request(
            found, actor=request.user, departments=list(data["departments"]), note=data["note"]
        )

    return _step_page(request, pk, "assign", make_form, save, done=_("诉求“%(name)s”已分派。"))


@login_required
def request_start(request: AuthedRequest, pk: int) -> HttpResponse:
    def save(found: ServiceRequest, data: dict[str, Any]) -> ServiceRequest:
        return actions.do_start_request(found, actor=request.user, note=data["note"])

    return _step_page(
        request,
        pk,
        "start",
        lambda found: StartForm(request.POST or None),
        save,
        done=_("诉求“%(name)s”已受理。"),
    )


@login_required
def request_finish(request: AuthedRequest, pk: int) -> HttpResponse:
    def save(found: ServiceRequest, data: dict[str, Any]) -> ServiceRequest:
        return actions.do_finish_request(
            found,
            actor=request.user,
            reply=data["reply"],
            visits=data["visits"],
            done_on=data["done_on"],
        )

    return _step_page(
        request,
        pk,
        "finish",
        lambda found: FinishForm(request.POST or None),
        save,
        done=_("诉求“%(name)s”已办结。"),
    )


@login_required
def request_close(request: AuthedRequest, pk: int) -> HttpResponse:
    def save(found: ServiceRequest, data: dict[str, Any]) -> ServiceRequest:
        return actions.do_close_request(
            found,
            actor=request.user,
            satisfaction=data["satisfaction"],
            closed_on=data["closed_on"],
            note=data["note"],
        )

    return _step_page(
        request,
        pk,
        "close",
        lambda found: CloseForm(request.POST or None),
        save,
        done=_("诉求“%(name)s”已关闭。"),
    )


@login_required
def request_reopen(request: AuthedRequest, pk: int) -> HttpResponse:
    def save(found: ServiceRequest, data: dict[str, Any]) -> ServiceRequest:
        return actions.do_reopen_request(found, actor=request.user, reason=data["reason"])

    return _step_page(
        request,
        pk,
        "reopen",
        lambda found: ReopenForm(request.POST or None),
        save,
        done=_("诉求“%(name)s”已重新打开，退回承办部门办理。"),
    )


# Figures -----------------------------------------------------------------------------------


@login_required
def request_stats(request: AuthedRequest) -> HttpResponse:
    """The figures of the promise (stats.request_figures) over the requests the user may
    see, narrowed by the list's own filter (a date range of submission, a category …):
    overall, and per department they are assigned to."""
    filterset = _filtered(request)
    today = timezone.localdate()
    overall, departments = request_figures(filterset.qs, today)
    context = {
        "filter": filterset,
        "overall": overall,
        "departments": departments,
        "today": today,
    }
    return render(request, "enterprises/request_stats.html", context)


# Categories --------------------------------------------------------------------------------


@login_required
def categories(request: AuthedRequest) -> HttpResponse:
    """The categories of requests and their time limits; the supervisor changes them."""
    visible = ServiceCategory.objects.restrict(request.user, Action.VIEW)
    can_change = not ServiceCategory.objects.restrict(request.user, Action.CHANGE).query.is_empty()
    return render(
        request,
        "enterprises/request_categories.html",
        {"categories": visible.order_by("order", "name"), "can_change": can_change},
    )


def _save_category(request: AuthedRequest, category: ServiceCategory | None) -> HttpResponse:
    form = CategoryForm(request.POST or None, instance=copy.copy(category))
    return form_page(
        request,
        form,
        lambda: actions.do_save_category(
            category,
            actor=request.user,
            reason=form.cleaned_data.get("reason", ""),
            **form.changes(),
        ),
        title=_("修改诉求类别：%(name)s") % {"name": category.name}
        if category
        else _("新增诉求类别"),
        done=_("诉求类别“%(name)s”已保存。"),
        cancel_url=reverse("enterprises:categories"),
        next_url=lambda saved: reverse("enterprises:categories"),
    )


@login_required
def category_create(request: AuthedRequest) -> HttpResponse:
    require_action(ServiceCategory.objects.all(), request.user, Action.ADD)
    return _save_category(request, None)


@login_required
def category_edit(request: AuthedRequest, pk: int) -> HttpResponse:
    category = get_restricted_or_404(
        ServiceCategory.objects.all(), request.user, Action.CHANGE, pk=pk
    )
    return _save_category(request, category)
