"""Write an assignment's results: GeoPackage layers, CSV tables, a PNG map and a summary."""

from __future__ import annotations

import json
from contextlib import contextmanager
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from matplotlib.cm import ScalarMappable
from matplotlib.collections import LineCollection, PathCollection
from matplotlib.colors import Normalize
from matplotlib.figure import Figure
from matplotlib.path import Path as MplPath

from assignopt.plotting import save_figure
from assignopt.spatial.assign import AssignmentResult
from assignopt.spatial.distance import projected

__all__ = ["paths_by_colour", "plot_assignment", "share_scale", "write_assignment"]


def _layers(result: AssignmentResult, table: pd.DataFrame | None = None):
    """Neighborhoods and schools in the projected CRS the distances were measured in.

    Neighborhoods keep their ids and columns and gain students, group share and assigned
    schools; schools are the school table (``table`` when the caller has it).
    """
    _, schools, _, _ = projected(result.district)
    assigned = result.neighborhoods
    hoods = assigned.to_crs(schools.crs) if assigned.crs != schools.crs else assigned
    groups = result.district.counts().sum(axis=2)
    size = groups.sum(axis=1)
    hoods["students"] = size
    hoods[f"{result.district.groups[0]}_share"] = np.divide(
        groups[:, 0], size, out=np.zeros_like(size), where=size > 0
    )
    table = result.school_table() if table is None else table
    schools = gpd.GeoDataFrame(table, geometry=schools.geometry.to_numpy(), crs=schools.crs)
    return hoods, schools


try:  # Arrow hands whole columns to GDAL at once; without pyarrow pyogrio writes row by row.
    import pyarrow  # noqa: F401

    _BULK: dict = {"engine": "pyogrio", "use_arrow": True}
except ImportError:  # pragma: no cover - pyarrow is an optional speed-up
    _BULK = {}


@contextmanager
def _unsynchronized_sqlite():
    """GDAL writes SQLite files (the GeoPackage) without waiting for each write to reach disk.

    SQLite's ``synchronous=OFF`` halves the GeoPackage's writing time. Every write still
    reaches the operating system, so a crash of this program cannot corrupt the file; only a
    power cut or a system crash in the middle of writing could, and the file is being written
    from scratch. The previous setting is restored afterwards.
    """
    try:
        import pyogrio
    except ImportError:  # pragma: no cover - geopandas then writes through fiona
        yield
        return
    key = "OGR_SQLITE_SYNCHRONOUS"
    previous = pyogrio.get_gdal_config_option(key)
    pyogrio.set_gdal_config_options({key: "OFF"})
    try:
        yield
    finally:
        pyogrio.set_gdal_config_options({key: previous})


def segments(start: np.ndarray, end: np.ndarray) -> np.ndarray:
    """Straight two-point LineStrings from each point in ``start`` to its point in ``end``."""
    if len(start) == 0:
        return np.empty(0, dtype=object)
    coords = np.stack([shapely.get_coordinates(start), shapely.get_coordinates(end)], axis=1)
    return shapely.linestrings(coords)


def polygon_paths(geoms: np.ndarray) -> list[MplPath]:
    """One matplotlib path per (multi)polygon, holes included, for a single collection."""
    rings = _ragged_rings(geoms)
    if rings is None:
        return _polygon_paths_one_by_one(geoms)
    coords, codes, starts, ends = rings
    return [MplPath(coords[a:b], codes[a:b]) for a, b in zip(starts, ends)]


def paths_by_colour(geoms: np.ndarray, colours: np.ndarray) -> tuple[list[MplPath], np.ndarray]:
    """The (multi)polygons of each distinct colour as one compound path, and those colours.

    ``colours`` holds one RGBA row per geometry (e.g. a colormap's, which has 256 colours):
    a map of many neighborhoods is drawn as a few hundred paths instead of one per
    neighborhood, the same picture (every ring filled and outlined as before).
    """
    colours = np.asarray(colours, dtype=float)
    rings = _ragged_rings(geoms)
    if rings is None:
        return _polygon_paths_one_by_one(geoms), colours
    coords, codes, starts, ends = rings
    distinct, group = np.unique(colours, axis=0, return_inverse=True)
    group = group.ravel()
    order = np.argsort(group, kind="stable")
    lengths = (ends - starts)[order]
    # Every geometry's vertices, the geometries in colour order.
    before = np.cumsum(lengths) - lengths
    take = np.repeat(starts[order] - before, lengths) + np.arange(lengths.sum())
    bounds = np.concatenate([[0], np.cumsum(np.bincount(group, weights=ends - starts))])
    bounds = bounds.astype(np.int64).tolist()
    paths = [MplPath(coords[take[a:b]], codes[take[a:b]]) for a, b in zip(bounds[:-1], bounds[1:])]
    return paths, distinct


