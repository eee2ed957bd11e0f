"""Smaller network problems when the income classes do not interact.

Two forms of the transport problem fall apart by class:

- **No band** (the nearest-school baseline): the classes are indistinguishable to the model,
  so they are solved as one class of all students and each neighborhood's flow is then split
  among its classes (any split is optimal; :func:`split_flows`). The network has half the
  sources (two classes).
- **Every school's class seats fixed** (fixed enrolment, single-class bands with
  ``lower == upper`` on all classes but at most one; perfect balance, ``d = 0``, is this
  form): each class is its own transportation problem with the school's seats of that class
  as capacities, solved one after the other.

:func:`solve_by_class` applies either when it can and calls a network solver on the parts.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import numpy as np

from assignopt.spatial.flows import Flows, as_flows
from assignopt.spatial.problem import TransportProblem, TransportSolution, seat_bounds

__all__ = ["class_parts", "solve_by_class", "split_flows"]

Solve = Callable[[TransportProblem], TransportSolution]


def class_parts(problem: TransportProblem) -> list[TransportProblem] | None:
    """Independent single-class problems whose solutions together solve ``problem``.

    One problem of all students when there is no band; one per class when every school's
    seats of every class are fixed; None otherwise (or for a single class already).
    """
    k = problem.n_classes
    if k == 1 or problem.whole_neighborhoods:
        return None
    if not problem.bands:
        merged = problem.supply.sum(axis=1)
        return [_part(problem, merged, problem.capacity, problem.fixed_enrolment)]
    if not problem.fixed_enrolment or not problem.single_class_bands:
        return None
    lower, upper = seat_bounds(problem.capacity, problem.bands, k, problem.labels)
    loose = ~np.isclose(lower, upper, rtol=0, atol=1e-9).all(axis=0)
    if loose.sum() > 1:
        return None
    seats = lower.copy()
    if loose.any():
        c = int(np.flatnonzero(loose)[0])
        seats[:, c] = problem.capacity - np.delete(lower, c, axis=1).sum(axis=1)
    have = problem.supply.sum(axis=0)
    if (seats < -1e-9).any() or not np.allclose(seats.sum(axis=0), have, rtol=0, atol=1e-6):
        return None  # infeasible: the joint problem names why
    return [
        _part(problem, problem.supply[:, c], np.maximum(seats[:, c], 0.0), True) for c in range(k)
    ]


def _part(problem: TransportProblem, supply, capacity, fixed) -> TransportProblem:
    return TransportProblem(
        supply[:, None],
        capacity,
        problem.km,
        [],
        fixed,
        problem.allowed,
        False,
        problem.labels,
    )


def split_flows(flows: Flows | np.ndarray, supply: np.ndarray) -> Flows:
    """``(N, K, S)`` flows from one-class flows ``(N, 1, S)`` (:class:`Flows` or dense).

    Each neighborhood's students of each class fill its schools in turn (whole students stay
    whole).
    """
    flows = as_flows(flows)
    n, k = supply.shape
    rows, schools, amount = flows.neighborhood, flows.school, flows.students  # row-major
    end = np.cumsum(amount)
    first = np.searchsorted(rows, np.arange(n))
    before = np.concatenate([[0.0], end])[first]  # flow of the rows above
    arc_end = end - before[rows]
    arc_start = arc_end - amount
    class_end = np.cumsum(supply, axis=1)
    class_start = class_end - supply
    parts = []
    for c in range(k):
        hi = np.minimum(arc_end, class_end[rows, c])
        lo = np.maximum(arc_start, class_start[rows, c])
        parts.append(np.maximum(hi - lo, 0.0))
    return Flows.from_arcs(
        np.tile(rows, k),
        np.repeat(np.arange(k), rows.size),
        np.tile(schools, k),
        np.concatenate(parts),
        (n, k, flows.shape[2]),
    )


def solve_by_class(problem: TransportProblem, solve: Solve) -> TransportSolution:
    """Solve ``problem`` through :func:`class_parts` when it falls apart, else whole."""
    parts = class_parts(problem)
    if parts is None:
        return solve(problem)
    start = time.perf_counter()
    results = [solve(part) for part in parts]
    if len(parts) == 1:
        flows = split_flows(results[0].arcs, problem.supply)
        how = "classes merged (no band)"
    else:
        arcs = [r.arcs for r in results]
        flows = Flows.from_arcs(
            np.concatenate([a.neighborhood for a in arcs]),
            np.concatenate([np.full(a.size, c) for c, a in enumerate(arcs)]),
            np.concatenate([a.school for a in arcs]),
            np.concatenate([a.students for a in arcs]),
            (problem.n_neighborhoods, len(arcs), problem.n_schools),
        )
        how = "one transportation problem per class (every school's class seats fixed)"
    first = results[0]
    return TransportSolution.from_flows(
        flows,
        problem.km,
        "optimal" if all(r.status == "optimal" for r in results) else results[-1].status,
        first.solver,
        start,
        f"{how}: " + " | ".join(r.formulation for r in results),
        gap=max(r.gap for r in results),
        dual_bound=float(sum(r.dual_bound for r in results)),
    )
