"""The indicator arithmetic: growth, year-to-date, totals, time progress, completion, colours
and the number parser. Every expected figure is worked out by hand in a comment."""

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bipin.indicators.computations import (
    DEFAULT_BANDS,
    Colour,
    ColourBands,
    Completion,
    CompletionState,
    Growth,
    GrowthState,
    colour,
    completion,
    format_percent,
    growth,
    monthly_amounts,
    summable,
    time_progress,
    to_percent_number,
    total,
    year_to_date,
)

D = Decimal

# --- growth ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("current", "last_year", "percent"),
    [
        ("110", "100", "10.0000"),  # (110 / 100 − 1) × 100
        ("90", "100", "-10.0000"),  # (90 / 100 − 1) × 100
        ("100", "100", "0.0000"),
        ("2", "3", "-33.3333"),  # −33.3333…
        ("1", "3", "-66.6667"),  # −66.6666… rounds up in magnitude
        ("-50", "100", "-150.0000"),  # from a profit to a loss
        ("100.00005", "100", "0.0001"),  # 0.00005 exactly: half rounds up
        ("99.99995", "100", "-0.0001"),  # −0.00005: half rounds away from zero
        ("12345.6", "11000", "12.2327"),  # 1345.6 / 11000 = 0.1223272…
    ],
)
def test_growth_is_the_ratio_to_last_year_minus_one_in_percent(current, last_year, percent):
    result = growth(D(current), D(last_year))
    assert result == Growth(GrowthState.OK, D(percent))
    assert str(result.percent) == percent  # always four places


@pytest.mark.parametrize(
    ("current", "last_year", "state"),
    [
        (D(120), None, GrowthState.NO_BASE),
        (D(120), D(0), GrowthState.ZERO_BASE),
        (D(120), D(-40), GrowthState.NEGATIVE_BASE),
        (None, D(100), GrowthState.NO_VALUE),
        (None, None, GrowthState.NO_VALUE),
    ],
)
def test_growth_without_a_usable_base_or_value_says_why_and_has_no_percent(
    current, last_year, state
):
    result = growth(current, last_year)
    assert result.state == state
    assert result.percent is None


def test_growth_label_shows_one_decimal_or_the_reason():
    assert str(growth(D(110), D(100))) == "10.0%"
    assert growth(D("112.5"), D(100)).label == "12.5%"
    assert growth(D("89.96"), D(100)).label == "-10.0%"  # −10.04 → −10.0
    assert growth(D("99.99"), D(100)).label == "0.0%"  # −0.01 → no "-0.0%"
    assert str(growth(D(110), D(0))) == "上年同期为零"
    assert str(growth(None, D(100))) == "本期无数据"
    # A state that claims OK without a percent still shows something, never crashes.
    assert Growth(GrowthState.OK).label == "正常"


def test_format_percent_rounds_half_up_and_shows_a_dash_for_nothing():
    assert format_percent(D("83.3333")) == "83.3%"
    assert format_percent(D("0.05")) == "0.1%"
    assert format_percent(D("83.3333"), places=2) == "83.33%"
    assert format_percent(None) == "—"


# --- year-to-date and monthly amounts --------------------------------------------------


def test_year_to_date_is_the_running_total_of_the_months():
    assert year_to_date([D(100), D(200), D("50.5")]) == [D(100), D(300), D("350.5")]
    assert year_to_date([]) == []


def test_a_missing_month_leaves_its_year_to_date_and_all_later_ones_unknown():
    # Month 3 missing: 1–3月 and 1–4月 cannot be known; 300 + 50 would understate them.
    assert year_to_date([D(100), D(200), None, D(50)]) == [D(100), D(300), None, None]


def test_monthly_amounts_are_the_differences_of_year_to_date_figures():
    # 1月 800; 1–2月 1,500 → 2月 700; 1–3月 2,600 → 3月 1,100.
    assert monthly_amounts([D(800), D(1500), D(2600)]) == [D(800), D(700), D(1100)]


def test_a_month_next_to_a_missing_year_to_date_has_no_amount():
    # 2月 missing: 2月 = ytd2 − ytd1 and 3月 = ytd3 − ytd2 are both unknown; 4月 is not.
    assert monthly_amounts([D(800), None, D(2600), D(3000)]) == [D(800), None, None, D(400)]


def test_more_than_twelve_months_is_refused():
    with pytest.raises(ValueError, match="12"):
        year_to_date([D(1)] * 13)
    with pytest.raises(ValueError, match="12"):
        monthly_amounts([D(1)] * 13)


_amounts = st.decimals(min_value=-(10**9), max_value=10**9, places=4)


@given(st.lists(_amounts, max_size=12))
def test_monthly_amounts_undo_year_to_date(amounts):
    assert monthly_amounts(year_to_date(amounts)) == amounts


