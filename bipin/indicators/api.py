"""The indicator data's part of the API (指标数据): the catalogue, annual targets, monthly
values with their workflow (submit, approve, return, correct), reporting periods (close,
recompute the derived values) and the list of what has not been submitted.

Scoped like the pages: an object the user may not see is 404, as one that does not exist
(a value written with PUT is named by its indicator, unit and month: a unit the user may
not see is 404 too); a write the user may not make at all is 403 with the action's
message; input that breaks a rule is 400 with the message and, where there is one, the
field. Amounts are decimal strings in the answers, never floats; in a request an amount
may be a number or a string as people write it ("12.5%", "１２．５", "1,234.5").
"""

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema
from ninja.errors import HttpError
from ninja.pagination import PageNumberPagination, paginate
from pydantic import StrictFloat, StrictInt, StrictStr

from bipin.core.api import filtered
from bipin.core.choices import Action, Role
from bipin.core.periods import Period
from bipin.core.views import AuthedRequest, get_restricted_or_404
from bipin.indicators import actions, computations
from bipin.indicators.choices import (
    SUBMITTED_OR_LATER,
    Direction,
    IndicatorKind,
    Source,
    ValueStatus,
)
from bipin.indicators.derived import derivations
from bipin.indicators.filters import IndicatorFilterSet, TargetFilterSet, ValueFilterSet
from bipin.indicators.models import Indicator, ReportingPeriod, Target, Value
from bipin.org.choices import UnitKind
from bipin.org.models import Unit

router = Router(tags=["indicators"])

#: An amount as a client sends it: a JSON number, or a string as people write numbers.
#: Strict, so that true or null is refused rather than read as 1 or 0.
RawAmount = StrictStr | StrictInt | StrictFloat

_AMOUNT_IN = (
    "数值：数字或字符串，如 12.5、\"12.5%\"、\"１２．５\"、\"1,234.5\"；百分比以百分数计（12.5 即 12.5%）；"
    "最多 4 位小数；超过 15 位有效数字请用字符串"
)
_PERIOD_IN = "月份：年-月，如 2026-10（也可写 2026/10、2026年10月）"
#: The codes of read_amount's refusals: they are about the amount field.
_AMOUNT_CODES = frozenset({"blank", "not_a_number", "negative", "precision", "too_large"})


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
        return indicator.provider.name if indicator.provider_id else None

    @staticmethod
    def resolve_unit_kinds(indicator: Indicator) -> list[str]:
        return indicator.applies_to_kinds()


class IndicatorDetailOut(IndicatorOut):
    derivation_label: str | None = Field(
        description="计算方法的名称（系统计算指标）；填报指标为空"
    )
    formula: str | None = Field(description="计算公式：统计哪些记录、如何计算；填报指标为空")
    base_name: str | None = Field(description="基础指标名称（由累计指标计算的增速）")

    @staticmethod
    def resolve_derivation_label(indicator: Indicator) -> str | None:
        return _derivation_of(indicator)[0]

    @staticmethod
    def resolve_formula(indicator: Indicator) -> str | None:
        return _derivation_of(indicator)[1]

    @staticmethod
    def resolve_base_name(indicator: Indicator) -> str | None:
        return indicator.base.name if indicator.base_id else None


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
        return _plain(target.amount)

    @staticmethod
    def resolve_phasing(target: Target) -> list[Decimal] | None:
        phased = target.phased_amounts()
        return [_plain(amount) for amount in phased] if phased else None


class TargetIn(Schema):
    indicator_id: int = Field(description="指标编号")
    unit_id: int = Field(description="单位编号（须报送该指标）")
    year: int = Field(ge=1900, le=9999, description="年度")
    amount: RawAmount = Field(description=f"年度目标。{_AMOUNT_IN}；增速以外的指标不能为负")
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


