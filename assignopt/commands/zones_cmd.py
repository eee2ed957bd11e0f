"""``assignopt zones``: contiguous attendance zones under an income band."""

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


@click.command()
@district_source_options
@tolerance_option
@click.option(
    "--max-moved",
    type=float,
    help="Move at most this share of students from today's zones (the 'zone' column "
    "of school names, or nearest-school zones without one).",
)
@click.option(
    "--compactness",
    type=float,
    default=0.0,
    show_default=True,
    help="Student-km charged per km of boundary between zones.",
)
@click.option("--time-limit", type=float, help="Seconds for the zoning MILP (120 by default).")
@click.option(
    "--gap",
    type=float,
    default=1e-4,
    show_default=True,
    help="Relative MIP gap at which the search stops.",
)
@click.option(
    "--solver",
    type=click.Choice(["highs", "ortools"]),
    default="highs",
    show_default=True,
    help="HiGHS, or SCIP through OR-Tools.",
)
@click.option(
    "--ensemble",
    type=int,
    default=0,
    show_default=True,
    help="Also sample this many contiguous zonings near the optimum (seeded).",
)
@click.option(
    "--ensemble-slack",
    type=float,
    default=0.02,
    show_default=True,
    help="Sampled zonings travel at most this share more than the optimum.",
)
@click.option("--seed", type=int, default=0, show_default=True, help="Seed of the ensemble.")
@click.option(
    "--contiguity",
    type=click.Choice(["queen", "rook"]),
    default="queen",
    show_default=True,
    help="Neighborhoods touch at a vertex (queen) or an edge (rook).",
)
@click.option(
    "--nearest",
    type=int,
    default=6,
    show_default=True,
    help="Candidate schools per neighborhood (plus the min-travel LP's and today's).",
)
@click.option(
    "--zone-column",
    default="zone",
    show_default=True,
    help="Neighborhood column naming today's school.",
)
@travel_cap_options
@out_option("zones_out")
@computing
def zones(out_dir: Path, as_json: bool, **options: Any) -> None:
    """Draw contiguous attendance zones for DISTRICT's schools under an income band.

    Each neighborhood goes whole to one school's zone; each zone is connected and holds its
    school's own neighborhood; capacities and the poverty band hold; student-km is minimal.
    Writes zones.gpkg (layers neighborhoods and zones), zones.csv, zones.png, summary.json and
    report.html into --out.
    """
    result = execute(build_request("ZonesRequest", **options), out_dir, as_json)
    s = result.to_dict()
    if as_json:
        emit_json(s)
        return
    click.echo(f"policy: {s['policy']}")
    click.echo(
        f"V residential {s['v_residential']:.4f} | nearest school {s['v_nearest']:.4f} | "
        f"min-travel LP {s['v_lp']:.4f} | zones {s['v_zoned']:.4f}"
    )
    click.echo(
        f"{s['objective_km']:,.0f} student-km (LP bound {s['lp_bound_km']:,.0f}); moved "
        f"{s['moved_share']:.1%}; {s['solver']} {s['status']}, gap {s['gap']:.2%}, "
        f"{s['seconds']:.1f} s"
    )
    if "ensemble" in s:
        e = s["ensemble"]
        click.echo(f"ensemble of {e['zonings']}: V {e['v_min']:.4f} to {e['v_max']:.4f}")
    click.echo(f"report: {result.files['report']}")
