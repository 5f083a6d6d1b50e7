"""The scoring methods of 比拼, as pure functions over numpy arrays.

Every function takes array-likes (units in rows, indicators in columns) and returns a new
float64 array (int64 for ranks, str for classes) that never holds NaN or inf, whatever the
input: a missing value is any value that is not finite (NaN, ±inf), and each docstring says
what it earns. Parameters that make no sense (a zero range, a negative benchmark, a type
other than ±1) raise ValueError with a message saying which parameter and which column.

`types` is one +1 (benefit: higher is better) or −1 (cost: lower is better) per column.

The formulas and their sources:

- weighted completion (加权完成率): the form of the published 招商引资 assessments;
- efficacy coefficient (功效系数法): the standard form d = 60 + 40 (x − x_s)/(x_h − x_s) of the
  statistics curriculum, and the government min–max variant 20 + 80 (x − min)/(max − min);
- entropy weights (熵权法): the entropy method of assessing attribute weights in Hwang & Yoon,
  *Multiple Attribute Decision Making*, Lecture Notes in Economics and Mathematical Systems
  186 (Springer, 1981), ch. III, with the two normalisations of the literature;
- TOPSIS: Hwang & Yoon (1981), ch. III, with vector normalisation and Euclidean distances
  (their fighter-aircraft example, p. 133, is reproduced in the tests);
- benchmark ratio (亩均论英雄): value / benchmark × weight, the form of Zhejiang's 亩均效益
  综合评价, and classes by share of the ranked enterprises.

The tests reproduce published worked examples (test_methods.py) and pymcdm's results on
the same inputs (test_methods_pymcdm.py).
"""

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
StrArray = npt.NDArray[np.str_]

# The shift of the direction-aware min–max normalisation before the entropy: a min–max
# value x' in [0, 1] becomes 0.002 + 0.994 x' in [0.002, 0.996], so that no share is 0
# (ln 0) and the best unit does not take the whole column.
MINMAX_SHIFT = 0.002
MINMAX_SPAN = 0.994

NORMALIZATIONS = ("sum", "minmax")


# --- Helpers -----------------------------------------------------------------------------


def _as_matrix(values: npt.ArrayLike, name: object) -> FloatArray:
    """A float64 copy of a units × indicators matrix (a 2-D array)."""
    matrix = np.array(values, dtype=np.float64)
    if matrix.ndim != 2:
        raise ValueError(
            _("%(name)s 应为二维数组（单位 × 指标），实际为 %(ndim)d 维。")
            % {"name": name, "ndim": matrix.ndim}
        )
    return matrix


def _as_vector(values: npt.ArrayLike, name: object) -> FloatArray:
    """A float64 copy of a vector (one value per unit)."""
    vector = np.array(values, dtype=np.float64)
    if vector.ndim != 1:
        raise ValueError(
            _("%(name)s 应为一维数组，实际为 %(ndim)d 维。") % {"name": name, "ndim": vector.ndim}
        )
    return vector


def _per_column(
    values: npt.ArrayLike, n: int, name: object, *, allow_infinite: bool = False
) -> FloatArray:
    """A scalar or one value per column, as a float64 vector of length n."""
    array = np.asarray(values, dtype=np.float64)
    if array.ndim > 1 or (array.ndim == 1 and array.shape[0] != n):
        raise ValueError(
            _("%(name)s 应为一个数或每列一个数（共 %(n)d 列），实际形状为 %(shape)s。")
            % {"name": name, "n": n, "shape": array.shape}
        )
    column = np.array(np.broadcast_to(array, (n,)), dtype=np.float64)
    bad = np.isnan(column) if allow_infinite else ~np.isfinite(column)
    if bad.any():
        raise ValueError(
            _("%(name)s 第 %(column)d 列不是有效数值。")
            % {"name": name, "column": int(np.argmax(bad)) + 1}
        )
    return column


def _types(types: npt.ArrayLike | None, n: int) -> FloatArray:
    """The direction of each column: +1 benefit, −1 cost (all benefit when None)."""
    if types is None:
        return np.ones(n)
    direction = _per_column(types, n, gettext_lazy("指标方向 types"))
    wrong = (direction != 1) & (direction != -1)
    if wrong.any():
        raise ValueError(
            _("指标方向 types 第 %(column)d 列应为 +1（越高越好）或 −1（越低越好）。")
            % {"column": int(np.argmax(wrong)) + 1}
        )
    return direction