class ValueOut(Schema):
    id: int
    indicator_id: int
    indicator_code: str = Field(alias="indicator.code")
    indicator_name: str = Field(alias="indicator.name")
    unit_of_measure: str = Field(alias="indicator.unit_of_measure")
    unit_id: int
    unit_name: str = Field(alias="unit.name")
    year: int = Field(description="年度")
    month: int = Field(description="月份")
    period: str = Field(description="月份：年-月，如 2026-10")
    amount: Decimal = Field(
        description="数值（十进制字符串）：累计值为 1-N月累计，百分比以百分数计（12.5 即 12.5%）"
    )
    shown: str = Field(description="按指标小数位数和计量单位显示的数值，如 1,234.5 万元、12.5%")
    status: ValueStatus = Field(
        description="状态：draft 草稿 → submitted 已提交 → approved 已审核 → locked 已锁定（填报期关闭）"
    )
    status_label: str = Field(alias="get_status_display")
    derived: bool = Field(description="由系统根据业务记录计算（不能填报）")
    reported_growth: Decimal | None = Field(
        description="统计局报表所列的同比增长（%），导入报表时记录；其他为空"
    )
    note: str = Field(description="说明")
    entered_by_id: int | None = Field(description="填报人（用户编号）")
    entered_at: datetime | None = Field(description="填报时间")
    submitted_by_id: int | None = Field(description="提交人（用户编号）")
    submitted_at: datetime | None = Field(description="提交时间")
    approved_by_id: int | None = Field(description="审核人（用户编号）")
    approved_at: datetime | None = Field(description="审核时间")
    computed_at: datetime | None = Field(description="系统计算时间（系统计算的数据）")

    @staticmethod
    def resolve_period(value: Value) -> str:
        return str(value.period)

    @staticmethod
    def resolve_amount(value: Value) -> Decimal:
        return _plain(value.amount)

    @staticmethod
    def resolve_shown(value: Value) -> str:
        return value.shown()

    @staticmethod
    def resolve_derived(value: Value) -> bool:
        return value.is_derived or value.indicator.is_derived

    @staticmethod
    def resolve_reported_growth(value: Value) -> Decimal | None:
        return _plain(value.reported_growth) if value.reported_growth is not None else None


class GrowthOut(Schema):
    state: computations.GrowthState = Field(
        description="ok 正常；no_base 上年同期无数据；zero_base 上年同期为零；negative_base "
        "上年同期为负；no_value 本期无数据"
    )
    state_label: str = Field(description="状态的说明，或计算出的增速，如 12.5%")
    percent: Decimal | None = Field(
        description="同比增长（%，4 位小数）= (本期 ÷ 上年同期 − 1) × 100；不能计算时为空"
    )
    last_year_amount: Decimal | None = Field(description="上年同期的数值")


class CompletionOut(Schema):
    state: computations.CompletionState = Field(
        description="ok 正常；no_target 无目标；zero_target 目标为零；no_value 无数据；"
        "not_applicable 不适用（负的目标）"
    )
    state_label: str
    target: Decimal | None = Field(description="本单位本年度的目标")
    percent: Decimal | None = Field(
        description="完成率（%）= 数值 ÷ 年度目标 × 100；比率和增速指标为空"
    )
    time_progress: Decimal | None = Field(
        description="序时进度（%）：月数 ÷ 12 × 100，或按分月目标；比率和增速指标为空"
    )
    gap: Decimal | None = Field(
        description="差距（百分点）：完成率 − 序时进度；比率和增速指标为 数值 − 目标（越小越好的指标反之）；正数为领先"
    )
    colour: computations.Colour | None = Field(
        description="颜色：green 差距 ≥ 0；yellow −10 ≤ 差距 < 0；red 差距 < −10"
    )


class ValueDetailOut(ValueOut):
    growth: GrowthOut | None = Field(
        description="同比增长（对比上年同期）；比率和增速指标本身是百分数，为空",
        alias="growth_figures",
    )
    completion: CompletionOut = Field(
        description="对照本年度目标的完成情况", alias="completion_figures"
    )
    formula: str | None = Field(description="系统计算的数据：计算公式")
    allowed_steps: list[str] = Field(
        description="您现在可以执行的步骤：submit 提交、approve 审核、return 退回、correct 更正（督查室）",
        alias="steps",
    )

    @staticmethod
    def resolve_formula(value: Value) -> str | None:
        return _derivation_of(value.indicator)[1]


