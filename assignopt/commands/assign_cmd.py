"""``assignopt assign``: income-balanced minimum-transport assignment of a district."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from assignopt.commands.common import (
    build_request,
    computing,
    district_source_options,
    emit_json,
    execute,
    out_option,
    tolerance_option,
    travel_cap_options,
)
from assignopt.solver_names import ASSIGNMENT_SOLVERS


@click.command()
@district_source_options
@tolerance_option
@click.option(
    "--solver",
    type=click.Choice(ASSIGNMENT_SOLVERS),
    default="highs",
    show_default=True,
    help="With highs, districts beyond 50,000 neighborhood-school pairs go to the OR-Tools "
    "min-cost flow when they are a network (the 'fast' extra), else (a band with spare seats, "
    "or no OR-Tools) to the HiGHS LP solved over levels of clustered neighborhoods.",
)
@click.option(
    "--fixed-enrolment",
    is_flag=True,
    help="Every school enrols exactly its capacity (capacities must sum to enrolment).",
)
@click.option(
    "--integer",
    is_flag=True,
    help="Send each neighborhood whole to one school (a MILP; its gap is reported).",
)
@travel_cap_options
@click.option(
    "--time-limit",
    type=float,
    help="Seconds per solver call (600 by default; whole-neighborhood MILPs 120).",
)
@click.option(
    "--split-range",
    is_flag=True,
    help="Also report the assigned V's range over every race x income split consistent with "
    "each neighborhood's race totals and income totals (for data without the crosstab).",
)
@click.option(
    "--split-time-limit",
    type=float,
    default=60.0,
    show_default=True,
    help="Seconds for the split range's maximum (a certified bracket when it runs out).",
)
@click.option(
    "--points",
    type=click.Choice(["representative", "centroid"]),
    default="representative",
    show_default=True,
    help="Which point of a neighborhood polygon distances start from.",
)
@click.option(
    "--road-network",
    type=click.Path(path_type=Path),
    help="GraphML road graph (node x/y in the district's projected CRS, edge 'length' in "
    "metres): distances along roads instead of straight lines.",
)
@out_option("out")
@computing
def assign(out_dir: Path, as_json: bool, **options: Any) -> None:
    """Assign DISTRICT's students to schools under an income policy, at minimum travel.

    DISTRICT is a GeoPackage with layers 'neighborhoods' (polygons with <group>_<class> count
    columns) and 'schools' (name, capacity), or a neighborhoods file with --schools. Writes
    assignment.gpkg, CSV tables, map.png, summary.md and report.html into --out.
    """
    result = execute(build_request("AssignRequest", **options), out_dir, as_json)
    if as_json:
        emit_json(result.to_dict())
        return
    s = result.to_dict()
    click.echo(f"policy: {s['policy']}")
    click.echo(
        f"V residential {s['v_residential']:.4f} | nearest school {s['v_nearest']:.4f} | "
        f"income-balanced {s['v_assigned']:.4f}"
    )
    gap = s.get("gap")
    gap_text = f", gap {gap:.2e}" if isinstance(gap, float) and gap > 0 else ""
    click.echo(
        f"mean travel {s['mean_km']:.2f} km; solver {s['solver']} ({s['status']}{gap_text}, "
        f"{s['seconds']:.2f} s)"
    )
    files = result.files
    click.echo(f"report: {files.get('report', files['summary_md'])} (map: {files['map']})")