def _weights(weights: npt.ArrayLike, n: int) -> FloatArray:
    """Finite, non-negative weights, one per column."""
    weight = _per_column(weights, n, gettext_lazy("权重"))
    if (weight < 0).any():
        raise ValueError(
            _("权重第 %(column)d 列为负数；扣分请用扣分项（capped_adjustment）。")
            % {"column": int(np.argmax(weight < 0)) + 1}
        )
    return weight


def _fill_missing(
    matrix: FloatArray, types: FloatArray
) -> tuple[FloatArray, npt.NDArray[np.bool_]]:
    """Replace each missing value by its column's worst reported value.

    The worst is the minimum of a benefit column and the maximum of a cost column, so a unit
    that reported nothing is treated as the last of those that did: it never gains from a
    missing value. Returns the filled matrix and the mask of the columns in which nobody
    reported anything (those are filled with 0 and the caller decides what they weigh).
    """
    missing = ~np.isfinite(matrix)
    empty = np.asarray(missing.all(axis=0), dtype=np.bool_)
    if not missing.any():
        return matrix, empty
    lowest = np.where(missing, np.inf, matrix).min(axis=0)
    highest = np.where(missing, -np.inf, matrix).max(axis=0)
    worst = np.where(types > 0, lowest, highest)
    worst = np.where(empty, 0.0, worst)
    return np.where(missing, worst, matrix), empty


def _minmax(matrix: FloatArray, types: FloatArray) -> tuple[FloatArray, npt.NDArray[np.bool_]]:
    """Direction-aware min–max per column: the best 1, the worst 0.

    Returns the normalised matrix and the mask of the constant columns (max == min), whose
    values are left at 0 for the caller to decide. Expects no missing value.
    """
    if matrix.shape[0] == 0:
        return matrix.copy(), np.ones(matrix.shape[1], dtype=bool)
    lowest = matrix.min(axis=0)
    highest = matrix.max(axis=0)
    spread = highest - lowest
    constant = spread == 0
    safe = np.where(constant, 1.0, spread)
    scaled = np.where(types > 0, matrix - lowest, highest - matrix) / safe
    return np.where(constant, 0.0, scaled), constant


# --- 1. Weighted completion ------------------------------------------------------------


