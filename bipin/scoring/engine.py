"""Scoring a scheme for a month: read the group's approved values and targets, turn each
item into points with the methods of `methods.py`, and say how every point was earned.

`score_scheme` only reads; the run that keeps the result is written by
`actions.do_score`, and the scheme editor's preview shows the same board unsaved. A value
counts once it is approved (已审核) or locked: a draft or a submitted value is not yet the
unit's number, and its item earns nothing ("无审核数据"), which the run counts.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

import numpy as np

from bipin.core.periods import Period
from bipin.indicators.choices import (
    CompletionState,
    Direction,
    GrowthState,
    IndicatorKind,
    ValueStatus,
)
from bipin.indicators.computations import ColourBands, colour, completion, growth
from bipin.indicators.models import Target, Value
from bipin.org.models import Unit
from bipin.scoring import methods
from bipin.scoring.choices import AdjustmentKind, Basis, Counting, EfficacyForm, ItemState
from bipin.scoring.models import Adjustment, Scheme, SchemeItem

#: The states whose values a run scores.
SCORED_STATES = (ValueStatus.APPROVED, ValueStatus.LOCKED)
_CENT = Decimal("0.01")
_PLACES = Decimal("0.0001")
_HUNDRED = Decimal(100)
#: The kinds whose completion is a share of an annual amount.
_AMOUNTS = (IndicatorKind.CUMULATIVE, IndicatorKind.STOCK)


def points(value: float) -> Decimal:
    """A float of the methods as the two-place Decimal a 成绩单 shows (half up)."""
    return Decimal(repr(float(value))).quantize(_CENT, rounding=ROUND_HALF_UP)


def _decimal(value: float | None) -> Decimal | None:
    if value is None or not np.isfinite(value):
        return None
    return Decimal(repr(float(value))).quantize(_PLACES, rounding=ROUND_HALF_UP)


@dataclass(slots=True)
class Line:
    """One line of a unit's 成绩单 before it is saved (a ScoreItem)."""

    kind: str  # "item", "bonus" or "deduction"
    indicator_id: int
    weight: Decimal
    scheme_item: SchemeItem | None = None
    adjustment: Adjustment | None = None
    state: str = ItemState.SCORED
    actual: Decimal | None = None
    target: Decimal | None = None
    completion: Decimal | None = None
    time_progress: Decimal | None = None
    gap: Decimal | None = None
    growth: Decimal | None = None
    measure: Decimal | None = None
    points: Decimal = Decimal(0)


@dataclass
class UnitResult:
    """One unit's score before it is saved."""

    unit: Unit
    lines: list[Line] = field(default_factory=list)
    rank: int = 0
    gap: Decimal | None = None
    colour: str = ""

    @property
    def item_points(self) -> Decimal:
        return sum((line.points for line in self.lines if line.kind == "item"), Decimal(0))

    @property
    def bonus(self) -> Decimal:
        return sum((line.points for line in self.lines if line.kind == "bonus"), Decimal(0))

    @property
    def deduction(self) -> Decimal:
        """Positive: the points taken off."""
        return -sum((line.points for line in self.lines if line.kind == "deduction"), Decimal(0))

    @property
    def total(self) -> Decimal:
        """The sum of the lines, exactly: what the 成绩单 adds up to."""
        return sum((line.points for line in self.lines), Decimal(0))


@dataclass
class Board:
    """A scheme's result for a month: every member's score, best first."""

    scheme: Scheme
    period: Period
    results: list[UnitResult]
    value_count: int
    missing_count: int


@dataclass
class _Cells:
    """The numbers of one indicator for the members, in member order."""

    actual: list[Decimal | None]
    last_year: list[Decimal | None]
    target: list[Decimal | None]
    phasing: list[list[Decimal] | None]


def _members(scheme: Scheme) -> list[Unit]:
    return list(
        Unit.objects.filter(memberships__group_id=scheme.group_id).order_by("order", "code")
    )


