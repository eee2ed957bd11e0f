"""Numbers as people read them: whole counts with thousands separators, shares as percentages.

Each table column has a *kind* that says how its numbers are written:

- ``count``: students, seats, schools (``2,294``; fractional students of a linear program are
  rounded to whole ones);
- ``share``: a proportion in [0, 1] written as a percentage (``62.1%``);
- ``index``: a segregation index (V, D, H, R) to three decimals (``0.412``);
- ``km``: a distance to two decimals with thousands separators (``1,204.25``);
- ``tolerance``: a policy's tolerance (``±0.10``);
- ``number``: any other number, to three decimals;
- ``text``: written as it is.

Missing values (None, NaN) are written as an en dash.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

__all__ = [
    "KINDS",
    "column_kind",
    "format_count",
    "format_counts",
    "format_index",
    "format_km",
    "format_share",
    "format_shares",
    "format_tolerance",
    "format_value",
]

KINDS = ("count", "share", "index", "km", "tolerance", "number", "text")
MISSING = "\u2013"

_COUNT_WORDS = (
    "capacity",
    "enrolment",
    "enrollment",
    "students",
    "schools",
    "districts",
    "failed",
    "movers",
    "neighborhoods",
    "seats",
)


def _missing(value: object) -> bool:
    if value is None:
        return True
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def format_count(value: float) -> str:
    """A number of students, seats or schools: whole, with thousands separators."""
    if _missing(value):
        return MISSING
    text = f"{float(value):,.0f}"
    return "0" if text == "-0" else text


def format_share(value: float, decimals: int = 1) -> str:
    """A proportion in [0, 1] as a percentage, ``0.621`` -> ``62.1%``."""
    if _missing(value):
        return MISSING
    text = f"{float(value):.{decimals}%}"
    return text[1:] if text.startswith("-") and float(text[1:-1]) == 0 else text


def format_counts(values: np.ndarray) -> list[str]:
    """:func:`format_count` of every number of ``values`` (one loop, no per-value checks)."""
    values = np.asarray(values, dtype=float).ravel()
    text = [f"{v:,.0f}" for v in values.tolist()]
    return _fix(text, values, "-0", "0")


def format_shares(values: np.ndarray, decimals: int = 1) -> list[str]:
    """:func:`format_share` of every number of ``values`` (one loop, no per-value checks)."""
    values = np.asarray(values, dtype=float).ravel()
    text = [f"{v:.{decimals}%}" for v in values.tolist()]
    zero = f"-{0:.{decimals}%}"
    return _fix(text, values, zero, zero[1:])


def _fix(text: list[str], values: np.ndarray, negative_zero: str, zero: str) -> list[str]:
    """Missing values as an en dash and a negative zero as a zero, as the scalar formatters."""
    for i in np.flatnonzero(np.isnan(values)).tolist():
        text[i] = MISSING
    for i in np.flatnonzero(np.signbit(values)).tolist():
        if text[i] == negative_zero:
            text[i] = zero
    return text


def format_index(value: float) -> str:
    """A segregation index (V, D, H, R) to three decimals."""
    if _missing(value):
        return MISSING
    text = f"{float(value):.3f}"
    return text[1:] if text == "-0.000" else text


def format_km(value: float) -> str:
    """A distance in kilometres to two decimals."""
    if _missing(value):
        return MISSING
    text = f"{float(value):,.2f}"
    return text[1:] if text == "-0.00" else text


def format_tolerance(value: float) -> str:
    """A policy's tolerance, ``0.1`` -> ``±0.10``."""
    if _missing(value):
        return MISSING
    return f"\u00b1{float(value):.2f}"


def _format_number(value: float) -> str:
    text = f"{float(value):,.3f}"
    return text[1:] if text == "-0.000" else text


_FORMATTERS = {
    "count": format_count,
    "share": format_share,
    "index": format_index,
    "km": format_km,
    "tolerance": format_tolerance,
    "number": _format_number,
}


def format_value(value: object, kind: str) -> str:
    """Write ``value`` as a column of ``kind`` (one of :data:`KINDS`)."""
    if kind not in KINDS:
        raise ValueError(f"unknown column kind {kind!r}; use one of {', '.join(KINDS)}")
    if _missing(value):
        return MISSING
    if kind == "text" or isinstance(value, str | bool | np.bool_):
        return str(value)
    if not isinstance(value, int | float | np.integer | np.floating):
        return str(value)
    return _FORMATTERS[kind](value)


def column_kind(name: str, values: pd.Series, kinds: Mapping[str, str] | None = None) -> str:
    """The kind of column ``name``: from ``kinds`` if given there, else guessed from its name.

    Names with ``share``, ``rate`` or ``poverty`` are shares, with ``km`` distances, names
    that start with an index letter (``V ...``, ``v_...``) or contain ``closed form`` indices,
    ``tolerance`` tolerances, and numbers of students or schools (or integer columns) counts;
    any other numeric column is a plain number, anything else text.
    """
    if kinds and name in kinds:
        return kinds[name]
    if not pd.api.types.is_numeric_dtype(values) or pd.api.types.is_bool_dtype(values):
        return "text"
    lower = str(name).lower()
    words = lower.replace("_", " ").split()
    if lower == "tolerance":
        return "tolerance"
    if "km" in words:
        return "km"
    if any(w in ("share", "rate", "poverty", "moved") for w in words):
        return "share"
    if (words and words[0] in ("v", "d", "h", "r")) or "v" in words or "closed form" in lower:
        return "index"
    if any(w in _COUNT_WORDS for w in words) or pd.api.types.is_integer_dtype(values):
        return "count"
    return "number"
