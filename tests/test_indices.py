"""Segregation indices: hand calculations, PySAL cross-checks, properties and bad input."""

import math
import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from assignopt import (
    InputError,
    UndefinedIndexError,
    dissimilarity,
    exposure,
    index_summary,
    isolation,
    multigroup_dissimilarity,
    multigroup_normalized_exposure,
    multigroup_theil_h,
    normalized_exposure,
    theil_h,
)
from assignopt.indices import composition_terms
from assignopt.validation import check_not_a_total

# Four schools of unequal size plus an empty one. B = 35, W = 65, T = 100, pi_b = 0.35.
HAND = np.array([[10, 30], [20, 5], [5, 20], [0, 10], [0, 0]], dtype=float)


def test_normalized_exposure_by_hand():
    # sum_j t_j (beta_j - 0.35)^2 = 40*0.1^2 + 25*0.45^2 + 25*0.15^2 + 10*0.35^2 = 7.25;
    # T pi_b pi_w = 100 * 0.35 * 0.65 = 22.75  ->  V = 7.25 / 22.75 = 29/91.
    assert normalized_exposure(HAND) == pytest.approx(29 / 91, abs=1e-15)


def test_dissimilarity_by_hand():
    # sum_j t_j |beta_j - 0.35| = 4 + 11.25 + 3.75 + 3.5 = 22.5; 2 T pi_b pi_w = 45.5.
    assert dissimilarity(HAND) == pytest.approx(22.5 / 45.5, abs=1e-15)


def test_exposure_and_isolation_by_hand():
    # P*_bw = (10/35)(30/40) + (20/35)(5/25) + (5/35)(20/25) = 15.5/35.
    assert exposure(HAND) == pytest.approx(15.5 / 35, abs=1e-15)
    # P*_bb = (10/35)(10/40) + (20/35)(20/25) + (5/35)(5/25) = 19.5/35.
    assert isolation(HAND) == pytest.approx(19.5 / 35, abs=1e-15)
    # V = 1 - P*_bw / pi_w ties exposure to V.
    assert 1 - exposure(HAND) / 0.65 == pytest.approx(normalized_exposure(HAND), abs=1e-14)


def test_theil_h_by_hand():
    def entropy(p):
        return -sum(x * math.log(x) for x in p if x > 0)

    e = entropy([0.35, 0.65])
    units = [(40, 0.25), (25, 0.8), (25, 0.2), (10, 0.0)]
    expected = sum(t * (e - entropy([beta, 1 - beta])) for t, beta in units) / (e * 100)
    assert theil_h(HAND) == pytest.approx(expected, abs=1e-14)


def test_three_groups_by_hand():
    # Unit 1: 2, 0, 2; unit 2: 0, 4, 0. pi = (1/4, 1/2, 1/4), T = 8.
    table = np.array([[2, 0, 2], [0, 4, 0], [0, 0, 0]], dtype=float)
    # R: group 1: (4/16 + 4/16)/(0.75*8) = 1/12; group 2: (1 + 1)/(0.5*8) = 1/2; group 3: 1/12.
    assert multigroup_normalized_exposure(table) == pytest.approx(2 / 3, abs=1e-15)
    # D: numerator 2 + 4 + 2 = 8; denominator 2*8*(3/16 + 1/4 + 3/16) = 10.
    assert multigroup_dissimilarity(table) == pytest.approx(0.8, abs=1e-15)
    # H: E = 1.5 ln 2, E_1 = ln 2, E_2 = 0 -> H = (4(E - ln 2) + 4E) / (8E) = 2/3.
    assert multigroup_theil_h(table) == pytest.approx(2 / 3, abs=1e-14)


def test_dataframe_columns_are_picked_by_name():
    frame = pd.DataFrame({"school": list("abcde"), "white": HAND[:, 1], "black": HAND[:, 0]})
    assert normalized_exposure(frame, ["black", "white"]) == pytest.approx(29 / 91)
    summary = index_summary(frame.assign(asian=[1, 2, 3, 4, 0]), ["black", "white", "asian"])
    assert summary["V"] == pytest.approx(29 / 91)
    assert {"R_multigroup", "H_multigroup", "D_multigroup"} <= set(summary)


# --- cross-check against PySAL segregation -------------------------------------------------


def _pysal():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from segregation import multigroup, singlegroup
    return singlegroup, multigroup


