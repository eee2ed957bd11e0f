"""The residential experiment: what income balance does to school segregation, by city type.

Synthetic cities (:func:`~assignopt.spatial.synth.segregated_city`) are generated at stated
*realized* residential racial V and within-race income V per group, under both income
arrangements, for ``seeds`` seeds each; every city is assigned (a) to its nearest schools within
capacity and (b) by the income-balanced minimum-transport assignment, and (c) the nearest
schools are reassigned race-proportionally. The grid covers the cities the literature describes
(its Figure 5: residential V about 0.31 on average, within-race income V about 0.12 for Black and
0.09 for White families) and, labelled apart, extremes beyond them.

Determinism: the same call gives the same numbers. Distances on the regular grid tie exactly, so
before solving each is increased by ``tie_break x u[n, j]`` km (under 1 m by default), ``u`` a
fixed matrix of uniform numbers from ``numpy.random.default_rng(0)``, the same for every city:
among assignments of equal length the solver then has one choice, the one with the least sum of
``students x u`` (:func:`tie_broken`). In the nearest-school baseline a
neighborhood split between schools sends each the same mix of poor and nonpoor students (the
baseline is blind to income, so any split of the classes is equally short; this one is stated).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import stats

from assignopt.bounds import validate_tolerance
from assignopt.errors import InputError
from assignopt.indices import normalized_exposure
from assignopt.maxseg import maximum_segregation
from assignopt.policy import Policy
from assignopt.reassign import race_proportional_reassignment
from assignopt.spatial.assign import assign_district, school_compositions
from assignopt.spatial.distance import DistanceMatrix, district_distances
from assignopt.spatial.flows import Flows
from assignopt.spatial.sweep_figure import plot_sweep
from assignopt.spatial.synth import (
    INCOME_ARRANGEMENTS,
    LITERATURE_MEAN,
    US_RANGE,
    realized_segregation,
    segregated_city,
)

__all__ = [
    "DEFAULT_INCOME_V",
    "DEFAULT_RESIDENTIAL_V",
    "LITERATURE_MEAN",
    "US_RANGE",
    "output_names",
    "plot_sweep",
    "regime",
    "summarize_sweep",
    "sweep_residential",
    "tie_broken",
    "write_sweep",
]

#: Residential racial V: five values up to twice the literature's mean, then two extremes.
DEFAULT_RESIDENTIAL_V = (0.1, 0.2, 0.31, 0.45, 0.62, 0.8, 1.0)
#: Within-race income V (Black, White): none, half, the mean and twice the mean of the
#: literature's cities, then two extremes.
DEFAULT_INCOME_V = (
    (0.0, 0.0),
    (0.06, 0.045),
    (0.12, 0.09),
    (0.24, 0.18),
    (0.5, 0.5),
    (0.9, 0.9),
)
SETTING = [
    "tolerance",
    "noise",
    "n_schools",
    "regime",
    "residential_v_target",
    "income_v_black_target",
    "income_v_white_target",
]
MEASURES = ["v_nearest", "v_assigned", "cut", "relative_cut", "v_reassigned", "v_rises"]
PAIRED = ["v_assigned", "cut", "relative_cut"]


def tie_broken(distances: DistanceMatrix, tie_break: float = 1e-3) -> DistanceMatrix:
    """Distances increased by ``tie_break x u[n, j]`` km, ``u`` fixed (see the module notes).

    ``u`` is uniform on [0, 1), drawn from ``numpy.random.default_rng(0)`` in the matrix's
    shape, the same for every city and run. Among assignments of equal length the solver then
    has one choice: the one with the least sum of ``students x u``. (A perturbation in
    proportion to the school's index alone would break no tie between assignments that fill
    every school to the same enrolment, which is how the ties of a capacitated grid look.)
    The default, 1 m, is far above the LP solver's tolerances (at 1 mm its choice among ties
    still varied) and far below any distance that matters: mean travel moves by under 1 m.

    Parameters
    ----------
    distances : DistanceMatrix
        Neighborhood-to-school distances, ``(N, S)`` km.
    tie_break : float
        Largest increase in km; 0 leaves the distances as they are.

    Returns
    -------
    DistanceMatrix
    """
    if not (np.isfinite(tie_break) and tie_break >= 0):
        raise InputError(f"tie_break must be a non-negative number of km, got {tie_break}")
    u = np.random.default_rng(0).random(distances.km.shape)
    return DistanceMatrix(
        distances.km + tie_break * u,
        distances.crs,
        f"{distances.method}, ties broken by {tie_break:g} km x u (numpy default_rng(0))",
        distances.projected_from,
    )


def regime(residential_v: float, income_v: tuple[float, float]) -> str:
    """``"US range"`` when all three measures are within twice the literature's means."""
    inside = (
        residential_v <= US_RANGE["residential_v"] + 1e-12
        and income_v[0] <= US_RANGE["income_v_black"] + 1e-12
        and income_v[1] <= US_RANGE["income_v_white"] + 1e-12
    )
    return "US range" if inside else "beyond US range"


