"""Job ``choice``: controlled choice with income reserves, beside nearest school and min-travel.

Families rank schools by a logit model (:mod:`assignopt.workflows.preferences`), a lottery
with income-class quotas or reserves assigns them (:mod:`assignopt.choice`), and many lotteries
give the distribution of segregation. The same district and policy are also assigned to the
nearest school with room and at minimum travel (:func:`assignopt.workflows.assign.solve`) for
the comparison. Draws run in this process, on local processes, or on a Dask cluster; they give
the same numbers however they are scheduled.
"""

from __future__ import annotations

import contextlib
import functools
import logging
import os
import sys
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from multiprocessing import get_context
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from assignopt.errors import InputError
from assignopt.workflows.base import Result
from assignopt.workflows.preferences import logit_preferences, preference_values
from assignopt.workflows.requests import (
    AssignOptions,
    ChoiceOptions,
    ChoiceRequest,
    RequestError,
)

__all__ = [
    "CONTRACT_KEYS",
    "ChoiceResult",
    "band_sizes",
    "choice_problem",
    "draw_map",
    "run",
    "simulate",
]

log = logging.getLogger("assignopt")

#: The ``--json`` keys every run reports (more follow them).
CONTRACT_KEYS = (
    "v_mean",
    "v_p05",
    "v_p95",
    "d_mean",
    "h_mean",
    "first_choice_share",
    "top3_share",
    "unassigned",
    "unfilled_reserve_seats",
    "draws",
    "seed",
    "seconds",
)


