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
  solves that same fixed-seat model too, so the two can be compared exactly;
- for large districts, the same min-cost flow on a sparse, priced arc set with OR-Tools
  (:mod:`assignopt.spatial.netflow`; the ``fast`` extra), and the free-enrolment LP on a
  sparse, priced arc set with HiGHS (:mod:`assignopt.spatial.pricing`).
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass

import networkx as nx
import numpy as np
import scipy.sparse as sp

from assignopt.errors import AssignoptError, InputError
from assignopt.lp import SOLVERS, LinearProgram, solve

__all__ = [
    "ASSIGNMENT_SOLVERS",
    "ClassBand",
    "TransportSolution",
    "school_rows",
    "seat_bounds",
    "transport_assignment",
]

ClassBand = tuple[np.ndarray, float, float]  # (mask over classes, lower share, upper share)
# HiGHS presolve spends most of a transport LP's time looking for dependent equations (the
# supply rows and the fixed-enrolment rows are dependent) and removes nothing: off, 2,000 x 100
# with fixed seats took 8.4 s instead of 84 s (benchmarks/RESULTS.md).
TRANSPORT_OPTIONS = {"presolve": "off"}
# Beyond this many neighborhood-school pairs the free-enrolment LP is solved by pricing: at
# 2,000 x 100 it took 1.9 s against 12.6 s dense (benchmarks/RESULTS.md).
PRICING_MIN_PAIRS = 50_000
#: Solvers of the assignment: the LP solvers, and the two min-cost flow codes.
ASSIGNMENT_SOLVERS = (*SOLVERS, "networkx", "ortools")

log = logging.getLogger(__name__)


