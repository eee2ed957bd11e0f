"""Exact minimum-transport assignment as a min-cost flow: multilevel, sparse, priced.

The network form covers fixed seats with single-class bands (each school enrols exactly its
capacity; class seats ``L[s, k] <= seats <= U[s, k]``, :func:`~assignopt.spatial.transport.
seat_bounds`) and free enrolment without an income policy (the nearest-school baseline). Costs
are whole millimetres and students whole numbers; the flow code is OR-Tools' cost-scaling
min-cost flow (the optional ``fast`` extra).

Nodes: one per (neighborhood, class) with students, one per (school, class), one per school,
a sink for empty seats and a "hub" that moves students between schools at a high cost, so that
every restricted problem is feasible. The algorithm:

1. **Levels.** Neighborhoods are clustered by their nearest school, then by their two and three
   nearest schools; each coarser problem (summed students, student-weighted mean distances) is
   solved first and hands down the potentials of its (school, class) nodes and its support.
2. **Candidate arcs.** At each level a neighborhood class keeps the arcs its cluster used one
   level up and every arc within ``delta`` of its best reduced distance under those
   potentials. One with a single candidate is *folded*: its students are fixed to that school
   and it leaves the flow problem, which holds only the contested neighborhoods.
3. **Pricing.** After each solve, node potentials are rebuilt from the flow
   (:mod:`assignopt.spatial.potentials`) and every arc left out, over all N x S pairs, is
   priced in numpy; arcs with negative reduced cost join and the restricted problem is solved
   again. At the finest level this ends only when no arc prices negative and the hub carries
   nothing: that is the proof that the sparse optimum is optimal for all arcs (integer costs,
   exact arithmetic).
4. **Certificate.** The potentials also give a lower bound on the optimum with the unrounded
   distances (weak duality); the relative gap between it and the flow's distance is reported.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass

import numpy as np

from assignopt.errors import InfeasibleError, InputError, SolverError
from assignopt.spatial.clusters import cluster_labels, coarse_levels
from assignopt.spatial.flows import Flows
from assignopt.spatial.potentials import node_potentials
from assignopt.spatial.problem import (
    ClassBand,
    Labels,
    TransportSolution,
    check_reach,
    check_whole,
    seat_bounds,
)

__all__ = [
    "NetworkDuals",
    "SeatModel",
    "network_available",
    "network_seed",
    "network_solution",
    "seat_model",
    "transport_by_network",
]

log = logging.getLogger(__name__)

MM_PER_KM = 1_000_000
# Never priced negative: the cost of a pair a travel cap forbids.
FORBIDDEN = np.int64(2**50)
# Rows per block when pricing, to bound the temporary arrays.
BLOCK = 4096
#: Candidate arcs per source that the band of near-best arcs aims at (see ``_near_band``).
NEAR_ARCS = 5
#: Rows sampled to size that band.
NEAR_SAMPLE = 1024
#: A coarse level prices until the arcs priced in number at most this share of the
#: neighborhoods' (neighborhood, class) pairs (the finest level's count, not its own clusters'),
#: with no student through the hub: the next level's candidates come from its potentials.
COARSE_SETTLE = 0.01
#: The finest level of a seed (unproven) prices until at most this share of its sources price in.
SEED_SETTLE = 0.01
#: While the hub feeds a school class, arcs into it are priced until their students cover
#: this many times what the hub brings ...
HUB_COVER = 2
#: ... and at most this many per school class and round.
SHORTFALL_ARCS = 256


def network_available() -> bool:
    """Whether OR-Tools' min-cost flow (the ``fast`` extra) can be imported."""
    try:
        from ortools.graph.python import min_cost_flow  # noqa: F401
    except ImportError:
        return False
    return True


@dataclass
class SeatModel:
    """Per-school seat limits of the network form (whole students).

    Attributes
    ----------
    lower, upper : numpy.ndarray
        ``(S, K)`` bounds on each school's seats of each class.
    enrol_min, enrol_max : numpy.ndarray
        ``(S,)`` bounds on each school's enrolment.
    """

    lower: np.ndarray
    upper: np.ndarray
    enrol_min: np.ndarray
    enrol_max: np.ndarray