@dataclass
class ChoiceResult(Result):
    """The lotteries of one policy, the district's other assignments, and the files written.

    Attributes
    ----------
    summary : ChoiceSummary
        Every draw's outcome (:func:`assignopt.choice.simulate_choice`).
    problem : ChoiceProblem
        The district and policy the draws ran on.
    district : District
        The district (names of schools, groups, classes).
    assignment : AssignmentResult
        The nearest-school and minimum-travel assignments at the same tolerance.
    preferences : dict
        The preference values used, by name (see
        :func:`~assignopt.workflows.preferences.logit_preferences`).
    options : ChoiceOptions
        Draws, seed, reserve form, list length, points.
    seconds : float
        Wall time of the whole run (the lotteries alone: ``draw_seconds``).
    notes : list of str
        What the run assumed or changed (e.g. counts rounded to whole students).
    """

    summary: Any = None
    problem: Any = None
    district: Any = None
    assignment: Any = None
    preferences: dict = field(default_factory=dict)
    options: Any = None
    seconds: float = 0.0
    draw_seconds: float = 0.0
    notes: list[str] = field(default_factory=list)

    @property
    def tolerance(self) -> float:
        """The band's half-width d."""
        return float(self.problem.tolerance)

    def to_dict(self) -> dict[str, Any]:
        """The contract keys (:data:`CONTRACT_KEYS`), then the details and the files."""
        stats = self.summary.stats()
        a = self.assignment
        self.data = {
            **{k: stats[k] for k in CONTRACT_KEYS[:9]},  # means over draws
            "draws": len(self.summary.draws),
            "seed": self.summary.seed,
            "seconds": self.seconds,
            "d_p05": stats["d_p05"],
            "d_p95": stats["d_p95"],
            "h_p05": stats["h_p05"],
            "h_p95": stats["h_p95"],
            "unassigned_max": stats["unassigned_max"],
            "placed_by_fallback": stats["fallback"],
            "removed_for_band": stats["removed_for_band"],
            "mean_km": stats["mean_travel"],
            "rounds_max": stats["rounds_max"],
            "v_nearest": a.nearest_indices["V"],
            "d_nearest": a.nearest_indices["D"],
            "h_nearest": a.nearest_indices["H"],
            "mean_km_nearest": a.nearest_travel["mean_km"],
            "v_min_travel": a.assigned_indices["V"],
            "d_min_travel": a.assigned_indices["D"],
            "h_min_travel": a.assigned_indices["H"],
            "mean_km_min_travel": a.assigned_travel["mean_km"],
            "v_residential": a.residential["V"],
            "tolerance": self.tolerance,
            "reserve": self.problem.reserve,
            "list_length": self.options.list_length,
            "points": self.options.points,
            "students": self.problem.n_students,
            "schools": len(self.district.school_names),
            "pair": [self.district.groups[g] for g in self.problem.pair],
            "preferences": self.preferences,
            "draw_seconds": self.draw_seconds,
            "notes": self.notes,
        }
        return super().to_dict()

    # --- tables ---------------------------------------------------------------------------------

    def draws_table(self) -> pd.DataFrame:
        """One row per draw (numbered from 0: draw i ran on the i-th child of the seed)."""
        n = self.problem.n_students
        return pd.DataFrame(
            {
                "draw": np.arange(len(self.summary.draws)),
                "V": [d.v for d in self.summary.draws],
                "D": [d.d for d in self.summary.draws],
                "H": [d.h for d in self.summary.draws],
                "unassigned": [d.unassigned for d in self.summary.draws],
                "placed_by_fallback": [d.fallback for d in self.summary.draws],
                "removed_for_band": [d.removed_for_band for d in self.summary.draws],
                "first_choice_share": [d.first_choice / n for d in self.summary.draws],
                "top3_share": [d.top3 / n for d in self.summary.draws],
                "mean_km": [d.mean_travel for d in self.summary.draws],
                "unfilled_reserve_seats": [d.unfilled_reserve_seats for d in self.summary.draws],
            }
        )

    def school_draws_table(self) -> pd.DataFrame:
        """One row per draw and school: students by ``<group>_<class>``."""
        d = self.district
        counts = self.summary.school_counts()  # (draws, J, G, K)
        n_draws, n_schools = counts.shape[:2]
        frame = pd.DataFrame(
            {
                "draw": np.repeat(np.arange(n_draws), n_schools),
                "school": np.tile(np.asarray(d.school_names, dtype=object), n_draws),
            }
        )
        flat = counts.reshape(n_draws * n_schools, -1)
        for k, column in enumerate(d.column(g, c) for g in d.groups for c in d.classes):
            frame[column] = flat[:, k]
        return frame

    def school_summary(self) -> pd.DataFrame:
        """Each school's seats, enrolment and composition range over the draws.

        Beside them, the school's poverty rate under the nearest-school and minimum-travel
        assignments.
        """
        from assignopt.spatial.assign import school_compositions

        d, rules = self.district, self.summary.rules
        counts = self.summary.school_counts()
        enrolment = counts.sum(axis=(2, 3))
        span = self.summary.composition_range(self.problem.poor_classes)
        frame = pd.DataFrame(
            {
                "school": list(d.school_names),
                "capacity": d.capacity,
                "seats": rules.capacity,
                "poor_quota": rules.poor_quota,
                "nonpoor_quota": rules.nonpoor_quota,
                "poor_reserve": rules.poor_reserve,
                "enrolment_min": enrolment.min(axis=0),
                "enrolment_mean": enrolment.mean(axis=0),
                "enrolment_max": enrolment.max(axis=0),
                "poverty_min": span["poverty_min"],
                "poverty_max": span["poverty_max"],
            }
        )
        for m, g in enumerate(d.groups):
            frame[f"{g}_share_min"] = span["group_share_min"][:, m]
            frame[f"{g}_share_max"] = span["group_share_max"][:, m]
        for name, solution in (
            ("nearest", self.assignment.nearest),
            ("min_travel", self.assignment.assigned),
        ):
            comp = school_compositions(d.counts(), solution.arcs)
            size = comp.sum(axis=(1, 2))
            poor = comp[:, :, : self.problem.poor_classes].sum(axis=(1, 2))
            frame[f"poverty_{name}"] = np.divide(
                poor, size, out=np.full(size.shape, np.nan), where=size > 0
            )
        return frame

    def comparison(self) -> pd.DataFrame:
        """Controlled choice (mean and 5-95% over draws) beside nearest school and min-travel."""
        s = self.to_dict()
        return pd.DataFrame(
            [
                {
                    "assignment": "controlled choice (mean over draws)",
                    "V": s["v_mean"],
                    "V 5%": s["v_p05"],
                    "V 95%": s["v_p95"],
                    "D": s["d_mean"],
                    "H": s["h_mean"],
                    "mean km": s["mean_km"],
                    "unassigned students": s["unassigned"],
                },
                {
                    "assignment": "nearest school with room",
                    "V": s["v_nearest"],
                    "D": s["d_nearest"],
                    "H": s["h_nearest"],
                    "mean km": s["mean_km_nearest"],
                    "unassigned students": 0.0,
                },
                {
                    "assignment": "minimum travel under the band",
                    "V": s["v_min_travel"],
                    "D": s["d_min_travel"],
                    "H": s["h_min_travel"],
                    "mean km": s["mean_km_min_travel"],
                    "unassigned students": 0.0,
                },
            ]
        )

    def write(self, folder: str | Path, report: bool = True) -> dict[str, Path]:
        """Write the draws, schools, comparison, figure and (``report``) ``report.html``."""
        from assignopt.report.sections import choice_figure, write_choice_report

        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        files = {
            "draws": folder / "draws.csv",
            "draw_schools": folder / "draw_schools.csv",
            "choice_summary": folder / "choice_summary.csv",
            "comparison": folder / "choice_comparison.csv",
        }
        self.draws_table().to_csv(files["draws"], index=False)
        self.school_draws_table().to_csv(files["draw_schools"], index=False)
        self.school_summary().to_csv(files["choice_summary"], index=False)
        self.comparison().to_csv(files["comparison"], index=False)
        files["figure"] = choice_figure(self, folder / "choice_comparison.png")
        if report:
            files["report"] = write_choice_report(self, dict(files), folder)
        self.files = files
        return files


