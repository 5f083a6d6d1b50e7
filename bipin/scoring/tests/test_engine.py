"""Scoring a scheme for a month: the hand-worked board of conftest.py."""

from decimal import Decimal

import pytest

from bipin.scoring.engine import score_scheme
from bipin.scoring.tests.conftest import EXPECTED_TOTALS, SEPTEMBER, Competition


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
