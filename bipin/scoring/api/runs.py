"""The competition's schemes, runs and scores in the API (比拼), and the high-quality
development index.

- Schemes are everyone's to read (a fair competition has public rules) and the
  supervisor's to write; a scheme a published run used is frozen: changing it is a 400
  with code "frozen" (the house answers every refused rule with 400; save a new version).
- Runs: drafts for the supervisor and leaders, published ones for everyone; the board of a
  correction names the run it corrects, the reason and each unit's difference.
- A score's breakdown (成绩单) is its unit's, the supervisor's, the leaders' and (published)
  the big screen's: anybody else gets 404, as for a score that does not exist.
- Numbers are decimal strings, never floats: points to two places, the index's weights and
  closeness to six.
"""

from datetime import datetime
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Count, Prefetch, Sum
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status
from ninja.errors import HttpError
from ninja.pagination import PageNumberPagination, paginate

from bipin.core.api import filtered
from bipin.core.choices import Action
from bipin.core.views import AuthedRequest, get_restricted_or_404, require_action
from bipin.indicators.api.common import PERIOD_IN, plain, read_period, refusals
from bipin.indicators.choices import Direction
from bipin.indicators.models import Indicator
from bipin.org.models import Group, Unit
from bipin.scoring import actions
from bipin.scoring.choices import (
    AdjustmentKind,
    Basis,
    Counting,
    EfficacyForm,
    ItemState,
    Normalization,
    RunStatus,
)
from bipin.scoring.development import DevelopmentIndex, check_index_access, development_index
from bipin.scoring.filters import RunFilterSet
from bipin.scoring.models import Adjustment, Run, Scheme, SchemeItem, Score, ScoreItem

router = Router(tags=["scoring"])

_SIX_PLACES = Decimal("0.000001")


def _decimal(amount: Decimal | None) -> Decimal | None:
    return plain(amount) if amount is not None else None


def _six(number: float | None) -> Decimal | None:
    """A float of the methods as a six-place decimal (sent as a string)."""
    if number is None:
        return None
    return Decimal(repr(float(number))).quantize(_SIX_PLACES)


# Schemas: schemes --------------------------------------------------------------------------


class SchemeOut(Schema):
    id: int
    group_id: int
    group_name: str = Field(alias="group.name")
    year: int = Field(description="年度（比拼组的年度）")
    version: int = Field(description="版本号：同一比拼组的方案逐版递增")
    name: str
    note: str = Field(description="说明")
    green_from: Decimal = Field(description="绿色起点（百分点）：加权序时差距不低于此值为绿色")
    yellow_from: Decimal = Field(
        description="黄色起点（百分点）：加权序时差距不低于此值为黄色，更低为红色"
    )
    frozen: bool = Field(
        description="已冻结：已发布的评分使用过，不能再修改，只能另存为新版本",
        alias="is_frozen",
    )
    frozen_at: datetime | None = Field(description="冻结时间")
    created_at: datetime
    item_count: int = Field(description="评分项个数")
    total_weight: Decimal = Field(description="评分项分值合计（不含加减分）")

    @staticmethod
    def resolve_total_weight(scheme: Any) -> Decimal:
        # Sum's type differs by database (SQLite: 100, PostgreSQL: 100.00): as the weights.
        return Decimal(scheme.total_weight or 0).quantize(Decimal("0.01"))


