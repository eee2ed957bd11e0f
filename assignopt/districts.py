"""Bounds for many districts from tables of schools: today, probable and possible segregation.

For each district: today's V; the race-proportional reassignment under the policy (the
literature's lower estimate of what balancing would leave); and the interval of *possible*
segregation under the policy from the linear programs, with group poverty rates estimated from
school counts under within-school independence of race and poverty.

District ids are text exactly as written. Each district is one job of
:func:`assignopt.batch.run_batch`, so its result is kept and reused only for the same schools,
groups, tolerance, solver and package version; a district whose rows cannot be used fails alone,
named with its schools and columns. :func:`run_districts` reads a table or the NCES school file
(:mod:`assignopt.nces`), and writes the table, the forest plot and Figure 6
(:mod:`assignopt.district_figures`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from assignopt.batch import BatchOutcome, run_batch
from assignopt.district_figures import MAX_LABELLED_ROWS, plot_district_table, plot_figure6
from assignopt.errors import InputError, UndefinedIndexError
from assignopt.indices import normalized_exposure
from assignopt.maxseg import maximum_segregation, minimum_segregation
from assignopt.nces import NCES_GROUPS
from assignopt.outputs import check_output_dir
from assignopt.policy import Policy
from assignopt.population import Population
from assignopt.reassign import (
    district_poverty_rate,
    race_proportional_reassignment,
    relative_tolerance,
)
from assignopt.tables import read_units

__all__ = [
    "MAX_LABELLED_ROWS",
    "DistrictsRun",
    "district_bounds",
    "district_jobs",
    "district_table",
    "plot_district_table",
    "plot_figure6",
    "run_districts",
]


def district_bounds(
    counts: np.ndarray,
    poor: np.ndarray,
    tolerance: float,
    solver: str = "highs",
    groups: Sequence[str] | None = None,
    relative: bool = False,
) -> dict:
    """Today's V, the reassignment estimate and the possible interval for one district.

    Parameters
    ----------
    counts : numpy.ndarray
        Students by school and group ``(J, M)``; the first two groups are b and w.
    poor : numpy.ndarray
        Poor students per school ``(J,)``.
    tolerance : float
        Policy band half-width d (with ``relative``, a share of the district's poverty rate).
    solver : str
        LP solver.
    groups : sequence of str, optional
        Group names, for messages (default ``group 1, group 2, ...``).
    relative : bool
        Read ``tolerance`` relative to the district's poverty rate: ``d = tolerance x pi_p``.

    Returns
    -------
    dict
        ``v_today``, ``v_reassigned``, ``movers``, ``v_possible_min``, ``v_possible_max``,
        ``black_poverty``, ``white_poverty`` (estimated), ``schools``, ``students``,
        ``tolerance`` (the absolute band applied).

    Notes
    -----
    The possible interval is computed on the reassignment's own population and policy: every
    group's students (poor split within each school by its racial mix, the literature's
    within-school independence), the band on all of them around the district's poverty rate,
    and V between the first two groups with the others free to fill seats.
    """
    counts = np.asarray(counts, dtype=float)
    poor = np.asarray(poor, dtype=float)
    names = (
        list(groups) if groups is not None else [f"group {m + 1}" for m in range(counts.shape[1])]
    )
    totals = counts.sum(axis=0)
    absent = [names[m] for m in range(min(2, counts.shape[1])) if totals[m] <= 0]
    if absent:
        raise UndefinedIndexError(
            f"no {' and no '.join(map(repr, absent))} students in the district's schools; "
            "V between the first two groups is not defined"
        )
    # A group with no students in the district changes nothing; leaving it out keeps the
    # multigroup indices of the reassignment defined (e.g. no Pacific Islander students).
    present = (np.arange(counts.shape[1]) < 2) | (totals > 0)
    counts = counts[:, present]
    names = [n for n, keep in zip(names, present) if keep]
    size = counts.sum(axis=1)
    if relative:
        tolerance = relative_tolerance(tolerance, district_poverty_rate(counts, poor))
    reassigned = race_proportional_reassignment(counts, poor, tolerance)
    # Within-school independence: school j's poor are split by its racial mix.
    share = np.divide(poor, size, out=np.zeros_like(poor), where=size > 0)
    poor_by_group = share[:, None] * counts
    group_totals = counts.sum(axis=0)
    table = np.stack([poor_by_group.sum(axis=0), group_totals - poor_by_group.sum(axis=0)], 1)
    rates = table[:2, 0] / group_totals[:2]
    population = Population.from_class_table(table, names, ("poor", "nonpoor"))
    pair = (names[0], names[1]) if len(names) > 2 else None
    policy = Policy(tolerance)
    best = maximum_segregation(population, policy, "V", pair=pair, solver=solver)
    low = minimum_segregation(population, policy, "V", pair=pair)
    return {
        "schools": int(len(counts)),
        "students": float(size.sum()),
        "v_today": normalized_exposure(counts[:, :2]),
        "v_reassigned": reassigned.v_after,
        "movers": reassigned.movers,
        "v_possible_min": low.lower,
        "v_possible_max": best.upper,
        "v_possible_max_lower": best.lower,
        "lp_status": best.status,
        "black_poverty": float(rates[0]),
        "white_poverty": float(rates[1]),
        "tolerance": tolerance,
    }


def _job(payload: tuple) -> dict:
    counts, poor, tolerance, solver, groups, relative = payload
    return district_bounds(counts, poor, tolerance, solver, groups, relative)


def _ids(schools: pd.DataFrame, column: str) -> np.ndarray:
    """District ids as text exactly as written; a blank id is refused naming its line."""
    values = schools[column].to_numpy(dtype=object)
    if pd.api.types.infer_dtype(values, skipna=False) == "string":
        text = values
    else:
        text = np.array(
            [v if isinstance(v, str) else ("" if pd.isna(v) else str(v)) for v in values],
            dtype=object,
        )
    blank = np.array([not v or v.isspace() for v in text.tolist()], dtype=bool)
    if blank.any():
        position = int(np.flatnonzero(blank)[0])
        source = schools.attrs.get("source")
        if source:
            where = f"{source}, line {position + 1 + schools.attrs.get('header_lines', 1)}"
        else:
            where = f"row {position + 1} of the table (line {position + 2} of a CSV with a header)"
        raise InputError(
            f"schools table: district id (column {column!r}) is blank in {where}; "
            f"{int(blank.sum())} row(s) have no district id"
        )
    return text


def _numbers(schools: pd.DataFrame, columns: Sequence[str]) -> np.ndarray:
    """The count columns as one float array; a column of text is refused by name."""
    out = np.empty((len(schools), len(columns)))
    for k, column in enumerate(columns):
        if pd.api.types.is_numeric_dtype(schools[column]) and not pd.api.types.is_bool_dtype(
            schools[column]
        ):
            out[:, k] = schools[column].to_numpy(dtype=float, na_value=np.nan)
            continue  # a column of numbers holds no text
        values = pd.to_numeric(schools[column], errors="coerce")
        given = schools[column].notna() & (schools[column].astype(str).str.strip() != "")
        wrong = given & values.isna()
        if wrong.any():
            example = schools[column][wrong].iloc[0]
            raise InputError(
                f"schools table: column {column!r} holds {example!r}, which is not a number; "
                "counts must be numbers"
            )
        out[:, k] = values.to_numpy(dtype=float)
    return out


def _problem(
    values: np.ndarray,
    columns: Sequence[str],
    school_ids: np.ndarray | None,
) -> str | None:
    """Why one district's school rows cannot be used, naming schools and columns; or None."""

    def school(j: int) -> str:
        return f"school {school_ids[j]!r}" if school_ids is not None else "a school"

    for k, column in enumerate(columns):
        bad = ~np.isfinite(values[:, k])
        if bad.any():
            return f"{school(int(np.flatnonzero(bad)[0]))} has no number in column {column!r}"
        bad = values[:, k] < 0
        if bad.any():
            j = int(np.flatnonzero(bad)[0])
            return f"{school(j)} has a negative count {values[j, k]:g} in column {column!r}"
    size = values[:, :-1].sum(axis=1)
    over = values[:, -1] > size * (1 + 1e-12) + 1e-9
    if over.any():
        j = int(np.flatnonzero(over)[0])
        return (
            f"{school(j)} has {values[j, -1]:g} poor students (column {columns[-1]!r}) but only "
            f"{size[j]:g} students in {', '.join(map(repr, columns[:-1]))}"
        )
    if size.sum() <= 0:
        return f"no students in {', '.join(map(repr, columns[:-1]))}"
    return None


