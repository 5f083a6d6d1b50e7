"""The scoring methods: published worked examples, hand-checked edge cases, and properties.

The published examples are copied as data (matrix, weights, published results) and each
test names its source; the results are compared at the precision the source prints.
"""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from bipin.scoring import methods

NAN = np.nan


# --- Published worked examples ---------------------------------------------------------


@pytest.mark.parametrize(
    ("matrix", "published", "decimals"),
    [
        pytest.param(
            [[30, 30, 38, 29], [19, 54, 86, 29], [19, 15, 85, 28.9], [68, 70, 60, 29]],
            [0.4630, 0.3992, 0.1378, 0.0000],
            4,
            id="xu-2004",
        ),
        pytest.param(
            [[3.0, 100, 10, 7], [2.5, 80, 8, 5], [1.8, 50, 20, 11], [2.2, 70, 12, 9]],
            [0.1146, 0.1981, 0.4185, 0.2689],
            4,
            id="zavadskas-podvezko-2016",
        ),
        pytest.param(
            [
                [4550, 30, 6.74, 20, 15, 5, 85, 150, 0.87, 4.76],
                [3005, 60.86, 2.4, 35, 27, 4, 26, 200, 0.17, 4.51],
                [2040, 14.85, 1.7, 90, 25, 5, 26, 500, 0.27, 4.19],
                [3370, 99.4, 3.25, 25.3, 54, 3, 45, 222, 0.21, 3.78],
                [3920, 112.6, 4.93, 11.4, 71.7, 2, 50, 100, 0.25, 4.11],
            ],
            [0.026, 0.154, 0.089, 0.199, 0.115, 0.04, 0.08, 0.123, 0.172, 0.002],
            3,
            id="lee-chang-2018",
        ),
    ],
)
def test_entropy_weights_reproduce_published_examples(matrix, published, decimals):
    """Entropy weights of three published examples, to the printed precision.

    - Xu, X. (2004). A note on the subjective and objective integrated approach to
      determine attribute weights. European Journal of Operational Research 156(2),
      530–532, doi:10.1016/S0377-2217(03)00146-2: 4 alternatives × 4 attributes, weights
      0.4630, 0.3992, 0.1378, 0.0000 (the fourth attribute hardly varies: 29, 29, 28.9, 29).
    - Zavadskas, E. K. & Podvezko, V. (2016). Integrated determination of objective
      criteria weights in MCDM. International Journal of Information Technology & Decision
      Making 15(2), 267–283, doi:10.1142/S0219622016500036: entropy weights 0.1146, 0.1981,
      0.4185, 0.2689.
    - Lee, H. C. & Chang, C. T. (2018). Comparative analysis of MCDM methods for ranking
      renewable energy sources in Taiwan. Renewable and Sustainable Energy Reviews 92,
      883–896, doi:10.1016/j.rser.2018.05.007: 5 sources × 10 criteria, three decimals.

    The data and published weights are as collected in the test suite of pyrepo-mcda
    (energyinpython/pyrepo-mcda, tests/test_weighting_methods.py). All three use the plain
    shares p = x / Σx of the raw values, whatever the criterion's direction (the second
    and third have cost criteria): our normalization="sum".
    """
    weights = methods.entropy_weights(matrix, normalization="sum")

    assert np.round(weights, decimals).tolist() == pytest.approx(published, abs=1e-12)
    assert weights.sum() == pytest.approx(1.0)


def test_topsis_reproduces_tzeng_and_huang_example():
    """TOPSIS closeness of Tzeng & Huang's example, to the four printed decimals.

    Tzeng, G.-H. & Huang, J.-J. (2011). Multiple Attribute Decision Making: Methods and
    Applications. CRC Press (Chapman & Hall), the TOPSIS numerical example: 4 alternatives
    × 3 benefit attributes, weights 0.3/0.4/0.3, vector normalisation, closeness 0.5037,
    0.6581, 0.7482, 0.3340 (ranking A3 > A2 > A1 > A4). Data and results as collected in
    scikit-criteria's test suite (quatrope/scikit-criteria, tests/agg/test_similarity.py,
    test_TOPSIS_tzeng2011multiple).
    """
    matrix = [[5, 8, 4], [7, 6, 8], [8, 8, 6], [7, 4, 6]]

    closeness = methods.topsis(matrix, [0.3, 0.4, 0.3], [1, 1, 1])

    assert np.round(closeness, 4).tolist() == pytest.approx([0.5037, 0.6581, 0.7482, 0.3340])
    assert methods.competition_ranks(closeness).tolist() == [3, 2, 1, 4]