@given(st.lists(_amounts, max_size=12))
def test_year_to_date_undoes_monthly_amounts(ytd):
    assert year_to_date(monthly_amounts(ytd)) == ytd


@given(st.lists(st.one_of(st.none(), _amounts), max_size=12))
def test_known_year_to_date_figures_survive_a_round_trip_until_the_first_gap(ytd):
    back = year_to_date(monthly_amounts(ytd))
    first_gap = ytd.index(None) if None in ytd else len(ytd)
    assert back[:first_gap] == ytd[:first_gap]
    assert all(value is None for value in back[first_gap:])


# --- totals ----------------------------------------------------------------------------


def test_total_adds_what_is_present_and_is_none_when_nothing_is():
    assert total([D(100), None, D("2.5")]) == D("102.5")
    assert total([D(0), None]) == D(0)  # a reported zero is a total, not "no data"
    assert total([None, None]) is None
    assert total([]) is None


def test_only_amounts_are_summed_not_rates_or_growths():
    assert summable("cumulative")
    assert summable("stock")
    assert not summable("rate")
    assert not summable("growth")
    with pytest.raises(ValueError):
        summable("average")


# --- time progress ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("month", "percent"),
    [(1, "8.3333"), (6, "50.0000"), (10, "83.3333"), (11, "91.6667"), (12, "100.0000")],
)
def test_time_progress_without_phasing_is_month_over_twelve(month, percent):
    assert time_progress(month) == D(percent)


# A seasonal plan of 10,000: little in winter, most after the spring festival.
PHASING = [D(v) for v in (300, 800, 1500, 2300, 3200, 4100, 5000, 5900, 6800, 7800, 8900, 10000)]


def test_time_progress_with_phasing_is_the_planned_share_by_that_month():
    assert time_progress(10, PHASING, annual=D(10000)) == D("78.0000")  # 7,800 / 10,000
    assert time_progress(1, PHASING) == D("3.0000")  # annual defaults to the 12th: 300 / 10,000
    assert time_progress(12, PHASING) == D("100.0000")


def test_time_progress_falls_back_to_month_over_twelve_without_a_positive_annual():
    assert time_progress(10, PHASING, annual=D(0)) == D("83.3333")
    assert time_progress(10, [D(0)] * 12) == D("83.3333")


def test_a_phasing_must_have_twelve_months_and_a_month_must_exist():
    with pytest.raises(ValueError, match="12"):
        time_progress(3, PHASING[:11])
    for month in (0, 13):
        with pytest.raises(ValueError, match="月份"):
            time_progress(month)


# --- colours ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("gap", "expected"),
    [
        ("5", Colour.GREEN),
        ("0", Colour.GREEN),  # exactly on time is green
        ("-0.0001", Colour.YELLOW),
        ("-10", Colour.YELLOW),  # the yellow band includes −10
        ("-10.0001", Colour.RED),
        ("-40", Colour.RED),
    ],
)
def test_the_default_bands_are_green_from_zero_and_yellow_from_minus_ten(gap, expected):
    assert colour(D(gap)) == expected
    assert colour(D(gap), DEFAULT_BANDS) == expected


def test_custom_bands_move_the_edges():
    bands = ColourBands(green_from=D(-5), yellow_from=D(-15))
    assert colour(D(-5), bands) == Colour.GREEN
    assert colour(D("-5.0001"), bands) == Colour.YELLOW
    assert colour(D(-15), bands) == Colour.YELLOW
    assert colour(D("-15.0001"), bands) == Colour.RED


def test_equal_bands_leave_no_yellow_and_inverted_bands_are_refused():
    no_yellow = ColourBands(green_from=D(0), yellow_from=D(0))
    assert colour(D("-0.0001"), no_yellow) == Colour.RED
    with pytest.raises(ValueError, match="黄色区间"):
        ColourBands(green_from=D(-10), yellow_from=D(0))


# --- completion ------------------------------------------------------------------------


def test_a_cumulative_amount_behind_time_progress_by_under_ten_points_is_yellow():
    # 1–10月 7,500 of an annual 10,000: 75 % done against 10/12 = 83.3333 %: −8.3333 pp.
    assert completion("cumulative", "higher", D(7500), D(10000), 10) == Completion(
        CompletionState.OK,
        percent=D("75.0000"),
        time_progress=D("83.3333"),
        gap=D("-8.3333"),
        colour=Colour.YELLOW,
    )


def test_a_cumulative_amount_ahead_is_green_and_far_behind_is_red():
    # 9,000 / 10,000 = 90 %; 90 − 83.3333 = +6.6667 pp.
    ahead = completion("cumulative", "higher", D(9000), D(10000), 10)
    assert (ahead.gap, ahead.colour) == (D("6.6667"), Colour.GREEN)
    # 6,000 / 10,000 = 60 %; 60 − 83.3333 = −23.3333 pp.
    behind = completion("cumulative", "higher", D(6000), D(10000), 10)
    assert (behind.gap, behind.colour) == (D("-23.3333"), Colour.RED)