@pytest.mark.parametrize("seed", range(12))
def test_agrees_with_pysal_segregation(seed):
    singlegroup, multigroup = _pysal()
    rng = np.random.default_rng(seed)
    n_units, n_groups = rng.integers(3, 60), rng.integers(2, 6)
    counts = rng.poisson(rng.gamma(1.0, 40.0, size=(n_units, n_groups))).astype(float)
    counts[0] = 0  # an empty unit must carry no weight
    counts[1, 0] += 1
    counts[2, 1] += 1
    counts[2, 2:] += 1  # every group present
    names = [f"g{k}" for k in range(n_groups)]
    frame = pd.DataFrame(counts, columns=names)
    frame["pair_total"] = frame["g0"] + frame["g1"]
    pair = frame[["g0", "g1"]]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        expected = {
            "V": singlegroup.CorrelationR(frame, "g0", "pair_total").statistic,
            "D": singlegroup.Dissim(frame, "g0", "pair_total").statistic,
            "H": singlegroup.Entropy(frame, "g0", "pair_total").statistic,
            "isolation": singlegroup.Isolation(frame, "g0", "pair_total").statistic,
            "exposure": singlegroup.Interaction(frame, "g0", "pair_total").statistic,
            "R": multigroup.MultiNormExposure(frame, names).statistic,
            "Hm": multigroup.MultiInfoTheory(frame, names).statistic,
            "Dm": multigroup.MultiDissim(frame, names).statistic,
        }
    got = {
        "V": normalized_exposure(pair),
        "D": dissimilarity(pair),
        "H": theil_h(pair),
        "isolation": isolation(pair),
        "exposure": exposure(pair),
        "R": multigroup_normalized_exposure(frame, names),
        "Hm": multigroup_theil_h(frame, names),
        "Dm": multigroup_dissimilarity(frame, names),
    }
    for key, value in expected.items():
        assert got[key] == pytest.approx(value, abs=1e-10), key


# --- properties ------------------------------------------------------------------------------


def _no_total_column(table):
    # A column equal to the sum of the others in every unit is refused as a total.
    try:
        check_not_a_total(table, [str(k) for k in range(table.shape[1])], name="table")
    except InputError:
        return False
    return True


count_tables = (
    arrays(
        np.float64,
        st.tuples(st.integers(1, 12), st.integers(2, 4)),
        elements=st.integers(0, 500).map(float),
    )
    .filter(lambda a: np.all(a.sum(axis=0) > 0))
    .filter(_no_total_column)
)

ALL = [normalized_exposure, dissimilarity, theil_h]
MULTI = [multigroup_normalized_exposure, multigroup_theil_h, multigroup_dissimilarity]


@settings(max_examples=150, deadline=None)
@given(count_tables)
def test_indices_lie_in_unit_interval(table):
    for index in MULTI:
        assert -1e-12 <= index(table) <= 1 + 1e-12
    pair = table[:, :2]
    if np.all(pair.sum(axis=0) > 0):
        for index in ALL:
            assert -1e-12 <= index(pair) <= 1 + 1e-12


@settings(max_examples=150, deadline=None)
@given(count_tables, st.data())
def test_splitting_a_school_by_its_own_composition_changes_nothing(table, data):
    j = data.draw(st.integers(0, table.shape[0] - 1))
    part = data.draw(st.floats(0.05, 0.95))
    split = np.vstack([np.delete(table, j, axis=0), table[j] * part, table[j] * (1 - part)])
    for index in MULTI:
        assert index(split) == pytest.approx(index(table), abs=1e-12)
    pair, split_pair = table[:, :2], split[:, :2]  # every group has students (strategy)
    for index in ALL:
        assert index(split_pair) == pytest.approx(index(pair), abs=1e-12)


@settings(max_examples=150, deadline=None)
@given(count_tables)
def test_v_is_symmetric_and_equals_r_for_two_groups(table):
    pair = table[:, :2]  # every group has students (strategy)
    v = normalized_exposure(pair)
    assert normalized_exposure(pair[:, ::-1]) == pytest.approx(v, abs=1e-12)
    assert multigroup_normalized_exposure(pair) == pytest.approx(v, abs=1e-12)
    assert multigroup_dissimilarity(pair) == pytest.approx(dissimilarity(pair), abs=1e-12)
    assert multigroup_theil_h(pair) == pytest.approx(theil_h(pair), abs=1e-12)
    perm = np.random.default_rng(0).permutation(table.shape[1])
    assert multigroup_normalized_exposure(table[:, perm]) == pytest.approx(
        multigroup_normalized_exposure(table), abs=1e-12
    )


