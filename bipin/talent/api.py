"""Talent's part of the API: talents listed with the page's filters, read, created and
changed, scoped like the pages. The phone and ID number come in full to those who may
change the talent and masked (138****5678) to everyone else, as on the pages."""

from datetime import date
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import PageNumberPagination, paginate

from bipin.core.api import filtered
from bipin.core.choices import Action
from bipin.core.views import AuthedRequest, get_restricted_or_404, require_action
from bipin.talent import actions
from bipin.talent.choices import Employment, ProjectStage, TalentStatus, Tier
from bipin.talent.filters import SORTS, TIER_CHOICES, TalentFilter
from bipin.talent.forms import employer_required, find_employer, talent_units
from bipin.talent.models import Talent

router = Router(tags=["talent"])

_PERSONAL = "个人信息：可修改该人才的用户（督查室、引进单位及其上级单位的人员）看到完整号码，其他人看到遮盖后的号码"


# Schemas -----------------------------------------------------------------------------------


class TalentOut(Schema):
    id: int
    code: str = Field(description="人才编号，唯一，如 RC2026-0001")
    name: str
    tier: Tier = Field(
        description="人才类别：A–E（杭州市高层次人才分类）或 doctor/master/bachelor（高校毕业生）"
    )
    tier_label: str = Field(alias="get_tier_display")
    high_level: bool = Field(alias="is_high_level", description="A–E 类高层次人才")
    field: str = Field(description="专业领域")
    employer_id: int = Field(description="工作单位（企业编号）")
    employer_name: str = Field(alias="employer.name")
    employer_uscc: str = Field(alias="employer.uscc", description="工作单位统一社会信用代码")
    introducing_unit_id: int = Field(description="引进单位编号")
    introducing_unit_name: str = Field(alias="introducing_unit.name")
    introduced_on: date = Field(description="引进日期")
    employment: Employment = Field(description="full_time 全职 / flexible 柔性")
    settled: bool = Field(description="已落户")
    settled_on: date | None = Field(description="落户日期")
    project_name: str = Field(description="创业创新项目名称")
    project_funding: Decimal | None = Field(description="项目资助（万元）")
    project_stage: ProjectStage | None = Field(description="项目阶段")
    status: TalentStatus
    phone: str = Field(alias="phone_shown", description=f"联系电话。{_PERSONAL}")
    id_number: str = Field(alias="id_number_shown", description=f"身份证号码。{_PERSONAL}")
    personal_masked: bool = Field(description="phone 与 id_number 是否为遮盖后的值")
    note: str

    @staticmethod
    def resolve_project_stage(talent: Talent) -> str | None:
        return talent.project_stage or None

    @staticmethod
    def resolve_personal_masked(talent: Talent) -> bool:
        return not getattr(talent, "personal_access", False)


_EMPLOYER_HELP = "工作单位：已登记企业的统一社会信用代码（或企业全称），必填"
_FUNDING_HELP = "项目资助（万元），十进制字符串或数字，不能为负"


class TalentIn(Schema):
    code: str = Field("", max_length=30, description="人才编号；留空自动生成（RC引进年份-序号）")
    name: str = Field(min_length=1, max_length=50)
    tier: Tier
    field: str = Field("", max_length=100, description="专业领域")
    employer: str = Field(max_length=200, description=_EMPLOYER_HELP)
    introducing_unit_id: int = Field(description="引进单位编号（须在您的权限范围内）")
    introduced_on: date = Field(description="引进日期，不能晚于今天")
    employment: Employment = Employment.FULL_TIME
    settled: bool = False
    settled_on: date | None = Field(
        None, description="落户日期：已落户必填，不能晚于今天，也不能早于引进日期"
    )
    project_name: str = Field("", max_length=200, description="创业创新项目名称")
    project_funding: Decimal | None = Field(
        None, ge=0, max_digits=12, decimal_places=2, description=_FUNDING_HELP
    )
    project_stage: ProjectStage | None = None
    status: TalentStatus = TalentStatus.ACTIVE
    phone: str = Field("", max_length=20, description="联系电话：11 位手机号或带区号的固定电话")
    id_number: str = Field("", max_length=18, description="身份证号码：18 位，末位为校验码")
    note: str = ""


class TalentPatch(Schema):
    code: str | None = Field(None, min_length=1, max_length=30)
    name: str | None = Field(None, min_length=1, max_length=50)
    tier: Tier | None = None
    field: str | None = Field(None, max_length=100)
    employer: str | None = Field(None, max_length=200, description=_EMPLOYER_HELP)
    introducing_unit_id: int | None = None
    introduced_on: date | None = None
    employment: Employment | None = None
    settled: bool | None = None
    settled_on: date | None = None
    project_name: str | None = Field(None, max_length=200)
    project_funding: Decimal | None = Field(
        None, ge=0, max_digits=12, decimal_places=2, description=_FUNDING_HELP
    )
    project_stage: ProjectStage | None = None
    status: TalentStatus | None = None
    phone: str | None = Field(
        None, max_length=20, description="联系电话；原样送回的遮盖值（如 138****5678）保留已存号码"
    )
    id_number: str | None = Field(None, max_length=18, description="身份证号码；遮盖值同上")
    note: str | None = None
    reason: str = Field("", max_length=200, description="修改原因，记入历史")