@dataclass
class TransportSolution:
    """An assignment and what the solver said about it."""

    flows: np.ndarray
    objective_km: float
    status: str
    solver: str
    seconds: float
    formulation: str
    gap: float = 0.0

    @classmethod
    def from_flows(
        cls,
        flows: np.ndarray,
        km: np.ndarray,
        status: str,
        solver: str,
        start: float,
        formulation: str,
        gap: float = 0.0,
    ) -> TransportSolution:
        """A solution whose objective (student-km) and time are derived from its flows."""
        return cls(
            flows,
            float(np.einsum("nks,ns->", flows, km)),
            status,
            solver,
            time.perf_counter() - start,
            formulation,
            gap,
        )


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
    allowed: np.ndarray | None = None,
    whole_neighborhoods: bool = False,
    method: str = "auto",
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
    solver : {"highs", "cbc", "pulp-highs", "networkx", "ortools"}
        ``networkx`` and ``ortools`` (the min-cost flow of
        :mod:`assignopt.spatial.netflow`) need ``fixed_enrolment`` (or no bands) and whole
        numbers of students; ``ortools`` also takes a travel cap.
    fixed_enrolment : bool
        Every school enrols exactly its capacity (capacities must sum to enrolment).
    time_limit : float, optional
        Seconds for an LP solver.
    allowed : numpy.ndarray of bool, optional
        ``(N, S)``: which neighborhood-school pairs may carry students (a travel cap).
    whole_neighborhoods : bool
        Send every neighborhood whole to one school: a mixed-integer program (HiGHS), whose
        relative gap is reported.
    method : {"auto", "dense", "pricing"}
        ``dense`` builds every arc; ``pricing`` grows a sparse arc set until no left-out arc
        prices negative (exact; :mod:`assignopt.spatial.pricing`). ``auto``, beyond
        ``PRICING_MIN_PAIRS`` neighborhood-school pairs with the default solver, uses the
        OR-Tools min-cost flow when the problem is a network (fixed seats or no bands, whole
        students) and OR-Tools is installed, and HiGHS pricing otherwise (either enrolment).

    Returns
    -------
    TransportSolution

    Raises
    ------
    AssignoptError
        If no assignment exists; the message names the neighborhood that cannot reach a school,
        or the school and class whose band cannot be met and by how many students.
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
    allowed = np.ones((n, s), dtype=bool) if allowed is None else np.asarray(allowed, bool)
    stranded = np.flatnonzero(~allowed.any(axis=1) & (supply.sum(axis=1) > 0))
    if stranded.size:
        raise AssignoptError(
            f"infeasible travel cap: neighborhood {stranded[0]} ({supply[stranded[0]].sum():.0f} "
            "students) has no school within reach; raise the cap"
        )
    if solver == "ortools" or (
        solver == "highs"
        and method == "auto"
        and n * s > PRICING_MIN_PAIRS
        and not whole_neighborhoods
        and _network_ready(supply, capacity, bands, fixed_enrolment)
    ):
        if whole_neighborhoods:
            raise InputError("the ortools solver has no whole-neighborhood mode; use highs")
        from assignopt.spatial.netflow import seat_model, transport_by_network

        seats = seat_model(capacity, bands, k, fixed_enrolment)
        return transport_by_network(supply, km, seats, allowed=allowed)
    if solver == "networkx":
        if not allowed.all():
            raise InputError("the networkx solver does not take a travel cap; use an LP solver")
        if bands and not fixed_enrolment:
            raise InputError(
                "the networkx solver balances income only with fixed enrolment "
                "(capacities equal to enrolment); use an LP solver"
            )
        return _networkx(supply, capacity, km, bands, fixed_enrolment)
    if method not in ("auto", "dense", "pricing"):
        raise InputError(f"method must be auto, dense or pricing, got {method!r}")
    use_pricing = method == "pricing" or (
        method == "auto"
        and n * s > PRICING_MIN_PAIRS
        and solver == "highs"
        and not whole_neighborhoods
    )
    if use_pricing:
        if whole_neighborhoods or solver != "highs":
            raise InputError("the pricing path solves the LP with HiGHS only")
        from assignopt.spatial.pricing import transport_by_pricing

        if bands and not fixed_enrolment and abs(capacity.sum() - total) < 1e-6:
            log.info(
                "    every school is full (capacities equal enrolment): with fixed enrolment "
                "(--fixed-enrolment) and whole students this is a min-cost flow, much faster"
            )

        return transport_by_pricing(
            supply,
            capacity,
            km,
            bands,
            fixed_enrolment=fixed_enrolment,
            allowed=allowed,
            time_limit=time_limit,
        )
    start = time.perf_counter()
    pair_n, pair_s = np.nonzero(allowed)
    if whole_neighborhoods:
        return _whole_neighborhoods(
            supply, capacity, km, bands, pair_n, pair_s, solver, time_limit, start
        )
    lp = _transport_lp(supply, capacity, km, bands, fixed_enrolment, pair_n, pair_s)
    solution = solve(lp, solver, time_limit, TRANSPORT_OPTIONS)
    if solution.status == "infeasible":
        raise AssignoptError(
            _explain_infeasible(supply, capacity, km, bands, fixed_enrolment, pair_n, pair_s)
        )
    if solution.status != "optimal":
        raise AssignoptError(
            f"the assignment LP ended with status {solution.status!r}; try --solver cbc"
        )
    flows = np.zeros((n, k, s))
    flows[pair_n, :, pair_s] = np.maximum(solution.x[: pair_n.size * k].reshape(-1, k), 0.0)
    return TransportSolution.from_flows(
        flows,
        km,
        solution.status,
        solution.solver,
        start,
        "fixed seats" if fixed_enrolment else "enrolment up to capacity",
    )


def _network_ready(supply, capacity, bands, fixed_enrolment) -> bool:
    """Whether the OR-Tools min-cost flow applies: a network form, whole numbers, installed."""
    from assignopt.spatial.netflow import network_available

    single = all(np.count_nonzero(mask) == 1 for mask, _, _ in bands)
    whole = np.allclose(supply, np.round(supply)) and np.allclose(capacity, np.round(capacity))
    return (not bands or (fixed_enrolment and single)) and whole and network_available()


def school_rows(
    capacity: np.ndarray, bands: list[ClassBand], n_classes: int, fixed_enrolment: bool
) -> tuple[np.ndarray, np.ndarray, np.ndarray, list[str]]:
    """The per-school rows of the transport LP, as blocks ``(coef, lower, upper, names)``.

    Row ``(b, s)`` bounds ``sum_k coef[b, k] * (students of class k at school s)`` within
    ``[lower[b, s], upper[b, s]]``. Block 0 is capacity (exact enrolment if fixed). Free
    enrolment: then per band its lower and upper side (class students minus share times
    enrolment). Fixed enrolment: the seat bounds of each banded class (:func:`seat_bounds`).
    """
    s = capacity.size
    coef, lower, upper = [np.ones(n_classes)], [np.zeros(s)], [capacity]
    names = ["capacity"]
    if fixed_enrolment:
        lower[0], names[0] = capacity, "seats"
        seats_lo, seats_hi = seat_bounds(capacity, bands, n_classes)
        for c in sorted({int(np.flatnonzero(mask)[0]) for mask, _, _ in bands}):
            coef.append(np.eye(n_classes)[c])
            lower.append(seats_lo[:, c])
            upper.append(seats_hi[:, c])
            names.append(f"band's class-{c} seats")
    else:
        for mask, share_lo, share_hi in bands:
            coef += [
                np.where(mask, 1.0 - share_lo, -share_lo),
                np.where(mask, 1.0 - share_hi, -share_hi),
            ]
            lower += [np.zeros(s), np.full(s, -np.inf)]
            upper += [np.full(s, np.inf), np.zeros(s)]
            names += ["band (lower side)", "band (upper side)"]
    return np.array(coef), np.array(lower), np.array(upper), names


