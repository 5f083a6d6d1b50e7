"""The catalogue's part of the indicator API: indicators (read by everyone signed in, kept
by the supervisor) and the units' annual targets (set by the supervisor)."""

from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import PageNumberPagination, paginate

from bipin.core.api import filtered
from bipin.core.choices import Action
from bipin.core.views import AuthedRequest, get_restricted_or_404
from bipin.indicators import actions
from bipin.indicators.api.common import (
    AMOUNT_IN,
    RawAmount,
    cell,
    derivation_of,
    plain,
    refusals,
)
from bipin.indicators.choices import Direction, IndicatorKind, Source
from bipin.indicators.filters import IndicatorFilterSet, TargetFilterSet
from bipin.indicators.models import Indicator, Target
from bipin.org.choices import UnitKind
from bipin.org.models import Unit

router = Router(tags=["indicators"])


# Schemas -----------------------------------------------------------------------------------


class IndicatorOut(Schema):
    id: int
    code: str = Field(description="指标代码，唯一")
    name: str = Field(description="指标名称")
    unit_of_measure: str = Field(description="计量单位，如 万元、%、个")
    kind: IndicatorKind = Field(
        description="指标类型：cumulative 累计值（1-N月累计）、stock 期末值、rate 比率、"
        "growth 增速（同比，%）"
    )
    kind_label: str = Field(alias="get_kind_display")
    direction: Direction = Field(description="指标方向：higher 越大越好、lower 越小越好")
    direction_label: str = Field(alias="get_direction_display")
    decimals: int = Field(description="显示的小数位数（0-4）")
    provider_id: int | None = Field(
        description="数据提供部门（单位编号）：为各单位统一报送本指标；为空则由各单位自行填报"
    )
    provider_name: str | None = Field(description="数据提供部门名称")
    source: Source = Field(description="数据来源：manual 填报、derived 系统计算（不能填报）")
    source_label: str = Field(alias="get_source_display")
    derivation: str = Field(description="系统计算指标的计算方法代码（见指标详情的公式）")
    base_id: int | None = Field(description="增速指标所依据的累计指标（指标编号）")
    unit_kinds: list[UnitKind] = Field(
        description="报送本指标的单位类型：subdistrict 街道、town 乡镇、department 部门、platform 平台等"
    )
    description: str = Field(description="指标解释")
    order: int = Field(description="排序")
    active: bool = Field(description="启用；停用的指标不能再填报")

    @staticmethod
    def resolve_provider_name(indicator: Indicator) -> str | None:
        return indicator.provider.name if indicator.provider else None

    @staticmethod
    def resolve_unit_kinds(indicator: Indicator) -> list[str]:
        return indicator.applies_to_kinds()


class IndicatorDetailOut(IndicatorOut):
    derivation_label: str | None = Field(description="计算方法的名称（系统计算指标）；填报指标为空")
    formula: str | None = Field(description="计算公式：统计哪些记录、如何计算；填报指标为空")
    base_name: str | None = Field(description="基础指标名称（由累计指标计算的增速）")

    @staticmethod
    def resolve_derivation_label(indicator: Indicator) -> str | None:
        return derivation_of(indicator)[0]

    @staticmethod
    def resolve_formula(indicator: Indicator) -> str | None:
        return derivation_of(indicator)[1]

    @staticmethod
    def resolve_base_name(indicator: Indicator) -> str | None:
        return indicator.base.name if indicator.base else None


class IndicatorIn(Schema):
    code: str = Field(
        min_length=1, max_length=32, description="指标代码：字母、数字、下划线和短横线，唯一"
    )
    name: str = Field(min_length=1, max_length=60, description="指标名称，唯一")
    unit_of_measure: str = Field(min_length=1, max_length=20, description="计量单位，如 万元、%")
    kind: IndicatorKind = Field(description="指标类型")
    direction: Direction = Field(Direction.HIGHER, description="指标方向")
    decimals: int = Field(1, ge=0, le=4, description="小数位数（0-4）")
    provider_id: int | None = Field(
        None, description="数据提供部门（须为部门）；留空则由各单位自行填报"
    )
    source: Source = Field(Source.MANUAL, description="数据来源")
    derivation: str = Field(
        "", max_length=40, description="系统计算指标的计算方法代码，如 signed_projects_1yi"
    )
    base_id: int | None = Field(
        None, description="基础指标（累计值指标编号）：有则本增速由系统按其数值计算"
    )
    unit_kinds: list[UnitKind] = Field(
        [UnitKind.SUBDISTRICT, UnitKind.TOWN], min_length=1, description="报送本指标的单位类型"
    )
    description: str = Field("", description="指标解释")
    order: int = Field(0, ge=0, description="排序")
    active: bool = Field(True, description="启用")
    reason: str = Field("", max_length=200, description="原因，记入修改历史")