def seat_model(
    capacity: np.ndarray,
    bands: list[ClassBand],
    n_classes: int,
    fixed_enrolment: bool,
    labels: Labels | None = None,
) -> SeatModel:
    """The network form of a policy, or an :class:`InputError` if it has none.

    Fixed enrolment turns single-class bands into integer seat bounds; free enrolment is a
    network only without bands (a share of a free enrolment is not a flow bound).
    """
    capacity = np.asarray(capacity, float)
    cap = check_whole(capacity, "seats", "network")
    if fixed_enrolment:
        lower, upper = seat_bounds(capacity, bands, n_classes, labels, whole=True)
        return SeatModel(lower.astype(np.int64), upper.astype(np.int64), cap, cap)
    if bands:
        raise InputError(
            "the network solver balances income only with fixed enrolment (capacities equal "
            "to enrolment); use the LP"
        )
    zero = np.zeros((cap.size, n_classes), np.int64)
    return SeatModel(zero, np.repeat(cap[:, None], n_classes, axis=1), np.zeros_like(cap), cap)


def transport_by_network(
    supply: np.ndarray,
    km: np.ndarray,
    seats: SeatModel,
    *,
    allowed: np.ndarray | None = None,
    levels: int = 3,
    delta_km: float | None = None,
    labels: Labels | None = None,
) -> TransportSolution:
    """Minimum student-km assignment in the network form, proven optimal by pricing.

    Parameters
    ----------
    supply : numpy.ndarray
        Whole students by neighborhood and class, ``(N, K)``.
    km : numpy.ndarray
        Distances, ``(N, S)``.
    seats : SeatModel
        Seat limits (:func:`seat_model`).
    allowed : numpy.ndarray of bool, optional
        ``(N, S)`` pairs that may carry students (a travel cap).
    levels : int
        Coarse levels before the neighborhoods themselves (0 to 3).
    delta_km : float, optional
        Width of the band of near-best arcs kept as candidates; by default each level's own,
        about ``NEAR_ARCS`` arcs per source (see ``_near_band``).
    labels : Labels, optional
        Neighborhood ids, school and class names, for messages.

    Returns
    -------
    TransportSolution
        ``status`` "optimal", ``gap`` the certified relative gap against the unrounded
        distances, ``formulation`` the levels, rounds and arcs used.

    Raises
    ------
    InputError
        If students are not whole numbers or OR-Tools is missing.
    InfeasibleError
        If the seats cannot take every student: names the neighborhood with no school in
        reach, or the school and class short of (or swamped by) students within the reach
        allowed.
    """
    return network_solution(
        supply, km, seats, allowed=allowed, levels=levels, delta_km=delta_km, labels=labels
    )[0]


@dataclass
class NetworkDuals:
    """Integer node potentials (millimetres) proving a network optimum, for callers that price.

    Attributes
    ----------
    sink : numpy.ndarray
        ``(S, K)`` potentials of the (school, class) nodes: an arc from neighborhood n, class
        k to school s has reduced cost ``mm[n, s] - sink[s, k] + min_t (mm[n, t] - sink[t, k])``
        (at least 0 on every arc, 0 on every arc carrying students).
    school : numpy.ndarray
        ``(S,)`` potentials of the school nodes.
    empty : int
        Potential of the empty-seat sink.
    """

    sink: np.ndarray
    school: np.ndarray
    empty: int