class SchemeItemOut(Schema):
    id: int
    order: int
    indicator_id: int
    indicator_code: str = Field(alias="indicator.code")
    indicator_name: str = Field(alias="indicator.name")
    weight: Decimal = Field(description="分值：该项最多可得的分（序时完成率另有封顶）")
    basis: Basis = Field(
        description="评分依据：completion 序时完成率、growth 同比增速、level 绝对量、rank 位次"
    )
    basis_label: str = Field(alias="get_basis_display")
    cap: Decimal = Field(description="完成率封顶倍数，如 1.2 即最多得分值的 120%")
    efficacy_form: EfficacyForm = Field(
        description="功效系数形式（增速、绝对量）：minmax 20 + 80 × 相对位置；threshold "
        "60 + 40 × (x − 不允许值)/(满意值 − 不允许值)"
    )
    satisfactory: Decimal | None = Field(description="满意值（阈值法）")
    not_allowed: Decimal | None = Field(description="不允许值（阈值法）")
    rank_step: Decimal = Field(description="按位次计分时每降一位少得分值的比例")

    @staticmethod
    def resolve_satisfactory(item: Any) -> Decimal | None:
        return _decimal(item.satisfactory)

    @staticmethod
    def resolve_not_allowed(item: Any) -> Decimal | None:
        return _decimal(item.not_allowed)


class AdjustmentOut(Schema):
    id: int
    order: int
    kind: AdjustmentKind = Field(description="bonus 加分、deduction 扣分")
    kind_label: str = Field(alias="get_kind_display")
    name: str
    indicator_id: int
    indicator_name: str = Field(alias="indicator.name")
    counting: Counting = Field(description="计数方式：value 按指标值、excess 仅超出年度目标部分")
    per_unit: Decimal = Field(description="每计一个单位的分值")
    cap: Decimal = Field(description="封顶分值")


class SchemeDetailOut(SchemeOut):
    items: list[SchemeItemOut] = Field(description="评分项，按顺序")
    adjustments: list[AdjustmentOut] = Field(description="加减分项，按顺序")

    @staticmethod
    def resolve_items(scheme: Scheme) -> list[Any]:
        return list(scheme.items.all())

    @staticmethod
    def resolve_adjustments(scheme: Scheme) -> list[Any]:
        return list(scheme.adjustments.all())


class SchemeItemIn(Schema):
    indicator_id: int = Field(description="指标编号")
    weight: Decimal = Field(gt=0, max_digits=6, decimal_places=2, description="分值，大于 0")
    basis: Basis = Field(description="评分依据")
    cap: Decimal = Field(
        Decimal("1.2"), gt=0, max_digits=6, decimal_places=2, description="完成率封顶倍数"
    )
    efficacy_form: EfficacyForm = Field(EfficacyForm.MINMAX, description="功效系数形式")
    satisfactory: Decimal | None = Field(
        None, max_digits=20, decimal_places=4, description="满意值（阈值法必填）"
    )
    not_allowed: Decimal | None = Field(
        None, max_digits=20, decimal_places=4, description="不允许值（阈值法必填）"
    )
    rank_step: Decimal = Field(
        Decimal("0.05"),
        ge=0,
        le=1,
        max_digits=5,
        decimal_places=4,
        description="按位次计分时每降一位少得的比例（0-1）",
    )


class AdjustmentIn(Schema):
    kind: AdjustmentKind = Field(description="bonus 加分、deduction 扣分")
    name: str = Field(max_length=100, description="名称，如：亿元以上项目加分")
    indicator_id: int = Field(description="计数的指标编号")
    counting: Counting = Field(Counting.VALUE, description="计数方式")
    per_unit: Decimal = Field(max_digits=8, decimal_places=4, description="每计一个单位的分值")
    cap: Decimal = Field(max_digits=6, decimal_places=2, description="封顶分值")


class SchemeChangeIn(Schema):
    name: str = Field(min_length=1, max_length=100, description="方案名称")
    note: str = Field("", description="说明")
    green_from: Decimal = Field(
        Decimal(0), max_digits=6, decimal_places=2, description="绿色起点（百分点）"
    )
    yellow_from: Decimal = Field(
        Decimal(-10), max_digits=6, decimal_places=2, description="黄色起点（百分点）"
    )
    items: list[SchemeItemIn] = Field(description="全部评分项（替换原有的）")
    adjustments: list[AdjustmentIn] = Field([], description="全部加减分项（替换原有的）")
    reason: str = Field("", max_length=200, description="原因，记入修改历史")