def test_topsis_reproduces_hwang_and_yoon_fighter_aircraft_example():
    """Hwang & Yoon's fighter-aircraft example, the original TOPSIS illustration.

    Hwang, C.-L. & Yoon, K. (1981). Multiple Attribute Decision Making: Methods and
    Applications. Lecture Notes in Economics and Mathematical Systems 186, Springer,
    ch. III, p. 133: 4 aircraft × 6 attributes (maximum speed, ferry range, maximum payload,
    acquisition cost — the one cost attribute —, reliability, maneuverability), weights
    0.2/0.1/0.1/0.1/0.2/0.3; published separations D⁺ = .0545, .1197, .0580, .1009,
    D⁻ = .0983, .0439, .0920, .0458 and closeness C* = 0.643, 0.268, 0.613, 0.312, so
    A1 > A3 > A4 > A2. (Data and figures as reproduced in ldss-hse/ldss-benchmark's TOPSIS
    tests, which also note the book's rounding slips in the normalised matrix.)

    The book rounds every intermediate table to four decimals (its normalised cost column
    is off in the fourth place), so the exact computation differs from the printed figures
    by at most one unit in their last place: A3's exact closeness is 0.61354, printed
    0.613 from .0920 / (.0580 + .0920). We match within that rounding and exactly in rank.
    """
    aircraft = [
        [2.0, 1500, 20000, 5.5, 5, 9],
        [2.5, 2700, 18000, 6.5, 3, 5],
        [1.8, 2000, 21000, 4.5, 7, 7],
        [2.2, 1800, 20000, 5.0, 5, 5],
    ]

    closeness = methods.topsis(aircraft, [0.2, 0.1, 0.1, 0.1, 0.2, 0.3], [1, 1, 1, -1, 1, 1])

    assert closeness == pytest.approx([0.643, 0.268, 0.613, 0.312], abs=1e-3)
    assert methods.competition_ranks(closeness).tolist() == [1, 4, 2, 3]


def test_efficacy_coefficient_reproduces_published_exam_item():
    """The efficacy coefficient of a published statistics exam item, to two decimals.

    A single-choice item of the Chinese statistician qualification exam (统计专业技术资格考试,
    统计业务知识, 综合评价): "对某地区工业总资产贡献率 5.81% 进行函数化处理，其满意值为 12%，
    不允许值为 6%，则该项指标的功效系数为" — answer C, (5.81 − 6)/(12 − 6) × 40 + 60 = 58.73,
    as published in the question bank at
    http://222.198.130.40:8081/view/Subject/showsubject.aspx?id=1c13cd4fae1f452c8701976b21b4b93f
    The answer key's distractor A, (…) × 60 + 40 = 38.1, is the formula with 60 and 40 swapped.
    """
    coefficient = methods.efficacy_threshold([5.81], satisfactory=12, not_allowed=6)

    assert round(float(coefficient[0]), 2) == 58.73


# --- Weighted completion ---------------------------------------------------------------


def test_ratio_points_are_weight_times_capped_completion():
    actual = [[50, 130, 100], [120, 80, 0]]
    target = [100, 100, 100]

    points = methods.ratio_points(actual, target, [10, 20, 5], caps=[1.2, 1.2, 1.0])

    # 50 % of 10; 130 % capped at 120 % of 20; 100 % of 5 / 120 % of 10; 80 % of 20; 0.
    np.testing.assert_allclose(points, [[5, 24, 5], [12, 16, 0]])


def test_ratio_points_on_a_lower_is_better_column_divide_target_by_actual():
    # Energy per unit of output, target 0.5: half the target earns the cap, twice it half.
    actual = [[0.25], [1.0], [0.5], [0.0]]

    points = methods.ratio_points(actual, [0.5], [10], caps=1.2, lower_is_better=[True])

    assert points[:, 0].tolist() == pytest.approx([12, 5, 10, 12])


def test_ratio_points_give_nothing_without_actual_or_positive_target():
    actual = [[NAN, 50, 50, 50]]
    target = [[100, NAN, 0, -10]]

    points = methods.ratio_points(actual, target, [1, 1, 1, 1])

    assert points.tolist() == [[0, 0, 0, 0]]