def test_under_a_ceiling_staying_below_time_progress_is_ahead():
    # Energy use capped at 10,000 tce; 7,500 used by October: 83.3333 − 75 = +8.3333 pp.
    frugal = completion("cumulative", "lower", D(7500), D(10000), 10)
    assert (frugal.percent, frugal.gap, frugal.colour) == (
        D("75.0000"),
        D("8.3333"),
        Colour.GREEN,
    )
    # 9,500 used: 83.3333 − 95 = −11.6667 pp.
    wasteful = completion("cumulative", "lower", D(9500), D(10000), 10)
    assert (wasteful.gap, wasteful.colour) == (D("-11.6667"), Colour.RED)


def test_completion_measures_against_the_phasing_when_there_is_one():
    # The plan puts 7,800 of 10,000 by October (78 %); 7,500 done = 75 %: −3 pp.
    result = completion("cumulative", "higher", D(7500), D(10000), 10, PHASING)
    assert (result.time_progress, result.gap, result.colour) == (
        D("78.0000"),
        D("-3.0000"),
        Colour.YELLOW,
    )


def test_a_stock_is_measured_like_an_amount():
    # 45 enterprises above designated size of a target of 50 at June: 90 % − 50 % = +40 pp.
    result = completion("stock", "higher", D(45), D(50), 6)
    assert (result.percent, result.time_progress, result.gap, result.colour) == (
        D("90.0000"),
        D("50.0000"),
        D("40.0000"),
        Colour.GREEN,
    )


@pytest.mark.parametrize(
    ("actual", "gap", "expected"),
    [
        ("5000", "0.0000", Colour.GREEN),  # 50 % − 50 % = 0
        ("4000", "-10.0000", Colour.YELLOW),  # 40 % − 50 % = −10
        ("3999.99", "-10.0001", Colour.RED),  # 39.9999 % − 50 % = −10.0001
    ],
)
def test_completion_colours_at_the_band_edges(actual, gap, expected):
    result = completion("cumulative", "higher", D(actual), D(10000), 6)
    assert (result.gap, result.colour) == (D(gap), expected)


def test_completion_takes_custom_bands():
    # −8.3333 pp is yellow by default, green when green starts at −10.
    bands = ColourBands(green_from=D(-10), yellow_from=D(-20))
    result = completion("cumulative", "higher", D(7500), D(10000), 10, bands=bands)
    assert result.colour == Colour.GREEN


def test_the_gap_is_computed_from_the_rounded_figures_so_they_add_up():
    # 0.005 of 10,000 in January: 0.00005 % done, shown 0.0001; time progress 8.3333…,
    # shown 8.3333. Unrounded the gap would be −8.33328… → −8.3333; the page shows
    # 0.0001 − 8.3333 = −8.3332, and so does the gap.
    result = completion("cumulative", "higher", D("0.005"), D(10000), 1)
    assert (result.percent, result.time_progress) == (D("0.0001"), D("8.3333"))
    assert result.gap == D("-8.3332")


@pytest.mark.parametrize(
    ("kind", "direction", "actual", "target", "gap", "expected"),
    [
        # 开工率 60 % against a target of 80 %: 20 points short.
        ("rate", "higher", "60", "80", "-20.0000", Colour.RED),
        # Growth 6 % against 8 %: 2 points short, not "75 % done".
        ("growth", "higher", "6", "8", "-2.0000", Colour.YELLOW),
        ("growth", "higher", "12.5", "8", "4.5000", Colour.GREEN),
        # Energy intensity to fall by 3 % (−3, lower is better); it fell 2.5 %: 0.5 short.
        ("growth", "lower", "-2.5", "-3", "-0.5000", Colour.YELLOW),
        # A vacancy rate capped at 5 %; 3.2 %: 1.8 points of room.
        ("rate", "lower", "3.2", "5", "1.8000", Colour.GREEN),
        # A target of 0 % growth is a level like any other.
        ("growth", "higher", "-1.2", "0", "-1.2000", Colour.YELLOW),
    ],
)
def test_rates_and_growths_are_measured_in_points_against_the_target(
    kind, direction, actual, target, gap, expected
):
    result = completion(kind, direction, D(actual), D(target), 10)
    assert result == Completion(CompletionState.OK, gap=D(gap), colour=expected)


