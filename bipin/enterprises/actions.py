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

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from bipin.core.choices import Action, Role
from bipin.core.excel import Outcome
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


def _step(
    request: ServiceRequest,
    before: str,
    actor: User | None,
    note: str = "",
    at: datetime | None = None,
) -> None:
    RequestStep.objects.create(
        request=request,
        from_status=before,
        to_status=request.status,
        actor=actor,
        note=note,
        at=at or timezone.now(),
    )


def _at(request: ServiceRequest, at: datetime | None) -> None:
    """A step taken at a given time (the demo's past, an import of what happened): not in
    the future; the request's version in the history carries the same time."""
    if at is None:
        return
    if at > timezone.now():
        raise ValidationError({"at": _("时间不能晚于现在。")})
    request._history_date = at  # type: ignore[attr-defined]


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


def _expect(request: ServiceRequest, statuses: tuple[str, ...], refusal: Any) -> None:
    """`refusal` names the status with %(status)s: a whole sentence per step, since a
    translation cannot be put together from a step's verb."""
    if request.status not in statuses:
        raise ValidationError(
            str(refusal) % {"status": request.get_status_display()}, code="status"
        )


@dataclass(frozen=True)
class StepRule:
    """Who may take a step of a request (the town or its departments) and from which
    statuses (None: any)."""

    label: Any
    may: Callable[[User, ServiceRequest], bool]
    refusal: Any
    statuses: tuple[str, ...] | None = None
    wrong_status: Any = None


#: The steps of a request in the order they are worked, and "edit" (its particulars).
STEP_RULES: dict[str, StepRule] = {
    "assign": StepRule(
        pgettext_lazy("request step", "分派"),
        _may_work_at_town,
        gettext_lazy("只有督查室或企业所在镇街可以分派诉求。"),
        OPEN,
        gettext_lazy("“%(status)s”状态的诉求不能分派。"),
    ),
    "start": StepRule(
        pgettext_lazy("request step", "受理"),
        _may_handle,
        gettext_lazy("只有承办部门可以受理诉求。"),
        (Status.ASSIGNED, Status.REOPENED),
        gettext_lazy("“%(status)s”状态的诉求不能受理。"),
    ),
    "finish": StepRule(
        pgettext_lazy("request step", "办结"),
        _may_handle,
        gettext_lazy("只有承办部门可以办结诉求。"),
        (Status.IN_PROGRESS,),
        gettext_lazy("“%(status)s”状态的诉求不能办结。"),
    ),
    "close": StepRule(
        pgettext_lazy("request step", "关闭"),
        _may_work_at_town,
        gettext_lazy("只有督查室或企业所在镇街可以关闭诉求。"),
        (Status.DONE,),
        gettext_lazy("“%(status)s”状态的诉求不能关闭。"),
    ),
    "reopen": StepRule(
        pgettext_lazy("request step", "重新打开"),
        _may_work_at_town,
        gettext_lazy("只有督查室或企业所在镇街可以重新打开诉求。"),
        FINISHED,
        gettext_lazy("“%(status)s”状态的诉求不能重新打开。"),
    ),
    "edit": StepRule(
        pgettext_lazy("request step", "修改"),
        _may_work_at_town,
        gettext_lazy("只有督查室或企业所在镇街可以修改诉求。"),
    ),
}


def check_step(request: ServiceRequest, actor: User, step: str) -> None:
    """Raises the ValidationError the step's action would: code "not_allowed" when the
    actor may not take it at all, "status" when the request is not in a status it starts
    from. Pages ask before they show a step's form; the action asks again."""
    rule = STEP_RULES[step]
    _refuse_unless(rule.may(actor, request), str(rule.refusal))
    if rule.statuses is not None:
        _expect(request, rule.statuses, rule.wrong_status)


def allowed_steps(request: ServiceRequest, actor: User) -> list[str]:
    """The steps `actor` may take on `request` now (its departments prefetched, this asks
    nothing of the database)."""
    allowed = []
    for step in STEP_RULES:
        try:
            check_step(request, actor, step)
        except ValidationError:
            continue
        allowed.append(step)
    return allowed


