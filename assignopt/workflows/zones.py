"""Job ``zones``: contiguous attendance zones under an income band, at minimum travel.

Reads the district, measures distances, solves the min-travel LP (``assign``'s reference: its
objective bounds the zones' travel from below, its V is the probable segregation), builds the
adjacency graph and solves the zoning MILP (:mod:`assignopt.zones.model`); with ``ensemble``,
samples contiguous zonings near the optimum (:mod:`assignopt.zones.ensemble`).
"""

from __future__ import annotations

import json
import logging
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from assignopt.workflows.base import Result
from assignopt.workflows.requests import ZonesRequest

__all__ = ["ZonesResult", "run", "today_zones"]

log = logging.getLogger(__name__)


@dataclass
class ZonesResult(Result):
    """A zoning, its reference assignment and the files written from them."""

    district: Any = None
    zoning: Any = None
    problem: Any = None
    reference: Any = None
    today: Any = None
    today_source: str = ""
    ensemble: list = field(default_factory=list)
    ensemble_slack: float = 0.0
    notes: list = field(default_factory=list)
    gap_over: str = ""

    def indices(self, zone: np.ndarray) -> dict[str, float]:
        """V, D and H of the first two groups when every neighborhood goes to ``zone``."""
        from assignopt.witness import index_of

        counts = self.district.counts().sum(axis=2)  # (N, M)
        s = len(self.district.schools)
        per_zone = np.zeros((s, counts.shape[1]))
        np.add.at(per_zone, zone, counts)
        return {name: index_of(per_zone[:, :2], name) for name in ("V", "D", "H")}

    def moved_share(self, zone: np.ndarray) -> float:
        """Share of students whose zone differs from today's."""
        size = self.problem.size
        return float(size[zone != self.today].sum() / size.sum())

    def to_dict(self) -> dict[str, Any]:
        """The ``--json`` keys (status, gap, objective_km, lp_bound_km, V's, moved_share, ...)."""
        ref = self.reference.summary()
        z = self.zoning
        zoned = self.indices(z.zone)
        self.data = {
            "status": z.status,
            "gap": z.gap,
            "gap_over": self.gap_over,
            "objective_km": z.objective_km,
            "lp_bound_km": ref["objective_km"],
            "v_zoned": zoned["V"],
            "v_nearest": ref["v_nearest"],
            "v_residential": ref["v_residential"],
            "moved_share": self.moved_share(z.zone),
            "seconds": z.seconds,
            "v_lp": ref["v_assigned"],
            "possible": ref["possible"],
            "indices": {
                "zoned": zoned,
                "residential": ref["indices"]["residential"],
                "nearest": ref["indices"]["nearest"],
                "lp": ref["indices"]["assigned"],
            },
            "mean_km": z.objective_km / float(self.problem.size.sum()),
            "objective": z.objective,
            "bound": z.bound,
            "rounds": z.rounds,
            "cuts": z.cuts,
            "pairs": z.pairs,
            "solver": z.solver,
            "zones_today": self.today_source,
            "policy": ref["policy"],
            "neighborhoods": ref["neighborhoods"],
            "schools": ref["schools"],
            "students": ref["students"],
            "notes": list(ref["notes"]) + list(self.notes),
        }
        if self.ensemble:
            v = np.array([self.indices(zone)["V"] for zone in self.ensemble])
            self.data["ensemble"] = {
                "zonings": len(v),
                "slack": self.ensemble_slack,
                "v_min": float(v.min()),
                "v_max": float(v.max()),
                "v_mean": float(v.mean()),
                "v_sd": float(v.std()),
            }
        return super().to_dict()

    def write(self, folder: str | Path) -> dict[str, Path]:
        """Write ``zones.gpkg``, ``zones.csv``, ``zones.png``, ``summary.json``, ``report.html``."""
        from assignopt.zones.output import write_zones

        self.files = write_zones(self, Path(folder))
        return self.files


def today_zones(district: Any, km: np.ndarray, column: str) -> tuple[np.ndarray, str]:
    """Today's zone of every neighborhood: the ``column`` of school names, or the nearest school.

    Raises
    ------
    InputError
        If ``column`` names a school that does not exist (the neighborhood and value named).
    """
    from assignopt.errors import InputError

    hoods = district.neighborhoods
    if column not in hoods.columns:
        return np.argmin(km, axis=1), "nearest school"
    position = {name: j for j, name in enumerate(district.school_names)}
    labels = district.labels()
    out = np.empty(len(hoods), np.int64)
    for i, value in enumerate(hoods[column].tolist()):
        if isinstance(value, float) and np.isfinite(value) and value == int(value):
            value = int(value)
        text = "" if value is None or (isinstance(value, float) and np.isnan(value)) else str(value)
        if text not in position:
            raise InputError(
                f"neighborhoods layer: column {column!r}, {labels.neighborhood(i)}: {text!r} is "
                f"not a school name (schools: {', '.join(list(position)[:10])}"
                + (", ..." if len(position) > 10 else "")
                + ")"
            )
        out[i] = position[text]
    return out, f"column {column!r}"


