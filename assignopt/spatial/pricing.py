"""Exact minimum-transport assignment on a sparse arc set, grown by pricing.

Start from each neighborhood's nearest schools, with one "unserved" column per (neighborhood,
class) at a prohibitive cost so the restricted LP is always feasible. Solve it with HiGHS; from
its row duals, price every arc left out (all of them at once, in numpy); add the most negative
ones to the live model and re-solve from the previous basis. When no arc prices negative and no
student is left unserved, the restricted optimum is optimal for the dense problem: that is the
proof, reported as the final minimum reduced cost. Same model as the dense LP of
:mod:`assignopt.spatial.transport`, with enrolment up to capacity or fixed seats; a school row
that must be filled (fixed enrolment, a band's minimum seats) gets its own prohibitive slack.
"""

from __future__ import annotations

import logging
import time

import numpy as np
import scipy.sparse as sp

from assignopt.errors import InfeasibleError, SolverError, TimeLimitError
from assignopt.lp import add_highs_columns, highs_model, new_highs, solver_time_limit
from assignopt.spatial.flows import Flows
from assignopt.spatial.problem import (
    ClassBand,
    Labels,
    TransportProblem,
    TransportSolution,
    school_rows,
)

__all__ = ["negative_arcs", "solve_by_pricing", "transport_by_pricing"]

log = logging.getLogger(__name__)

# Neighborhoods priced at once (bounds the temporary arrays).
PRICE_BLOCK = 8192


def negative_arcs(
    km: np.ndarray,
    school_term: np.ndarray,
    source_dual: np.ndarray,
    *,
    threshold: float,
    take: int,
    active: np.ndarray,
    blocked: np.ndarray | None = None,
    live: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, float]:
    """Arcs that price in: reduced cost ``km[n, s] - school_term[s, k] - source_dual[n, k]``.

    Every (neighborhood, class, school) is priced in row blocks; per (neighborhood, class) at
    most ``take`` of the most negative arcs below ``threshold`` that are not already
    ``active`` (``(N, K, S)`` bool) are returned. ``blocked`` ``(N, S)`` pairs (a travel cap)
    and sources not ``live`` ``(N, K)`` are never priced.

    Returns
    -------
    neighborhoods, classes, schools : numpy.ndarray
        The arcs, in row order.
    min_reduced : float
        The least reduced cost over every priced arc (at most 0): the certificate.
    """
    n, k = source_dual.shape
    take = min(take, km.shape[1])
    new_n, new_k, new_s = [], [], []
    min_reduced = 0.0
    for c in range(k):
        for b0 in range(0, n, PRICE_BLOCK):
            reduced = km[b0 : b0 + PRICE_BLOCK] - school_term[None, :, c]
            reduced -= source_dual[b0 : b0 + PRICE_BLOCK, c][:, None]
            if blocked is not None:
                reduced[blocked[b0 : b0 + PRICE_BLOCK]] = np.inf
            if live is not None:
                reduced[~live[b0 : b0 + PRICE_BLOCK, c]] = np.inf
            low = reduced.min(axis=1)
            min_reduced = min(min_reduced, float(low.min()))
            bad = np.flatnonzero(low < threshold)
            if bad.size == 0:
                continue
            # Arcs already in the model price at zero or above up to tolerances.
            part = np.where(active[b0 + bad, c, :], np.inf, reduced[bad])
            best = np.argpartition(part, take - 1, axis=1)[:, :take]
            values = np.take_along_axis(part, best, axis=1)
            rows, picks = np.nonzero(values < threshold)
            new_n.append(b0 + bad[rows])
            new_k.append(np.full(rows.size, c))
            new_s.append(best[rows, picks])
    new_n, new_k, new_s = (
        np.concatenate(a) if a else np.zeros(0, np.int64) for a in (new_n, new_k, new_s)
    )
    return new_n, new_k, new_s, min_reduced


def solve_by_pricing(
    problem: TransportProblem, time_limit: float | None = None, **options
) -> TransportSolution:
    """:func:`transport_by_pricing` of a :class:`~assignopt.spatial.problem.TransportProblem`.

    ``options`` go to :func:`transport_by_pricing` (``initial``, ``first_solver``, ...).
    """
    return transport_by_pricing(
        problem.supply,
        problem.capacity,
        problem.km,
        problem.bands,
        fixed_enrolment=problem.fixed_enrolment,
        allowed=problem.allowed,
        time_limit=time_limit,
        labels=problem.labels,
        **options,
    )


