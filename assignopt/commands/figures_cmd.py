"""``assignopt figures``: regenerate the literature's two figures."""

from __future__ import annotations

from pathlib import Path

import click

from assignopt.commands.common import build_request, computing, emit_json, execute, out_option


@click.command()
@out_option("figures", "Output folder for the PNG figures and their CSV data.")
@computing
def figures(out_dir: Path, as_json: bool) -> None:
    """Maximum V against the poverty threshold, and against the White-Black income ratio."""
    result = execute(build_request("FiguresRequest"), out_dir, as_json)
    if as_json:
        emit_json(result.to_dict())
    else:
        for path in result.files.values():
            click.echo(f"wrote {path}")
