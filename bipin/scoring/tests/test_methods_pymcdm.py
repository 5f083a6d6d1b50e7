"""Entropy weights and TOPSIS against pymcdm, an independent implementation, on the same inputs.

pymcdm (1.4, a test-only dependency) is the MCDA library of Shekhovtsov and Kizielewicz.
How its normalisations match ours, read from its source:

- `pymcdm.weights.entropy_weights(matrix)` normalises every column with
  `normalizations.sum_normalization` and no types (p = x / Σx, all as benefit), then
  e_j = −Σ p ln p / ln m, w = (1 − e) / Σ(1 − e): exactly our normalization="sum". It
  refuses values ≤ 0 (sum_normalization raises), where we accept zeros (0 ln 0 = 0), so the
  comparison is on strictly positive matrices.
- `pymcdm.methods.TOPSIS(normalization_function=vector_normalization)` divides by the
  column's Euclidean norm, but turns a cost column into 1 − x/‖x‖ and then takes the
  ideal as the column maximum for every column. The weighted distances are the same as
  Hwang & Yoon's (w(1 − r) − max w(1 − r) = min w r − w r), so the closeness is too. It
  uses the weights as given. Its validation only warns (weights not summing to 1,
  dominated alternatives) and is switched off here to keep the output clean.
- `method.rank(pref)` ranks from 1 with ties averaged; ours give ties the better rank
  (1224), so ranks are compared exactly where closeness values differ.
"""

import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from pymcdm import normalizations
from pymcdm.methods import TOPSIS
from pymcdm.weights import entropy_weights as pymcdm_entropy_weights

from bipin.scoring import methods

SHAPES = [(4, 3), (5, 6), (10, 2), (12, 8), (30, 5), (60, 12), (300, 20)]


def _random_problem(seed, shape):
    rng = np.random.default_rng(seed)
    matrix = rng.uniform(0.5, 1000.0, size=shape)
    weights = rng.uniform(0.05, 1.0, size=shape[1])
    types = rng.choice([1, -1], size=shape[1])
    return matrix, weights / weights.sum(), types


def _pymcdm_topsis(matrix, weights, types):
    body = TOPSIS(normalization_function=normalizations.vector_normalization)
    preferences = body(matrix, weights, types, validation=False)
    return preferences, body.rank(preferences)


@pytest.mark.parametrize("seed", range(len(SHAPES)))
def test_entropy_weights_equal_pymcdm_on_random_matrices(seed):
    matrix, _weights, _types = _random_problem(seed, SHAPES[seed])

    ours = methods.entropy_weights(matrix, normalization="sum")

    np.testing.assert_allclose(ours, pymcdm_entropy_weights(matrix), rtol=0, atol=1e-9)


@pytest.mark.parametrize("seed", range(len(SHAPES)))
def test_topsis_equals_pymcdm_preferences_and_ranks_on_random_matrices(seed):
    matrix, weights, types = _random_problem(seed, SHAPES[seed])

    ours = methods.topsis(matrix, weights, types)

    preferences, ranks = _pymcdm_topsis(matrix, weights, types)
    np.testing.assert_allclose(ours, preferences, rtol=0, atol=1e-9)
    assert methods.competition_ranks(ours, decimals=None).tolist() == ranks.tolist()


def test_entropy_topsis_chain_equals_pymcdm_on_the_aircraft_example():
    """The composite index (entropy weights fed into TOPSIS) on Hwang & Yoon's aircraft."""
    aircraft = np.array(
        [
            [2.0, 1500, 20000, 5.5, 5, 9],
            [2.5, 2700, 18000, 6.5, 3, 5],
            [1.8, 2000, 21000, 4.5, 7, 7],
            [2.2, 1800, 20000, 5.0, 5, 5],
        ]
    )
    types = np.array([1, 1, 1, -1, 1, 1])

    weights = methods.entropy_weights(aircraft, normalization="sum")
    closeness = methods.topsis(aircraft, weights, types)

    their_weights = pymcdm_entropy_weights(aircraft)
    preferences, ranks = _pymcdm_topsis(aircraft, their_weights, types)
    np.testing.assert_allclose(weights, their_weights, rtol=0, atol=1e-12)
    np.testing.assert_allclose(closeness, preferences, rtol=0, atol=1e-12)
    assert methods.competition_ranks(closeness, decimals=None).tolist() == ranks.tolist()


@st.composite
def positive_problems(draw):
    """Whole-number matrices (units differ by at least 1 %), weights and types."""
    rows = draw(st.integers(2, 10))
    columns = draw(st.integers(1, 6))
    matrix = draw(hnp.arrays(np.float64, (rows, columns), elements=st.integers(1, 100)))
    weights = np.array(draw(st.lists(st.integers(1, 10), min_size=columns, max_size=columns)))
    types = np.array(draw(st.lists(st.sampled_from([1, -1]), min_size=columns, max_size=columns)))
    return matrix, weights / weights.sum(), types


@given(positive_problems())
def test_entropy_weights_equal_pymcdm(problem):
    matrix, _weights, _types = problem
    # With every column constant pymcdm divides 0 by 0; we return equal weights.
    assume((matrix.max(axis=0) > matrix.min(axis=0)).any())

    ours = methods.entropy_weights(matrix, normalization="sum")

    np.testing.assert_allclose(ours, pymcdm_entropy_weights(matrix), rtol=0, atol=1e-9)


@given(positive_problems())
def test_topsis_equals_pymcdm(problem):
    matrix, weights, types = problem
    # With every unit equal pymcdm divides 0 by 0; we give everybody 0.5.
    assume((matrix.max(axis=0) > matrix.min(axis=0)).any())

    ours = methods.topsis(matrix, weights, types)

    preferences, their_ranks = _pymcdm_topsis(matrix, weights, types)
    np.testing.assert_allclose(ours, preferences, rtol=0, atol=1e-9)
    our_ranks = methods.competition_ranks(ours, decimals=None)
    # Where two closeness values differ, both rankings order the two units the same way.
    apart = np.abs(ours[:, None] - ours[None, :]) > 1e-9
    ours_before = our_ranks[:, None] < our_ranks[None, :]
    theirs_before = their_ranks[:, None] < their_ranks[None, :]
    assert (ours_before == theirs_before)[apart].all()