def test_ratio_points_floor_keeps_negative_completion_from_taking_points():
    points = methods.ratio_points([[-30], [-30]], [[100], [100]], [10])
    assert points[:, 0].tolist() == [0, 0]
    with_floor = methods.ratio_points([[-30]], [100], [10], floor=-0.5)
    assert with_floor[0, 0] == pytest.approx(-3)


def test_ratio_points_accept_a_target_per_cell():
    points = methods.ratio_points([[50], [50]], [[100], [50]], [4])
    assert points[:, 0].tolist() == [2, 4]


@pytest.mark.parametrize(
    "arguments",
    [
        {"weights": [-1]},
        {"weights": [NAN]},
        {"caps": 0.5, "floor": 0.8},
        {"caps": [1, 2]},
    ],
)
def test_ratio_points_reject_bad_parameters(arguments):
    parameters = {"weights": [1]} | arguments
    with pytest.raises(ValueError):
        methods.ratio_points([[1]], [1], **parameters)


def test_capped_adjustment_counts_up_to_the_cap():
    # +0.1 per extra ≥10亿 project, up to +3.
    bonus = methods.capped_adjustment([0, 5, 29, 30, 45, -2, NAN], 0.1, 3)
    assert bonus.tolist() == pytest.approx([0, 0.5, 2.9, 3, 3, 0, 0])


def test_capped_adjustment_takes_per_unit_and_cap_per_column():
    counts = [[1, 10], [50, 1]]
    points = methods.capped_adjustment(counts, [0.1, 0.5], [2, 3])
    np.testing.assert_allclose(points, [[0.1, 3], [2, 0.5]])
    assert methods.capped_adjustment([1e6], 1, np.inf).tolist() == [1e6]


def test_capped_adjustment_rejects_negative_rates():
    with pytest.raises(ValueError):
        methods.capped_adjustment([1], -0.1, 3)


# --- Efficacy coefficient --------------------------------------------------------------


def test_efficacy_threshold_scores_not_allowed_60_and_satisfactory_100():
    scores = methods.efficacy_threshold([6, 12, 9, 15, 0], satisfactory=12, not_allowed=6)
    assert scores.tolist() == pytest.approx([60, 100, 80, 120, 20])


def test_efficacy_threshold_works_for_a_cost_with_satisfactory_below_not_allowed():
    # Energy per 万元: 0.4 satisfactory, 0.8 not allowed.
    scores = methods.efficacy_threshold([0.4, 0.8, 0.6, 1.0], satisfactory=0.4, not_allowed=0.8)
    assert scores.tolist() == pytest.approx([100, 60, 80, 40])


def test_efficacy_threshold_clips_only_when_asked_and_gives_missing_zero():
    values = [[-100, 30, NAN]]
    unclipped = methods.efficacy_threshold(values, 12, 6)
    clipped = methods.efficacy_threshold(values, 12, 6, clip=(0, 120))
    assert unclipped[0, 0] == pytest.approx(60 + 40 * -106 / 6)
    assert clipped.tolist() == [[0, 120, 0]]
    assert unclipped[0, 2] == 0


def test_efficacy_threshold_takes_thresholds_per_column():
    scores = methods.efficacy_threshold([[9, 9]], satisfactory=[12, 6], not_allowed=[6, 12])
    np.testing.assert_allclose(scores, [[80, 80]])


def test_efficacy_threshold_without_a_range_is_a_parameter_error():
    with pytest.raises(ValueError, match="满意值与不允许值相等"):
        methods.efficacy_threshold([1, 2], satisfactory=5, not_allowed=5)


def test_efficacy_minmax_scores_20_to_100_in_each_direction():
    matrix = [[10, 10], [20, 20], [30, 30]]
    scores = methods.efficacy_minmax(matrix, [1, -1])
    np.testing.assert_allclose(scores, [[20, 100], [60, 60], [100, 20]])


def test_efficacy_minmax_constant_column_puts_nobody_behind_and_missing_earns_nothing():
    matrix = [[5, 1, NAN], [5, NAN, NAN], [5, 3, NAN]]
    scores = methods.efficacy_minmax(matrix, [1, 1, -1])
    assert scores.tolist() == [[100, 20, 0], [100, 0, 0], [100, 100, 0]]


def test_efficacy_minmax_takes_low_and_span():
    scores = methods.efficacy_minmax([[0], [5], [10]], [1], low=60, span=40)
    assert scores[:, 0].tolist() == pytest.approx([60, 80, 100])


