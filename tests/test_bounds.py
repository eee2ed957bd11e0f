"""The literature's closed forms and constructions (mathematics note, items 1-6)."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import integrate

from assignopt import (
    GammaIncome,
    InputError,
    greedy_construction,
    income_class_table,
    normalized_exposure,
    three_school_construction,
    vmax_continuous,
    vmax_dichotomous,
    vmax_supremum,
    vmax_tolerance_approx,
)
from assignopt.bounds import closed_form_bounds

rates = st.floats(0.0, 1.0)
shares = st.floats(0.02, 0.98)


def dichotomous_table(black_share, black_poverty, white_poverty):
    """Class table (rows Black, White; columns poor, nonpoor) in shares of the district."""
    return np.array(
        [
            [black_share * black_poverty, black_share * (1 - black_poverty)],
            [(1 - black_share) * white_poverty, (1 - black_share) * (1 - white_poverty)],
        ]
    )


def test_worked_example():
    # pi_wp = 0.20, pi_bp = 0.50: V_max = 1 - 0.30 = 0.70.
    assert vmax_dichotomous(0.5, 0.2) == pytest.approx(0.70, abs=1e-15)


@settings(max_examples=200, deadline=None)
@given(shares, rates, rates)
def test_supremum_reduces_to_dichotomous_closed_form(black_share, bp, wp):
    table = dichotomous_table(black_share, bp, wp)
    assert vmax_supremum(table) == pytest.approx(vmax_dichotomous(bp, wp), abs=1e-12)


def test_continuous_closed_form_against_two_independent_routes():
    black, white = GammaIncome.from_mean(24_600), GammaIncome.from_mean(52_100)
    closed = vmax_continuous(black, white)
    # Route 1: V = 2 P(I_w < I_b) by quadrature of f_b(x) F_w(x).
    q, _ = integrate.quad(lambda x: black.pdf(x) * white.cdf(x), 0, 40 * black.mean, limit=500)
    assert closed == pytest.approx(2 * q, abs=1e-9)
    # Route 2: the exact binned supremum on ever finer classes converges to it from above.
    values = [vmax_supremum(income_class_table(black, white, 0.3, k)) for k in (50, 500, 5000)]
    assert values[0] >= values[1] >= values[2] >= closed - 1e-12
    assert values[2] - closed < 1e-6


def test_continuous_supremum_does_not_depend_on_racial_composition():
    black, white = GammaIncome.from_mean(31_700), GammaIncome.from_mean(68_100)
    by_share = [vmax_supremum(income_class_table(black, white, s, 4000)) for s in (0.1, 0.5, 0.9)]
    assert np.ptp(by_share) < 1e-5
    assert by_share[0] == pytest.approx(vmax_continuous(black, white), abs=2e-6)


def test_equal_incomes_allow_complete_segregation():
    same = GammaIncome.from_mean(40_000)
    assert vmax_continuous(same, GammaIncome.from_mean(40_000)) == pytest.approx(1.0)


GREEDY_J = (4, 10, 20, 50, 100)


def test_greedy_approaches_the_supremum_as_j_grows():
    black, white = GammaIncome.from_mean(24_600), GammaIncome.from_mean(52_100)
    table = income_class_table(black, white, 0.5, 1000)
    supremum = vmax_supremum(table)
    gaps = []
    for n_schools in GREEDY_J:
        construction = greedy_construction(table, n_schools)
        gaps.append(supremum - construction.value)
        # Feasible for perfect balance: every school has the district's income distribution.
        per_school = construction.schools.sum(axis=1)
        assert per_school == pytest.approx(np.tile(table.sum(axis=0) / n_schools, (n_schools, 1)))
        # Uses exactly the district's students.
        assert construction.schools.sum(axis=0) == pytest.approx(table, abs=1e-12)
        assert construction.value == pytest.approx(
            normalized_exposure(construction.group_counts), abs=1e-12
        )
    print("J, supremum - greedy:", list(zip(GREEDY_J, np.round(gaps, 6))))
    # Never above the supremum, shrinking, and with gap <= 1/J^2 (measured: ~0.6/J^2), so
    # from about J = 20 on the value no longer depends on J (gap < 0.3% of V).
    assert all(g >= -1e-12 for g in gaps)
    assert all(a > b for a, b in zip(gaps, gaps[1:]))
    assert all(g <= 1 / j**2 for g, j in zip(gaps, GREEDY_J))
    assert gaps[2] / supremum < 3e-3


@settings(max_examples=200, deadline=None)
@given(shares, st.floats(0.01, 0.99), st.floats(0.01, 0.99), st.floats(0.0, 0.45))
def test_three_school_construction_is_feasible_and_reproduces_its_value(pi_b, bp, wp, d):
    c = three_school_construction(pi_b, bp, wp, d, total_students=1000.0)
    # Recomputed V from the school compositions equals the returned value.
    assert normalized_exposure(c.group_counts) == pytest.approx(c.value, abs=1e-9)
    # The schools hold exactly the district's students, cell by cell.
    assert c.schools.sum(axis=0) / 1000 == pytest.approx(dichotomous_table(pi_b, bp, wp), abs=1e-9)
    # Every non-empty school's poverty rate lies in the band.
    pi_p = pi_b * bp + (1 - pi_b) * wp
    sizes = c.schools.sum(axis=(1, 2))
    rates_ = c.schools[:, :, 0].sum(axis=1)[sizes > 1e-9] / sizes[sizes > 1e-9]
    assert np.all(rates_ >= pi_p - d - 1e-9) and np.all(rates_ <= pi_p + d + 1e-9)
    # At d = 0 the construction is the exact dichotomous maximum.
    if d == 0:
        assert c.value == pytest.approx(vmax_dichotomous(bp, wp), abs=1e-9)


def test_three_school_reproduces_the_literature_formula_for_half_black_districts():
    # Worked example with d = 0.1: 0.70 / (1 - 0.2) = 0.875.
    for rates_ in ("literature", "best"):
        c = three_school_construction(0.5, 0.5, 0.2, 0.1, school_rates=rates_)
        assert c.value == pytest.approx(0.875)
    # Literature schools: A all White at 0.25 with all 0.1 poor Whites (size 0.4); B all Black
    # at 0.45 with all 0.25 nonpoor Blacks (size 0.25 / 0.55).
    assert c.group_counts[:2] == pytest.approx(np.array([[0.0, 0.4], [0.25 / 0.55, 0.0]]))
    assert vmax_tolerance_approx(0.5, 0.2, 0.1) == pytest.approx(0.875)
    # Capped at one.
    assert vmax_tolerance_approx(0.5, 0.2, 0.4) == 1.0


@settings(max_examples=100, deadline=None)
@given(shares, rates, rates, st.floats(0.0, 0.45))
def test_tolerance_never_lowers_the_construction(pi_b, bp, wp, d):
    # A wider band allows everything perfect balance does, and the "best" construction
    # includes the exact perfect-balance one (both single-race schools at the district rate).
    assert three_school_construction(pi_b, bp, wp, d).value >= vmax_dichotomous(bp, wp) - 1e-9


@pytest.mark.parametrize("d", [-0.01, 0.5, 0.7, float("nan")])
def test_tolerance_outside_range_is_refused(d):
    with pytest.raises(InputError, match=r"tolerance must lie in \[0, 0.5\)"):
        vmax_tolerance_approx(0.5, 0.2, d)
    with pytest.raises(InputError, match="tolerance"):
        three_school_construction(0.5, 0.5, 0.2, d)


def test_bad_rates_and_shares_are_named():
    # Messages name the Python parameter, never a command-line flag.
    with pytest.raises(InputError, match=r"^black_poverty must be a rate in"):
        vmax_dichotomous(1.2, 0.1)
    with pytest.raises(InputError, match=r"^black_share must lie strictly between 0 and 1"):
        three_school_construction(1.0, 0.5, 0.2, 0.1)
    with pytest.raises(InputError, match=r"^n_schools must be an integer >= 1"):
        greedy_construction(dichotomous_table(0.5, 0.5, 0.2), 0)
    with pytest.raises(InputError, match="shape \\(2, K\\)"):
        vmax_supremum(np.ones((3, 4)))


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"white_mean": 5e4, "black_mean": 2e4, "threshold": 0}, r"^threshold must be a positive"),
        ({"white_poverty": 0.2, "black_poverty": 0.5, "threshold": 1e4}, r"^threshold needs"),
        ({"white_mean": 5e4, "black_mean": 2e4, "white_poverty": 0.1}, "white_mean and black_mean"),
        ({"white_mean": 5e4}, "give both white_mean and black_mean"),
        ({"white_poverty": 0.2, "black_poverty": 0.5, "tolerance": 0.5}, r"^tolerance must lie"),
    ],
)
def test_closed_form_bounds_messages_name_parameters_not_flags(kwargs, message):
    with pytest.raises(InputError, match=message) as info:
        closed_form_bounds(**kwargs)
    assert "--" not in str(info.value)