def ratio_points(
    actual: npt.ArrayLike,
    target: npt.ArrayLike,
    weights: npt.ArrayLike,
    *,
    caps: npt.ArrayLike = 1.0,
    floor: npt.ArrayLike = 0.0,
    lower_is_better: npt.ArrayLike | None = None,
) -> FloatArray:
    """Weighted completion (加权完成率): the points each unit earns on each item.

    points_ij = w_j × clip(r_ij, floor_j, cap_j), with the completion ratio
    r_ij = actual_ij / target_ij, or target_ij / actual_ij on a lower-is-better column
    (a cost, such as energy per unit of output: half the target's consumption is 200 %).
    This is the item score of the published 招商引资 and 比学赶超 assessments: an item is
    worth its weight at 100 % completion, a cap (e.g. 1.2) rewards over-completion up to a
    limit, and the floor (usually 0) keeps a negative actual from taking points away.

    Shapes: actual m × n; target n (one per column) or m × n; weights n; caps and floor a
    number or one per column; lower_is_better None (all higher-is-better), a bool or one
    bool per column.

    - Missing actual (NaN) → 0 points: nothing reported earns nothing.
    - Target missing or ≤ 0 → 0 points: a completion rate needs a positive target (the
      engine reports the item as 无目标 and says why).
    - Lower is better with actual ≤ 0 (zero consumption, zero accidents) → the cap.
    - Ties: equal ratios earn equal points; the result is non-decreasing in actual on a
      higher-is-better column and non-increasing on a lower-is-better one.

    Weights must be finite and ≥ 0 (a deduction is a `capped_adjustment`); caps finite and
    not below the floor.
    """
    actual_matrix = _as_matrix(actual, gettext_lazy("实际值"))
    m, n = actual_matrix.shape
    try:
        target_matrix = np.broadcast_to(np.asarray(target, dtype=np.float64), (m, n))
    except ValueError:
        raise ValueError(
            _("目标值的形状 %(shape)s 与实际值 %(m)d × %(n)d 不符（应为每列一个或每格一个）。")
            % {"shape": np.shape(target), "m": m, "n": n}
        ) from None
    weight = _weights(weights, n)
    cap = _per_column(caps, n, gettext_lazy("封顶系数"))
    low = _per_column(floor, n, gettext_lazy("保底系数"))
    if (cap < low).any():
        raise ValueError(
            _("第 %(column)d 列的封顶系数低于保底系数。")
            % {"column": int(np.argmax(cap < low)) + 1}
        )
    if lower_is_better is None:
        reverse = np.zeros(n, dtype=bool)
    else:
        flags = np.asarray(lower_is_better, dtype=bool)
        if flags.ndim > 1 or (flags.ndim == 1 and flags.shape[0] != n):
            raise ValueError(
                _("lower_is_better 应为一个布尔值或每列一个（共 %(n)d 列）。") % {"n": n}
            )
        reverse = np.broadcast_to(flags, (n,))

    usable = np.isfinite(actual_matrix) & np.isfinite(target_matrix) & (target_matrix > 0)
    safe_actual = np.where(usable, actual_matrix, 1.0)
    safe_target = np.where(usable, target_matrix, 1.0)
    positive = safe_actual > 0
    with np.errstate(over="ignore"):
        forward = safe_actual / safe_target
        backward = np.where(positive, safe_target / np.where(positive, safe_actual, 1.0), np.inf)
    # inf (a huge ratio, or nothing consumed on a lower-is-better column) clips to the cap.
    ratio = np.where(reverse, backward, forward)
    points = weight * np.clip(ratio, low, cap)
    return np.where(usable, points, 0.0)


def capped_adjustment(
    counts: npt.ArrayLike, per_unit: npt.ArrayLike, cap: npt.ArrayLike
) -> FloatArray:
    """Bonus or deduction points (加分项 / 扣分项): min(max(count, 0) × per_unit, cap).

    The form of the published assessments' 加减分: e.g. +0.1 for every extra project of
    ≥ 10亿 up to +3, or −0.1 for every project signed but not started on time up to −2.
    The result is the size of the adjustment (≥ 0); the caller adds a bonus and subtracts a
    deduction.

    counts is m (one adjustment) or m × n (one column per adjustment), with per_unit and
    cap a number or one per column. A negative count counts as 0; a missing count (NaN)
    earns 0. per_unit and cap must be ≥ 0; cap may be inf (no cap).
    """
    count = np.array(counts, dtype=np.float64)
    if count.ndim not in (1, 2):
        raise ValueError(
            _("计数应为一维（单位）或二维（单位 × 加减分项）数组，实际为 %(ndim)d 维。")
            % {"ndim": count.ndim}
        )
    n = 1 if count.ndim == 1 else count.shape[1]
    unit = _per_column(per_unit, n, gettext_lazy("每项分值"))
    limit = _per_column(cap, n, gettext_lazy("加减分上限"), allow_infinite=True)
    if (unit < 0).any() or (limit < 0).any():
        raise ValueError(_("每项分值和加减分上限不能为负数；扣分由调用方减去。"))
    known = np.isfinite(count)
    points = np.minimum(np.maximum(np.where(known, count, 0.0), 0.0) * unit, limit)
    return np.where(known, points, 0.0)


# --- 2. Efficacy coefficient -----------------------------------------------------------