# --- running the lotteries ----------------------------------------------------------------------


@contextlib.contextmanager
def draw_map(
    draws: int, workers: int | None = None, scheduler: str | None = None, progress: bool = False
) -> Iterator[Callable[[Callable, Iterable], Iterable]]:
    """A ``map`` for the draws: in this process, on local processes, or on a Dask cluster.

    Results come back in draw order, so the run does not depend on the scheduling; a progress
    bar on standard error counts the draws when ``progress``.

    Parameters
    ----------
    draws : int
        Number of draws (the progress bar's total; at most this many processes start).
    workers : int, optional
        Local processes (default: the machine's cores; 1 runs in this process).
    scheduler : str, optional
        Address of a Dask scheduler (``tcp://host:8786``) to run the draws on instead.
    progress : bool
        Show the progress bar.
    """
    from tqdm import tqdm

    bar = functools.partial(
        tqdm, total=draws, desc="lotteries", unit="draw", disable=not progress, file=sys.stderr
    )
    if scheduler is not None:
        try:
            from distributed import Client
        except ImportError:
            raise InputError(
                'scheduler: running on Dask needs pip install "assignopt[dask]"'
            ) from None
        try:
            client = Client(scheduler, timeout=20)
        except OSError as exc:
            raise InputError(f"scheduler {scheduler}: cannot connect ({exc})") from None
        with client:

            def on_dask(func: Callable, items: Iterable) -> Iterable:
                futures = client.map(func, list(items), pure=False)
                return bar(future.result() for future in futures)

            yield on_dask
        return
    n = min(workers or os.cpu_count() or 1, draws)
    if n <= 1:
        yield lambda func, items: bar(map(func, items))
        return
    from concurrent.futures import ProcessPoolExecutor

    # Fresh interpreters: no solver or BLAS threads inherited through fork.
    with ProcessPoolExecutor(n, mp_context=get_context("spawn")) as pool:
        yield lambda func, items: bar(pool.map(func, items))


def _rings(geometry: Any) -> list[np.ndarray]:
    """One exterior ring per neighborhood (a multipolygon's largest part)."""
    rings = []
    for geom in geometry:
        if geom.geom_type == "MultiPolygon":
            geom = max(geom.geoms, key=lambda part: part.area)
        rings.append(np.asarray(geom.exterior.coords, dtype=float)[:, :2])
    return rings


