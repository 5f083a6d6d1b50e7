"""Money in 万元 and periods (year, month): the helpers every report uses."""

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bipin.core.money import format_wan, to_wan
from bipin.core.periods import Period


@pytest.mark.parametrize(
    ("text", "wan"),
    [
        ("1,234.5", Decimal("1234.5")),
        ("１２３４．５", Decimal("1234.5")),  # full-width, pasted from a PDF
        (" 800万元 ", Decimal("800")),
        ("1.2亿", Decimal("12000")),
        ("3.5亿元", Decimal("35000")),
        (2500, Decimal("2500")),
        (0.1, Decimal("0.1")),
    ],
)
def test_amounts_are_read_as_office_sheets_write_them(text, wan):
    assert to_wan(text) == wan


@pytest.mark.parametrize("bad", ["", "约五千万", "12..5", None, True, "nan", "inf"])
def test_what_is_not_an_amount_is_refused(bad):
    with pytest.raises(ValueError, match="不是金额"):
        to_wan(bad)


def test_amounts_show_in_wan_below_one_yi_and_in_yi_from_it():
    assert format_wan(Decimal("5000")) == "5,000万元"
    assert format_wan(Decimal("9999.5")) == "9,999.5万元"
    assert format_wan(Decimal("10000")) == "1亿元"
    assert format_wan(Decimal("125000")) == "12.5亿元"
    assert format_wan(Decimal("300"), currency="USD") == "300万美元"
    assert format_wan(None) == "—"


@given(st.decimals(min_value=-(10**9), max_value=10**9, places=2, allow_nan=False))
def test_any_amount_reads_back_from_its_plain_text(amount):
    assert to_wan(f"{amount:,}") == amount
    assert to_wan(str(amount) + "万元") == amount


@given(st.integers(min_value=1901, max_value=9998), st.integers(min_value=1, max_value=12))
def test_periods_round_trip_and_step(year, month):
    period = Period(year, month)
    assert Period.parse(str(period)) == period
    assert period.next().previous() == period
    assert period.previous() < period < period.next()
    assert period.same_period_last_year() == Period(year - 1, month)
    assert len(period.months_of_year()) == month


@pytest.mark.parametrize("text", ["2026-10", "2026/10", "2026.10", "2026年10月", " 2026-10 "])
def test_periods_are_read_in_the_usual_spellings(text):
    assert Period.parse(text) == Period(2026, 10)


@pytest.mark.parametrize("text", ["2026-13", "2026", "十月", "2026-00"])
def test_unreadable_periods_say_how_to_write_them(text):
    with pytest.raises(ValueError):
        Period.parse(text)


def test_time_progress_is_months_over_twelve():
    assert Period(2026, 6).time_progress() == Decimal("0.5")
    assert Period(2026, 12).time_progress() == Decimal(1)
    assert Period(2026, 10).label == "2026年1-10月"
    assert Period(2026, 1).label == "2026年1月"
