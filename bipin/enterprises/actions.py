"""Writes of enterprises and their service requests.

Each action is one transaction, validates the whole object, and records who did it and
why in the object's history; a request's status steps are RequestSteps as well. Views, the
API, imports and the demo all call these.

The steps of a request (企业诉求) and who takes them:

    提交 ─分派→ 已分派 ─受理→ 办理中 ─办结→ 已办结 ─关闭→ 已关闭
      (the town or the supervisor)  (the assigned departments)  (the town, with the enterprise)
    已办结 or 已关闭 ─重新打开→ 重新打开 ─受理→ 办理中 …  (the enterprise is not satisfied)

A request may be assigned again while it is open. Finishing needs the reply and the number
of visits the enterprise made (跑动次数); closing needs the reply and the enterprise's
satisfaction, which an unfinished request cannot have. Dates of what has happened may not
lie in the future.
"""

from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from bipin.core.choices import Action, Role
from bipin.core.history import save_with_history
from bipin.core.uscc import normalize_uscc
from bipin.enterprises.choices import FINISHED, OPEN, Satisfaction, Status
from bipin.enterprises.models import Enterprise, RequestStep, ServiceCategory, ServiceRequest
from bipin.org.choices import UnitKind
from bipin.org.models import Unit, User

ENTERPRISE_FIELDS = (
    "uscc", "name", "industry", "unit", "size", "is_key", "land_area", "employees", "address",
)  # fmt: skip
REQUEST_FIELDS = ("enterprise", "category", "description", "intake")
CATEGORY_FIELDS = ("name", "time_limit_days", "order", "active")


def _apply(obj: Any, changes: dict[str, Any], allowed: tuple[str, ...]) -> None:
    unknown = set(changes) - set(allowed)
    if unknown:
        raise ValueError(f"cannot set {', '.join(sorted(unknown))} of {type(obj).__name__}")
    for name, value in changes.items():
        if isinstance(value, str) and name not in ("description", "reply"):
            value = " ".join(value.split())
        if name == "uscc" and isinstance(value, str):
            value = normalize_uscc(value)
        setattr(obj, name, value)


def check_not_future(field: str, value: date | None, today: date | None = None) -> None:
    """Something that has happened cannot have happened after today."""
    if value is not None and value > (today or timezone.localdate()):
        raise ValidationError({field: _("日期不能晚于今天。")})


# Enterprises -------------------------------------------------------------------------------


@transaction.atomic
def do_create_enterprise(*, actor: User, reason: str = "", **fields: Any) -> Enterprise:
    enterprise = Enterprise()
    _apply(enterprise, fields, ENTERPRISE_FIELDS)
    enterprise.full_clean()
    save_with_history(enterprise, actor=actor, reason=reason or _("录入企业"))
    return enterprise


@transaction.atomic
def do_update_enterprise(
    enterprise: Enterprise, *, actor: User, reason: str = "", **changes: Any
) -> Enterprise:
    _apply(enterprise, changes, ENTERPRISE_FIELDS)
    enterprise.full_clean()
    save_with_history(enterprise, actor=actor, reason=reason)
    return enterprise


# Categories --------------------------------------------------------------------------------


@transaction.atomic
def do_save_category(
    category: ServiceCategory | None, *, actor: User, reason: str = "", **fields: Any
) -> ServiceCategory:
    """Creates or changes a category of requests (the supervisor's configurable list). A
    new time limit applies to requests submitted from then on."""
    category = category or ServiceCategory()
    _apply(category, fields, CATEGORY_FIELDS)
    category.full_clean()
    save_with_history(category, actor=actor, reason=reason)
    return category


# Requests ----------------------------------------------------------------------------------


def next_request_code(year: int) -> str:
    """SQ2026-0001, SQ2026-0002 …: the next free number of the year."""
    prefix = f"SQ{year}-"
    taken = ServiceRequest.objects.filter(code__startswith=prefix).values_list("code", flat=True)
    numbers = [int(code[len(prefix) :]) for code in taken if code[len(prefix) :].isdigit()]
    return f"{prefix}{max(numbers, default=0) + 1:04d}"


def _step(request: ServiceRequest, before: str, actor: User | None, note: str = "") -> None:
    RequestStep.objects.create(
        request=request, from_status=before, to_status=request.status, actor=actor, note=note
    )


def _may_work_at_town(actor: User, request: ServiceRequest) -> bool:
    """The supervisor, or a person of the enterprise's town (who took the request in)."""
    if actor.is_superuser or actor.role == Role.SUPERVISOR:
        return True
    return actor.role in (Role.UNIT_MANAGER, Role.UNIT_CLERK) and (
        request.enterprise.unit_id in actor.scope_unit_ids()
    )