def choice_problem(
    district: Any,
    tolerance: float,
    options: ChoiceOptions,
    preferences: Any,
    distances: Any,
    school_group_share: np.ndarray | None = None,
) -> tuple[Any, list[str]]:
    """The :class:`~assignopt.choice.ChoiceProblem` of a district, and notes on what it assumed.

    Students sit at their neighborhood's point (distances from ``distances``) or, with
    ``options.points == "polygon"``, uniformly inside its polygon (straight lines to the
    schools' representative points, in the district's projected CRS).
    """
    from assignopt.choice import ChoiceProblem

    counts = district.counts()
    notes = []
    if not np.all(counts == np.round(counts)):
        counts = np.round(counts)
        notes.append(
            "Student counts were rounded to whole students for the lotteries (the nearest-school "
            "and minimum-travel assignments use them as given)."
        )
    common = dict(
        counts=counts,
        capacity=np.round(district.capacity),
        tolerance=tolerance,
        reserve=options.reserve,
        preferences=preferences,
        school_group_share=school_group_share,
        school_ids=list(district.school_names),
        neighborhood_ids=list(district.neighborhood_ids),
    )
    if options.points == "polygon":
        from assignopt.spatial.distance import projected

        hoods, schools, _, _ = projected(district)
        points = schools.geometry.representative_point()
        problem = ChoiceProblem(
            **common,
            polygons=_rings(hoods.geometry),
            school_points=np.column_stack([points.x.to_numpy(), points.y.to_numpy()]),
            distance_scale=0.001,
        )
        notes.append(
            "Students were placed uniformly inside their neighborhood's polygon (a "
            "multipolygon's largest part) and travel straight lines to the schools."
        )
    else:
        problem = ChoiceProblem(**common, neighborhood_distance=distances.km)
    return problem, notes


def band_sizes(seats: np.ndarray, poverty_rate: float, tolerance: float) -> tuple[int, float]:
    """The smallest whole school that can sit inside the band, and the smallest workable band.

    A school of t students has a poverty rate inside ``[pi - d, pi + d]`` only if some whole
    number p of poor students has ``(pi - d) t <= p <= (pi + d) t``; at d = 0 that needs
    ``pi t`` to be whole, which no school may allow.

    Parameters
    ----------
    seats : numpy.ndarray
        Seats per school.
    poverty_rate, tolerance : float
        pi and d.

    Returns
    -------
    smallest : int
        The fewest students a school inside the band can hold (0 when no size up to the
        largest school's seats fits).
    least_tolerance : float
        The smallest d at which a school of at most the largest seats fits.
    """
    t = np.arange(1, int(np.max(seats, initial=0)) + 1)
    if not t.size:
        return 0, 0.0
    lower, upper = max(poverty_rate - tolerance, 0.0), min(poverty_rate + tolerance, 1.0)
    fits = np.ceil(lower * t - 1e-9) <= np.floor(upper * t + 1e-9)
    smallest = int(t[np.argmax(fits)]) if fits.any() else 0
    least = float(np.min(np.abs(poverty_rate * t - np.round(poverty_rate * t)) / t))
    return smallest, least


def _check_band(problem: Any, district: Any) -> list[str]:
    """Refuse a band no school can meet with whole students; note the schools left empty."""
    if problem.reserve != "band":
        return []
    seats = problem.rules().capacity
    smallest, least = band_sizes(seats, problem.poverty_rate, problem.tolerance)
    if smallest == 0 or not np.any(seats >= smallest):
        raise RequestError(
            "choice",
            [
                (
                    "tolerance",
                    f"{problem.tolerance:g} with {{reserve}} 'band': no school can hold a whole "
                    "number of students whose poverty rate lies within it of the district's "
                    f"({problem.poverty_rate:.4f}), so every school would be empty; use a "
                    f"tolerance of at least {np.ceil(least * 1e4) / 1e4:.4f} or {{reserve}} "
                    "'minimum'",
                )
            ],
        )
    small = [name for name, s in zip(district.school_names, seats, strict=True) if 0 < s < smallest]
    if small:
        return [
            f"{len(small)} school(s) with fewer than {smallest} seats cannot hold a whole number "
            f"of students inside the band and stay empty: {', '.join(map(str, small))}."
        ]
    return []


