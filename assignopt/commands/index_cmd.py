"""``assignopt index``: segregation indices of a table of units."""

from __future__ import annotations

from pathlib import Path

import click
import pandas as pd

from assignopt.cli import computing, emit_json
from assignopt.errors import InputError
from assignopt.indices import index_summary
from assignopt.tables import read_units


def _split(text: str) -> list[str]:
    return [part.strip() for part in text.split(",") if part.strip()]


@click.command()
@click.argument("table", type=click.Path(path_type=Path))
@click.option(
    "--groups",
    required=True,
    help="Comma-separated group columns; the first two are b and w of the two-group "
    "indices, all of them enter the multigroup indices.",
)
@click.option(
    "--by", "by", default=None, help="Column naming districts: one row of indices per district."
)
@click.option("--layer", default=None, help="Layer of a multi-layer file (GeoPackage).")
@computing
def index(table: Path, groups: str, by: str | None, layer: str | None, as_json: bool) -> None:
    """Segregation indices (V, D, H, exposure, isolation; multigroup R, H, D) of TABLE.

    TABLE is a CSV, Parquet or vector file (GeoPackage, GeoJSON, Shapefile) with one row per
    unit (school or neighborhood) and one count column per group.
    """
    names = _split(groups)
    if len(names) < 2:
        raise InputError(f"--groups needs at least two columns, got {groups!r}")
    frame = read_units(table, layer)
    if by is None:
        result = index_summary(frame, names)
        if as_json:
            emit_json({"table": str(table), "groups": names, "units": len(frame), **result})
        else:
            click.echo(f"{table}: {len(frame)} units, groups {', '.join(names)}")
            for key, value in result.items():
                click.echo(f"  {key:<14} {value:.6f}")
        return
    if by not in frame.columns:
        raise InputError(f"--by: column {by!r} not found; available: {', '.join(frame.columns)}")
    rows = []
    for district, part in frame.groupby(by, sort=True):
        rows.append({by: district, "units": len(part), **index_summary(part, names)})
    out = pd.DataFrame(rows)
    if as_json:
        emit_json(
            {
                "table": str(table),
                "groups": names,
                "by": by,
                "districts": out.to_dict(orient="records"),
            }
        )
    else:
        click.echo(out.to_string(index=False, float_format=lambda v: f"{v:.4f}"))