def _may_handle(actor: User, request: ServiceRequest) -> bool:
    """The supervisor, or a person of a department the request is assigned to."""
    if actor.is_superuser or actor.role == Role.SUPERVISOR:
        return True
    if actor.role not in (Role.UNIT_MANAGER, Role.UNIT_CLERK):
        return False
    scope = set(actor.scope_unit_ids())
    return any(unit.pk in scope for unit in request.departments.all())


def _refuse_unless(allowed: bool, message: str) -> None:
    if not allowed:
        raise ValidationError(message, code="not_allowed")


def _expect(request: ServiceRequest, statuses: tuple[str, ...], step: str) -> None:
    if request.status not in statuses:
        raise ValidationError(
            _("“%(status)s”状态的诉求不能%(step)s。")
            % {"status": request.get_status_display(), "step": step},
            code="status",
        )


@transaction.atomic
def do_submit_request(
    *,
    actor: User,
    submitted_on: date | None = None,
    code: str = "",
    reason: str = "",
    **fields: Any,
) -> ServiceRequest:
    """A new request of an enterprise, with its deadline from the category's time limit.
    The enterprise must be one the actor may add requests for (its town's people, or the
    supervisor)."""
    request = ServiceRequest(status=Status.SUBMITTED)
    _apply(request, fields, REQUEST_FIELDS)
    request.submitted_on = submitted_on or timezone.localdate()
    check_not_future("submitted_on", request.submitted_on)
    if request.category_id is not None:
        request.deadline = request.category.deadline_from(request.submitted_on)
    request.code = code or next_request_code(request.submitted_on.year)
    if request.enterprise_id is not None:
        _refuse_unless(
            Enterprise.objects.restrict(actor, Action.VIEW)
            .filter(pk=request.enterprise_id)
            .exists()
            and _may_work_at_town(actor, request),
            _("您只能为本镇街的企业登记诉求。"),
        )
    request.full_clean()
    save_with_history(request, actor=actor, reason=reason or _("登记诉求"))
    _step(request, "", actor, request.get_intake_display())
    return request


@transaction.atomic
def do_assign_request(
    request: ServiceRequest, *, actor: User, departments: list[Unit], note: str = ""
) -> ServiceRequest:
    """Assigns (or re-routes) an open request to one or more departments."""
    _refuse_unless(_may_work_at_town(actor, request), _("只有督查室或企业所在镇街可以分派诉求。"))
    _expect(request, OPEN, _("分派"))
    if not departments:
        raise ValidationError({"departments": _("请至少选择一个承办部门。")})
    not_departments = [unit.name for unit in departments if unit.kind != UnitKind.DEPARTMENT]
    if not_departments:
        raise ValidationError(
            {
                "departments": _("“%(units)s”不是部门，诉求只能分派给部门。")
                % {"units": "、".join(not_departments)}
            }
        )
    before = request.status
    if request.status in (Status.SUBMITTED, Status.ASSIGNED):
        request.status = Status.ASSIGNED
    save_with_history(request, actor=actor, reason=note or _("分派诉求"))
    request.departments.set(departments)
    names = "、".join(unit.name for unit in departments)
    _step(request, before, actor, note or _("分派至：%(units)s") % {"units": names})
    return request


@transaction.atomic
def do_start_request(request: ServiceRequest, *, actor: User, note: str = "") -> ServiceRequest:
    """An assigned department takes the request up (受理); so does a reopened one."""
    _refuse_unless(_may_handle(actor, request), _("只有承办部门可以受理诉求。"))
    _expect(request, (Status.ASSIGNED, Status.REOPENED), _("受理"))
    before = request.status
    request.status = Status.IN_PROGRESS
    save_with_history(request, actor=actor, reason=note or _("受理诉求"))
    _step(request, before, actor, note)
    return request


@transaction.atomic
def do_finish_request(
    request: ServiceRequest,
    *,
    actor: User,
    reply: str,
    visits: int | None,
    done_on: date | None = None,
) -> ServiceRequest:
    """The department answers and finishes (办结): the reply, how many times the enterprise
    had to come in person, and the day (today unless given; not before the submission)."""
    _refuse_unless(_may_handle(actor, request), _("只有承办部门可以办结诉求。"))
    _expect(request, (Status.IN_PROGRESS,), _("办结"))
    errors: dict[str, str] = {}
    if not (reply or "").strip():
        errors["reply"] = _("办结须填写答复意见。")
    if visits is None:
        errors["visits"] = _("办结须填写企业跑动次数（未跑动填 0）。")
    elif visits < 0:
        errors["visits"] = _("跑动次数不能为负数。")
    done_on = done_on or timezone.localdate()
    if done_on < request.submitted_on:
        errors["done_on"] = _("办结日期不能早于提交日期（%(date)s）。") % {
            "date": request.submitted_on
        }
    if errors:
        raise ValidationError(errors)
    check_not_future("done_on", done_on)
    before = request.status
    request.status = Status.DONE
    request.reply = reply.strip()
    request.visits = visits
    request.done_on = done_on
    request.full_clean()
    save_with_history(request, actor=actor, reason=_("办结诉求"))
    _step(request, before, actor, request.reply)
    return request


