"""The high-quality development index (高质量发展指数): entropy weights and TOPSIS over the
month's approved values, checked against the formulas computed here with plain numpy.

The hand-built case is the `competition` fixture's three towns of September 2026 on three
indicators, one of them lower-is-better (an energy intensity added here):

            固定资产投资 (↑)   地区生产总值增速 (↑)   单位GDP能耗 (↓)
锦城街道     900                8.0                   0.52
於潜镇       750                6.0                   0.48
太湖源镇     300                5.0                   0.61
"""

from decimal import Decimal
from typing import Any

import numpy as np
import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from bipin.indicators.actions import do_save_indicator
from bipin.indicators.choices import Direction, IndicatorKind, ValueStatus
from bipin.indicators.models import Indicator
from bipin.scoring.choices import Normalization
from bipin.scoring.development import check_index_access, development_index
from bipin.scoring.tests.conftest import SEPTEMBER, Competition, put_value

TYPES = np.array([1.0, 1.0, -1.0])
MATRIX = np.array([[900.0, 8.0, 0.52], [750.0, 6.0, 0.48], [300.0, 5.0, 0.61]])


def entropy_by_formula(x: np.ndarray, normalization: str, types: np.ndarray) -> np.ndarray:
    """Hwang & Yoon's entropy weights: p_ij the shares, e_j = −Σ p ln p / ln m,
    w_j = (1 − e_j) / Σ (1 − e_k); "minmax" shares from the direction-aware min–max value
    shifted into [0.002, 0.996]."""
    m = x.shape[0]
    if normalization == "sum":
        p = x / x.sum(axis=0)
    else:
        low, high = x.min(axis=0), x.max(axis=0)
        scaled = np.where(types > 0, (x - low) / (high - low), (high - x) / (high - low))
        shifted = 0.002 + 0.994 * scaled
        p = shifted / shifted.sum(axis=0)
    entropy = -(p * np.log(p)).sum(axis=0) / np.log(m)
    return (1 - entropy) / (1 - entropy).sum()


def closeness_by_formula(x: np.ndarray, weights: np.ndarray, types: np.ndarray) -> np.ndarray:
    """TOPSIS: vector normalisation, weighted, Euclidean distances to the ideal and the
    anti-ideal, C = D⁻ / (D⁺ + D⁻)."""
    v = x / np.sqrt((x**2).sum(axis=0)) * weights
    ideal = np.where(types > 0, v.max(axis=0), v.min(axis=0))
    anti = np.where(types > 0, v.min(axis=0), v.max(axis=0))
    to_ideal = np.sqrt(((v - ideal) ** 2).sum(axis=1))
    to_anti = np.sqrt(((v - anti) ** 2).sum(axis=1))
    return to_anti / (to_ideal + to_anti)


@pytest.fixture
def energy(competition: Competition) -> Indicator:
    """单位GDP能耗: lower is better."""
    indicator = do_save_indicator(
        None,
        actor=competition.district.supervisor,
        reason="测试指标",
        code="ENERGY",
        name="单位GDP能耗",
        unit_of_measure="吨标煤/万元",
        kind=IndicatorKind.RATE,
        direction=Direction.LOWER,
        decimals=2,
    )
    for short_name, amount in (("锦城", "0.52"), ("於潜", "0.48"), ("太湖源", "0.61")):
        put_value(indicator, competition.units[short_name], amount)
    return indicator


def _units(competition: Competition) -> list[Any]:
    return [competition.units[name] for name in ("锦城", "於潜", "太湖源")]


def _by_unit(result: Any) -> dict[str, Any]:
    return {row.unit.short_name: row for row in result.results}


