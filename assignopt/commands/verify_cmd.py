"""``assignopt verify``: the closed forms against the linear programs."""

from __future__ import annotations

from pathlib import Path

import click

from assignopt.cli import computing, emit_json, out_option


@click.command()
@out_option("verification")
@click.option("--quick", is_flag=True, help="A small grid (seconds instead of a minute).")
@computing
def verify(out_dir: Path, quick: bool, as_json: bool) -> None:
    """Compare every closed form with the LP maximum; write cases.csv, summary.md, a plot."""
    from tqdm import tqdm

    from assignopt.verify import write_verification

    def progress(items):
        return tqdm(items, desc="case families", unit="family", disable=as_json)

    paths = write_verification(out_dir, quick=quick, progress=progress)
    if as_json:
        emit_json({"out": str(out_dir), "files": {k: str(v) for k, v in paths.items()}})
    else:
        for path in paths.values():
            click.echo(f"wrote {path}")
