"""The investment pipeline's part of the API: projects with their roadmaps, stage changes
and duplicate screening, scoped like the pages and filtered by the page's filter class."""

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import PageNumberPagination, paginate

from bipin.core.api import filtered
from bipin.core.choices import Action
from bipin.core.views import AuthedRequest, get_restricted_or_404, require_action
from bipin.org.models import Link, Unit
from bipin.projects import actions
from bipin.projects.choices import (
    Channel,
    DuplicateReason,
    DuplicateStatus,
    InvestorKind,
    MajorClass,
    NegativeKind,
    Stage,
)
from bipin.projects.filters import ProjectFilter, with_overdue
from bipin.projects.forms import project_units
from bipin.projects.models import (
    DuplicateCheck,
    Industry,
    LeadingIndustry,
    Milestone,
    Project,
)

router = Router(tags=["projects"])

_AMOUNT = "万元，十进制字符串或数字，不能为负"


# Schemas -----------------------------------------------------------------------------------


class ProjectOut(Schema):
    id: int
    code: str = Field(description="项目编号，唯一")
    name: str
    investor_name: str = Field(description="投资方")
    investor_origin: str = Field(description="投资方来源地（省市或国家）")
    investor_kind: InvestorKind = Field(description="内资 domestic / 外资 foreign")
    uscc: str = Field(description="项目公司统一社会信用代码（注册后）")
    industry: str = Field(description="GB/T 4754-2017 行业大类代码", alias="industry.code")
    industry_name: str = Field(alias="industry.name")
    leading_industry_id: int | None = Field(description="主导产业编号")
    channel: Channel = Field(description="招商方式")
    contracted_investment: Decimal = Field(description="总投资（万元）")
    fixed_asset_investment: Decimal | None = Field(description="固定资产投资（万元）")
    foreign_capital: Decimal | None = Field(description="外资（万美元）")
    responsible_unit_id: int = Field(description="责任单位编号")
    responsible_unit_name: str = Field(alias="responsible_unit.name")
    platform_id: int | None = Field(description="落地平台（单位编号）")
    is_capital_increase: bool = Field(description="现有企业增资：计入金额，不计为新项目")
    stage: Stage
    stage_label: str = Field(alias="get_stage_display")
    lead_on: date | None
    negotiating_on: date | None
    signed_on: date | None
    registered_on: date | None
    land_on: date | None
    started_on: date | None
    producing_on: date | None
    at_capacity_on: date | None
    terminated_on: date | None
    termination_reason: str
    counting_year: int | None = Field(description="计数年度：签约年度，签约时确定")
    counting_unit_id: int | None = Field(description="计数单位：签约时的责任单位")
    merged_into_id: int | None = Field(description="作为重复项目合并到的项目")
    major_class: MajorClass | None = Field(
        description="重大项目类别（亿元/10亿元/50亿元以上），由金额按配置的门槛得出"
    )
    overdue: bool = Field(description="有节点超过计划日期仍未完成", alias="late")
    note: str


class EvidenceOut(Schema):
    id: int
    name: str
    uploaded_at: datetime
    url: str = Field(description="下载地址（需登录）")

    @staticmethod
    def resolve_url(evidence: Any) -> str:
        from django.urls import reverse

        return reverse("projects:evidence", args=[evidence.pk])


class MilestoneOut(Schema):
    id: int
    stage: Stage
    stage_label: str = Field(alias="get_stage_display")
    planned_on: date = Field(description="计划日期")
    actual_on: date | None = Field(description="实际日期")
    requires_evidence: bool
    reached: bool = Field(alias="is_reached")
    overdue: bool = Field(description="已过计划日期而未完成")
    note: str
    evidence: list[EvidenceOut]

    @staticmethod
    def resolve_overdue(milestone: Milestone) -> bool:
        return milestone.is_overdue()

    @staticmethod
    def resolve_evidence(milestone: Milestone) -> list[Any]:
        return list(milestone.evidence.all())


class DuplicateCheckOut(Schema):
    id: int
    candidate_id: int = Field(description="疑似重复的另一个项目")
    candidate_code: str = Field(alias="candidate.code")
    candidate_name: str = Field(alias="candidate.name")
    reason: DuplicateReason
    status: DuplicateStatus
    note: str


class LicenceOut(Schema):
    code: str
    text: str


class LeaderOut(Schema):
    id: int = Field(alias="leader.pk")
    name: str = Field(alias="leader.name")
    duty: str


class ProjectDetailOut(ProjectOut):
    milestones: list[MilestoneOut] = Field(description="路线图节点")
    duplicate_checks: list[DuplicateCheckOut] = Field(description="疑似重复及其甄别")
    licences: list[LicenceOut] = Field(description="所属行业需办理的许可（负面清单许可准入事项）")
    leaders: list[LeaderOut] = Field(description="挂联领导")


