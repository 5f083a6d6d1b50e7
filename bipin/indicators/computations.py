"""The arithmetic of indicators: growth, year-to-date, totals, time progress, completion,
colours, and the one number parser of the value import and the entry grid.

Pure functions over Decimals: nothing here touches the database, so the models, the alert
rules, the scoring and the bulletins all compute the same figure the same way. The rules
are DESIGN.md's "Domain rules": periods are (year, month), cumulative indicators are
year-to-date (1–N月累计), growth is against the same period last year, time progress
(序时进度) at month n is n/12 unless the indicator carries its own monthly phasing, the gap
is completion − time progress in percentage points, and the colour bands are configurable.

Every percentage taken or returned is in per cent (12.5 means 12.5 %), as a Decimal
quantized to 4 decimal places with ROUND_HALF_UP; never a float, never inf or NaN. A figure
that cannot be computed is None, with a state saying why (上年同期为零, 无目标 ...), so a
page shows the reason instead of a wrong number or a crash.
"""

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, getcontext, localcontext
from typing import Literal, overload

from django.utils.translation import gettext as _

from bipin.indicators.choices import Colour, CompletionState, Direction, GrowthState, IndicatorKind

#: Percentages and gaps are kept to 4 decimal places (0.0001 pp).
PLACES = Decimal("0.0001")
_HUNDRED = Decimal(100)
_MONTHS = 12


def _quantize(value: Decimal) -> Decimal:
    """value to 4 decimal places, ROUND_HALF_UP, however large it is (quantize raises when
    the result needs more digits than the context's precision)."""
    if value.adjusted() + 8 <= getcontext().prec:  # the common case, without a new context
        return value.quantize(PLACES, rounding=ROUND_HALF_UP)
    with localcontext() as context:
        context.prec = max(context.prec, value.adjusted() + 8)
        return value.quantize(PLACES, rounding=ROUND_HALF_UP)


def format_percent(percent: Decimal | None, places: int = 1) -> str:
    """A percentage as a page shows it: "12.5%", "-10.0%", or "—" when there is none.

    One decimal by default, as the statistics bureau publishes growth rates (增长12.5%).
    """
    if percent is None:
        return "—"
    rounded = percent.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    if rounded == 0:
        rounded = abs(rounded)  # no "-0.0%" for a tiny decline
    return f"{rounded:f}%"


def _check_month(month: int) -> None:
    if not 1 <= month <= _MONTHS:
        raise ValueError(_("月份必须在 1 到 12 之间：%(month)s") % {"month": month})


# --- Growth (增速) ---------------------------------------------------------------------


@dataclass(frozen=True)
class Growth:
    """A growth rate against the same period last year, or the reason there is none."""

    state: GrowthState
    #: Per cent, 4 decimal places; None unless state is OK.
    percent: Decimal | None = None

    @property
    def label(self) -> str:
        """ "12.5%" when computed, otherwise the state's label (上年同期为零 ...)."""
        if self.state == GrowthState.OK and self.percent is not None:
            return format_percent(self.percent)
        return str(self.state.label)

    def __str__(self) -> str:
        return self.label


def growth(current: Decimal | None, last_year: Decimal | None) -> Growth:
    """The growth of current over the same period last year, in per cent.

    增长速度 = (报告期水平 / 基期水平 − 1) × 100% (国家统计局, 统计指标解释); for a
    cumulative indicator both are year-to-date figures of the same months (DESIGN.md:
    cum_t / cum_{t−1y} − 1). Computed as (current − last_year) × 100 / last_year, the
    same formula with a single rounding step, then quantized to 4 places.

    current missing → NO_VALUE (checked first: there is nothing to show at all);
    last_year missing → NO_BASE, zero → ZERO_BASE (no division), negative →
    NEGATIVE_BASE (meaningless as a percentage).
    """
    if current is None:
        return Growth(GrowthState.NO_VALUE)
    if last_year is None:
        return Growth(GrowthState.NO_BASE)
    if last_year == 0:
        return Growth(GrowthState.ZERO_BASE)
    if last_year < 0:
        return Growth(GrowthState.NEGATIVE_BASE)
    return Growth(GrowthState.OK, _quantize((current - last_year) * _HUNDRED / last_year))


# --- Year-to-date and monthly amounts --------------------------------------------------


def year_to_date(monthly_amounts: Sequence[Decimal | None]) -> list[Decimal | None]:
    """The running total (1–N月累计) of month amounts, month 1 first.

    ytd_n = amount_1 + … + amount_n. A missing month makes its own year-to-date and every
    later one None: a year-to-date figure that silently skips a month would be too low and
    look like a real shortfall. At most 12 months.
    """
    if len(monthly_amounts) > _MONTHS:
        raise ValueError(_("一年最多 12 个月，收到 %(count)s 个") % {"count": len(monthly_amounts)})
    running: Decimal | None = Decimal(0)
    totals: list[Decimal | None] = []
    for amount in monthly_amounts:
        running = None if running is None or amount is None else running + amount
        totals.append(running)
    return totals


