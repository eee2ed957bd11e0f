"""``assignopt districts``: bounds for every district of a table of schools."""

from __future__ import annotations

from pathlib import Path

import click

from assignopt.cli import computing, emit_json, out_option, tolerance_option
from assignopt.errors import InputError
from assignopt.lp import SOLVERS
from assignopt.tables import read_units


@click.command()
@click.argument("schools", type=click.Path(path_type=Path))
@click.option(
    "--groups", default="black,white", show_default=True, help="Group count columns, b and w first."
)
@click.option("--district", "district_col", default="district", show_default=True)
@click.option(
    "--poor",
    "poor_col",
    default="poor",
    show_default=True,
    help="Column of poor students per school.",
)
@tolerance_option
@click.option("--solver", type=click.Choice(list(SOLVERS)), default="highs", show_default=True)
@click.option("--workers", type=int, default=None, help="Local processes (default: all cores).")
@click.option("--scheduler", default=None, help="Dask scheduler address, e.g. tcp://host:8786.")
@out_option("districts")
@computing
def districts(
    schools: Path,
    groups: str,
    district_col: str,
    poor_col: str,
    tolerance: float,
    solver: str,
    workers: int | None,
    scheduler: str | None,
    out_dir: Path,
    as_json: bool,
) -> None:
    """Today's V, the reassignment estimate and the possible interval for every district.

    SCHOOLS is a CSV (or any table format) with one row per school: a district column, one
    count column per group and a column of poor students. Writes district_bounds.csv and a
    forest plot; results are kept per district, so a rerun skips finished districts.
    """
    from assignopt.districts import district_table, plot_district_table

    names = [g.strip() for g in groups.split(",") if g.strip()]
    if len(names) < 2:
        raise InputError("--groups needs at least two columns")
    frame, outcome = district_table(
        read_units(schools),
        names,
        tolerance,
        out_dir,
        district=district_col,
        poor=poor_col,
        solver=solver,
        workers=workers,
        scheduler=scheduler,
        progress=not as_json,
    )
    out_dir.mkdir(parents=True, exist_ok=True)
    csv, png = out_dir / "district_bounds.csv", out_dir / "district_bounds.png"
    frame.to_csv(csv, index=False)
    plot_district_table(frame, png)
    if as_json:
        emit_json(
            {
                "districts": len(frame),
                "failures": outcome.failures,
                "files": {"csv": str(csv), "png": str(png)},
            }
        )
        return
    click.echo(f"{len(frame)} districts: wrote {csv} and {png}")
    for district_id, message in outcome.failures.items():
        click.echo(f"failed: district {district_id}: {message}", err=True)
