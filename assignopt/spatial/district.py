"""A district: neighborhoods (polygons with student counts by group x income class) and schools.

Neighborhood count columns are named ``<group>_<class>`` (e.g. ``black_poor``,
``white_nonpoor``); schools have ``name`` and ``capacity``. Both layers live in one GeoPackage
(layers ``neighborhoods`` and ``schools``) or in two files of any format geopandas reads.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
from shapely.validation import make_valid

from assignopt.errors import InputError
from assignopt.population import Population
from assignopt.spatial.problem import Labels

__all__ = ["District", "read_district", "write_district"]

DEFAULT_CLASSES = ("poor", "nonpoor")


#: Neighborhood id columns recognised when none is named (case-insensitive), in this order.
ID_COLUMNS = ("id", "geoid", "tract", "neighborhood", "neighborhood_id", "fips")
# Id columns that are not a noun for messages ("tract 06067001101" but "neighborhood 17").
_GENERIC_IDS = {"id", "geoid", "fips", "name", "code", "key", "neighborhood", "neighborhood_id"}


@dataclass
class District:
    """Neighborhoods and schools of one district, validated.

    The layers are copied: validation converts count columns to float, repairs geometries and
    may reproject the schools, and the caller's frames stay as they were.

    Attributes
    ----------
    neighborhoods : geopandas.GeoDataFrame
        Polygons with one count column per (group, class): ``<group>_<class>``, and an id.
    schools : geopandas.GeoDataFrame
        Points or polygons with ``name`` (the school's id) and ``capacity``.
    groups : tuple of str
        Groups, the first two being b and w of two-group indices.
    classes : tuple of str
        Income classes, poorest first.
    notes : list of str
        What validation repaired or assumed.
    id_column : str, optional
        The neighborhoods' id column; found among :data:`ID_COLUMNS` when None. Without one,
        neighborhoods are numbered 1 to N in file order (and a note says so).
    """

    neighborhoods: gpd.GeoDataFrame
    schools: gpd.GeoDataFrame
    groups: tuple[str, ...]
    classes: tuple[str, ...] = DEFAULT_CLASSES
    notes: list[str] = field(default_factory=list)
    id_column: str | None = None
    _ids: tuple[str, ...] = field(default=(), init=False, repr=False)

    def __post_init__(self) -> None:
        self.neighborhoods = self.neighborhoods.copy()
        self.schools = self.schools.copy()
        self.groups = tuple(self.groups)
        self.classes = tuple(self.classes)
        self.notes = list(self.notes)
        validate_district(self)

    def column(self, group: str, income_class: str) -> str:
        """Name of the count column of ``group`` in ``income_class``."""
        return f"{group}_{income_class}"

    @property
    def count_columns(self) -> list[str]:
        """All count columns, group-major."""
        return [self.column(g, c) for g in self.groups for c in self.classes]

    def counts(self) -> np.ndarray:
        """Students by neighborhood, group and class, shape ``(N, M, K)``."""
        values = self.neighborhoods[self.count_columns].to_numpy(dtype=float)
        return values.reshape(len(self.neighborhoods), len(self.groups), len(self.classes))

    @property
    def capacity(self) -> np.ndarray:
        """School capacities, shape ``(S,)``."""
        return self.schools["capacity"].to_numpy(dtype=float)

    @property
    def neighborhood_ids(self) -> tuple[str, ...]:
        """Neighborhood ids as written in the file (or 1 to N without an id column)."""
        return self._ids

    @property
    def id_label(self) -> str:
        """The name of the neighborhoods' id in tables: the id column, or ``neighborhood``."""
        return self.id_column or "neighborhood"

    @property
    def school_names(self) -> tuple[str, ...]:
        """School names (the schools' ids) as written."""
        return tuple(self.schools["name"])

    def labels(self) -> Labels:
        """The district's names for messages of the assignment core."""
        noun = self.id_column or "neighborhood"
        if not (noun.isalpha() and noun.islower()) or noun in _GENERIC_IDS:
            noun = "neighborhood"
        return Labels(self.neighborhood_ids, self.school_names, self.classes, noun)

    def population(self) -> Population:
        """The district's students by group and class (for policies and bounds)."""
        return Population.from_class_table(self.counts().sum(axis=0), self.groups, self.classes)


def _layer_error(layer: str, message: str) -> InputError:
    return InputError(f"{layer} layer: {message}")


def _shown(value: object) -> str:
    """A cell as a person reads it: blank for NaN or None, numbers without numpy's repr."""
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return "blank"
    if isinstance(value, np.generic):
        value = value.item()
    return repr(value) if isinstance(value, str) else str(value)


def text_ids(values: pd.Series, layer: str, column: str, rows: str = "feature") -> list[str]:
    """Ids as text exactly as written; a blank id or a repeated one is an :class:`InputError`.

    Whole numbers stored as floats (``7.0``, from a numeric column with a gap) read as ``7``.
    ``rows`` names a row in the file: ``feature`` (numbered from 1) or ``line`` (a CSV line,
    the header being line 1).
    """
    ids = []
    for position, value in enumerate(values.tolist()):
        if isinstance(value, float) and np.isfinite(value) and value == int(value):
            value = int(value)
        text = "" if value is None or (isinstance(value, float) and np.isnan(value)) else str(value)
        if not text.strip():
            where = f"line {position + 2}" if rows == "line" else f"feature {position + 1}"
            raise _layer_error(layer, f"{where} has no {column!r}; every row needs an id")
        ids.append(text)
    seen: dict[str, int] = {}
    for position, text in enumerate(ids):
        if text in seen:
            raise _layer_error(
                layer, f"{column} {text!r} appears more than once; ids must be unique"
            )
        seen[text] = position
    return ids


def _find_id_column(hoods: gpd.GeoDataFrame, wanted: str | None) -> str | None:
    if wanted is not None:
        if wanted not in hoods.columns:
            raise _layer_error(
                "neighborhoods",
                f"id column {wanted!r} not found; available: "
                f"{', '.join(str(c) for c in hoods.columns if c != 'geometry')}",
            )
        return wanted
    by_lower = {str(c).lower(): c for c in hoods.columns if c != "geometry"}
    for name in ID_COLUMNS:
        if name in by_lower:
            return by_lower[name]
    return None


def _check_left_out(district: District, hoods: gpd.GeoDataFrame) -> None:
    """Refuse classes that leave students out: ``<group>_<other>`` count columns not listed.

    A column ``<group>_<suffix>`` present for every group looks like a class left out when its
    values are whole, non-negative numbers, some above 1, and not the group's total over the
    classes listed (``black_total``); shares and flags (``black_share``) are not counts.
    """
    suffixes = {
        str(c)[len(g) + 1 :]
        for c in hoods.columns
        for g in district.groups
        if str(c).startswith(f"{g}_")
    }
    left = []
    for suffix in sorted(suffixes - set(district.classes)):
        columns = [f"{g}_{suffix}" for g in district.groups]
        if not all(c in hoods.columns for c in columns):
            continue
        counts = []
        for g, column in zip(district.groups, columns):
            values = pd.to_numeric(hoods[column], errors="coerce").to_numpy(float)
            listed = sum(
                pd.to_numeric(hoods[district.column(g, c)], errors="coerce").to_numpy(float)
                for c in district.classes
            )
            counts.append(
                bool(np.isfinite(values).all())
                and bool((values >= 0).all())
                and np.allclose(values, np.round(values))
                and not np.allclose(values, listed)
                and values.max(initial=0.0) > 1
            )
        values = [pd.to_numeric(hoods[c], errors="coerce") for c in columns]
        if all(counts) and any((v > 0).any() for v in values):
            left += columns
    if left:
        students = sum(pd.to_numeric(hoods[c]).sum() for c in left)
        raise _layer_error(
            "neighborhoods",
            f"classes {list(district.classes)} leave out the count column(s) "
            f"{', '.join(map(repr, sorted(left)))} ({students:,.0f} students would be "
            "dropped); list every income class, poorest first",
        )


def validate_district(district: District) -> None:
    """Check (and where safe, repair) a district in place; raise :class:`InputError` otherwise.

    Checks: count columns present and numeric, finite, non-negative; no ``<group>_<class>``
    columns of a class left out; at least one student; ids present and unique (the
    neighborhoods' id column, the schools' names; kept as text); geometries present, of one
    kind per layer (polygons for neighborhoods, points or polygons for schools) and valid
    (invalid ones are repaired with ``make_valid``, noted in ``district.notes``); a CRS on both
    layers, the same one; capacities finite, positive, and covering enrolment.
    """
    hoods, schools = district.neighborhoods, district.schools
    if not district.groups or len(district.groups) < 2:
        raise InputError("a district needs at least two groups")
    missing = [c for c in district.count_columns if c not in hoods.columns]
    if missing:
        available = ", ".join(str(c) for c in hoods.columns if c != "geometry")
        raise _layer_error(
            "neighborhoods",
            f"count column(s) {', '.join(map(repr, missing))} not found (expected "
            f"<group>_<class> for groups {list(district.groups)} and classes "
            f"{list(district.classes)}); available: {available}",
        )
    district.id_column = _find_id_column(hoods, district.id_column)
    if district.id_column is None:
        district._ids = tuple(str(i + 1) for i in range(len(hoods)))
        district.notes.append(
            f"neighborhoods have no id column ({', '.join(ID_COLUMNS)}); they are numbered "
            f"1 to {len(hoods)} in file order"
        )
    else:
        district._ids = tuple(
            text_ids(hoods[district.id_column], "neighborhoods", district.id_column)
        )
        if pd.api.types.is_numeric_dtype(hoods[district.id_column]):
            district.notes.append(
                f"neighborhoods: the id column {district.id_column!r} is stored as numbers; "
                "leading zeros, if the ids had any, were lost before reading"
            )
    for column in ("name", "capacity"):
        if column not in schools.columns:
            raise _layer_error(
                "schools",
                f"column {column!r} not found; available: "
                f"{', '.join(str(c) for c in schools.columns if c != 'geometry')}",
            )
    schools["name"] = text_ids(schools["name"], "schools", "name")
    labels = district.labels()
    for column in district.count_columns:
        values = pd.to_numeric(hoods[column], errors="coerce")
        bad = values.isna() | ~np.isfinite(values.fillna(0)) | (values < 0)
        if bad.any():
            row = int(np.flatnonzero(bad.to_numpy())[0])
            raise _layer_error(
                "neighborhoods",
                f"column {column!r}, {labels.neighborhood(row)}: "
                f"{_shown(hoods[column].iloc[row])} is not a non-negative number of students; "
                "fix or drop the row",
            )
        hoods[column] = values.astype(float)
    _check_left_out(district, hoods)
    if hoods[district.count_columns].to_numpy().sum() <= 0:
        raise _layer_error("neighborhoods", "no students in any neighborhood")
    for name, layer, kinds, label in (
        ("neighborhoods", hoods, {"Polygon", "MultiPolygon"}, labels.neighborhood),
        ("schools", schools, {"Point", "Polygon", "MultiPolygon"}, labels.school),
    ):
        if layer.crs is None:
            raise _layer_error(
                name,
                "has no coordinate reference system (CRS); set one, e.g. "
                "gdf.set_crs('EPSG:4269') for longitude/latitude",
            )
        empty = layer.geometry.isna() | layer.geometry.is_empty
        if empty.any():
            raise _layer_error(
                name, f"{label(int(np.flatnonzero(empty.to_numpy())[0]))} has no geometry"
            )
        types = set(layer.geom_type)
        if not types <= kinds:
            raise _layer_error(
                name, f"geometries must be {sorted(kinds)}, found {sorted(types - kinds)}"
            )
        if name == "schools" and "Point" in types and len(types) > 1:
            raise _layer_error(name, "mixes points and polygons; use one kind")
        invalid = ~layer.geometry.is_valid
        if invalid.any():
            rows = np.flatnonzero(invalid.to_numpy())
            layer.loc[invalid, "geometry"] = layer.geometry[invalid].apply(make_valid)
            district.notes.append(
                f"{name}: repaired {len(rows)} invalid geometries with make_valid "
                f"({', '.join(label(int(r)) for r in rows[:10])})"
            )
    if schools.crs != hoods.crs:
        district.schools = schools = schools.to_crs(hoods.crs)
        district.notes.append("schools reprojected to the neighborhoods' CRS")
    capacity = pd.to_numeric(schools["capacity"], errors="coerce")
    bad = capacity.isna() | (capacity <= 0)
    if bad.any():
        row = int(np.flatnonzero(bad.to_numpy())[0])
        raise _layer_error(
            "schools",
            f"{labels.school(row)}: capacity {_shown(schools['capacity'].iloc[row])} is not a "
            "positive number",
        )
    schools["capacity"] = capacity.astype(float)
    enrolment = hoods[district.count_columns].to_numpy().sum()
    if capacity.sum() < enrolment - 1e-9:
        raise _layer_error(
            "schools",
            f"total capacity {capacity.sum():,.0f} is short of enrolment {enrolment:,.0f} by "
            f"{enrolment - capacity.sum():,.0f} students; add seats or schools",
        )


def infer_groups(columns: Sequence[str], classes: Sequence[str]) -> tuple[str, ...]:
    """Groups whose ``<group>_<class>`` columns exist for every class, in column order."""
    suffix = f"_{classes[0]}"
    candidates = [c[: -len(suffix)] for c in columns if str(c).endswith(suffix)]
    groups = tuple(g for g in candidates if all(f"{g}_{k}" in columns for k in classes))
    if len(groups) < 2:
        raise InputError(
            f"neighborhoods layer: could not find count columns <group>_<class> for classes "
            f"{list(classes)} (found groups {list(groups)}); name them e.g. black_poor, "
            "white_nonpoor, or pass groups explicitly"
        )
    return groups


def read_district(
    path: str | Path,
    schools: str | Path | None = None,
    *,
    groups: Sequence[str] | None = None,
    classes: Sequence[str] = DEFAULT_CLASSES,
    neighborhoods_layer: str = "neighborhoods",
    schools_layer: str = "schools",
    id_column: str | None = None,
    schools_crs: str | None = None,
) -> District:
    """Read a district from a GeoPackage with two layers, or from two files.

    Parameters
    ----------
    path : str or Path
        GeoPackage holding both layers, or the neighborhoods file (GeoJSON, Shapefile,
        GeoParquet, ...) when ``schools`` is given.
    schools : str or Path, optional
        The schools file: any layer geopandas reads, or a CSV table with ``name``,
        ``capacity`` and coordinates (``longitude``/``latitude`` or ``lon``/``lat`` in WGS84,
        or ``x``/``y`` in ``schools_crs``).
    groups : sequence of str, optional
        Groups in order (b, w first); inferred from the ``<group>_<class>`` columns otherwise.
    classes : sequence of str
        Income classes, poorest first. Every class in the file must be listed (students of a
        class left out would be dropped).
    neighborhoods_layer, schools_layer : str
        Layer names inside a GeoPackage.
    id_column : str, optional
        The neighborhoods' id column (found among :data:`ID_COLUMNS` when None).
    schools_crs : str, optional
        CRS of a CSV schools table's coordinates (WGS84 for longitude/latitude by default).

    Returns
    -------
    District

    Raises
    ------
    InputError
        If a file is missing or unreadable, or the district fails validation.
    """
    path = Path(path)
    if not path.exists():
        raise InputError(f"{path}: no such file")
    hoods = _read_layer(path, neighborhoods_layer if schools is None else None)
    school_path = Path(schools) if schools is not None else path
    if not school_path.exists():
        raise InputError(f"{school_path}: no such file")
    if school_path.suffix.lower() in TABLE_SUFFIXES:
        sch = read_school_table(school_path, schools_crs)
    else:
        sch = _read_layer(school_path, schools_layer if schools is None else None)
    truncated = path.suffix.lower() == ".shp"
    if truncated and groups:
        # Shapefiles cut column names to 10 characters: map black_nonp back to black_nonpoor.
        wanted = [f"{g}_{c}" for g in groups for c in classes]
        hoods = hoods.rename(
            columns={
                w[:10]: w for w in wanted if w not in hoods.columns and w[:10] in hoods.columns
            }
        )
    try:
        chosen = tuple(groups) if groups else infer_groups(list(hoods.columns), classes)
    except InputError as exc:
        if truncated:
            raise InputError(
                f"{exc}. Shapefiles cut column names to 10 characters "
                "(black_nonpoor becomes black_nonp): pass the groups "
                "(groups black, white, ...) to map them, or use a GeoPackage"
            ) from None
        raise
    return District(hoods, sch, chosen, tuple(classes), id_column=id_column)


#: File suffixes read as plain tables of schools with coordinate columns.
TABLE_SUFFIXES = (".csv", ".tsv", ".txt")
# Coordinate column pairs of a schools table, and whether they are longitude/latitude.
_COORDINATES = (
    ("longitude", "latitude", True),
    ("lon", "lat", True),
    ("lng", "lat", True),
    ("long", "lat", True),
    ("x", "y", False),
)


def read_school_table(path: str | Path, crs: str | None = None) -> gpd.GeoDataFrame:
    """Schools from a CSV table: ``name``, ``capacity`` and point coordinates.

    Names (and any ``id`` column) are read as text exactly as written (``07`` stays ``07``).
    Coordinates are ``longitude``/``latitude`` (or ``lon``/``lat``) in WGS84 unless ``crs``
    says otherwise, or ``x``/``y`` in ``crs``. The NCES EDGE school file is recognised by its
    columns: ids ``NCESSCH``, capacity = enrolment ``MEMBER``, points ``LONCOD``/``LATCOD``.

    Raises
    ------
    InputError
        If the coordinates are missing, blank or not numbers, or ``x``/``y`` come without a
        CRS.
    """
    path = Path(path)
    sep = "\t" if path.suffix.lower() == ".tsv" else ","
    nces = _nces_school_table(path)
    if nces is not None:
        return nces
    try:
        header = pd.read_csv(path, sep=sep, nrows=0).columns
        text = {c: str for c in header if str(c).lower() in ("name", "id")}
        frame = pd.read_csv(path, sep=sep, dtype=text, keep_default_na=False, na_values=[""])
    except (OSError, ValueError, pd.errors.ParserError) as exc:
        raise InputError(f"{path}: cannot be read as a table ({exc})") from None
    by_lower = {str(c).lower(): c for c in frame.columns}
    found = [c for c in _COORDINATES if c[0] in by_lower and c[1] in by_lower]
    if not found:
        raise InputError(
            f"{path}: no coordinates; a schools table needs longitude and latitude (or lon "
            "and lat) in WGS84, or x and y with their CRS; columns: "
            f"{', '.join(map(str, frame.columns))}"
        )
    x_name, y_name, geographic = found[0]
    if not geographic and crs is None:
        raise InputError(
            f"{path}: columns x and y need their coordinate reference system (schools_crs, "
            "e.g. 'EPSG:3310'); or give longitude and latitude in WGS84"
        )
    x_col, y_col = by_lower[x_name], by_lower[y_name]
    xy = []
    for column in (x_col, y_col):
        values = pd.to_numeric(frame[column], errors="coerce")
        bad = values.isna() | ~np.isfinite(values.fillna(0))
        if bad.any():
            row = int(np.flatnonzero(bad.to_numpy())[0])
            who = frame["name"].iloc[row] if "name" in frame.columns else None
            school = f"school {who}" if isinstance(who, str) else "a school"
            raise InputError(
                f"{path}, line {row + 2} ({school}): {column} {_shown(frame[column].iloc[row])} "
                "is not a number"
            )
        xy.append(values.to_numpy(float))
    if "name" in frame.columns:
        frame["name"] = text_ids(frame["name"], "schools", "name", rows="line")
    return gpd.GeoDataFrame(
        frame.drop(columns=[x_col, y_col]),
        geometry=gpd.points_from_xy(*xy),
        crs=crs or "EPSG:4326",
    )


def _nces_school_table(path: Path) -> gpd.GeoDataFrame | None:
    """The NCES EDGE school file as a schools table, or None for any other file.

    ``name`` is the school id ``NCESSCH`` as written (leading zeros kept), ``school_name`` its
    name, ``capacity`` today's enrolment ``MEMBER`` (the file has no capacities: an
    assumption the column ``capacity_source`` records), points from ``LONCOD``/``LATCOD``
    (WGS84). Schools with coded or blank enrolment or coordinates are left out.
    """
    import csv

    from assignopt.nces import is_nces_school_table, read_nces_schools

    if path.suffix.lower() != ".csv" or not path.is_file():
        return None
    with open(path, newline="", encoding="utf-8-sig") as handle:
        header = next(csv.reader(handle), [])
    if not is_nces_school_table(header):
        return None
    schools = read_nces_schools(path, poor="MEMBER").schools
    schools = schools.dropna(subset=["latitude", "longitude"])
    if schools.empty:
        raise InputError(f"{path}: no school with usable enrolment and coordinates")
    frame = pd.DataFrame(
        {
            "name": schools["school"].astype(str).to_numpy(),
            "school_name": schools["school_name"].to_numpy(),
            "district": schools["district"].to_numpy(),
            "capacity": schools["students"].to_numpy(float),
            "capacity_source": "MEMBER (enrolment 2020-21)",
        }
    )
    points = gpd.points_from_xy(schools["longitude"], schools["latitude"])
    return gpd.GeoDataFrame(frame, geometry=points, crs="EPSG:4326")


def _read_layer(path: Path, layer: str | None) -> gpd.GeoDataFrame:
    try:
        if path.suffix.lower() == ".parquet":
            return gpd.read_parquet(path)
        return gpd.read_file(path, layer=layer) if layer else gpd.read_file(path)
    except Exception as exc:  # the reader's message, with the file and layer named
        where = f"{path}" + (f", layer {layer!r}" if layer else "")
        raise InputError(f"{where}: cannot be read ({type(exc).__name__}: {exc})") from None


def write_district(district: District, path: str | Path, schools: str | Path | None = None) -> Path:
    """Write a district: both layers to one GeoPackage, or to two files of another format.

    Parameters
    ----------
    district : District
        The district.
    path : str or Path
        A ``.gpkg`` (layers ``neighborhoods`` and ``schools``), or the neighborhoods file
        (``.geojson``, ``.shp``, ``.parquet`` for GeoParquet, ...) when ``schools`` is given.
    schools : str or Path, optional
        The schools file, for formats that hold one layer.

    Returns
    -------
    Path
        ``path``.
    """
    path = Path(path)
    if schools is None:
        if path.suffix.lower() != ".gpkg":
            raise InputError(
                f"{path}: only a GeoPackage holds both layers; give a schools file "
                "too (read_district(path, schools) reads the pair back)"
            )
        district.neighborhoods.to_file(path, layer="neighborhoods", driver="GPKG")
        district.schools.to_file(path, layer="schools", driver="GPKG")
        return path
    for frame, target in ((district.neighborhoods, path), (district.schools, Path(schools))):
        if target.suffix.lower() == ".parquet":
            frame.to_parquet(target)
        else:
            frame.to_file(target)
    return path
