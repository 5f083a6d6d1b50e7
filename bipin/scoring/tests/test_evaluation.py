"""The 亩均 evaluation's computation (scoring/evaluation.py), worked by hand: the measures
of an enterprise's figures, the points and scores of a scheme, ranks and classes with
ties, a veto that bars A and B, T not counted in the shares, and 规上 and 规下 rated apart.

No database: schemes, criteria and figures are unsaved model instances.
"""

import itertools
from decimal import Decimal
from typing import Any

import pytest

from bipin.enterprises.choices import Grade, Size
from bipin.enterprises.models import Enterprise
from bipin.scoring.choices import Measure
from bipin.scoring.evaluation import ALLOWED_MEASURES, evaluate, measures, unrated_reason
from bipin.scoring.models import Criterion, EnterpriseFigures, EvaluationScheme

YEAR = 2025
_IDS = itertools.count(1)
ABOVE, BELOW = Size.ABOVE_SCALE, Size.BELOW_SCALE


def scheme(a: int = 20, b: int = 60, c: int = 95, min_years: int = 2) -> EvaluationScheme:
    return EvaluationScheme(
        year=YEAR,
        name="测试办法",
        share_a=Decimal(a),
        share_b=Decimal(b),
        share_c=Decimal(c),
        min_years=min_years,
    )


def criterion(size: str, measure: str, weight: str, benchmark: str, cap: str = "2") -> Criterion:
    return Criterion(
        size=size,
        measure=measure,
        weight=Decimal(weight),
        benchmark=Decimal(benchmark),
        cap=Decimal(cap),
    )


def figures(size: str = ABOVE, *, unit: int = 1, **values: Any) -> EnterpriseFigures:
    """Figures of a new enterprise; by default 1 亩 and no tax. Numbers may be given as
    text; the reasons are text."""
    enterprise = Enterprise(pk=next(_IDS), unit_id=unit, name="企业")
    fields: dict[str, Any] = {"land_area": Decimal(1), "tax": Decimal(0)}
    for key, value in values.items():
        if value is None or key in ("unrated_reason", "veto_reason"):
            fields[key] = value
        elif key in ("employees", "production_started"):
            fields[key] = int(value)
        else:
            fields[key] = Decimal(str(value))
    return EnterpriseFigures(enterprise=enterprise, year=YEAR, size=size, **fields)


#: 规上 rated on 亩均税收 alone, 100 points at 10 万元/亩: with 1 亩, the score is 10 × tax.
TAX_ONLY = [criterion(ABOVE, Measure.TAX_PER_MU, "100", "10")]


def grades_of(rows: list[Any]) -> list[str]:
    return [row.grade for row in rows]


# Measures ----------------------------------------------------------------------------------


def test_every_measure_is_its_figures_ratio():
    given: dict[str, Any] = {
        "land_area": "20", "tax": "500", "value_added": "2600", "revenue": "10000",
        "employees": "130", "energy": "1000", "emissions": "0.5", "rd_expense": "300",
        "electricity": "2000",
    }  # fmt: skip
    found = measures(figures(**given))
    assert found == {
        Measure.TAX_PER_MU: Decimal("25.0000"),  # 500 ÷ 20
        Measure.VALUE_ADDED_PER_MU: Decimal("130.0000"),  # 2600 ÷ 20
        Measure.LABOUR_PRODUCTIVITY: Decimal("20.0000"),  # 2600 ÷ 130
        Measure.VALUE_ADDED_PER_ENERGY: Decimal("2.6000"),  # 2600 ÷ 1000
        Measure.VALUE_ADDED_PER_EMISSION: Decimal("5200.0000"),  # 2600 ÷ 0.5
        Measure.RD_SHARE: Decimal("3.0000"),  # 300 ÷ 10000 × 100
        Measure.TAX_PER_ELECTRICITY: Decimal("0.2500"),  # 500 ÷ 2000
    }


def test_a_measure_is_rounded_half_up_to_four_places():
    found = measures(figures(land_area="3", tax="100", electricity="0.8", value_added=None))
    assert found[Measure.TAX_PER_MU] == Decimal("33.3333")
    assert found[Measure.TAX_PER_ELECTRICITY] == Decimal("125.0000")
    # 0.00005 is rounded up, not to even.
    assert measures(figures(land_area="20000", tax="1"))[Measure.TAX_PER_MU] == Decimal("0.0001")