@pytest.mark.parametrize(
    ("kind", "actual", "target", "state"),
    [
        ("cumulative", D(100), None, CompletionState.NO_TARGET),
        ("cumulative", D(100), D(0), CompletionState.ZERO_TARGET),
        ("stock", D(100), D(-50), CompletionState.NOT_APPLICABLE),
        ("growth", D(5), None, CompletionState.NO_TARGET),
        ("rate", None, D(80), CompletionState.NO_VALUE),
        ("cumulative", None, None, CompletionState.NO_TARGET),
    ],
)
def test_completion_without_a_usable_target_or_value_has_no_figures(kind, actual, target, state):
    result = completion(kind, "higher", actual, target, 10)
    assert result == Completion(state)


def test_a_missing_value_still_shows_the_time_progress_it_is_measured_against():
    result = completion("cumulative", "higher", None, D(10000), 10)
    assert result == Completion(CompletionState.NO_VALUE, time_progress=D("83.3333"))


def test_completion_refuses_an_unknown_kind_direction_or_month():
    with pytest.raises(ValueError):
        completion("average", "higher", D(1), D(2), 10)
    with pytest.raises(ValueError):
        completion("cumulative", "sideways", D(1), D(2), 10)
    with pytest.raises(ValueError, match="月份"):
        completion("rate", "higher", D(1), D(2), 13)


# --- reading numbers -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "number"),
    [
        (12.5, "12.5"),
        (0.1, "0.1"),  # the float's shortest repr, not 0.1000000000000000055…
        (7, "7"),
        (D("1.50"), "1.50"),
        ("12.5", "12.5"),
        ("12.5%", "12.5"),
        ("12.5 %", "12.5"),
        ("１２．５", "12.5"),  # full-width, pasted from a PDF
        ("１２．５％", "12.5"),
        (" -3.2 ", "-3.2"),
        ("−3.2", "-3.2"),  # U+2212 MINUS SIGN
        ("－3.2", "-3.2"),  # full-width hyphen-minus
        ("+3", "3"),
        ("1,234.5", "1234.5"),
        ("1，234．5", "1234.5"),  # full-width comma too
        ("1,234,567", "1234567"),
        (".5", "0.5"),
        ("1.2E+5", "120000"),  # as Excel shows a large number
        ("0", "0"),
    ],
)
def test_numbers_are_read_as_clerks_and_bureaus_write_them(value, number):
    assert to_percent_number(value) == D(number)
    assert to_percent_number(value, allow_blank=True) == D(number)


@pytest.mark.parametrize(
    "value",
    [
        "abc",
        "12.5.3",
        "NaN",
        "nan",
        "inf",
        "Infinity",
        "1,2,3",  # not thousands
        "12,34.5",
        "1_000",  # Python's digit separator is not a clerk's
        "%",
        "12%%",
        "%12",
        "12.5个百分点",
        "٣",  # an Arabic-Indic digit: NFKC keeps it, we refuse it
        "(3.2)",
    ],
)
def test_text_that_is_not_a_number_is_refused_with_the_text_named(value):
    with pytest.raises(ValueError, match="无法识别的数值") as refused:
        to_percent_number(value, allow_blank=True)
    assert value in str(refused.value)


@pytest.mark.parametrize(
    "value", [True, False, float("nan"), float("inf"), D("NaN"), D("-Infinity"), [12]]
)
def test_values_that_are_not_finite_numbers_are_refused(value):
    with pytest.raises(ValueError, match="数值"):
        to_percent_number(value)


@pytest.mark.parametrize("blank", [None, "", "  ", "—", "——", "-", "－", "/", "／", " — "])
def test_a_blank_or_a_dash_is_no_value_only_when_blanks_are_allowed(blank):
    assert to_percent_number(blank, allow_blank=True) is None
    with pytest.raises(ValueError, match="缺少数值"):
        to_percent_number(blank)


def test_a_refused_dash_says_it_means_no_value():
    with pytest.raises(ValueError, match="“—”表示无数据"):
        to_percent_number("—")


_FULL_WIDTH = str.maketrans({chr(code): chr(code + 0xFEE0) for code in range(0x21, 0x7F)})


@given(st.decimals(allow_nan=False, allow_infinity=False))
def test_any_decimal_written_as_text_reads_back_equal(number):
    text = str(number)
    for written in (
        text,
        text + "%",
        text.translate(_FULL_WIDTH),  # "－１．２Ｅ＋５"
        text.translate(_FULL_WIDTH) + "％",
        text.replace("-", "−"),
        f"  {text} % ",
    ):
        assert to_percent_number(written) == number


@given(st.decimals(min_value=-(10**12), max_value=10**12, places=6))
def test_any_decimal_with_thousands_separators_reads_back_equal(number):
    assert to_percent_number(f"{number:,}") == number
    assert to_percent_number(f"{number:,}%".translate(_FULL_WIDTH)) == number


@given(st.floats(allow_nan=False, allow_infinity=False))
def test_an_excel_float_reads_as_the_number_the_sheet_showed(number):
    read = to_percent_number(number)
    assert float(read) == number
    assert read == to_percent_number(repr(number))  # the cell and its text agree
