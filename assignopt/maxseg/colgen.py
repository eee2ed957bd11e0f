"""Exact column generation for two groups balanced on income classes.

The master LP chooses how many students go to schools of each known composition (a *column*);
its row duals price every other composition. For two groups and bands on income-class shares,
the best new composition can be found exactly: a vertex of the allowed set puts each class
wholly Black or wholly White, and the Black classes form a prefix of the classes sorted by
their dual cost difference; for each prefix the class shares solve two greedy knapsacks whose
value is piecewise linear in the Black share, and the convex index term peaks at a breakpoint.
When no composition has positive reduced cost the master is optimal; before that,
``master + best reduced cost`` is a proven upper bound (the master's columns sum to one).
"""

from __future__ import annotations

import time

import numpy as np
import scipy.sparse as sp

from assignopt.errors import AssignoptError, TimeLimitError
from assignopt.lp import EXACT_OPTIONS, LinearProgram, LPSolution, solve
from assignopt.maxseg.common import raise_unsolved
from assignopt.maxseg.geometry import IndexTerm
from assignopt.maxseg.result import SegregationBound
from assignopt.policy import BalanceRule
from assignopt.population import Population
from assignopt.witness import Witness

__all__ = [
    "class_share_bounds",
    "column_generation",
    "price_two_group",
    "single_class_rules",
    "solve_master",
]


def class_share_bounds(
    n_classes: int, rules: list[tuple[int, float, float]]
) -> tuple[np.ndarray, np.ndarray]:
    """Bounds ``(lower, upper)`` on every class share, from single-class bands."""
    lower, upper = np.zeros(n_classes), np.ones(n_classes)
    for c, lo, hi in rules:
        lower[c], upper[c] = max(lower[c], lo), min(upper[c], hi)
    return lower, upper


def _knapsack(cost: np.ndarray, lower: np.ndarray, upper: np.ndarray):
    """Least cost of shares q in [lower, upper] summing to s, as breakpoints (s, cost)."""
    order = np.argsort(cost, kind="stable")
    width = (upper - lower)[order]
    s = lower.sum() + np.concatenate([[0.0], np.cumsum(width)])
    v = cost @ lower + np.concatenate([[0.0], np.cumsum(width * cost[order])])
    return s, v, order


def _fill(cost, lower, upper, total):
    """The greedy least-cost shares in [lower, upper] summing to ``total``."""
    q = lower.copy()
    left = total - lower.sum()
    for c in np.argsort(cost, kind="stable"):
        add = min(upper[c] - lower[c], max(left, 0.0))
        q[c] += add
        left -= add
    return q


def price_two_group(
    dual_black: np.ndarray,
    dual_white: np.ndarray,
    lower: np.ndarray,
    upper: np.ndarray,
    phi,
    max_columns: int = 8,
) -> list[tuple[float, np.ndarray]]:
    """Compositions with the largest reduced cost ``phi(beta) - dual . z``.

    Parameters
    ----------
    dual_black, dual_white : numpy.ndarray
        Row duals of the Black and White supply rows, per class (K,).
    lower, upper : numpy.ndarray
        Bounds on a school's class shares.
    phi : callable
        Convex index term of the Black share.
    max_columns : int
        How many of the best compositions (one per prefix) to return.

    Returns
    -------
    list of (reduced cost, composition)
        Compositions as ``(2, K)`` share arrays (row 0 Black), best first.
    """
    k = dual_black.size
    delta = dual_black - dual_white
    order = np.argsort(delta, kind="stable")
    found = []
    for n_black in range(k + 1):
        black = np.zeros(k, dtype=bool)
        black[order[:n_black]] = True
        white = ~black
        cost = np.where(black, dual_black, dual_white)
        lo_b, hi_b = lower[black].sum(), upper[black].sum()
        lo_w, hi_w = lower[white].sum(), upper[white].sum()
        beta_min, beta_max = max(lo_b, 1 - hi_w), min(hi_b, 1 - lo_w)
        if beta_min > beta_max + 1e-12:
            continue
        sb, vb, _ = _knapsack(cost[black], lower[black], upper[black])
        sw, vw, _ = _knapsack(cost[white], lower[white], upper[white])
        candidates = np.concatenate([sb, 1 - sw, [beta_min, beta_max]])
        candidates = np.clip(candidates, beta_min, beta_max)
        h = np.interp(candidates, sb, vb) + np.interp(1 - candidates, sw, vw)
        value = phi(candidates) - h
        best = int(np.argmax(value))
        beta = float(candidates[best])
        q = np.zeros(k)
        q[black] = _fill(cost[black], lower[black], upper[black], beta)
        q[white] = _fill(cost[white], lower[white], upper[white], 1 - beta)
        comp = np.vstack([np.where(black, q, 0.0), np.where(white, q, 0.0)])
        reduced = float(
            phi(np.array([comp[0].sum()]))[0] - dual_black @ comp[0] - dual_white @ comp[1]
        )
        found.append((reduced, comp))
    found.sort(key=lambda item: -item[0])
    return found[:max_columns]


