"""The 亩均 evaluation in the API (亩均论英雄): the years' schemes, the evaluations with
their results, computing and publishing one, and an enterprise's published classes.

Scoped like the pages: the schemes are everyone's to read; evaluations and their results
are the supervisor's and leaders' (drafts included), published ones everyone's, a town's
people seeing only their town's enterprises' results; an evaluation or enterprise the user
may not see is 404, computing or publishing by anyone but the supervisor is 403, and a
refused rule (no scheme, no figures, already published) a 400 with its message. Numbers
are decimal strings: measures to four places, points and scores to two.
"""

from datetime import datetime
from decimal import Decimal
from typing import Any

from django.db.models import Count, Q
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import PageNumberPagination, paginate

from bipin.core.api import filtered
from bipin.core.choices import Action
from bipin.core.views import AuthedRequest, get_restricted_or_404, require_action
from bipin.enterprises.choices import Grade, Size
from bipin.enterprises.models import Enterprise
from bipin.indicators.api.common import refusals
from bipin.scoring.actions.evaluations import do_evaluate, do_publish_evaluation
from bipin.scoring.choices import Measure, RunStatus
from bipin.scoring.filters import EvaluationResultFilter
from bipin.scoring.models import Evaluation, EvaluationResult, EvaluationScheme

router = Router(tags=["亩均评价"])

#: The measures in the order of their list (a result's breakdown is a JSON object).
_MEASURE_ORDER = {measure: order for order, measure in enumerate(Measure.values)}


# Schemas -----------------------------------------------------------------------------------


class CriterionOut(Schema):
    size: Size = Field(description="企业类别：above_scale 规上、below_scale 规下")
    measure: Measure = Field(description="评价指标")
    measure_label: str = Field(alias="get_measure_display")
    weight: Decimal = Field(description="权重（分）：指标值等于基准值时得的分")
    benchmark: Decimal = Field(description="基准值")
    cap: Decimal = Field(description="封顶倍数：单项得分最多为权重的此倍数")


class EvaluationSchemeOut(Schema):
    id: int
    year: int = Field(description="评价的年度")
    name: str
    share_a: Decimal = Field(description="A 类累计比例（%）：得分前这一比例的企业为 A 类")
    share_b: Decimal = Field(description="B 类累计比例（%）")
    share_c: Decimal = Field(description="C 类累计比例（%）；其余为 D 类")
    min_years: int = Field(description="参评最短投产年限：投产不满此年限的企业列为 T 类")
    criteria: list[CriterionOut] = Field(description="各类企业的评价指标")

    @staticmethod
    def resolve_criteria(scheme: EvaluationScheme) -> list[Any]:
        return list(scheme.criteria.all())


class EvaluationOut(Schema):
    id: int
    scheme_id: int
    year: int
    status: RunStatus = Field(description="draft 草稿（可重新计算）；published 已发布（不再改变）")
    status_label: str = Field(alias="get_status_display")
    computed_at: datetime
    computed_by_id: int | None
    published_at: datetime | None
    published_by_id: int | None
    grade_counts: dict[str, int] = Field(description="您能看到的结果中各类企业数：A、B、C、D、T")

    @staticmethod
    def resolve_grade_counts(evaluation: Any) -> dict[str, int]:
        return {grade: getattr(evaluation, f"count_{grade}", 0) for grade in Grade.values}


class MeasureOut(Schema):
    measure: str
    value: Decimal | None = Field(description="指标值（4 位小数）；为空表示缺少数据，该项得 0 分")
    points: Decimal | None = Field(description="得分（2 位小数）；T 类企业为空")
    weight: Decimal
    benchmark: Decimal


class ResultOut(Schema):
    id: int
    evaluation_id: int
    year: int = Field(alias="evaluation.year")
    enterprise_id: int
    enterprise_name: str = Field(alias="enterprise.name")
    uscc: str = Field(alias="enterprise.uscc")
    unit_id: int = Field(description="所属镇街（评价时）")
    unit_name: str = Field(alias="unit.name")
    size: Size
    score: Decimal | None = Field(description="综合得分 = 各项得分之和；T 类为空")
    rank: int | None = Field(
        description="在同类（规上或规下）参评企业中的名次，同分同名次；T 类为空"
    )
    grade: Grade = Field(description="评价类别 A、B、C、D，T 为暂不评价")
    grade_label: str = Field(alias="get_grade_display")
    veto_reason: str = Field(description="否决事项：有则最高为 C 类")
    unrated_reason: str = Field(description="不参评原因（T 类）")
    measures: list[MeasureOut] = Field(description="各项评价指标的值和得分")

    @staticmethod
    def resolve_measures(result: EvaluationResult) -> list[dict[str, Any]]:
        # In the order of the measures' list: PostgreSQL's jsonb keeps no key order.
        lines = sorted(
            result.breakdown.items(), key=lambda item: _MEASURE_ORDER.get(item[0], len(Measure))
        )
        return [
            {
                "measure": measure,
                "value": line.get("value"),
                "points": line.get("points"),
                "weight": line.get("weight"),
                "benchmark": line.get("benchmark"),
            }
            for measure, line in lines
        ]


class EvaluationQuery(Schema):
    year: int | None = Field(None, description="年度")
    status: RunStatus | None = Field(None, description="状态")