def monthly_amounts(ytd_series: Sequence[Decimal | None]) -> list[Decimal | None]:
    """Each month's own amount from year-to-date figures, the inverse of year_to_date.

    amount_1 = ytd_1; amount_n = ytd_n − ytd_{n−1}; None where either is missing. This is
    the unit's monthly profile (the alert rules project the year end from it). At most 12.
    """
    if len(ytd_series) > _MONTHS:
        raise ValueError(_("一年最多 12 个月，收到 %(count)s 个") % {"count": len(ytd_series)})
    amounts: list[Decimal | None] = []
    previous: Decimal | None = Decimal(0)
    for ytd in ytd_series:
        amounts.append(None if ytd is None or previous is None else ytd - previous)
        previous = ytd
    return amounts


# --- Totals ----------------------------------------------------------------------------


def summable(kind: str) -> bool:
    """Whether the district's 合计 of an indicator is the sum of its units' values.

    Cumulative and stock amounts add up; rates and growths do not (the district's growth is
    the growth of its total, not the sum of its towns' growths). Raises ValueError for an
    unknown kind.
    """
    return IndicatorKind(kind) in (IndicatorKind.CUMULATIVE, IndicatorKind.STOCK)


def total(values: Iterable[Decimal | None]) -> Decimal | None:
    """The sum of the values that are present, or None if none is (合计 of the units that
    reported; whether every unit has reported is the submission list's business)."""
    present = [value for value in values if value is not None]
    return sum(present, Decimal(0)) if present else None


# --- Time progress (序时进度) ------------------------------------------------------------


def time_progress(
    month: int, phasing: Sequence[Decimal] | None = None, annual: Decimal | None = None
) -> Decimal:
    """序时进度 at the end of month n, in per cent, 4 decimal places.

    Without a phasing: n / 12 × 100 (DESIGN.md). With a phasing (12 cumulative planned
    amounts, the amount planned by the end of months 1..12): phasing[n−1] / annual × 100,
    annual defaulting to phasing[11] (the model keeps it equal to the annual target). If
    annual is not > 0 the phasing cannot be read as a share, and the result falls back to
    n / 12. A phasing that is not 12 amounts long is a defect and raises ValueError.
    """
    _check_month(month)
    if phasing is not None:
        if len(phasing) != _MONTHS:
            raise ValueError(
                _("月度分解必须有 12 个月的累计计划数，收到 %(count)s 个") % {"count": len(phasing)}
            )
        if annual is None:
            annual = phasing[-1]
        if annual > 0:
            return _quantize(phasing[month - 1] * _HUNDRED / annual)
    return _EVEN_PROGRESS[month - 1]


#: n / 12 × 100 for n = 1..12, computed once (a scoring run asks for it 90,000 times).
_EVEN_PROGRESS = tuple(_quantize(Decimal(month) * _HUNDRED / _MONTHS) for month in range(1, 13))


# --- Colours ---------------------------------------------------------------------------


@dataclass(frozen=True)
class ColourBands:
    """Where green and yellow start, in percentage points of gap.

    DESIGN.md: "green when the gap ≥ 0, yellow when −10 ≤ gap < 0 pp, red below; bands
    are configurable". The rule that a red turns yellow only when the shortfall is made up
    is the alert rules' business (it needs the previous colour), not this one's.
    """

    green_from: Decimal = Decimal(0)
    yellow_from: Decimal = Decimal(-10)

    def __post_init__(self) -> None:
        if self.yellow_from > self.green_from:
            raise ValueError(
                _("黄色区间的下限（%(yellow)s）不能高于绿色区间的下限（%(green)s）")
                % {"yellow": self.yellow_from, "green": self.green_from}
            )


DEFAULT_BANDS = ColourBands()


def colour(gap: Decimal, bands: ColourBands = DEFAULT_BANDS) -> Colour:
    """green when gap ≥ green_from; yellow when yellow_from ≤ gap < green_from; red below."""
    if gap >= bands.green_from:
        return Colour.GREEN
    if gap >= bands.yellow_from:
        return Colour.YELLOW
    return Colour.RED


# --- Completion (完成率) ----------------------------------------------------------------


@dataclass(frozen=True)
class Completion:
    """Where a value stands against its target at a month: the figures of one cell of the
    progress table and the colour of its light."""

    state: CompletionState
    #: actual / annual target, per cent (cumulative and stock only).
    percent: Decimal | None = None
    #: 序时进度, per cent (cumulative and stock only).
    time_progress: Decimal | None = None
    #: Percentage points; positive is ahead (for either direction).
    gap: Decimal | None = None
    colour: Colour | None = None