class ValueIn(Schema):
    indicator_id: int = Field(description="指标编号")
    unit_id: int = Field(description="单位编号")
    period: str = Field(min_length=1, max_length=20, description=_PERIOD_IN)
    amount: RawAmount = Field(description=_AMOUNT_IN)
    note: str | None = Field(None, max_length=200, description="说明；不给则不变")


class ValueQuery(Schema):
    year: int | None = Field(None, description="年度")
    month: int | None = Field(None, ge=1, le=12, description="月份")
    indicator: int | None = Field(None, description="指标编号")
    unit: int | None = Field(None, description="单位编号（含其下级单位）")
    status: ValueStatus | None = Field(None, description="状态")
    source: Source | None = Field(None, description="数据来源：manual 填报、derived 系统计算")


class ValueIdsIn(Schema):
    ids: list[int] = Field(min_length=1, description="数据编号；全部成功或全部不变")


class SteppedOut(Schema):
    count: int = Field(description="处理的数据条数")
    items: list[ValueOut] = Field(description="处理后的数据")


class ValueReturnIn(Schema):
    reason: str = Field(description="退回原因，必填，记入修改历史")


class ValueCorrectIn(Schema):
    amount: RawAmount = Field(description=f"更正后的数值。{_AMOUNT_IN}")
    reason: str = Field(description="更正原因，必填，记入修改历史")


class MissingQuery(Schema):
    period: str = Field(min_length=1, max_length=20, description=_PERIOD_IN)


class MissingValueOut(Schema):
    unit_id: int
    unit_name: str
    indicator_id: int
    indicator_code: str
    indicator_name: str
    owner_id: int = Field(
        description="负责报送的单位：指标的数据提供部门，或（各单位自行填报的指标）该单位本身"
    )
    owner_name: str
    status: ValueStatus | None = Field(description="draft 已填未提交；为空则尚未填报")
    value_id: int | None = Field(description="已填草稿的数据编号")


class ReportingPeriodOut(Schema):
    year: int
    month: int
    period: str = Field(description="年-月，如 2026-10")
    label: str = Field(description="报表的写法，如 2026年1-10月")
    deadline: date = Field(description="报送截止日期")
    closed: bool = Field(description="已锁定：数据只能由督查室说明原因后更正", alias="is_closed")
    closed_at: datetime | None = Field(description="锁定时间")
    closed_by_id: int | None = Field(description="锁定人（用户编号）")
    overdue: bool = Field(description="未锁定且已过报送截止日期")

    @staticmethod
    def resolve_period(row: ReportingPeriod) -> str:
        return str(row.period)

    @staticmethod
    def resolve_label(row: ReportingPeriod) -> str:
        return row.period.label

    @staticmethod
    def resolve_overdue(row: ReportingPeriod) -> bool:
        return row.is_overdue(date.today())


class ClosedPeriodOut(ReportingPeriodOut):
    locked: int = Field(description="本次锁定的数据条数")


class PeriodQuery(Schema):
    year: int | None = Field(None, description="年度")


class ComputeOut(Schema):
    period: str = Field(description="年-月")
    created: int = Field(description="新算出的数据条数")
    updated: int = Field(description="数值有变化的条数")
    unchanged: int = Field(description="数值不变的条数")
    removed: int = Field(description="不能再计算（如比率没有分母）而删除的条数")


# Helpers -----------------------------------------------------------------------------------


def _plain(amount: Decimal) -> Decimal:
    """The amount without the storage's trailing zeros: 12.5000 → 12.5, 1200.0000 → 1200."""
    if amount == amount.to_integral_value():
        return amount.quantize(Decimal(1))
    return amount.normalize()


