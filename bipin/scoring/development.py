"""The high-quality development index (高质量发展指数): entropy-weight TOPSIS over any set of
units and indicators for one month (issue 6, item 5).

The standard composite index of the literature: the indicators weigh by how much the units
differ on them (entropy weights, methods.entropy_weights), and each unit's index is its
TOPSIS closeness to the ideal (methods.topsis) × 100. The two normalisations of the entropy
weights give quite different weights (DESIGN.md, "Scoring methods"), so the one used is a
setting named beside the result, and the weights under the other are shown next to them.

Like the engine, `development_index` reads the values without asking who reads them: the
page and the API first call `check_index_access` (the supervisor and leaders only: it
compares units on numbers that only they read across units).
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import numpy as np
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext as _

from bipin.core.choices import Role
from bipin.core.periods import Period
from bipin.indicators.choices import Direction
from bipin.indicators.models import Indicator, Value
from bipin.org.models import Unit
from bipin.scoring import methods
from bipin.scoring.choices import Normalization
from bipin.scoring.engine import SCORED_STATES


@dataclass
class Cell:
    """One unit's number on one indicator: the approved value, or — when it has none — the
    number the methods used in its place (`used`), which the page marks as filled."""

    amount: Decimal | None
    used: float | None

    @property
    def missing(self) -> bool:
        return self.amount is None

    @property
    def filled(self) -> bool:
        """Missing, and replaced by the column's worst reported value."""
        return self.amount is None and self.used is not None


@dataclass
class IndicatorWeight:
    """An indicator of the index with its direction and the weights it got."""

    indicator: Indicator
    #: +1 higher is better, −1 lower is better (the indicator's direction).
    direction: int
    weight: float
    #: The weight under the other normalisation; None when it cannot weigh (see
    #: DevelopmentIndex.other_error).
    other_weight: float | None
    #: Units with an approved value.
    reported: int
    #: What a missing value was replaced by: the worst reported value of the column (the
    #: lowest on a higher-is-better indicator, the highest on a lower-is-better one).
    fill: float | None

    @property
    def empty(self) -> bool:
        """Nobody reported it: it weighs nothing."""
        return self.reported == 0


@dataclass
class UnitIndex:
    """One unit's result: closeness in [0, 1], the index (closeness × 100, two places) and
    its rank (equal indexes as shown share a rank: 1, 2, 2, 4). methods.topsis gives the
    closeness only, so the distances D⁺ and D⁻ to the ideal and anti-ideal are not kept."""

    unit: Unit
    closeness: float
    index: Decimal
    rank: int
    cells: list[Cell] = field(default_factory=list)

    @property
    def missing_count(self) -> int:
        return sum(1 for cell in self.cells if cell.missing)


@dataclass
class DevelopmentIndex:
    """The index of a set of units on a set of indicators for one month."""

    period: Period
    normalization: Normalization
    other_normalization: Normalization
    indicators: list[IndicatorWeight]
    #: Best first.
    results: list[UnitIndex]
    #: Why the other normalisation gives no weights (negative values under 比重法), or "".
    other_error: str = ""

    @property
    def value_count(self) -> int:
        return sum(len(result.cells) - result.missing_count for result in self.results)

    @property
    def missing_count(self) -> int:
        return sum(result.missing_count for result in self.results)


def _direction(indicator: Indicator) -> int:
    return 1 if indicator.direction == Direction.HIGHER else -1


def _read_matrix(
    units: Sequence[Unit], indicators: Sequence[Indicator], period: Period
) -> list[list[Decimal | None]]:
    """The approved (or locked) values of the month, units × indicators: one query.
    A cumulative indicator's value is its year-to-date figure, a stock its month-end level,
    a rate or growth the percentage itself: each as it is stored."""
    rows = {unit.pk: index for index, unit in enumerate(units)}
    columns = {indicator.pk: index for index, indicator in enumerate(indicators)}
    matrix: list[list[Decimal | None]] = [[None] * len(indicators) for _unit in units]
    values = Value.objects.filter(
        unit_id__in=rows,
        indicator_id__in=columns,
        year=period.year,
        month=period.month,
        status__in=SCORED_STATES,
    ).values_list("unit_id", "indicator_id", "amount")
    for unit_id, indicator_id, amount in values:
        matrix[rows[unit_id]][columns[indicator_id]] = amount
    return matrix