# --- Entropy weights -------------------------------------------------------------------


def _entropy_by_hand(shares_by_column):
    """Weights from explicit shares, term by term, as a textbook table computes them."""
    m = len(shares_by_column[0])
    divergences = []
    for shares in shares_by_column:
        entropy = -sum(p * math.log(p) for p in shares if p > 0) / math.log(m)
        divergences.append(1 - entropy)
    return [d / sum(divergences) for d in divergences]


def test_entropy_minmax_shifts_the_direction_aware_scale_into_0002_0996():
    matrix = [[1, 40], [2, 10], [4, 20]]  # benefit, cost

    weights = methods.entropy_weights(matrix, normalization="minmax", types=[1, -1])

    benefit = [0.002 + 0.994 * x for x in (0, 1 / 3, 1)]
    cost = [0.002 + 0.994 * x for x in (0, 1, 2 / 3)]
    expected = _entropy_by_hand([[y / sum(c) for y in c] for c in (benefit, cost)])
    assert weights.tolist() == pytest.approx(expected, abs=1e-12)


def test_entropy_normalizations_differ_on_the_same_matrix():
    matrix = [[100, 1], [101, 2], [102, 9]]
    plain = methods.entropy_weights(matrix, normalization="sum")
    shifted = methods.entropy_weights(matrix, normalization="minmax")
    # 100/101/102 are nearly equal shares but span the whole min–max range.
    assert plain[0] < 0.01
    assert shifted[0] > 0.3


def test_entropy_constant_column_weighs_nothing_and_all_constant_weigh_equally():
    weights = methods.entropy_weights([[5, 1, 0], [5, 2, 0], [5, 3, 0]])
    assert weights.tolist() == pytest.approx([0, 1, 0])
    assert methods.entropy_weights([[5, 7], [5, 7]]).tolist() == [0.5, 0.5]
    minmax = methods.entropy_weights([[5, 7], [5, 7]], normalization="minmax")
    assert minmax.tolist() == [0.5, 0.5]


def test_entropy_fills_missing_with_the_worst_reported_value():
    with_gap = methods.entropy_weights([[1.0, 10.0], [NAN, 20.0], [3.0, NAN]], types=[1, -1])
    filled = methods.entropy_weights([[1, 10], [1, 20], [3, 20]])
    assert with_gap.tolist() == pytest.approx(filled.tolist(), abs=1e-15)


def test_entropy_gives_an_empty_column_no_weight():
    weights = methods.entropy_weights([[1, NAN, 4], [2, NAN, 4], [5, NAN, 1]])
    assert weights[1] == 0
    assert weights.sum() == pytest.approx(1)
    everything_missing = methods.entropy_weights([[NAN, NAN], [NAN, NAN]])
    assert everything_missing.tolist() == [0.5, 0.5]


def test_entropy_with_one_unit_weighs_equally():
    assert methods.entropy_weights([[1, 2, 3]]).tolist() == pytest.approx([1 / 3] * 3)


def test_entropy_sum_refuses_negative_values_and_names_minmax():
    with pytest.raises(ValueError, match="minmax"):
        methods.entropy_weights([[1, -2], [3, 4]], normalization="sum")
    weights = methods.entropy_weights([[1, -2], [3, 4]], normalization="minmax")
    assert weights.sum() == pytest.approx(1)


def test_entropy_refuses_an_unknown_normalization():
    with pytest.raises(ValueError):
        methods.entropy_weights([[1], [2]], normalization="zscore")


# --- TOPSIS ----------------------------------------------------------------------------


def test_topsis_uses_weights_as_given_and_their_scale_does_not_matter():
    matrix = [[5, 8, 4], [7, 6, 8], [8, 8, 6], [7, 4, 6]]
    normalized = methods.topsis(matrix, [0.3, 0.4, 0.3], [1, 1, 1])
    scaled = methods.topsis(matrix, [3, 4, 3], [1, 1, 1])
    assert scaled.tolist() == pytest.approx(normalized.tolist(), abs=1e-15)


def test_topsis_gives_everybody_half_when_all_are_equal():
    assert methods.topsis([[3, 4], [3, 4], [3, 4]], [0.5, 0.5], [1, -1]).tolist() == [0.5] * 3
    assert methods.topsis([[3, 4]], [0.5, 0.5], [1, 1]).tolist() == [0.5]