class ResultQuery(Schema):
    q: str | None = Field(None, description="按企业名称或统一社会信用代码搜索")
    size: Size | None = Field(None, description="企业类别")
    grade: Grade | None = Field(None, description="评价类别")
    unit: int | None = Field(None, description="所属镇街（单位编号）")


class EvaluateIn(Schema):
    year: int = Field(description="评价的年度：按该年度的评价办法和亩均数据计算，替换该年度的草稿")


# Helpers -----------------------------------------------------------------------------------


def _with_counts(queryset: Any, user: Any) -> Any:
    """Evaluations with the count of each class among the results `user` may see."""
    visible = EvaluationResult.objects.restrict(user).values("pk")
    return queryset.annotate(
        **{
            f"count_{grade}": Count(
                "results", filter=Q(results__grade=grade, results__pk__in=visible)
            )
            for grade in Grade.values
        }
    )


def _evaluation(request: AuthedRequest, pk: int) -> Any:
    return get_restricted_or_404(
        _with_counts(Evaluation.objects.all(), request.user), request.user, pk=pk
    )


def _results(queryset: Any) -> Any:
    return queryset.select_related("evaluation", "enterprise", "unit")


# Endpoints ---------------------------------------------------------------------------------


@router.get(
    "/evaluation-schemes",
    response=list[EvaluationSchemeOut],
    summary="亩均评价办法列表",
    description="各年度的亩均评价办法：规上、规下企业各自的评价指标、权重、基准值和封顶倍数，分类比例和参评年限。",
)
@paginate(PageNumberPagination)
def list_schemes(request: AuthedRequest) -> Any:
    return EvaluationScheme.objects.restrict(request.user).prefetch_related("criteria")


@router.get(
    "/evaluations",
    response=list[EvaluationOut],
    summary="亩均评价列表",
    description="各年度的亩均评价，附各类企业数；草稿仅督查室和区领导可见。",
)
@paginate(PageNumberPagination)
def list_evaluations(request: AuthedRequest, filters: Query[EvaluationQuery]) -> Any:
    evaluations = Evaluation.objects.restrict(request.user)
    if filters.year is not None:
        evaluations = evaluations.filter(year=filters.year)
    if filters.status is not None:
        evaluations = evaluations.filter(status=filters.status)
    return _with_counts(evaluations, request.user).order_by("-year", "-computed_at")


@router.post(
    "/evaluations",
    response={201: EvaluationOut},
    summary="计算亩均评价",
    description="督查室按某年度的评价办法和亩均数据计算亩均评价，结果为草稿，替换该年度原有的草稿。"
    "没有评价办法或亩均数据、或该年度已发布时返回 400 并说明原因。",
)
def compute_evaluation(request: AuthedRequest, payload: EvaluateIn) -> Any:
    require_action(Evaluation.objects.all(), request.user, Action.ADD)
    with refusals():
        evaluation = do_evaluate(payload.year, actor=request.user)
    return Status(201, _evaluation(request, evaluation.pk))


@router.get(
    "/evaluations/{evaluation_id}",
    response=EvaluationOut,
    summary="亩均评价详情",
)
def get_evaluation(request: AuthedRequest, evaluation_id: int) -> Any:
    return _evaluation(request, evaluation_id)


@router.post(
    "/evaluations/{evaluation_id}/publish",
    response=EvaluationOut,
    summary="发布亩均评价",
    description="督查室发布草稿：此后不再改变，各企业的评价类别和年度写入企业名录（修改历史中留有记录）。",
)
def publish_evaluation(request: AuthedRequest, evaluation_id: int) -> Any:
    evaluation = get_restricted_or_404(
        Evaluation.objects.all(), request.user, Action.CHANGE, pk=evaluation_id
    )
    with refusals():
        do_publish_evaluation(evaluation, actor=request.user)
    return _evaluation(request, evaluation.pk)


@router.get(
    "/evaluations/{evaluation_id}/results",
    response=list[ResultOut],
    summary="亩均评价结果",
    description="一次评价中您能看到的企业结果（镇街人员：本镇街企业），与评价结果页面使用同一套筛选条件："
    "规上在前、规下在后，各按名次；T 类在各自最后。分页返回。",
)
@paginate(PageNumberPagination)
def list_results(request: AuthedRequest, evaluation_id: int, filters: Query[ResultQuery]) -> Any:
    evaluation = get_restricted_or_404(Evaluation.objects.all(), request.user, pk=evaluation_id)
    visible = EvaluationResult.objects.restrict(request.user).filter(evaluation=evaluation)
    return _results(filtered(EvaluationResultFilter, filters, visible, request))


@router.get(
    "/enterprises/{enterprise_id}/evaluations",
    response=list[ResultOut],
    summary="企业历年亩均评价",
    description="一家企业历年已发布的亩均评价结果，最近的年度在前。看不到的企业返回 404。",
)
def enterprise_evaluations(request: AuthedRequest, enterprise_id: int) -> Any:
    enterprise = get_restricted_or_404(Enterprise.objects.all(), request.user, pk=enterprise_id)
    results = (
        EvaluationResult.objects.restrict(request.user)
        .published()
        .filter(enterprise=enterprise)
        .order_by("-evaluation__year")
    )
    return list(_results(results))