@transaction.atomic
def do_submit_request(
    *,
    actor: User,
    submitted_on: date | None = None,
    code: str = "",
    reason: str = "",
    at: datetime | None = None,
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
    _at(request, at)
    save_with_history(request, actor=actor, reason=reason or _("登记诉求"))
    _step(request, "", actor, request.get_intake_display(), at)
    return request


@transaction.atomic
def do_assign_request(
    request: ServiceRequest,
    *,
    actor: User,
    departments: list[Unit],
    note: str = "",
    at: datetime | None = None,
) -> ServiceRequest:
    """Assigns (or re-routes) an open request to one or more departments."""
    check_step(request, actor, "assign")
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
    _at(request, at)
    save_with_history(request, actor=actor, reason=note or _("分派诉求"))
    request.departments.set(departments)
    names = "、".join(unit.name for unit in departments)
    _step(request, before, actor, note or _("分派至：%(units)s") % {"units": names}, at)
    return request


@transaction.atomic
def do_start_request(
    request: ServiceRequest, *, actor: User, note: str = "", at: datetime | None = None
) -> ServiceRequest:
    """An assigned department takes the request up (受理); so does a reopened one."""
    check_step(request, actor, "start")
    before = request.status
    request.status = Status.IN_PROGRESS
    _at(request, at)
    save_with_history(request, actor=actor, reason=note or _("受理诉求"))
    _step(request, before, actor, note, at)
    return request


@transaction.atomic
def do_finish_request(
    request: ServiceRequest,
    *,
    actor: User,
    reply: str,
    visits: int | None,
    done_on: date | None = None,
    at: datetime | None = None,
) -> ServiceRequest:
    """The department answers and finishes (办结): the reply, how many times the enterprise
    had to come in person, and the day (today unless given; not before the submission)."""
    check_step(request, actor, "finish")
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
    _at(request, at)
    save_with_history(request, actor=actor, reason=_("办结诉求"))
    _step(request, before, actor, request.reply, at)
    return request


@transaction.atomic
def do_close_request(
    request: ServiceRequest,
    *,
    actor: User,
    satisfaction: str,
    closed_on: date | None = None,
    note: str = "",
    at: datetime | None = None,
) -> ServiceRequest:
    """The town closes a finished request with the enterprise's rating, which may be 不满意
    where nothing more can be done; where more can, it reopens it (do_reopen_request)."""
    check_step(request, actor, "close")
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
    _at(request, at)
    save_with_history(request, actor=actor, reason=note or _("关闭诉求"))
    _step(request, before, actor, note or request.get_satisfaction_display(), at)
    return request


@transaction.atomic
def do_reopen_request(
    request: ServiceRequest, *, actor: User, reason: str, at: datetime | None = None
) -> ServiceRequest:
    """The enterprise is not satisfied: the request goes back to its departments with the
    reason, which the step keeps. It is unfinished again, so its finish, closing and
    rating are undone; the on-time rate counts the finish that ends it."""
    check_step(request, actor, "reopen")
    if not (reason or "").strip():
        raise ValidationError({"reason": _("重新打开须说明企业不满意的原因。")})
    before = request.status
    request.status = Status.REOPENED
    request.satisfaction = ""
    request.done_on = None
    request.closed_on = None
    request.full_clean()
    _at(request, at)
    save_with_history(request, actor=actor, reason=reason.strip())
    _step(request, before, actor, reason.strip(), at)
    return request


@transaction.atomic
def do_update_request(
    request: ServiceRequest, *, actor: User, reason: str = "", **changes: Any
) -> ServiceRequest:
    """Corrects a request's particulars (not its status: that is the steps above). A
    change of category moves the deadline with the new time limit."""
    check_step(request, actor, "edit")
    category_before = request.category_id
    _apply(request, changes, REQUEST_FIELDS)
    if request.category_id != category_before:
        request.deadline = request.category.deadline_from(request.submitted_on)
    request.full_clean()
    save_with_history(request, actor=actor, reason=reason)
    return request


def check_request(
    request: ServiceRequest, today: date | None = None, departments: Sequence[Unit] | None = None
) -> None:
    """The rules a request's record must keep whatever way it was written (an import brings
    requests in any status): raises a ValidationError naming each field that breaks one.
    With `departments` (those it is to be assigned to) their rules too: only departments,
    and at least one once it has left 提交."""
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
    if request.closed_on and request.done_on and request.closed_on < request.done_on:
        errors.setdefault("closed_on", _("关闭日期不能早于办结日期。"))
    if departments is not None:
        not_departments = [unit.name for unit in departments if unit.kind != UnitKind.DEPARTMENT]
        if not_departments:
            errors["departments"] = _("“%(units)s”不是部门，诉求只能分派给部门。") % {
                "units": "、".join(not_departments)
            }
        elif not departments and request.status != Status.SUBMITTED:
            errors["departments"] = _("“%(status)s”的诉求须有承办部门。") % {
                "status": request.get_status_display()
            }
    if errors:
        raise ValidationError(errors)


# Import ------------------------------------------------------------------------------------

#: What an import may write of a request: its particulars and what has happened to it.
IMPORT_FIELDS = (
    *REQUEST_FIELDS, "submitted_on", "status", "reply", "visits", "done_on", "closed_on",
    "satisfaction",
)  # fmt: skip


@dataclass
class RequestRow:
    """A request as an import brings it, in any status: its code (the key it is upserted
    on), its fields (IMPORT_FIELDS) and its departments."""

    code: str
    fields: dict[str, Any]
    departments: list[Unit]


class RowErrors(Exception):
    """Rows an import action refused, by their index in the batch; nothing was written."""

    def __init__(self, errors: dict[int, ValidationError]) -> None:
        self.errors = errors
        super().__init__(f"{len(errors)} rows refused")


@transaction.atomic
def do_import_requests(
    rows: Sequence[RequestRow], *, actor: User, reason: str
) -> list[tuple[ServiceRequest, Outcome]]:
    """Writes requests as a file has them, upserted on the code, all or nothing: raises
    RowErrors with every row's errors and writes nothing when one breaks a rule.

    A new request is written in the status it has, with its deadline from its category,
    and one step saying it was imported in that status; a request whose status the file
    changes gets one such step. A row equal to its request writes nothing. The actor must
    work at the enterprise's town (or be the supervisor), as for do_submit_request."""
    existing = {
        request.code: request
        for request in ServiceRequest.objects.filter(code__in=[row.code for row in rows])
        .select_related("category", "enterprise")
        .prefetch_related("departments")
    }
    today = timezone.localdate()
    errors: dict[int, ValidationError] = {}
    results: list[tuple[ServiceRequest, Outcome]] = []
    for index, row in enumerate(rows):
        try:
            with transaction.atomic():
                results.append(_import_request(row, existing.get(row.code), actor, reason, today))
        except ValidationError as error:
            errors[index] = error
    if errors:
        raise RowErrors(errors)
    return results


def _import_request(
    row: RequestRow, request: ServiceRequest | None, actor: User, reason: str, today: date
) -> tuple[ServiceRequest, Outcome]:
    creating = request is None
    if request is None:
        request = ServiceRequest(code=row.code)
        before: dict[str, Any] = {}
        departments_before: set[int] = set()
    else:
        check_step(request, actor, "edit")
        before = {name: getattr(request, name) for name in IMPORT_FIELDS}
        departments_before = {unit.pk for unit in request.departments.all()}
    status_before = request.status if not creating else ""
    _apply(request, row.fields, IMPORT_FIELDS)
    after = {name: getattr(request, name) for name in IMPORT_FIELDS}
    departments_after = {unit.pk for unit in row.departments}
    if not creating and after == before and departments_after == departments_before:
        return request, Outcome.UNCHANGED
    if request.enterprise_id is not None:
        _refuse_unless(
            Enterprise.objects.restrict(actor, Action.VIEW)
            .filter(pk=request.enterprise_id)
            .exists()
            and _may_work_at_town(actor, request),
            _("您只能为本镇街的企业登记诉求。"),
        )
    if request.category_id is not None and request.submitted_on is not None:
        moved = creating or (
            before["category"] != request.category or before["submitted_on"] != request.submitted_on
        )
        if moved:
            request.deadline = request.category.deadline_from(request.submitted_on)
    errors: dict[str, list[str]] = {}
    for check in (
        request.full_clean,
        lambda: check_request(request, today, row.departments),
    ):
        try:
            check()
        except ValidationError as error:
            for name, messages in error.message_dict.items():
                errors.setdefault(name, [])
                errors[name] += [message for message in messages if message not in errors[name]]
    if errors:
        raise ValidationError(errors)
    save_with_history(request, actor=actor, reason=reason)
    if departments_after != departments_before:
        request.departments.set(row.departments)
    if creating or request.status != status_before:
        _step(
            request,
            status_before,
            actor,
            _("Excel 导入（状态：%(status)s）") % {"status": request.get_status_display()},
        )
    return request, Outcome.CREATED if creating else Outcome.UPDATED
