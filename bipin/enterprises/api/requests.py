"""The service requests' part of the API (企业诉求): the list (the page's filters), a
request with its steps, submitting and correcting one, one endpoint per status step, the
figures of the 最多跑一次 promise, and the categories.

Scoped like the pages: a request the user may not see is 404 (as one that does not exist);
a step the user may not take at all is 403 with the action's message; a step the request's
status does not allow, or input that breaks a rule, is 400 with the message and the field.
"""

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import PageNumberPagination, paginate

from bipin.core.api import filtered
from bipin.core.choices import Action
from bipin.core.views import AuthedRequest, get_restricted_or_404
from bipin.enterprises import actions
from bipin.enterprises.choices import Intake, Satisfaction
from bipin.enterprises.choices import Status as RequestStatus
from bipin.enterprises.filters import RequestFilter, with_request_overdue
from bipin.enterprises.forms import request_enterprises
from bipin.enterprises.models import ServiceCategory, ServiceRequest
from bipin.enterprises.stats import RequestFigures, request_figures
from bipin.org.models import Unit

router = Router(tags=["requests"])

_SORTS = "submitted、deadline、code、enterprise、status，前加 - 为倒序；默认 -submitted"


# Schemas -----------------------------------------------------------------------------------


class DepartmentOut(Schema):
    id: int
    code: str
    name: str


class StepOut(Schema):
    from_status: RequestStatus | None = Field(description="原状态（登记时为空）")
    to_status: RequestStatus = Field(description="新状态")
    to_status_label: str = Field(alias="get_to_status_display")
    actor_id: int | None = Field(description="操作人（用户编号）")
    actor_name: str | None = Field(description="操作人姓名")
    at: datetime = Field(description="时间")
    note: str = Field(description="说明：受理渠道、分派的部门、答复意见、满意度或重新打开的原因")

    @staticmethod
    def resolve_from_status(step: Any) -> str | None:
        return step.from_status or None

    @staticmethod
    def resolve_actor_name(step: Any) -> str | None:
        return str(step.actor) if step.actor_id else None


class RequestOut(Schema):
    id: int
    code: str = Field(description="诉求编号，唯一，如 SQ2026-0001")
    enterprise_id: int
    enterprise_name: str = Field(alias="enterprise.name")
    enterprise_uscc: str = Field(alias="enterprise.uscc", description="企业统一社会信用代码")
    town_id: int = Field(alias="enterprise.unit_id", description="企业所在镇街（单位编号）")
    category_id: int
    category_name: str = Field(alias="category.name")
    description: str = Field(description="诉求内容")
    intake: Intake = Field(
        description="受理渠道：visit 上门、hotline 电话/12345、online 线上、forum 座谈会"
    )
    departments: list[DepartmentOut] = Field(description="承办部门")
    submitted_on: date = Field(description="提交日期")
    deadline: date = Field(description="办理期限：提交日期加类别的办理时限")
    status: RequestStatus = Field(
        description="submitted 提交 → assigned 已分派 → in_progress 办理中 → done 已办结 → closed "
        "已关闭；reopened 重新打开（企业不满意）"
    )
    status_label: str = Field(alias="get_status_display")
    reply: str = Field(description="答复意见")
    visits: int | None = Field(description="跑动次数：企业为此事到部门现场的次数（承诺最多一次）")
    done_on: date | None = Field(description="办结日期")
    closed_on: date | None = Field(description="关闭日期")
    satisfaction: Satisfaction | None = Field(
        description="满意度：satisfied 满意、fairly 基本满意、dissatisfied 不满意（关闭时填写）"
    )
    overdue: bool = Field(description="未办结且已过办理期限", alias="late")
    on_time: bool | None = Field(description="按期办结与否；未办结时为空")

    @staticmethod
    def resolve_departments(service_request: Any) -> list[Any]:
        return list(service_request.departments.all())

    @staticmethod
    def resolve_satisfaction(service_request: Any) -> str | None:
        return service_request.satisfaction or None


class RequestDetailOut(RequestOut):
    steps: list[StepOut] = Field(description="办理过程：每一步的操作人、时间和说明")
    allowed_steps: list[str] = Field(
        description="您现在可以执行的步骤：assign、start、finish、close、reopen、edit"
    )

    @staticmethod
    def resolve_steps(service_request: Any) -> list[Any]:
        return service_request.steps_list

    @staticmethod
    def resolve_allowed_steps(service_request: Any) -> list[str]:
        return service_request.allowed


