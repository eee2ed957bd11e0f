"""``assignopt districts``: bounds for every district of a table of schools."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from assignopt.commands.common import (
    EXIT_PARTIAL,
    build_request,
    computing,
    emit_json,
    execute,
    out_option,
    tolerance_option,
)
from assignopt.solver_names import LP_SOLVERS


@click.command()
@click.argument("schools", type=click.Path(path_type=Path))
@click.option(
    "--groups", default="black,white", show_default=True, help="Group count columns, b and w first."
)
@click.option("--district", default="district", show_default=True, help="District id column.")
@click.option(
    "--poor",
    default="poor",
    show_default=True,
    help="Column of poor students per school.",
)
@tolerance_option
@click.option("--solver", type=click.Choice(LP_SOLVERS), default="highs", show_default=True)
@click.option("--workers", type=int, default=None, help="Local processes (default: all cores).")
@click.option("--scheduler", default=None, help="Dask scheduler address, e.g. tcp://host:8786.")
@out_option("districts")
@computing
def districts(out_dir: Path, as_json: bool, **options: Any) -> None:
    """Today's V, the reassignment estimate and the possible interval for every district.

    SCHOOLS is a CSV (or any table format) with one row per school: a district column, one
    count column per group and a column of poor students. Writes district_bounds.csv and a
    forest plot; results are kept per district with the inputs and settings that made them, so
    a rerun reuses only what still belongs to the same question. Exits with status 3 when some
    districts failed (the others are written and the failures listed).
    """
    result = execute(build_request("DistrictsRequest", **options), out_dir, as_json)
    failures = result.failures
    if as_json:
        emit_json(result.to_dict())
    else:
        files = result.files
        click.echo(f"{len(result.frame)} districts: wrote {files['csv']} and {files['png']}")
        for district_id, message in failures.items():
            click.echo(f"failed: district {district_id}: {message}", err=True)
    if failures:
        sys.exit(EXIT_PARTIAL)
