"""``assignopt synth`` and ``assignopt sweep-residential``: synthetic cities."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from assignopt.commands.common import (
    build_request,
    computing,
    emit_json,
    execute,
    out_option,
    tolerance_option,
)


@click.command()
@click.option(
    "--out",
    "out_path",
    type=click.Path(path_type=Path),
    required=True,
    help="GeoPackage to write (layers neighborhoods and schools).",
)
@click.option("--grid", type=int, default=10, show_default=True, help="Neighborhoods per side.")
@click.option("--racial-segregation", type=float, default=0.5, show_default=True)
@click.option("--income-segregation", type=float, default=0.5, show_default=True)
@click.option(
    "--income-axis",
    type=click.Choice(["independent", "aligned"]),
    default="independent",
    show_default=True,
)
@click.option("--black-share", type=float, default=0.4, show_default=True)
@click.option("--black-poverty", type=float, default=0.4, show_default=True)
@click.option("--white-poverty", type=float, default=0.15, show_default=True)
@click.option("--schools", type=int, default=9, show_default=True, help="Number of schools.")
@click.option("--seed", type=int, default=0, show_default=True)
@computing
def synth(out_path: Path, as_json: bool, **options: Any) -> None:
    """Generate a seeded synthetic district and report its realized segregation."""
    from assignopt.workflows.base import check_output_file

    request = build_request("SynthRequest", **options)
    check_output_file(out_path)
    result = execute(request, None, as_json)
    result.write_file(out_path)
    realized = result.to_dict()
    if as_json:
        emit_json(realized)
    else:
        click.echo(
            f"wrote {out_path}: residential V {realized['residential_v']:.4f}, "
            f"within-race income segregation {realized['income_segregation_v']:.4f}"
        )


@click.command("sweep-residential")
@out_option("sweep")
@click.option(
    "--levels",
    type=int,
    default=6,
    show_default=True,
    help="Values of each knob (levels x levels grid).",
)
@click.option("--seeds", type=int, default=20, show_default=True, help="Seeds per setting.")
@click.option("--grid", type=int, default=10, show_default=True, help="Neighborhoods per side.")
@tolerance_option
@computing
def sweep_residential(out_dir: Path, as_json: bool, **options: Any) -> None:
    """School V after income-balanced assignment against residential V (CSV + PNG)."""
    result = execute(build_request("SweepRequest", **options), out_dir, as_json)
    if as_json:
        emit_json(result.to_dict())
    else:
        for path in result.files.values():
            click.echo(f"wrote {path}")