def test_a_missing_figure_or_a_zero_divisor_gives_no_measure():
    found = measures(figures(land_area="10", tax="100", value_added="500", energy="0"))
    assert found[Measure.TAX_PER_MU] == Decimal("10.0000")
    assert found[Measure.VALUE_ADDED_PER_MU] == Decimal("50.0000")
    assert found[Measure.VALUE_ADDED_PER_ENERGY] is None  # energy 0
    assert found[Measure.LABOUR_PRODUCTIVITY] is None  # no employees
    assert found[Measure.RD_SHARE] is None  # no R&D, no revenue
    assert found[Measure.TAX_PER_ELECTRICITY] is None


def test_each_size_has_the_measures_of_the_issue():
    assert set(ALLOWED_MEASURES[ABOVE]) == {
        Measure.TAX_PER_MU, Measure.VALUE_ADDED_PER_MU, Measure.LABOUR_PRODUCTIVITY,
        Measure.VALUE_ADDED_PER_ENERGY, Measure.VALUE_ADDED_PER_EMISSION, Measure.RD_SHARE,
    }  # fmt: skip
    assert set(ALLOWED_MEASURES[BELOW]) == {Measure.TAX_PER_MU, Measure.TAX_PER_ELECTRICITY}


# Points and scores -------------------------------------------------------------------------

#: The demo's weights with round benchmarks.
ABOVE_CRITERIA = [
    criterion(ABOVE, Measure.TAX_PER_MU, "40", "25"),
    criterion(ABOVE, Measure.VALUE_ADDED_PER_MU, "20", "130"),
    criterion(ABOVE, Measure.LABOUR_PRODUCTIVITY, "10", "20"),
    criterion(ABOVE, Measure.VALUE_ADDED_PER_ENERGY, "10", "2.6"),
    criterion(ABOVE, Measure.VALUE_ADDED_PER_EMISSION, "10", "5200"),
    criterion(ABOVE, Measure.RD_SHARE, "10", "3"),
]
AT_BENCHMARK: dict[str, Any] = {
    "land_area": "20", "tax": "500", "value_added": "2600", "revenue": "10000",
    "employees": "130", "energy": "1000", "emissions": "0.5", "rd_expense": "300",
}  # fmt: skip


def test_an_enterprise_at_every_benchmark_earns_every_weight():
    [row] = evaluate(scheme(), [figures(**AT_BENCHMARK)], criteria=ABOVE_CRITERIA)
    assert row.score == Decimal("100.00")
    assert {m: line["points"] for m, line in row.breakdown.items()} == {
        Measure.TAX_PER_MU: "40.00",
        Measure.VALUE_ADDED_PER_MU: "20.00",
        Measure.LABOUR_PRODUCTIVITY: "10.00",
        Measure.VALUE_ADDED_PER_ENERGY: "10.00",
        Measure.VALUE_ADDED_PER_EMISSION: "10.00",
        Measure.RD_SHARE: "10.00",
    }
    assert row.breakdown[Measure.TAX_PER_MU] == {
        "value": "25.0000",
        "points": "40.00",
        "weight": "40",
        "benchmark": "25",
    }


def test_points_are_value_over_benchmark_times_weight_up_to_the_cap():
    rows = evaluate(
        scheme(),
        [
            figures(**{**AT_BENCHMARK, "tax": "250"}),  # 12.5/亩: 40 × 0.5 = 20
            figures(**{**AT_BENCHMARK, "tax": "750"}),  # 37.5/亩: 40 × 1.5 = 60
            figures(**{**AT_BENCHMARK, "tax": "1500"}),  # 75/亩: 40 × 3, capped at 2 × 40 = 80
        ],
        criteria=ABOVE_CRITERIA,
    )
    assert [row.breakdown[Measure.TAX_PER_MU]["points"] for row in rows] == [
        "20.00",
        "60.00",
        "80.00",
    ]
    assert [row.score for row in rows] == [Decimal("80.00"), Decimal("120.00"), Decimal("140.00")]
    assert [row.rank for row in rows] == [3, 2, 1]


