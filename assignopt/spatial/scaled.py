"""Network speed for fractional data: a scaled min-cost flow, then the exact LP from its arcs.

Fractional students (synthetic cities, survey estimates) and fractional seat bounds (a band
``lower * E_s`` that is not a whole number of seats; always so at perfect balance) are part of
the problem, and rounding them changes it. Here they are handled in two steps:

1. **Scaled network.** Students and seat limits are counted in units of ``1 / scale`` of a
   student and rounded *outward* (lower limits down, upper limits up, by at most one unit):
   a relaxation, so it is feasible whenever the problem is. Its min-cost flow
   (:func:`~assignopt.spatial.netflow.network_seed`) gives node potentials.
2. **Exact LP from the priced arcs.** The arcs within ``margin_mm`` of each neighborhood
   class's best reduced distance under those potentials (typically a little more than one
   per neighborhood and class) seed :func:`~assignopt.spatial.pricing.transport_by_pricing`
   on the *unrounded* data: HiGHS solves that small LP, prices every arc of all N x S x K from
   its duals and adds any that price negative. It stops only when none does, which proves the
   result optimal for the problem as given.
"""

from __future__ import annotations

import logging
import time

import numpy as np

from assignopt.errors import InfeasibleError, SolverError
from assignopt.spatial.contested import solve_contested
from assignopt.spatial.netflow import (
    SeatModel,
    network_seed,
    seat_model,
    transport_by_network,
)
from assignopt.spatial.pricing import solve_by_pricing
from assignopt.spatial.problem import TransportProblem, TransportSolution, seat_bounds

__all__ = ["transport_by_scaled_network"]

log = logging.getLogger(__name__)

# Units of a student in the scaled network: fine enough that the scaled optimum's arcs are the
# exact optimum's (up to ties), coarse enough that flows times millimetres fit in 64 bits.
SCALE = 1000
BLOCK = 4096


def transport_by_scaled_network(
    problem: TransportProblem,
    *,
    scale: int = SCALE,
    margin_km: float | None = None,
    units_per_km: int | None = None,
    time_limit: float | None = None,
) -> TransportSolution:
    """Exact minimum student-km assignment of a network-form problem with fractional data.

    Parameters
    ----------
    problem : TransportProblem
        Fixed enrolment with single-class bands, or free enrolment without bands; students,
        seats and seat bounds may be fractional (whole ones go straight to
        :func:`~assignopt.spatial.netflow.transport_by_network`). A travel cap is allowed.
    scale : int
        Units per student in the scaled network.
    margin_km : float, optional
        Arcs within this distance of a neighborhood class's best reduced distance seed the LP,
        besides the best ones themselves; by default 3 cost units (ties up to the network's
        rounding: at 10,000 x 300 with a band this took the LP from 3 pricing rounds to 1).
    units_per_km : int, optional
        Integer cost unit of the scaled network (only its arcs are kept; the LP prices with
        the exact distances). By default metres with several classes and decimetres for a
        single class (one class of a perfect balance), the faster of 10^3 to 10^6 units per
        km at 10,000 x 300 for each (2.2 s against 2.6 s; 1.7 s against 1.95 s).
    time_limit : float, optional
        Seconds per HiGHS call.

    Returns
    -------
    TransportSolution
        Proven optimal by pricing on the unrounded data (``formulation`` says how many arcs
        the scaled network handed on).

    Raises
    ------
    InfeasibleError
        If no assignment exists (named by the LP on the unrounded data).
    """
    start = time.perf_counter()
    supply, capacity = problem.supply, problem.capacity
    if problem.whole_numbers:
        seats = seat_model(
            capacity, problem.bands, problem.n_classes, problem.fixed_enrolment, problem.labels
        )
        return transport_by_network(
            supply, problem.km, seats, allowed=problem.allowed, labels=problem.labels
        )
    n, k = supply.shape
    total = float(supply.sum())
    if units_per_km is None:
        units_per_km = 10_000 if k == 1 else 1000
    scale = _safe_scale(scale, total, problem.km, units_per_km)
    if margin_km is None:
        margin_km = 3 / units_per_km
    if problem.fixed_enrolment:
        lower, upper = seat_bounds(capacity, problem.bands, k, problem.labels)
        enrol_min = enrol_max = capacity
    else:
        lower = np.zeros((capacity.size, k))
        upper = np.repeat(capacity[:, None], k, axis=1)
        enrol_min, enrol_max = np.zeros_like(capacity), capacity
    initial, seeded = _network_seed(
        problem, lower, upper, enrol_min, enrol_max, scale, margin_km, units_per_km
    )
    solution = None
    if initial is not None:
        # The LP of the sources the network leaves with a choice; the rest are loads.
        nb, cls, school = initial
        solution = solve_contested(
            problem,
            (nb * problem.n_classes + cls, school),
            start=start,
            seed=seeded,
            solver="ortools + highs (scaled network, pricing)",
            time_limit=time_limit,
        )
        if solution is not None:
            return solution
    solution = solve_by_pricing(problem, time_limit, initial=initial, first_solver="simplex")
    solution.solver = "ortools + highs (scaled network, pricing)"
    solution.formulation = f"{solution.formulation}; {seeded}"
    solution.seconds = time.perf_counter() - start
    return solution