def efficacy_threshold(
    x: npt.ArrayLike,
    satisfactory: npt.ArrayLike,
    not_allowed: npt.ArrayLike,
    *,
    clip: tuple[float, float] | None = None,
) -> FloatArray:
    """The efficacy coefficient (功效系数法), standard form, for any array of values.

    d = 60 + 40 × (x − x_s) / (x_h − x_s), with x_h the satisfactory value (满意值) and x_s
    the not-allowed value (不允许值): x_s scores 60, x_h scores 100, linearly beyond. This is
    the form of the Chinese statistics curriculum (综合评价 in 统计业务知识; the test
    reproduces a published exam item). For a cost criterion give x_h < x_s: the formula is
    the same.

    satisfactory and not_allowed are numbers or arrays that broadcast against x (one per
    column). Unclipped by default; clip=(low, high) bounds the result, e.g. (0, 120).
    x_h == x_s has no scale: ValueError. A missing x (NaN) → 0 (below any reported value).
    Ties: equal values, equal scores.
    """
    value = np.array(x, dtype=np.float64)
    high = np.asarray(satisfactory, dtype=np.float64)
    low = np.asarray(not_allowed, dtype=np.float64)
    if not (np.isfinite(high).all() and np.isfinite(low).all()):
        raise ValueError(_("功效系数法的满意值和不允许值必须是有效数值。"))
    if (high == low).any():
        raise ValueError(_("功效系数法的满意值与不允许值相等，无法计算（分母为零）。"))
    try:
        high, low = np.broadcast_to(high, value.shape), np.broadcast_to(low, value.shape)
    except ValueError:
        raise ValueError(
            _("满意值或不允许值的形状与数据 %(shape)s 不符。") % {"shape": value.shape}
        ) from None
    known = np.isfinite(value)
    with np.errstate(over="ignore"):
        score = 60.0 + 40.0 * (np.where(known, value, low) - low) / (high - low)
    if clip is not None:
        bottom, top = clip
        if not bottom <= top:
            raise ValueError(_("clip 的下限应不大于上限。"))
        score = np.clip(score, bottom, top)
    return np.where(known & np.isfinite(score), score, 0.0)


def efficacy_minmax(
    matrix: npt.ArrayLike,
    types: npt.ArrayLike,
    *,
    low: float = 20.0,
    span: float = 80.0,
) -> FloatArray:
    """The government variant of the efficacy coefficient, per column over the units.

    d_ij = low + span × (x_ij − min_j) / (max_j − min_j) on a benefit column and
    low + span × (max_j − x_ij) / (max_j − min_j) on a cost column: the best unit scores
    low + span (100 by default), the worst low (20). This is the 20 + 80 form used in the
    provincial and municipal 考核 of development; the worst still earns the base 20.

    - min and max are over the reported (non-missing) values of the column.
    - A missing value (NaN) → 0: a missing value earns nothing, below the worst reported.
    - A constant column (everybody equal, or a single reported value) → low + span for every
      reporting unit: nobody is behind anybody.
    - Ties: equal values, equal scores.
    """
    values = _as_matrix(matrix, gettext_lazy("数据矩阵"))
    direction = _types(types, values.shape[1])
    known = np.isfinite(values)
    filled, _empty = _fill_missing(values, direction)
    scaled, constant = _minmax(filled, direction)
    scaled = np.where(constant, 1.0, scaled)
    return np.where(known, low + span * scaled, 0.0)


# --- 3. Entropy weights ----------------------------------------------------------------


