"""A report's content built from assignment results: headline, findings, map, policy sections.

These functions read results (:class:`~assignopt.spatial.assign.AssignmentResult`) and the
files written for them, and return report parts; they compute nothing new about segregation.
A scenario run and a single ``assign`` run both call :func:`assignment_report`.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from assignopt.report.format import format_count, format_share, format_tolerance
from assignopt.report.page import MapLayers, Report, Section, Table, write_report

if TYPE_CHECKING:
    from assignopt.spatial.assign import AssignmentResult
    from assignopt.spatial.district import District

__all__ = [
    "QUESTION",
    "assignment_findings",
    "assignment_headline",
    "assignment_map",
    "assignment_report",
    "assignment_sections",
    "write_assignment_report",
    "districts_section",
    "neighborhood_ids",
    "policy_bars",
    "policy_name",
    "policy_words",
    "school_table",
    "zones_section",
]

QUESTION = (
    "If this district balances its schools by family income, how much racial "
    "segregation (normalized exposure V of Black and White students) can remain: at "
    "most (possible, from the linear programs) and probably (what a race-blind, "
    "travel-minimizing assignment would give)?"
)


def policy_words(tolerances: Sequence[float]) -> str:
    """The income-balance policies compared, in plain words."""
    text = ", ".join(format_tolerance(t) for t in tolerances)
    return (
        f"Every school's poverty rate must lie within {text} of the district's rate "
        "(each compared in turn; ±0.00 is perfect balance). Income is poverty status "
        "(poor / nonpoor) unless the data give more classes."
    )


def policy_name(result: AssignmentResult) -> str:
    """A short name of the result's policy: its tolerance (``±0.10``) or its description."""
    tolerance = np.asarray(result.policy.tolerance, dtype=float)
    if tolerance.ndim == 0:
        return format_tolerance(float(tolerance))
    return result.policy.describe()


def _tolerance(result: AssignmentResult) -> float | str:
    tolerance = np.asarray(result.policy.tolerance, dtype=float)
    return float(tolerance) if tolerance.ndim == 0 else policy_name(result)


def neighborhood_ids(district: District) -> list[str]:
    """Each neighborhood's id as written in the district's file (1 to N without an id column)."""
    return [str(i) for i in district.neighborhood_ids]


def assignment_headline(
    results: Sequence[AssignmentResult],
    extra: Sequence[Mapping[str, float]] | None = None,
) -> pd.DataFrame:
    """One row per result: V residential, nearest school, probable, possible; travel.

    ``extra`` (one mapping per result) adds columns, e.g. other methods' estimates, placed
    before the travel columns.
    """
    rows = []
    for k, result in enumerate(results):
        s = result.summary()
        row = {
            "tolerance": _tolerance(result),
            "V residential": s["v_residential"],
            "V nearest school": s["v_nearest"],
            "V probable (balanced)": s["v_assigned"],
        }
        if extra is not None:
            row.update(extra[k])
        if s["possible"]:
            row["V possible min"] = s["possible"]["v_min"]
            row["V possible max"] = s["possible"]["v_max"]
        row["mean km"] = s["mean_km"]
        row["moved from nearest school"] = s["travel"]["assigned"]["share_not_nearest"]
        rows.append(row)
    return pd.DataFrame(rows)


def assignment_findings(headline: pd.DataFrame) -> list[str]:
    """Sentences for the headline: residential and nearest-school V, then each policy."""
    first = headline.iloc[0]
    findings = [
        f"Residential segregation V = {first['V residential']:.3f}; nearest-school "
        f"assignment gives V = {first['V nearest school']:.3f}."
    ]
    for _, row in headline.iterrows():
        name = row["tolerance"]
        name = format_tolerance(name) if isinstance(name, int | float) else str(name)
        text = f"Tolerance {name}: probable V = {row['V probable (balanced)']:.3f}"
        if "V possible max" in row and pd.notna(row["V possible max"]):
            text += (
                f"; possible between {row['V possible min']:.3f} and {row['V possible max']:.3f}"
            )
        findings.append(text + f"; mean travel {row['mean km']:.2f} km.")
    return findings