def _network_seed(problem, lower, upper, enrol_min, enrol_max, scale, margin_km, units_per_km):
    """Arcs near the best under the potentials of the scaled network with these seat limits."""
    start = time.perf_counter()
    supply = problem.supply
    seats = SeatModel(
        _down(lower * scale),
        _up(upper * scale),
        _down(enrol_min * scale),
        _up(enrol_max * scale),
    )
    scaled_supply = _round_keeping_totals(supply * scale)
    try:
        used, duals = network_seed(
            scaled_supply,
            problem.km,
            seats,
            allowed=problem.allowed,
            labels=problem.labels,
            units_per_km=units_per_km,
        )
    except InfeasibleError:
        # The relaxation is infeasible, so the problem is: the LP names why, in students.
        duals, why = None, "infeasible"
    except SolverError as exc:
        # A flow code failure (e.g. a cost range it refuses) only costs the start.
        duals, why = None, str(exc)
    if duals is None:
        initial = None
        seeded = f"no network start ({why})"
    else:
        near = _near_best_arcs(
            problem, duals.sink, units_per_km, int(round(margin_km * units_per_km))
        )
        # With the arcs the network used (feasible for its relaxation, near feasible here).
        n_k_s = (problem.n_neighborhoods, problem.n_classes, problem.n_schools)
        arc = np.unique(
            np.concatenate([np.ravel_multi_index(near, n_k_s), np.ravel_multi_index(used, n_k_s)])
        )
        initial = np.unravel_index(arc, n_k_s)
        seeded = f"{initial[0].size:,} arcs from a network in 1/{scale} students"
        log.info(f"    scaled network: {time.perf_counter() - start:.2f} s; {seeded} seed the LP")
    return initial, seeded


def _safe_scale(scale: int, total: float, km: np.ndarray, units_per_km: int) -> int:
    """``scale``, lowered if flows times costs could leave 62 bits.

    The dearest unit of flow in the network is its hub's, four of the longest trips, in the
    network's own cost unit ``units_per_km`` (the check once counted millimetres whatever
    the unit, and lowered a 100M-pair city of 10 million students to 1/100 of a student).
    """
    longest = max(float(km.max(initial=0.0)), 1e-3) * units_per_km
    worst = max(total, 1.0) * (4 * longest + 1)
    while scale > 1 and worst * scale > 2.0**61:
        scale //= 10
    return max(scale, 1)


def _down(values: np.ndarray) -> np.ndarray:
    return np.maximum(np.floor(values + 1e-6), 0).astype(np.int64)


def _up(values: np.ndarray) -> np.ndarray:
    return np.ceil(values - 1e-6).astype(np.int64)


def _round_keeping_totals(values: np.ndarray) -> np.ndarray:
    """Whole numbers within one of ``values``, column sums the rounded column sums.

    Largest remainders round up.
    """
    base = np.floor(values + 1e-9)
    out = base.astype(np.int64)
    for c in range(values.shape[1]):
        short = int(round(values[:, c].sum() - base[:, c].sum()))
        if short > 0:
            rest = values[:, c] - base[:, c]
            out[np.argpartition(-rest, short - 1)[:short], c] += 1
    return out


def _near_best_arcs(problem: TransportProblem, sink: np.ndarray, units_per_km: int, margin: int):
    """Arcs near each source's best reduced distance, as (neighborhood, class, school).

    Within ``margin`` units of the best ``cost[n, s] - sink[s, k]`` (integer costs in
    ``units_per_km``); forbidden pairs excluded.
    """
    n, k = problem.supply.shape
    parts_n, parts_k, parts_s = [], [], []
    live = problem.supply > 0
    for b0 in range(0, n, BLOCK):
        cost = np.rint(problem.km[b0 : b0 + BLOCK] * units_per_km).astype(np.int64)
        ok = problem.allowed[b0 : b0 + BLOCK]
        for c in range(k):
            base = np.where(ok, cost - sink[:, c][None, :], np.iinfo(np.int64).max // 4)
            near = base <= base.min(axis=1, keepdims=True) + margin
            near &= live[b0 : b0 + BLOCK, c][:, None]
            r, school = np.nonzero(near)
            parts_n.append(b0 + r)
            parts_k.append(np.full(r.size, c))
            parts_s.append(school)
    return tuple(np.concatenate(p) for p in (parts_n, parts_k, parts_s))
