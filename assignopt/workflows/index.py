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
    rows = [
        {request.by: district, "units": len(part), **index_summary(part, request.groups)}
        for district, part in frame.groupby(request.by, sort=True)
    ]
    return IndexResult({**head, "by": request.by, "districts": rows})
