"""Reading tables of units (CSV, or any vector format geopandas reads) at the package's edge."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from assignopt.errors import InputError

__all__ = ["read_units"]

_VECTOR_SUFFIXES = {".gpkg", ".geojson", ".json", ".shp", ".fgb", ".gml"}


def read_units(
    path: str | Path, layer: str | None = None, text_columns: Sequence[str] = ()
) -> pd.DataFrame:
    """Read a table of units from CSV, Parquet/GeoParquet or a vector file.

    Parameters
    ----------
    path : str or Path
        A ``.csv``, ``.parquet`` or vector file (GeoPackage, GeoJSON, Shapefile, ...).
    layer : str, optional
        Layer of a multi-layer file such as a GeoPackage.
    text_columns : sequence of str
        Columns read as text exactly as written (ids: ``01`` stays ``01``).

    Returns
    -------
    pandas.DataFrame
        The attribute table (a GeoDataFrame for vector files).

    Raises
    ------
    InputError
        If the file does not exist, its format is unknown, or it cannot be read.

    """
    path = Path(path)
    if not path.exists():
        raise InputError(f"{path}: no such file")
    suffix = path.suffix.lower()
    try:
        if suffix in {".csv", ".txt"}:
            return pd.read_csv(path, dtype={c: str for c in text_columns} or None)
        if suffix == ".parquet":
            import geopandas

            try:
                return geopandas.read_parquet(path)
            except ValueError:
                return pd.read_parquet(path)
        if suffix in _VECTOR_SUFFIXES:
            import geopandas

            return geopandas.read_file(path, layer=layer)
    except InputError:
        raise
    except Exception as exc:  # any reader failure becomes a message naming the file
        raise InputError(f"{path}: cannot be read ({type(exc).__name__}: {exc})") from None
    raise InputError(
        f"{path}: unknown table format {suffix!r}; use CSV, Parquet, GeoPackage, GeoJSON or "
        "Shapefile"
    )
