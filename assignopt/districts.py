"""Bounds for many districts from tables of schools: today, probable and possible segregation.

For each district: today's V; the race-proportional reassignment under the policy (the
literature's lower estimate of what balancing would leave); and the interval of *possible*
segregation under the policy from the linear programs, with group poverty rates estimated from
school counts under within-school independence of race and poverty.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from assignopt.batch import BatchOutcome, run_batch
from assignopt.counts import as_count_matrix
from assignopt.errors import InputError
from assignopt.indices import normalized_exposure
from assignopt.maxseg import maximum_segregation
from assignopt.policy import Policy
from assignopt.population import Population
from assignopt.reassign import race_proportional_reassignment

__all__ = ["district_bounds", "district_table", "plot_district_table"]


def district_bounds(
    counts: np.ndarray, poor: np.ndarray, tolerance: float, solver: str = "highs"
) -> dict:
    """Today's V, the reassignment estimate and the possible interval for one district.

    Parameters
    ----------
    counts : numpy.ndarray
        Students by school and group ``(J, M)``; the first two groups are b and w.
    poor : numpy.ndarray
        Poor students per school ``(J,)``.
    tolerance : float
        Policy band half-width d.
    solver : str
        LP solver.

    Returns
    -------
    dict
        ``v_today``, ``v_reassigned``, ``movers``, ``v_possible_min``, ``v_possible_max``,
        ``black_poverty``, ``white_poverty`` (estimated), ``schools``, ``students``.
    """
    counts = np.asarray(counts, dtype=float)
    poor = np.asarray(poor, dtype=float)
    size = counts.sum(axis=1)
    reassigned = race_proportional_reassignment(counts, poor, tolerance)
    # Within-school independence: school j's poor are split by its racial mix.
    share = np.divide(poor, size, out=np.zeros_like(poor), where=size > 0)
    poor_by_group = share[:, None] * counts[:, :2]
    totals = counts[:, :2].sum(axis=0)
    rates = poor_by_group.sum(axis=0) / totals
    table = np.array(
        [
            [poor_by_group[:, 0].sum(), totals[0] - poor_by_group[:, 0].sum()],
            [poor_by_group[:, 1].sum(), totals[1] - poor_by_group[:, 1].sum()],
        ]
    )
    population = Population.from_class_table(table, class_labels=("poor", "nonpoor"))
    best = maximum_segregation(population, Policy(tolerance), solver=solver)
    return {
        "schools": int(len(counts)),
        "students": float(size.sum()),
        "v_today": normalized_exposure(counts[:, :2]),
        "v_reassigned": reassigned.v_after,
        "movers": reassigned.movers,
        "v_possible_min": 0.0,
        "v_possible_max": best.upper,
        "v_possible_max_lower": best.lower,
        "lp_status": best.status,
        "black_poverty": float(rates[0]),
        "white_poverty": float(rates[1]),
        "tolerance": tolerance,
    }


def _job(payload: tuple) -> dict:
    counts, poor, tolerance, solver = payload
    return district_bounds(counts, poor, tolerance, solver)


def district_table(
    schools: pd.DataFrame,
    groups: Sequence[str],
    tolerance: float,
    out_dir: str | Path,
    *,
    district: str = "district",
    poor: str = "poor",
    solver: str = "highs",
    workers: int | None = None,
    scheduler: str | None = None,
    progress: bool = True,
) -> tuple[pd.DataFrame, BatchOutcome]:
    """Bounds for every district of a school table, one result file per district.

    Parameters
    ----------
    schools : pandas.DataFrame
        One row per school: a ``district`` column, group count columns and a ``poor`` column.
    groups : sequence of str
        Group columns (b, w first).
    tolerance : float
        Policy band half-width d.
    out_dir : str or Path
        Results go to ``out_dir/districts/<id>.json``; finished districts are skipped on rerun.
    district, poor : str
        Names of the district id and poor-count columns.
    solver : str
        LP solver.
    workers, scheduler : optional
        Local processes, or a Dask scheduler address.
    progress : bool
        Show a progress bar.

    Returns
    -------
    (pandas.DataFrame, BatchOutcome)
        One row per finished district, sorted by the possible maximum (ties by district id);
        and the batch outcome
        (with failures by district id).
    """
    for column in (district, poor):
        if column not in schools.columns:
            raise InputError(
                f"schools table: column {column!r} not found; available: "
                f"{', '.join(map(str, schools.columns))}"
            )
    jobs = []
    for district_id, part in schools.groupby(district, sort=True):
        counts, _ = as_count_matrix(part, list(groups), name=f"district {district_id!r}")
        poor_counts, _ = as_count_matrix(part, [poor], name=f"district {district_id!r}")
        jobs.append((str(district_id), (counts, poor_counts[:, 0], tolerance, solver)))
    outcome = run_batch(
        jobs,
        _job,
        Path(out_dir) / "districts",
        workers=workers,
        scheduler=scheduler,
        progress=progress,
        desc="districts",
    )
    # Rows in job order, then sorted with the district id breaking ties, so the table does
    # not depend on the order in which jobs finished (local processes and Dask differ).
    rows = [{"district": job_id, **outcome[job_id]} for job_id, _ in jobs if job_id in outcome]
    frame = pd.DataFrame(rows)
    if len(frame):
        frame = frame.sort_values(["v_possible_max", "district"], kind="stable")
        frame = frame.reset_index(drop=True)
    return frame, outcome


def plot_district_table(frame: pd.DataFrame, path: str | Path) -> Path:
    """Forest plot: per district the possible interval, today's V and the reassignment estimate."""
    height = max(3.0, 0.22 * len(frame) + 1.5)
    fig = Figure(figsize=(7.5, height))
    ax = fig.add_subplot()
    y = np.arange(len(frame))
    ax.hlines(
        y,
        frame["v_possible_min"],
        frame["v_possible_max"],
        color="0.75",
        lw=4,
        label="possible under the policy (LP min to max)",
    )
    ax.plot(frame["v_today"], y, "o", color="C0", ms=5, label="today")
    ax.plot(
        frame["v_reassigned"],
        y,
        "D",
        color="C3",
        ms=4,
        label="race-proportional reassignment (lower estimate)",
    )
    ax.set_yticks(y, frame["district"], fontsize=7)
    ax.set_xlim(0, 1.02)
    ax.set_xlabel("normalized exposure V")
    tol = frame["tolerance"].iloc[0] if len(frame) else 0
    ax.set_title(
        f"Racial segregation by district under income balance (tolerance {tol:g})", fontsize=10
    )
    ax.grid(axis="x", alpha=0.3)
    ax.legend(fontsize=7, loc="lower right")
    FigureCanvasAgg(fig)
    fig.savefig(path, dpi=140, bbox_inches="tight")
    return Path(path)