def district_jobs(
    schools: pd.DataFrame,
    groups: Sequence[str],
    *,
    district: str = "district",
    poor: str = "poor",
    school: str | None = None,
) -> tuple[list[tuple[str, np.ndarray, np.ndarray]], dict[str, str]]:
    """Split a table of schools into per-district count arrays, checking every value.

    Parameters
    ----------
    schools : pandas.DataFrame
        One row per school.
    groups : sequence of str
        Group count columns (b, w first).
    district, poor : str
        District id and poor-count columns.
    school : str, optional
        School id column, to name schools in messages (default: ``school`` if present).

    Returns
    -------
    jobs : list of (str, numpy.ndarray, numpy.ndarray)
        Per district (ids as text, sorted): counts ``(J, M)`` and poor ``(J,)``.
    problems : dict of str to str
        Districts that cannot be computed and why (named by district id, school id and column).

    Raises
    ------
    InputError
        If a column is missing, the table has no rows, a district id is blank, or a count
        column holds text.
    """
    groups = [str(g) for g in groups]
    if len(groups) < 2:
        raise InputError(f"groups: at least two group columns are needed, got {groups}")
    if len(set(groups)) != len(groups):
        raise InputError(f"groups: a column is named twice in {groups}")
    if school is None and "school" in schools.columns:
        school = "school"
    needed = [district, *groups, poor] + ([school] if school else [])
    missing = [c for c in needed if c not in schools.columns]
    if missing:
        raise InputError(
            f"schools table: column(s) {', '.join(map(repr, missing))} not found; available: "
            f"{', '.join(map(str, schools.columns))}"
        )
    if len(schools) == 0:
        raise InputError("schools table: no rows (only a header); nothing to compute")
    ids = _ids(schools, district)
    values = _numbers(schools, [*groups, poor])
    school_ids = None
    if school:
        school_ids = np.array([str(v) for v in schools[school]], dtype=object)
    order = np.argsort(ids, kind="stable")
    sorted_ids = ids[order]
    starts = np.flatnonzero(np.r_[True, sorted_ids[1:] != sorted_ids[:-1]])
    ends = np.r_[starts[1:], len(order)]
    columns = [*groups, poor]
    values = values[order]
    # The checks of _problem on all rows at once; only a district with a flagged row (or no
    # students) is looked at again, for its message.
    with np.errstate(invalid="ignore"):
        size = values[:, :-1].sum(axis=1)
        usable = np.isfinite(values).all(axis=1) & (values >= 0).all(axis=1)
        usable &= ~(values[:, -1] > size * (1 + 1e-12) + 1e-9)
    flagged = np.add.reduceat((~usable).astype(np.int64), starts) > 0
    flagged |= ~(np.add.reduceat(np.where(usable, size, 0.0), starts) > 0)
    counts, poor_counts = values[:, :-1], values[:, -1]
    jobs, problems = [], {}
    for a, b, bad in zip(starts.tolist(), ends.tolist(), flagged.tolist()):
        district_id = str(sorted_ids[a])
        if bad:
            named = None if school_ids is None else school_ids[order[a:b]]
            problem = _problem(values[a:b], columns, named)
            if problem is not None:
                problems[district_id] = problem
                continue
        jobs.append((district_id, counts[a:b].copy(), poor_counts[a:b].copy()))
    return jobs, problems