class SchemeIn(SchemeChangeIn):
    group_id: int = Field(description="比拼组编号；新方案为该组的下一个版本")


class SchemeQuery(Schema):
    year: int | None = Field(None, description="年度")
    group: int | None = Field(None, description="比拼组编号")


# Schemas: runs and scores ------------------------------------------------------------------


class RunOut(Schema):
    id: int
    group_id: int
    group_name: str = Field(alias="group.name")
    scheme_id: int
    scheme_version: int = Field(alias="scheme.version", description="所用方案的版本号")
    year: int
    month: int
    period: str = Field(description="月份：年-月，如 2026-09")
    status: RunStatus = Field(
        description="draft 草稿（可重算、可删除）、published 已发布（不再改变）"
    )
    status_label: str = Field(alias="get_status_display")
    corrects_id: int | None = Field(description="更正的评分编号：本评分是该月已发布评分的更正")
    correction_reason: str = Field(description="更正原因")
    previous_id: int | None = Field(description="位次变化所对比的上一期已发布评分")
    value_count: int = Field(description="计分所用的已审核数据条数")
    missing_count: int = Field(description="缺少已审核数据的评分项条数")
    computed_at: datetime
    published_at: datetime | None

    @staticmethod
    def resolve_period(run: Run) -> str:
        return str(run.period)


class ScoreOut(Schema):
    id: int = Field(description="得分编号：/scores/{id} 为该单位的成绩单")
    unit_id: int
    unit_name: str = Field(alias="unit.name")
    total: Decimal = Field(description="总分 = 指标得分 + 加分 − 扣分（两位小数）")
    item_points: Decimal = Field(description="指标得分")
    bonus: Decimal = Field(description="加分")
    deduction: Decimal = Field(description="扣分（正数）")
    rank: int = Field(description="名次：同分同名次（1、2、2、4）")
    previous_rank: int | None = Field(description="上期名次")
    rank_change: int | None = Field(description="位次变化：正数为上升的位数；无上期为空")
    gap: Decimal | None = Field(description="加权序时差距（百分点）")
    colour: str = Field(description="颜色：green 绿、yellow 黄、red 红；没有序时完成率评分项时为空")
    difference: Decimal | None = Field(
        None, description="更正评分：本单位总分减去被更正评分中的总分；其他为空"
    )

    @staticmethod
    def resolve_gap(score: Score) -> Decimal | None:
        return _decimal(score.gap)


class RunDetailOut(RunOut):
    scores: list[ScoreOut] = Field(description="比拼榜：各单位得分，按名次")

    @staticmethod
    def resolve_scores(run: Any) -> list[Any]:
        return list(run.board)


class RunIn(Schema):
    group: int = Field(description="比拼组编号：用该组最新版本的评分方案计算")
    period: str = Field(min_length=1, max_length=20, description=PERIOD_IN)


class PublishIn(Schema):
    reason: str = Field("", max_length=500, description="原因：更正已发布的评分时必填，印在通报上")


class RunQuery(Schema):
    group: int | None = Field(None, description="比拼组编号")
    year: int | None = Field(None, description="年度")
    month: int | None = Field(None, ge=1, le=12, description="月份")
    status: RunStatus | None = Field(None, description="draft 草稿、published 已发布")


