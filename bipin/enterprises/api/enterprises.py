"""The enterprise registry's part of the API: enterprises listed with the list page's filter
class, read, created and changed, scoped like the pages."""

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import PageNumberPagination, paginate

from bipin.core.api import filtered
from bipin.core.choices import Action
from bipin.core.views import AuthedRequest, get_restricted_or_404, require_action
from bipin.enterprises import actions
from bipin.enterprises.choices import OPEN, Size
from bipin.enterprises.filters import EnterpriseFilter
from bipin.enterprises.forms import enterprise_units
from bipin.enterprises.models import Enterprise, ServiceRequest
from bipin.org.models import Link
from bipin.projects.models import Industry

router = Router(tags=["enterprises"])

_USCC = "统一社会信用代码：18 位（GB 32100-2015），数字或除 I、O、Z、S、V 外的大写字母，第 18 位为校验码"


# Schemas -----------------------------------------------------------------------------------


class EnterpriseOut(Schema):
    id: int
    uscc: str = Field(description=_USCC)
    name: str = Field(description="企业名称")
    industry: str = Field(description="GB/T 4754-2017 行业大类代码", alias="industry.code")
    industry_name: str = Field(description="行业大类名称", alias="industry.name")
    unit_id: int = Field(description="所属镇街（单位编号）")
    unit_name: str = Field(description="所属镇街名称", alias="unit.name")
    size: Size = Field(description="规模：above_scale 规上、below_scale 规下")
    size_label: str = Field(alias="get_size_display")
    is_key: bool = Field(description="区级重点企业")
    land_area: Decimal | None = Field(description="用地面积（亩）；没有自有用地为 null")
    employees: int | None = Field(description="从业人数")
    address: str = Field(description="注册地址")
    created_at: datetime = Field(description="录入时间")


class LeaderOut(Schema):
    id: int = Field(alias="leader.pk")
    name: str = Field(alias="leader.name")
    duty: str
    started_on: date = Field(description="挂联开始日期")


class RequestCountsOut(Schema):
    total: int = Field(description="您可见的诉求数")
    open: int = Field(description="在办（未办结）的诉求数")
    overdue: int = Field(description="在办且已过办理期限的诉求数")


class EnterpriseDetailOut(EnterpriseOut):
    leaders: list[LeaderOut] = Field(description="挂联领导（当前）")
    requests: RequestCountsOut = Field(description="企业诉求的件数", alias="request_counts")


class EnterpriseIn(Schema):
    uscc: str = Field(min_length=1, max_length=30, description=_USCC)
    name: str = Field(min_length=1, max_length=200, description="企业名称")
    industry: str = Field(description="GB/T 4754-2017 行业大类代码，如 39")
    unit_id: int = Field(description="所属镇街（单位编号，须为您权限范围内的镇或街道）")
    size: Size = Field(description="规模：above_scale 规上、below_scale 规下")
    is_key: bool = Field(False, description="区级重点企业")
    land_area: Decimal | None = Field(
        None, ge=0, max_digits=12, decimal_places=2, description="用地面积（亩），不能为负"
    )
    employees: int | None = Field(None, ge=0, description="从业人数，不能为负")
    address: str = Field("", max_length=200, description="注册地址")


class EnterprisePatch(Schema):
    uscc: str | None = Field(None, min_length=1, max_length=30, description=_USCC)
    name: str | None = Field(None, min_length=1, max_length=200)
    industry: str | None = Field(None, description="GB/T 4754-2017 行业大类代码")
    unit_id: int | None = Field(None, description="所属镇街（单位编号）")
    size: Size | None = None
    is_key: bool | None = None
    land_area: Decimal | None = Field(None, ge=0, max_digits=12, decimal_places=2)
    employees: int | None = Field(None, ge=0)
    address: str | None = Field(None, max_length=200)
    reason: str = Field("", max_length=200, description="修改原因，记入历史")


class EnterpriseQuery(Schema):
    q: str | None = Field(None, description="企业名称或统一社会信用代码包含")
    unit: int | None = Field(None, description="镇街或其上级单位的编号（含其下级单位）")
    industry: str | None = Field(None, description="行业门类（如 C）或大类（如 39）代码")
    size: Size | None = Field(None, description="规模：above_scale 规上、below_scale 规下")
    is_key: bool | None = Field(None, description="true 仅重点企业，false 仅非重点企业")
    leader: int | None = Field(None, description="挂联领导的用户编号")
    linked: bool | None = Field(None, description="true 有挂联领导，false 无挂联领导")
    sort: str | None = Field(
        None,
        description="排序：unit、name、uscc、employees、land，前加 - 为倒序；默认 unit（镇街、名称）",
        pattern=r"^-?(unit|name|uscc|employees|land)$",
    )


