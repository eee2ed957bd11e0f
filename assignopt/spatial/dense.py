"""The transport problem as one linear program over every allowed arc, and its MILP variant.

The LP (HiGHS, or CBC / HiGHS through PuLP) has a column per (allowed pair, class): enrolment
free up to capacity, or fixed seats (:func:`~assignopt.spatial.problem.school_rows`). The
whole-neighborhood MILP has a binary column per allowed pair. When the LP is infeasible an
elastic copy (a slack on every band or seat row) names the school furthest from feasible.
"""

from __future__ import annotations

import logging
import time

import numpy as np
import scipy.sparse as sp

from assignopt.errors import InfeasibleError, SolverError, TimeLimitError
from assignopt.lp import LinearProgram, solve, solver_time_limit
from assignopt.spatial.flows import Flows
from assignopt.spatial.problem import TransportProblem, TransportSolution, school_rows

__all__ = ["MILP_PROGRESS_SECONDS", "MILP_TIME_LIMIT", "solve_dense_lp", "solve_milp"]

log = logging.getLogger(__name__)

# HiGHS presolve spends most of a transport LP's time looking for dependent equations (the
# supply rows and the fixed-enrolment rows are dependent) and removes nothing: off, 2,000 x 100
# with fixed seats took 8.4 s instead of 84 s (benchmarks/RESULTS.md).
TRANSPORT_OPTIONS = {"presolve": "off"}
#: Seconds a whole-neighborhood MILP runs when no time limit is given.
MILP_TIME_LIMIT = 120.0
#: Seconds between the MILP's progress messages (incumbent, bound, gap).
MILP_PROGRESS_SECONDS = 5.0


def _formulation(problem: TransportProblem) -> str:
    return "fixed seats" if problem.fixed_enrolment else "enrolment up to capacity"


def solve_dense_lp(
    problem: TransportProblem, solver: str = "highs", time_limit: float | None = None
) -> TransportSolution:
    """The transport LP with every allowed arc, solved by ``solver`` (an LP solver name)."""
    start = time.perf_counter()
    n, k, s = problem.n_neighborhoods, problem.n_classes, problem.n_schools
    pair_n, pair_s = problem.pairs
    lp = transport_lp(problem)
    solution = solve(lp, solver, time_limit, TRANSPORT_OPTIONS)
    if solution.status == "infeasible":
        raise InfeasibleError(explain_infeasible(problem))
    if solution.status == "time_limit":
        raise TimeLimitError(
            "the assignment LP reached its time limit "
            f"({solver_time_limit(time_limit):g} s) before an optimum; raise time_limit"
        )
    if solution.status != "optimal":
        other = "cbc" if solver != "cbc" else "highs"
        raise SolverError(
            f"the assignment LP ended with status {solution.status!r}; try the {other} solver"
        )
    flows = Flows.from_arcs(
        np.repeat(pair_n, k),
        np.tile(np.arange(k), pair_n.size),
        np.repeat(pair_s, k),
        solution.x[: pair_n.size * k],
        (n, k, s),
    )
    return TransportSolution.from_flows(
        flows, problem.km, solution.status, solution.solver, start, _formulation(problem)
    )


def transport_lp(problem: TransportProblem, elastic: bool = False) -> LinearProgram:
    """LP over the allowed (neighborhood, school) pairs; variables f[pair, class].

    With ``elastic``, every side of a band or seat row gets a slack column and the objective
    is the total slack instead of distance: its optimum says how far the policy is from
    feasible. The slack columns follow the arcs, block by block and school by school.
    """
    supply, km = problem.supply, problem.km
    n, k, s = problem.n_neighborhoods, problem.n_classes, problem.n_schools
    pair_n, pair_s = problem.pairs
    n_pairs = pair_n.size
    var = np.arange(n_pairs * k).reshape(n_pairs, k)
    coef, lower, upper, _ = school_rows(
        problem.capacity, problem.bands, k, problem.fixed_enrolment, problem.labels
    )
    rows, cols, vals = [], [], []

    def add(r, c, v):
        rows.append(np.broadcast_to(r, c.shape).ravel())
        cols.append(c.ravel())
        vals.append(np.broadcast_to(v, c.shape).ravel().astype(float))

    # Every student placed: row (n, class); then the school rows, block by block.
    add(pair_n[:, None] * k + np.arange(k)[None, :], var, 1.0)
    for b in range(coef.shape[0]):
        add(n * k + b * s + pair_s[:, None], var, np.broadcast_to(coef[b][None, :], var.shape))
    n_rows = n * k + coef.shape[0] * s
    n_cols = n_pairs * k
    cost = np.repeat(km[pair_n, pair_s], k)
    if elastic:
        # +slack relaxes a finite lower side, -slack a finite upper side (not capacity).
        slack_rows, slack_sign = [], []
        for b in range(1, coef.shape[0]):
            for bound, sign in ((lower[b], 1.0), (upper[b], -1.0)):
                if np.isfinite(bound).all():
                    slack_rows.append(n * k + b * s + np.arange(s))
                    slack_sign.append(np.full(s, sign))
        r = np.concatenate(slack_rows) if slack_rows else np.zeros(0, np.int64)
        add(r, n_cols + np.arange(r.size), np.concatenate([np.zeros(0), *slack_sign]))
        n_cols += r.size
        cost = np.concatenate([np.zeros(n_pairs * k), np.ones(r.size)])
    return LinearProgram.from_triplets(
        rows,
        cols,
        vals,
        (n_rows, n_cols),
        cost,
        [supply.ravel(), lower.ravel()],
        [supply.ravel(), upper.ravel()],
        maximize=False,
    )