@transaction.atomic
def do_close_request(
    request: ServiceRequest,
    *,
    actor: User,
    satisfaction: str,
    closed_on: date | None = None,
    note: str = "",
) -> ServiceRequest:
    """The town closes a finished request with the enterprise's rating, which may be 不满意
    where nothing more can be done; where more can, it reopens it (do_reopen_request)."""
    _refuse_unless(_may_work_at_town(actor, request), _("只有督查室或企业所在镇街可以关闭诉求。"))
    _expect(request, (Status.DONE,), _("关闭"))
    if not request.reply.strip():
        raise ValidationError({"reply": _("没有答复意见的诉求不能关闭。")})
    if satisfaction not in Satisfaction.values:
        raise ValidationError({"satisfaction": _("请选择企业的满意度。")})
    closed_on = closed_on or timezone.localdate()
    check_not_future("closed_on", closed_on)
    if request.done_on and closed_on < request.done_on:
        raise ValidationError({"closed_on": _("关闭日期不能早于办结日期。")})
    before = request.status
    request.status = Status.CLOSED
    request.satisfaction = satisfaction
    request.closed_on = closed_on
    save_with_history(request, actor=actor, reason=note or _("关闭诉求"))
    _step(request, before, actor, note or request.get_satisfaction_display())
    return request


@transaction.atomic
def do_reopen_request(request: ServiceRequest, *, actor: User, reason: str) -> ServiceRequest:
    """The enterprise is not satisfied: the request goes back to its departments with the
    reason, which the step keeps. It is unfinished again, so its finish, closing and
    rating are undone; the on-time rate counts the finish that ends it."""
    _refuse_unless(
        _may_work_at_town(actor, request), _("只有督查室或企业所在镇街可以重新打开诉求。")
    )
    _expect(request, FINISHED, _("重新打开"))
    if not (reason or "").strip():
        raise ValidationError({"reason": _("重新打开须说明企业不满意的原因。")})
    before = request.status
    request.status = Status.REOPENED
    request.satisfaction = ""
    request.done_on = None
    request.closed_on = None
    request.full_clean()
    save_with_history(request, actor=actor, reason=reason.strip())
    _step(request, before, actor, reason.strip())
    return request


@transaction.atomic
def do_update_request(
    request: ServiceRequest, *, actor: User, reason: str = "", **changes: Any
) -> ServiceRequest:
    """Corrects a request's particulars (not its status: that is the steps above). A
    change of category moves the deadline with the new time limit."""
    _refuse_unless(_may_work_at_town(actor, request), _("只有督查室或企业所在镇街可以修改诉求。"))
    category_before = request.category_id
    _apply(request, changes, REQUEST_FIELDS)
    if request.category_id != category_before:
        request.deadline = request.category.deadline_from(request.submitted_on)
    request.full_clean()
    save_with_history(request, actor=actor, reason=reason)
    return request


def check_request(request: ServiceRequest, today: date | None = None) -> None:
    """The rules a request's record must keep whatever way it was written (an import brings
    requests in any status): raises a ValidationError naming each field that breaks one."""
    today = today or timezone.localdate()
    errors: dict[str, str] = {}
    finished = request.status in FINISHED
    for field in ("submitted_on", "done_on", "closed_on"):
        value = getattr(request, field)
        if value is not None and value > today:
            errors[field] = _("日期不能晚于今天。")
    if request.status == Status.CLOSED and not request.reply.strip():
        errors["reply"] = _("没有答复意见的诉求不能关闭。")
    if finished and request.visits is None:
        errors["visits"] = _("已办结的诉求须填写企业跑动次数（未跑动填 0）。")
    if finished and request.done_on is None:
        errors["done_on"] = _("已办结的诉求须有办结日期。")
    if request.status == Status.CLOSED and not request.satisfaction:
        errors["satisfaction"] = _("已关闭的诉求须有企业满意度。")
    if request.satisfaction and request.status != Status.CLOSED:
        errors["satisfaction"] = _("诉求办结并关闭时才能评价满意度。")
    if not finished and request.done_on is not None:
        errors["done_on"] = _("未办结的诉求不能有办结日期。")
    if request.status != Status.CLOSED and request.closed_on is not None:
        errors["closed_on"] = _("未关闭的诉求不能有关闭日期。")
    if request.done_on and request.submitted_on and request.done_on < request.submitted_on:
        errors.setdefault("done_on", _("办结日期不能早于提交日期。"))
    if errors:
        raise ValidationError(errors)