class ScoreLineOut(Schema):
    order: int
    kind: str = Field(description="item 评分项、bonus 加分、deduction 扣分")
    indicator_id: int
    indicator_name: str = Field(alias="indicator.name")
    unit_of_measure: str = Field(alias="indicator.unit_of_measure")
    name: str = Field(description="评分项为指标名称，加减分项为其名称")
    basis: Basis | None = Field(description="评分依据（评分项）")
    state: ItemState = Field(
        description="scored 已计分、no_value 无审核数据、no_target 无目标、not_applicable 不适用"
    )
    state_label: str = Field(alias="get_state_display")
    actual: Decimal | None = Field(description="实际值（累计指标为 1-N 月累计）")
    target: Decimal | None = Field(description="年度目标")
    completion: Decimal | None = Field(description="完成率（%）")
    time_progress: Decimal | None = Field(description="序时进度（%）")
    gap: Decimal | None = Field(description="序时差距（百分点）")
    growth: Decimal | None = Field(description="同比增长（%）")
    measure: Decimal | None = Field(
        description="评分所依据的数：序时完成率、增速、绝对量、位次或计数"
    )
    weight: Decimal = Field(description="分值（加减分项为封顶分值）")
    points: Decimal = Field(description="得分（扣分为负数）")
    lost: Decimal = Field(description="失分：分值中未得到的部分（加减分项为 0）")

    @staticmethod
    def resolve_name(line: ScoreItem) -> str:
        return line.adjustment.name if line.adjustment else line.indicator.name

    @staticmethod
    def resolve_basis(line: ScoreItem) -> str | None:
        return line.scheme_item.basis if line.scheme_item else None

    @staticmethod
    def resolve_actual(line: ScoreItem) -> Decimal | None:
        return _decimal(line.actual)

    @staticmethod
    def resolve_target(line: ScoreItem) -> Decimal | None:
        return _decimal(line.target)

    @staticmethod
    def resolve_completion(line: ScoreItem) -> Decimal | None:
        return _decimal(line.completion)

    @staticmethod
    def resolve_time_progress(line: ScoreItem) -> Decimal | None:
        return _decimal(line.time_progress)

    @staticmethod
    def resolve_gap(line: ScoreItem) -> Decimal | None:
        return _decimal(line.gap)

    @staticmethod
    def resolve_growth(line: ScoreItem) -> Decimal | None:
        return _decimal(line.growth)

    @staticmethod
    def resolve_measure(line: ScoreItem) -> Decimal | None:
        return _decimal(line.measure)


class ScoreDetailOut(ScoreOut):
    run_id: int
    group_name: str = Field(alias="run.group.name")
    period: str = Field(description="月份：年-月")
    status: RunStatus = Field(alias="run.status", description="所属评分的状态")
    member_count: int = Field(description="比拼组参评单位数")
    lines: list[ScoreLineOut] = Field(
        description="成绩单：每个评分项、加分和扣分；得分之和等于总分"
    )

    @staticmethod
    def resolve_period(score: Score) -> str:
        return str(score.run.period)


# Schemas: the index ------------------------------------------------------------------------


class IndexQuery(Schema):
    units: str = Field(description="单位编号，以逗号分隔，至少两个，如 1,2,3")
    indicators: str = Field(description="指标编号，以逗号分隔，如 3,4")
    period: str = Field(min_length=1, max_length=20, description=PERIOD_IN)
    normalization: Normalization = Field(
        Normalization.SUM,
        description="熵权法标准化方式：sum 比重法 p = x/Σx（数值须不小于 0）；minmax 按指标方向"
        "极差标准化后平移至 [0.002, 0.996]",
    )


class IndexResultOut(Schema):
    rank: int = Field(description="名次：指数（两位小数）相同者同名次")
    unit_id: int
    unit_name: str
    index: Decimal = Field(description="发展指数 = 贴近度 × 100，两位小数")
    closeness: Decimal = Field(description="TOPSIS 贴近度 D⁻/(D⁺ + D⁻)，六位小数")
    missing_count: int = Field(description="本单位缺少已审核数据的指标数")


class IndexWeightOut(Schema):
    indicator_id: int
    indicator_name: str
    direction: Direction = Field(description="higher 越大越好（效益型）、lower 越小越好（成本型）")
    weight: Decimal = Field(description="熵权（所选标准化），六位小数；各指标之和为 1")
    other_weight: Decimal | None = Field(
        description="另一种标准化下的熵权，供对照；不能计算时为空（见 other_error）"
    )
    reported: int = Field(description="有已审核数据的单位数；为 0 的指标权重为 0")
    fill: Decimal | None = Field(
        description="缺数据的单位按此值计算：该指标已报送单位中的最差值（越大越好取最小值，越小越好取最大值）"
    )