@pytest.mark.parametrize("normalization", ["sum", "minmax"])
def test_weights_and_closeness_follow_the_formulas(
    competition: Competition, energy: Indicator, normalization: str
) -> None:
    catalogue = competition.catalogue
    result = development_index(
        _units(competition),
        [catalogue.fai, catalogue.gdp_growth, energy],
        SEPTEMBER,
        normalization=normalization,
    )

    weights = entropy_by_formula(MATRIX, normalization, TYPES)
    other = entropy_by_formula(MATRIX, "minmax" if normalization == "sum" else "sum", TYPES)
    assert [row.weight for row in result.indicators] == pytest.approx(weights, abs=1e-12)
    assert [row.other_weight for row in result.indicators] == pytest.approx(other, abs=1e-12)
    assert [row.direction for row in result.indicators] == [1, 1, -1]
    closeness = closeness_by_formula(MATRIX, weights, TYPES)
    rows = _by_unit(result)
    for position, name in enumerate(("锦城", "於潜", "太湖源")):
        assert rows[name].closeness == pytest.approx(closeness[position], abs=1e-12)
        assert rows[name].index == Decimal(f"{closeness[position] * 100:.2f}")
    assert [row.unit.short_name for row in result.results] == ["锦城", "於潜", "太湖源"]
    assert [row.rank for row in result.results] == [1, 2, 3]
    assert result.normalization == normalization
    assert result.other_normalization != normalization
    assert result.missing_count == 0 and result.value_count == 9


def test_the_two_normalisations_weigh_the_same_data_very_differently(
    competition: Competition, energy: Indicator
) -> None:
    catalogue = competition.catalogue
    indicators = [catalogue.fai, catalogue.gdp_growth, energy]
    by_sum = development_index(_units(competition), indicators, SEPTEMBER, normalization="sum")
    by_minmax = development_index(
        _units(competition), indicators, SEPTEMBER, normalization=Normalization.MINMAX
    )
    # 比重法 gives investment 0.78; 极差法 spreads the weight almost evenly (0.30/0.39/0.31).
    assert by_sum.indicators[0].weight == pytest.approx(0.7813, abs=1e-4)
    assert by_minmax.indicators[0].weight == pytest.approx(0.3027, abs=1e-4)
    assert [row.other_weight for row in by_sum.indicators] == pytest.approx(
        [row.weight for row in by_minmax.indicators]
    )
    assert sum(row.weight for row in by_sum.indicators) == pytest.approx(1.0)


def test_a_missing_value_counts_as_the_worst_reported_and_the_result_says_so(
    competition: Competition, energy: Indicator
) -> None:
    """太湖源 has no approved 引进市外内资 (the fixture); here 於潜's energy is only
    submitted, so it is missing too: higher-is-better fills with the lowest reported value
    (600), lower-is-better with the highest (0.61)."""
    catalogue = competition.catalogue
    energy.values.filter(unit=competition.units["於潜"]).update(
        amount=Decimal("0.10"), status=ValueStatus.SUBMITTED
    )
    result = development_index(
        _units(competition), [catalogue.outside, energy], SEPTEMBER, normalization="sum"
    )

    outside, energy_row = result.indicators
    assert (outside.reported, outside.fill) == (2, 600.0)
    assert (energy_row.reported, energy_row.fill) == (2, 0.61)
    rows = _by_unit(result)
    cell = rows["太湖源"].cells[0]
    assert (cell.amount, cell.used, cell.missing, cell.filled) == (None, 600.0, True, True)
    assert rows["於潜"].cells[1].filled and rows["於潜"].cells[1].used == 0.61
    assert rows["锦城"].cells[0].amount == Decimal("600") and not rows["锦城"].cells[0].filled
    assert result.missing_count == 2
    assert rows["太湖源"].missing_count == 1

    filled = np.array([[600.0, 0.52], [750.0, 0.61], [600.0, 0.61]])
    types = np.array([1.0, -1.0])
    weights = entropy_by_formula(filled, "sum", types)
    assert [row.weight for row in result.indicators] == pytest.approx(weights)
    closeness = closeness_by_formula(filled, weights, types)
    assert [rows[name].closeness for name in ("锦城", "於潜", "太湖源")] == pytest.approx(closeness)


