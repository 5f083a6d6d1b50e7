"""The 亩均 evaluation of enterprises (亩均论英雄): the measures of an enterprise's year, and
a year's scheme applied to every enterprise's figures — points, score, rank and class.

Zhejiang made the yearly evaluation of industrial enterprises by their output per mu of
land a province-wide rule in 2018 (浙江省人民政府《关于深化“亩均论英雄”改革的指导意见》,
浙政发〔2018〕5号): enterprises are rated on tax, value added, labour productivity, energy,
emissions and R&D per unit of the resources they use, and put into classes A, B, C and D
that decide their access to land, energy, credit and subsidies (差别化政策); each county
publishes its own 评价办法 within it. The formula here is the one such a county publishes
with its results — 台州市黄岩区's 工业企业综合评价得分计算说明 of its 2021 and 2022
evaluations (published with the results in September 2022 and 2023; read at
chacewang.com/newsdetail/news169062.html and news430850.html): a 规上 enterprise scores
Σ measure ÷ benchmark × weight over 亩均税收, 亩均增加值, 单位能耗增加值, 单位排放增加值,
全员劳动生产率 and R&D 经费占比, a 规下 enterprise over 亩均税收 and 单位电耗税收, each
measure defined as in `measures` below (methods.benchmark_points computes the points).
Classes go by share of the ranked enterprises (methods.classify_by_share): a published
city scheme (gu456.com/OpennessContent/show/3457811.html) puts the top 25 % in A, to 70 %
in B, to 95 % in C and the rest in D, and leaves utilities, start-ups and enterprises
building a major project without a class (不定等级, here T); vetoes for a serious safety
or environmental accident bar A and B.

Where Huangyan gives a 规上 enterprise without emission data the average points of the
others, this evaluation gives 0 and notes the missing figure on the result: the supervisor
sees who lacks what, and the rule is the same for every measure.
"""

from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import numpy as np
from django.utils.translation import gettext as _

from bipin.enterprises.choices import Grade, Size
from bipin.scoring import methods
from bipin.scoring.choices import Measure

#: The measures each size is rated on (the issue, and Zhejiang's practice).
ALLOWED_MEASURES: dict[str, tuple[Measure, ...]] = {
    Size.ABOVE_SCALE: (
        Measure.TAX_PER_MU,
        Measure.VALUE_ADDED_PER_MU,
        Measure.LABOUR_PRODUCTIVITY,
        Measure.VALUE_ADDED_PER_ENERGY,
        Measure.VALUE_ADDED_PER_EMISSION,
        Measure.RD_SHARE,
    ),
    Size.BELOW_SCALE: (Measure.TAX_PER_MU, Measure.TAX_PER_ELECTRICITY),
}

#: Each measure as numerator ÷ denominator of the figures (× 100 for R&D 经费占比, a %).
FORMULAS: dict[Measure, tuple[str, str, int]] = {
    Measure.TAX_PER_MU: ("tax", "land_area", 1),
    Measure.VALUE_ADDED_PER_MU: ("value_added", "land_area", 1),
    Measure.LABOUR_PRODUCTIVITY: ("value_added", "employees", 1),
    Measure.VALUE_ADDED_PER_ENERGY: ("value_added", "energy", 1),
    Measure.VALUE_ADDED_PER_EMISSION: ("value_added", "emissions", 1),
    Measure.RD_SHARE: ("rd_expense", "revenue", 100),
    Measure.TAX_PER_ELECTRICITY: ("tax", "electricity", 1),
}

#: Measures are kept to four places (an R&D share of 3.1416 %, 0.2350 万元 per 万千瓦时).
MEASURE_QUANTUM = Decimal("0.0001")
POINT_QUANTUM = Decimal("0.01")


def measures(figures: Any) -> dict[Measure, Decimal | None]:
    """Every measure of an enterprise's year, from its figures:

    - 亩均税收 = 实缴税收 ÷ 用地面积 (万元/亩);
    - 亩均增加值 = 工业增加值 ÷ 用地面积 (万元/亩);
    - 全员劳动生产率 = 工业增加值 ÷ 年平均职工人数 (万元/人);
    - 单位能耗增加值 = 工业增加值 ÷ 综合能耗 (万元/吨标煤);
    - 单位排放增加值 = 工业增加值 ÷ 主要污染物排放量 (万元/吨);
    - R&D 经费占比 = R&D 经费支出 ÷ 营业收入 × 100 (%);
    - 单位电耗税收 = 实缴税收 ÷ 用电量 (万元/万千瓦时).

    None where a figure is missing or the divisor is 0 (a measure that cannot be computed
    is not a measure of 0). Rounded half up to four places.
    """
    found: dict[Measure, Decimal | None] = {}
    for measure, (numerator, denominator, scale) in FORMULAS.items():
        top = getattr(figures, numerator)
        bottom = getattr(figures, denominator)
        if top is None or bottom is None or bottom == 0:
            found[measure] = None
            continue
        value = Decimal(top) * scale / Decimal(bottom)
        found[measure] = value.quantize(MEASURE_QUANTUM, ROUND_HALF_UP)
    return found


def _points(value: float) -> Decimal:
    """A float of benchmark_points as 2-place points. Rounded to ten places first, so that
    2.675 computed as 2.67499999… is still 2.68, as a hand calculation gives."""
    return Decimal(f"{value:.10f}").quantize(POINT_QUANTUM, ROUND_HALF_UP)