def _derivation_of(indicator: Indicator) -> tuple[str | None, str | None]:
    """The label and formula of a derived indicator's computation; none for a manual one."""
    if indicator.source != Source.DERIVED:
        return None, None
    if indicator.base_id is not None:
        return _("同比增速"), _(
            "（本期累计 ÷ 上年同期累计 − 1）× 100，按“%(base)s”的数值计算（1-N月累计对比上年同期）"
        ) % {"base": indicator.base}
    if indicator.derivation in derivations:
        derivation = derivations.get(indicator.derivation)
        return str(derivation.label), str(derivation.formula)
    return None, None


@contextmanager
def _refusals(fields: dict[str, str] | None = None) -> Iterator[None]:
    """An action's refusal as the API answers it: "not allowed" is 403 with the message;
    a refused amount is a 400 naming the amount field; fields named as the model names
    them (`provider`) are renamed as the request names them (`provider_id`)."""
    try:
        yield
    except ValidationError as error:
        if getattr(error, "code", None) == "not_allowed":
            raise PermissionDenied("；".join(error.messages)) from None
        if getattr(error, "code", None) in _AMOUNT_CODES:
            raise ValidationError({"amount": error.messages}) from None
        if fields and hasattr(error, "error_dict"):
            raise ValidationError(
                {fields.get(name, name): messages for name, messages in error.message_dict.items()}
            ) from None
        raise


def _read_period(text: str, field: str = "period") -> Period:
    try:
        return Period.parse(text)
    except ValueError as error:
        raise ValidationError({field: str(error)}) from None


def _path_period(year: int, month: int) -> Period:
    try:
        return Period(year, month)
    except ValueError as error:
        raise ValidationError(str(error)) from None


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


def _cell(request: AuthedRequest, indicator_id: int, unit_id: int) -> tuple[Indicator, Unit]:
    """The indicator and unit a PUT names: 404 (naming which) when the user may not see
    them, as when they do not exist."""
    indicator = (
        Indicator.objects.restrict(request.user)
        .select_related("provider", "base")
        .filter(pk=indicator_id)
        .first()
    )
    if indicator is None:
        raise HttpError(404, _("没有编号为 %(id)s 的指标，或您无权访问。") % {"id": indicator_id})
    unit = Unit.objects.restrict(request.user).filter(pk=unit_id).first()
    if unit is None:
        raise HttpError(404, _("没有编号为 %(id)s 的单位，或您无权访问。") % {"id": unit_id})
    return indicator, unit


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


def _values() -> Any:
    """Values with what their schemas and the workflow's checks read."""
    return Value.objects.select_related("indicator", "indicator__provider", "unit")


def _value_detail(value: Value, request: AuthedRequest) -> Value:
    """A value with its growth against the same month last year, its completion against
    the unit's target of the year, and the steps the user may take now."""
    found: Any = _values().select_related("indicator__base").get(pk=value.pk)
    indicator = found.indicator
    if indicator.is_percentage:
        found.growth_figures = None
    else:
        last = (
            Value.objects.restrict(request.user)
            .filter(
                indicator=indicator, unit=found.unit, year=found.year - 1, month=found.month
            )
            .values_list("amount", flat=True)
            .first()
        )
        growth = computations.growth(found.amount, last)
        found.growth_figures = {
            "state": growth.state,
            "state_label": growth.label,
            "percent": growth.percent,
            "last_year_amount": _plain(last) if last is not None else None,
        }
    target = (
        Target.objects.restrict(request.user)
        .filter(indicator=indicator, unit=found.unit, year=found.year)
        .first()
    )
    completion = computations.completion(
        indicator.kind,
        indicator.direction,
        found.amount,
        target.amount if target else None,
        found.month,
        phasing=target.phased_amounts() if target else None,
    )
    found.completion_figures = {
        "state": completion.state,
        "state_label": completion.state.label,
        "target": _plain(target.amount) if target else None,
        "percent": completion.percent,
        "time_progress": completion.time_progress,
        "gap": completion.gap,
        "colour": completion.colour,
    }
    found.steps = actions.allowed_steps(found, request.user)
    if request.user.is_superuser or request.user.role == Role.SUPERVISOR:
        if indicator.source == Source.MANUAL:
            found.steps.append("correct")
    return found


