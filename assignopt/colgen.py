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

import numpy as np
import scipy.sparse as sp

from assignopt.lp import EXACT_OPTIONS, LinearProgram, LPSolution, solve

__all__ = ["class_share_bounds", "price_two_group", "solve_master"]


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
