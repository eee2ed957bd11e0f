"""``assignopt verify``: the closed forms against the linear programs."""

from __future__ import annotations

from pathlib import Path

import click

from assignopt.commands.common import build_request, computing, emit_json, execute, out_option


@click.command()
@out_option("verification")
@click.option("--quick", is_flag=True, help="A small grid (seconds instead of a minute).")
@click.option(
    "--docs",
    "docs",
    multiple=True,
    type=click.Path(path_type=Path, exists=True, dir_okay=False),
    help="A Markdown document whose generated blocks (<!-- verify:NAME -->) are rewritten "
    "with this run's numbers (repeatable), e.g. docs/verification.md.",
)
@computing
def verify(out_dir: Path, quick: bool, docs: tuple[Path, ...], as_json: bool) -> None:
    """Compare every closed form with the LP maximum; write cases.csv, summary.md, a plot."""
    request = build_request("VerifyRequest", quick=quick, docs=list(docs))
    result = execute(request, out_dir, as_json)
    if as_json:
        emit_json(result.to_dict())
    else:
        for path in result.files.values():
            click.echo(f"wrote {path}")