class RequestIn(Schema):
    enterprise_id: int = Field(description="企业编号（须是您所在镇街的企业；督查室可为任何企业）")
    category_id: int = Field(description="诉求类别编号（见 /requests/categories）")
    description: str = Field(min_length=1, description="诉求内容")
    intake: Intake
    submitted_on: date | None = Field(None, description="提交日期，默认今天，不能晚于今天")
    code: str = Field("", max_length=30, description="诉求编号；留空自动生成（SQ年份-序号）")


class RequestPatch(Schema):
    enterprise_id: int | None = None
    category_id: int | None = Field(None, description="改变类别时按新时限重算办理期限")
    description: str | None = Field(None, min_length=1)
    intake: Intake | None = None
    reason: str = Field("", max_length=200, description="修改原因，记入历史")


class AssignIn(Schema):
    department_ids: list[int] = Field(description="承办部门的单位编号（至少一个，须为部门）")
    note: str = Field("", max_length=500, description="分派说明")


class StartIn(Schema):
    note: str = Field("", max_length=500, description="受理说明")


class FinishIn(Schema):
    reply: str = Field(description="答复意见，必填")
    visits: int = Field(ge=0, description="跑动次数，未跑动填 0")
    done_on: date | None = Field(
        None, description="办结日期，默认今天；不能晚于今天，也不能早于提交日期"
    )


class CloseIn(Schema):
    satisfaction: Satisfaction = Field(description="企业满意度")
    closed_on: date | None = Field(
        None, description="关闭日期，默认今天；不能晚于今天，也不能早于办结日期"
    )
    note: str = Field("", max_length=500)


class ReopenIn(Schema):
    reason: str = Field(description="企业不满意的原因，必填")


class RequestQuery(Schema):
    q: str | None = Field(None, description="诉求编号、内容、企业名称或信用代码包含")
    status: RequestStatus | None = None
    category: int | None = Field(None, description="诉求类别编号")
    department: int | None = Field(None, description="承办部门（单位编号）")
    town: int | None = Field(None, description="企业所在镇街（单位编号）")
    intake: Intake | None = None
    enterprise: int | None = Field(None, description="企业编号：只列这家企业的诉求")
    overdue: bool | None = Field(None, description="true 仅超期（未办结且过期限），false 仅未超期")
    submitted_from: date | None = Field(None, description="提交日期不早于")
    submitted_to: date | None = Field(None, description="提交日期不晚于")
    sort: str | None = Field(
        None,
        description=f"排序：{_SORTS}",
        pattern=r"^-?(submitted|deadline|code|enterprise|status)$",
    )


class FiguresOut(Schema):
    department_id: int | None = Field(description="承办部门（单位编号）；总体为空")
    department_name: str | None
    total: int = Field(description="诉求数")
    finished: int = Field(description="已办结（含已关闭）")
    on_time: int = Field(description="其中按期办结")
    one_visit: int = Field(description="其中跑动不超过一次")
    rated: int = Field(description="已关闭并评价")
    satisfied: int = Field(description="其中满意或基本满意")
    open: int = Field(description="未办结")
    overdue: int = Field(description="其中超期")
    on_time_rate: Decimal | None = Field(description="按时办结率（%，一位小数）；没有办结的为空")
    one_visit_rate: Decimal | None = Field(description="最多跑一次率（%）")
    satisfaction_rate: Decimal | None = Field(description="满意率（%）")
    average_age: Decimal | None = Field(description="未办结诉求的平均账龄（天）")
    oldest_age: int | None = Field(description="未办结诉求的最长账龄（天）")

    @staticmethod
    def resolve_department_id(figures: RequestFigures) -> int | None:
        return figures.unit.pk if figures.unit else None

    @staticmethod
    def resolve_department_name(figures: RequestFigures) -> str | None:
        return figures.unit.name if figures.unit else None


class AllFiguresOut(Schema):
    overall: FiguresOut = Field(description="全部诉求（分派给多个部门的只计一次）")
    departments: list[FiguresOut] = Field(description="每个承办部门")


class CategoryOut(Schema):
    id: int
    name: str
    time_limit_days: int = Field(description="办理时限（自提交之日起的自然日）")
    order: int
    active: bool