class IndexCellOut(Schema):
    indicator_id: int
    amount: Decimal | None = Field(description="本月已审核（或已锁定）的数值；缺数据为空")
    used: Decimal | None = Field(description="计算所用的数：有数据即为数值，缺数据为填补值")
    filled: bool = Field(description="缺数据，按该指标最差值填补")


class IndexRowOut(Schema):
    unit_id: int
    unit_name: str
    cells: list[IndexCellOut]


class IndexOut(Schema):
    period: str
    normalization: Normalization = Field(description="所用的标准化方式")
    normalization_label: str
    other_normalization: Normalization = Field(description="对照权重所用的另一种标准化方式")
    other_normalization_label: str
    other_error: str = Field(
        description="另一种标准化不能计算的原因（如比重法遇到负值）；可计算时为空"
    )
    results: list[IndexResultOut] = Field(description="排名，指数高者在前")
    weights: list[IndexWeightOut] = Field(description="各指标的熵权")
    matrix: list[IndexRowOut] = Field(description="数据矩阵：各单位各指标的数值，按名次")


# Helpers -----------------------------------------------------------------------------------


def _schemes() -> Any:
    return Scheme.objects.select_related("group").annotate(
        item_count=Count("items", distinct=True),
        total_weight=Sum("items__weight"),
    )


def _scheme_detail(pk: int) -> Scheme:
    """A scheme with its items and adjustments: three queries."""
    return (
        _schemes()
        .prefetch_related(
            Prefetch("items", queryset=SchemeItem.objects.select_related("indicator")),
            Prefetch("adjustments", queryset=Adjustment.objects.select_related("indicator")),
        )
        .get(pk=pk)
    )


def _indicators(request: AuthedRequest, payload: SchemeChangeIn) -> dict[int, Indicator]:
    """The indicators the payload names, in one query; an unknown one is a 400 naming
    where it is (items[2].indicator_id)."""
    wanted = [item.indicator_id for item in payload.items] + [
        adjustment.indicator_id for adjustment in payload.adjustments
    ]
    found = {
        indicator.pk: indicator
        for indicator in Indicator.objects.restrict(request.user).filter(pk__in=wanted)
    }
    errors: dict[str, str] = {}
    named: list[tuple[str, list[Any]]] = [
        ("items", list(payload.items)),
        ("adjustments", list(payload.adjustments)),
    ]
    for name, rows in named:
        for position, row in enumerate(rows):
            if row.indicator_id not in found:
                errors[f"{name}[{position}].indicator_id"] = _("没有编号为 %(id)s 的指标。") % {
                    "id": row.indicator_id
                }
    if errors:
        raise ValidationError(errors)
    return found


def _save_scheme(request: AuthedRequest, scheme: Scheme, payload: SchemeChangeIn) -> Scheme:
    indicators = _indicators(request, payload)
    for name in actions.SCHEME_FIELDS:
        setattr(scheme, name, getattr(payload, name))
    items = [
        actions.ItemSpec(
            indicator=indicators[item.indicator_id],
            **item.dict(exclude={"indicator_id"}),
        )
        for item in payload.items
    ]
    adjustments = [
        actions.AdjustmentSpec(
            indicator=indicators[adjustment.indicator_id],
            **adjustment.dict(exclude={"indicator_id"}),
        )
        for adjustment in payload.adjustments
    ]
    with refusals():
        return actions.do_save_scheme(
            scheme,
            items=items,
            adjustments=adjustments,
            actor=request.user,
            reason=payload.reason,
        )


def _runs() -> Any:
    return Run.objects.select_related("group", "scheme")