def school_table(result: AssignmentResult) -> Table:
    """The schools under the result's assignment, with how each column is written."""
    frame = result.school_table()
    d = result.district
    kinds = {"name": "text", "capacity": "count", "enrolment": "count"}
    kinds.update({d.column(g, c): "count" for g in d.groups for c in d.classes})
    kinds["enrolment_nearest"] = "count"
    kinds.update({c: "share" for c in frame.columns if "share" in c})
    return Table(f"Schools under the policy {policy_name(result)}", frame, kinds)


def assignment_sections(
    results: Sequence[AssignmentResult], files: Sequence[Mapping[str, Path]]
) -> list[Section]:
    """One section per result: its static map, its schools table and its files.

    ``files`` holds, for each result, the paths :func:`assignopt.spatial.output.write_assignment`
    returned (``map`` is shown as a figure; every path is linked).
    """
    sections = []
    for result, paths in zip(results, files, strict=True):
        name = policy_name(result)
        s = result.summary()
        solver = f"Solver {s['solver']} ({s['formulation']}), status {s['status']}"
        if "MILP" in s["formulation"]:
            solver += f", optimality gap {format_share(s['mip_gap'], 2)}"
        figures = []
        if "map" in paths:
            figures.append((f"Static map of the assignment at tolerance {name}.", paths["map"]))
        sections.append(
            Section(
                f"Tolerance {name}",
                [
                    f"{result.policy.describe().capitalize()}. {solver}; "
                    f"{format_count(s['students'])} students travel "
                    f"{format_count(s['objective_km'])} student-km in all; "
                    f"{format_share(s['travel']['assigned']['share_not_nearest'])} are not "
                    "at their nearest school."
                ],
                figures,
                [school_table(result)],
                list(paths.values()),
            )
        )
    return sections


def _features(geometry, crs, properties: Sequence[dict]) -> dict:
    """A GeoJSON FeatureCollection in EPSG:4326 of ``geometry`` with ``properties``."""
    import geopandas as gpd

    layer = json.loads(gpd.GeoSeries(geometry, crs=crs).to_crs("EPSG:4326").to_json())
    for feature, props in zip(layer["features"], properties, strict=True):
        feature.pop("id", None)
        feature["properties"] = props
    return layer


def _flow_layer(result: AssignmentResult, origin: np.ndarray, dest: np.ndarray, crs, lines: int):
    from shapely.geometry import LineString

    per_pair = result.assigned.flows.sum(axis=1)
    n, s = np.nonzero(per_pair > 1e-6)
    weight = per_pair[n, s]
    keep = np.argsort(-weight, kind="stable")[:lines]
    n, s, weight = n[keep], s[keep], weight[keep]
    widths = 0.5 + 4.5 * weight / max(weight.max(), 1e-12) if weight.size else []
    return _features(
        [LineString([origin[i], dest[j]]) for i, j in zip(n, s)],
        crs,
        [{"weight": float(w)} for w in widths],
    )


def _school_layer(result: AssignmentResult, points, crs) -> dict:
    d = result.district
    table = result.school_table()
    enrol = table["enrolment"].to_numpy()
    poor, group = d.classes[0], d.groups[0]
    lines = [
        [
            f"{format_count(e)} students of {format_count(c)} seats",
            f"{poor}: {format_share(p)}",
            f"{group}: {format_share(b)}",
        ]
        for e, c, p, b in zip(
            enrol, table["capacity"], table[f"share_{poor}"], table[f"{group}_share"]
        )
    ]
    radius = 4 + 12 * np.sqrt(enrol / max(enrol.max(), 1))
    return _features(
        points,
        crs,
        [
            {"id": str(name), "radius": float(r), "lines": text}
            for name, r, text in zip(table["name"], radius, lines)
        ],
    )