def _read_cells(
    indicator_ids: Iterable[int], units: Sequence[Unit], period: Period, *, last_year: bool
) -> dict[int, _Cells]:
    """Approved values of this month (and of the same month last year, for growths) and the
    year's targets of the indicators for the units: three queries."""
    ids = sorted(set(indicator_ids))
    position = {unit.pk: index for index, unit in enumerate(units)}
    size = len(units)
    cells = {pk: _Cells([None] * size, [None] * size, [None] * size, [None] * size) for pk in ids}
    years = [period.year - 1, period.year] if last_year else [period.year]
    rows = Value.objects.filter(
        indicator_id__in=ids,
        unit_id__in=position,
        year__in=years,
        month=period.month,
        status__in=SCORED_STATES,
    ).values_list("indicator_id", "unit_id", "year", "amount")
    for indicator_id, unit_id, year, amount in rows:
        column = (
            cells[indicator_id].actual if year == period.year else cells[indicator_id].last_year
        )
        column[position[unit_id]] = amount
    targets = Target.objects.filter(
        indicator_id__in=ids, unit_id__in=position, year=period.year
    ).values_list("indicator_id", "unit_id", "amount", "phasing")
    for indicator_id, unit_id, amount, phasing in targets:
        index = position[unit_id]
        cells[indicator_id].target[index] = amount
        if phasing:
            cells[indicator_id].phasing[index] = [Decimal(str(step)) for step in phasing]
    return cells


def _array(numbers: Sequence[Decimal | None]) -> np.ndarray:
    return np.array([np.nan if number is None else float(number) for number in numbers])


def _item_lines(item: SchemeItem, cells: _Cells, month: int) -> list[Line]:
    """The lines of one item for every member, with its points."""
    indicator = item.indicator
    higher = indicator.direction == Direction.HIGHER
    weight = item.weight
    lines = []
    for index, actual in enumerate(cells.actual):
        line = Line("item", indicator.pk, weight, scheme_item=item, actual=actual)
        line.target = cells.target[index]
        done = completion(
            indicator.kind, indicator.direction, actual, line.target, month, cells.phasing[index]
        )
        line.completion, line.time_progress, line.gap = done.percent, done.time_progress, done.gap
        if indicator.kind == IndicatorKind.GROWTH:
            line.growth = actual
        elif indicator.kind in _AMOUNTS and cells.last_year[index] is not None:
            change = growth(actual, cells.last_year[index])
            line.growth = change.percent if change.state == GrowthState.OK else None
        if actual is None:
            line.state = ItemState.NO_VALUE
        elif item.basis == Basis.COMPLETION:
            if done.state == CompletionState.NO_TARGET:
                line.state = ItemState.NO_TARGET
            elif done.state != CompletionState.OK or not done.time_progress:
                line.state = ItemState.NOT_APPLICABLE
        elif item.basis == Basis.GROWTH and line.growth is None:
            line.state = ItemState.NOT_APPLICABLE
        lines.append(line)

    scored = np.array([line.state == ItemState.SCORED for line in lines])
    weights = np.array([float(weight)])
    if item.basis == Basis.COMPLETION:
        # Against the target to date (annual × time progress): on pace earns the weight.
        done_share = _array([line.completion for line in lines])
        pace = _array([line.time_progress for line in lines])
        earned = methods.ratio_points(
            done_share[:, None],
            pace[:, None],
            weights,
            caps=float(item.cap),
            lower_is_better=np.array([not higher]),
        )[:, 0]
        for line in lines:
            if line.state == ItemState.SCORED:
                share, progress = line.completion, line.time_progress
                assert share is not None and progress  # a scored completion line has both
                line.measure = _decimal(
                    float(share / progress * _HUNDRED)
                    if higher
                    else float(progress / share * _HUNDRED)
                    if share
                    else None
                )
    elif item.basis == Basis.RANK:
        level = np.where(scored, _array(cells.actual), np.nan)
        ranks = methods.competition_ranks(level if higher else -level, decimals=6)
        shares = np.clip(1 - (ranks - 1) * float(item.rank_step), 0, 1)
        earned = np.where(scored, float(weight) * shares, 0.0)
        for line, place in zip(lines, ranks, strict=True):
            if line.state == ItemState.SCORED:
                line.measure = Decimal(int(place))
    else:
        numbers = [line.growth if item.basis == Basis.GROWTH else line.actual for line in lines]
        level = np.where(scored, _array(numbers), np.nan)
        if item.efficacy_form == EfficacyForm.THRESHOLD:
            assert item.satisfactory is not None and item.not_allowed is not None
            efficacy = methods.efficacy_threshold(
                level,
                float(item.satisfactory),
                float(item.not_allowed),
                clip=(0.0, 100.0 * float(item.cap)),
            )
        else:
            efficacy = methods.efficacy_minmax(level[:, None], np.array([1 if higher else -1]))[
                :, 0
            ]
        earned = np.where(scored, float(weight) * efficacy / 100.0, 0.0)
        for line, number in zip(lines, numbers, strict=True):
            if line.state == ItemState.SCORED:
                line.measure = number
    for line, value in zip(lines, earned, strict=True):
        line.points = points(value) if line.state == ItemState.SCORED else Decimal(0)
    return lines


