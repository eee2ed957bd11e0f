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

__all__ = ["District", "read_district", "write_district"]

DEFAULT_CLASSES = ("poor", "nonpoor")


@dataclass
class District:
    """Neighborhoods and schools of one district, validated.

    Attributes
    ----------
    neighborhoods : geopandas.GeoDataFrame
        Polygons with one count column per (group, class): ``<group>_<class>``.
    schools : geopandas.GeoDataFrame
        Points or polygons with ``name`` and ``capacity``.
    groups : tuple of str
        Groups, the first two being b and w of two-group indices.
    classes : tuple of str
        Income classes, poorest first.
    notes : list of str
        What validation repaired or assumed.
    """

    neighborhoods: gpd.GeoDataFrame
    schools: gpd.GeoDataFrame
    groups: tuple[str, ...]
    classes: tuple[str, ...] = DEFAULT_CLASSES
    notes: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
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

    def population(self) -> Population:
        """The district's students by group and class (for policies and bounds)."""
        return Population.from_class_table(self.counts().sum(axis=0), self.groups, self.classes)


def _layer_error(layer: str, message: str) -> InputError:
    return InputError(f"{layer} layer: {message}")


def validate_district(district: District) -> None:
    """Check (and where safe, repair) a district in place; raise :class:`InputError` otherwise.

    Checks: count columns present and numeric, finite, non-negative; at least one student;
    geometries present, of one kind per layer (polygons for neighborhoods, points or polygons
    for schools) and valid (invalid ones are repaired with ``make_valid``, noted in
    ``district.notes``); a CRS on both layers, the same one; capacities finite, positive,
    and covering enrolment.
    """
    hoods, schools = district.neighborhoods, district.schools
    if not district.groups or len(district.groups) < 2:
        raise InputError("a district needs at least two groups")
    missing = [c for c in district.count_columns if c not in hoods.columns]
    if missing:
        available = ", ".join(c for c in hoods.columns if c != "geometry")
        raise _layer_error(
            "neighborhoods",
            f"count column(s) {', '.join(map(repr, missing))} not found (expected "
            f"<group>_<class> for groups {list(district.groups)} and classes "
            f"{list(district.classes)}); available: {available}",
        )
    for column in district.count_columns:
        values = pd.to_numeric(hoods[column], errors="coerce")
        bad = values.isna() | ~np.isfinite(values.fillna(0)) | (values < 0)
        if bad.any():
            row = int(np.flatnonzero(bad.to_numpy())[0])
            raise _layer_error(
                "neighborhoods",
                f"column {column!r}, row {row}: {hoods[column].iloc[row]!r} is not a "
                "non-negative number of students; fix or drop the row",
            )
        hoods[column] = values.astype(float)
    if hoods[district.count_columns].to_numpy().sum() <= 0:
        raise _layer_error("neighborhoods", "no students in any neighborhood")
    for name, layer, kinds in (
        ("neighborhoods", hoods, {"Polygon", "MultiPolygon"}),
        ("schools", schools, {"Point", "Polygon", "MultiPolygon"}),
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
                name, f"row {int(np.flatnonzero(empty.to_numpy())[0])} has no geometry"
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
                f"{name}: repaired {len(rows)} invalid geometries with "
                f"make_valid (rows {', '.join(map(str, rows[:10]))})"
            )
    if schools.crs != hoods.crs:
        district.schools = schools = schools.to_crs(hoods.crs)
        district.notes.append("schools reprojected to the neighborhoods' CRS")
    for column in ("name", "capacity"):
        if column not in schools.columns:
            raise _layer_error(
                "schools",
                f"column {column!r} not found; available: "
                f"{', '.join(c for c in schools.columns if c != 'geometry')}",
            )
    capacity = pd.to_numeric(schools["capacity"], errors="coerce")
    bad = capacity.isna() | (capacity <= 0)
    if bad.any():
        row = int(np.flatnonzero(bad.to_numpy())[0])
        raise _layer_error(
            "schools",
            f"school {schools['name'].iloc[row]!r} (row {row}): "
            f"capacity {schools['capacity'].iloc[row]!r} is not a positive number",
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
) -> District:
    """Read a district from a GeoPackage with two layers, or from two files.

    Parameters
    ----------
    path : str or Path
        GeoPackage holding both layers, or the neighborhoods file (GeoJSON, Shapefile,
        GeoParquet, ...) when ``schools`` is given.
    schools : str or Path, optional
        The schools file.
    groups : sequence of str, optional
        Groups in order (b, w first); inferred from the ``<group>_<class>`` columns otherwise.
    classes : sequence of str
        Income classes, poorest first.
    neighborhoods_layer, schools_layer : str
        Layer names inside a GeoPackage.

    Returns
    -------
    District
    """
    path = Path(path)
    if not path.exists():
        raise InputError(f"{path}: no such file")
    hoods = _read_layer(path, neighborhoods_layer if schools is None else None)
    school_path = Path(schools) if schools is not None else path
    if not school_path.exists():
        raise InputError(f"{school_path}: no such file")
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
                "(--groups black,white,...) to map them, or use a GeoPackage"
            ) from None
        raise
    return District(hoods, sch, chosen, tuple(classes))


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