def district_table(
    schools: pd.DataFrame,
    groups: Sequence[str],
    tolerance: float,
    out_dir: str | Path,
    *,
    district: str = "district",
    poor: str = "poor",
    school: str | None = None,
    solver: str = "highs",
    workers: int | None = None,
    scheduler: str | None = None,
    scheduler_timeout: float = 5.0,
    progress: bool = True,
    relative: bool = False,
) -> tuple[pd.DataFrame, BatchOutcome]:
    """Bounds for every district of a school table, one result file per district.

    Parameters
    ----------
    schools : pandas.DataFrame
        One row per school: a ``district`` column, group count columns and a ``poor`` column.
        District ids are text exactly as written (``01`` and ``1`` are two districts).
    groups : sequence of str
        Group columns (b, w first).
    tolerance : float
        Policy band half-width d.
    out_dir : str or Path
        Results go to ``out_dir/districts/``; a district's stored result is reused only when
        its schools, the groups, the tolerance, the solver and the package version all match.
    district, poor : str
        Names of the district id and poor-count columns.
    school : str, optional
        School id column, used to name schools in messages (default: ``school`` if present).
    solver : str
        LP solver.
    workers, scheduler : optional
        Local processes (at least 1), or a Dask scheduler address.
    scheduler_timeout : float
        Seconds to wait for the scheduler before refusing it.
    progress : bool
        Show a progress bar.

    Returns
    -------
    (pandas.DataFrame, BatchOutcome)
        One row per finished district, sorted by the possible maximum (ties by district id);
        and the batch outcome, whose ``failures`` name every district that could not be
        computed (bad rows or a failed computation) with its message, and ``reused`` counts
        stored results taken again.

    relative : bool
        Read ``tolerance`` relative to each district's poverty rate (``d = tolerance x pi_p``).

    Raises
    ------
    InputError
        On a missing column, a table without rows, a blank district id, a bad tolerance or
        ``workers``, an unreachable scheduler, or when every district fails (the message
        lists them).
    """
    if not relative:
        Policy(tolerance)  # refuse a bad tolerance before any work
    jobs, problems = district_jobs(schools, groups, district=district, poor=poor, school=school)
    outcome = run_batch(
        [
            (job_id, (counts, poor_counts, tolerance, solver, [str(g) for g in groups], relative))
            for job_id, counts, poor_counts in jobs
        ],
        _job,
        Path(out_dir) / "districts",
        workers=workers,
        scheduler=scheduler,
        scheduler_timeout=scheduler_timeout,
        progress=progress,
        desc="districts",
        settings={"groups": list(groups), "poor": poor},
    )
    outcome.failures.update(problems)
    outcome.failures = dict(sorted(outcome.failures.items()))
    # Rows in id order, then sorted with the district id breaking ties, so the table does
    # not depend on the order in which jobs finished (local processes and Dask differ).
    rows = [{"district": job_id, **outcome[job_id]} for job_id, _, _ in jobs if job_id in outcome]
    if not rows:
        listed = "; ".join(
            f"district {job_id!r}: {message}"
            for job_id, message in list(outcome.failures.items())[:5]
        )
        more = len(outcome.failures) - 5
        raise InputError(
            f"every district failed ({len(outcome.failures)}): {listed}"
            + (f"; and {more} more" if more > 0 else "")
        )
    frame = pd.DataFrame(rows)
    # Sorted on the maximum rounded to 1e-9, so that LP rounding noise (0.9999999999999998
    # against 1.0) does not decide the order of districts at the same value.
    key = frame["v_possible_max"].round(9)
    frame = frame.assign(_key=key).sort_values(["_key", "district"], kind="stable")
    frame = frame.drop(columns="_key")
    return frame.reset_index(drop=True), outcome


