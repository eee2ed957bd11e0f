"""``assignopt choice``: controlled choice with income reserves, many lotteries."""

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
)


@click.command()
@district_source_options
@click.option(
    "--tolerance",
    type=float,
    required=True,
    help="Income-balance tolerance d in [0, 0.5): every school's poverty rate within ±d of "
    "the district's.",
)
@click.option("--draws", type=int, default=100, show_default=True, help="Lotteries to run.")
@click.option(
    "--seed",
    type=int,
    default=0,
    show_default=True,
    help="Seed of the whole run (draw i uses its i-th child).",
)
@click.option(
    "--preferences",
    type=click.Path(path_type=Path),
    help="TOML file of the families' preferences (distance_coefficient, "
    "own_group_share_coefficient, school_effects, school_effects_by_group, noise_scale); "
    "defaults otherwise.",
)
@click.option(
    "--reserve",
    type=click.Choice(["band", "minimum", "none"]),
    default="band",
    show_default=True,
    help="band: hard poor and nonpoor quotas (controlled choice); minimum: seats reserved for "
    "poor students, reverting when unfilled; none: plain deferred acceptance.",
)
@click.option("--list-length", type=int, help="Schools each family ranks (default: all).")
@click.option(
    "--points",
    type=click.Choice(["point", "polygon"]),
    default="point",
    show_default=True,
    help="Students at their neighborhood's point, or uniformly inside its polygon.",
)
@click.option("--workers", type=int, help="Local processes for the draws (default: all cores).")
@click.option(
    "--scheduler", help="Dask scheduler address (tcp://host:8786) to run the draws on instead."
)
@out_option("out")
@computing
def choice(out_dir: Path, as_json: bool, **options: Any) -> None:
    """Run controlled-choice lotteries with income reserves on DISTRICT.

    Families rank schools by a logit model (distance, school effects, optional own-group
    share); student-proposing deferred acceptance with a lottery and income-class seats
    assigns them; students left out go to the nearest school with room. Compares the draws'
    segregation with the nearest-school and minimum-travel assignments. Writes draws.csv,
    draw_schools.csv, choice_summary.csv, choice_comparison.csv/.png and report.html.
    """
    result = execute(build_request("ChoiceRequest", **options), out_dir, as_json)
    s = result.to_dict()
    if as_json:
        emit_json(s)
        return
    click.echo(
        f"controlled choice at ±{s['tolerance']:.2f} ({s['reserve']}), {s['draws']} draws: "
        f"V {s['v_mean']:.4f} [{s['v_p05']:.4f}, {s['v_p95']:.4f}] | nearest school "
        f"{s['v_nearest']:.4f} | minimum travel {s['v_min_travel']:.4f}"
    )
    click.echo(
        f"first choice {s['first_choice_share']:.1%}, top 3 {s['top3_share']:.1%}; mean travel "
        f"{s['mean_km']:.2f} km; unassigned {s['unassigned']:.1f} a draw (nearest school with "
        f"room took {s['placed_by_fallback']:.1f}); {s['seconds']:.1f} s"
    )
    click.echo(f"report: {result.files['report']}")
