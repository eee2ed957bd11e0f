"""``assignopt maxseg``: the true maximum segregation an income-balance policy allows."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from assignopt.commands.common import build_request, computing, emit_json, execute
from assignopt.defaults import LITERATURE_SHAPE
from assignopt.solver_names import LP_SOLVERS


@click.command()
@click.option(
    "--counts",
    type=click.Path(path_type=Path),
    help="CSV of students by cell: columns group, income_class, count "
    "(classes listed poorest first) [and the --attribute column].",
)
@click.option(
    "--district",
    type=click.Path(path_type=Path),
    help="District file (GeoPackage with <group>_<class> columns): its neighborhoods summed.",
)
@click.option(
    "--attribute",
    default=None,
    help="Column of --counts flagging a second balanced attribute (true/false, 1/0).",
)
@click.option("--white-mean", type=float, help="White mean family income (dollars).")
@click.option("--black-mean", type=float, help="Black mean family income (dollars).")
@click.option(
    "--shape", type=float, default=LITERATURE_SHAPE, show_default=True, help="Common gamma shape."
)
@click.option(
    "--black-share", type=float, default=0.5, show_default=True, help="District Black share pi_b."
)
@click.option(
    "--threshold",
    type=float,
    help="Poverty threshold (dollars) for poverty status; optimal when omitted.",
)
@click.option(
    "--classes",
    type=int,
    help="Bin the gamma incomes into this many equal-share classes instead of poverty status.",
)
@click.option("--white-poverty", type=float, help="White poverty rate.")
@click.option("--black-poverty", type=float, help="Black poverty rate.")
@click.option(
    "--tolerance",
    type=float,
    default=0.0,
    show_default=True,
    help="Income-balance tolerance d in [0, 0.5).",
)
@click.option(
    "--attribute-tolerance", type=float, help="Tolerance on the second attribute's share."
)
@click.option("--min-school-share", type=float, help="Smallest school, share of the district.")
@click.option("--max-school-share", type=float, help="Largest school, share of the district.")
@click.option(
    "--objective",
    type=click.Choice(["V", "H", "D", "R"]),
    default="V",
    show_default=True,
    help="Index to maximize (R: multigroup normalized exposure).",
)
@click.option(
    "--pair",
    default=None,
    help="Two groups, e.g. black,white: the two-group index between them in a multigroup "
    "district (the band applies to every student; other groups fill seats freely).",
)
@click.option(
    "--split",
    type=click.Choice(["proportional", "unknown"]),
    default="proportional",
    show_default=True,
    help="With --district: 'unknown' maximizes over every race x class split consistent with "
    "each neighborhood's totals.",
)
@click.option(
    "--gap",
    type=float,
    default=1e-4,
    show_default=True,
    help="Target width of the certified bracket.",
)
@click.option("--solver", type=click.Choice(LP_SOLVERS), default="highs", show_default=True)
@click.option(
    "--method",
    type=click.Choice(["auto", "extreme", "colgen", "bracket"]),
    default="auto",
    show_default=True,
)
@click.option(
    "--witness",
    type=click.Path(path_type=Path),
    help="Write the witness schools as CSV.",
)
@computing
def maxseg(as_json: bool, **options: Any) -> None:
    """Maximum (and minimum) segregation any set of schools can have under a policy."""
    request = build_request("MaxsegRequest", **options)
    result = execute(request, None, as_json).to_dict()
    if as_json:
        emit_json(result)
        return
    objective = request.objective
    click.echo(f"policy: {result['policy']}")
    low, high = result["v_lower"], result["v_upper"]
    click.echo(
        f"possible {objective}: between {result['minimum']:.4f} and "
        f"{high:.6f} (maximum bracket [{low:.6f}, {high:.6f}])"
    )
    click.echo(
        f"method: {result['method']}; solver {result['solver']}, status {result['status']}, "
        f"{result['seconds']:.2f} s"
    )
    check = result["witness_check"]
    click.echo(
        f"witness: {len(result['schools'])} school types; policy check: "
        f"{'ok' if check == 'ok' else '; '.join(check)}"
    )
    if request.witness is not None:
        click.echo(f"wrote {request.witness}")
