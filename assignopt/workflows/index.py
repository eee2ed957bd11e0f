"""Job ``index``: segregation indices of a table of units, overall or per district."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from assignopt.errors import InputError
from assignopt.workflows.base import Result
from assignopt.workflows.requests import IndexRequest

__all__ = ["IndexResult", "run"]


@dataclass
class IndexResult(Result):
    """Indices of the whole table (``data``) or one row per district (``data["districts"]``)."""


def _group_counts(request: IndexRequest) -> Any:
    """The table with one count column per group.

    A district file's ``<group>_<class>`` columns are summed into their group, and its
    ``neighborhoods`` layer is read by default.
    """
    import warnings

    from assignopt.tables import read_units

    layer = request.layer
    if layer is None and request.table.suffix.lower() == ".gpkg" and request.table.exists():
        import pyogrio

        names = [str(name) for name in pyogrio.list_layers(request.table)[:, 0]]
        if "neighborhoods" in names:
            layer = "neighborhoods"
        elif len(names) > 1:
            raise InputError(
                f"{request.table} has several layers ({', '.join(names)}); name one (layer)"
            )
    nces = _nces(request)
    if nces is not None:
        return nces
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        warnings.simplefilter("ignore", UserWarning)
        frame = read_units(request.table, layer, text_columns=[request.by] if request.by else ())
    frame = frame.copy()
    for group in request.groups:
        if group in frame.columns:
            continue
        parts = [c for c in frame.columns if str(c).startswith(f"{group}_")]
        if not parts:
            raise InputError(
                f"group column {group!r} not found in {request.table}; available: "
                f"{', '.join(map(str, frame.columns))}"
            )
        frame[group] = frame[parts].sum(axis=1)
    return frame


def _nces(request: IndexRequest) -> Any:
    """The NCES EDGE school file read as such: ids as text, coded or blank counts excluded.

    Groups may be named as the file's columns (``BL``, ``WH``) or by name (``black``); ``by``
    may be ``LEAID`` or ``district``. Returns None for any other table.
    """
    import csv

    from assignopt.nces import NCES_GROUPS, is_nces_school_table, read_nces_schools

    path = request.table
    if path.suffix.lower() != ".csv" or not path.is_file():
        return None
    with open(path, newline="", encoding="utf-8-sig") as handle:
        header = next(csv.reader(handle), [])
    if not is_nces_school_table(header):
        return None
    by_column = {column: name for name, column in NCES_GROUPS.items()}
    names = [by_column.get(g, g) for g in request.groups]
    unknown = [g for g in names if g not in NCES_GROUPS]
    if unknown:
        raise InputError(
            f"groups: {', '.join(map(repr, unknown))} not in the NCES file; use "
            f"{', '.join(NCES_GROUPS)} or the columns {', '.join(NCES_GROUPS.values())}"
        )
    # Enrolment (MEMBER) stands in for the poor column, which the indices do not use: a school
    # is then excluded only for its own coded or blank race or enrolment counts.
    schools = read_nces_schools(path, groups={n: NCES_GROUPS[n] for n in names}, poor="MEMBER")
    frame = schools.schools.rename(columns=dict(zip(names, request.groups)))
    if request.by is not None and request.by in ("LEAID", "district"):
        frame[request.by] = frame["district"]
    frame.attrs["excluded"] = schools.districts.set_index("district")["schools_excluded"]
    return frame


def run(request: IndexRequest, progress: bool = False, out: Path | None = None) -> IndexResult:
    """Compute the indices of ``request.table`` (one row per district with ``by``)."""
    from assignopt.indices import index_summary

    frame = _group_counts(request)
    head = {"table": str(request.table), "groups": list(request.groups)}
    if request.by is None:
        return IndexResult({**head, "units": len(frame), **index_summary(frame, request.groups)})
    if request.by not in frame.columns:
        raise InputError(
            f"column {request.by!r} (by) not found in {request.table}; available: "
            f"{', '.join(map(str, frame.columns))}"
        )
    excluded = frame.attrs.get("excluded")
    rows = []
    for district, part in frame.groupby(request.by, sort=True):
        row = {request.by: district, "units": len(part), **index_summary(part, request.groups)}
        if excluded is not None and district in excluded.index:
            row["schools_excluded"] = int(excluded[district])
        rows.append(row)
    return IndexResult({**head, "by": request.by, "districts": rows})
