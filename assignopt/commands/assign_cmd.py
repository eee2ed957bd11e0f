"""``assignopt assign``: income-balanced minimum-transport assignment of a district."""

from __future__ import annotations

from pathlib import Path

import click

from assignopt.cli import computing, emit_json, out_option, progress_messages, tolerance_option
from assignopt.policy import Policy
from assignopt.spatial.transport import ASSIGNMENT_SOLVERS


@click.command()
@click.argument("district", type=click.Path(path_type=Path))
@click.option(
    "--schools",
    type=click.Path(path_type=Path),
    help="Schools file, when DISTRICT holds only the neighborhoods.",
)
@click.option(
    "--groups",
    default=None,
    help="Comma-separated groups (b, w first); inferred from <group>_<class> columns.",
)
@click.option(
    "--classes",
    default="poor,nonpoor",
    show_default=True,
    help="Comma-separated income classes, poorest first.",
)
@tolerance_option
@click.option(
    "--solver",
    type=click.Choice(ASSIGNMENT_SOLVERS),
    default="highs",
    show_default=True,
    help="With highs, districts beyond 50,000 neighborhood-school pairs go to the OR-Tools "
    "min-cost flow (fixed enrolment or no band; the 'fast' extra) or to HiGHS pricing.",
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
@click.option("--travel-cap-km", type=float, help="No student travels further than this (km).")
@click.option(
    "--extra-km-cap",
    type=float,
    help="No student travels more than this (km) beyond their nearest school.",
)
@click.option("--time-limit", type=float, help="Seconds per solver call.")
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
def assign(
    district: Path,
    schools: Path | None,
    groups: str | None,
    classes: str,
    tolerance: float,
    solver: str,
    fixed_enrolment: bool,
    integer: bool,
    travel_cap_km: float | None,
    extra_km_cap: float | None,
    time_limit: float | None,
    points: str,
    road_network: Path | None,
    out_dir: Path,
    as_json: bool,
) -> None:
    """Assign DISTRICT's students to schools under an income policy, at minimum travel.

    DISTRICT is a GeoPackage with layers 'neighborhoods' (polygons with <group>_<class> count
    columns) and 'schools' (name, capacity), or a neighborhoods file with --schools.
    """
    from assignopt.spatial.assign import assign_district
    from assignopt.spatial.distance import district_distances, read_road_network
    from assignopt.spatial.district import read_district
    from assignopt.spatial.output import write_assignment

    with progress_messages(not as_json):
        chosen = [g.strip() for g in groups.split(",")] if groups else None
        d = read_district(
            district, schools, groups=chosen, classes=[c.strip() for c in classes.split(",")]
        )
        graph = read_road_network(road_network) if road_network else None
        distances = district_distances(d, points=points, graph=graph)
        result = assign_district(
            d,
            Policy(tolerance),
            distances=distances,
            solver=solver,
            fixed_enrolment=fixed_enrolment,
            travel_cap_km=travel_cap_km,
            extra_km_cap=extra_km_cap,
            whole_neighborhoods=integer,
            time_limit=time_limit,
        )
        paths = write_assignment(result, out_dir)
    if as_json:
        emit_json({**result.summary(), "files": {k: str(v) for k, v in paths.items()}})
        return
    s = result.summary()
    click.echo(f"policy: {s['policy']}")
    click.echo(
        f"V residential {s['v_residential']:.4f} | nearest school {s['v_nearest']:.4f} | "
        f"income-balanced {s['v_assigned']:.4f}"
    )
    click.echo(
        f"mean travel {s['mean_km']:.2f} km; solver {s['solver']} ({s['status']}, "
        f"{s['seconds']:.2f} s)"
    )
    click.echo(f"report: {paths['summary_md']} (map: {paths['map']})")