def _fill(raw: np.ndarray, types: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each missing value replaced by its column's worst reported value — the rule of
    methods.entropy_weights and methods.topsis, applied here so that the page shows the
    very numbers they weigh. A column nobody reported stays NaN (the methods give it no
    weight). Returns the matrix and each column's fill (NaN for an empty column)."""
    missing = np.isnan(raw)
    lowest = np.where(missing, np.inf, raw).min(axis=0)
    highest = np.where(missing, -np.inf, raw).max(axis=0)
    worst = np.where(types > 0, lowest, highest)
    worst = np.where(missing.all(axis=0), np.nan, worst)
    return np.where(missing, worst, raw), worst


def _negative_refusal(
    matrix: np.ndarray, units: Sequence[Unit], indicators: Sequence[Indicator]
) -> str:
    """Why 比重法 (p = x / Σx) cannot weigh the matrix: the first negative value, named."""
    negative = np.argwhere(np.nan_to_num(matrix, nan=0.0) < 0)
    if not negative.size:
        return ""
    row, column = (int(index) for index in negative[0])
    return _("“%(indicator)s”有负值（%(unit)s：%(value)s），比重法要求数值不小于 0。") % {
        "indicator": indicators[column].name,
        "unit": units[row].name,
        "value": Decimal(repr(float(matrix[row, column]))).quantize(indicators[column].quantum()),
    }


def _weights(
    matrix: np.ndarray,
    normalization: Normalization,
    types: np.ndarray,
    units: Sequence[Unit],
    indicators: Sequence[Indicator],
) -> tuple[np.ndarray | None, str]:
    """The entropy weights under one normalisation, or None and why not."""
    if normalization == Normalization.SUM:
        refusal = _negative_refusal(matrix, units, indicators)
        if refusal:
            return None, refusal
    weights = methods.entropy_weights(matrix, normalization=normalization.value, types=types)
    return weights, ""


def _unique(objects: Iterable[Any]) -> list[Any]:
    return list({obj.pk: obj for obj in objects}.values())


def development_index(
    units: Iterable[Unit],
    indicators: Iterable[Indicator],
    period: Period,
    *,
    normalization: Normalization | str = Normalization.SUM,
) -> DevelopmentIndex:
    """The high-quality development index of `units` on `indicators` for `period`.

    Reads the month's approved and locked values (one query); a unit without one on an
    indicator gets the column's worst reported value (it never gains from not reporting),
    and the result says which cells were filled with what. Types follow each indicator's
    direction; weights = methods.entropy_weights(matrix, normalization, types), also
    computed under the other normalisation for comparison; closeness =
    methods.topsis(matrix, weights, types); ranks = methods.competition_ranks(closeness ×
    100, decimals=2).

    ValidationError (with a message for the user) for fewer than two units, no indicator,
    an unknown normalisation, or a negative value under 比重法 (sum).
    """
    members = _unique(units)
    columns = _unique(indicators)
    if len(members) < 2:
        raise ValidationError(
            _("高质量发展指数至少需要两个单位：只有一个单位无从比较。"), code="units"
        )
    if not columns:
        raise ValidationError(_("请至少选择一个指标。"), code="indicators")
    if normalization not in Normalization.values:
        raise ValidationError(
            _("未知的标准化方式“%(name)s”，可选：%(choices)s。")
            % {"name": normalization, "choices": "、".join(Normalization.values)},
            code="normalization",
        )
    chosen = Normalization(normalization)
    other = Normalization.MINMAX if chosen == Normalization.SUM else Normalization.SUM

    raw_matrix = _read_matrix(members, columns, period)
    raw = np.array(
        [[np.nan if amount is None else float(amount) for amount in row] for row in raw_matrix],
        dtype=np.float64,
    ).reshape(len(members), len(columns))
    types = np.array([_direction(indicator) for indicator in columns], dtype=np.float64)
    matrix, fills = _fill(raw, types)

    weights, refusal = _weights(matrix, chosen, types, members, columns)
    if weights is None:
        raise ValidationError(
            _("%(refusal)s请改用极差法。"), code="negative", params={"refusal": refusal}
        )
    other_weights, other_error = _weights(matrix, other, types, members, columns)
    closeness = methods.topsis(matrix, weights, types)
    shown = np.round(closeness * 100, 2)
    ranks = methods.competition_ranks(closeness * 100, decimals=2)

    reported = (~np.isnan(raw)).sum(axis=0)
    weighted = [
        IndicatorWeight(
            indicator=indicator,
            direction=int(types[column]),
            weight=float(weights[column]),
            other_weight=float(other_weights[column]) if other_weights is not None else None,
            reported=int(reported[column]),
            fill=None if np.isnan(fills[column]) else float(fills[column]),
        )
        for column, indicator in enumerate(columns)
    ]
    results = [
        UnitIndex(
            unit=unit,
            closeness=float(closeness[row]),
            index=Decimal(f"{shown[row]:.2f}"),
            rank=int(ranks[row]),
            cells=[
                Cell(
                    amount=raw_matrix[row][column],
                    used=None if np.isnan(matrix[row, column]) else float(matrix[row, column]),
                )
                for column in range(len(columns))
            ],
        )
        for row, unit in enumerate(members)
    ]
    results.sort(key=lambda result: (result.rank, result.unit.order, result.unit.code))
    return DevelopmentIndex(
        period=period,
        normalization=chosen,
        other_normalization=other,
        indicators=weighted,
        results=results,
        other_error=other_error,
    )


# Who may index whose values ----------------------------------------------------------------


def check_index_access(user: Any) -> None:
    """PermissionDenied unless `user` may read every unit's values: the index compares
    units on their numbers, which only the supervisor and leaders read across units (a
    unit's people see their own values and the published boards' totals, not the other
    members' numbers); the big screen shows published results only."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        raise PermissionDenied(_("请先登录。"))
    if user.is_superuser or user.role in (Role.SUPERVISOR, Role.LEADER):
        return
    raise PermissionDenied(
        _(
            "高质量发展指数比较各单位的指标数据，只有督查室和区领导可以使用；本单位的数据请看指标数据和成绩单。"
        )
    )
