"""The monthly values' part of the indicator API: values with their growth and completion,
entering one (PUT), the workflow's steps (submit and approve many at once, all or
nothing; return; the supervisor's correction), the list of what has not been submitted,
and the reporting periods (close, recompute the derived values)."""

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema
from ninja.errors import HttpError
from ninja.pagination import PageNumberPagination, paginate

from bipin.core.api import filtered
from bipin.core.choices import Action, Role
from bipin.core.periods import Period
from bipin.core.views import AuthedRequest, get_restricted_or_404
from bipin.indicators import actions, computations
from bipin.indicators.api.common import (
    AMOUNT_IN,
    PERIOD_IN,
    RawAmount,
    cell,
    derivation_of,
    path_period,
    plain,
    read_period,
    refusals,
)
from bipin.indicators.choices import (
    SUBMITTED_OR_LATER,
    Colour,
    CompletionState,
    GrowthState,
    Source,
    ValueStatus,
)
from bipin.indicators.filters import ValueFilterSet
from bipin.indicators.models import Indicator, ReportingPeriod, Target, Value
from bipin.org.models import Unit

router = Router(tags=["indicator values"])


# Schemas -----------------------------------------------------------------------------------


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
        return plain(value.amount)

    @staticmethod
    def resolve_shown(value: Value) -> str:
        return value.shown()

    @staticmethod
    def resolve_derived(value: Value) -> bool:
        return value.is_derived or value.indicator.is_derived

    @staticmethod
    def resolve_reported_growth(value: Value) -> Decimal | None:
        return plain(value.reported_growth) if value.reported_growth is not None else None


class GrowthOut(Schema):
    state: GrowthState = Field(
        description="ok 正常；no_base 上年同期无数据；zero_base 上年同期为零；negative_base "
        "上年同期为负；no_value 本期无数据"
    )
    state_label: str = Field(description="状态的说明，或计算出的增速，如 12.5%")
    percent: Decimal | None = Field(
        description="同比增长（%，4 位小数）= (本期 ÷ 上年同期 − 1) × 100；不能计算时为空"
    )
    last_year_amount: Decimal | None = Field(description="上年同期的数值")


