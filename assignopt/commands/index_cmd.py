"""``assignopt index``: segregation indices of a table of units."""

from __future__ import annotations

from pathlib import Path

import click

from assignopt.commands.common import build_request, computing, emit_json, execute


@click.command()
@click.argument("table", type=click.Path(path_type=Path))
@click.option(
    "--groups",
    required=True,
    help="Comma-separated group columns; the first two are b and w of the two-group "
    "indices, all of them enter the multigroup indices. In a district file, <group>_<class> "
    "columns are summed into their group.",
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
    request = build_request("IndexRequest", table=table, groups=groups, by=by, layer=layer)
    result = execute(request, None, as_json).to_dict()
    if as_json:
        emit_json(result)
    elif by is None:
        click.echo(f"{table}: {result['units']} units, groups {', '.join(request.groups)}")
        for key, value in result.items():
            if key not in ("table", "groups", "units"):
                click.echo(f"  {key:<14} {value:.6f}")
    else:
        for row in result["districts"]:
            values = ", ".join(f"{k} {v:.4f}" for k, v in row.items() if isinstance(v, float))
            click.echo(f"{by} {row[by]} ({row['units']} units): {values}")
