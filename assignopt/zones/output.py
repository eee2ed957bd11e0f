"""Write a zoning: GeoPackage (neighborhoods with their zone, dissolved zones), CSV, map, page."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

__all__ = ["plot_zones", "write_zones", "zone_layers", "zone_table"]


def zone_table(result: Any) -> pd.DataFrame:
    """Per zone: capacity, enrolment, students by group and class, poverty share and band.

    Also the first group's share, neighborhoods, student-km and mean km, and students moved in
    and out (against today's zones).
    """
    d, p, zone = result.district, result.problem, result.zoning.zone
    counts = d.counts()
    s = len(d.schools)
    size = p.size
    frame = pd.DataFrame({"school": list(d.school_names), "capacity": d.capacity})
    frame["neighborhoods"] = np.bincount(zone, minlength=s)
    enrol = np.bincount(zone, weights=size, minlength=s)
    frame["enrolment"] = enrol
    for m, g in enumerate(d.groups):
        for k, c in enumerate(d.classes):
            frame[f"{g}_{c}"] = np.bincount(zone, weights=counts[:, m, k], minlength=s)
    safe = np.maximum(enrol, 1e-12)
    poor = d.classes[0]
    frame[f"share_{poor}"] = (
        np.bincount(zone, weights=counts[:, :, 0].sum(axis=1), minlength=s) / safe
    )
    if p.bands:
        frame["band_lower"] = p.bands[0][1]
        frame["band_upper"] = p.bands[0][2]
    frame[f"{d.groups[0]}_share"] = (
        np.bincount(zone, weights=counts[:, 0, :].sum(axis=1), minlength=s) / safe
    )
    student_km = p.km[np.arange(zone.size), zone] * size
    frame["student_km"] = np.bincount(zone, weights=student_km, minlength=s)
    frame["mean_km"] = frame["student_km"] / safe
    frame["moved_in"] = np.bincount(zone, weights=size * (result.today != zone), minlength=s)
    frame["moved_out"] = np.bincount(
        result.today, weights=size * (result.today != zone), minlength=s
    )
    return frame


def zone_layers(result: Any) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    """The two layers of ``zones.gpkg``.

    The neighborhoods as read plus ``zone`` (the school's name) and ``zone_today``; one
    dissolved polygon per zone with the per-zone table's columns.
    """
    d = result.district
    names = np.asarray(d.school_names, dtype=object)
    hoods = d.neighborhoods.copy()
    hoods["zone"] = names[result.zoning.zone]
    hoods["zone_today"] = names[result.today]
    table = zone_table(result)
    dissolved = hoods[["zone", "geometry"]].dissolve(by="zone").reset_index()
    zones = gpd.GeoDataFrame(
        table.merge(dissolved, left_on="school", right_on="zone", how="left").drop(columns="zone"),
        geometry="geometry",
        crs=hoods.crs,
    )
    return hoods, zones


def plot_zones(result: Any, hoods: gpd.GeoDataFrame, zones: gpd.GeoDataFrame, path: Path) -> Path:
    """Map: neighborhoods coloured by zone, zone outlines, schools as dots."""
    fig = Figure(figsize=(9, 8))
    ax = fig.add_subplot()
    # Adjacent zones in different colours (a greedy colouring of the zones' graph).
    import networkx as nx
    from matplotlib import colormaps

    zone = result.zoning.zone
    edges = result.problem.edges
    between = zone[edges[:, 0]] != zone[edges[:, 1]]
    graph = nx.Graph()
    graph.add_nodes_from(range(len(result.district.schools)))
    graph.add_edges_from(zip(zone[edges[between, 0]].tolist(), zone[edges[between, 1]].tolist()))
    colour = nx.greedy_color(graph, strategy="largest_first")
    palette = colormaps["Set3"].colors
    hoods.plot(
        ax=ax,
        color=[palette[colour[int(z)] % len(palette)] for z in zone],
        linewidth=0.1,
        edgecolor="0.8",
    )
    zones.boundary.plot(ax=ax, color="k", linewidth=0.8)
    schools = result.district.schools.to_crs(hoods.crs)
    points = schools.geometry.representative_point()
    ax.scatter(points.x, points.y, s=18, c="k", marker="^", zorder=5, label="schools")
    s = result.to_dict()
    ax.set_title(
        f"Attendance zones ({s['policy']})\nV: residential {s['v_residential']:.3f}, "
        f"nearest school {s['v_nearest']:.3f}, min-travel LP {s['v_lp']:.3f}, "
        f"zones {s['v_zoned']:.3f}; "
        f"{s['status']}, gap {s['gap']:.2%}",
        fontsize=9,
    )
    ax.set_axis_off()
    ax.legend(loc="lower left", fontsize=8)
    FigureCanvasAgg(fig)
    fig.savefig(path, dpi=130, bbox_inches="tight")
    return Path(path)


def write_zones(result: Any, out: Path) -> dict[str, Path]:
    """Write a zoning's files into ``out``; returns them by kind.

    ``zones.gpkg`` (layers ``neighborhoods`` and ``zones``), ``zones.csv``, ``zones.png``,
    ``summary.json`` and ``report.html``.
    """
    from assignopt.report.page import Report, write_report
    from assignopt.report.sections import QUESTION, zones_section

    out.mkdir(parents=True, exist_ok=True)
    paths = {
        "geopackage": out / "zones.gpkg",
        "zones_csv": out / "zones.csv",
        "map": out / "zones.png",
        "summary_json": out / "summary.json",
    }
    hoods, zones = zone_layers(result)
    paths["geopackage"].unlink(missing_ok=True)
    hoods.to_file(paths["geopackage"], layer="neighborhoods", driver="GPKG")
    zones.to_file(paths["geopackage"], layer="zones", driver="GPKG")
    zones.drop(columns="geometry").to_csv(paths["zones_csv"], index=False)
    plot_zones(result, hoods, zones, paths["map"])
    summary = result.to_dict()
    summary.pop("files", None)
    paths["summary_json"].write_text(json.dumps(summary, indent=2, default=float))
    possible = summary.get("possible") or {}
    headline = pd.DataFrame(
        [
            {
                "pattern": "residential",
                "V": summary["indices"]["residential"]["V"],
                "D": summary["indices"]["residential"]["D"],
                "H": summary["indices"]["residential"]["H"],
            },
            {"pattern": "nearest school", **summary["indices"]["nearest"]},
            {"pattern": "min-travel LP (probable)", **summary["indices"]["lp"]},
            {"pattern": "contiguous zones", **summary["indices"]["zoned"]},
        ]
        + ([{"pattern": "possible maximum", "V": possible["v_max"]}] if possible else [])
    )[["pattern", "V", "D", "H"]]
    section = zones_section(
        summary,
        zones.drop(columns="geometry"),
        paths["map"],
        [paths[k] for k in ("geopackage", "zones_csv", "summary_json")],
    )
    report = Report(
        "Attendance zones under an income band",
        QUESTION,
        summary["policy"],
        headline,
        section.paragraphs[:1],
        sections=[section],
        notes=summary["notes"],
        headline_kinds={"pattern": "text", "V": "index", "D": "index", "H": "index"},
    )
    paths["report"] = write_report(report, out / "report.html")
    return paths
