"""Bracket LPs solved from a subset of their placement columns, the rest priced."""

from types import SimpleNamespace

import numpy as np
import pytest
import scipy.sparse as sp

from assignopt import GammaIncome
from assignopt.lp import solve
from assignopt.maxseg import bracket, maximum_segregation
from assignopt.maxseg.geometry import IndexTerm, interval_cells
from assignopt.policy import Policy
from assignopt.population import Population

BLACK, WHITE = GammaIncome.from_mean(24_600), GammaIncome.from_mean(52_100)


def banded_lp(n_classes):
    population = Population.gamma(BLACK, WHITE, 0.5, n_classes)
    rules = Policy(0.2 / n_classes).rules(population)
    term = IndexTerm("V", population.group_shares)
    cells = interval_cells(np.unique(np.concatenate([np.linspace(0, 1, 9), [0.3]])))
    return population, bracket.bracket_lp(population, rules, cells, term(cells), None), cells


def test_highs_row_duals_price_a_maximum_at_most_zero():
    # The sign convention the pricing relies on: for a maximum, c - A^T y <= 0 on every
    # column at its lower bound and = 0 on the columns in the optimal basis (LP duality).
    _, lp, _ = banded_lp(6)
    whole = solve(lp, "highs", None, bracket._BRACKET_OPTIONS)
    reduced = lp.cost - sp.csc_matrix(lp.matrix).T @ whole.row_dual
    assert reduced.max() <= 1e-7
    assert np.abs(reduced[whole.x > 1e-7]).max() <= 1e-7


def test_pruned_solve_reaches_the_whole_lp_optimum_from_a_poor_start():
    # Starting from one placement column per cell and group (far too few: the pricing must
    # add the rest back), the optimum equals the whole LP's solved by HiGHS directly.
    population, lp, cells = banded_lp(10)
    whole = solve(lp, "highs", None, bracket._BRACKET_OPTIONS)
    keep = np.zeros((len(cells), population.n_groups, population.n_categories), dtype=bool)
    keep[:, :, 0] = True
    pruned = bracket._solve_pruned(lp, keep, "highs", None)
    assert pruned.status == "optimal"
    assert pruned.objective == pytest.approx(whole.objective, abs=1e-9)
    # The solution is mapped back to every column and is feasible for the whole LP.
    assert pruned.x.shape == (lp.shape[1],)
    assert pruned.x.min() >= -1e-12
    rows = lp.matrix @ pruned.x
    assert np.all(rows >= lp.row_lower - 1e-8)
    assert np.all(rows <= lp.row_upper + 1e-8)
    assert float(lp.cost @ pruned.x) == pytest.approx(whole.objective, abs=1e-9)


def test_children_start_from_the_parent_placements_widened_by_one_class():
    # Hand example: two parent cells [0, 0.5] and [0.5, 1], five classes. Parent 0 places
    # group 0 in class 2 only and group 1 nowhere; parent 1 is empty. The new cells [0, 0.25]
    # and [0.25, 0.5] are children of parent 0, [0.5, 1] of parent 1.
    population = Population.gamma(BLACK, WHITE, 0.5, 5)
    x = np.zeros((2, 2, 5))
    x[0, 0, 2] = 0.1
    last = SimpleNamespace(solution=SimpleNamespace(x=np.concatenate([x.ravel(), [1.0, 2.0]])))
    keep = bracket._children_keep(
        last, np.array([0.0, 0.5, 1.0]), np.array([0.0, 0.25, 0.5, 1.0]), population
    )
    assert bracket._KEEP_MARGIN == 1
    expected = np.ones((3, 2, 5), dtype=bool)
    expected[:2, 0] = [False, True, True, True, False]  # class 2 and one class either side
    np.testing.assert_array_equal(keep, expected)


@pytest.mark.parametrize(("n_classes", "d"), [(12, 0.2 / 12), (16, 0.0)])
def test_bracket_equals_the_bracket_over_whole_lps(monkeypatch, n_classes, d):
    # The bracket over whole LPs in every round (the method before pruning) is the second
    # route: same rounds, same bounds, and the witness is inside every band.
    population = Population.gamma(BLACK, WHITE, 0.5, n_classes)
    policy = Policy(d)
    pruned = maximum_segregation(population, policy, method="bracket", gap=1e-6)
    monkeypatch.setattr(bracket, "_children_keep", lambda *args: None)
    whole = maximum_segregation(population, policy, method="bracket", gap=1e-6)
    assert pruned.iterations == whole.iterations > 1
    assert pruned.lower == pytest.approx(whole.lower, abs=1e-9)
    assert pruned.upper == pytest.approx(whole.upper, abs=1e-9)
    assert pruned.upper - pruned.lower <= 1e-6
    assert pruned.witness.index("V") == pytest.approx(pruned.lower, abs=1e-9)
    assert policy.violations(pruned.witness.schools, population) == []