# Helpers -----------------------------------------------------------------------------------


def _filtered(params: EnterpriseQuery, request: AuthedRequest) -> Any:
    visible = Enterprise.objects.restrict(request.user, Action.VIEW)
    return filtered(EnterpriseFilter, params, visible, request)


def _detail(enterprise: Enterprise, request: AuthedRequest) -> Enterprise:
    """An enterprise with its leaders and the counts of its requests the user may see."""
    found = Enterprise.objects.select_related("industry", "unit").get(pk=enterprise.pk)
    found.leaders = list(
        Link.objects.restrict(request.user)
        .current()
        .filter(content_type=ContentType.objects.get_for_model(Enterprise), object_id=found.pk)
        .select_related("leader")
    )
    found.request_counts = (
        ServiceRequest.objects.restrict(request.user)
        .filter(enterprise=found)
        .order_by()
        .aggregate(
            total=Count("pk"),
            open=Count("pk", filter=Q(status__in=OPEN)),
            overdue=Count("pk", filter=Q(status__in=OPEN, deadline__lt=timezone.localdate())),
        )
    )
    return found


def _references(request: AuthedRequest, fields: dict[str, Any], action: str) -> dict[str, Any]:
    """Turns the codes and ids of a payload into objects; an unknown (or hidden) one is a 400
    that names the field."""
    errors: dict[str, str] = {}
    if fields.get("industry") is not None:
        code = str(fields["industry"]).strip()
        industry = Industry.objects.filter(code=code, section__isnull=False).first()
        if industry is None:
            errors["industry"] = _("没有行业大类代码“%(code)s”（GB/T 4754-2017，如 39）。") % {
                "code": code
            }
        fields["industry"] = industry
    if "unit_id" in fields:
        pk = fields.pop("unit_id")
        unit = enterprise_units(request.user, action).filter(pk=pk).first() if pk else None
        if unit is None:
            errors["unit_id"] = _("单位 %(id)s 不是您权限范围内的镇或街道。") % {"id": pk}
        fields["unit"] = unit
    if errors:
        raise ValidationError(errors)
    return fields


# Endpoints ---------------------------------------------------------------------------------


@router.get(
    "/enterprises",
    response=list[EnterpriseOut],
    summary="企业列表",
    description="您权限范围内的企业（镇街人员：本镇街的企业），与企业列表页面使用同一套筛选条件，分页返回。",
)
@paginate(PageNumberPagination)
def list_enterprises(request: AuthedRequest, filters: Query[EnterpriseQuery]) -> Any:
    return _filtered(filters, request).select_related("industry", "unit")


@router.get(
    "/enterprises/{enterprise_id}",
    response=EnterpriseDetailOut,
    summary="企业详情",
    description="企业概况、当前挂联领导与企业诉求的件数（在办、超期）。其他镇街的企业返回 404。",
)
def get_enterprise(request: AuthedRequest, enterprise_id: int) -> Any:
    enterprise = get_restricted_or_404(Enterprise.objects.all(), request.user, pk=enterprise_id)
    return _detail(enterprise, request)


@router.post(
    "/enterprises",
    response={201: EnterpriseDetailOut},
    summary="录入企业",
    description="录入一家企业：统一社会信用代码须有效且未被使用（错误信息指出第几位有误），"
    "所属镇街须在您的权限范围内；修改历史记录录入人。",
)
def create_enterprise(request: AuthedRequest, payload: EnterpriseIn) -> Any:
    require_action(Enterprise.objects.all(), request.user, Action.ADD)
    fields = _references(request, payload.dict(), Action.ADD)
    enterprise = actions.do_create_enterprise(actor=request.user, **fields)
    return Status(201, _detail(enterprise, request))


@router.patch(
    "/enterprises/{enterprise_id}",
    response=EnterpriseDetailOut,
    summary="修改企业",
    description="只改动请求中给出的字段，原因记入修改历史；不能把企业移到您权限范围以外的镇街。"
    "能查看但不能修改的企业返回 403，其他镇街的企业返回 404。",
)
def update_enterprise(request: AuthedRequest, enterprise_id: int, payload: EnterprisePatch) -> Any:
    enterprise = get_restricted_or_404(
        Enterprise.objects.all(), request.user, Action.CHANGE, pk=enterprise_id
    )
    changes = payload.dict(exclude_unset=True)
    reason = changes.pop("reason", "")
    for required in ("uscc", "name", "industry", "unit_id", "size", "is_key", "address"):
        if required in changes and changes[required] is None:
            raise ValidationError({required: _("该字段不能为空。")})
    changes = _references(request, changes, Action.CHANGE)
    actions.do_update_enterprise(enterprise, actor=request.user, reason=reason, **changes)
    return _detail(enterprise, request)
