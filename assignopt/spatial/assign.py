"""Assign a district's students to schools under a policy, and measure what results.

Compares the residential pattern (neighborhoods as units), (a) nearest-school assignment with
capacities and no income policy, and (b) the income-balanced minimum-transport assignment;
optionally (c) the policy's possible interval from the linear programs.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from assignopt.errors import InputError
from assignopt.maxseg import maximum_segregation, minimum_segregation
from assignopt.policy import Policy
from assignopt.spatial.distance import DistanceMatrix, district_distances
from assignopt.spatial.district import District
from assignopt.spatial.flows import Flows, as_flows
from assignopt.spatial.splits import assigned_v_range
from assignopt.spatial.transport import TransportSolution, transport_assignment
from assignopt.witness import index_of

__all__ = [
    "AssignmentResult",
    "assign_district",
    "assigned_schools",
    "school_compositions",
    "travel_statistics",
]

log = logging.getLogger(__name__)


def school_compositions(counts: np.ndarray, flows: Flows | np.ndarray) -> np.ndarray:
    """Students by school, group and class when each flow carries its neighborhood's racial mix.

    Parameters
    ----------
    counts : numpy.ndarray
        Students by neighborhood, group and class, ``(N, M, K)``.
    flows : Flows or numpy.ndarray
        Students by neighborhood, class and school: :class:`Flows`, or dense ``(N, K, S)``.

    Returns
    -------
    numpy.ndarray
        ``(S, M, K)``.
    """
    arcs = as_flows(flows)
    counts = np.asarray(counts, float)
    m = counts.shape[1]
    _, k, s = arcs.shape
    per_class = counts.sum(axis=1, keepdims=True)  # (N, 1, K)
    mix = np.divide(counts, per_class, out=np.zeros_like(counts), where=per_class > 0)
    carried = mix[arcs.neighborhood, :, arcs.income_class] * arcs.students[:, None]  # (A, M)
    cell = arcs.school * k + arcs.income_class
    out = np.stack([np.bincount(cell, carried[:, g], minlength=s * k) for g in range(m)])
    return out.reshape(m, s, k).transpose(1, 0, 2)


def travel_statistics(flows: Flows | np.ndarray, km: np.ndarray) -> dict[str, float]:
    """Mean, median and 95th percentile distance per student; share not at the nearest school.

    ``flows`` as :class:`Flows` or dense ``(N, K, S)``; ``km`` the ``(N, S)`` distances.
    """
    arcs = as_flows(flows)
    km = np.asarray(km, float)
    rows, schools, students = arcs.pairs()
    dist_all = km[rows, schools]
    keep = students > 1e-9
    weights, dist = students[keep], dist_all[keep]
    order = np.argsort(dist, kind="stable")
    cum = np.cumsum(weights[order]) / weights.sum()

    def quantile(q: float) -> float:
        return float(dist[order][np.searchsorted(cum, q - 1e-12)])

    at_nearest = students[schools == km.argmin(axis=1)[rows]].sum()
    return {
        "mean_km": float(np.average(dist, weights=weights)),
        "median_km": quantile(0.5),
        "p95_km": quantile(0.95),
        "share_not_nearest": float(1.0 - at_nearest / students.sum()),
        "objective_km": float(students @ dist_all),
    }


def travel_allowed(
    km: np.ndarray, travel_cap_km: float | None, extra_km_cap: float | None
) -> np.ndarray | None:
    """Pairs within the travel caps (None when there is no cap)."""
    if travel_cap_km is None and extra_km_cap is None:
        return None
    allowed = np.ones(km.shape, dtype=bool)
    for name, value in (("travel cap", travel_cap_km), ("extra-distance cap", extra_km_cap)):
        if value is not None and not value > 0:
            raise InputError(f"{name} must be a positive number of km, got {value}")
    if travel_cap_km is not None:
        allowed &= km <= travel_cap_km
    if extra_km_cap is not None:
        allowed &= km <= km.min(axis=1, keepdims=True) + extra_km_cap
    return allowed


def assigned_schools(
    flows: Flows | np.ndarray, school_names: tuple[str, ...] | list[str], minimum: float = 1e-6
) -> tuple[list[str], np.ndarray, list[str]]:
    """Each neighborhood's main school, its share, and every school with its share.

    Parameters
    ----------
    flows : Flows or numpy.ndarray
        Students by neighborhood, class and school: :class:`Flows`, or dense ``(N, K, S)``.
    school_names : sequence of str
        The schools' names.
    minimum : float
        Students below this count as none.

    Returns
    -------
    main : list of str
        The school taking most of each neighborhood's students ("" for an empty one).
    share : numpy.ndarray
        Its share of the neighborhood's students (0 for an empty one).
    listing : list of str
        ``name:share`` pairs, largest share first, joined by ``;`` (shares to 2 decimals).
    """
    arcs = as_flows(flows)
    n = arcs.shape[0]
    rows, cols, students = arcs.pairs()
    total = np.bincount(rows, students, minlength=n)
    keep = (students > minimum) & (total[rows] > minimum)
    rows, cols, students = rows[keep], cols[keep], students[keep]
    # Within each neighborhood: largest share first, ties in school order.
    order = np.lexsort((cols, -students, rows))
    rows, cols = rows[order], cols[order]
    fraction = students[order] / total[rows]
    starts = np.searchsorted(rows, np.arange(n + 1))
    has = starts[1:] > starts[:-1]
    first = starts[:-1][has]
    names = np.asarray([str(name) for name in school_names], dtype=object)
    main = np.full(n, "", dtype=object)
    main[has] = names[cols[first]]
    share = np.zeros(n)
    share[has] = fraction[first]
    pieces = (names[cols] + ":" + np.char.mod("%.2f", fraction).astype(object)).tolist()
    listing = [";".join(pieces[a:b]) for a, b in zip(starts[:-1], starts[1:])]
    return main.tolist(), share, listing


def _gap(solution: TransportSolution) -> str:
    if solution.status == "time_limit":
        return f" (stopped at the time limit, gap {solution.gap:.2%})"
    return f", gap {solution.gap:.2%}" if solution.gap > 0 else ""


def _indices(group_counts: np.ndarray, n_groups: int) -> dict[str, float]:
    out = {}
    for name in ("V", "D", "H"):
        out[name] = index_of(group_counts[:, :2], name)
    if n_groups > 2:
        out["R_multigroup"] = index_of(group_counts, "R")
    return out


@dataclass
class AssignmentResult:
    """Everything one assignment run produced.

    Besides the fields, :attr:`neighborhoods` (the input's ids and columns with each
    neighborhood's school(s) and shares), :attr:`schools` (the school table by name),
    :attr:`flows` (students by neighborhood id, class and school name, with km) and
    :meth:`summary` (the command line's ``--json`` keys).
    """

    district: District
    policy: Policy
    distances: DistanceMatrix
    nearest: TransportSolution
    assigned: TransportSolution
    residential: dict[str, float]
    nearest_indices: dict[str, float]
    assigned_indices: dict[str, float]
    nearest_travel: dict[str, float]
    assigned_travel: dict[str, float]
    possible: dict[str, float] = field(default_factory=dict)
    split_range: dict | None = None

    @property
    def neighborhoods(self):
        """The neighborhoods as read (their ids and columns) with where their students go.

        Columns added: ``school`` (the school taking most of the neighborhood's students),
        ``school_share`` (its share of them) and ``schools`` (every school with its share,
        largest first, as ``07:0.62;12:0.38``). A GeoDataFrame in the district's CRS.
        """
        frame = self.district.neighborhoods.copy()
        main, share, listing = assigned_schools(self.assigned.arcs, self.district.school_names)
        frame["school"] = main
        frame["school_share"] = share
        frame["schools"] = listing
        return frame

    @property
    def schools(self) -> pd.DataFrame:
        """Per school (by name): capacity, enrolment, students by group and class, shares.

        The same table as :meth:`school_table`.
        """
        return self.school_table()

    @property
    def flows(self) -> pd.DataFrame:
        """The assignment, one row per (neighborhood id, class, school name): students, km.

        The same table as :meth:`flow_table`; the neighborhood column is named after the
        district's id column.
        """
        return self.flow_table()

    def school_table(self) -> pd.DataFrame:
        """Per school: enrolment, students by group and class, poverty rate, Black share."""
        d = self.district
        comp = school_compositions(d.counts(), self.assigned.arcs)
        near = school_compositions(d.counts(), self.nearest.arcs)
        frame = d.schools[["name", "capacity"]].copy()
        frame["enrolment"] = comp.sum(axis=(1, 2))
        for m, g in enumerate(d.groups):
            for k, c in enumerate(d.classes):
                frame[f"{g}_{c}"] = comp[:, m, k]
        size = np.maximum(frame["enrolment"].to_numpy(), 1e-12)
        frame[f"share_{d.classes[0]}"] = comp[:, :, 0].sum(axis=1) / size
        frame[f"{d.groups[0]}_share"] = comp[:, 0, :].sum(axis=1) / size
        frame["enrolment_nearest"] = near.sum(axis=(1, 2))
        frame[f"share_{d.classes[0]}_nearest"] = near[:, :, 0].sum(axis=1) / np.maximum(
            near.sum(axis=(1, 2)), 1e-12
        )
        return pd.DataFrame(frame)

    def flow_positions(self, minimum: float = 1e-6) -> tuple[np.ndarray, ...]:
        """Positions (neighborhood, class, school) of the flows above ``minimum``.

        In the order of :meth:`flow_table`'s rows.
        """
        return self._kept(minimum)[:3]

    def _kept(self, minimum: float) -> tuple[np.ndarray, ...]:
        """Neighborhood, class, school and students of the arcs carrying above ``minimum``."""
        arcs = self.assigned.arcs
        keep = arcs.students > minimum
        return tuple(
            a[keep] for a in (arcs.neighborhood, arcs.income_class, arcs.school, arcs.students)
        )

    def flow_table(self, minimum: float = 1e-6) -> pd.DataFrame:
        """The assignment: one row per (neighborhood, class, school) with students and km.

        Neighborhoods are named by their id (the column is named after the district's id
        column, ``neighborhood`` without one), schools by name.
        """
        n, k, s, students = self._kept(minimum)
        return pd.DataFrame(
            {
                self.district.id_label: np.asarray(self.district.neighborhood_ids, dtype=object)[n],
                "income_class": np.asarray(self.district.classes)[k],
                "school": np.asarray(self.district.school_names, dtype=object)[s],
                "students": students,
                "km": self.distances.km[n, s],
            }
        )

    def summary(self) -> dict:
        """JSON-ready headline numbers."""
        return {
            "v_residential": self.residential["V"],
            "v_nearest": self.nearest_indices["V"],
            "v_assigned": self.assigned_indices["V"],
            "mean_km": self.assigned_travel["mean_km"],
            "objective_km": self.assigned.objective_km,
            "status": self.assigned.status,
            "solver": self.assigned.solver,
            "formulation": self.assigned.formulation,
            # Relative optimality gap: the MILP's, or the network path's certificate against
            # the unrounded distances (0 for the LPs, solved exactly).
            "gap": self.assigned.gap,
            "mip_gap": self.assigned.gap if "MILP" in self.assigned.formulation else 0.0,
            "seconds": self.assigned.seconds,
            "indices": {
                "residential": self.residential,
                "nearest": self.nearest_indices,
                "assigned": self.assigned_indices,
            },
            "travel": {"nearest": self.nearest_travel, "assigned": self.assigned_travel},
            "possible": self.possible,
            **({"v_assigned_split_range": self.split_range} if self.split_range else {}),
            "policy": self.policy.describe(),
            "distances": {
                "method": self.distances.method,
                "crs": self.distances.crs,
                "projected_from": self.distances.projected_from,
            },
            "neighborhoods": len(self.district.neighborhoods),
            "schools": len(self.district.schools),
            "students": float(self.district.counts().sum()),
            "notes": self.district.notes,
        }


def assign_district(
    district: District,
    policy: Policy | None = None,
    *,
    solver: str = "highs",
    fixed_enrolment: bool = False,
    possible: bool = True,
    distances: DistanceMatrix | None = None,
    travel_cap_km: float | None = None,
    extra_km_cap: float | None = None,
    whole_neighborhoods: bool = False,
    time_limit: float | None = None,
    split_range: bool = False,
    split_time_limit: float = 60.0,
) -> AssignmentResult:
    """Nearest-school and income-balanced minimum-transport assignments of ``district``.

    Parameters
    ----------
    district : District
        Neighborhoods and schools.
    policy : Policy, optional
        Income-balance policy (tolerance on each class share); perfect balance by default.
    solver : {"highs", "cbc", "pulp-highs", "networkx", "ortools"}
        Solver of the assignment.
    fixed_enrolment : bool
        Every school enrols exactly its capacity (capacities must sum to enrolment).
    possible : bool
        Also compute the policy's possible maximum by the LPs (any number of schools).
    distances : DistanceMatrix, optional
        Precomputed distances.
    travel_cap_km : float, optional
        No student travels further than this.
    extra_km_cap : float, optional
        No student travels more than this beyond their nearest school.
    whole_neighborhoods : bool
        Assign each neighborhood whole to one school (a MILP; its gap is reported).
    time_limit : float, optional
        Seconds per solver call; whole-neighborhood MILPs stop after 120 s when None and
        report their gap (status ``time_limit`` for an incumbent the limit stopped).
    split_range : bool
        Also bound the assigned V over every race x class split consistent with each
        neighborhood's race totals and class totals (:func:`~assignopt.spatial.splits.
        assigned_v_range`): the summary's ``v_assigned_split_range``.
    split_time_limit : float
        Seconds for the split range's maximum (a certified bracket when it runs out).

    Returns
    -------
    AssignmentResult
    """
    policy = policy or Policy()
    start = time.perf_counter()
    distances = distances or district_distances(district)
    n, s = distances.km.shape
    log.info(f"distances: {n:,} neighborhoods x {s:,} schools ({distances.method})")
    counts = district.counts()
    supply = counts.sum(axis=1)  # (N, K): race-blind
    population = district.population()
    rules = policy.rules(population)
    bands = [(rule.categories, rule.lower, rule.upper) for rule in rules]
    allowed = travel_allowed(distances.km, travel_cap_km, extra_km_cap)
    options = dict(
        fixed_enrolment=fixed_enrolment,
        allowed=allowed,
        whole_neighborhoods=whole_neighborhoods,
        time_limit=time_limit,
        labels=district.labels(),
    )
    log.info("nearest-school assignment (capacities, no income policy) ...")
    nearest = transport_assignment(
        supply, district.capacity, distances.km, None, solver=solver, **options
    )
    log.info(f"  {nearest.solver}: {nearest.status} in {nearest.seconds:.1f} s{_gap(nearest)}")
    log.info("income-balanced assignment ...")
    assigned = transport_assignment(
        supply, district.capacity, distances.km, bands, solver=solver, **options
    )
    log.info(f"  {assigned.solver}: {assigned.status} in {assigned.seconds:.1f} s{_gap(assigned)}")
    m = len(district.groups)
    residential = _indices(counts.sum(axis=2), m)
    near_idx = _indices(school_compositions(counts, nearest.arcs).sum(axis=2), m)
    assigned_idx = _indices(school_compositions(counts, assigned.arcs).sum(axis=2), m)
    extra = {}
    if possible:
        # The same population and policy as the assignment: every group's students, the band
        # on all of them, V between the first two groups (the others free to fill seats).
        pair = tuple(population.groups[:2]) if population.n_groups > 2 else None
        log.info("possible maximum by the LPs ...")
        best = maximum_segregation(population, policy, "V", pair=pair)
        low = minimum_segregation(population, policy, "V", pair=pair)
        extra = {
            "v_max": best.upper,
            "v_max_lower": best.lower,
            "v_min": low.lower,
            "method": best.method,
            "pair": list(pair) if pair else list(population.groups[:2]),
        }
    over_splits = None
    if split_range:
        log.info("assigned V over the race x class splits consistent with the margins ...")
        over_splits = assigned_v_range(
            counts,
            assigned.flows,
            groups=district.groups,
            time_limit=split_time_limit,
        ).as_dict()
    log.info(f"done in {time.perf_counter() - start:.1f} s")
    return AssignmentResult(
        district,
        policy,
        distances,
        nearest,
        assigned,
        residential,
        near_idx,
        assigned_idx,
        travel_statistics(nearest.arcs, distances.km),
        travel_statistics(assigned.arcs, distances.km),
        extra,
        over_splits,
    )