@dataclass(frozen=True)
class DistrictsRun:
    """What :func:`run_districts` computed and wrote.

    Attributes
    ----------
    table : pandas.DataFrame
        One row per computed district (as :func:`district_table`, plus ``district_name`` and
        ``schools_excluded`` for the NCES file).
    failures : dict of str to str
        Districts that could not be computed, by id, with the reason (schools and columns
        named); the table for the others is written all the same.
    reused, computed : int
        District results reused from ``out_dir`` and computed in this run.
    files : dict of str to Path
        ``csv`` and ``png`` always; ``figure6`` when asked; ``exclusions`` for the NCES file.
    source : str
        ``"nces"`` for the NCES school file, ``"table"`` otherwise.
    exclusions : pandas.DataFrame or None
        NCES schools left out, counted by district, column and reason.
    """

    table: pd.DataFrame
    failures: dict[str, str]
    reused: int
    computed: int
    files: dict[str, Path]
    source: str
    exclusions: pd.DataFrame | None = None


def _nces_groups(groups: Sequence[str] | None) -> dict[str, str] | None:
    if groups is None:
        return None
    by_column = {column: name for name, column in NCES_GROUPS.items()}
    chosen = {}
    for g in groups:
        if g in NCES_GROUPS:
            chosen[g] = NCES_GROUPS[g]
        elif g in by_column:
            chosen[by_column[g]] = g
        else:
            raise InputError(
                f"groups: {g!r} is not an NCES group; use {', '.join(NCES_GROUPS)} "
                f"(or the file's columns {', '.join(NCES_GROUPS.values())})"
            )
    return chosen