def transport_by_pricing(
    supply: np.ndarray,
    capacity: np.ndarray,
    km: np.ndarray,
    bands: list[ClassBand] | None = None,
    *,
    fixed_enrolment: bool = False,
    nearest: int = 4,
    add_per_row: int = 2,
    max_rounds: int = 200,
    allowed: np.ndarray | None = None,
    time_limit: float | None = None,
    labels: Labels | None = None,
    initial: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None,
    first_solver: str = "ipm",
) -> TransportSolution:
    """Solve the transport LP exactly by pricing sparse arcs.

    Parameters
    ----------
    supply, capacity, km, bands
        As in :func:`assignopt.spatial.transport.transport_assignment`.
    fixed_enrolment : bool
        Every school enrols exactly its capacity and the bands become seat bounds (the same
        model as the dense fixed-seat LP); otherwise enrolment is free up to capacity.
    nearest : int
        Arcs per (neighborhood, class) in the starting set: to the nearest schools.
    add_per_row : int
        Most negative arcs added per (neighborhood, class) and round.
    max_rounds : int
        Pricing rounds before giving up (an error: the answer would not be proven).
    allowed : numpy.ndarray of bool, optional
        Pairs that may carry students (a travel cap).
    time_limit : float, optional
        Seconds per HiGHS call.
    labels : Labels, optional
        Neighborhood ids, school and class names, for messages.
    initial : (neighborhoods, classes, schools), optional
        The starting arcs instead of the ``nearest`` schools (e.g. the arcs a related network
        optimum prices at zero); pricing still proves the result over every arc.
    first_solver : {"ipm", "simplex"}
        HiGHS method of the first solve (later rounds warm-start the simplex).

    Returns
    -------
    TransportSolution
        With ``formulation`` naming the rounds and the final arc count.
    """
    import highspy

    start = time.perf_counter()
    labels = labels or Labels()
    supply = np.asarray(supply, float)
    capacity = np.asarray(capacity, float)
    km = np.asarray(km, float)
    bands = list(bands or [])
    n, k = supply.shape
    s = capacity.size
    blocked = np.zeros((n, s), bool) if allowed is None else ~np.asarray(allowed, bool)
    big = 10.0 * (float(km.max()) + 1.0)  # more than any path of an unserved student
    coef, block_lower, block_upper, block_names = school_rows(
        capacity, bands, k, fixed_enrolment, labels
    )
    n_blocks = coef.shape[0]
    row_lower = np.concatenate([supply.ravel(), block_lower.ravel()])
    row_upper = np.concatenate([supply.ravel(), block_upper.ravel()])
    n_rows = n * k + n_blocks * s

    def columns(arc_n: np.ndarray, arc_k: np.ndarray, arc_s: np.ndarray) -> sp.csc_matrix:
        m = arc_n.size
        rows = [arc_n * k + arc_k]
        vals = [np.ones(m)]
        for b in range(n_blocks):
            rows.append(n * k + b * s + arc_s)
            vals.append(coef[b, arc_k])
        cols = np.tile(np.arange(m), 1 + n_blocks)
        return sp.csc_matrix(
            (np.concatenate(vals), (np.concatenate(rows), cols)), shape=(n_rows, m)
        )

    if initial is None:
        nearest = min(nearest, s)
        order = np.argsort(np.where(blocked, np.inf, km), axis=1, kind="stable")[:, :nearest]
        arc_n = np.repeat(np.arange(n), nearest * k)
        arc_k = np.tile(np.repeat(np.arange(k), nearest), n)
        arc_s = order[arc_n, np.tile(np.arange(nearest), n * k)]
    else:
        arc_n, arc_k, arc_s = (np.asarray(a, np.int64) for a in initial)
    keep = ~blocked[arc_n, arc_s]
    arc_n, arc_k, arc_s = arc_n[keep], arc_k[keep], arc_s[keep]
    active = np.zeros((n, k, s), bool)
    active[arc_n, arc_k, arc_s] = True
    # Slack columns first: one per supply row (unserved students) and one per school row with
    # a positive lower bound (seats no student fills), so that x = 0 is feasible; then arcs.
    short_rows = n * k + np.flatnonzero(block_lower.ravel() > 0)
    slack_rows = np.concatenate([np.arange(n * k), short_rows])
    n_slack = slack_rows.size
    slack = sp.csc_matrix(
        (np.ones(n_slack), (slack_rows, np.arange(n_slack))), shape=(n_rows, n_slack)
    )
    matrix = sp.hstack([slack, columns(arc_n, arc_k, arc_s)], format="csc")
    cost = np.concatenate([np.full(n_slack, big), km[arc_n, arc_s]])
    model = highs_model(
        cost,
        matrix,
        np.zeros(matrix.shape[1]),
        np.full(matrix.shape[1], np.inf),
        row_lower,
        row_upper,
    )
    highs = new_highs(time_limit, {"presolve": "off"})
    highs.passModel(model)
    all_n, all_k, all_s = [arc_n], [arc_k], [arc_s]
    min_reduced = -np.inf
    for rounds in range(1, max_rounds + 1):
        # The first, largest solve starts from nothing: the interior point method (with
        # crossover to a basis) beat the simplex there; later rounds warm-start the simplex.
        highs.setOptionValue("solver", first_solver if rounds == 1 else "simplex")
        highs.run()
        if highs.getModelStatus() == highspy.HighsModelStatus.kTimeLimit:
            raise TimeLimitError(
                "a pricing round reached its time limit "
                f"({solver_time_limit(time_limit):g} s) before an optimum; raise time_limit"
            )
        if highs.getModelStatus() != highspy.HighsModelStatus.kOptimal:
            raise SolverError(
                f"the restricted transport LP ended with status "
                f"{highs.modelStatusToString(highs.getModelStatus())!r}"
            )
        dual = np.asarray(highs.getSolution().row_dual)
        y_supply = dual[: n * k].reshape(n, k)
        y_blocks = dual[n * k :].reshape(n_blocks, s)
        new_n, new_k, new_s, min_reduced = negative_arcs(
            km,
            (coef.T @ y_blocks).T,
            y_supply,
            threshold=-1e-9 * big,
            take=add_per_row,
            active=active,
            blocked=blocked if blocked.any() else None,
        )
        log.info(
            f"    pricing round {rounds}: {highs.getNumCol() - n_slack:,} arcs, "
            f"{new_n.size:,} priced in (min reduced cost {min_reduced:.3g} km)"
        )
        if new_n.size == 0:
            break
        active[new_n, new_k, new_s] = True
        add_highs_columns(highs, km[new_n, new_s], columns(new_n, new_k, new_s))
        all_n.append(new_n)
        all_k.append(new_k)
        all_s.append(new_s)
    else:
        raise SolverError(f"pricing did not converge in {max_rounds} rounds; use the dense LP")
    x = np.asarray(highs.getSolution().col_value)
    unserved = x[: n * k]
    short = x[n * k : n_slack]
    if short.size and short.max() > 1e-6:
        b, j = divmod(int(short_rows[np.argmax(short)] - n * k), s)
        raise InfeasibleError(
            f"infeasible assignment: {labels.school(j)} is {short.max():.1f} students short of its "
            f"{block_names[b]} ({block_lower[b, j]:.0f}) within the capacities, the band and "
            f"the travel cap ({unserved.sum():.1f} students left without a seat)"
        )
    if unserved.max() > 1e-6:
        i = int(np.argmax(unserved))
        raise InfeasibleError(
            f"infeasible assignment: {unserved.sum():.1f} students cannot be placed (worst: "
            f"{labels.neighborhood(i // k)}, class {labels.income_class(i % k)}, "
            f"{unserved[i]:.1f} students) within the capacities, the band and the travel cap"
        )
    arc_n, arc_k, arc_s = (np.concatenate(a) for a in (all_n, all_k, all_s))
    flows = Flows.from_arcs(arc_n, arc_k, arc_s, x[n_slack:], (n, k, s))
    return TransportSolution.from_flows(
        flows,
        km,
        "optimal",
        "highs (pricing)",
        start,
        f"{'fixed seats' if fixed_enrolment else 'enrolment up to capacity'}; {rounds} pricing "
        f"rounds, {arc_n.size:,} arcs, "
        f"min reduced cost {min_reduced:.2e}",
    )