def test_topsis_ignores_a_column_of_zeros_and_an_empty_column():
    with_zeros = methods.topsis([[1, 0, NAN], [2, 0, NAN], [3, 0, NAN]], [1, 1, 1], [1, 1, 1])
    alone = methods.topsis([[1], [2], [3]], [1], [1])
    assert with_zeros.tolist() == pytest.approx(alone.tolist())
    assert alone.tolist() == pytest.approx([0, 0.5, 1])


def test_topsis_treats_a_missing_value_as_the_worst_reported():
    missing = methods.topsis([[1.0, 9.0], [NAN, 5.0], [3.0, NAN]], [1, 1], [1, -1])
    worst = methods.topsis([[1, 9], [1, 5], [3, 9]], [1, 1], [1, -1])
    assert missing.tolist() == pytest.approx(worst.tolist())


def test_topsis_rejects_negative_weights_and_bad_types():
    with pytest.raises(ValueError):
        methods.topsis([[1, 2], [2, 1]], [1, -1], [1, 1])
    with pytest.raises(ValueError, match="types"):
        methods.topsis([[1, 2], [2, 1]], [1, 1], [1, 0])


# --- Benchmark ratio -------------------------------------------------------------------


def test_benchmark_points_divide_by_the_benchmark_and_cap_at_a_multiple_of_the_weight():
    # 亩均税收 (benefit, benchmark 20 万元/亩, weight 40) and 单位能耗增加值 used here as
    # energy per output (cost, benchmark 0.5, weight 20), capped at 1.5 × the weight.
    matrix = [[40, 0.25], [10, 1.0], [20, 0.5], [100, 0.1]]

    points = methods.benchmark_points(matrix, [20, 0.5], [40, 20], types=[1, -1], caps=1.5)

    np.testing.assert_allclose(points, [[60, 30], [20, 10], [40, 20], [60, 30]])


def test_benchmark_points_give_nothing_for_missing_losses_and_zero_consumption():
    matrix = [[NAN, 0.0], [-5.0, -1.0], [10.0, NAN]]
    points = methods.benchmark_points(matrix, [10, 1], [1, 1], types=[1, -1])
    assert points.tolist() == [[0, 0], [0, 0], [1, 0]]


def test_benchmark_points_are_uncapped_by_default():
    assert methods.benchmark_points([[50]], [10], [2]).tolist() == [[10]]


def test_benchmark_points_reject_a_benchmark_that_is_not_positive():
    with pytest.raises(ValueError, match="第 2 列的基准值"):
        methods.benchmark_points([[1, 1]], [1, 0], [1, 1])


# --- Ranks and classes -----------------------------------------------------------------


def test_competition_ranks_share_a_rank_and_skip_after_it():
    assert methods.competition_ranks([90, 95, 95, 80, 95]).tolist() == [4, 1, 1, 5, 1]


def test_competition_ranks_compare_scores_as_shown():
    scores = [88.004, 88.001, 87.996, 87.9]
    assert methods.competition_ranks(scores).tolist() == [1, 1, 1, 4]
    assert methods.competition_ranks(scores, decimals=3).tolist() == [1, 2, 3, 4]
    assert methods.competition_ranks(scores, decimals=None).tolist() == [1, 2, 3, 4]


def test_competition_ranks_put_every_missing_score_last_together():
    ranks = methods.competition_ranks([NAN, 3, np.inf, 5, NAN])
    assert ranks.tolist() == [3, 2, 3, 1, 3]
    assert ranks.dtype == np.int64
    assert methods.competition_ranks([NAN, NAN]).tolist() == [1, 1]
    assert methods.competition_ranks([]).tolist() == []


def test_classify_by_share_of_ten_gives_two_four_three_one():
    """n = 10 with 20/60/95 %: ⌊2⌋, ⌊6⌋, ⌊9.5⌋ = 9 → ranks 1–2 A, 3–6 B, 7–9 C, 10 D."""
    classes = methods.classify_by_share(np.arange(100, 90, -1))
    assert "".join(classes) == "AABBBBCCCD"


def test_classify_by_share_keeps_ties_in_the_better_class():
    scores = [90, 80, 80, 80, 70, 60, 50, 40, 30, 20]
    # Ranks 1, 2, 2, 2, 5, …: rank 2 is within the top 20 % of ten, so the three tied
    # second places are all A, four A in all (the quota yields to ties, never the reverse).
    assert "".join(methods.classify_by_share(scores)) == "AAAABBCCCD"
    assert "".join(methods.classify_by_share([7] * 10)) == "A" * 10