def _visible_values(request: AuthedRequest, ids: list[int]) -> list[Value]:
    """The values of `ids`, all of them visible to the user; otherwise a 404 naming the
    ones that are not (nothing is done to any)."""
    wanted = list(dict.fromkeys(ids))
    found = {
        value.pk: value for value in _values().restrict(request.user).filter(pk__in=wanted)
    }
    missing = [pk for pk in wanted if pk not in found]
    if missing:
        raise HttpError(
            404,
            _("没有编号为 %(ids)s 的数据，或您无权访问。")
            % {"ids": "、".join(str(pk) for pk in missing)},
        )
    return [found[pk] for pk in wanted]


def _refuse_unless(
    request: AuthedRequest, values: list[Value], allowed: Any, message: str
) -> None:
    """403 naming every value the user may not take this step on at all."""
    refused = [value for value in values if not allowed(request.user, value)]
    if refused:
        raise PermissionDenied(
            "；".join(f"{value.unit} · {value.indicator}：{message}" for value in refused)
        )


def _may_submit(user: Any, value: Value) -> bool:
    return actions.may_write(user, value.indicator, value.unit)


def _stepped(count: int, values: list[Value]) -> dict[str, Any]:
    refreshed = {value.pk: value for value in _values().filter(pk__in=[v.pk for v in values])}
    return {"count": count, "items": [refreshed[value.pk] for value in values]}


def _require_supervisor(request: AuthedRequest, message: str) -> None:
    """403 with `message` unless the user keeps the periods (the supervisor); 404 for a
    user who does not see the periods at all (the big screen)."""
    user = request.user
    if ReportingPeriod.objects.restrict(user).query.is_empty():
        raise HttpError(404, _("未找到该对象，或您无权访问。"))
    if ReportingPeriod.objects.restrict(user, Action.CHANGE).query.is_empty():
        raise PermissionDenied(message)


def missing_values(user: Any, period: Period) -> list[dict[str, Any]]:
    """The cells of `period` not yet submitted that `user` may see: every active manual
    indicator for every active unit it applies to, less the values submitted, approved or
    locked; a draft is listed with its id. Three queries, whatever the number of cells."""
    indicators = list(
        Indicator.objects.restrict(user).manual().active().select_related("provider")
    )
    units = list(Unit.objects.restrict(user).active().order_by("order", "code"))
    states = {
        (indicator_id, unit_id): (status, pk)
        for indicator_id, unit_id, status, pk in Value.objects.restrict(user)
        .for_period(period.year, period.month)
        .filter(indicator__source=Source.MANUAL)
        .values_list("indicator_id", "unit_id", "status", "pk")
    }
    missing = []
    for unit in units:
        for indicator in indicators:
            if not indicator.applies_to(unit) or not Value.objects.sees_cell(
                user, indicator, unit.pk
            ):
                continue
            status, pk = states.get((indicator.pk, unit.pk), (None, None))
            if status in SUBMITTED_OR_LATER:
                continue
            owner = indicator.provider or unit
            missing.append(
                {
                    "unit_id": unit.pk,
                    "unit_name": unit.name,
                    "indicator_id": indicator.pk,
                    "indicator_code": indicator.code,
                    "indicator_name": indicator.name,
                    "owner_id": owner.pk,
                    "owner_name": owner.name,
                    "status": status,
                    "value_id": pk,
                }
            )
    return missing


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
    with _refusals(_INDICATOR_FIELDS):
        indicator = actions.do_save_indicator(
            None,
            actor=request.user,
            reason=reason,
            **_indicator_references(request, fields),
        )
    return 201, _indicator_detail(indicator.pk)


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
    for name in ("code", "name", "unit_of_measure", "kind", "direction", "decimals", "source"):
        if name in changes and changes[name] is None:
            raise ValidationError({name: _("该字段不能为空。")})
    for name in ("derivation", "description"):
        if name in changes and changes[name] is None:
            changes[name] = ""
    for name in ("unit_kinds", "order", "active"):
        if name in changes and changes[name] is None:
            raise ValidationError({name: _("该字段不能为空。")})
    with _refusals(_INDICATOR_FIELDS):
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
    indicator, unit = _cell(request, payload.indicator_id, payload.unit_id)
    if Target.objects.restrict(request.user, Action.CHANGE).query.is_empty():
        raise PermissionDenied(_("只有督查室可以设置目标。"))
    amount, phasing = _read_amounts(indicator, payload.amount, payload.phasing)
    with _refusals():
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