# Helpers -----------------------------------------------------------------------------------


def _filtered(params: RequestQuery, request: AuthedRequest) -> Any:
    visible = ServiceRequest.objects.restrict(request.user, Action.VIEW)
    return filtered(RequestFilter, params, visible, request)


def _load(pk: int) -> ServiceRequest:
    return (
        with_request_overdue(ServiceRequest.objects.filter(pk=pk))
        .select_related("enterprise", "category")
        .prefetch_related("departments")
        .get()
    )


def _detail(pk: int, request: AuthedRequest) -> ServiceRequest:
    """A request with its steps and the steps the user may take now."""
    found: Any = _load(pk)
    found.steps_list = list(found.steps.select_related("actor"))
    found.allowed = actions.allowed_steps(found, request.user)
    return found


def _visible(request: AuthedRequest, request_id: int) -> ServiceRequest:
    return get_restricted_or_404(
        ServiceRequest.objects.select_related("enterprise", "category").prefetch_related(
            "departments"
        ),
        request.user,
        pk=request_id,
    )


def _for_step(request: AuthedRequest, request_id: int, step: str) -> ServiceRequest:
    """The request, if visible (else 404), and the step allowed: 403 with the action's
    message for a user who may not take it, 400 for a status it does not start from."""
    found = _visible(request, request_id)
    try:
        actions.check_step(found, request.user, step)
    except ValidationError as error:
        if error.code == "not_allowed":
            raise PermissionDenied("；".join(error.messages)) from None
        raise
    return found


def _references(request: AuthedRequest, fields: dict[str, Any]) -> dict[str, Any]:
    """Turns the ids of a payload into objects; an unknown (or hidden) one is a 400 that
    names the field."""
    errors: dict[str, str] = {}
    if "enterprise_id" in fields:
        pk = fields.pop("enterprise_id")
        fields["enterprise"] = request_enterprises(request.user).filter(pk=pk).first()
        if fields["enterprise"] is None:
            errors["enterprise_id"] = _("企业 %(id)s 不存在，或不是您所在镇街的企业。") % {"id": pk}
    if "category_id" in fields:
        pk = fields.pop("category_id")
        fields["category"] = ServiceCategory.objects.filter(pk=pk).first()
        if fields["category"] is None:
            errors["category_id"] = _("没有编号为 %(id)s 的诉求类别。") % {"id": pk}
    if errors:
        raise ValidationError(errors)
    return fields


# Endpoints ---------------------------------------------------------------------------------


@router.get(
    "/requests",
    response=list[RequestOut],
    summary="诉求列表",
    description="您权限范围内的企业诉求（企业所在镇街，以及诉求分派到的部门），与诉求列表页面使用同一套筛选条件。",
)
@paginate(PageNumberPagination)
def list_requests(request: AuthedRequest, filters: Query[RequestQuery]) -> Any:
    return with_request_overdue(
        _filtered(filters, request)
        .select_related("enterprise", "category")
        .prefetch_related("departments")
    )


@router.get(
    "/requests/figures",
    response=AllFiguresOut,
    summary="诉求办理统计",
    description="按时办结率、最多跑一次率、满意率、未办结数量、超期数量与账龄，总体及每个承办部门；"
    "范围为您能看到、且符合筛选条件（与列表相同）的诉求。比率以百分数表示，没有分母时为空。",
)
def get_figures(request: AuthedRequest, filters: Query[RequestQuery]) -> Any:
    overall, departments = request_figures(_filtered(filters, request))
    return {"overall": overall, "departments": departments}


@router.get(
    "/requests/categories",
    response=list[CategoryOut],
    summary="诉求类别",
    description="诉求类别及其办理时限；由督查室在“诉求类别”页面维护。",
)
def list_categories(request: AuthedRequest) -> Any:
    return ServiceCategory.objects.restrict(request.user, Action.VIEW).order_by("order", "name")


@router.get(
    "/requests/{request_id}",
    response=RequestDetailOut,
    summary="诉求详情",
    description="诉求概况、办理过程（每一步的操作人和时间）与您现在可以执行的步骤。",
)
def get_request(request: AuthedRequest, request_id: int) -> Any:
    found = _visible(request, request_id)
    return _detail(found.pk, request)