def entropy_weights(
    matrix: npt.ArrayLike,
    *,
    normalization: str = "sum",
    types: npt.ArrayLike | None = None,
) -> FloatArray:
    """Objective weights by the entropy method (熵权法), one per column, summing to 1.

    With the shares p_ij of unit i in column j (Σ_i p_ij = 1),
    e_j = −(1 / ln m) Σ_i p_ij ln p_ij (with 0 ln 0 = 0), d_j = 1 − e_j, w_j = d_j / Σ_k d_k
    (Hwang & Yoon 1981, ch. III; Xu, EJOR 156(2), 2004, 530–532). A column whose units
    differ more carries more information and weighs more. Two normalisations give the
    shares, and their weights differ a lot, so the choice is a setting shown beside the
    result:

    - "sum": p_ij = x_ij / Σ_i x_ij, the textbook form (and pymcdm's). Values must be ≥ 0
      (a negative value raises ValueError: use "minmax"); types only choose the value that
      fills a missing one.
    - "minmax": x'_ij = (x_ij − min_j)/(max_j − min_j) (benefit) or (max_j − x_ij)/(max_j −
      min_j) (cost), shifted y = 0.002 + 0.994 x' into [0.002, 0.996], then p = y / Σ y: the
      direction-aware form of the Chinese development-index literature.

    - Constant column (and an all-zero column under "sum") → d_j = 0: it tells units apart
      in no way. If every column is constant, the weights are equal (1/n).
    - Missing values are replaced by the column's worst reported value (min for benefit,
      max for cost; the min under "sum" without types); a column nobody reported → weight 0
      (equal weights if every column is empty).
    - Fewer than two units → equal weights (there is no spread to measure).
    - Ties among units do not matter; the weights do not depend on the order of the units.
    """
    if normalization not in NORMALIZATIONS:
        raise ValueError(
            _("未知的熵权法标准化方式 %(name)s（可选 sum 或 minmax）。") % {"name": normalization}
        )
    values = _as_matrix(matrix, gettext_lazy("数据矩阵"))
    m, n = values.shape
    direction = _types(types, n)
    if n == 0:
        return np.zeros(0)
    filled, empty = _fill_missing(values, direction)
    if empty.all() or m < 2:
        return np.full(n, 1.0 / n)

    if normalization == "sum":
        if (filled < 0).any():
            column = int(np.argmax((filled < 0).any(axis=0))) + 1
            raise ValueError(
                _("第 %(column)d 列有负数，熵权法的 sum 标准化要求数值不小于 0；请改用 minmax。")
                % {"column": column}
            )
        totals = filled.sum(axis=0)
        flat = (filled.max(axis=0) == filled.min(axis=0)) | (totals == 0)
        shares = filled / np.where(totals > 0, totals, 1.0)
    else:
        scaled, flat = _minmax(filled, direction)
        shifted = MINMAX_SHIFT + MINMAX_SPAN * scaled
        shares = shifted / shifted.sum(axis=0)

    logs = np.log(shares, out=np.zeros_like(shares), where=shares > 0)
    entropy = -(shares * logs).sum(axis=0) / np.log(m)
    divergence = np.where(flat | empty, 0.0, np.clip(1.0 - entropy, 0.0, None))
    total = divergence.sum()
    if total > 0:
        return divergence / total
    # Every reported column is constant: no column tells units apart better than another.
    return np.where(empty, 0.0, 1.0 / int((~empty).sum()))


# --- 4. TOPSIS -------------------------------------------------------------------------


def topsis(matrix: npt.ArrayLike, weights: npt.ArrayLike, types: npt.ArrayLike) -> FloatArray:
    """TOPSIS closeness to the ideal, one per unit, in [0, 1] (higher is better).

    Hwang & Yoon (1981), ch. III (TOPSIS; worked example p. 133): vector normalisation
    r_ij = x_ij / √(Σ_i x_ij²),
    weighted v_ij = w_j r_ij; the ideal v⁺_j = max_i v_ij on a benefit column and min_i on a
    cost column, the anti-ideal the other way; Euclidean distances D⁺_i and D⁻_i to them;
    closeness C_i = D⁻_i / (D⁺_i + D⁻_i). With entropy weights this is the composite
    "high-quality development index" of the literature.

    - Weights are used as given, not re-normalised: C is unchanged when every weight is
      multiplied by the same positive number (D⁺ and D⁻ scale together), so normalising
      would change nothing. pymcdm uses them as given too (it only warns when Σw ≠ 1).
      They must be finite and ≥ 0.
    - A column of zeros has no norm: r = 0, it does not separate anybody.
    - D⁺ + D⁻ = 0 (every unit equal on every weighted column) → 0.5 for everybody: each is as
      close to the ideal as to the anti-ideal.
    - Missing values are replaced by the column's worst reported value, as in
      `entropy_weights`; a column nobody reported is ignored (all zeros).
    - Ties: equal rows, equal closeness. Multiplying a column by a positive constant
      changes nothing (the vector normalisation removes the scale).
    """
    values = _as_matrix(matrix, gettext_lazy("数据矩阵"))
    m, n = values.shape
    direction = _types(types, n)
    weight = _weights(weights, n)
    if m == 0:
        return np.zeros(0)
    filled, _empty = _fill_missing(values, direction)
    norms = np.sqrt((filled**2).sum(axis=0))
    normalized = filled / np.where(norms > 0, norms, 1.0)
    weighted = normalized * weight
    highest, lowest = weighted.max(axis=0), weighted.min(axis=0)
    ideal = np.where(direction > 0, highest, lowest)
    anti_ideal = np.where(direction > 0, lowest, highest)
    to_ideal = np.sqrt(((weighted - ideal) ** 2).sum(axis=1))
    to_anti_ideal = np.sqrt(((weighted - anti_ideal) ** 2).sum(axis=1))
    spread = to_ideal + to_anti_ideal
    closeness = to_anti_ideal / np.where(spread > 0, spread, 1.0)
    return np.where(spread > 0, np.clip(closeness, 0.0, 1.0), 0.5)


