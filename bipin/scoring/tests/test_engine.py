"""Scoring a scheme for a month: the hand-worked board of conftest.py."""

from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bipin.core.periods import Period
from bipin.indicators.actions import do_save_indicator
from bipin.indicators.choices import Colour, Direction
from bipin.indicators.models import Target, Value
from bipin.scoring.actions import ItemSpec, do_save_scheme
from bipin.scoring.choices import Basis, EfficacyForm, ItemState
from bipin.scoring.engine import Board, score_scheme
from bipin.scoring.models import Scheme
from bipin.scoring.tests.conftest import EXPECTED_TOTALS, SEPTEMBER, Competition, put_value


@pytest.mark.django_db
def test_the_board_is_the_hand_worked_one(competition: Competition) -> None:
    board = score_scheme(competition.scheme, SEPTEMBER)
    totals = {result.unit.short_name: result.total for result in board.results}
    assert totals == EXPECTED_TOTALS
    assert [result.unit.short_name for result in board.results] == ["锦城", "於潜", "太湖源"]
    assert [result.rank for result in board.results] == [1, 2, 3]
    for result in board.results:
        assert result.total == sum(line.points for line in result.lines)
    assert board.missing_count == 1  # 太湖源's 引进市外内资
    jincheng = board.results[0]
    assert [line.points for line in jincheng.lines] == [
        Decimal("48.00"), Decimal("16.00"), Decimal("20.00"), Decimal("20.00"),
        Decimal("1.00"), Decimal("-0.20"),
    ]  # fmt: skip


def _scheme(competition: Competition, *items: ItemSpec) -> Scheme:
    return do_save_scheme(
        Scheme(group=competition.district.group, name="单项方案"),
        items=list(items),
        adjustments=[],
        actor=competition.district.supervisor,
    )


def _points(board: Board) -> dict[str, Decimal]:
    return {result.unit.short_name: result.total for result in board.results}


@pytest.mark.django_db
class TestBases:
    def test_growth_is_scored_against_the_same_month_last_year_across_the_group(
        self, competition: Competition
    ) -> None:
        catalogue, units = competition.catalogue, competition.units
        last_year = Period(2025, 9)
        # FAI growth: 锦城 900/750 − 1 = 20 %, 於潜 750/750 = 0 %, 太湖源 300/250 = 20 %.
        for short_name, amount in (("锦城", "750"), ("於潜", "750"), ("太湖源", "250")):
            put_value(catalogue.fai, units[short_name], amount, last_year)
        scheme = _scheme(competition, ItemSpec(catalogue.fai, Decimal(10), Basis.GROWTH))
        board = score_scheme(scheme, SEPTEMBER)
        assert _points(board) == {"锦城": Decimal(10), "太湖源": Decimal(10), "於潜": Decimal(2)}
        line = board.results[0].lines[0]
        assert line.growth == Decimal("20.0000") and line.measure == Decimal("20.0000")
        assert [result.rank for result in board.results] == [1, 1, 3]

    def test_the_threshold_form_gives_60_at_the_not_allowed_value_and_100_at_the_satisfactory(
        self, competition: Competition
    ) -> None:
        catalogue = competition.catalogue
        scheme = _scheme(
            competition,
            ItemSpec(
                catalogue.gdp_growth,
                Decimal(10),
                Basis.LEVEL,
                efficacy_form=EfficacyForm.THRESHOLD,
                satisfactory=Decimal(8),
                not_allowed=Decimal(5),
                cap=Decimal(1),
            ),
        )
        # d = 60 + 40 × (x − 5)/(8 − 5): 8 → 100; 6 → 73.33; 5 → 60; × 10 points / 100.
        assert _points(score_scheme(scheme, SEPTEMBER)) == {
            "锦城": Decimal("10.00"),
            "於潜": Decimal("7.33"),
            "太湖源": Decimal("6.00"),
        }

    def test_a_lower_is_better_amount_earns_more_the_less_it_is(
        self, competition: Competition
    ) -> None:
        catalogue = competition.catalogue
        do_save_indicator(
            catalogue.new_above, actor=competition.district.supervisor, direction=Direction.LOWER
        )
        for unit in competition.units.values():
            Target.objects.create(indicator=catalogue.new_above, unit=unit, year=2026, amount=4)
        scheme = _scheme(
            competition,
            ItemSpec(catalogue.new_above, Decimal(10), Basis.COMPLETION, cap=Decimal(2)),
        )
        # Target to date 4 × 75 % = 3: 1 → 3/1 = 3 capped at 2 → 20; 0 → nothing to divide
        # by, so the cap (0 used of a ceiling); 3 → 1.0 → 10.
        totals = _points(score_scheme(scheme, SEPTEMBER))
        assert totals["锦城"] == Decimal(20) and totals["太湖源"] == Decimal(10)
        assert totals["於潜"] == Decimal(20)

    def test_an_item_without_a_target_earns_nothing_and_says_so(
        self, competition: Competition
    ) -> None:
        Target.objects.filter(unit=competition.district.town_a).delete()
        board = score_scheme(competition.scheme, SEPTEMBER)
        jincheng = next(r for r in board.results if r.unit == competition.district.town_a)
        assert [line.state for line in jincheng.lines[:2]] == [ItemState.NO_TARGET] * 2
        assert jincheng.total == EXPECTED_TOTALS["锦城"] - Decimal(48) - Decimal(16)

    def test_the_colour_follows_the_weighted_time_progress_gap(
        self, competition: Competition
    ) -> None:
        board = score_scheme(competition.scheme, SEPTEMBER)
        by_unit = {result.unit.short_name: result for result in board.results}
        # 锦城: FAI 90 − 75 = +15 (40), OUTSIDE 60 − 75 = −15 (20) → (600 − 300)/60 = +5.
        assert by_unit["锦城"].gap == Decimal(5) and by_unit["锦城"].colour == Colour.GREEN
        # 於潜: 0 and 0 → green; 太湖源: FAI 30 − 75 = −45 only (OUTSIDE has no value).
        assert by_unit["於潜"].colour == Colour.GREEN
        assert by_unit["太湖源"].gap == Decimal(-45) and by_unit["太湖源"].colour == Colour.RED


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(raise_by=st.integers(min_value=1, max_value=5000))
@pytest.mark.django_db
def test_raising_a_value_never_lowers_the_units_score(
    competition: Competition, raise_by: int
) -> None:
    """Property: more of a higher-is-better amount never costs a unit points."""
    before = score_scheme(competition.scheme, SEPTEMBER)
    unit = competition.town_c
    value = Value.objects.get(unit=unit, indicator=competition.catalogue.fai)
    Value.objects.filter(pk=value.pk).update(amount=value.amount + raise_by)
    try:
        after = score_scheme(competition.scheme, SEPTEMBER)
    finally:
        Value.objects.filter(pk=value.pk).update(amount=value.amount)
    total = {r.unit.pk: r.total for r in after.results}
    assert total[unit.pk] >= {r.unit.pk: r.total for r in before.results}[unit.pk]