def assignment_map(results: Sequence[AssignmentResult], max_lines: int = 1500) -> MapLayers:
    """The interactive map's layers, built from one district's results (one per policy).

    Neighborhoods are shaded by the first group's share of their students; each policy's layer
    holds its schools (sized by enrolment) and its largest ``max_lines`` flows.
    """
    from assignopt.spatial.distance import projected

    district = results[0].district
    hoods, schools, _, _ = projected(district)
    counts = district.counts()
    by_group = counts.sum(axis=2)
    size = by_group.sum(axis=1)
    share = np.divide(by_group[:, 0], size, out=np.zeros_like(size), where=size > 0)
    group, poor = district.groups[0], district.classes[0]
    lines = [
        [
            f"{format_count(t)} students",
            *(f"{g}: {format_count(c)}" for g, c in zip(district.groups, row)),
            f"{poor}: {format_count(p)}",
            f"{group} share: {format_share(v)}",
        ]
        for t, row, p, v in zip(size, by_group, counts[:, :, 0].sum(axis=1), share)
    ]
    # Simplified to 25 m (the layers are projected, in metres): a lighter page, same picture.
    layer = _features(
        hoods.geometry.simplify(25).to_numpy(),
        hoods.crs,
        [
            {"id": i, "value": float(v) if t > 0 else None, "lines": text}
            for i, v, t, text in zip(neighborhood_ids(district), share, size, lines)
        ],
    )
    origin = hoods.geometry.representative_point().to_numpy()
    points = schools.geometry.representative_point().to_numpy()
    policies = [
        {
            "name": f"tolerance {policy_name(r)}",
            "schools": _school_layer(r, points, schools.crs),
            "flows": _flow_layer(r, origin, points, hoods.crs, max_lines),
        }
        for r in results
    ]
    return MapLayers(
        layer,
        policies,
        f"{group} share of each neighborhood's students",
        float(share.max()) if share.size else 1.0,
    )