def _city_row(city, policy: Policy, distances: DistanceMatrix) -> dict[str, float]:
    tolerance = float(policy.tolerance)
    result = assign_district(city, policy, possible=False, distances=distances)
    counts = city.counts()  # (N, M, K)
    # Nearest schools: each neighborhood's share of a school carries its mix of both classes.
    rows, schools, students = result.nearest.arcs.pairs()  # classes summed
    supply = counts.sum(axis=1)  # (N, K)
    share = supply / np.maximum(supply.sum(axis=1, keepdims=True), 1e-300)
    k = supply.shape[1]
    nearest_flows = Flows.from_arcs(
        np.repeat(rows, k),
        np.tile(np.arange(k), rows.size),
        np.repeat(schools, k),
        (share[rows] * students[:, None]).ravel(),
        result.nearest.arcs.shape,
    )
    near = school_compositions(counts, nearest_flows)  # (S, M, K)
    assigned = school_compositions(counts, result.assigned.arcs)
    v_nearest = normalized_exposure(near.sum(axis=2)[:, :2])
    v_assigned = normalized_exposure(assigned.sum(axis=2)[:, :2])
    reassigned = race_proportional_reassignment(
        near.sum(axis=2),
        near[:, :, 0].sum(axis=1),
        tolerance,
        poor_by_group=near[:, :, 0],
    )
    independence = race_proportional_reassignment(
        near.sum(axis=2), near[:, :, 0].sum(axis=1), tolerance
    )
    return {
        "v_nearest": v_nearest,
        "v_assigned": v_assigned,
        "cut": v_nearest - v_assigned,
        "relative_cut": (v_nearest - v_assigned) / v_nearest if v_nearest > 0 else 0.0,
        "v_rises": float(v_assigned > v_nearest + 1e-9),
        "v_reassigned": reassigned.v_after,
        "v_reassigned_independence": independence.v_after,
        "mean_km_nearest": float(
            students @ result.distances.km[rows, schools] / max(students.sum(), 1e-300)
        ),
        "mean_km_assigned": result.assigned_travel["mean_km"],
    }


def _as_tuple(value, kind) -> tuple:
    return tuple(value) if isinstance(value, Iterable) else (kind(value),)