@router.post(
    "/requests",
    response={201: RequestDetailOut},
    summary="登记诉求",
    description="登记一件企业诉求：办理期限按类别的办理时限自提交日期算起。只有企业所在镇街和督查室可以登记。",
)
def submit_request(request: AuthedRequest, payload: RequestIn) -> Any:
    if not request_enterprises(request.user).exists():
        raise PermissionDenied(_("只有督查室或企业所在镇街可以登记诉求。"))
    fields = _references(request, payload.dict())
    created = actions.do_submit_request(
        actor=request.user,
        submitted_on=fields.pop("submitted_on"),
        code=fields.pop("code"),
        **fields,
    )
    return Status(201, _detail(created.pk, request))


@router.patch(
    "/requests/{request_id}",
    response=RequestDetailOut,
    summary="修改诉求",
    description="修改诉求的企业、类别、内容或受理渠道（状态请用各步骤的接口）；只改动请求中给出的字段，原因记入修改历史。",
)
def update_request(request: AuthedRequest, request_id: int, payload: RequestPatch) -> Any:
    found = _for_step(request, request_id, "edit")
    changes = payload.dict(exclude_unset=True)
    reason = changes.pop("reason", "")
    for required in ("enterprise_id", "category_id", "description", "intake"):
        if required in changes and changes[required] is None:
            raise ValidationError({required: _("该字段不能为空。")})
    actions.do_update_request(
        found, actor=request.user, reason=reason, **_references(request, changes)
    )
    return _detail(found.pk, request)


@router.post(
    "/requests/{request_id}/assign",
    response=RequestDetailOut,
    summary="分派",
    description="把未办结的诉求分派（或改派）给一个或多个部门；企业所在镇街或督查室。",
)
def assign_request(request: AuthedRequest, request_id: int, payload: AssignIn) -> Any:
    found = _for_step(request, request_id, "assign")
    departments = list(Unit.objects.filter(pk__in=payload.department_ids))
    missing = set(payload.department_ids) - {unit.pk for unit in departments}
    if missing:
        raise ValidationError(
            {
                "department_ids": _("没有编号为 %(ids)s 的单位。")
                % {"ids": "、".join(str(pk) for pk in sorted(missing))}
            }
        )
    departments.sort(key=lambda unit: (unit.order, unit.code))
    actions.do_assign_request(found, actor=request.user, departments=departments, note=payload.note)
    return _detail(found.pk, request)


@router.post(
    "/requests/{request_id}/start",
    response=RequestDetailOut,
    summary="受理",
    description="承办部门受理已分派或重新打开的诉求。",
)
def start_request(request: AuthedRequest, request_id: int, payload: StartIn) -> Any:
    found = _for_step(request, request_id, "start")
    actions.do_start_request(found, actor=request.user, note=payload.note)
    return _detail(found.pk, request)


@router.post(
    "/requests/{request_id}/finish",
    response=RequestDetailOut,
    summary="办结",
    description="承办部门办结：答复意见、跑动次数和办结日期（不能晚于今天）。",
)
def finish_request(request: AuthedRequest, request_id: int, payload: FinishIn) -> Any:
    found = _for_step(request, request_id, "finish")
    actions.do_finish_request(
        found,
        actor=request.user,
        reply=payload.reply,
        visits=payload.visits,
        done_on=payload.done_on,
    )
    return _detail(found.pk, request)


@router.post(
    "/requests/{request_id}/close",
    response=RequestDetailOut,
    summary="关闭",
    description="企业所在镇街按企业的评价关闭已办结的诉求；没有答复意见的诉求不能关闭。",
)
def close_request(request: AuthedRequest, request_id: int, payload: CloseIn) -> Any:
    found = _for_step(request, request_id, "close")
    actions.do_close_request(
        found,
        actor=request.user,
        satisfaction=payload.satisfaction,
        closed_on=payload.closed_on,
        note=payload.note,
    )
    return _detail(found.pk, request)


@router.post(
    "/requests/{request_id}/reopen",
    response=RequestDetailOut,
    summary="重新打开",
    description="企业不满意：已办结或已关闭的诉求退回承办部门重新办理，原办结日期与满意度作废。",
)
def reopen_request(request: AuthedRequest, request_id: int, payload: ReopenIn) -> Any:
    found = _for_step(request, request_id, "reopen")
    actions.do_reopen_request(found, actor=request.user, reason=payload.reason)
    return _detail(found.pk, request)