# Endpoints: values -------------------------------------------------------------------------


@router.get(
    "/values",
    response=list[ValueOut],
    summary="月度数据列表",
    description="您权限范围内的月度数据：单位人员看到本单位（含下级）的数据，数据提供部门看到其指标在各单位的数据，"
    "督查室和区领导看到全部；与数据页面使用同一套筛选条件，分页返回。",
)
@paginate(PageNumberPagination)
def list_values(request: AuthedRequest, filters: Query[ValueQuery]) -> Any:
    visible = Value.objects.restrict(request.user, Action.VIEW)
    return filtered(ValueFilterSet, filters, visible, request).select_related("indicator", "unit")


@router.get(
    "/values/missing",
    response=list[MissingValueOut],
    summary="未报送清单",
    description="某月尚未提交的数据（未填报或仅存草稿）：每个启用的填报指标、每个报送它的单位，"
    "只列您能看到的单位和指标，附负责报送的单位（数据提供部门或单位本身）。",
)
@paginate(PageNumberPagination)
def list_missing(request: AuthedRequest, filters: Query[MissingQuery]) -> Any:
    return missing_values(request.user, _read_period(filters.period))


@router.get(
    "/values/{value_id}",
    response=ValueDetailOut,
    summary="月度数据详情",
    description="一条月度数据，附同比增长（对比上年同期）、对照年度目标的完成率、序时进度、差距和颜色，"
    "是否系统计算（及其公式），以及您现在可以执行的步骤。其他单位的数据返回 404。",
)
def get_value(request: AuthedRequest, value_id: int) -> Any:
    value = get_restricted_or_404(_values(), request.user, pk=value_id)
    return _value_detail(value, request)


@router.put(
    "/values",
    response=ValueDetailOut,
    summary="填报数据",
    description="填报（或修改）一个单位某指标某月的数值，保存为草稿；已提交的数据修改后重新成为草稿，"
    "已审核的须先退回。只能填报您负责的指标（数据提供部门报送的指标由该部门填报），"
    "不能填报系统计算的指标、未到的月份或已锁定的月份。数值不变时不写入。",
)
def save_value(request: AuthedRequest, payload: ValueIn) -> Any:
    indicator, unit = _cell(request, payload.indicator_id, payload.unit_id)
    period = _read_period(payload.period)
    with _refusals():
        value = actions.do_save_value(
            indicator=indicator,
            unit=unit,
            period=period,
            amount=payload.amount,
            note=payload.note,
            actor=request.user,
        )
    return _value_detail(value, request)


@router.post(
    "/values/submit",
    response=SteppedOut,
    summary="提交数据",
    description="提交草稿（一次可提交多条）：全部成功，或有一条不行就全部不变，并列出每条不行的原因。"
    "看不到的数据返回 404，不是您负责填报的数据返回 403。",
)
def submit_values(request: AuthedRequest, payload: ValueIdsIn) -> Any:
    values = _visible_values(request, payload.ids)
    _refuse_unless(request, values, _may_submit, _("您不能提交该数据。"))
    with _refusals():
        count = actions.do_submit_values(values, actor=request.user)
    return _stepped(count, values)