def _run_detail(run: Run) -> Run:
    """A run with its board; a correction's scores carry their difference from the run it
    corrects. Three queries whatever the number of units (four for a correction)."""
    found: Any = _runs().get(pk=run.pk)
    scores = list(found.scores.select_related("unit").order_by("rank", "unit__order"))
    differences = actions.score_changes(found) if found.corrects_id else {}
    for score in scores:
        score.difference = differences.get(score.unit_id)
    found.board = scores
    return found


def _group(request: AuthedRequest, pk: int, field: str) -> Group:
    group = Group.objects.restrict(request.user).filter(pk=pk).first()
    if group is None:
        raise ValidationError({field: _("没有编号为 %(id)s 的比拼组。") % {"id": pk}})
    return group


def _ids(text: str, field: str) -> list[int]:
    """ "1,2, 3" → [1, 2, 3]; anything else is a 400 naming the field."""
    parts = [part.strip() for part in text.replace("，", ",").split(",") if part.strip()]
    if not parts or not all(part.isdigit() for part in parts):
        raise ValidationError(
            {field: _("应为以逗号分隔的编号，如 1,2,3；收到“%(text)s”。") % {"text": text}}
        )
    return list(dict.fromkeys(int(part) for part in parts))


def _found(model: Any, ids: list[int], field: str, queryset: Any) -> list[Any]:
    """The objects of `ids` in their order; unknown ones are a 400 naming them."""
    found = {obj.pk: obj for obj in queryset.filter(pk__in=ids)}
    missing = [str(pk) for pk in ids if pk not in found]
    if missing:
        raise ValidationError(
            {
                field: _("没有编号为 %(ids)s 的%(what)s。")
                % {"ids": "、".join(missing), "what": model._meta.verbose_name}
            }
        )
    return [found[pk] for pk in ids]


#: The field each refusal of development_index is about (by its code).
_INDEX_FIELDS = {"units": "units", "indicators": "indicators", "negative": "normalization"}


def _index_out(result: DevelopmentIndex) -> dict[str, Any]:
    return {
        "period": str(result.period),
        "normalization": result.normalization,
        "normalization_label": str(result.normalization.label),
        "other_normalization": result.other_normalization,
        "other_normalization_label": str(result.other_normalization.label),
        "other_error": result.other_error,
        "results": [
            {
                "rank": row.rank,
                "unit_id": row.unit.pk,
                "unit_name": row.unit.name,
                "index": row.index,
                "closeness": _six(row.closeness),
                "missing_count": row.missing_count,
            }
            for row in result.results
        ],
        "weights": [
            {
                "indicator_id": weighted.indicator.pk,
                "indicator_name": weighted.indicator.name,
                "direction": weighted.indicator.direction,
                "weight": _six(weighted.weight),
                "other_weight": _six(weighted.other_weight),
                "reported": weighted.reported,
                "fill": _six(weighted.fill) if weighted.reported < len(result.results) else None,
            }
            for weighted in result.indicators
        ],
        "matrix": [
            {
                "unit_id": row.unit.pk,
                "unit_name": row.unit.name,
                "cells": [
                    {
                        "indicator_id": weighted.indicator.pk,
                        "amount": _decimal(cell.amount),
                        "used": _decimal(cell.amount) if not cell.missing else _six(cell.used),
                        "filled": cell.filled,
                    }
                    for weighted, cell in zip(result.indicators, row.cells, strict=True)
                ],
            }
            for row in result.results
        ],
    }


# Endpoints: schemes ------------------------------------------------------------------------


@router.get(
    "/schemes",
    response=list[SchemeOut],
    summary="评分方案列表",
    description="各比拼组的评分方案（所有登录用户可见：比拼规则公开），按年度、比拼组筛选，分页返回。",
)
@paginate(PageNumberPagination)
def list_schemes(request: AuthedRequest, filters: Query[SchemeQuery]) -> Any:
    schemes = _schemes().restrict(request.user, Action.VIEW)
    if filters.year is not None:
        schemes = schemes.filter(group__year=filters.year)
    if filters.group is not None:
        schemes = schemes.filter(group_id=filters.group)
    return schemes