def _group_shares(district: Any, assignment: Any) -> np.ndarray:
    """Each school's group shares under the nearest-school assignment, shape ``(J, G)``."""
    from assignopt.spatial.assign import school_compositions

    comp = school_compositions(district.counts(), assignment.nearest.arcs).sum(axis=2)
    size = comp.sum(axis=1, keepdims=True)
    return np.divide(comp, size, out=np.zeros_like(comp), where=size > 0)


def simulate(
    district: Any,
    options: ChoiceOptions,
    tolerance: float,
    *,
    distances: Any = None,
    assignment: Any = None,
    values: Mapping[str, Any] | None = None,
    progress: bool = False,
) -> ChoiceResult:
    """Run the lotteries of ``options`` on ``district`` at ``tolerance``.

    Parameters
    ----------
    district : District
        The district.
    options : ChoiceOptions
        Draws, seed, reserve form, preferences, list length, points, workers, scheduler.
    tolerance : float
        The band's half-width d.
    distances : DistanceMatrix, optional
        Neighborhood-to-school distances (default: straight lines between representative
        points).
    assignment : AssignmentResult, optional
        The district's nearest-school and minimum-travel assignments at ``tolerance`` (made
        here when not given).
    values : mapping, optional
        Preference values (default: :func:`~assignopt.workflows.preferences.preference_values`
        of ``options``).
    progress : bool
        Progress bar on standard error.

    Returns
    -------
    ChoiceResult
        With ``draw_seconds`` (``seconds`` is left for the caller's whole run).
    """
    from assignopt.choice import simulate_choice
    from assignopt.workflows.assign import solve

    values = preference_values(options) if values is None else values
    preferences, used = logit_preferences(
        values, district.groups, district.school_names, options.list_length
    )
    if distances is None:
        from assignopt.spatial.distance import district_distances

        distances = district_distances(district)
    if assignment is None:
        assignment = solve(district, AssignOptions(tolerance=tolerance, possible=False), distances)
    shares = None
    if any(v != 0 for v in used["own_group_share_coefficient"].values()):
        shares = _group_shares(district, assignment)
    problem, notes = choice_problem(district, tolerance, options, preferences, distances, shares)
    notes += _check_band(problem, district)
    if shares is not None:
        notes.append(
            "The own-group share families see at each school is its share under the "
            "nearest-school assignment."
        )
    local = min(options.workers or os.cpu_count() or 1, options.draws)
    workers = "a Dask cluster" if options.scheduler else f"{local} process(es)"
    log.info(
        f"controlled choice at ±{tolerance:.2f} ({options.reserve}): {options.draws} lotteries "
        f"of {problem.n_students:,} students on {workers} ..."
    )
    start = time.perf_counter()
    with draw_map(options.draws, options.workers, options.scheduler, progress) as mapper:
        summary = simulate_choice(problem, options.draws, options.seed, mapper)
    seconds = time.perf_counter() - start
    return ChoiceResult(
        summary=summary,
        problem=problem,
        district=district,
        assignment=assignment,
        preferences=used,
        options=options,
        seconds=seconds,
        draw_seconds=seconds,
        notes=notes,
    )


def run(request: ChoiceRequest, progress: bool = False, out: Path | None = None) -> ChoiceResult:
    """Read the district (or make the synthetic city) and run its lotteries."""
    from assignopt.workflows.assign import load

    start = time.perf_counter()
    values = preference_values(request)  # a bad preferences file is refused before any work
    district = load(request)
    result = simulate(district, request, request.tolerance, values=values, progress=progress)
    result.notes = [*getattr(district, "notes", []), *result.notes]
    result.seconds = time.perf_counter() - start
    return result
