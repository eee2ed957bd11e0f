"""Race-blind minimum-transport assignment of students to schools under an income policy.

``flows[n, k, s]`` students of income class k go from neighborhood n to school s. Every
student is placed, no school exceeds its capacity, each school's share of every banded class
lies in the policy's band (relative to the school's own enrolment), and the total distance
(student-km) is minimal. Race never enters: a flow carries its neighborhood's racial mix
within its class.

Two formulations and solvers:

- the LP (HiGHS, or CBC through PuLP) with enrolment free up to capacity;
- with *fixed* enrolments ``E_s`` (capacities that sum exactly to enrolment), the bands become
  integer seat bounds per school and class, ``ceil(lower E_s) <= seats <= floor(upper E_s)``,
  and the problem is a min-cost flow solved by networkx (integer counts, costs in mm). The LP
  solves that same fixed-seat model too, so the two can be compared exactly.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import networkx as nx
import numpy as np
import scipy.sparse as sp

from assignopt.errors import AssignoptError, InputError
from assignopt.lp import LinearProgram, solve

__all__ = ["ClassBand", "TransportSolution", "seat_bounds", "transport_assignment"]

ClassBand = tuple[np.ndarray, float, float]  # (mask over classes, lower share, upper share)


@dataclass
class TransportSolution:
    """An assignment and what the solver said about it."""

    flows: np.ndarray
    objective_km: float
    status: str
    solver: str
    seconds: float
    formulation: str


def seat_bounds(
    enrolment: np.ndarray, bands: list[ClassBand], n_classes: int
) -> tuple[np.ndarray, np.ndarray]:
    """Integer seat bounds ``(L, U)`` of shape ``(S, K)`` for fixed enrolments.

    Only single-class bands translate into seat bounds; classes without a band get
    ``[0, E_s]``.
    """
    lower = np.zeros((enrolment.size, n_classes))
    upper = np.repeat(enrolment[:, None], n_classes, axis=1).astype(float)
    for mask, lo, hi in bands:
        classes = np.flatnonzero(mask)
        if classes.size != 1:
            raise InputError("fixed-enrolment assignment supports bands on single classes only")
        k = classes[0]
        lower[:, k] = np.ceil(lo * enrolment - 1e-9)
        upper[:, k] = np.floor(hi * enrolment + 1e-9)
    empty = lower > upper
    if empty.any():
        s, k = np.argwhere(empty)[0]
        raise AssignoptError(
            f"infeasible policy: school {s} with {enrolment[s]:.0f} seats has no whole number "
            f"of class-{k} seats inside its band [{lower[s, k]:.0f}, {upper[s, k]:.0f}]; "
            "widen the tolerance or change the capacity"
        )
    return lower, upper


def transport_assignment(
    supply: np.ndarray,
    capacity: np.ndarray,
    km: np.ndarray,
    bands: list[ClassBand] | None = None,
    *,
    solver: str = "highs",
    fixed_enrolment: bool = False,
    time_limit: float | None = None,
) -> TransportSolution:
    """Minimum total distance assignment of classes of students to schools.

    Parameters
    ----------
    supply : numpy.ndarray
        Students by neighborhood and class, ``(N, K)``.
    capacity : numpy.ndarray
        Seats per school, ``(S,)``; must cover enrolment (exactly, if ``fixed_enrolment``).
    km : numpy.ndarray
        Distance from each neighborhood to each school, ``(N, S)``.
    bands : list of (mask, lower, upper), optional
        Each school's share of the classes in ``mask`` must lie in [lower, upper]. None or an
        empty list: no income policy (nearest school subject to capacities).
    solver : {"highs", "cbc", "pulp-highs", "networkx"}
        ``networkx`` needs ``fixed_enrolment`` (or no bands) and whole numbers of students.
    fixed_enrolment : bool
        Every school enrols exactly its capacity (capacities must sum to enrolment).
    time_limit : float, optional
        Seconds for an LP solver.

    Returns
    -------
    TransportSolution
    """
    supply = np.asarray(supply, dtype=float)
    capacity = np.asarray(capacity, dtype=float)
    km = np.asarray(km, dtype=float)
    n, k = supply.shape
    s = capacity.size
    if km.shape != (n, s):
        raise InputError(f"distance matrix has shape {km.shape}, expected ({n}, {s})")
    bands = list(bands or [])
    total = supply.sum()
    if capacity.sum() < total - 1e-9:
        raise InputError(
            f"total capacity {capacity.sum():,.0f} is short of enrolment "
            f"{total:,.0f} by {total - capacity.sum():,.0f}"
        )
    if fixed_enrolment and abs(capacity.sum() - total) > 1e-6:
        raise InputError(
            f"fixed enrolment needs capacities summing to enrolment {total:,.0f}, "
            f"not {capacity.sum():,.0f}"
        )
    if solver == "networkx":
        if bands and not fixed_enrolment:
            raise InputError(
                "the networkx solver balances income only with fixed enrolment "
                "(capacities equal to enrolment); use an LP solver"
            )
        return _networkx(supply, capacity, km, bands, fixed_enrolment)
    start = time.perf_counter()
    lp = _transport_lp(supply, capacity, km, bands, fixed_enrolment)
    solution = solve(lp, solver, time_limit)
    if solution.status != "optimal":
        raise AssignoptError(
            f"the assignment LP ended with status {solution.status!r}: with capacities covering "
            "enrolment and bands around the district's shares this should not happen; check "
            "the inputs or try --solver cbc"
        )
    flows = np.maximum(solution.x.reshape(n, k, s), 0.0)
    return TransportSolution(
        flows,
        float(np.einsum("nks,ns->", flows, km)),
        solution.status,
        solution.solver,
        time.perf_counter() - start,
        "fixed seats" if fixed_enrolment else "enrolment up to capacity",
    )


def _transport_lp(supply, capacity, km, bands, fixed_enrolment) -> LinearProgram:
    n, k = supply.shape
    s = capacity.size
    var = np.arange(n * k * s).reshape(n, k, s)
    rows, cols, vals, lo, hi = [], [], [], [], []
    n_rows = 0

    def add(r, c, v):
        rows.append(np.broadcast_to(r, c.shape).ravel())
        cols.append(c.ravel())
        vals.append(np.broadcast_to(v, c.shape).ravel().astype(float))

    # Every student placed.
    add(np.arange(n * k).reshape(n, k, 1), var, 1.0)
    lo.append(supply.ravel())
    hi.append(supply.ravel())
    n_rows += n * k
    # Capacity (or exact enrolment).
    add(n_rows + np.arange(s).reshape(1, 1, s), var, 1.0)
    lo.append(capacity if fixed_enrolment else np.zeros(s))
    hi.append(capacity)
    n_rows += s
    if fixed_enrolment:
        lower, upper = seat_bounds(capacity, bands, k)
        add(n_rows + (np.arange(s)[None, :] * k + np.arange(k)[:, None])[None], var, 1.0)
        lo.append(lower.ravel())
        hi.append(upper.ravel())
        n_rows += s * k
    else:
        for mask, share_lo, share_hi in bands:
            for share, side in ((share_lo, "lower"), (share_hi, "upper")):
                # students of the banded classes - share * all students, per school
                coef = np.where(mask, 1.0 - share, -share)[None, :, None]
                add(n_rows + np.arange(s).reshape(1, 1, s), var, np.broadcast_to(coef, var.shape))
                lo.append(np.zeros(s) if side == "lower" else np.full(s, -np.inf))
                hi.append(np.full(s, np.inf) if side == "lower" else np.zeros(s))
                n_rows += s
    matrix = sp.csr_matrix(
        (np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))),
        shape=(n_rows, n * k * s),
    )
    cost = np.broadcast_to(km[:, None, :], (n, k, s)).ravel().copy()
    return LinearProgram(
        cost,
        matrix,
        np.concatenate(lo),
        np.concatenate(hi),
        np.zeros(n * k * s),
        np.full(n * k * s, np.inf),
        None,
        maximize=False,
    )


def _networkx(supply, capacity, km, bands, fixed_enrolment) -> TransportSolution:
    start = time.perf_counter()
    if not np.allclose(supply, np.round(supply)) or not np.allclose(capacity, np.round(capacity)):
        raise InputError("the networkx solver needs whole numbers of students and seats")
    n, k = supply.shape
    s = capacity.size
    supply_i = np.round(supply).astype(int)
    cap_i = np.round(capacity).astype(int)
    cost_mm = np.round(km * 1e6).astype(np.int64)
    graph = nx.DiGraph()
    demand: dict = {}
    for i in range(n):
        for c in range(k):
            demand[("n", i, c)] = -int(supply_i[i, c])
    if fixed_enrolment:
        lower, upper = seat_bounds(capacity.astype(float), bands, k)
        for j in range(s):
            demand[("s", j)] = int(cap_i[j])
            for c in range(k):
                lo_, up_ = int(lower[j, c]), int(upper[j, c])
                # A lower bound L on (j, c) -> j: L units move up front (demand transformation).
                demand[("sc", j, c)] = demand.get(("sc", j, c), 0) + lo_
                demand[("s", j)] -= lo_
                graph.add_edge(("sc", j, c), ("s", j), weight=0, capacity=up_ - lo_)
        sink_needed = 0
    else:
        for j in range(s):
            for c in range(k):
                graph.add_edge(("sc", j, c), ("s", j), weight=0)
            graph.add_edge(("s", j), "sink", weight=0, capacity=int(cap_i[j]))
        sink_needed = int(supply_i.sum())
    for i in range(n):
        for c in range(k):
            for j in range(s):
                graph.add_edge(("n", i, c), ("sc", j, c), weight=int(cost_mm[i, j]))
    for node, value in demand.items():
        graph.add_node(node, demand=value)
    if sink_needed:
        graph.add_node("sink", demand=sink_needed)
    try:
        flow = nx.min_cost_flow(graph)
    except nx.NetworkXUnfeasible:
        raise AssignoptError(
            "infeasible assignment: the seats cannot take every student under the policy"
        ) from None
    flows = np.zeros((n, k, s))
    for i in range(n):
        for c in range(k):
            for (_, j, _), value in ((t, v) for t, v in flow[("n", i, c)].items()):
                flows[i, c, j] = value
    return TransportSolution(
        flows,
        float(np.einsum("nks,ns->", flows, km)),
        "optimal",
        "networkx",
        time.perf_counter() - start,
        "fixed seats" if fixed_enrolment else "enrolment up to capacity",
    )