class ProjectIn(Schema):
    code: str = Field("", max_length=30, description="项目编号；留空自动生成（ZS年份-序号）")
    name: str = Field(min_length=1, max_length=200)
    investor_name: str = Field(min_length=1, max_length=200, description="投资方")
    investor_origin: str = Field("", max_length=60, description="投资方来源地")
    investor_kind: InvestorKind = InvestorKind.DOMESTIC
    uscc: str = Field("", max_length=18, description="统一社会信用代码（GB 32100-2015，含校验位）")
    industry: str = Field(description="GB/T 4754-2017 行业大类代码，如 39")
    leading_industry_id: int | None = Field(None, description="主导产业编号")
    channel: Channel = Channel.OTHER
    contracted_investment: Decimal = Field(
        ge=0, max_digits=14, decimal_places=2, description=_AMOUNT
    )
    fixed_asset_investment: Decimal | None = Field(
        None, ge=0, max_digits=14, decimal_places=2, description=_AMOUNT
    )
    foreign_capital: Decimal | None = Field(
        None, ge=0, max_digits=14, decimal_places=2, description="万美元，不能为负"
    )
    responsible_unit_id: int = Field(description="责任单位编号（须在您的权限范围内）")
    platform_id: int | None = Field(None, description="落地平台（单位编号）")
    is_capital_increase: bool = False
    note: str = ""
    stage: Stage = Field(
        Stage.LEAD, description="录入阶段：lead 线索、negotiating 洽谈或 signed 签约"
    )
    stage_on: date | None = Field(None, description="该阶段的日期，默认今天，不能晚于今天")


class ProjectPatch(Schema):
    code: str | None = Field(None, min_length=1, max_length=30)
    name: str | None = Field(None, min_length=1, max_length=200)
    investor_name: str | None = Field(None, min_length=1, max_length=200)
    investor_origin: str | None = Field(None, max_length=60)
    investor_kind: InvestorKind | None = None
    uscc: str | None = Field(None, max_length=18)
    industry: str | None = Field(None, description="GB/T 4754-2017 行业大类代码")
    leading_industry_id: int | None = None
    channel: Channel | None = None
    contracted_investment: Decimal | None = Field(
        None, ge=0, max_digits=14, decimal_places=2, description=_AMOUNT
    )
    fixed_asset_investment: Decimal | None = Field(
        None, ge=0, max_digits=14, decimal_places=2, description=_AMOUNT
    )
    foreign_capital: Decimal | None = Field(None, ge=0, max_digits=14, decimal_places=2)
    responsible_unit_id: int | None = None
    platform_id: int | None = None
    is_capital_increase: bool | None = None
    note: str | None = None
    reason: str = Field("", max_length=200, description="修改原因，记入历史")


class StageIn(Schema):
    to: Stage = Field(description="新阶段：只能前进一步；退回、终止与恢复须说明原因")
    on: date = Field(description="发生日期，不能晚于今天，也不能早于当前阶段的日期")
    reason: str = Field("", max_length=500, description="原因：退回、终止、恢复时必填")


class DecisionIn(Schema):
    decision: DuplicateStatus = Field(
        description="distinct 确认不重复（两个项目都计数）或 merged 合并（本项目并入另一个，不再计数）"
    )
    note: str = Field("", max_length=500, description="说明")


class ProjectQuery(Schema):
    q: str | None = Field(None, description="项目名称、投资方或编号包含")
    stage: Stage | None = None
    responsible_unit: int | None = Field(None, description="责任单位编号（含其下级单位）")
    platform: int | None = Field(None, description="落地平台（单位编号）")
    industry: str | None = Field(None, description="行业门类（如 C）或大类（如 39）代码")
    leading_industry: int | None = Field(None, description="主导产业编号")
    channel: Channel | None = None
    major_class: MajorClass | None = Field(None, description="重大项目类别：1、10、50（亿元以上）")
    leader: int | None = Field(None, description="挂联领导的用户编号")
    overdue: bool | None = Field(None, description="true 仅逾期，false 仅未逾期")
    year: int | None = Field(None, description="计数年度（签约年度）")
    include_merged: bool | None = Field(None, description="含已合并的重复项目（默认不含）")
    sort: str | None = Field(
        None,
        description="排序：code、name、amount、signed、stage，前加 - 为倒序；默认 -signed",
        pattern=r"^-?(code|name|amount|signed|stage)$",
    )


# Helpers -----------------------------------------------------------------------------------


def _filtered(params: ProjectQuery, request: AuthedRequest) -> Any:
    visible = Project.objects.restrict(request.user, Action.VIEW)
    return filtered(ProjectFilter, params, visible, request)