@router.get(
    "/schemes/{scheme_id}",
    response=SchemeDetailOut,
    summary="评分方案详情",
    description="方案的评分项（指标、分值、评分依据、封顶与功效系数参数）和加减分项。",
)
def get_scheme(request: AuthedRequest, scheme_id: int) -> Any:
    scheme = get_restricted_or_404(Scheme.objects.all(), request.user, pk=scheme_id)
    return _scheme_detail(scheme.pk)


@router.post(
    "/schemes",
    response={201: SchemeDetailOut},
    summary="新建评分方案",
    description="督查室为一个比拼组新建评分方案（该组的下一个版本），连同全部评分项和加减分项。"
    "违反规则时返回 400 并逐条列出（哪一项、哪条规则），什么也不保存。",
)
def create_scheme(request: AuthedRequest, payload: SchemeIn) -> Any:
    require_action(Scheme.objects.all(), request.user, Action.ADD)
    group = _group(request, payload.group_id, "group_id")
    scheme = _save_scheme(request, Scheme(group=group), payload)
    return Status(201, _scheme_detail(scheme.pk))


@router.put(
    "/schemes/{scheme_id}",
    response=SchemeDetailOut,
    summary="修改评分方案",
    description="督查室修改方案：字段、评分项和加减分项整体替换。已被发布的评分使用过的方案已冻结，"
    "返回 400（code frozen），请另存为新版本（POST /schemes/{id}/versions）。",
)
def update_scheme(request: AuthedRequest, scheme_id: int, payload: SchemeChangeIn) -> Any:
    scheme = get_restricted_or_404(
        Scheme.objects.select_related("group"), request.user, Action.CHANGE, pk=scheme_id
    )
    _save_scheme(request, scheme, payload)
    return _scheme_detail(scheme.pk)


@router.post(
    "/schemes/{scheme_id}/versions",
    response={201: SchemeDetailOut},
    summary="另存为新版本",
    description="把方案复制为该比拼组的下一个版本（未冻结，可修改）；冻结的方案由此修改。",
)
def new_scheme_version(request: AuthedRequest, scheme_id: int) -> Any:
    scheme = get_restricted_or_404(
        Scheme.objects.select_related("group"), request.user, Action.ADD, pk=scheme_id
    )
    with refusals():
        copy = actions.do_new_scheme_version(scheme, actor=request.user)
    return Status(201, _scheme_detail(copy.pk))


# Endpoints: runs ---------------------------------------------------------------------------


@router.get(
    "/runs",
    response=list[RunOut],
    summary="评分记录",
    description="评分记录：督查室和区领导看到全部（含草稿），其他用户只看到已发布的；"
    "与评分记录页面使用同一套筛选条件（比拼组、年度、月份、状态），分页返回。",
)
@paginate(PageNumberPagination)
def list_runs(request: AuthedRequest, filters: Query[RunQuery]) -> Any:
    visible = Run.objects.restrict(request.user, Action.VIEW)
    return filtered(RunFilterSet, filters, visible, request).select_related("group", "scheme")


@router.get(
    "/runs/{run_id}",
    response=RunDetailOut,
    summary="比拼榜",
    description="一次评分的比拼榜：各单位总分、指标得分、加分、扣分、名次、上期名次、位次变化和颜色。"
    "更正评分附被更正的评分编号、更正原因和各单位总分的变化（difference）。草稿只有督查室和区领导可见。",
)
def get_run(request: AuthedRequest, run_id: int) -> Any:
    run = get_restricted_or_404(Run.objects.all(), request.user, pk=run_id)
    return _run_detail(run)