def _adjustment_lines(adjustment: Adjustment, cells: _Cells) -> list[Line]:
    """A bonus or deduction for every member: its count and its capped points."""
    counts: list[Decimal | None] = []
    for actual, target in zip(cells.actual, cells.target, strict=True):
        if actual is None:
            counts.append(None)
        elif adjustment.counting == Counting.EXCESS:
            counts.append(max(actual - (target or Decimal(0)), Decimal(0)))
        else:
            counts.append(actual)
    earned = methods.capped_adjustment(
        _array(counts), float(adjustment.per_unit), float(adjustment.cap)
    )
    sign = 1 if adjustment.kind == AdjustmentKind.BONUS else -1
    lines = []
    for index, count in enumerate(counts):
        line = Line(
            adjustment.kind,
            adjustment.indicator_id,
            adjustment.cap,
            adjustment=adjustment,
            actual=cells.actual[index],
            target=cells.target[index],
            measure=count,
            state=ItemState.SCORED if count is not None else ItemState.NO_VALUE,
        )
        line.points = sign * points(earned[index]) if count is not None else Decimal(0)
        lines.append(line)
    return lines


def _weighted_gap(result: UnitResult) -> Decimal | None:
    """Σ weight × gap / Σ weight over the completion items that have a gap."""
    pairs = [
        (line.weight, line.gap)
        for line in result.lines
        if line.kind == "item"
        and line.scheme_item is not None
        and line.scheme_item.basis == Basis.COMPLETION
        and line.gap is not None
    ]
    weight = sum((pair[0] for pair in pairs), Decimal(0))
    if not weight:
        return None
    total = sum((pair[0] * pair[1] for pair in pairs), Decimal(0))
    return (total / weight).quantize(_PLACES, rounding=ROUND_HALF_UP)


def score_scheme(scheme: Scheme, period: Period, units: Sequence[Unit] | None = None) -> Board:
    """Every member's score under `scheme` for `period`, ranked (equal totals as shown,
    to two places, share a rank: 1, 2, 2, 4).

    Each item is scored on its basis (choices.Basis) over the members that have an approved
    value; a member without one earns nothing on it. Bonuses and deductions count their
    indicator's value (or what exceeds the target) times their points, up to their cap.
    A member's colour follows its weighted time-progress gap over the completion items
    with the scheme's bands; with no such item it has no colour.
    """
    if period.year != scheme.group.year:
        raise ValueError(f"scheme {scheme} is for {scheme.group.year}, not for the period {period}")
    members = list(units) if units is not None else _members(scheme)
    items = list(scheme.items.select_related("indicator").order_by("order", "pk"))
    adjustments = list(scheme.adjustments.select_related("indicator").order_by("order", "pk"))
    needs_last_year = any(
        item.basis == Basis.GROWTH and item.indicator.kind in _AMOUNTS for item in items
    )
    cells = _read_cells(
        [item.indicator_id for item in items] + [adj.indicator_id for adj in adjustments],
        members,
        period,
        last_year=needs_last_year,
    )
    results = [UnitResult(unit) for unit in members]
    value_count = missing_count = 0
    for item in items:
        for result, line in zip(
            results, _item_lines(item, cells[item.indicator_id], period.month), strict=True
        ):
            result.lines.append(line)
            if line.actual is None:
                missing_count += 1
            else:
                value_count += 1
    for adjustment in adjustments:
        for result, line in zip(
            results, _adjustment_lines(adjustment, cells[adjustment.indicator_id]), strict=True
        ):
            result.lines.append(line)

    bands = ColourBands(green_from=scheme.green_from, yellow_from=scheme.yellow_from)
    totals = np.array([float(result.total) for result in results])
    for result, rank in zip(results, methods.competition_ranks(totals, decimals=2), strict=True):
        result.rank = int(rank)
        result.gap = _weighted_gap(result)
        result.colour = colour(result.gap, bands) if result.gap is not None else ""
    results.sort(key=lambda result: (result.rank, result.unit.order, result.unit.code))
    return Board(scheme, period, results, value_count, missing_count)