def _transport_lp(
    supply, capacity, km, bands, fixed_enrolment, pair_n, pair_s, elastic: bool = False
) -> LinearProgram:
    """LP over the allowed (neighborhood, school) pairs; variables f[pair, class].

    With ``elastic``, every side of a band or seat row gets a slack column and the objective
    is the total slack instead of distance: its optimum says how far the policy is from
    feasible. The slack columns follow the arcs, block by block and school by school.
    """
    n, k = supply.shape
    s = capacity.size
    n_pairs = pair_n.size
    var = np.arange(n_pairs * k).reshape(n_pairs, k)
    coef, lower, upper, _ = school_rows(capacity, bands, k, fixed_enrolment)
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


def _whole_neighborhoods(
    supply, capacity, km, bands, pair_n, pair_s, solver, time_limit, start
) -> TransportSolution:
    """MILP: binary y[pair] sends neighborhood n whole to school s."""
    n, k = supply.shape
    s = capacity.size
    size = supply.sum(axis=1)
    n_pairs = pair_n.size
    col = np.arange(n_pairs)
    blocks_r, blocks_c, blocks_v, lo, hi = (
        [pair_n],
        [col],
        [np.ones(n_pairs)],
        [np.ones(n)],
        [np.ones(n)],
    )
    n_rows = n
    blocks_r.append(n_rows + pair_s)
    blocks_c.append(col)
    blocks_v.append(size[pair_n])
    lo.append(np.zeros(s))
    hi.append(capacity)
    n_rows += s
    for mask, share_lo, share_hi in bands:
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
    solution = solve(lp, solver, time_limit)
    if solution.status not in ("optimal", "time_limit") or not np.isfinite(solution.objective):
        raise AssignoptError(
            "infeasible whole-neighborhood assignment: no way to send every neighborhood whole "
            "to one school within the capacities and the band (status "
            f"{solution.status!r}); widen the tolerance or allow split neighborhoods"
        )
    y = np.round(solution.x).astype(bool)
    flows = np.zeros((n, k, s))
    flows[pair_n[y], :, pair_s[y]] = supply[pair_n[y]]
    gap = solution.mip_gap if np.isfinite(solution.mip_gap) else 0.0
    return TransportSolution.from_flows(
        flows,
        km,
        solution.status,
        solution.solver,
        start,
        "whole neighborhoods (MILP)",
        float(gap),
    )


def _explain_infeasible(supply, capacity, km, bands, fixed_enrolment, pair_n, pair_s) -> str:
    """Name the school and class furthest from feasible, from an elastic LP's slacks."""
    n, k = supply.shape
    s = capacity.size
    lp = _transport_lp(supply, capacity, km, bands, fixed_enrolment, pair_n, pair_s, elastic=True)
    solution = solve(lp, "highs")
    base = "infeasible assignment: the travel cap and the income band cannot both hold"
    if solution.status != "optimal":
        reach = np.zeros(s)
        np.add.at(reach, pair_s, supply[pair_n].sum(axis=1))
        j = int(np.argmin(reach / capacity))
        return (
            f"{base}: the schools cannot take every student within reach (school {j} "
            f"reaches {reach[j]:.0f} students for {capacity[j]:.0f} seats); raise the cap"
        )
    slack = solution.x[pair_n.size * k :]
    worst = int(np.argmax(slack))
    school = worst % s  # slack columns run school by school within each block side
    what = "its seat bounds" if fixed_enrolment else "its income band"
    return (
        f"{base}: school {school} misses {what} by {slack[worst]:.1f} students at best "
        f"({slack.sum():.1f} over all schools); widen the tolerance or raise the cap"
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
            for (_, j, _), value in flow[("n", i, c)].items():
                flows[i, c, j] = value
    return TransportSolution.from_flows(
        flows,
        km,
        "optimal",
        "networkx",
        start,
        "fixed seats" if fixed_enrolment else "enrolment up to capacity",
    )