def _ragged_rings(geoms: np.ndarray):
    """(coordinates, path codes, each geometry's first and end vertex) or None (not polygons)."""
    try:
        _, coords, (ring_offsets, *part_offsets) = shapely.to_ragged_array(
            np.asarray(geoms, dtype=object)
        )
    except (ValueError, TypeError, AttributeError):  # points, lines, missing geometries
        return None
    if coords.shape[1] != 2 or not part_offsets:
        return None
    # Each geometry's rings, as positions into ring_offsets (through the part offsets).
    bounds = part_offsets[-1]
    for inner in reversed(part_offsets[:-1]):
        bounds = inner[bounds]
    codes = np.full(len(coords), MplPath.LINETO, dtype=MplPath.code_type)
    codes[ring_offsets[:-1]] = MplPath.MOVETO
    codes[ring_offsets[1:] - 1] = MplPath.CLOSEPOLY
    return coords, codes, ring_offsets[bounds[:-1]], ring_offsets[bounds[1:]]


def _polygon_paths_one_by_one(geoms) -> list[MplPath]:
    paths = []
    for geom in geoms:
        parts = getattr(geom, "geoms", [geom]) if geom is not None else []
        rings = [
            np.asarray(ring.coords)[:, :2]
            for part in parts
            if not part.is_empty
            for ring in (part.exterior, *part.interiors)
        ]
        paths.append(
            MplPath.make_compound_path(*(MplPath(r, closed=True) for r in rings))
            if rings
            else MplPath(np.empty((0, 2)))
        )
    return paths


def share_scale(shares: np.ndarray, center: float, min_span: float = 0.05) -> tuple[float, float]:
    """A colour range symmetric about ``center`` that spans at least ``+-min_span``.

    Schools whose shares differ from the district's by rounding noise then all take the
    middle colour instead of being stretched to the two ends of the scale.
    """
    shares = np.asarray(shares, float)
    finite = shares[np.isfinite(shares)]
    span = max(min_span, float(np.abs(finite - center).max()) if finite.size else 0.0)
    return center - span, center + span


def plot_assignment(
    result: AssignmentResult, path: str | Path, max_lines: int = 4000, layers=None
) -> Path:
    """Map: neighborhoods shaded by Black share, flows as lines, schools sized by enrolment.

    ``layers`` are the (neighborhoods, schools) frames of ``_layers(result)`` when the caller
    has them already.
    """
    hoods, schools = layers if layers is not None else _layers(result)
    share_col = f"{result.district.groups[0]}_share"
    fig = Figure(figsize=(9, 8))
    ax = fig.add_subplot()
    shade = hoods[share_col].to_numpy(float)
    scale = ScalarMappable(Normalize(float(shade.min()), float(shade.max())), "Purples")
    paths, colours = paths_by_colour(hoods.geometry.to_numpy(), scale.to_rgba(shade))
    areas = PathCollection(paths, facecolors=colours, linewidths=0.2, edgecolors="0.6")
    ax.add_collection(areas, autolim=False)
    xmin, ymin, xmax, ymax = hoods.total_bounds
    ax.update_datalim([(xmin, ymin), (xmax, ymax)])
    ax.set_aspect("equal")
    ax.autoscale_view()
    fig.colorbar(
        scale,
        ax=ax,
        shrink=0.6,
        label=f"{result.district.groups[0]} share of students (neighborhood)",
    )
    origin = hoods.geometry.representative_point()
    school_pts = schools.geometry.representative_point()
    n_idx, s_idx, weight = result.assigned.arcs.pairs(1e-6)  # classes summed
    keep = np.argsort(-weight)[:max_lines]
    n_idx, s_idx, weight = n_idx[keep], s_idx[keep], weight[keep]
    segments = np.stack(
        [
            np.column_stack([origin.x.to_numpy()[n_idx], origin.y.to_numpy()[n_idx]]),
            np.column_stack([school_pts.x.to_numpy()[s_idx], school_pts.y.to_numpy()[s_idx]]),
        ],
        axis=1,
    )
    if weight.size:  # none when max_lines is 0
        ax.add_collection(
            LineCollection(
                segments,
                linewidths=0.3 + 2.5 * weight / weight.max(),
                colors="C1",
                alpha=0.5,
                label="assignment flows",
            )
        )
    enrol = schools["enrolment"].to_numpy()
    poor = result.district.classes[0]
    counts = result.district.counts()
    district_share = counts[:, :, 0].sum() / max(counts.sum(), 1e-12)
    vmin, vmax = share_scale(schools[f"share_{poor}"].to_numpy(), district_share)
    dots = ax.scatter(
        school_pts.x,
        school_pts.y,
        s=20 + 300 * enrol / max(enrol.max(), 1),
        c=schools[f"share_{poor}"],
        cmap="coolwarm",
        vmin=vmin,
        vmax=vmax,
        edgecolor="k",
        linewidth=0.6,
        zorder=5,
        label=f"schools (size: enrolment, colour: {poor} share)",
    )
    fig.colorbar(
        dots,
        ax=ax,
        shrink=0.6,
        location="bottom",
        pad=0.02,
        label=f"{poor} share of each school's students (district {district_share:.1%} at "
        "the centre)",
    )
    s = result.summary()
    ax.set_title(
        f"{result.policy.describe()}\nV: residential {s['v_residential']:.3f}, nearest school "
        f"{s['v_nearest']:.3f}, balanced assignment {s['v_assigned']:.3f}; mean "
        f"{s['mean_km']:.1f} km",
        fontsize=9,
    )
    ax.set_axis_off()
    ax.legend(loc="lower left", fontsize=8)
    save_figure(fig, path, dpi=130)
    return Path(path)