def sweep_residential(
    tolerance: float,
    *,
    residential_v: Sequence[float] = DEFAULT_RESIDENTIAL_V,
    income_v: Sequence[tuple[float, float]] = DEFAULT_INCOME_V,
    arrangements: Sequence[str] = INCOME_ARRANGEMENTS,
    noise: float | Sequence[float] = (0.1, 0.3),
    n_schools: int | Sequence[int] = 9,
    seeds: int = 20,
    grid: int = 10,
    black_share: float = 0.4,
    black_poverty: float = 0.4,
    white_poverty: float = 0.15,
    tie_break: float = 1e-3,
    progress: Callable[[list], Iterable] | None = None,
) -> pd.DataFrame:
    """School V after income-balanced assignment across synthetic cities, one row per city.

    Parameters
    ----------
    tolerance : float
        Policy band half-width d on every school's poverty rate (absolute rate points).
    residential_v : sequence of float
        Realized residential racial V of the cities (V of Black against White students over
        neighborhoods).
    income_v : sequence of (float, float)
        Realized within-race income V (poor against nonpoor within each race) as
        (Black, White) pairs.
    arrangements : sequence of {"independent", "aligned"}
        Income arrangements (where each race's poor live; see
        :mod:`assignopt.spatial.synth`). A city of one seed has the same racial pattern under
        both, so their difference is paired.
    noise : float or sequence of float
        Spatial scale: the standard deviation of the noise on the sorting scores, in city
        widths (0 a clean gradient, one large area per race; larger values finer patterns).
    n_schools : int or sequence of int
        Schools per city (on a regular grid; square numbers fill it evenly).
    seeds : int
        Cities per setting (seeds 0 .. seeds - 1); at least 2 for intervals.
    grid : int
        Neighborhoods per side.
    black_share, black_poverty, white_poverty : float
        District composition, as in :func:`~assignopt.spatial.synth.synthetic_city`.
    tie_break : float
        Largest distance increase (km) that makes the optimal assignments unique
        (:func:`tie_broken`).
    progress : callable, optional
        Wraps the list of cases (a progress bar).

    Returns
    -------
    pandas.DataFrame
        One row per city: the setting (``tolerance``, ``noise``, ``n_schools``, ``regime``,
        the target measures, ``income_arrangement``, ``seed``), the realized measures
        (``residential_v``, ``income_v_black``, ``income_v_white``), ``v_nearest`` (V at the
        nearest schools within capacity), ``v_assigned`` (after the income-balanced
        minimum-transport assignment), ``cut = v_nearest - v_assigned``, ``relative_cut``,
        ``v_rises`` (1 when balancing raised V), ``v_reassigned`` (race-proportional
        reassignment of the nearest schools with their known race x poverty mix),
        ``v_reassigned_independence`` (the same assuming race and poverty independent within
        schools), ``v_max`` (the LP maximum under the policy; the same for every city, whose
        group totals do not change), and mean travel in km.
    """
    d = validate_tolerance(tolerance)
    if seeds < 2:
        raise InputError(f"seeds must be at least 2 for intervals, got {seeds}")
    unknown = [a for a in arrangements if a not in INCOME_ARRANGEMENTS]
    if unknown or not arrangements:
        raise InputError(
            f"arrangements must be among {', '.join(INCOME_ARRANGEMENTS)}, got {list(arrangements)}"
        )
    pairs = [tuple(float(v) for v in pair) for pair in income_v]
    if any(len(pair) != 2 for pair in pairs):
        raise InputError("income_v must be a list of (black, white) pairs")
    policy = Policy(d)
    options = dict(
        black_share=black_share, black_poverty=black_poverty, white_poverty=white_poverty
    )
    cases = list(
        itertools.product(
            _as_tuple(noise, float),
            _as_tuple(n_schools, int),
            residential_v,
            pairs,
            arrangements,
            range(seeds),
        )
    )
    v_max = None
    # Every city of a grid and school count has the same neighborhoods and schools.
    distances: dict[int, DistanceMatrix] = {}
    rows = []
    for sigma, schools, res_v, inc_v, arrangement, seed in progress(cases) if progress else cases:
        city = segregated_city(
            res_v,
            inc_v,
            grid=grid,
            n_schools=schools,
            noise=sigma,
            income_axis=arrangement,
            seed=seed,
            **options,
        )
        if v_max is None:
            v_max = maximum_segregation(city.population(), policy).upper
        if schools not in distances:
            distances[schools] = tie_broken(district_distances(city), tie_break)
        realized = realized_segregation(city)
        rows.append(
            {
                "tolerance": d,
                "noise": sigma,
                "n_schools": schools,
                "regime": regime(res_v, inc_v),
                "residential_v_target": res_v,
                "income_v_black_target": inc_v[0],
                "income_v_white_target": inc_v[1],
                "income_arrangement": arrangement,
                "seed": seed,
                "residential_v": realized["residential_v"],
                "income_v_black": realized["income_v_black"],
                "income_v_white": realized["income_v_white"],
                **_city_row(city, policy, distances[schools]),
                "v_max": v_max,
            }
        )
    return pd.DataFrame(rows)


def _interval(values: pd.Series, proportion: bool = False) -> tuple[float, float, float]:
    """Mean and two-sided 95% interval: Student's t, or Wilson's score for a proportion."""
    x = values.to_numpy(dtype=float)
    mean = float(x.mean())
    if proportion:
        n, z = len(x), float(stats.norm.ppf(0.975))
        centre = (mean + z**2 / (2 * n)) / (1 + z**2 / n)
        half = z * np.sqrt(mean * (1 - mean) / n + z**2 / (4 * n**2)) / (1 + z**2 / n)
        return mean, float(centre - half), float(centre + half)
    if len(x) < 2:
        return mean, float("nan"), float("nan")
    half = float(stats.t.ppf(0.975, len(x) - 1) * x.std(ddof=1) / np.sqrt(len(x)))
    return mean, mean - half, mean + half