_TIER_VALUES = "|".join(value for value, _label in TIER_CHOICES)
_SORT_VALUES = "|".join(SORTS)


class TalentQuery(Schema):
    q: str | None = Field(None, description="姓名、编号、专业领域、企业名称或项目名称包含")
    tier: str | None = Field(
        None,
        description="人才类别：A–E、doctor、master、bachelor，或 high_level（A–E 类）、graduate（高校毕业生）",
        pattern=rf"^({_TIER_VALUES})$",
    )
    introducing_unit: int | None = Field(None, description="引进单位编号（含其下级单位）")
    employer: int | None = Field(None, description="工作单位（企业编号）")
    employment: Employment | None = None
    settled: bool | None = Field(None, description="true 已落户，false 未落户")
    status: TalentStatus | None = None
    year: int | None = Field(None, description="引进年度")
    sort: str | None = Field(
        None,
        description="排序：code、name、tier、introduced、funding，前加 - 为倒序；默认 -introduced",
        pattern=rf"^-?({_SORT_VALUES})$",
    )


# Helpers -----------------------------------------------------------------------------------


def _filtered(params: TalentQuery, request: AuthedRequest) -> Any:
    visible = Talent.objects.restrict(request.user, Action.VIEW)
    return filtered(TalentFilter, params, visible, request)


def _read(request: AuthedRequest, pk: int) -> Talent:
    """A talent as the user may read it (personal data in full or masked)."""
    return (
        Talent.objects.select_related("employer", "introducing_unit")
        .with_personal_access(request.user)
        .get(pk=pk)
    )


def _references(request: AuthedRequest, fields: dict[str, Any], action: str) -> dict[str, Any]:
    """Turns the employer and unit of a payload into objects; an unknown (or hidden) one
    is a 400 that names the field."""
    errors: dict[str, str] = {}
    if "employer" in fields:
        text = fields["employer"]
        try:
            fields["employer"] = find_employer(text or "")
        except ValueError as error:
            errors["employer"] = str(error) if text else employer_required()
    if "introducing_unit_id" in fields:
        pk = fields.pop("introducing_unit_id")
        unit = talent_units(request.user, action).filter(pk=pk).first() if pk else None
        if unit is None:
            errors["introducing_unit_id"] = _("单位 %(id)s 不存在，或不在您的权限范围内。") % {
                "id": pk
            }
        fields["introducing_unit"] = unit
    if "project_stage" in fields and fields["project_stage"] is None:
        fields["project_stage"] = ""
    if errors:
        raise ValidationError(errors)
    return fields


# Endpoints ---------------------------------------------------------------------------------


@router.get(
    "/talents",
    response=list[TalentOut],
    summary="人才列表",
    description="您权限范围内的人才，与人才列表页面使用同一套筛选条件。联系电话与身份证号码对无权修改该人才的用户遮盖显示。",
)
@paginate(PageNumberPagination)
def list_talents(request: AuthedRequest, filters: Query[TalentQuery]) -> Any:
    return (
        _filtered(filters, request)
        .select_related("employer", "introducing_unit")
        .with_personal_access(request.user)
    )


@router.get("/talents/{talent_id}", response=TalentOut, summary="人才详情")
def get_talent(request: AuthedRequest, talent_id: int) -> Any:
    talent = get_restricted_or_404(Talent.objects.all(), request.user, pk=talent_id)
    return _read(request, talent.pk)


@router.post(
    "/talents",
    response={201: TalentOut},
    summary="登记人才",
    description="工作单位必填（已登记的企业）；引进日期与落户日期不能晚于今天，落户日期不能早于引进日期；"
    "已落户须有落户日期。",
)
def create_talent(request: AuthedRequest, payload: TalentIn) -> Any:
    require_action(Talent.objects.all(), request.user, Action.ADD)
    fields = _references(request, payload.dict(), Action.ADD)
    talent = actions.do_create_talent(actor=request.user, **fields)
    return Status(201, _read(request, talent.pk))


@router.patch(
    "/talents/{talent_id}",
    response=TalentOut,
    summary="修改人才",
    description="只改动请求中给出的字段，原因记入修改历史（联系电话与身份证号码不记入历史）。",
)
def update_talent(request: AuthedRequest, talent_id: int, payload: TalentPatch) -> Any:
    talent = get_restricted_or_404(Talent.objects.all(), request.user, Action.CHANGE, pk=talent_id)
    changes = payload.dict(exclude_unset=True)
    reason = changes.pop("reason", "")
    for required in (
        "code", "name", "tier", "introducing_unit_id", "introduced_on", "employment", "settled",
        "status",
    ):  # fmt: skip
        if required in changes and changes[required] is None:
            raise ValidationError({required: _("该字段不能为空。")})
    changes = _references(request, changes, Action.CHANGE)
    actions.do_update_talent(talent, actor=request.user, reason=reason, **changes)
    return _read(request, talent.pk)