def unrated_reason(figures: Any, year: int, min_years: int) -> str:
    """Why an enterprise is not rated (T), or "": the reason the figures give (a utility),
    or its production began less than `min_years` before the evaluated year."""
    if figures.unrated_reason.strip():
        return str(figures.unrated_reason.strip())
    started = figures.production_started
    if started is not None and year - started < min_years:
        return _("投产未满 %(years)s 年（%(started)s 年投产）") % {
            "years": min_years,
            "started": started,
        }
    return ""


@dataclass
class ResultRow:
    """One enterprise's result, before it is stored as an EvaluationResult.

    `breakdown` is {measure: {"value", "points", "weight", "benchmark"}} with the numbers as
    strings (JSON), a value of None for a measure that could not be computed (it earned 0:
    `missing` names it). A T enterprise keeps its measures but has no points, score or rank.
    """

    figures: Any
    enterprise_id: int
    unit_id: int
    size: str
    measures: dict[Measure, Decimal | None]
    grade: str = ""
    score: Decimal | None = None
    rank: int | None = None
    veto_reason: str = ""
    unrated_reason: str = ""
    breakdown: dict[str, dict[str, str | None]] = field(default_factory=dict)
    missing: list[Measure] = field(default_factory=list)

    @property
    def is_rated(self) -> bool:
        return not self.unrated_reason


def evaluate(scheme: Any, figures_list: Sequence[Any], *, criteria: Any = None) -> list[ResultRow]:
    """The year's evaluation of every enterprise of `figures_list` under `scheme`.

    Per size (规上 and 规下 are rated, ranked and classed separately, each on its own
    criteria, `criteria` defaulting to the scheme's):

    - T (not rated) when the figures give an unrated reason, or production began less than
      `scheme.min_years` before the year; T is neither ranked nor counted in the shares;
    - points_j = weight_j × min(measure_j ÷ benchmark_j, cap_j) (methods.benchmark_points);
      a measure that cannot be computed earns 0 and is noted; each item's points are
      rounded to two places first, and the score is their sum, so the breakdown adds up;
    - rank = standard competition rank of the score among the rated of the size (equal
      scores share a rank);
    - class by cumulative share of the rated (A to share_a %, B to share_b %, C to
      share_c %, D the rest; methods.classify_by_share, ties keep the better class); a
      veto (a safety or environmental accident) keeps the rank but bars A and B.

    Returns the rows in the order of `figures_list`. Raises ValueError when a size of the
    figures has no criteria in the scheme.
    """
    chosen = list(scheme.criteria.all() if criteria is None else criteria)
    rows = [
        ResultRow(
            figures=figures,
            enterprise_id=figures.enterprise_id,
            unit_id=figures.enterprise.unit_id,
            size=figures.size,
            measures=measures(figures),
            veto_reason=figures.veto_reason.strip(),
            unrated_reason=unrated_reason(figures, scheme.year, scheme.min_years),
        )
        for figures in figures_list
    ]
    shares = [float(share) / 100 for share in (scheme.share_a, scheme.share_b, scheme.share_c)]
    for size in Size.values:
        of_size = [row for row in rows if row.size == size]
        if not of_size:
            continue
        size_criteria = [criterion for criterion in chosen if criterion.size == size]
        if not size_criteria:
            raise ValueError(_("评价办法没有%(size)s企业的评价指标。") % {"size": Size(size).label})
        _rate_size(of_size, size_criteria, shares)
    return rows


def _rate_size(rows: list[ResultRow], criteria: list[Any], shares: list[float]) -> None:
    """Points, scores, ranks and classes of the enterprises of one size."""
    for row in rows:
        for criterion in criteria:
            value = row.measures.get(criterion.measure)
            row.breakdown[criterion.measure] = {
                "value": None if value is None else str(value),
                "points": None,
                "weight": str(criterion.weight),
                "benchmark": str(criterion.benchmark),
            }
        if not row.is_rated:
            row.grade = Grade.T
    rated = [row for row in rows if row.is_rated]
    if not rated:
        return
    matrix = np.array(
        [
            [
                np.nan if (value := row.measures.get(c.measure)) is None else float(value)
                for c in criteria
            ]
            for row in rated
        ],
        dtype=np.float64,
    ).reshape(len(rated), len(criteria))
    points = methods.benchmark_points(
        matrix,
        [float(criterion.benchmark) for criterion in criteria],
        [float(criterion.weight) for criterion in criteria],
        caps=[float(criterion.cap) for criterion in criteria],
    )
    for row, row_points in zip(rated, points, strict=True):
        total = Decimal(0)
        for criterion, earned in zip(criteria, row_points, strict=True):
            rounded = _points(float(earned))
            row.breakdown[criterion.measure]["points"] = str(rounded)
            total += rounded
            if row.measures.get(criterion.measure) is None:
                row.missing.append(criterion.measure)
        row.score = total
    scores = [float(row.score or 0) for row in rated]
    ranks = methods.competition_ranks(scores)
    grades = methods.classify_by_share(
        scores,
        shares=shares,
        labels=(Grade.A, Grade.B, Grade.C, Grade.D),
        vetoed=[bool(row.veto_reason) for row in rated],
        vetoed_best=Grade.C,
        unrated=Grade.T,
    )
    for row, rank, grade in zip(rated, ranks, grades, strict=True):
        row.rank = int(rank)
        row.grade = str(grade)