def network_solution(
    supply: np.ndarray,
    km: np.ndarray,
    seats: SeatModel,
    *,
    allowed: np.ndarray | None = None,
    levels: int = 3,
    delta_km: float | None = None,
    labels: Labels | None = None,
    prove: bool = True,
    units_per_km: int = MM_PER_KM,
) -> tuple[TransportSolution, NetworkDuals]:
    """:func:`transport_by_network` and the potentials that prove its optimum.

    With ``prove=False`` the finest level is solved once on its candidate arcs and not priced
    to the end: a near-optimal start for a caller that proves optimality itself (its status is
    then ``unproven``). ``units_per_km`` sets the integer cost unit (millimetres by default;
    a coarser unit is faster and enough for such a start). The potentials are in that unit.
    """
    start = time.perf_counter()
    km = np.asarray(km, float)
    allowed = np.ones(km.shape, bool) if allowed is None else np.asarray(allowed, bool)
    result, log_levels, supply_i = _solve_levels(
        supply, km, seats, allowed, levels, delta_km, labels, prove, units_per_km
    )
    n, k = supply_i.shape
    s = km.shape[1]
    fixed = bool(np.array_equal(seats.enrol_min, seats.enrol_max))
    src, school, amount = result.flows
    flows = Flows.from_arcs(src // k, src % k, school, amount, (n, k, s))
    gap = _certified_gap(flows, supply_i, km, allowed, seats, result.potentials, units_per_km)
    solution = TransportSolution.from_flows(
        flows,
        km,
        "optimal" if prove else "unproven",
        "ortools (network, pricing)",
        start,
        f"{'fixed seats' if fixed else 'enrolment up to capacity'} as a min-cost flow; levels: "
        f"{', '.join(log_levels)}; {result.n_arcs:,} arcs of "
        f"{n * k * s:,}; min reduced cost {result.min_reduced} mm; certified gap "
        f"{gap:.1e}",
        gap=gap,
    )
    return solution, NetworkDuals(*result.potentials)


def network_seed(
    supply: np.ndarray,
    km: np.ndarray,
    seats: SeatModel,
    *,
    allowed: np.ndarray | None = None,
    labels: Labels | None = None,
    units_per_km: int = 1000,
) -> tuple[tuple[np.ndarray, np.ndarray, np.ndarray], NetworkDuals]:
    """A near-optimal flow as a start for an exact LP: the arcs it uses and its potentials.

    The levels of :func:`network_solution` with ``prove=False``, without the dense flow
    array or its certificate (which the caller's own proof replaces).

    Returns
    -------
    (neighborhoods, classes, schools), NetworkDuals
        The arcs carrying students, and the potentials (in ``1 / units_per_km`` km).
    """
    km = np.asarray(km, float)
    allowed = np.ones(km.shape, bool) if allowed is None else np.asarray(allowed, bool)
    result, _, supply_i = _solve_levels(
        supply, km, seats, allowed, 3, None, labels, False, units_per_km
    )
    k = supply_i.shape[1]
    src, school, amount = result.flows
    used = amount > 0
    return (src[used] // k, src[used] % k, school[used]), NetworkDuals(*result.potentials)


def _solve_levels(supply, km, seats, allowed, levels, delta_km, labels, prove, units_per_km):
    """The multilevel solve: the finest level's result, the level log, whole students."""
    if not network_available():
        raise InputError(
            "the network solver needs OR-Tools: pip install 'assignopt[fast]' (or use the LP)"
        )
    labels = labels or Labels()
    supply_i = check_whole(supply, "students", "network")
    n, k = supply_i.shape
    _check_seats(supply_i, seats, labels)
    check_reach(supply_i, allowed, labels)
    cost = np.rint(km * units_per_km).astype(np.int64)
    capped = not allowed.all()
    max_cost = max(int(cost[allowed].max() if capped else cost.max()), 1)
    if capped:
        cost[~allowed] = FORBIDDEN
    # None: each level sizes its own band from its potentials (``_near_band``).
    delta = None if delta_km is None else int(round(delta_km * units_per_km))
    clusters = cluster_labels(cost, levels)
    potentials = None
    support = None  # arcs carrying students one level up
    up_label = None  # neighborhood -> cluster one level up
    log = []
    coarse = _coarse_levels(supply_i, km, allowed if capped else None, clusters, units_per_km)
    for label, data in zip([*clusters, None], [*coarse, None], strict=True):
        final = label is None
        if final:
            lv_supply, lv_cost = supply_i, cost
            label = np.arange(n)
        else:
            lv_supply, lv_cost = data
        up = None
        if up_label is not None:
            up = np.empty(lv_supply.shape[0], np.int64)
            up[label] = up_label
        arcs = _initial_arcs(lv_supply, lv_cost, potentials, delta, support, up, n_nearest=12)
        level = _Level(lv_supply, lv_cost, seats, max_cost, labels)
        # Unproven, the finest level still prices until few arcs are left out (SEED_SETTLE
        # of its sources): its potentials seed a caller's LP, which prices in the rest. A
        # coarse level prices until COARSE_SETTLE with its hub idle: stopped at the first
        # feasible round, a segregated city's finest level then needed 6-8 rounds of its
        # costliest flow instead of 1-2. Both shares count the neighborhoods' (neighborhood,
        # class) pairs: a coarse level held to a share of its own few clusters repriced
        # rounds of a handful of arcs that the finer levels settle anyway (2,000 x 100
        # without a band took 7 coarse rounds instead of 4, and 0.13-0.17 s, not 0.09-0.11).
        settle = int(supply_i.size * (SEED_SETTLE if final else COARSE_SETTLE))
        result = level.solve(arcs, exact=final and prove, settle=settle, idle_hub=not final)
        what = "neighborhoods" if final else "clusters"
        rounds = f"{result.rounds} round{'s' if result.rounds > 1 else ''}"
        log.append(f"{lv_supply.shape[0]:,} {what} ({rounds})")
        potentials = result.sink_potentials
        support = result.support
        up_label = label
    return result, log, supply_i


def _check_seats(supply: np.ndarray, seats: SeatModel, labels: Labels) -> None:
    """Seat limits that no assignment can meet, named before any solve."""
    total = int(supply.sum())
    if seats.enrol_max.sum() < total:
        raise InfeasibleError(f"infeasible: {seats.enrol_max.sum():,} seats for {total:,} students")
    if seats.enrol_min.sum() > total:
        raise InfeasibleError(
            f"infeasible: schools must enrol {seats.enrol_min.sum():,} but there are only "
            f"{total:,} students"
        )
    for c in range(supply.shape[1]):
        need, room = seats.lower[:, c].sum(), seats.upper[:, c].sum()
        have = supply[:, c].sum()
        if need > have or room < have:
            name = labels.income_class(c)
            raise InfeasibleError(
                f"infeasible policy: the schools' seats for class {name} range over "
                f"[{need:,}, {room:,}] but there are {have:,} students of class {name}; "
                "widen the tolerance"
            )


def _coarse_levels(supply, km, allowed, clusters, units_per_km=MM_PER_KM):
    """Each cluster level's whole students and integer mean distances, coarse to fine."""
    levels = []
    for level in coarse_levels(supply, km, allowed, clusters):
        students = np.rint(level.students).astype(np.int64)
        cost = np.rint(level.km * units_per_km).astype(np.int64)
        if level.reach is not None:
            cost[~level.reach] = FORBIDDEN
        levels.append((students, cost))
    return levels


def _initial_arcs(supply, cost, potentials, delta, support, up, n_nearest):
    """Candidate arcs of a level as (source id = row * K + class, school).

    Without potentials (the coarsest level): each source's ``n_nearest`` schools. Otherwise the
    arcs within ``delta`` of the source's best reduced distance, plus the arcs its cluster
    carried one level up (``support``, mapped through ``up``: row -> cluster one level up),
    which alone already make a feasible restricted problem.
    """
    n, k = supply.shape
    s = cost.shape[1]
    live = supply > 0
    parts = []
    if potentials is None:
        m = min(n_nearest, s)
        near = (
            np.argpartition(cost, m - 1, axis=1)[:, :m] if m < s else np.tile(np.arange(s), (n, 1))
        )
        for c in range(k):
            rows = np.repeat(np.flatnonzero(live[:, c]), m)
            school = near[live[:, c]].ravel()
            ok = cost[rows, school] < FORBIDDEN
            parts.append((rows[ok] * k + c) * s + school[ok])
    else:
        if delta is None:
            delta = _near_band(supply, cost, potentials)
        for c in range(k):
            for b0 in range(0, n, BLOCK):
                block = cost[b0 : b0 + BLOCK]
                base = block - potentials[:, c][None, :]
                near = (base <= base.min(axis=1, keepdims=True) + delta) & (block < FORBIDDEN)
                r, school = np.nonzero(near)
                rows = b0 + r
                ok = live[rows, c]
                parts.append((rows[ok] * k + c) * s + school[ok])
    if support is not None:
        up_src, up_school = support
        cluster, cls = up_src // k, up_src % k
        order = np.argsort(up, kind="stable")
        counts = np.bincount(up, minlength=int(cluster.max(initial=0)) + 1)
        starts = np.cumsum(counts) - counts
        per = counts[cluster]
        rep = np.repeat(np.arange(cluster.size), per)
        offset = np.arange(per.sum()) - np.repeat(np.cumsum(per) - per, per)
        rows = order[starts[cluster][rep] + offset]
        c, school = cls[rep], up_school[rep]
        ok = live[rows, c] & (cost[rows, school] < FORBIDDEN)
        parts.append(((rows * k + c) * s + school)[ok])
    arc = np.unique(np.concatenate(parts))
    return arc // s, arc % s


def _near_band(supply: np.ndarray, cost: np.ndarray, potentials: np.ndarray) -> int:
    """Width of the band of near-best arcs that keeps ``NEAR_ARCS`` arcs per source on average.

    Measured on the sources of evenly spaced sampled rows: the ``NEAR_ARCS * sources``-th
    smallest gap between an arc's reduced cost and its source's best. A width fixed by the
    geography (three quarters of the median distance to the nearest school) kept about 5
    arcs per source on a uniform district but 28-44 on a segregated city whose schools lie
    kilometres apart, where each round of the flow then took several times longer for the
    same optimum.
    """
    n, k = supply.shape
    rows = np.unique(np.linspace(0, n - 1, min(n, NEAR_SAMPLE)).astype(np.int64))
    gaps, n_sources = [], 0
    for c in range(k):
        live = rows[supply[rows, c] > 0]
        n_sources += live.size
        block = cost[live]
        # A forbidden pair's reduced cost (about 2^50) is never a reachable source's best.
        base = block - potentials[:, c][None, :]
        gaps.append((base - base.min(axis=1, keepdims=True))[block < FORBIDDEN])
    gap = np.concatenate(gaps)
    if gap.size == 0:
        return 0
    at = min(gap.size, NEAR_ARCS * n_sources) - 1
    return int(np.partition(gap, at)[at])


@dataclass
class _LevelResult:
    flows: tuple[np.ndarray, np.ndarray, np.ndarray]  # source ids, schools, students
    support: tuple[np.ndarray, np.ndarray]  # arcs carrying students
    sink_potentials: np.ndarray  # (S, K), mm
    potentials: tuple[np.ndarray, np.ndarray, int]  # (S, K), (S,), empty seats; mm
    rounds: int
    n_arcs: int
    min_reduced: int


class _Level:
    """The restricted min-cost flow of one level, solved and priced until done."""

    def __init__(
        self,
        supply: np.ndarray,
        cost: np.ndarray,
        seats: SeatModel,
        max_cost: int,
        labels: Labels,
    ):
        self.supply, self.cost, self.seats, self.labels = supply, cost, seats, labels
        n, k = supply.shape
        s = cost.shape[1]
        self.n, self.k, self.s = n, k, s
        self.flat = supply.ravel()
        self.total = int(supply.sum())
        # Moving a student through the hub first costs a few of the longest trips; if the hub
        # is still used at the end, a cost above any chain of trips settles whether it must be.
        self.hub_cost = 4 * max_cost + 1
        self.big = max_cost * (n * k + s * k + s + 4)

    def solve(
        self,
        arcs,
        *,
        exact: bool,
        add_per_row: int = 5,
        settle: int = 0,
        idle_hub: bool = False,
    ) -> _LevelResult:
        """Solve the restricted problem and price, round after round.

        Not ``exact``: stop once at most ``settle`` arcs price in (with ``idle_hub``, once the
        hub is idle too), after 8 rounds at most.
        """
        src, school = arcs
        n, k, s = self.n, self.k, self.s
        hub_cost = self.hub_cost
        for rounds in range(1, 201):
            count = np.bincount(src, minlength=n * k)
            contested = count >= 2
            on = contested[src]
            f_src, f_school = src[~on], school[~on]
            forced = np.zeros((s, k), np.int64)
            np.add.at(forced, (f_school, f_src % k), self.flat[f_src])
            c_ids = np.flatnonzero(contested)
            position = np.full(n * k, -1, np.int64)
            position[c_ids] = np.arange(c_ids.size)
            a_src, a_school = src[on], school[on]
            net = self._network(c_ids, position[a_src], a_src, a_school, forced, hub_cost)
            flow = _min_cost_flow(*net)
            tail, head, capacity, cost, supplies, hub_arcs, _ = net
            d = node_potentials(supplies.size, tail, head, capacity, cost, flow)
            nc = c_ids.size
            d_sink = d[nc : nc + s * k].reshape(s, k)
            # A source's arcs carry at most its students (a bound that never binds but
            # halves OR-Tools' work), so an arc carrying all of them may price below zero.
            # Raised to its largest d_sink - cost, a source's potential prices every arc of
            # the restricted problem at zero or more, as without the bound.
            tight = np.full(n * k, np.iinfo(np.int64).min)
            np.maximum.at(
                tight, a_src, d_sink[a_school, a_src % k] - self.cost[a_src // k, a_school]
            )
            d_src = np.where(contested, tight, 0)
            d_src[f_src] = d_sink[f_school, f_src % k] - self.cost[f_src // k, f_school]
            new_src, new_school, min_reduced = self._price(d_src, d_sink, add_per_row)
            # Into the hub (its sinks' arcs, the last s * k), so out of it too: no supply there.
            hub_flow = int(flow[hub_arcs[-s * k :]].sum())
            if hub_flow:
                # Per source, the best arcs go to the few schools the hub feeds nearest to it;
                # per school and class the hub feeds, arcs bring enough students (a segregated
                # city's coarsest level fed schools through the hub for 7 rounds, not 3).
                fed = flow[hub_arcs[: s * k]].reshape(s, k)
                fed += flow[hub_arcs[s * k : s * k + s]][:, None]  # a school short of any class
                more_src, more_school = self._price_shortfall(d_src, d_sink, fed)
                key = np.unique(
                    np.concatenate([new_src * s + new_school, more_src * s + more_school])
                )
                new_src, new_school = key // s, key % s
            log.info(
                f"    {n:,} {'neighborhoods' if exact else 'clusters'}, round {rounds}: "
                f"{c_ids.size:,} contested, {a_src.size:,} arcs, {new_src.size:,} priced in"
                + (f", {hub_flow:,} units of flow through the hub" if hub_flow else "")
            )
            if exact:
                if new_src.size == 0 and hub_flow == 0:
                    break
                if new_src.size == 0 and hub_cost < self.big:
                    hub_cost = self.big  # settle whether the hub is really needed
                    continue
                if new_src.size == 0:
                    raise InfeasibleError(self._explain(flow, net))
            elif (
                new_src.size == 0
                or rounds >= 8
                or (new_src.size <= settle and (hub_flow == 0 or not idle_hub))
            ):
                break
            src = np.concatenate([src, new_src])
            school = np.concatenate([school, new_school])
        else:
            raise SolverError("network pricing did not converge in 200 rounds; use the LP")
        x = flow[: a_src.size]
        carry = x > 0
        flows = (
            np.concatenate([a_src[carry], f_src]),
            np.concatenate([a_school[carry], f_school]),
            np.concatenate([x[carry], self.flat[f_src]]).astype(float),
        )
        school_pot = d[nc + s * k : nc + s * k + s]
        empty_pot = int(d[nc + s * k + s])
        return _LevelResult(
            flows,
            flows[:2],
            d_sink,
            (d_sink, school_pot, empty_pot),
            rounds,
            int(src.size),
            int(min_reduced),
        )

    def _network(self, c_ids, a_pos, a_src, a_school, forced, hub_cost):
        """Arc and node arrays of the restricted problem over the contested sources."""
        k, s = self.k, self.s
        seats = self.seats
        nc = c_ids.size
        sink = nc + np.arange(s * k)  # (school, class) nodes
        school = nc + s * k + np.arange(s)
        empty = nc + s * k + s
        hub = empty + 1
        inf = self.total + 1
        school_of_sink = np.repeat(school, k)
        tail = [
            a_pos,
            sink,
            school,
            np.full(s * k, hub),
            np.full(s, hub),
            [hub],
            sink,
        ]
        head = [
            nc + a_school * k + a_src % k,
            school_of_sink,
            np.full(s, empty),
            sink,
            school,
            [empty],
            np.full(s * k, hub),
        ]
        capacity = [
            self.flat[a_src],
            (seats.upper - seats.lower).ravel(),
            seats.enrol_max - seats.enrol_min,
            np.full(s * k, inf),
            np.full(s, inf),
            [inf],
            np.full(s * k, inf),
        ]
        cost = [
            self.cost[a_src // k, a_school],
            np.zeros(s * k),
            np.zeros(s),
            np.zeros(s * k),
            np.zeros(s),
            [0],
            np.full(s * k, hub_cost),
        ]
        tail, head, capacity, cost = (
            np.concatenate([np.asarray(p, np.int64) for p in parts])
            for parts in (tail, head, capacity, cost)
        )
        supplies = np.zeros(hub + 1, np.int64)
        supplies[:nc] = self.flat[c_ids]
        supplies[sink] = (forced - seats.lower).ravel()
        supplies[school] = -(seats.enrol_min - seats.lower.sum(axis=1))
        supplies[empty] = -(self.total - int(seats.enrol_min.sum()))
        hub_arcs = np.arange(a_pos.size + s * k + s, tail.size)
        layout = (nc, sink, school, empty, hub)
        return tail, head, capacity, cost, supplies, hub_arcs, layout

    def _price(self, d_src, d_sink, add_per_row):
        """Most negative left-out arcs per source (all pairs, in row blocks)."""
        n, k = self.n, self.k
        live = self.supply > 0
        new_src, new_school = [], []
        min_reduced = 0
        take = min(add_per_row, self.s)
        for c in range(k):
            for b0 in range(0, n, BLOCK):
                reduced = self.cost[b0 : b0 + BLOCK] - d_sink[:, c][None, :]
                rows = b0 + np.arange(reduced.shape[0])
                reduced += d_src[rows * k + c][:, None]
                low = reduced.min(axis=1)
                bad = np.flatnonzero((low < 0) & live[rows, c])
                if bad.size == 0:
                    continue
                min_reduced = min(min_reduced, int(low[bad].min()))
                part = reduced[bad]
                best = np.argpartition(part, take - 1, axis=1)[:, :take]
                value = np.take_along_axis(part, best, axis=1)
                r, p = np.nonzero(value < 0)
                new_src.append(rows[bad[r]] * k + c)
                new_school.append(best[r, p])
        if not new_src:
            return np.zeros(0, np.int64), np.zeros(0, np.int64), min_reduced
        return np.concatenate(new_src), np.concatenate(new_school), min_reduced

    def _price_shortfall(self, d_src, d_sink, fed):
        """Most negative arcs into each (school, class) the hub feeds, over all sources.

        Taken in order of reduced cost until their students cover ``HUB_COVER`` times what the
        hub brings (at most ``SHORTFALL_ARCS`` arcs per school and class and round).
        """
        n, k = self.n, self.k
        out_src, out_school = [], []
        big = np.iinfo(np.int64).max
        take = min(SHORTFALL_ARCS, n)
        d_row = d_src.reshape(n, k)
        for c in range(k):
            schools = np.flatnonzero(fed[:, c] > 0)
            live = self.supply[:, c] > 0
            for b0 in range(0, schools.size, 64):
                cols = schools[b0 : b0 + 64]
                reduced = self.cost[:, cols] - d_sink[cols, c][None, :]
                reduced += d_row[:, c][:, None]
                reduced[~live] = big
                best = np.argpartition(reduced, take - 1, axis=0)[:take]
                value = np.take_along_axis(reduced, best, axis=0)
                order = np.argsort(value, axis=0, kind="stable")
                best = np.take_along_axis(best, order, axis=0)
                value = np.take_along_axis(value, order, axis=0)
                students = self.supply[best, c]
                covered = np.cumsum(students, axis=0) - students  # before each arc
                keep = (value < 0) & (covered < HUB_COVER * fed[cols, c][None, :])
                r, j = np.nonzero(keep)
                out_src.append(best[r, j] * k + c)
                out_school.append(cols[j])
        if not out_src:
            return np.zeros(0, np.int64), np.zeros(0, np.int64)
        return np.concatenate(out_src), np.concatenate(out_school)

    def _explain(self, flow, net) -> str:
        """Name the school (and class) that cannot be served within the reach allowed."""
        tail, head, _, _, _, hub_arcs, (nc, _, school, _, hub) = net
        k, seats, labels = self.k, self.seats, self.labels
        hub_flow = flow[hub_arcs]
        arc = hub_arcs[np.argmax(hub_flow)]
        amount = int(hub_flow.max())
        moved = int(flow[hub_arcs][head[hub_arcs] == hub].sum())
        students = f"{amount} student{'s' if amount != 1 else ''}"
        advice = f"({moved} students short in all); raise the travel cap or widen the tolerance"
        sinks = range(nc, nc + self.s * k)
        if tail[arc] == hub and head[arc] in sinks:
            j, c = divmod(int(head[arc] - nc), k)
            name = labels.income_class(c)
            return (
                f"infeasible assignment: {labels.school(j)} cannot get {students} of class "
                f"{name} that it needs within the reach allowed (it enrols "
                f"{int(seats.enrol_min[j])} to {int(seats.enrol_max[j])} with "
                f"{int(seats.lower[j, c])} to {int(seats.upper[j, c])} of class {name}) {advice}"
            )
        if tail[arc] == hub and head[arc] in school:
            j = int(head[arc] - school[0])
            return (
                f"infeasible assignment: {labels.school(j)} cannot fill {students} of its "
                f"{int(seats.enrol_min[j])} seats within the reach allowed {advice}"
            )
        if head[arc] == hub and tail[arc] in sinks:
            j, c = divmod(int(tail[arc] - nc), k)
            return (
                f"infeasible assignment: {labels.school(j)} would have to take {students} of "
                f"class {labels.income_class(c)} beyond its {int(seats.upper[j, c])}, with no "
                f"other school within the reach allowed {advice}"
            )
        return f"infeasible assignment: {moved} students cannot be placed under the policy"


def _min_cost_flow(tail, head, capacity, cost, supplies, *_):
    """OR-Tools' min-cost flow; the flow on every arc."""
    from ortools.graph.python import min_cost_flow

    solver = min_cost_flow.SimpleMinCostFlow()
    solver.add_arcs_with_capacity_and_unit_cost(tail, head, capacity, cost)
    solver.set_nodes_supplies(np.arange(supplies.size), supplies)
    status = solver.solve()
    if status != solver.OPTIMAL:
        # Reading flows after a failed solve can crash the process: stop here.
        raise SolverError(f"the min-cost flow ended with status {status.name}")
    return np.asarray(solver.flows(np.arange(tail.size)), np.int64)


def _certified_gap(flows, supply, km, allowed, seats, potentials, units_per_km=MM_PER_KM) -> float:
    """Relative gap between the flow's distance and a weak-duality bound (unrounded km)."""
    sink_mm, school_mm, empty_mm = potentials
    p_sink = sink_mm / units_per_km
    p_school = school_mm / units_per_km
    p_empty = empty_mm / units_per_km
    lower = seats.lower.astype(float)
    bound = float((p_sink * lower).sum())
    bound += float((p_school * (seats.enrol_min - lower.sum(axis=1))).sum())
    bound += p_empty * float(supply.sum() - seats.enrol_min.sum())
    bound += float(((seats.upper - lower) * np.minimum(0.0, p_sink - p_school[:, None])).sum())
    bound += float(
        ((seats.enrol_max - seats.enrol_min) * np.minimum(0.0, p_school - p_empty)).sum()
    )
    n = supply.shape[0]
    for c in range(supply.shape[1]):
        for b0 in range(0, n, BLOCK):
            gain = np.where(
                allowed[b0 : b0 + BLOCK], p_sink[:, c][None, :] - km[b0 : b0 + BLOCK], -np.inf
            )
            best = gain.max(axis=1)
            weight = supply[b0 : b0 + BLOCK, c]
            bound -= float((weight[weight > 0] * best[weight > 0]).sum())
    primal = flows.student_km(km)
    return max(0.0, primal - bound) / max(primal, 1e-12)
