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
)
from assignopt.solver_names import LP_SOLVERS


@click.command()
@click.argument("schools", type=click.Path(path_type=Path))
@click.option(
    "--groups",
    default=None,
    help="Group count columns, b and w first [default: black,white; for the NCES file every "
    "race column].",
)
@click.option("--district", default=None, help="District id column [default: district].")
@click.option("--poor", default=None, help="Column of poor students [default: poor; NCES TOTFRL].")
@click.option("--school", default=None, help="School id column, named in messages.")
@click.option(
    "--tolerance",
    type=float,
    default=None,
    help="Income-balance tolerance d in [0, 0.5) [default: 0].",
)
@click.option(
    "--relative-tolerance",
    type=float,
    default=None,
    help="Instead of --tolerance: the band relative to each district's poverty rate, "
    "d = R x pi_p (0.25 at 40% poor: [0.30, 0.50]; at 8% poor: [0.06, 0.10]).",
)
@click.option("--solver", type=click.Choice(LP_SOLVERS), default="highs", show_default=True)
@click.option("--workers", type=int, default=None, help="Local processes (default: all cores).")
@click.option("--scheduler", default=None, help="Dask scheduler address, e.g. tcp://host:8786.")
@click.option(
    "--scheduler-timeout",
    type=float,
    default=5.0,
    show_default=True,
    help="Seconds to wait for the Dask scheduler before refusing it.",
)
@click.option(
    "--figure6",
    is_flag=True,
    help="Also draw the literature's Figure 6: today's V, the reassignment estimate and the "
    "possible interval, one row per district (figure6.png).",
)
@out_option("districts")
@computing
def districts(out_dir: Path, as_json: bool, **options: Any) -> None:
    """Today's V, the reassignment estimate and the possible interval for every district.

    SCHOOLS is a CSV (or any table format) with one row per school: a district column, one
    count column per group and a column of poor students; the NCES EDGE "Public School
    Characteristics" file is read directly (ids as text, missing and suppressed codes excluded
    and counted per district). Writes district_bounds.csv and a forest plot.

    With a tolerance d the reassignment starts from the band [pi_p - d, pi_p + d]; when the
    schools above the band would send out more poor students than the schools below it send
    nonpoor ones (or the other way round), the edge on the lighter side is moved toward pi_p
    until both sides move equally many students (the literature's Appendix E, Eq. E4), so the
    band actually applied can be narrower than d. The possible interval is computed on the
    same population and policy (every group, the band on all students, V between the first
    two groups).

    Results are kept per district with the inputs and settings that made them, so a rerun
    reuses only what still belongs to the same question. Exits with status 3 when some
    districts failed (the others are written and the failures listed).
    """
    result = execute(build_request("DistrictsRequest", **options), out_dir, as_json)
    failures = result.failures
    if as_json:
        emit_json(result.to_dict())
    else:
        files = result.files
        data = result.data
        click.echo(
            f"{data['districts']} districts ({data['reused']} reused from an earlier run): "
            f"wrote {files['csv']} and {files['png']}"
        )
        for district_id, message in failures.items():
            click.echo(f"failed: district {district_id}: {message}", err=True)
    if failures:
        sys.exit(EXIT_PARTIAL)
