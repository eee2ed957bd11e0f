"""A report's content built from assignment results: headline, findings, map, policy sections.

These functions read results (:class:`~assignopt.spatial.assign.AssignmentResult`) and the
files written for them, and return report parts; they compute nothing new about segregation.
A scenario run and a single ``assign`` run both call :func:`assignment_report`.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from assignopt.report.format import (
    format_count,
    format_counts,
    format_index,
    format_km,
    format_share,
    format_shares,
    format_tolerance,
)
from assignopt.report.page import MapLayers, Report, Section, Table, write_report

if TYPE_CHECKING:
    from assignopt.spatial.assign import AssignmentResult
    from assignopt.spatial.district import District

__all__ = [
    "CHOICE_COLUMN",
    "QUESTION",
    "assignment_findings",
    "assignment_headline",
    "assignment_map",
    "assignment_report",
    "assignment_sections",
    "choice_cell",
    "choice_figure",
    "choice_findings",
    "choice_model_section",
    "choice_report",
    "choice_section",
    "choice_sections",
    "preference_words",
    "write_assignment_report",
    "write_choice_report",
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
        over = s.get("v_assigned_split_range")
        if over:
            # The assigned V over every race x class split with the neighborhoods' margins.
            row["V probable, split min"] = over["v_low"]
            row["V probable, split max"] = over["v_high"]
            row["V probable, split max bound"] = over["v_high_bound"]
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
        if "V probable, split min" in row and pd.notna(row["V probable, split min"]):
            low, high = row["V probable, split min"], row["V probable, split max"]
            bound = row["V probable, split max bound"]
            top = (
                f"{high:.3f}"
                if bound - high < 5e-4
                else f"at least {high:.3f} and at most {bound:.3f}"
            )
            text += (
                f" with the race x income split as given, {low:.3f} to {top} over every "
                "split consistent with the neighborhoods' race totals and income totals"
            )
        if "V possible max" in row and pd.notna(row["V possible max"]):
            text += (
                f"; possible between {row['V possible min']:.3f} and {row['V possible max']:.3f}"
            )
        findings.append(text + f"; mean travel {row['mean km']:.2f} km.")
    return findings


def school_table(result: AssignmentResult, frame: pd.DataFrame | None = None) -> Table:
    """The schools under the result's assignment, with how each column is written.

    ``frame`` is the result's ``school_table()`` when the caller has it already.
    """
    frame = result.school_table() if frame is None else frame
    d = result.district
    kinds = {"name": "text", "capacity": "count", "enrolment": "count"}
    kinds.update({d.column(g, c): "count" for g in d.groups for c in d.classes})
    kinds["enrolment_nearest"] = "count"
    kinds.update({c: "share" for c in frame.columns if "share" in c})
    return Table(f"Schools under the policy {policy_name(result)}", frame, kinds)


def assignment_sections(
    results: Sequence[AssignmentResult],
    files: Sequence[Mapping[str, Path]],
    *,
    school_tables: Sequence[pd.DataFrame] | None = None,
) -> list[Section]:
    """One section per result: its static map, its schools table and its files.

    ``files`` holds, for each result, the paths :func:`assignopt.spatial.output.write_assignment`
    returned (``map`` is shown as a figure; every path is linked); ``school_tables`` each
    result's ``school_table()`` when the caller has them already.
    """
    sections = []
    tables = _school_tables(results, school_tables)
    for result, paths, frame in zip(results, files, tables, strict=True):
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
                [school_table(result, frame)],
                list(paths.values()),
            )
        )
    return sections


#: Decimals of the map's longitudes and latitudes: 1e-6 degrees is about 0.1 m, far below
#: the 25 m the neighborhoods are simplified to, and halves the page's coordinate text.
MAP_DECIMALS = 6


def _features(geometry, crs, properties: Sequence[dict]) -> dict:
    """A GeoJSON FeatureCollection in EPSG:4326 of ``geometry`` with ``properties``.

    Coordinates are rounded to :data:`MAP_DECIMALS` decimals; features carry no bounding box
    of their own (the collection's ``bbox`` covers them all).
    """
    import geopandas as gpd
    import shapely

    series = gpd.GeoSeries(geometry, crs=crs).to_crs("EPSG:4326")
    geoms = series.to_numpy()
    properties = list(properties)
    if len(geoms) != len(properties):
        raise ValueError("one set of properties per geometry")
    if len(geoms) == 0 or shapely.is_missing(geoms).any() or shapely.is_empty(geoms).any():
        # The general (slower) path keeps GeoPandas' own output for these edge cases.
        layer = json.loads(series.to_json())
        for feature, props in zip(layer["features"], properties, strict=True):
            feature.pop("id", None)
            feature.pop("bbox", None)
            feature["properties"] = props
        return layer
    return {
        "type": "FeatureCollection",
        "features": [
            {"type": "Feature", "properties": props, "geometry": geom}
            for geom, props in zip(_geojson_geometries(geoms), properties)
        ],
        "bbox": series.total_bounds.tolist(),
    }


def _geojson_geometries(geoms: np.ndarray) -> list[dict]:
    """GeoJSON geometries of non-empty shapely geometries, built a geometry type at a time.

    Points, lines, polygons and multipolygons go through one ragged coordinate array per type
    (one ``tolist`` for all their coordinates, then list slices); other types through
    ``shapely.geometry.mapping``.
    """
    import shapely

    out: list = [None] * len(geoms)
    kinds = shapely.get_type_id(geoms)
    for kind, name in ((0, "Point"), (1, "LineString"), (3, "Polygon"), (6, "MultiPolygon")):
        where = np.flatnonzero(kinds == kind)
        if where.size == 0:
            continue
        _, coords, offsets = shapely.to_ragged_array(geoms[where])
        nested = np.round(coords, MAP_DECIMALS).tolist()
        # Each level of offsets groups the level below: coordinates into rings (or lines),
        # rings into polygons, polygons into multipolygons.
        for level in offsets:
            bounds = level.tolist()
            nested = [nested[a:b] for a, b in zip(bounds[:-1], bounds[1:])]
        for i, coordinates in zip(where.tolist(), nested):
            out[i] = {"type": name, "coordinates": coordinates}
    for i in np.flatnonzero(~np.isin(kinds, (0, 1, 3, 6))).tolist():
        out[i] = json.loads(json.dumps(shapely.geometry.mapping(geoms[i])))
    return out


def _flow_layer(result: AssignmentResult, origin: np.ndarray, dest: np.ndarray, crs, lines: int):
    from assignopt.spatial.output import segments

    n, s, weight = result.assigned.arcs.pairs(1e-6)  # classes summed
    keep = np.argsort(-weight, kind="stable")[:lines]
    n, s, weight = n[keep], s[keep], weight[keep]
    widths = 0.5 + 4.5 * weight / max(weight.max(), 1e-12) if weight.size else []
    return _features(
        segments(origin[n], dest[s]),
        crs,
        [{"weight": float(w)} for w in widths],
    )


def _school_tables(
    results: Sequence[AssignmentResult], tables: Sequence[pd.DataFrame] | None
) -> list[pd.DataFrame]:
    """Each result's school table: the ones given, or computed."""
    if tables is None:
        return [r.school_table() for r in results]
    if len(tables) != len(results):
        raise ValueError("one school table per result")
    return list(tables)


def _school_layer(result: AssignmentResult, table: pd.DataFrame, points, crs) -> dict:
    d = result.district
    enrol = table["enrolment"].to_numpy(float)
    poor, group = d.classes[0], d.groups[0]
    lines = _rows(
        [
            f"{e} students of {c} seats"
            for e, c in zip(*map(format_counts, (enrol, table["capacity"])))
        ],
        [f"{poor}: {p}" for p in format_shares(table[f"share_{poor}"])],
        [f"{group}: {b}" for b in format_shares(table[f"{group}_share"])],
    )
    radius = (4 + 12 * np.sqrt(enrol / max(enrol.max(), 1))).tolist()
    return _features(
        points,
        crs,
        [
            {"id": str(name), "radius": r, "lines": text}
            for name, r, text in zip(table["name"], radius, lines)
        ],
    )


def _rows(*columns: list[str]) -> list[list[str]]:
    """Tooltip lines of each feature from columns of text, one list per feature."""
    return [list(row) for row in zip(*columns)]


def assignment_map(
    results: Sequence[AssignmentResult],
    max_lines: int = 1500,
    *,
    school_tables: Sequence[pd.DataFrame] | None = None,
) -> MapLayers:
    """The interactive map's layers, built from one district's results (one per policy).

    Neighborhoods are shaded by the first group's share of their students; each policy's layer
    holds its schools (sized by enrolment) and its largest ``max_lines`` flows.
    ``school_tables`` are each result's ``school_table()`` when the caller has them already.
    """
    from assignopt.spatial.distance import projected

    district = results[0].district
    hoods, schools, _, _ = projected(district)
    counts = district.counts()
    by_group = counts.sum(axis=2)
    size = by_group.sum(axis=1)
    share = np.divide(by_group[:, 0], size, out=np.zeros_like(size), where=size > 0)
    group, poor = district.groups[0], district.classes[0]
    lines = _rows(
        [f"{t} students" for t in format_counts(size)],
        *(
            [f"{g}: {c}" for c in format_counts(by_group[:, m])]
            for m, g in enumerate(district.groups)
        ),
        [f"{poor}: {p}" for p in format_counts(counts[:, :, 0].sum(axis=1))],
        [f"{group} share: {v}" for v in format_shares(share)],
    )
    values = np.where(size > 0, share, np.nan).tolist()
    # Simplified to 25 m (the layers are projected, in metres): a lighter page, same picture.
    layer = _features(
        hoods.geometry.simplify(25).to_numpy(),
        hoods.crs,
        [
            {"id": i, "value": None if v != v else v, "lines": text}  # NaN: no students
            for i, v, text in zip(neighborhood_ids(district), values, lines)
        ],
    )
    origin = hoods.geometry.representative_point().to_numpy()
    points = schools.geometry.representative_point().to_numpy()
    policies = [
        {
            "name": f"tolerance {policy_name(r)}",
            "schools": _school_layer(r, table, points, schools.crs),
            "flows": _flow_layer(r, origin, points, hoods.crs, max_lines),
        }
        for r, table in zip(results, _school_tables(results, school_tables))
    ]
    return MapLayers(
        layer,
        policies,
        f"{group} share of each neighborhood's students",
        float(share.max()) if share.size else 1.0,
    )


def policy_bars(headline: pd.DataFrame, path: str | Path) -> Path:
    """Bar chart of V by policy (residential, nearest, reassignment, probable, possible)."""
    from matplotlib.figure import Figure

    from assignopt.plotting import save_figure

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
    save_figure(fig, path, dpi=140)
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
    school_tables: Sequence[pd.DataFrame] | None = None,
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
    school_tables : sequence of pandas.DataFrame, optional
        Each result's ``school_table()``, when the caller has them already.

    Returns
    -------
    Report
        Ready for :func:`~assignopt.report.write_report` into ``out_dir``.
    """
    if not results:
        raise ValueError("assignment_report needs at least one result")
    tables = _school_tables(results, school_tables)
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
        assignment_map(results, school_tables=tables) if interactive_map else None,
        list(notes),
        assignment_sections(results, files, school_tables=tables),
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


# --- controlled choice ------------------------------------------------------------------------
# These read a ChoiceResult (assignopt.workflows.choice), typed Any here because that module
# imports this one to write its report.

CHOICE_QUESTION = (
    "If families rank schools and a lottery with income-class seats assigns them (controlled "
    "choice), how much racial segregation (normalized exposure V of {b} and {w} students) "
    "probably remains, beside the nearest school and a travel-minimizing assignment under the "
    "same income band?"
)

CHOICE_SOURCES = (
    "Where the defaults come from: they are judgements informed by discrete-choice studies of "
    "families' submitted school rankings, not estimates for this district. Hastings, Kane and "
    "Staiger (2005, 'Parental preferences and school competition', NBER w11805; "
    "Charlotte-Mecklenburg) find that parents value proximity highly and that preferences vary "
    "widely even among families of the same income, achievement and race; Pathak and Shi "
    "(2014, 'Demand modeling, forecasting, and counterfactuals, part I', arXiv 1401.7359) "
    "forecast Boston's choice plan from such demand models; a study of magnet applications in "
    "a Florida district (Journal of School Choice 13(2), 2019) finds distance, academic "
    "quality, theme and the share of the applicant's own race the strongest factors. The "
    "own-group term is off by default because its size is the most contested and "
    "district-specific quantity."
)


def _by_group(values: Mapping[str, float], unit: str = "") -> str:
    distinct = set(values.values())
    if len(distinct) == 1:
        return f"{next(iter(distinct)):g}{unit} for every group"
    return ", ".join(f"{g} {v:g}{unit}" for g, v in values.items())


def preference_words(used: Mapping) -> list[str]:
    """The families' preference model in plain words, with the defaults' sources.

    ``used`` is the dict :func:`assignopt.workflows.preferences.logit_preferences` returns.
    """
    beta = used["distance_coefficient"]
    gamma = used["own_group_share_coefficient"]
    sigma = used["noise_scale"]
    defaults = set(used.get("defaults", ()))

    def said(name: str) -> str:
        return " (default)" if name in defaults else ""

    text = [
        "Families rank schools by a logit random-utility model: a school's utility falls by "
        "beta per kilometre of travel, plus a school effect, plus gamma times the school's "
        "share of the family's own group, plus a Gumbel taste shock of scale sigma.",
        f"Distance coefficient beta: {_by_group(beta, ' per km')}{said('distance_coefficient')}.",
    ]
    beta_one = next(iter(beta.values()))
    if sigma > 0 and len(set(beta.values())) == 1:
        farther = 1 / (1 + math.exp(2 * beta_one / sigma))
        text[-1] += (
            f" Of two otherwise equal schools 2 km apart, {format_share(farther)} of families "
            "prefer the farther one."
        )
    if any(g != 0 for g in gamma.values()):
        text.append(
            f"Own-group share coefficient gamma: {_by_group(gamma)}; the share families see "
            "at each school is its share under the nearest-school assignment."
        )
    else:
        text.append(
            f"Own-group share coefficient gamma: 0, off{said('own_group_share_coefficient')}."
        )
    effects = used["school_effects"]
    if effects:
        parts = [
            f"{group}: " + ", ".join(f"{school} {e:+g}" for school, e in table.items())
            for group, table in effects.items()
        ]
        text.append("School effects (utility units): " + "; ".join(parts) + ".")
    else:
        text.append("School effects: none, every school equally attractive (default).")
    text.append(
        f"Taste shock scale sigma = {sigma:g}{said('noise_scale')}"
        + (" (the logit normalization)." if sigma == 1 else ".")
    )
    k = used.get("list_length")
    text.append(
        "Each family ranks every school."
        if k is None
        else f"Each family ranks its {k} favourite schools."
    )
    text.append(CHOICE_SOURCES)
    return text


_RESERVE_WORDS = {
    "band": "Under the band each school has hard quotas: at most (pi + d) of its seats for poor "
    "and at most (1 - pi + d) for nonpoor students, pi being the district's poverty rate "
    "(controlled choice; Abdulkadiroglu and Sonmez 2003).",
    "minimum": "A share (pi - d) of each school's seats is reserved for poor students, pi being "
    "the district's poverty rate, and reverts to everyone when unfilled (minority reserves; "
    "Hafalir, Yenmez and Yildirim 2013).",
    "none": "No income rule: plain deferred acceptance.",
}


def mechanism_words(reserve: str) -> str:
    """The lottery and its income rules in plain words."""
    return (
        "Student-proposing deferred acceptance with one district lottery; every school's seats "
        f"are its capacity scaled to the district's students. {_RESERVE_WORDS[reserve]}"
    )


def _fallback_words(s: Mapping) -> str:
    text = (
        "Students the lottery left without a school went to the nearest school with room for "
        f"their income class: {format_count(s['placed_by_fallback'])} a draw on average."
    )
    if s["reserve"] == "band":
        text += (
            " A school that did not fill and fell outside the band gave up students (those "
            "placed by the fallback first, then the worst lottery numbers); they are counted "
            f"unassigned ({format_count(s['removed_for_band'])} a draw on average), never "
            "placed in violation of the band."
        )
    return text + (
        f" Unassigned students: {format_count(s['unassigned'])} a draw on average (at most "
        f"{format_count(s['unassigned_max'])}); they are left out of V, D and H."
    )


def choice_figure(result: Any, path: str | Path) -> Path:
    """V in every draw (histogram) beside the nearest-school and minimum-travel V."""
    from matplotlib.figure import Figure

    from assignopt.plotting import save_figure

    s = result.to_dict()
    v = result.summary.v
    fig = Figure(figsize=(7.5, 3.6))
    ax = fig.add_subplot()
    ax.axvspan(s["v_p05"], s["v_p95"], color="#3b6fb6", alpha=0.12, label="choice, 5-95%")
    ax.hist(
        v,
        bins=min(30, max(5, v.size // 3)),
        color="#3b6fb6",
        alpha=0.8,
        label=f"controlled choice ({v.size} draws)",
    )
    ax.axvline(s["v_mean"], color="#1d3f73", lw=2, label="choice, mean")
    ax.axvline(s["v_nearest"], color="#c0392b", lw=2, ls="--", label="nearest school")
    ax.axvline(s["v_min_travel"], color="#27864a", lw=2, ls=":", label="minimum travel")
    ax.set_xlabel("normalized exposure V")
    ax.set_ylabel("draws")
    ax.set_title(f"tolerance {format_tolerance(s['tolerance'])}, reserve {s['reserve']}")
    ax.legend(fontsize=7, loc="upper center", bbox_to_anchor=(0.5, -0.22), ncol=3)
    ax.grid(axis="y", alpha=0.3)
    save_figure(fig, path, dpi=140)
    return Path(path)


_COMPARISON_KINDS = {"assignment": "text", "unassigned students": "count"}


def _school_range_table(result: Any) -> Table:
    frame = result.school_summary()
    keep = [
        "school",
        "seats",
        "enrolment_min",
        "enrolment_max",
        "poverty_min",
        "poverty_max",
        "poverty_nearest",
        "poverty_min_travel",
    ]
    b = result.district.groups[0]
    keep += [f"{b}_share_min", f"{b}_share_max"]
    kinds = {"school": "text", "seats": "count", "enrolment_min": "count"}
    kinds.update({"enrolment_max": "count", f"{b}_share_min": "share", f"{b}_share_max": "share"})
    return Table("Each school over the draws: enrolment and composition range", frame[keep], kinds)


def choice_section(result: Any, files: Mapping[str, Path], title: str) -> Section:
    """One policy's lotteries: the numbers, the fallback, the figure and the tables."""
    s = result.to_dict()
    return Section(
        title,
        [
            f"{format_count(s['draws'])} lotteries (seed {s['seed']}) of "
            f"{format_count(s['students'])} students, reserve form '{s['reserve']}'. V "
            f"{format_index(s['v_mean'])} on average (5-95%: {format_index(s['v_p05'])} to "
            f"{format_index(s['v_p95'])}); nearest school {format_index(s['v_nearest'])}, "
            f"minimum travel {format_index(s['v_min_travel'])}. "
            f"{format_share(s['first_choice_share'])} of students got their first choice, "
            f"{format_share(s['top3_share'])} one of their first three; mean travel "
            f"{format_km(s['mean_km'])} km; {format_count(s['unfilled_reserve_seats'])} seats "
            "meant for poor students went unfilled a draw on average.",
            _fallback_words(s),
        ],
        [
            (
                "V of every lottery beside the nearest-school and minimum-travel assignments.",
                files["figure"],
            )
        ]
        if "figure" in files
        else [],
        [
            Table(
                "Controlled choice beside the other assignments",
                result.comparison(),
                _COMPARISON_KINDS,
            ),
            _school_range_table(result),
        ],
        [p for k, p in files.items() if k != "report"],
    )


def choice_model_section(result: Any) -> Section:
    """What every lottery assumed: the families' preferences and the mechanism."""
    return Section(
        "Controlled choice: the model",
        [*preference_words(result.preferences), mechanism_words(result.problem.reserve)],
    )


def choice_cell(result: Any) -> str:
    """The headline cell of one policy's lotteries: ``mean [p05-p95]`` of V."""
    s = result.to_dict()
    return f"{format_index(s['v_mean'])} [{format_index(s['v_p05'])}-{format_index(s['v_p95'])}]"


#: The headline column a scenario's ``[choice]`` table adds.
CHOICE_COLUMN = "V under controlled choice (mean [5-95%])"


def choice_report(result: Any, files: Mapping[str, Path], title: str) -> Report:
    """The page of one ``choice`` run."""
    s = result.to_dict()
    b, w = s["pair"]
    comparison = result.comparison()
    return Report(
        title,
        CHOICE_QUESTION.format(b=b, w=w),
        f"{policy_words([s['tolerance']])} Income-class seats of the lottery: "
        f"'{s['reserve']}' (see the model below).",
        comparison,
        [
            f"Controlled choice: V = {format_index(s['v_mean'])} on average over "
            f"{format_count(s['draws'])} lotteries (5-95%: {format_index(s['v_p05'])} to "
            f"{format_index(s['v_p95'])}).",
            f"Nearest school with room: V = {format_index(s['v_nearest'])}; minimum travel "
            f"under the band: V = {format_index(s['v_min_travel'])}.",
            f"Residential segregation: V = {format_index(s['v_residential'])}.",
        ],
        notes=list(result.notes),
        sections=[
            choice_model_section(result),
            choice_section(
                result, files, f"Lotteries at tolerance {format_tolerance(s['tolerance'])}"
            ),
        ],
        headline_kinds=_COMPARISON_KINDS,
    )


def write_choice_report(
    result: Any,
    files: Mapping[str, Path],
    out_dir: str | Path,
    title: str = "Controlled choice with income reserves",
) -> Path:
    """Write ``out_dir/report.html`` for one ``choice`` run and return its path."""
    return write_report(choice_report(result, files, title), Path(out_dir) / "report.html")


def choice_findings(results: Sequence[Any]) -> list[str]:
    """One sentence per policy's lotteries, for a scenario's findings."""
    out = []
    for result in results:
        s = result.to_dict()
        out.append(
            f"Tolerance {format_tolerance(s['tolerance'])}: under controlled choice "
            f"('{s['reserve']}' seats, {format_count(s['draws'])} lotteries) V = "
            f"{format_index(s['v_mean'])} on average (5-95%: {format_index(s['v_p05'])} to "
            f"{format_index(s['v_p95'])})."
        )
    return out


def choice_sections(results: Sequence[Any], files: Sequence[Mapping[str, Path]]) -> list[Section]:
    """The model (once) and one section per policy's lotteries, for a scenario's report."""
    if not results:
        return []
    return [
        choice_model_section(results[0]),
        *(
            choice_section(r, f, f"Controlled choice at tolerance {format_tolerance(r.tolerance)}")
            for r, f in zip(results, files, strict=True)
        ),
    ]


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
    kinds = {
        "school": "text",
        "capacity": "count",
        "enrolment": "count",
        "neighborhoods": "count",
        "student_km": "count",
        "mean_km": "km",
        "moved_in": "count",
        "moved_out": "count",
    }
    kinds.update({c: "share" for c in table.columns if "share" in c or c.startswith("band_")})
    return Section(
        "Attendance zones",
        text,
        [("Zones (one colour per school), schools as dots.", figure)] if figure else [],
        [Table("Each zone", table, kinds)],
        list(files),
    )