def test_an_indicator_nobody_reported_weighs_nothing(competition: Competition) -> None:
    catalogue = competition.catalogue
    result = development_index(
        _units(competition),
        [catalogue.fai, catalogue.gdp_growth, catalogue.fai_growth],
        SEPTEMBER,
        normalization="minmax",
    )
    empty = result.indicators[2]
    assert (empty.empty, empty.weight, empty.fill) == (True, 0.0, None)
    assert all(row.cells[2].used is None and not row.cells[2].filled for row in result.results)
    weights = entropy_by_formula(MATRIX[:, :2], "minmax", TYPES[:2])
    assert [row.weight for row in result.indicators[:2]] == pytest.approx(weights)


def test_equal_units_share_a_rank_and_the_order_of_units_does_not_matter(
    competition: Competition,
) -> None:
    catalogue = competition.catalogue
    indicators = [catalogue.start_rate]  # 锦城 and 於潜 both 90.0, 太湖源 60.0
    forward = development_index(_units(competition), indicators, SEPTEMBER)
    backward = development_index(list(reversed(_units(competition))), indicators, SEPTEMBER)
    for result in (forward, backward):
        ranks = {row.unit.short_name: row.rank for row in result.results}
        assert ranks == {"锦城": 1, "於潜": 1, "太湖源": 3}
    assert {row.unit.pk: row.closeness for row in forward.results} == pytest.approx(
        {row.unit.pk: row.closeness for row in backward.results}
    )


def test_too_few_units_or_no_indicator_is_refused_with_a_message(
    competition: Competition,
) -> None:
    catalogue = competition.catalogue
    town = competition.units["锦城"]
    with pytest.raises(ValidationError) as error:
        development_index([town, town], [catalogue.fai], SEPTEMBER)
    assert error.value.messages == ["高质量发展指数至少需要两个单位：只有一个单位无从比较。"]
    with pytest.raises(ValidationError) as error:
        development_index(_units(competition), [], SEPTEMBER)
    assert error.value.messages == ["请至少选择一个指标。"]
    with pytest.raises(ValidationError) as error:
        development_index(_units(competition), [catalogue.fai], SEPTEMBER, normalization="zscore")
    assert error.value.code == "normalization"


def test_a_negative_value_under_the_sum_normalisation_is_refused_naming_it(
    competition: Competition,
) -> None:
    catalogue = competition.catalogue
    catalogue.gdp_growth.values.filter(unit=competition.town_c).update(amount=Decimal("-2.5"))
    indicators = [catalogue.fai, catalogue.gdp_growth]
    with pytest.raises(ValidationError) as error:
        development_index(_units(competition), indicators, SEPTEMBER, normalization="sum")
    assert error.value.code == "negative"
    assert error.value.messages == [
        "“地区生产总值增速”有负值（太湖源镇：-2.5），比重法要求数值不小于 0。请改用极差法。"
    ]
    result = development_index(_units(competition), indicators, SEPTEMBER, normalization="minmax")
    assert result.other_error.startswith("“地区生产总值增速”有负值")
    assert all(row.other_weight is None for row in result.indicators)


def test_the_values_are_read_in_one_query_whatever_the_number_of_units(
    competition: Competition, energy: Indicator, django_assert_num_queries: Any
) -> None:
    catalogue = competition.catalogue
    units = _units(competition)
    indicators = [catalogue.fai, catalogue.gdp_growth, energy]
    with django_assert_num_queries(1):
        development_index(units[:2], indicators, SEPTEMBER)
    with django_assert_num_queries(1):
        development_index(units, indicators, SEPTEMBER)


def test_only_those_who_read_every_units_values_may_index(competition: Competition) -> None:
    district = competition.district
    for user in (district.supervisor, district.leader):
        check_index_access(user)
    for user in (
        district.clerk_a, district.manager_a, district.clerk_b, district.provider, district.viewer,
    ):  # fmt: skip
        with pytest.raises(PermissionDenied, match="只有督查室和区领导可以使用"):
            check_index_access(user)