def explain_infeasible(problem: TransportProblem) -> str:
    """Name the school furthest from feasible, from an elastic LP's slacks."""
    labels = problem.labels
    k, s = problem.n_classes, problem.n_schools
    pair_n, pair_s = problem.pairs
    solution = solve(transport_lp(problem, elastic=True), "highs")
    base = "infeasible assignment: the travel cap and the income band cannot both hold"
    if solution.status != "optimal":
        reach = np.zeros(s)
        np.add.at(reach, pair_s, problem.supply[pair_n].sum(axis=1))
        j = int(np.argmin(reach / problem.capacity))
        return (
            f"{base}: the schools cannot take every student within reach ({labels.school(j)} "
            f"reaches {reach[j]:.0f} students for {problem.capacity[j]:.0f} seats); raise the cap"
        )
    slack = solution.x[pair_n.size * k :]
    worst = int(np.argmax(slack))
    school = worst % s  # slack columns run school by school within each block side
    what = "its seat bounds" if problem.fixed_enrolment else "its income band"
    return (
        f"{base}: {labels.school(school)} misses {what} by {slack[worst]:.1f} students at best "
        f"({slack.sum():.1f} over all schools); widen the tolerance or raise the cap"
    )


def solve_milp(
    problem: TransportProblem, solver: str = "highs", time_limit: float | None = None
) -> TransportSolution:
    """Whole neighborhoods: binary y[pair] sends neighborhood n whole to school s.

    Runs at most ``time_limit`` seconds (:data:`MILP_TIME_LIMIT` when None), logging its
    progress every :data:`MILP_PROGRESS_SECONDS`. Stopped by the limit with an incumbent, the
    solution has status ``time_limit`` and its gap; without one, :class:`TimeLimitError`.
    """
    start = time.perf_counter()
    supply, km, capacity = problem.supply, problem.km, problem.capacity
    n, k, s = problem.n_neighborhoods, problem.n_classes, problem.n_schools
    limit = MILP_TIME_LIMIT if time_limit is None else time_limit
    pair_n, pair_s = problem.pairs
    size = supply.sum(axis=1)
    n_pairs = pair_n.size
    col = np.arange(n_pairs)
    blocks_r, blocks_c, blocks_v = [pair_n, n + pair_s], [col, col], [np.ones(n_pairs)]
    blocks_v.append(size[pair_n])
    lo, hi = [np.ones(n), np.zeros(s)], [np.ones(n), capacity]
    n_rows = n + s
    for mask, share_lo, share_hi in problem.bands:
        banded = supply[:, mask].sum(axis=1)
        for share, side in ((share_lo, "lower"), (share_hi, "upper")):
            blocks_r.append(n_rows + pair_s)
            blocks_c.append(col)
            blocks_v.append((banded - share * size)[pair_n])
            lo.append(np.zeros(s) if side == "lower" else np.full(s, -np.inf))
            hi.append(np.full(s, np.inf) if side == "lower" else np.zeros(s))
            n_rows += s
    matrix = sp.csr_matrix(
        (np.concatenate(blocks_v), (np.concatenate(blocks_r), np.concatenate(blocks_c))),
        shape=(n_rows, n_pairs),
    )
    lp = LinearProgram(
        km[pair_n, pair_s] * size[pair_n],
        matrix,
        np.concatenate(lo),
        np.concatenate(hi),
        np.zeros(n_pairs),
        np.ones(n_pairs),
        np.ones(n_pairs, dtype=bool),
        maximize=False,
    )
    log.info(f"    whole-neighborhood MILP: {n_pairs:,} pairs, time limit {limit:g} s")
    solution = solve(lp, solver, limit, progress_seconds=MILP_PROGRESS_SECONDS)
    found = bool(np.all(np.isfinite(solution.x))) and np.isfinite(solution.objective)
    if solution.status == "time_limit" and not found:
        raise TimeLimitError(
            f"no feasible whole-neighborhood assignment was found within the time limit of "
            f"{limit:g} s (time_limit); raise time_limit, widen the tolerance or allow split "
            "neighborhoods"
        )
    if solution.status == "infeasible":
        raise InfeasibleError(
            "infeasible whole-neighborhood assignment: no way to send every neighborhood whole "
            "to one school within the capacities and the band; widen the tolerance or allow "
            "split neighborhoods"
        )
    if solution.status not in ("optimal", "time_limit") or not found:
        raise SolverError(
            f"the whole-neighborhood MILP ended with status {solution.status!r} and no assignment"
        )
    y = np.round(solution.x).astype(bool)
    flows = Flows.from_arcs(
        np.repeat(pair_n[y], k),
        np.tile(np.arange(k), int(y.sum())),
        np.repeat(pair_s[y], k),
        supply[pair_n[y]].ravel(),
        (n, k, s),
    )
    known = bool(np.isfinite(solution.mip_gap))
    gap = solution.mip_gap if known else 0.0
    if solution.status == "time_limit":
        log.info(
            "    MILP stopped at the time limit "
            + (f"with gap {gap:.2%}" if known else f"({solution.solver} gives no bound)")
        )
    return TransportSolution.from_flows(
        flows,
        km,
        solution.status,
        solution.solver,
        start,
        "whole neighborhoods (MILP)" + ("" if known else "; gap unknown"),
        float(gap),
        float(solution.dual_bound),
    )