class CompletionOut(Schema):
    state: CompletionState = Field(
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
    colour: Colour | None = Field(
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
        return derivation_of(value.indicator)[1]


class ValueIn(Schema):
    indicator_id: int = Field(description="指标编号")
    unit_id: int = Field(description="单位编号")
    period: str = Field(min_length=1, max_length=20, description=PERIOD_IN)
    amount: RawAmount = Field(description=AMOUNT_IN)
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
    amount: RawAmount = Field(description=f"更正后的数值。{AMOUNT_IN}")
    reason: str = Field(description="更正原因，必填，记入修改历史")


class MissingQuery(Schema):
    period: str = Field(min_length=1, max_length=20, description=PERIOD_IN)


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
        return row.is_overdue(timezone.localdate())


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
            .filter(indicator=indicator, unit=found.unit, year=found.year - 1, month=found.month)
            .values_list("amount", flat=True)
            .first()
        )
        growth = computations.growth(found.amount, last)
        found.growth_figures = {
            "state": growth.state,
            "state_label": growth.label,
            "percent": growth.percent,
            "last_year_amount": plain(last) if last is not None else None,
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
        "state_label": str(completion.state.label),
        "target": plain(target.amount) if target else None,
        "percent": completion.percent,
        "time_progress": completion.time_progress,
        "gap": completion.gap,
        "colour": completion.colour,
    }
    found.steps = actions.allowed_steps(found, request.user)
    supervisor = request.user.is_superuser or request.user.role == Role.SUPERVISOR
    if supervisor and indicator.source == Source.MANUAL:
        found.steps.append("correct")
    return found


def _visible_values(request: AuthedRequest, ids: list[int]) -> list[Value]:
    """The values of `ids`, all of them visible to the user; otherwise a 404 naming the
    ones that are not (nothing is done to any)."""
    wanted = list(dict.fromkeys(ids))
    found = {value.pk: value for value in _values().restrict(request.user).filter(pk__in=wanted)}
    missing = [pk for pk in wanted if pk not in found]
    if missing:
        raise HttpError(
            404,
            _("没有编号为 %(ids)s 的数据，或您无权访问。")
            % {"ids": "、".join(str(pk) for pk in missing)},
        )
    return [found[pk] for pk in wanted]


def _step_refusal(user: Any, value: Value, step: str) -> str | None:
    """Why `user` may not take `step` on `value` at all (a 403), or None. A derived value
    passes: the action refuses it with its own reason (a 400), as it does a status."""
    indicator = value.indicator
    if indicator.source != Source.MANUAL:
        return None
    if step == "submit":
        if actions.may_write(user, indicator, value.unit):
            return None
        if indicator.provider_id is not None:
            return _("“%(indicator)s”由%(provider)s统一报送，您不能提交。") % {
                "indicator": indicator,
                "provider": indicator.provider,
            }
        return _("您不能提交%(unit)s的“%(indicator)s”。") % {
            "unit": value.unit,
            "indicator": indicator,
        }
    if actions.may_approve(user, value):
        return None
    if indicator.provider_id is not None:
        return _("数据提供部门报送的数据由督查室审核。")
    return _("只有%(unit)s的负责人或督查室可以审核该数据。") % {"unit": value.unit}


def _refuse_unless_allowed(request: AuthedRequest, values: list[Value], step: str) -> None:
    """403 naming every value the user may not take this step on at all."""
    refusals = [
        f"{value.unit} · {value.indicator}：{refusal}"
        for value in values
        if (refusal := _step_refusal(request.user, value, step)) is not None
    ]
    if refusals:
        raise PermissionDenied("；".join(refusals))


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
    indicators = list(Indicator.objects.restrict(user).manual().active().select_related("provider"))
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
    return missing_values(request.user, read_period(filters.period))


@router.put(
    "/values",
    response=ValueDetailOut,
    summary="填报数据",
    description="填报（或修改）一个单位某指标某月的数值，保存为草稿；已提交的数据修改后重新成为草稿，"
    "已审核的须先退回。只能填报您负责的指标（数据提供部门报送的指标由该部门填报），"
    "不能填报系统计算的指标、未到的月份或已锁定的月份。数值不变时不写入。",
)
def save_value(request: AuthedRequest, payload: ValueIn) -> Any:
    indicator, unit = cell(request, payload.indicator_id, payload.unit_id)
    period = read_period(payload.period)
    with refusals():
        value = actions.do_save_value(
            indicator=indicator,
            unit=unit,
            period=period,
            amount=payload.amount,
            note=payload.note,
            actor=request.user,
        )
    return _value_detail(value, request)


# Before /values/{value_id}: ninja's path parameters match any text, and the first path
# that matches answers (a GET route would answer POST /values/submit with 405).
@router.post(
    "/values/submit",
    response=SteppedOut,
    summary="提交数据",
    description="提交草稿（一次可提交多条）：全部成功，或有一条不行就全部不变，并列出每条不行的原因。"
    "看不到的数据返回 404，不是您负责填报的数据返回 403。",
)
def submit_values(request: AuthedRequest, payload: ValueIdsIn) -> Any:
    values = _visible_values(request, payload.ids)
    _refuse_unless_allowed(request, values, "submit")
    with refusals():
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
    _refuse_unless_allowed(request, values, "approve")
    with refusals():
        count = actions.do_approve_values(values, actor=request.user)
    return _stepped(count, values)


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


@router.post(
    "/values/{value_id}/return",
    response=ValueDetailOut,
    summary="退回数据",
    description="审核人把已提交或已审核的数据退回填报人，重新成为草稿；须说明原因。",
)
def return_value(request: AuthedRequest, value_id: int, payload: ValueReturnIn) -> Any:
    value = get_restricted_or_404(_values(), request.user, pk=value_id)
    _refuse_unless_allowed(request, [value], "return")
    with refusals():
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
    with refusals():
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
    period = path_period(year, month)
    with refusals():
        locked = actions.do_close_period(period, actor=request.user)
    row: Any = ReportingPeriod.objects.restrict(request.user).get(
        year=period.year, month=period.month
    )
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
    period = path_period(year, month)
    with refusals():
        result = actions.do_compute_derived(period, actor=request.user)
    return {
        "period": str(period),
        "created": result.created,
        "updated": result.updated,
        "unchanged": result.unchanged,
        "removed": result.removed,
    }