def _summary_rows(frame: pd.DataFrame, keys: list[str], measures: list[str]) -> pd.DataFrame:
    rows = []
    for key, part in frame.groupby(keys, sort=False):
        row = dict(zip(keys, key))
        row["cities"] = len(part)
        if "v_max" in part:
            row["v_max"] = float(part["v_max"].iloc[0])
        for measure in measures:
            mean, lo, hi = _interval(part[measure], proportion=measure == "v_rises")
            row[f"{measure}_mean"], row[f"{measure}_lo"], row[f"{measure}_hi"] = mean, lo, hi
        rows.append(row)
    return pd.DataFrame(rows)


def summarize_sweep(frame: pd.DataFrame) -> pd.DataFrame:
    """Means and 95% intervals per setting, and the paired difference between arrangements.

    Parameters
    ----------
    frame : pandas.DataFrame
        The output of :func:`sweep_residential`.

    Returns
    -------
    pandas.DataFrame
        One row per setting and income arrangement with ``cities`` and, for ``v_nearest``,
        ``v_assigned``, ``cut``, ``relative_cut``, ``v_reassigned`` and ``v_rises`` (the share
        of cities where balancing raised V), columns ``<measure>_mean``, ``_lo`` and ``_hi``
        (mean and two-sided 95% t interval over seeds; Wilson's score interval for the
        share ``v_rises``). When both arrangements were run, one
        more row per setting with ``income_arrangement = "aligned - independent"`` holds the
        paired (same seed, same racial pattern) differences of ``v_assigned``, ``cut`` and
        ``relative_cut``.
    """
    keys = [*SETTING, "income_arrangement"]
    summary = _summary_rows(frame, keys, MEASURES)
    arrangements = set(frame["income_arrangement"])
    if {"aligned", "independent"} <= arrangements:
        index = [*SETTING, "seed"]
        wide = frame.pivot_table(
            index=index, columns="income_arrangement", values=PAIRED, aggfunc="first"
        )
        diff = pd.DataFrame(
            {m: wide[(m, "aligned")] - wide[(m, "independent")] for m in PAIRED}
        ).reset_index()
        diff["income_arrangement"] = "aligned - independent"
        paired = _summary_rows(diff.dropna(subset=PAIRED), keys, PAIRED)
        summary = pd.concat([summary, paired], ignore_index=True)
    order = [*SETTING, "income_arrangement"]
    rank = {"independent": 0, "aligned": 1, "aligned - independent": 2}
    summary = summary.sort_values(
        order, key=lambda col: col.map(rank) if col.name == "income_arrangement" else col
    )
    return summary.reset_index(drop=True)


def output_names(tolerance: float) -> dict[str, str]:
    """File names of a sweep's outputs at ``tolerance`` (``d0.10`` for 0.1)."""
    tag = f"d{validate_tolerance(tolerance):.2f}"
    return {
        "csv": f"sweep_residential_{tag}.csv",
        "summary": f"sweep_summary_{tag}.csv",
        "png": f"sweep_residential_{tag}.png",
    }


def write_sweep(frame: pd.DataFrame, out_dir: str | Path) -> dict[str, Path]:
    """Write the per-city CSV, the summary CSV and the figure of a sweep into ``out_dir``.

    Numbers are written with 6 decimals, so the same sweep gives the same bytes.

    Returns
    -------
    dict
        Paths by kind: ``csv``, ``summary``, ``png``.
    """
    tolerances = frame["tolerance"].unique()
    if len(tolerances) != 1:
        raise InputError("a sweep's outputs hold one tolerance")
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    paths = {kind: out / name for kind, name in output_names(float(tolerances[0])).items()}
    frame.to_csv(paths["csv"], index=False, float_format="%.6f", lineterminator="\n")
    summary = summarize_sweep(frame)
    summary.to_csv(paths["summary"], index=False, float_format="%.6f", lineterminator="\n")
    plot_sweep(summary, paths["png"])
    return paths