def test_a_missing_measure_earns_nothing_and_is_noted():
    [row] = evaluate(
        scheme(), [figures(**{**AT_BENCHMARK, "emissions": None})], criteria=ABOVE_CRITERIA
    )
    assert row.missing == [Measure.VALUE_ADDED_PER_EMISSION]
    assert row.breakdown[Measure.VALUE_ADDED_PER_EMISSION]["value"] is None
    assert row.breakdown[Measure.VALUE_ADDED_PER_EMISSION]["points"] == "0.00"
    assert row.score == Decimal("90.00")


def test_the_score_is_the_sum_of_the_points_as_rounded_so_the_breakdown_adds_up():
    thirds = [
        criterion(ABOVE, Measure.TAX_PER_MU, "10", "3"),
        criterion(ABOVE, Measure.VALUE_ADDED_PER_MU, "10", "3"),
        criterion(ABOVE, Measure.LABOUR_PRODUCTIVITY, "10", "3"),
    ]
    [row] = evaluate(scheme(), [figures(tax="1", value_added="1", employees="1")], criteria=thirds)
    points = [Decimal(str(line["points"])) for line in row.breakdown.values()]
    # Each 10 × 1/3 = 3.333… → 3.33; the score is 9.99, not 10.00 rounded from the floats.
    assert points == [Decimal("3.33")] * 3
    assert row.score == sum(points) == Decimal("9.99")


def test_points_are_rounded_half_up_as_by_hand():
    # 10 × 0.2675 / 1 = 2.675 (2.67499… as a float) → 2.68
    rows = evaluate(
        scheme(),
        [figures(tax="0.2675")],
        criteria=[criterion(ABOVE, Measure.TAX_PER_MU, "10", "1")],
    )
    assert rows[0].score == Decimal("2.68")


# Ranks and classes -------------------------------------------------------------------------


def test_ten_enterprises_are_classed_2_4_3_1_by_the_shares_20_60_95():
    rows = evaluate(scheme(), [figures(tax=str(t)) for t in range(10, 0, -1)], criteria=TAX_ONLY)
    assert [row.score for row in rows] == [Decimal(10 * t) for t in range(10, 0, -1)]
    assert [row.rank for row in rows] == list(range(1, 11))
    assert grades_of(rows) == ["A", "A", "B", "B", "B", "B", "C", "C", "C", "D"]


def test_equal_scores_share_a_rank_and_keep_the_better_class():
    taxes = [10, 9, 9, 7, 6, 5, 4, 3, 2, 1]
    rows = evaluate(scheme(), [figures(tax=str(t)) for t in taxes], criteria=TAX_ONLY)
    assert [row.rank for row in rows] == [1, 2, 2, 4, 5, 6, 7, 8, 9, 10]
    # Ranks 1, 2 and 2 are all within the top 20 % (rank ≤ 2): three A.
    assert grades_of(rows) == ["A", "A", "A", "B", "B", "B", "C", "C", "C", "D"]


def test_a_veto_keeps_the_rank_but_bars_a_and_b():
    rows = evaluate(
        scheme(),
        [
            figures(tax=str(t), veto_reason="发生较大安全生产事故" if t == 10 else "")
            for t in range(10, 0, -1)
        ],
        criteria=TAX_ONLY,
    )
    assert rows[0].rank == 1 and rows[0].score == Decimal("100.00")
    assert rows[0].grade == Grade.C
    assert rows[0].veto_reason == "发生较大安全生产事故"
    # Nobody moves up into the vetoed enterprise's place.
    assert grades_of(rows) == ["C", "A", "B", "B", "B", "B", "C", "C", "C", "D"]


def test_a_vetoed_enterprise_already_below_b_keeps_its_class():
    rows = evaluate(
        scheme(),
        [
            figures(tax=str(t), veto_reason="环境污染事故" if t == 1 else "")
            for t in range(10, 0, -1)
        ],
        criteria=TAX_ONLY,
    )
    assert rows[-1].grade == Grade.D