@router.post(
    "/values/approve",
    response=SteppedOut,
    summary="审核数据",
    description="审核通过已提交的数据（一次可审核多条）：单位负责人审核本单位自行填报的数据，"
    "督查室审核数据提供部门报送的数据（及任何数据）。全部成功，或全部不变。",
)
def approve_values(request: AuthedRequest, payload: ValueIdsIn) -> Any:
    values = _visible_values(request, payload.ids)
    _refuse_unless(
        request, values, actions.may_approve, _("只有该单位的负责人或督查室可以审核。")
    )
    with _refusals():
        count = actions.do_approve_values(values, actor=request.user)
    return _stepped(count, values)


@router.post(
    "/values/{value_id}/return",
    response=ValueDetailOut,
    summary="退回数据",
    description="审核人把已提交或已审核的数据退回填报人，重新成为草稿；须说明原因。",
)
def return_value(request: AuthedRequest, value_id: int, payload: ValueReturnIn) -> Any:
    value = get_restricted_or_404(_values(), request.user, pk=value_id)
    _refuse_unless(
        request, [value], actions.may_approve, _("只有该单位的负责人或督查室可以退回。")
    )
    with _refusals():
        actions.do_return_value(value, actor=request.user, reason=payload.reason)
    return _value_detail(value, request)


@router.post(
    "/values/{value_id}/correct",
    response=ValueDetailOut,
    summary="更正数据",
    description="督查室更正一条数据（包括锁定后的），须说明原因；原数值保留在修改历史中。"
    "系统计算的数据不能更正，请更正其业务记录后重新计算。",
)
def correct_value(request: AuthedRequest, value_id: int, payload: ValueCorrectIn) -> Any:
    value = get_restricted_or_404(_values(), request.user, pk=value_id)
    with _refusals():
        actions.do_correct_value(
            value, amount=payload.amount, reason=payload.reason, actor=request.user
        )
    return _value_detail(value, request)


# Endpoints: periods ------------------------------------------------------------------------


@router.get(
    "/periods",
    response=list[ReportingPeriodOut],
    summary="填报期列表",
    description="已开始填报或已开放的月份，附报送截止日期和是否已锁定；最近的月份在前。",
)
@paginate(PageNumberPagination)
def list_periods(request: AuthedRequest, filters: Query[PeriodQuery]) -> Any:
    periods = ReportingPeriod.objects.restrict(request.user, Action.VIEW)
    if filters.year is not None:
        periods = periods.filter(year=filters.year)
    return periods


@router.post(
    "/periods/{year}-{month}/close",
    response=ClosedPeriodOut,
    summary="锁定填报期",
    description="督查室锁定一个已结束的月份（如 /periods/2026-10/close）：该月所有数据无论状态一律锁定，"
    "此后只能由督查室说明原因后更正。本月及以后的月份不能锁定；已锁定的不能再锁定。",
)
def close_period(request: AuthedRequest, year: int, month: int) -> Any:
    _require_supervisor(request, _("只有督查室可以锁定填报期。"))
    period = _path_period(year, month)
    with _refusals():
        locked = actions.do_close_period(period, actor=request.user)
    row: Any = ReportingPeriod.objects.get(year=period.year, month=period.month)
    row.locked = locked
    return row


@router.post(
    "/periods/{year}-{month}/compute",
    response=ComputeOut,
    summary="重新计算",
    description="督查室重新计算一个月份所有系统计算指标的数值（按业务记录统计）：可重复执行，不变的不写入；"
    "已锁定的月份不再重算。",
)
def compute_period(request: AuthedRequest, year: int, month: int) -> Any:
    _require_supervisor(request, _("只有督查室可以重新计算。"))
    period = _path_period(year, month)
    with _refusals():
        result = actions.do_compute_derived(period, actor=request.user)
    return {
        "period": str(period),
        "created": result.created,
        "updated": result.updated,
        "unchanged": result.unchanged,
        "removed": result.removed,
    }