def test_perfectly_even_and_perfectly_segregated_extremes():
    even = np.array([[1, 3], [2, 6], [5, 15]], dtype=float)
    apart = np.array([[7, 0], [0, 9]], dtype=float)
    for index in ALL:
        assert index(even) == pytest.approx(0.0, abs=1e-15)
        assert index(apart) == pytest.approx(1.0, abs=1e-15)


# --- bad input -------------------------------------------------------------------------------


def test_negative_count_is_named():
    with pytest.raises(InputError, match=r"negative count -1.0 in column 'white', row 1"):
        normalized_exposure(pd.DataFrame({"black": [1, 2], "white": [3, -1]}))


def test_nan_is_named():
    with pytest.raises(InputError, match=r"'black', row 0 is not a finite number"):
        dissimilarity(pd.DataFrame({"black": [np.nan, 2], "white": [3, 1]}))


def test_missing_column_lists_available():
    frame = pd.DataFrame({"black": [1, 2], "whte": [3, 1]})
    with pytest.raises(InputError, match=r"'white' not found; available columns: black, whte"):
        normalized_exposure(frame, ["black", "white"])


def test_absent_group_is_undefined_not_nan():
    with pytest.raises(UndefinedIndexError, match=r"'group1' have no students"):
        normalized_exposure(np.array([[3, 0], [4, 0]]))


def test_wrong_shapes_and_types():
    with pytest.raises(InputError, match="exactly 2 group columns"):
        normalized_exposure(np.ones((3, 3)))
    with pytest.raises(InputError, match="2-D table"):
        normalized_exposure(np.ones(3))
    with pytest.raises(InputError, match="no units"):
        normalized_exposure(np.ones((0, 2)))
    with pytest.raises(InputError, match="not numeric"):
        normalized_exposure(pd.DataFrame({"black": ["a", "b"], "white": [1, 2]}))


@pytest.mark.parametrize(
    ("index", "function"),
    [
        ("V", normalized_exposure),
        ("H", theil_h),
        ("D", dissimilarity),
    ],
)
def test_composition_terms_sum_to_the_two_group_index(index, function):
    # The per-unit term phi of the mathematics note: sum_j t_j phi(p_j) / T is the index.
    counts = np.array([[10.0, 30.0], [25.0, 5.0], [0.0, 12.0], [7.0, 7.0]])
    t = counts.sum(axis=1)
    pi = counts.sum(axis=0) / t.sum()
    terms = composition_terms(counts / t[:, None], pi, index)
    assert np.sum(t * terms) / t.sum() == pytest.approx(function(counts), rel=1e-12)


@pytest.mark.parametrize(
    ("index", "function"),
    [
        ("R", multigroup_normalized_exposure),
        ("H", multigroup_theil_h),
        ("D", multigroup_dissimilarity),
    ],
)
def test_composition_terms_sum_to_the_multigroup_index(index, function):
    counts = np.array([[10.0, 30.0, 5.0], [25.0, 5.0, 9.0], [0.0, 12.0, 30.0]])
    t = counts.sum(axis=1)
    pi = counts.sum(axis=0) / t.sum()
    terms = composition_terms(counts / t[:, None], pi, index)
    assert np.sum(t * terms) / t.sum() == pytest.approx(function(counts), rel=1e-12)


def test_counts_that_overflow_are_refused_naming_the_column():
    # Before: 1e308 + 1e308 overflowed to inf and every index came back NaN without a word.
    frame = pd.DataFrame({"black": [1e308, 1e308], "white": [5.0, 7.0]})
    with pytest.raises(InputError, match=r"column 'black' sums to more than .*overflow"):
        normalized_exposure(frame, ["black", "white"])
    with pytest.raises(InputError, match=r"'black' sums to more than"):
        index_summary(frame)


def test_a_total_mistaken_for_a_group_is_refused():
    # 'all' is black + white + asian in every row: a total, not a group.
    frame = pd.DataFrame(
        {
            "black": [10, 20, 5],
            "white": [30, 5, 20],
            "asian": [1, 0, 2],
            "all": [41, 25, 27],
        }
    )
    with pytest.raises(
        InputError, match=r"column 'all' equals the sum of 'black', 'white', 'asian'.*total"
    ):
        index_summary(frame)
    index_summary(frame, ["black", "white", "asian"])  # the groups alone are fine