def test_t_enterprises_are_neither_ranked_nor_counted_in_the_shares():
    rated = [figures(tax=str(t), production_started=str(YEAR - 5)) for t in range(10, 0, -1)]
    utility = figures(tax="99", unrated_reason="公用事业（供水）")
    newcomer = figures(tax="98", production_started=str(YEAR - 1))
    rows = evaluate(scheme(), [utility, *rated, newcomer], criteria=TAX_ONLY)
    assert grades_of(rows[1:-1]) == ["A", "A", "B", "B", "B", "B", "C", "C", "C", "D"]
    for row in (rows[0], rows[-1]):
        assert row.grade == Grade.T
        assert row.score is None and row.rank is None
        assert row.breakdown[Measure.TAX_PER_MU]["points"] is None
    assert rows[0].unrated_reason == "公用事业（供水）"
    assert rows[-1].unrated_reason == "投产未满 2 年（2024 年投产）"
    # Its measures are kept all the same.
    assert rows[-1].breakdown[Measure.TAX_PER_MU]["value"] == "98.0000"


def test_an_enterprise_in_production_for_exactly_the_minimum_years_is_rated():
    assert unrated_reason(figures(production_started=str(YEAR - 2)), YEAR, 2) == ""
    assert unrated_reason(figures(production_started=str(YEAR - 1)), YEAR, 2) != ""
    assert unrated_reason(figures(production_started=str(YEAR - 1)), YEAR, 1) == ""
    assert unrated_reason(figures(), YEAR, 2) == ""  # no year given: rated


def test_a_t_enterprise_with_a_veto_is_t():
    [row] = evaluate(
        scheme(),
        [figures(tax="5", unrated_reason="公用事业", veto_reason="事故")],
        criteria=TAX_ONLY,
    )
    assert row.grade == Grade.T


def test_above_and_below_scale_are_ranked_and_classed_apart_each_on_its_criteria():
    criteria = [
        *TAX_ONLY,
        criterion(BELOW, Measure.TAX_PER_MU, "70", "10"),
        criterion(BELOW, Measure.TAX_PER_ELECTRICITY, "30", "0.25"),
    ]
    above = [figures(tax=str(t)) for t in (10, 8, 6, 4, 2)]
    # 规下: tax per 亩 5 and 10, both at 0.25 万元 per 万千瓦时.
    below = [
        figures(BELOW, tax="5", electricity="20"),
        figures(BELOW, tax="10", electricity="40"),
    ]
    rows = evaluate(scheme(50, 80, 95), [*above, *below], criteria=criteria)
    assert [row.rank for row in rows[:5]] == [1, 2, 3, 4, 5]
    # Of 5: ⌊2.5⌋ = 2, ⌊4⌋ = 4, ⌊4.75⌋ = 4 — ranks 1–2 A, 3–4 B, no C, 5 D.
    assert grades_of(rows[:5]) == ["A", "A", "B", "B", "D"]
    # 规下: 70 × 0.5 + 30 = 65 and 70 + 30 = 100, ranked among themselves.
    assert [row.score for row in rows[5:]] == [Decimal("65.00"), Decimal("100.00")]
    assert [row.rank for row in rows[5:]] == [2, 1]
    assert grades_of(rows[5:]) == ["D", "A"]  # of 2: ⌊1⌋ = 1, ⌊1.6⌋ = 1, ⌊1.9⌋ = 1
    assert set(rows[5].breakdown) == {Measure.TAX_PER_MU, Measure.TAX_PER_ELECTRICITY}
    assert set(rows[0].breakdown) == {Measure.TAX_PER_MU}


def test_a_size_without_criteria_is_refused():
    with pytest.raises(ValueError, match="规下"):
        evaluate(scheme(), [figures(BELOW, tax="5")], criteria=TAX_ONLY)


def test_the_rows_carry_the_enterprise_and_its_town():
    item = figures(tax="5", unit=7)
    [row] = evaluate(scheme(), [item], criteria=TAX_ONLY)
    assert row.enterprise_id == item.enterprise_id
    assert row.unit_id == 7
    assert row.size == ABOVE


def test_a_size_of_one_rated_enterprise_puts_it_in_the_last_class():
    # methods.classify_by_share: of n = 1, ⌊0.2⌋ = ⌊0.6⌋ = ⌊0.95⌋ = 0, so rank 1 is beyond
    # every limit and D takes it (D 类不少于 5 %).
    [row] = evaluate(scheme(), [figures(tax="50")], criteria=TAX_ONLY)
    assert (row.rank, row.grade) == (1, Grade.D)


def test_nobody_is_left_out_when_no_enterprise_is_rated():
    rows = evaluate(scheme(), [figures(tax="5", unrated_reason="公用事业")], criteria=TAX_ONLY)
    assert grades_of(rows) == [Grade.T]
