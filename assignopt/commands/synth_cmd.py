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
@click.option(
    "--residential-v",
    type=float,
    help="Realized residential racial V (met exactly); with --income-v-black/--income-v-white.",
)
@click.option("--income-v-black", type=float, help="Realized within-race income V, Black.")
@click.option("--income-v-white", type=float, help="Realized within-race income V, White.")
@click.option(
    "--racial-segregation",
    type=float,
    help="Blend weight of the racially sorted pattern (instead of --residential-v) [0.5].",
)
@click.option(
    "--income-segregation",
    type=float,
    help="Blend weight of the income-sorted pattern (instead of the income V) [0.5].",
)
@click.option(
    "--noise", type=float, default=0.3, show_default=True, help="Spatial noise (share of width)."
)
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
    "--tolerance",
    type=float,
    required=True,
    help="Income-balance tolerance d in [0, 0.5) (named in the output files and titles).",
)
@click.option(
    "--residential-v",
    default=None,
    help="Residential racial V of the cities, comma-separated "
    "[default: 0.1,0.2,0.31,0.45,0.62,0.8,1.0; the literature's US mean is 0.31].",
)
@click.option(
    "--income-v",
    default=None,
    help="Within-race income V as BLACK/WHITE pairs, comma-separated "
    "[default: 0/0,0.06/0.045,0.12/0.09,0.24/0.18,0.5/0.5,0.9/0.9; the literature's US means "
    "are 0.12/0.09; the last two are extremes beyond US cities].",
)
@click.option(
    "--levels",
    type=int,
    default=None,
    help="Instead of --residential-v: this many residential V values from 0.1 to 1.0.",
)
@click.option(
    "--arrangements",
    default=None,
    help="Where each race's poor live: independent,aligned [default: both].",
)
@click.option(
    "--noise",
    default=None,
    help="Spatial noise (share of the city's width), comma-separated [default: 0.1,0.3].",
)
@click.option("--schools", default=None, help="Schools per city, comma-separated [default: 9].")
@click.option("--seeds", type=int, default=20, show_default=True, help="Seeds per setting.")
@click.option("--grid", type=int, default=10, show_default=True, help="Neighborhoods per side.")
@click.option("--black-share", type=float, default=0.4, show_default=True)
@click.option("--black-poverty", type=float, default=0.4, show_default=True)
@click.option("--white-poverty", type=float, default=0.15, show_default=True)
@click.option(
    "--tie-break",
    type=float,
    default=1e-3,
    show_default=True,
    help="Km of a fixed seeded perturbation of distances that breaks ties in the baseline.",
)
@computing
def sweep_residential(out_dir: Path, as_json: bool, **options: Any) -> None:
    """School V after income-balanced assignment against residential V, with 95% intervals.

    Writes sweep_residential_d<D>.csv (one row per city and seed), sweep_summary_d<D>.csv
    (means and 95% intervals per setting, with the paired difference between arrangements)
    and sweep_residential_d<D>.png.
    """
    result = execute(build_request("SweepRequest", **options), out_dir, as_json)
    if as_json:
        emit_json(result.to_dict())
    else:
        for path in result.files.values():
            click.echo(f"wrote {path}")