# --- 5. Benchmark ratio (亩均论英雄) ------------------------------------------------------


def benchmark_points(
    matrix: npt.ArrayLike,
    benchmarks: npt.ArrayLike,
    weights: npt.ArrayLike,
    *,
    types: npt.ArrayLike | None = None,
    caps: npt.ArrayLike | None = None,
) -> FloatArray:
    """The 亩均 evaluation's points per enterprise and indicator.

    points_ij = w_j × x_ij / b_j on a benefit column (亩均税收, 亩均增加值, 全员劳动生产率,
    R&D 经费占比) and w_j × b_j / x_ij on a cost column (a consumption per unit of output),
    with b_j the year's benchmark (基准值, e.g. the county's average): an enterprise at the
    benchmark earns the weight. This is the Σ value/benchmark × weight of Zhejiang's 亩均效益
    综合评价; the total is the row sum. caps (a number or one per column) bound the points at
    caps_j × w_j, e.g. 1.5 for "at most 1.5 times the weight".

    - Missing value (NaN) → 0 points.
    - A negative value on a benefit column (a loss) → 0 points: the evaluation gives no
      negative points.
    - A cost value ≤ 0 → 0 points: a zero or negative consumption is a reporting error, not
      an infinitely good result.
    - Benchmarks must be > 0 (ValueError naming the column); weights finite and ≥ 0; caps > 0.
    - Ties: equal values, equal points.
    """
    values = _as_matrix(matrix, gettext_lazy("数据矩阵"))
    n = values.shape[1]
    benchmark = _per_column(benchmarks, n, gettext_lazy("基准值"))
    if (benchmark <= 0).any():
        raise ValueError(
            _("第 %(column)d 列的基准值必须大于 0。")
            % {"column": int(np.argmax(benchmark <= 0)) + 1}
        )
    weight = _weights(weights, n)
    direction = _types(types, n)
    known = np.isfinite(values)
    usable = known & np.where(direction > 0, True, values > 0)
    safe = np.where(usable, values, 1.0)
    with np.errstate(over="ignore", divide="ignore"):  # the branch np.where drops
        ratio = np.where(direction > 0, safe / benchmark, benchmark / safe)
    ratio = np.maximum(ratio, 0.0)
    if caps is not None:
        cap = _per_column(caps, n, gettext_lazy("封顶倍数"))
        if (cap <= 0).any():
            raise ValueError(
                _("第 %(column)d 列的封顶倍数必须大于 0。")
                % {"column": int(np.argmax(cap <= 0)) + 1}
            )
        ratio = np.minimum(ratio, cap)
    points = weight * ratio
    return np.where(usable & np.isfinite(points), points, 0.0)


# --- 6. Ranks and classes --------------------------------------------------------------


def competition_ranks(scores: npt.ArrayLike, *, decimals: int | None = 2) -> IntArray:
    """Standard competition ranks ("1224"): higher score first, equal scores share a rank.

    A unit's rank is 1 + the number of units with a strictly higher score, so after two
    units tied first comes the third. Scores are compared after rounding to `decimals`
    (numpy's round, half to even), so that units equal as shown on the board share a rank;
    decimals=None compares the exact floats. Missing scores (NaN, ±inf) all share the last
    rank, one behind the last scored unit.
    """
    score = _as_vector(scores, gettext_lazy("得分"))
    known = np.isfinite(score)
    shown = np.round(score, decimals) if decimals is not None else score
    ordered = np.sort(shown[known])
    higher = ordered.size - np.searchsorted(ordered, shown, side="right")
    ranks = np.where(known, higher + 1, ordered.size + 1)
    return ranks.astype(np.int64)


