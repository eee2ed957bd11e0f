"""``assignopt verify``: the closed forms against the linear programs."""

from __future__ import annotations

from pathlib import Path

import click

from assignopt.commands.common import build_request, computing, emit_json, execute, out_option


@click.command()
@out_option("verification")
@click.option("--quick", is_flag=True, help="A small grid (seconds instead of a minute).")
@computing
def verify(out_dir: Path, quick: bool, as_json: bool) -> None:
    """Compare every closed form with the LP maximum; write cases.csv, summary.md, a plot."""
    result = execute(build_request("VerifyRequest", quick=quick), out_dir, as_json)
    if as_json:
        emit_json(result.to_dict())
    else:
        for path in result.files.values():
            click.echo(f"wrote {path}")