class IndicatorPatch(Schema):
    code: str | None = Field(None, min_length=1, max_length=32)
    name: str | None = Field(None, min_length=1, max_length=60)
    unit_of_measure: str | None = Field(None, min_length=1, max_length=20)
    kind: IndicatorKind | None = None
    direction: Direction | None = None
    decimals: int | None = Field(None, ge=0, le=4)
    provider_id: int | None = Field(None, description="数据提供部门；null 改为由各单位自行填报")
    source: Source | None = None
    derivation: str | None = Field(None, max_length=40)
    base_id: int | None = Field(None, description="基础指标；null 去掉")
    unit_kinds: list[UnitKind] | None = Field(None, min_length=1)
    description: str | None = None
    order: int | None = Field(None, ge=0)
    active: bool | None = None
    reason: str = Field("", max_length=200, description="修改原因，记入修改历史")


class IndicatorQuery(Schema):
    q: str | None = Field(None, description="指标代码或名称包含")
    kind: IndicatorKind | None = Field(None, description="指标类型")
    source: Source | None = Field(None, description="数据来源：manual 填报、derived 系统计算")
    provider: int | None = Field(None, description="数据提供部门（单位编号）")
    active: bool | None = Field(None, description="true 仅启用的指标，false 仅停用的指标")


class TargetOut(Schema):
    id: int
    indicator_id: int
    indicator_code: str = Field(alias="indicator.code")
    indicator_name: str = Field(alias="indicator.name")
    unit_of_measure: str = Field(alias="indicator.unit_of_measure")
    unit_id: int
    unit_name: str = Field(alias="unit.name")
    year: int = Field(description="年度")
    amount: Decimal = Field(description="年度目标（十进制字符串；百分比指标以百分数计）")
    phasing: list[Decimal] | None = Field(
        description="分月目标：1-12 月各月末的累计目标；为空则按序时进度（月数 ÷ 12）"
    )
    note: str = Field(description="备注")

    @staticmethod
    def resolve_amount(target: Target) -> Decimal:
        return plain(target.amount)

    @staticmethod
    def resolve_phasing(target: Target) -> list[Decimal] | None:
        phased = target.phased_amounts()
        return [plain(amount) for amount in phased] if phased else None


class TargetIn(Schema):
    indicator_id: int = Field(description="指标编号")
    unit_id: int = Field(description="单位编号（须报送该指标）")
    year: int = Field(ge=1900, le=9999, description="年度")
    amount: RawAmount = Field(description=f"年度目标。{AMOUNT_IN}；增速以外的指标不能为负")
    phasing: list[RawAmount] | None = Field(
        None,
        description="分月目标（可选，累计值和期末值指标）：1-12 月各月末的累计目标共 12 个数，"
        "逐月不减，12 月的须等于年度目标",
    )
    note: str | None = Field(None, max_length=200, description="备注；不给则不变")
    reason: str = Field(
        "", max_length=200, description="修改原因：年度开始后修改已有目标时必填，记入修改历史"
    )


class TargetQuery(Schema):
    year: int | None = Field(None, description="年度")
    indicator: int | None = Field(None, description="指标编号")
    unit: int | None = Field(None, description="单位编号")


# Helpers -----------------------------------------------------------------------------------


def _indicator_detail(pk: int) -> Indicator:
    return Indicator.objects.select_related("provider", "base").get(pk=pk)


def _indicator_references(request: AuthedRequest, fields: dict[str, Any]) -> dict[str, Any]:
    """Turns the ids of an indicator payload into objects; an unknown one is a 400 naming
    the field."""
    errors: dict[str, str] = {}
    if "provider_id" in fields:
        pk = fields.pop("provider_id")
        provider = Unit.objects.restrict(request.user).filter(pk=pk).first() if pk else None
        if pk is not None and provider is None:
            errors["provider_id"] = _("没有编号为 %(id)s 的单位。") % {"id": pk}
        elif provider is not None and provider.kind != UnitKind.DEPARTMENT:
            errors["provider_id"] = _("数据提供部门须是部门。")
        fields["provider"] = provider
    if "base_id" in fields:
        pk = fields.pop("base_id")
        base = Indicator.objects.restrict(request.user).filter(pk=pk).first() if pk else None
        if pk is not None and base is None:
            errors["base_id"] = _("没有编号为 %(id)s 的指标。") % {"id": pk}
        fields["base"] = base
    if "unit_kinds" in fields:
        fields["unit_kinds"] = ",".join(dict.fromkeys(fields["unit_kinds"]))
    if errors:
        raise ValidationError(errors)
    return fields


_INDICATOR_FIELDS = {"provider": "provider_id", "base": "base_id"}


def _target_detail(pk: int) -> Target:
    return Target.objects.select_related("indicator", "unit").get(pk=pk)