def run_districts(
    schools: str | Path,
    tolerance: float,
    out_dir: str | Path,
    *,
    groups: Sequence[str] | None = None,
    district: str | None = None,
    poor: str | None = None,
    school: str | None = None,
    solver: str = "highs",
    workers: int | None = None,
    scheduler: str | None = None,
    scheduler_timeout: float = 5.0,
    figure6: bool = False,
    progress: bool = True,
    relative: bool = False,
) -> DistrictsRun:
    """Read a table of schools, compute every district's bounds and write the table and figures.

    The NCES EDGE "Public School Characteristics" file is recognised by its columns and read
    with :func:`assignopt.nces.read_nces_schools` (district = ``LEAID``, groups from ``BL``,
    ``WH``, ``HI``, ..., poor = ``TOTFRL``; coded and blank schools excluded and counted);
    any other table is read with :func:`assignopt.tables.read_units`, the district column as
    text.

    Parameters
    ----------
    schools : str or Path
        The table of schools (CSV, Parquet or a vector file), or the NCES file.
    tolerance : float
        Policy band half-width d.
    out_dir : str or Path
        Output folder: ``district_bounds.csv``, ``district_bounds.png``, ``figure6.png`` (when
        ``figure6``), ``nces_exclusions.csv`` (NCES file), and the per-district results in
        ``districts/``. Checked before any computing.
    groups : sequence of str, optional
        Group columns, b and w first (default ``black, white``; for the NCES file every race
        column present, by the names of :data:`assignopt.nces.NCES_GROUPS` or the file's own).
    district, poor, school : str, optional
        Columns of district ids (default ``district``), poor students (``poor``; for the NCES
        file a column such as ``TOTFRL`` or ``FRELCH``) and school ids (``school`` if present).
        The NCES file's ids are always ``LEAID`` and ``NCESSCH``.
    solver : str
        LP solver.
    workers, scheduler : optional
        Local processes (at least 1), or a Dask scheduler address.
    scheduler_timeout : float
        Seconds to wait for the scheduler before refusing it.
    figure6 : bool
        Also draw :func:`plot_figure6`.
    relative : bool
        Read ``tolerance`` relative to each district's poverty rate (``d = tolerance x pi_p``).
    progress : bool
        Show a progress bar.

    Returns
    -------
    DistrictsRun
        The table, the failures by district id, reuse counts and the files written.

    Raises
    ------
    InputError
        On an unreadable file, a missing column, a blank district id, a table without rows,
        an unusable ``out_dir``, bad ``workers`` or ``tolerance``, an unreachable scheduler, or
        when every district fails.
    """
    out = check_output_dir(out_dir, "out_dir")
    path = Path(schools)
    failures: dict[str, str] = {}
    exclusions = None
    names = None
    if path.suffix.lower() in {".csv", ".txt"} and path.is_file() and _looks_nces(path):
        from assignopt.nces import read_nces_schools

        for name, value, fixed in (("district", district, "LEAID"), ("school", school, "NCESSCH")):
            if value not in (None, fixed):
                raise InputError(
                    f"{name}: the NCES school file's {name} ids are column {fixed!r}, not {value!r}"
                )
        nces = read_nces_schools(path, groups=_nces_groups(groups), poor=poor or "TOTFRL")
        frame, group_columns = nces.schools, nces.groups
        district_col, poor_col, school_col = nces.district, nces.poor, nces.school
        exclusions = nces.exclusions
        names = nces.districts.set_index("district")
        for row in nces.districts.itertuples():
            if row.schools_used == 0:
                failures[row.district] = (
                    f"no usable school of {row.schools_read} "
                    f"({nces.exclusion_message(row.district)})"
                )
        source = "nces"
    else:
        district_col = district or "district"
        frame = read_units(path, text_columns=[district_col] + ([school] if school else []))
        group_columns = list(groups) if groups is not None else ["black", "white"]
        poor_col, school_col = poor or "poor", school
        source = "table"
    table, outcome = district_table(
        frame,
        group_columns,
        tolerance,
        out,
        district=district_col,
        poor=poor_col,
        school=school_col,
        solver=solver,
        workers=workers,
        scheduler=scheduler,
        scheduler_timeout=scheduler_timeout,
        progress=progress,
        relative=relative,
    )
    failures = dict(sorted({**failures, **outcome.failures}.items()))
    files = {"csv": out / "district_bounds.csv", "png": out / "district_bounds.png"}
    if names is not None:
        table.insert(1, "district_name", table["district"].map(names["district_name"]))
        table["schools_excluded"] = table["district"].map(names["schools_excluded"]).astype(int)
        files["exclusions"] = out / "nces_exclusions.csv"
        exclusions.to_csv(files["exclusions"], index=False)
    table.to_csv(files["csv"], index=False)
    plot_district_table(table, files["png"])
    if figure6:
        files["figure6"] = plot_figure6(table, out / "figure6.png")
    return DistrictsRun(
        table, failures, outcome.reused, outcome.computed, files, source, exclusions
    )


def _looks_nces(path: Path) -> bool:
    import csv

    from assignopt.nces import is_nces_school_table

    try:
        with open(path, newline="", encoding="utf-8-sig") as handle:
            header = next(csv.reader(handle), [])
    except (OSError, UnicodeDecodeError):
        return False
    return is_nces_school_table(header)
