"""Reading tables of units (CSV, or any vector format geopandas reads) at the package's edge."""

from __future__ import annotations

import csv
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from assignopt.errors import InputError

__all__ = ["ID_COLUMNS", "id_like", "read_units"]

#: Column names (any case) read as text, so ids keep their leading zeros ("01" is not "1").
ID_COLUMNS = frozenset(
    {
        "id",
        "district",
        "school",
        "geoid",
        "fips",
        "tract",
        "neighborhood",
        "neighbourhood",
        "leaid",
        "ncessch",
        "st_leaid",
        "st_schid",
        "schid",
        "name",
    }
)

_VECTOR_SUFFIXES = {".gpkg", ".geojson", ".json", ".shp", ".fgb", ".gml"}


# pandas' default missing-value markers (``read_csv``'s ``na_values`` documentation).
_NA_MARKERS = [
    "", "#N/A", "#N/A N/A", "#NA", "-1.#IND", "-1.#QNAN", "-NaN", "-nan", "1.#IND", "1.#QNAN",
    "<NA>", "N/A", "NA", "NULL", "NaN", "None", "n/a", "nan", "null",
]  # fmt: skip


def id_like(column: str) -> bool:
    """Whether a column holds ids: a name in :data:`ID_COLUMNS` or ending in ``_id``."""
    name = str(column).strip().lower()
    return name in ID_COLUMNS or name.endswith("_id")


def _read_csv(path: Path, text_columns: Sequence[str]) -> pd.DataFrame:
    with open(path, newline="", encoding="utf-8-sig") as handle:
        header = next(csv.reader(handle), [])
    wanted = set(text_columns)
    text = {c: str for c in header if c in wanted or id_like(c)}
    # Ids keep every character (no NA conversion); other columns keep pandas' NA markers.
    defaults = _NA_MARKERS
    na_values = {c: defaults for c in header if c not in text}
    frame = pd.read_csv(
        path, dtype=text, keep_default_na=False, na_values=na_values, encoding="utf-8-sig"
    )
    for column in text:
        if column in frame.columns:
            frame[column] = frame[column].astype(object)
    frame.attrs["source"] = str(path)
    frame.attrs["header_lines"] = 1
    return frame


def read_units(
    path: str | Path, layer: str | None = None, *, text_columns: Sequence[str] = ()
) -> pd.DataFrame:
    """Read a table of units from CSV, Parquet/GeoParquet or a vector file.

    In a CSV, id-like columns (see :func:`id_like`) and ``text_columns`` are read as text
    exactly as written: leading zeros kept, a blank cell an empty string (never NaN).

    Parameters
    ----------
    path : str or Path
        A ``.csv``, ``.parquet`` or vector file (GeoPackage, GeoJSON, Shapefile, ...).
    layer : str, optional
        Layer of a multi-layer file such as a GeoPackage.
    text_columns : sequence of str
        Further CSV columns to read as text (e.g. the district id column).

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
            return _read_csv(path, text_columns)
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