def classify_by_share(
    scores: npt.ArrayLike,
    shares: Sequence[float] = (0.2, 0.6, 0.95),
    labels: Sequence[str] = ("A", "B", "C", "D"),
    *,
    rated: npt.ArrayLike | None = None,
    vetoed: npt.ArrayLike | None = None,
    vetoed_best: str = "C",
    unrated: str = "T",
    decimals: int | None = 2,
) -> StrArray:
    """Classes by share of the ranked entities (亩均 A/B/C/D), with vetoes and T.

    The rated entities are ranked by score (`competition_ranks`, equal scores as shown share
    a rank). Of n rated, an entity at rank r gets the first class k whose cumulative share
    s_k satisfies r ≤ ⌊s_k × n⌋, i.e. r / n ≤ s_k: it is in "the top 20 %" when at most
    20 % of the rated are ranked at or above it. The last label takes the rest.

    So the better classes never exceed their share (A 类不超过 20 %) except through ties, and
    the last class takes at least its share (D 类不少于 5 %). Example, n = 10 and shares
    20/60/95 %: ⌊2⌋ = 2, ⌊6⌋ = 6, ⌊9.5⌋ = 9, so ranks 1–2 are A, 3–6 B, 7–9 C and rank 10 D
    (2/4/3/1). Ties keep the better class: ten equal scores are all rank 1, all A. A lone
    rated entity (rank 1 of 1) is beyond 95 %: D. (s × n is floored with a tolerance of
    1e-9, so 0.29 × 100, 28.999999999999996 in floating point, counts as 29.)

    - rated=False (utilities, enterprises under two years) → `unrated` ("T"): not ranked,
      not counted in n.
    - vetoed=True (a safety or environmental accident) → ranked with the others, keeping
      its place (nobody behind it moves up), but at best `vetoed_best` ("C": barred from A
      and B).
    - A rated entity without a score (NaN) ranks last among the rated.
    """
    score = _as_vector(scores, gettext_lazy("得分"))
    size = score.shape[0]
    cumulative = np.asarray(shares, dtype=np.float64)
    names = list(labels)
    if cumulative.ndim != 1 or len(names) != cumulative.size + 1:
        raise ValueError(
            _("分类比例 %(shares)s 与类别 %(labels)s 不符：类别应比比例多一个。")
            % {"shares": list(shares), "labels": names}
        )
    if not (
        np.isfinite(cumulative).all()
        and (cumulative > 0).all()
        and (cumulative <= 1).all()
        and (np.diff(cumulative) > 0).all()
    ):
        raise ValueError(_("分类比例应为 (0, 1] 内严格递增的累计比例，例如 0.2、0.6、0.95。"))
    is_rated = _mask(rated, size, True, "rated")
    is_vetoed = _mask(vetoed, size, False, "vetoed")
    if is_vetoed.any() and vetoed_best not in names:
        raise ValueError(
            _("一票否决后的最高类别 %(label)s 不在类别 %(labels)s 中。")
            % {"label": vetoed_best, "labels": names}
        )

    classes = np.full(size, len(names), dtype=np.int64)  # the index of `unrated`
    count = int(is_rated.sum())
    if count:
        ranks = competition_ranks(score[is_rated], decimals=decimals)
        limits = np.floor(cumulative * count + 1e-9)
        # The first k with rank ≤ limit_k; ranks beyond every limit get the last label.
        index = np.searchsorted(limits, ranks, side="left")
        if is_vetoed.any():
            best_allowed = names.index(vetoed_best)
            index = np.where(is_vetoed[is_rated], np.maximum(index, best_allowed), index)
        classes[is_rated] = index
    return np.array([*names, unrated], dtype=np.str_)[classes]


def _mask(
    values: npt.ArrayLike | None, size: int, default: bool, name: str
) -> npt.NDArray[np.bool_]:
    """A bool mask of one flag per entity (all `default` when None)."""
    if values is None:
        return np.full(size, default)
    mask = np.asarray(values, dtype=bool)
    if mask.shape != (size,):
        raise ValueError(
            _("%(name)s 应为每个主体一个布尔值（共 %(size)d 个），实际形状为 %(shape)s。")
            % {"name": name, "size": size, "shape": mask.shape}
        )
    return mask