def policy_bars(headline: pd.DataFrame, path: str | Path) -> Path:
    """Bar chart of V by policy (residential, nearest, reassignment, probable, possible)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    columns = [
        c
        for c in (
            "V residential",
            "V nearest school",
            "V reassignment (lower estimate)",
            "V probable (balanced)",
            "V possible max",
        )
        if c in headline
    ]
    fig = Figure(figsize=(7.5, 4))
    ax = fig.add_subplot()
    width = 0.8 / len(columns)
    x = np.arange(len(headline))
    for k, column in enumerate(columns):
        ax.bar(x + k * width, headline[column], width, label=column)
    ticks = [
        format_tolerance(t) if isinstance(t, int | float) else str(t) for t in headline["tolerance"]
    ]
    ax.set_xticks(x + width * (len(columns) - 1) / 2, ticks)
    ax.set_xlabel("income-balance tolerance")
    ax.set_ylabel("normalized exposure V")
    ax.set_ylim(0, 1.05)
    ax.legend(fontsize=7, ncol=3, loc="upper center", bbox_to_anchor=(0.5, -0.2))
    ax.grid(axis="y", alpha=0.3)
    FigureCanvasAgg(fig)
    fig.savefig(path, dpi=140, bbox_inches="tight")
    return Path(path)


def assignment_report(
    results: Sequence[AssignmentResult],
    files: Sequence[Mapping[str, Path]],
    out_dir: str | Path,
    *,
    title: str,
    headline: pd.DataFrame | None = None,
    question: str = QUESTION,
    notes: Sequence[str] = (),
    interactive_map: bool = True,
) -> Report:
    """The report of one district's assignments, one per policy (tolerance).

    Parameters
    ----------
    results : sequence of AssignmentResult
        One per policy, in the order to show them.
    files : sequence of mapping of str to Path
        For each result, the files written for it (``write_assignment``'s return value).
    out_dir : str or Path
        The report's folder; the policy bar chart ``segregation_by_policy.png`` goes there.
    title : str
        The page's title.
    headline : pandas.DataFrame, optional
        One row per result; :func:`assignment_headline` of ``results`` by default.
    question : str
        The question the page answers.
    notes : sequence of str
        Closing notes (data provenance, what validation repaired).
    interactive_map : bool
        Include the Leaflet map.

    Returns
    -------
    Report
        Ready for :func:`~assignopt.report.write_report` into ``out_dir``.
    """
    if not results:
        raise ValueError("assignment_report needs at least one result")
    headline = assignment_headline(results) if headline is None else headline
    tolerances = [
        float(np.asarray(r.policy.tolerance)) for r in results if np.ndim(r.policy.tolerance) == 0
    ]
    policy = (
        policy_words(tolerances)
        if len(tolerances) == len(results)
        else "; ".join(r.policy.describe() for r in results)
    )
    bars = policy_bars(headline, Path(out_dir) / "segregation_by_policy.png")
    return Report(
        title,
        question,
        policy,
        headline,
        assignment_findings(headline),
        [
            (
                "Racial segregation by policy: residential pattern, nearest school, "
                "balanced assignment, and what the policy makes possible.",
                bars,
            )
        ],
        [],
        [],
        assignment_map(results) if interactive_map else None,
        list(notes),
        assignment_sections(results, files),
        {"tolerance": "tolerance"},
    )


def write_assignment_report(
    results: Sequence[AssignmentResult],
    files: Sequence[Mapping[str, Path]],
    out_dir: str | Path,
    *,
    title: str = "Income balance and racial segregation",
    **options,
) -> Path:
    """Write ``out_dir/report.html`` for ``results``; ``options`` go to :func:`assignment_report`.

    Returns
    -------
    Path
        The page's path.
    """
    report = assignment_report(results, files, out_dir, title=title, **options)
    return write_report(report, Path(out_dir) / "report.html")


def districts_section(
    tolerance: float,
    frame: pd.DataFrame,
    figure: Path | None = None,
    files: Sequence[Path] = (),
    failures: Mapping[str, str] | None = None,
) -> Section:
    """One tolerance of a table of districts (``district_table``'s frame): figure, table, files.

    ``failures`` (messages by district id) are listed in the section's text.
    """
    name = format_tolerance(tolerance)
    kinds = {"district": "text", "lp_status": "text", "tolerance": "tolerance"}
    failed = [f"District {d} failed: {message}" for d, message in (failures or {}).items()]
    return Section(
        f"Districts at tolerance {name}",
        failed,
        [(f"Districts at tolerance {name}.", figure)] if figure is not None else [],
        [Table("Each district: V today, after reassignment, and possible", frame, kinds)],
        list(files),
    )


def zones_section(
    summary: Mapping, table: pd.DataFrame, figure: Path | None = None, files: Sequence[Path] = ()
) -> Section:
    """Contiguous attendance zones: the ``zones`` job's summary and per-zone table.

    Their segregation against the min-travel LP and the possible maximum, travel, moves and
    the solver's status.
    """
    possible = summary.get("possible") or {}
    text = [
        f"Every neighborhood whole in one school's zone, every zone connected and holding its "
        f"school: V = {summary['v_zoned']:.3f}, against {summary['v_residential']:.3f} "
        f"residential, {summary['v_nearest']:.3f} at the nearest school and "
        f"{summary['v_lp']:.3f} under the min-travel assignment (split neighborhoods)"
        + (f"; the policy makes up to {possible['v_max']:.3f} possible." if possible else "."),
        f"Travel {format_count(summary['objective_km'])} student-km, at least "
        f"{format_count(summary['lp_bound_km'])} (the min-travel LP); "
        f"{format_share(summary['moved_share'])} of students change zone from today's "
        f"({summary['zones_today']}). Solver {summary['solver']}: {summary['status']}, gap "
        f"{summary['gap']:.2%}, {summary['seconds']:.1f} s.",
    ]
    ensemble = summary.get("ensemble")
    if ensemble:
        text.append(
            f"{ensemble['zonings']} other contiguous zonings within "
            f"{format_share(ensemble['slack'])} of the shortest travel: V from "
            f"{ensemble['v_min']:.3f} to {ensemble['v_max']:.3f} (mean {ensemble['v_mean']:.3f})."
        )
    kinds = {"school": "text", "capacity": "count", "enrolment": "count",
             "neighborhoods": "count", "student_km": "count", "mean_km": "km",
             "moved_in": "count", "moved_out": "count"}
    kinds.update({c: "share" for c in table.columns if "share" in c or c.startswith("band_")})
    return Section(
        "Attendance zones",
        text,
        [("Zones (one colour per school), schools as dots.", figure)] if figure else [],
        [Table("Each zone", table, kinds)],
        list(files),
    )
