"""``assignopt figures``: regenerate the literature's two figures."""

from __future__ import annotations

from pathlib import Path

import click

from assignopt.cli import computing, emit_json, out_option


@click.command()
@out_option("figures", "Output folder for the PNG figures and their CSV data.")
@computing
def figures(out_dir: Path, as_json: bool) -> None:
    """Maximum V against the poverty threshold, and against the White-Black income ratio."""
    from assignopt.figures import write_figures

    paths = write_figures(out_dir)
    if as_json:
        emit_json({"out": str(out_dir), "files": {k: str(v) for k, v in paths.items()}})
    else:
        for path in paths.values():
            click.echo(f"wrote {path}")