def write_assignment(
    result: AssignmentResult, out_dir: str | Path, *, school_table: pd.DataFrame | None = None
) -> dict[str, Path]:
    """Write every result file of an assignment into ``out_dir``.

    Files: ``assignment.gpkg`` (layers neighborhoods, with each neighborhood's id and
    assigned school(s) and shares; schools; flows, keyed by neighborhood id and school name),
    ``schools.csv``, ``flows.csv``, ``map.png``, ``summary.json`` and ``summary.md``.
    ``school_table`` is the result's ``school_table()`` when the caller has it already.
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    hoods, schools = _layers(result, school_table)
    flows = result.flow_table()
    n_idx, _, s_idx = result.flow_positions()
    origin = hoods.geometry.representative_point().to_numpy()
    dest = schools.geometry.representative_point().to_numpy()
    lines = gpd.GeoDataFrame(
        flows,
        geometry=segments(origin[n_idx], dest[s_idx]),
        crs=hoods.crs,
    )
    paths = {
        "geopackage": out / "assignment.gpkg",
        "schools_csv": out / "schools.csv",
        "flows_csv": out / "flows.csv",
        "map": out / "map.png",
        "summary_json": out / "summary.json",
        "summary_md": out / "summary.md",
    }
    paths["geopackage"].unlink(missing_ok=True)
    with _unsynchronized_sqlite():
        for layer, frame in (("neighborhoods", hoods), ("schools", schools), ("flows", lines)):
            frame.to_file(paths["geopackage"], layer=layer, driver="GPKG", **_BULK)
    schools.drop(columns="geometry").to_csv(paths["schools_csv"], index=False)
    flows.to_csv(paths["flows_csv"], index=False)
    plot_assignment(result, paths["map"], layers=(hoods, schools))
    summary = result.summary()
    paths["summary_json"].write_text(json.dumps(summary, indent=2, default=float))
    paths["summary_md"].write_text(_markdown(summary))
    return paths


def _markdown(s: dict) -> str:
    possible = s.get("possible") or {}
    rows = [
        "# Assignment summary",
        "",
        f"Policy: {s['policy']}.",
        "",
        f"{s['students']:,.0f} students in {s['neighborhoods']} neighborhoods, "
        f"{s['schools']} schools; distances {s['distances']['method']} in "
        f"{s['distances']['crs']}"
        + (
            f" (projected from {s['distances']['projected_from']})"
            if s["distances"]["projected_from"]
            else ""
        )
        + ".",
        "",
        "| pattern | V | D | H | mean km | median km | 95th pct km | not at nearest school |",
        "|---|---|---|---|---|---|---|---|",
        f"| residential (neighborhoods) | {s['indices']['residential']['V']:.4f} | "
        f"{s['indices']['residential']['D']:.4f} | {s['indices']['residential']['H']:.4f} "
        "| | | | |",
    ]
    for key, label in (
        ("nearest", "nearest school, capacities"),
        ("assigned", "income-balanced, minimum transport"),
    ):
        i, t = s["indices"][key], s["travel"][key]
        rows.append(
            f"| {label} | {i['V']:.4f} | {i['D']:.4f} | {i['H']:.4f} | "
            f"{t['mean_km']:.2f} | {t['median_km']:.2f} | {t['p95_km']:.2f} | "
            f"{t['share_not_nearest']:.1%} |"
        )
    if possible:
        rows += [
            "",
            f"Possible V under this policy (Black and White students, any number of "
            f"schools): between {possible['v_min']:.4f} and {possible['v_max']:.4f} "
            f"({possible['method']}).",
        ]
    rows += [
        "",
        f"Solver: {s['solver']}, status {s['status']}, {s['seconds']:.2f} s; "
        f"total {s['objective_km']:,.0f} student-km; optimality gap {s['gap']:.2%}."
        + (
            " Stopped at the time limit: the best assignment found, not proven optimal."
            if s["status"] == "time_limit"
            else ""
        ),
        "",
        "![map](map.png)",
    ]
    for note in s.get("notes", []):
        rows.append(f"\nNote: {note}")
    return "\n".join(rows) + "\n"