def solve_master(
    columns: np.ndarray,
    phi_values: np.ndarray,
    supply: np.ndarray,
    solver: str,
    time_limit: float | None,
) -> tuple[LPSolution, np.ndarray]:
    """Solve the master LP and return duals with the sign of a maximization's shadow prices.

    Parameters
    ----------
    columns : numpy.ndarray
        Column compositions, shape ``(n, cells)``, each summing to one.
    phi_values : numpy.ndarray
        Objective coefficient of each column.
    supply : numpy.ndarray
        District shares by cell (sums to one).
    solver : str
        LP solver name.
    time_limit : float, optional
        Seconds per solve.

    Returns
    -------
    (LPSolution, duals)
        Duals ``y`` with ``phi_j - y . z_j = 0`` on the columns in use.
    """
    matrix = sp.csr_matrix(columns.T)
    lp = LinearProgram(
        phi_values,
        matrix,
        supply,
        supply,
        np.zeros(len(phi_values)),
        np.full(len(phi_values), np.inf),
        None,
        maximize=True,
    )
    solution = solve(lp, solver, time_limit, EXACT_OPTIONS)
    if solution.row_dual is None:
        return solution, np.full(supply.size, np.nan)
    duals = solution.row_dual
    # Solvers differ in the sign convention of a maximization's duals: take the sign under
    # which the columns in use price out at zero.
    in_use = solution.x > 1e-12
    residual = [
        np.abs(phi_values[in_use] - columns[in_use] @ (sign * duals)).max(initial=0.0)
        for sign in (1.0, -1.0)
    ]
    return solution, duals if residual[0] <= residual[1] else -duals


def single_class_rules(
    population: Population, rules: list[BalanceRule]
) -> list[tuple[int, float, float]] | None:
    """Rules as (class, lower, upper) when every rule bands one income class of two groups."""
    if population.n_groups != 2 or population.attribute is not None:
        return None
    out = []
    for rule in rules:
        classes = np.unique(population.income_class[rule.categories])
        if classes.size != 1 or rule.categories.sum() != 1:
            return None
        out.append((int(classes[0]), rule.lower, rule.upper))
    return out


def column_generation(
    population: Population,
    class_rules: list[tuple[int, float, float]],
    term: IndexTerm,
    gap: float,
    solver: str,
    max_iterations: int,
    time_limit: float | None,
    start: float,
) -> SegregationBound:
    """The maximum by column generation with exact pricing (two groups, class bands only)."""
    objective = term.objective
    k = population.n_classes
    lower, upper = class_share_bounds(k, class_rules)
    supply = (population.counts / population.total).ravel()

    def phi(beta: np.ndarray) -> np.ndarray:
        return term(np.column_stack([beta, 1 - beta]))

    # Seed: the nested schools of the supremum (mathematics note, item 5): with the district's
    # class shares, classes Black from the highest Black share down. They meet every band
    # (the district's shares do) and are optimal under perfect balance.
    class_mix = population.class_matrix() / population.total
    p = class_mix.sum(axis=0)
    order = np.argsort(-class_mix[0] / np.where(p > 0, p, 1), kind="stable")
    columns = []
    for n_black in range(k + 1):
        black = np.zeros(k, dtype=bool)
        black[order[:n_black]] = True
        columns.append(np.concatenate([np.where(black, p, 0.0), np.where(black, 0.0, p)]))
    columns.append(supply.copy())  # the district itself
    phi_values = [float(phi(np.array([col[:k].sum()]))[0]) for col in columns]
    solve_time, upper_best, reduced = 0.0, np.inf, np.inf
    max_rounds = max(max_iterations, 20 * k)
    timed_out = False
    for iteration in range(1, max_rounds + 1):  # noqa: B007 (reported after the loop)
        round_cols = np.array(columns)
        attempt, round_duals = solve_master(
            round_cols, np.array(phi_values), supply, solver, time_limit
        )
        solve_time += attempt.seconds
        try:
            raise_unsolved(attempt, "column-generation master LP")
        except TimeLimitError:
            if iteration == 1:
                raise
            timed_out = True  # the last complete round's master and bound stand
            break
        solution, duals, cols = attempt, round_duals, round_cols
        if not np.all(np.isfinite(duals)):
            raise AssignoptError(f"solver {solver!r} returned no duals for the master LP")
        priced = price_two_group(duals[:k], duals[k:], lower, upper, phi, max_columns=k + 1)
        reduced = max(priced[0][0], 0.0) if priced else 0.0
        upper_best = min(upper_best, solution.objective + reduced, 1.0)  # no index exceeds 1
        if upper_best - solution.objective <= gap or reduced <= 1e-12:
            break
        for value, comp in priced:
            if value > 1e-12:
                columns.append(comp.ravel())
                phi_values.append(float(phi(np.array([comp[0].sum()]))[0]))
    mass = np.maximum(solution.x, 0.0)
    used = mass > 1e-12
    schools = (mass[used, None] * cols[used]).reshape(-1, 2, k) * population.total
    witness = Witness(schools, population)
    value = witness.index(objective)
    status = "optimal" if upper_best - value <= gap else "gap_not_reached"
    iteration -= timed_out  # complete rounds
    notes = [
        f"{len(columns)} school compositions generated in {iteration} rounds; upper = "
        "master + best reduced cost"
    ]
    if timed_out:
        status = "time_limit"
        notes.append("the next master LP reached its time limit: the last complete round's")
    return SegregationBound(
        objective=objective,
        sense="max",
        lower=value,
        upper=max(upper_best, value),
        exact=reduced <= 1e-9,
        method="column generation (exact pricing)",
        status=status,
        solver=solution.solver,
        seconds=time.perf_counter() - start,
        build_seconds=time.perf_counter() - start - solve_time,
        solve_seconds=solve_time,
        iterations=iteration,
        witness=witness,
        n_variables=len(columns),
        n_constraints=supply.size,
        notes=notes,
    )