def completion(
    kind: str,
    direction: str,
    actual: Decimal | None,
    target: Decimal | None,
    month: int,
    phasing: Sequence[Decimal] | None = None,
    bands: ColourBands = DEFAULT_BANDS,
) -> Completion:
    """How far actual has come towards the annual target by month n, and its colour.

    Cumulative and stock (amounts):
        percent = actual / target × 100;
        time progress = time_progress(month, phasing, annual=target);
        gap = percent − time progress for HIGHER (DESIGN.md: completion − time progress),
        gap = time progress − percent for LOWER: under a ceiling (energy use) being behind
        the time progress is good, so a positive gap is ahead for either direction.
        target missing → NO_TARGET; 0 → ZERO_TARGET (no division); < 0 → NOT_APPLICABLE.
    Rate and growth (percentages): a growth of 6 % against a target of 8 % is 2 points
        short, not "75 % done", so there is no ratio and no time progress:
        percent = time progress = None; gap = actual − target pp for HIGHER,
        target − actual for LOWER. Any target (0 or negative too) is a level to compare with;
        only a missing one is NO_TARGET.
    A missing actual with a usable target → NO_VALUE (with the time progress, which is
    known). The colour is colour(gap, bands). Percents are quantized to 4 places first and
    the gap computed from the quantized figures, so the three numbers on a page add up.
    Unknown kind or direction, or a month outside 1..12, raises ValueError.
    """
    kind = IndicatorKind(kind)
    higher = Direction(direction) == Direction.HIGHER
    _check_month(month)
    if target is None:
        return Completion(CompletionState.NO_TARGET)

    if kind in (IndicatorKind.RATE, IndicatorKind.GROWTH):
        if actual is None:
            return Completion(CompletionState.NO_VALUE)
        gap = _quantize(actual - target if higher else target - actual)
        return Completion(CompletionState.OK, gap=gap, colour=colour(gap, bands))

    if target == 0:
        return Completion(CompletionState.ZERO_TARGET)
    if target < 0:
        return Completion(CompletionState.NOT_APPLICABLE)
    progress = time_progress(month, phasing, annual=target)
    if actual is None:
        return Completion(CompletionState.NO_VALUE, time_progress=progress)
    percent = _quantize(actual * _HUNDRED / target)
    gap = percent - progress if higher else progress - percent
    return Completion(
        CompletionState.OK,
        percent=percent,
        time_progress=progress,
        gap=gap,
        colour=colour(gap, bands),
    )


# --- Reading numbers -------------------------------------------------------------------

#: What a clerk or a bureau writes for "no value" (after NFKC, which folds "－" to "-" and
#: "／" to "/").
_BLANKS = frozenset({"", "-", "--", "—", "——", "–", "/"})
#: A plain decimal number: optional sign, digits with optional thousands separators (in
#: groups of three, so "1,2,3" is refused), optional fraction and exponent ("1.2E+5", as
#: Excel shows a large number). ASCII digits only: NFKC has folded the full-width ones.
_NUMBER = re.compile(
    r"[+-]?(?=\.?\d)(?:\d{1,3}(?:,\d{3})+|\d*)(?:\.\d*)?(?:[eE][+-]?\d+)?", re.ASCII
)
_MINUS_SIGNS = str.maketrans({"\u2212": "-", "\ufe63": "-"})


@overload
def to_percent_number(value: object, *, allow_blank: Literal[False] = False) -> Decimal: ...


@overload
def to_percent_number(value: object, *, allow_blank: bool) -> Decimal | None: ...


def to_percent_number(value: object, *, allow_blank: bool = False) -> Decimal | None:
    """A number as a clerk types it or a bureau prints it, as a Decimal; percentages in per
    cent ("12.5%" → 12.5, as is "12.5").

    Reads numbers, and text such as " -3.2 ", "−3.2" (the Unicode minus), "1,234.5",
    "１２．５％" (full-width, folded by NFKC). Excel hands numbers over as floats: the
    shortest repr is what the sheet showed, so a float is read as Decimal(repr(f)). Beware
    that a cell formatted as a percentage holds the fraction (0.125 for "12.5%"); the
    importer must look at the cell's format, this function cannot.

    A blank — None, "", "-", "－", "—", "——", "/" — means "no value": None when
    allow_blank, otherwise a ValueError. Everything else that is not a finite number
    ("abc", "12.5.3", "NaN", "inf", True) raises ValueError naming the text.
    """
    if value is None:
        if allow_blank:
            return None
        raise ValueError(_("缺少数值：此处必须填写数字"))
    if isinstance(value, bool):  # bool is an int subclass; a tick box is not a number
        raise ValueError(_("无法识别的数值“%(text)s”") % {"text": value})
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float | Decimal):
        number = Decimal(repr(value)) if isinstance(value, float) else value
        if not number.is_finite():
            raise ValueError(_("“%(text)s”不是有限的数值") % {"text": value})
        return number
    if not isinstance(value, str):
        raise ValueError(_("无法识别的数值“%(text)s”") % {"text": value})

    text = unicodedata.normalize("NFKC", value).translate(_MINUS_SIGNS).strip()
    if text in _BLANKS:
        if allow_blank:
            return None
        if not text:
            raise ValueError(_("缺少数值：此处必须填写数字"))
        raise ValueError(
            _("缺少数值：“%(text)s”表示无数据，此处必须填写数字") % {"text": value.strip()}
        )
    if text.endswith("%"):
        text = text[:-1].rstrip()
    if not _NUMBER.fullmatch(text):
        raise ValueError(
            _("无法识别的数值“%(text)s”，应写作 12.5、12.5%% 或 1,234.5") % {"text": value.strip()}
        )
    return Decimal(text.replace(",", ""))