def _read_amounts(indicator: Indicator, amount: Any, phasing: list[Any] | None) -> Any:
    """The target's amount and phasing read as the value entry reads numbers; every refusal
    names its field (and the month of the phasing)."""
    errors: dict[str, list[str]] = {}
    read: Decimal | None = None
    try:
        read = actions.read_amount(indicator, amount)
    except ValidationError as error:
        errors["amount"] = error.messages
    months: list[Decimal] | None = None
    if phasing is not None:
        months = []
        for month, raw in enumerate(phasing, start=1):
            try:
                months.append(actions.read_amount(indicator, raw))
            except ValidationError as error:
                errors.setdefault("phasing", []).append(
                    _("%(month)s月：%(message)s") % {"month": month, "message": error.messages[0]}
                )
    if errors:
        raise ValidationError(errors)
    return read, months


# Endpoints: the catalogue ------------------------------------------------------------------


@router.get(
    "/indicators",
    response=list[IndicatorOut],
    summary="指标列表",
    description="指标目录（所有登录用户可见），与指标目录页面使用同一套筛选条件，分页返回。",
)
@paginate(PageNumberPagination)
def list_indicators(request: AuthedRequest, filters: Query[IndicatorQuery]) -> Any:
    visible = Indicator.objects.restrict(request.user, Action.VIEW)
    return filtered(IndicatorFilterSet, filters, visible, request).select_related("provider")


@router.get(
    "/indicators/{indicator_id}",
    response=IndicatorDetailOut,
    summary="指标详情",
    description="指标的定义；系统计算指标附计算方法的名称和公式（统计哪些记录、如何计算）。",
)
def get_indicator(request: AuthedRequest, indicator_id: int) -> Any:
    indicator = get_restricted_or_404(Indicator.objects.all(), request.user, pk=indicator_id)
    return _indicator_detail(indicator.pk)


@router.post(
    "/indicators",
    response={201: IndicatorDetailOut},
    summary="新增指标",
    description="督查室新增一个指标：代码和名称唯一；系统计算指标须选择计算方法，或（增速）选择基础指标；"
    "数据提供部门须是部门。",
)
def create_indicator(request: AuthedRequest, payload: IndicatorIn) -> Any:
    fields = payload.dict()
    reason = fields.pop("reason")
    with refusals(_INDICATOR_FIELDS):
        indicator = actions.do_save_indicator(
            None,
            actor=request.user,
            reason=reason,
            **_indicator_references(request, fields),
        )
    return Status(201, _indicator_detail(indicator.pk))


@router.patch(
    "/indicators/{indicator_id}",
    response=IndicatorDetailOut,
    summary="修改指标",
    description="督查室修改指标：只改动请求中给出的字段，原因记入修改历史。其他用户返回 403。",
)
def update_indicator(request: AuthedRequest, indicator_id: int, payload: IndicatorPatch) -> Any:
    indicator = get_restricted_or_404(
        Indicator.objects.select_related("provider", "base"),
        request.user,
        Action.CHANGE,
        pk=indicator_id,
    )
    changes = payload.dict(exclude_unset=True)
    reason = changes.pop("reason", "")
    for name, value in list(changes.items()):
        if value is not None or name in ("provider_id", "base_id"):
            continue
        if name not in ("derivation", "description"):
            raise ValidationError({name: _("该字段不能为空。")})
        changes[name] = ""  # null clears a text
    with refusals(_INDICATOR_FIELDS):
        actions.do_save_indicator(
            indicator,
            actor=request.user,
            reason=reason,
            **_indicator_references(request, changes),
        )
    return _indicator_detail(indicator.pk)


# Endpoints: targets ------------------------------------------------------------------------


@router.get(
    "/targets",
    response=list[TargetOut],
    summary="目标列表",
    description="年度目标：单位人员看到本单位（含下级）的目标，数据提供部门看到其指标在各单位的目标，"
    "督查室和区领导看到全部；与目标页面使用同一套筛选条件，分页返回。",
)
@paginate(PageNumberPagination)
def list_targets(request: AuthedRequest, filters: Query[TargetQuery]) -> Any:
    visible = Target.objects.restrict(request.user, Action.VIEW)
    return filtered(TargetFilterSet, filters, visible, request).select_related("indicator", "unit")


@router.put(
    "/targets",
    response=TargetOut,
    summary="设置目标",
    description="督查室设置一个单位某指标的年度目标（没有则新建），可附分月目标；数值的写法与填报相同。"
    "年度开始后修改已有目标须说明原因，记入修改历史。看不到的指标或单位返回 404，其他用户 403。",
)
def set_target(request: AuthedRequest, payload: TargetIn) -> Any:
    indicator, unit = cell(request, payload.indicator_id, payload.unit_id)
    if Target.objects.restrict(request.user, Action.CHANGE).query.is_empty():
        raise PermissionDenied(_("只有督查室可以设置目标。"))
    amount, phasing = _read_amounts(indicator, payload.amount, payload.phasing)
    with refusals():
        target = actions.do_set_target(
            indicator=indicator,
            unit=unit,
            year=payload.year,
            amount=amount,
            phasing=phasing,
            note=payload.note,
            reason=payload.reason,
            actor=request.user,
        )
    return _target_detail(target.pk)