def _detail(project: Project, request: AuthedRequest) -> Project:
    """A project with what its detail shows, loaded in a few queries."""
    found = (
        with_overdue(Project.objects.filter(pk=project.pk))
        .select_related("industry", "responsible_unit")
        .prefetch_related("milestones__evidence", "duplicate_checks__candidate")
        .get()
    )
    found.licences = [
        item
        for item in actions.negative_items(found.industry)
        if item.kind == NegativeKind.LICENSED
    ]
    found.leaders = list(
        Link.objects.restrict(request.user)
        .current()
        .filter(content_type=ContentType.objects.get_for_model(Project), object_id=found.pk)
        .select_related("leader")
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
    if "leading_industry_id" in fields:
        pk = fields.pop("leading_industry_id")
        fields["leading_industry"] = None
        if pk is not None:
            fields["leading_industry"] = LeadingIndustry.objects.filter(pk=pk).first()
            if fields["leading_industry"] is None:
                errors["leading_industry_id"] = _("没有编号为 %(id)s 的主导产业。") % {"id": pk}
    if "responsible_unit_id" in fields:
        pk = fields.pop("responsible_unit_id")
        unit = project_units(request.user, action).filter(pk=pk).first() if pk else None
        if unit is None:
            errors["responsible_unit_id"] = _("单位 %(id)s 不存在，或不在您的权限范围内。") % {
                "id": pk
            }
        fields["responsible_unit"] = unit
    if "platform_id" in fields:
        pk = fields.pop("platform_id")
        fields["platform"] = Unit.objects.filter(pk=pk).first() if pk is not None else None
        if pk is not None and fields["platform"] is None:
            errors["platform_id"] = _("没有编号为 %(id)s 的单位。") % {"id": pk}
    if errors:
        raise ValidationError(errors)
    return fields


# Endpoints ---------------------------------------------------------------------------------


@router.get(
    "/projects",
    response=list[ProjectOut],
    summary="项目列表",
    description="您权限范围内的招商项目，与项目列表页面使用同一套筛选条件；默认不含已合并的重复项目。",
)
@paginate(PageNumberPagination)
def list_projects(request: AuthedRequest, filters: Query[ProjectQuery]) -> Any:
    return with_overdue(_filtered(filters, request).select_related("industry", "responsible_unit"))


@router.get(
    "/projects/{project_id}",
    response=ProjectDetailOut,
    summary="项目详情",
    description="项目概况、路线图节点（含佐证材料）、疑似重复、需办理的许可与挂联领导。",
)
def get_project(request: AuthedRequest, project_id: int) -> Any:
    project = get_restricted_or_404(Project.objects.all(), request.user, pk=project_id)
    return _detail(project, request)


@router.post(
    "/projects",
    response={201: ProjectDetailOut},
    summary="新建项目",
    description="从线索、洽谈或签约阶段录入；签约项目确定计数年度与计数单位并生成路线图。"
    "禁止准入行业的项目被拒绝（返回负面清单事项原文）；疑似重复项目记录在 duplicate_checks 中待甄别。",
)
def create_project(request: AuthedRequest, payload: ProjectIn) -> Any:
    require_action(Project.objects.all(), request.user, Action.ADD)
    fields = _references(request, payload.dict(), Action.ADD)
    project = actions.do_create_project(
        actor=request.user, stage=fields.pop("stage"), stage_on=fields.pop("stage_on"), **fields
    )
    return Status(201, _detail(project, request))


@router.patch(
    "/projects/{project_id}",
    response=ProjectDetailOut,
    summary="修改项目",
    description="修改项目概况（阶段请用阶段变更接口）；只改动请求中给出的字段，原因记入修改历史。",
)
def update_project(request: AuthedRequest, project_id: int, payload: ProjectPatch) -> Any:
    project = get_restricted_or_404(
        Project.objects.all(), request.user, Action.CHANGE, pk=project_id
    )
    changes = payload.dict(exclude_unset=True)
    reason = changes.pop("reason", "")
    for required in ("code", "name", "investor_name", "industry", "responsible_unit_id"):
        if required in changes and changes[required] is None:
            raise ValidationError({required: _("该字段不能为空。")})
    changes = _references(request, changes, Action.CHANGE)
    actions.do_update_project(project, actor=request.user, reason=reason, **changes)
    return _detail(project, request)


@router.post(
    "/projects/{project_id}/stage",
    response=ProjectDetailOut,
    summary="阶段变更",
    description="前进一步（须有当前阶段日期，路线图要求的佐证材料已上传，签约时不属禁止准入行业）；"
    "退回之前的阶段、终止（to=terminated）和恢复已终止的项目须说明原因。对应的路线图节点记下实际日期。",
)
def change_stage(request: AuthedRequest, project_id: int, payload: StageIn) -> Any:
    project = get_restricted_or_404(
        Project.objects.all(), request.user, Action.CHANGE, pk=project_id
    )
    project = actions.do_change_stage(
        project, to=payload.to, on=payload.on, reason=payload.reason, actor=request.user
    )
    return _detail(project, request)


@router.post(
    "/projects/{project_id}/duplicates/{check_id}",
    response=ProjectDetailOut,
    summary="甄别疑似重复",
    description="确认不重复，或把本项目合并到疑似重复的项目（合并后本项目不再计数）。已甄别的不能再次甄别。",
)
def decide_duplicate(
    request: AuthedRequest, project_id: int, check_id: int, payload: DecisionIn
) -> Any:
    project = get_restricted_or_404(
        Project.objects.all(), request.user, Action.CHANGE, pk=project_id
    )
    check = get_restricted_or_404(
        DuplicateCheck.objects.filter(project=project).select_related("project", "candidate"),
        request.user,
        pk=check_id,
    )
    actions.do_decide_duplicate(
        check, decision=payload.decision, note=payload.note, actor=request.user
    )
    return _detail(project, request)