def test_classify_by_share_compares_scores_as_shown():
    scores = [90.001, 89.999, 50, 40, 30]
    # Both 90.00 as shown: rank 1 of 5 is within 20 %.
    assert "".join(methods.classify_by_share(scores)) == "AABCD"


def test_classify_by_share_boundaries_on_exact_shares():
    # 20 rated: ⌊4⌋, ⌊12⌋, ⌊19⌋.
    classes = methods.classify_by_share(np.arange(20, 0, -1))
    assert "".join(classes) == "A" * 4 + "B" * 8 + "C" * 7 + "D"
    # 0.29 × 100 is 28.999999999999996 in floating point: still 29.
    hundred = methods.classify_by_share(np.arange(100, 0, -1), shares=[0.29], labels="AB")
    assert "".join(hundred) == "A" * 29 + "B" * 71
    # A lone rated entity is the whole field: its rank 1 of 1 is beyond 95 %.
    assert "".join(methods.classify_by_share([1.0])) == "D"


def test_classify_by_share_bars_vetoed_from_a_and_b_without_moving_others_up():
    scores = [100, 90, 80, 70, 60, 50, 40, 30, 20, 10]
    vetoed = [True, False, False, False, False, False, False, False, True, False]

    classes = methods.classify_by_share(scores, vetoed=vetoed)

    assert "".join(classes) == "CABBBBCCCD"


def test_classify_by_share_gives_unrated_t_and_leaves_them_out_of_the_count():
    scores = [100, 95, 90, 85, 80, 75, NAN]
    rated = [True, False, True, True, True, True, False]

    classes = methods.classify_by_share(scores, rated=rated)

    # 5 rated: ⌊1⌋ A, ⌊3⌋ B, ⌊4.75⌋ = 4 C, then D.
    assert classes.tolist() == ["A", "T", "B", "B", "C", "D", "T"]


def test_classify_by_share_ranks_a_rated_entity_without_score_last():
    classes = methods.classify_by_share([NAN, 5, 4, 3, 2])
    assert classes.tolist() == ["D", "A", "B", "B", "C"]


def test_classify_by_share_takes_other_shares_and_labels():
    classes = methods.classify_by_share([4, 3, 2, 1], shares=[0.5], labels=["优", "差"])
    assert classes.tolist() == ["优", "优", "差", "差"]


@pytest.mark.parametrize(
    "arguments",
    [
        {"shares": [0.6, 0.2, 0.95]},
        {"shares": [0.2, 0.6, 1.2]},
        {"labels": ["A", "B", "C"]},
        {"vetoed_best": "E", "vetoed": [True, False, False]},
        {"rated": [True]},
    ],
)
def test_classify_by_share_rejects_inconsistent_parameters(arguments):
    with pytest.raises(ValueError):
        methods.classify_by_share([1, 2, 3], **arguments)


# --- Properties ------------------------------------------------------------------------

finite = st.floats(-1e6, 1e6, allow_nan=False, allow_subnormal=False)
whole = st.integers(-1000, 1000).map(float)
positive_whole = st.integers(1, 1000).map(float)
maybe_missing = st.one_of(finite, st.just(NAN), st.just(np.inf))


@st.composite
def matrices(draw, elements=whole, min_rows=1, max_rows=12, max_columns=6):
    rows = draw(st.integers(min_rows, max_rows))
    columns = draw(st.integers(1, max_columns))
    return draw(hnp.arrays(np.float64, (rows, columns), elements=elements))


@st.composite
def problems(draw, elements=whole, min_rows=1):
    """A matrix with weights, types and a permutation of its rows."""
    matrix = draw(matrices(elements, min_rows=min_rows))
    m, n = matrix.shape
    weights = np.array(draw(st.lists(st.integers(0, 10), min_size=n, max_size=n)), float)
    types = np.array(draw(st.lists(st.sampled_from([1, -1]), min_size=n, max_size=n)))
    order = np.array(draw(st.permutations(range(m))))
    return matrix, weights, types, order