@router.post(
    "/runs",
    response={201: RunDetailOut},
    summary="计算评分",
    description="督查室用比拼组最新版本的方案计算某月的评分，保存为草稿（替换该月原有的草稿）；"
    "该月已有发布的评分时，草稿即为其更正。",
)
def create_run(request: AuthedRequest, payload: RunIn) -> Any:
    require_action(Run.objects.all(), request.user, Action.ADD)
    group = _group(request, payload.group, "group")
    period = read_period(payload.period)
    scheme = actions.scheme_for(group)
    if scheme is None:
        raise ValidationError({"group": _("“%(group)s”还没有评分方案。") % {"group": group.name}})
    with refusals():
        run = actions.do_score(scheme, period, actor=request.user)
    return Status(201, _run_detail(run))


@router.post(
    "/runs/{run_id}/publish",
    response=RunDetailOut,
    summary="发布评分",
    description="督查室发布草稿：此后不再改变，所用方案随之冻结。更正评分须说明原因。",
)
def publish_run(request: AuthedRequest, run_id: int, payload: PublishIn) -> Any:
    run = get_restricted_or_404(Run.objects.all(), request.user, Action.CHANGE, pk=run_id)
    with refusals():
        actions.do_publish_run(run, actor=request.user, reason=payload.reason)
    return _run_detail(run)


@router.delete(
    "/runs/{run_id}",
    response={204: None},
    summary="删除评分草稿",
    description="督查室删除草稿；已发布的评分不能删除（400）。",
)
def discard_run(request: AuthedRequest, run_id: int) -> Any:
    run = get_restricted_or_404(Run.objects.all(), request.user, Action.DELETE, pk=run_id)
    with refusals():
        actions.do_discard_run(run, actor=request.user)
    return Status(204, None)


# Endpoints: scores and the index -----------------------------------------------------------


@router.get(
    "/scores/{score_id}",
    response=ScoreDetailOut,
    summary="成绩单",
    description="一个单位在一次评分中的成绩单：每个评分项的实际值、目标、完成率、序时进度、差距、"
    "计分值、分值、得分和失分，以及加分和扣分；得分之和等于总分。单位人员只能看到本单位（含下级）"
    "已发布的成绩单，其他返回 404。",
)
def get_score(request: AuthedRequest, score_id: int) -> Any:
    score: Any = (
        Score.objects.with_breakdown(request.user)
        .select_related("unit", "run", "run__group")
        .filter(pk=score_id)
        .first()
    )
    if score is None:
        raise HttpError(404, _("未找到该对象，或您无权访问。"))
    score.lines = list(
        score.items.select_related("indicator", "scheme_item", "adjustment").order_by("order")
    )
    score.member_count = Score.objects.filter(run_id=score.run_id).count()
    score.difference = (
        actions.score_changes(score.run).get(score.unit_id) if score.run.corrects_id else None
    )
    return score


@router.get(
    "/index",
    response=IndexOut,
    summary="高质量发展指数",
    description="任选单位和指标，按某月已审核数据计算熵权 TOPSIS 高质量发展指数：所选标准化方式下的熵权、"
    "另一种标准化的熵权（对照）、各单位贴近度、指数（× 100）和名次，以及数据矩阵（缺数据按该指标最差值填补）。"
    "只有督查室和区领导可用（它比较各单位的指标数据），其他角色返回 403。",
)
def get_index(request: AuthedRequest, filters: Query[IndexQuery]) -> Any:
    check_index_access(request.user)
    period = read_period(filters.period)
    units = _found(Unit, _ids(filters.units, "units"), "units", Unit.objects.filter(active=True))
    indicators = _found(
        Indicator,
        _ids(filters.indicators, "indicators"),
        "indicators",
        Indicator.objects.restrict(request.user),
    )
    try:
        result = development_index(units, indicators, period, normalization=filters.normalization)
    except ValidationError as error:
        field = _INDEX_FIELDS.get(str(error.code), "")
        raise ValidationError({field: error.messages} if field else error.messages) from None
    return _index_out(result)