def run(request: ZonesRequest, progress: bool = False, out: Path | None = None) -> ZonesResult:
    """Read the district and zone it (see the module's description)."""
    from assignopt.policy import Policy
    from assignopt.spatial.assign import travel_allowed
    from assignopt.workflows.assign import distances_of, load, solve
    from assignopt.workflows.requests import AssignOptions
    from assignopt.zones.adjacency import contiguity, school_roots
    from assignopt.zones.ensemble import sample_zonings
    from assignopt.zones.model import (
        ZONES_TIME_LIMIT,
        ZoningProblem,
        candidate_pairs,
        prune,
    )

    district = load(request)
    distances = distances_of(district, request)
    options = AssignOptions(
        tolerance=request.tolerance,
        travel_cap_km=request.travel_cap_km,
        extra_km_cap=request.extra_km_cap,
        points=request.points,
        road_network=request.road_network,
        possible=request.possible,
    )
    log.info("min-travel LP (split neighborhoods; the reference and the bound) ...")
    reference = solve(district, options, distances)
    labels = district.labels()
    log.info(
        f"{request.contiguity} contiguity of {len(district.neighborhoods):,} neighborhoods ..."
    )
    adjacency = contiguity(district.neighborhoods, request.contiguity, labels)
    roots, root_notes = school_roots(district.neighborhoods, district.schools, adjacency, labels)
    km = distances.km
    today, source = today_zones(district, km, request.zone_column)
    cap = travel_allowed(km, request.travel_cap_km, request.extra_km_cap)
    extra = np.zeros(km.shape, bool)
    n_used, s_used, _ = reference.assigned.arcs.pairs(1e-6)
    extra[n_used, s_used] = True
    extra[np.arange(len(today)), today] = True
    allowed = candidate_pairs(km, roots, adjacency.edges, request.nearest, extra, cap)
    rules = Policy(request.tolerance).rules(district.population())
    problem = ZoningProblem(
        district.counts().sum(axis=1),
        district.capacity,
        km,
        [(rule.categories, rule.lower, rule.upper) for rule in rules],
        roots,
        adjacency.edges,
        allowed,
        today=today,
        max_moved=request.max_moved,
        compactness=request.compactness,
        boundary_km=adjacency.boundary_km,
        labels=labels,
    )
    options = {
        "solver": request.solver,
        "gap": request.gap,
        "progress_seconds": 5.0 if progress else None,
    }
    everything = prune(np.ones_like(allowed) if cap is None else cap, roots, adjacency.edges)
    limit = ZONES_TIME_LIMIT if request.time_limit is None else request.time_limit
    zoning, scope = _zone(problem, everything, limit, options, reference.assigned.objective_km)
    ensemble = []
    if request.ensemble:
        log.info(f"sampling {request.ensemble} zonings within {request.ensemble_slack:.0%} ...")
        ensemble = sample_zonings(
            problem, zoning.zone, request.ensemble, seed=request.seed, slack=request.ensemble_slack
        )
    notes = list(adjacency.notes) + list(root_notes)
    if request.ensemble and len(ensemble) < request.ensemble:
        notes.append(
            f"the ensemble chain found {len(ensemble)} of {request.ensemble} zonings (few "
            "feasible boundary moves within the slack)"
        )
    return ZonesResult(
        district=district,
        zoning=zoning,
        problem=problem,
        reference=reference,
        today=today,
        today_source=source,
        ensemble=ensemble,
        ensemble_slack=request.ensemble_slack,
        notes=notes,
        gap_over=scope,
    )


#: Candidate pairs up to which a zoning is also searched over every pair in reach.
ALL_PAIRS = 50_000


def _zone(
    problem: Any, everything: np.ndarray, limit: float, options: dict, lp_bound: float
) -> tuple[Any, str]:
    """Solve the zoning over the candidate pairs, then over every pair in reach when small.

    The candidates (nearest schools, the min-travel LP's arcs, today's zones) usually hold
    the optimum and solve fast; a second search over every pair in reach (when there are at
    most :data:`ALL_PAIRS`), started from the first zoning, proves the gap over all of them. A
    zoning infeasible among the candidates is searched for among all pairs before it is called
    infeasible. Returns the zoning and what its gap is proven over.
    """
    from assignopt.errors import InfeasibleError, TimeLimitError
    from assignopt.zones.model import solve_zoning

    start = time.perf_counter()
    full = int(everything.sum())
    if problem.allowed.sum() >= full:
        return solve_zoning(problem, time_limit=limit, **options), "all pairs in reach"
    first, failure = None, None
    phase = limit if full > ALL_PAIRS else 0.5 * limit
    try:
        first = solve_zoning(problem, time_limit=phase, **options)
    except (InfeasibleError, TimeLimitError) as exc:
        failure = exc
    candidates = f"the candidate pairs ({int(problem.allowed.sum()):,} of {full:,} in reach)"
    if full > ALL_PAIRS:
        if first is None:
            if isinstance(failure, InfeasibleError):
                raise InfeasibleError(f"{failure} (among {candidates}; raise nearest)") from None
            raise failure
        return first, candidates
    left = limit - (time.perf_counter() - start)
    if left <= 1.0:
        if first is None:
            raise TimeLimitError(
                f"no contiguous zoning among {candidates} and no time left (time_limit "
                f"{limit:g} s) to search every pair in reach; raise time_limit"
            )
        return first, candidates
    log.info(f"every pair in reach ({full:,}), from the best zoning so far ...")
    problem.allowed = everything
    problem.__post_init__()
    # With a first zoning to start from, this search cannot end empty-handed.
    zoning = solve_zoning(problem, time_limit=left, start=first.zone if first else None, **options)
    if zoning.bound < lp_bound:  # the min-travel LP bounds every zoning from below too
        zoning.bound = lp_bound
        zoning.gap = (zoning.objective - lp_bound) / zoning.objective
    zoning.seconds = time.perf_counter() - start
    if first is not None:
        zoning.rounds += first.rounds
        zoning.cuts += first.cuts
    return zoning, "all pairs in reach"


def summary_json(result: ZonesResult) -> str:
    """The summary as JSON text."""
    return json.dumps(result.to_dict(), indent=2, default=float)