@given(problems(elements=st.one_of(whole, st.just(NAN))))
def test_permuting_units_permutes_every_rowwise_result(problem):
    matrix, weights, types, order = problem
    targets = np.abs(matrix[0]) + 1
    benchmarks = np.abs(np.nan_to_num(matrix[0])) + 1
    rowwise = [
        lambda x: methods.ratio_points(x, targets, weights, caps=1.5),
        lambda x: methods.efficacy_minmax(x, types),
        lambda x: methods.topsis(x, weights, types),
        lambda x: methods.benchmark_points(x, benchmarks, weights, types=types, caps=2),
        lambda x: methods.competition_ranks(np.nansum(x, axis=1)),
    ]
    for method in rowwise:
        np.testing.assert_allclose(method(matrix[order]), method(matrix)[order], atol=1e-12)


@given(problems(elements=st.one_of(positive_whole, st.just(NAN))))
def test_permuting_units_leaves_entropy_weights_unchanged(problem):
    matrix, _weights, types, order = problem
    for normalization in methods.NORMALIZATIONS:
        before = methods.entropy_weights(matrix, normalization=normalization, types=types)
        after = methods.entropy_weights(matrix[order], normalization=normalization, types=types)
        np.testing.assert_allclose(after, before, atol=1e-12)


@given(
    problems(elements=st.one_of(finite, st.just(NAN))),
    st.data(),
)
def test_raising_an_actual_never_lowers_the_weighted_completion_total(problem, data):
    actual, weights, _types, _order = problem
    m, n = actual.shape
    target = np.abs(data.draw(hnp.arrays(np.float64, n, elements=finite))) + 1
    row = data.draw(st.integers(0, m - 1))
    column = data.draw(st.integers(0, n - 1))
    raised = actual.copy()
    start = 0.0 if np.isnan(actual[row, column]) else actual[row, column]
    raised[row, column] = start + data.draw(st.floats(0, 1e6))
    caps = data.draw(st.floats(1, 2))

    before = methods.ratio_points(actual, target, weights, caps=caps).sum(axis=1)
    after = methods.ratio_points(raised, target, weights, caps=caps).sum(axis=1)

    assert after[row] >= before[row]


@given(problems(elements=st.one_of(whole, st.just(NAN))), st.data())
def test_topsis_closeness_is_in_0_1_and_ignores_a_column_scale(problem, data):
    matrix, weights, types, _order = problem
    column = data.draw(st.integers(0, matrix.shape[1] - 1))
    factor = data.draw(st.floats(1e-3, 1e3))
    scaled = matrix.copy()
    scaled[:, column] *= factor

    closeness = methods.topsis(matrix, weights, types)

    assert ((closeness >= 0) & (closeness <= 1)).all()
    np.testing.assert_allclose(methods.topsis(scaled, weights, types), closeness, atol=1e-9)


@given(
    matrices(elements=st.one_of(positive_whole, st.just(0.0), st.just(NAN))),
    st.sampled_from(methods.NORMALIZATIONS),
)
def test_entropy_weights_are_non_negative_and_sum_to_one(matrix, normalization):
    weights = methods.entropy_weights(matrix, normalization=normalization)
    assert (weights >= 0).all()
    assert weights.sum() == pytest.approx(1.0)


@settings(max_examples=200)
@given(problems(elements=maybe_missing), st.data())
def test_no_method_lets_nan_or_inf_out(problem, data):
    matrix, weights, types, _order = problem
    n = matrix.shape[1]
    target = data.draw(hnp.arrays(np.float64, n, elements=maybe_missing))
    scores = matrix[:, 0]
    outputs = [
        methods.ratio_points(matrix, target, weights, caps=1.2, lower_is_better=types < 0),
        methods.capped_adjustment(matrix, 0.1, 3),
        methods.efficacy_threshold(matrix, 12, 6, clip=(0, 120)),
        methods.efficacy_threshold(matrix, 6, 12),
        methods.efficacy_minmax(matrix, types),
        methods.entropy_weights(matrix, normalization="minmax", types=types),
        methods.entropy_weights(np.abs(matrix), normalization="sum", types=types),
        methods.topsis(matrix, weights, types),
        methods.benchmark_points(matrix, np.full(n, 3.0), weights, types=types),
        methods.competition_ranks(scores),
    ]
    for output in outputs:
        assert np.isfinite(output).all()
    classes = methods.classify_by_share(scores, rated=np.isfinite(scores) | (types[0] > 0))
    assert set(classes) <= {"A", "B", "C", "D", "T"}
