"""Checks of the core's numeric inputs, each raising :class:`InputError` naming the parameter.

One place for what the closed forms, income models, populations and policies accept: rates,
shares, tolerances, positive numbers, whole numbers and count tables. Messages name the
Python parameter (``tolerance``, ``black_poverty``) or the user's column, never a command-line
flag: the command line translates parameter names to its own.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from assignopt.errors import InputError

__all__ = [
    "check_band",
    "check_count_table",
    "check_fraction",
    "check_not_a_total",
    "check_positive",
    "check_rate",
    "check_share",
    "check_tolerance",
    "check_whole_number",
]


def _number(value: Any, name: str) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        raise InputError(f"{name} must be a number, got {value!r}") from None


def check_rate(value: Any, name: str) -> float:
    """A rate in ``[0, 1]`` (a poverty rate, a share that may be 0 or 1).

    Parameters
    ----------
    value : float
        The value given.
    name : str
        The parameter's name, for the message.

    Returns
    -------
    float

    Raises
    ------
    InputError
        Unless ``0 <= value <= 1``.
    """
    x = _number(value, name)
    if not np.isfinite(x) or not 0.0 <= x <= 1.0:
        raise InputError(f"{name} must be a rate in [0, 1], got {x}")
    return x


def check_share(value: Any, name: str) -> float:
    """A share strictly between 0 and 1 (a group's share of a district, both groups present).

    Parameters
    ----------
    value : float
        The value given.
    name : str
        The parameter's name, for the message.

    Returns
    -------
    float

    Raises
    ------
    InputError
        Unless ``0 < value < 1``.
    """
    x = _number(value, name)
    if not np.isfinite(x) or not 0.0 < x < 1.0:
        raise InputError(f"{name} must lie strictly between 0 and 1, got {x}")
    return x


def check_tolerance(value: Any, name: str = "tolerance") -> float:
    """An income-balance tolerance ``d`` (absolute rate points) in ``[0, 0.5)``.

    Parameters
    ----------
    value : float
        Half-width of the band ``[pi_p - d, pi_p + d]``.
    name : str
        The parameter's name, for the message.

    Returns
    -------
    float

    Raises
    ------
    InputError
        Unless ``0 <= value < 0.5``.
    """
    d = _number(value, name)
    if not np.isfinite(d) or not 0.0 <= d < 0.5:
        raise InputError(
            f"{name} must lie in [0, 0.5) (absolute poverty-rate points, e.g. 0.1), got {d}"
        )
    return d


def check_fraction(value: Any, name: str) -> float:
    """A share in ``(0, 1]`` (a school's size as a share of the district).

    Raises
    ------
    InputError
        Unless ``0 < value <= 1``.
    """
    x = _number(value, name)
    if not np.isfinite(x) or not 0.0 < x <= 1.0:
        raise InputError(f"{name} must lie in (0, 1], got {x}")
    return x


def check_positive(value: Any, name: str) -> float:
    """A finite number above 0 (an income, a gamma shape or scale).

    Raises
    ------
    InputError
        Unless ``value`` is finite and positive.
    """
    x = _number(value, name)
    if not np.isfinite(x) or x <= 0:
        raise InputError(f"{name} must be a positive number, got {x}")
    return x


def check_whole_number(value: Any, name: str, minimum: int) -> int:
    """An integer at least ``minimum`` (a number of schools or income classes).

    Raises
    ------
    InputError
        Unless ``value`` is a whole number ``>= minimum``.
    """
    x = _number(value, name)
    if not np.isfinite(x) or int(x) != x or x < minimum:
        raise InputError(f"{name} must be an integer >= {minimum}, got {value}")
    return int(x)


def check_band(band: tuple[float, float], name: str) -> tuple[float, float]:
    """An absolute band ``(lower, upper)`` on a share with ``0 <= lower <= upper <= 1``.

    Raises
    ------
    InputError
        Unless the band is ordered and inside ``[0, 1]``.
    """
    lo, hi = (_number(v, name) for v in band)
    if not 0.0 <= lo <= hi <= 1.0:
        raise InputError(f"{name} must satisfy 0 <= lower <= upper <= 1, got {tuple(band)}")
    return lo, hi


def check_count_table(
    matrix: np.ndarray,
    labels: Sequence[str],
    *,
    name: str,
    rows: Sequence[str] | None = None,
) -> None:
    """Refuse a count table with a NaN, infinite, negative or overflowing entry.

    Parameters
    ----------
    matrix : numpy.ndarray
        Array whose last axis is labelled by ``labels`` (rows first).
    labels : sequence of str
        Labels of the last axis (the user's column names).
    name : str
        Name of the input, used in the message.
    rows : sequence of str, optional
        Ids of the rows (first axis), named in messages instead of positions.

    Raises
    ------
    InputError
        Naming the first bad entry's column and row, or the column whose sum overflows.
    """

    def row(i: int) -> str:
        return f"row {i}" if rows is None else repr(str(rows[i]))

    bad_nan = ~np.isfinite(matrix)
    if bad_nan.any():
        idx = np.argwhere(bad_nan)[0]
        raise InputError(
            f"{name}: value {matrix[tuple(idx)]} in column {labels[idx[-1]]!r}, {row(idx[0])} "
            "is not a finite number; fill or drop missing counts"
        )
    bad_neg = matrix < 0
    if bad_neg.any():
        idx = np.argwhere(bad_neg)[0]
        raise InputError(
            f"{name}: negative count {matrix[tuple(idx)]} in column {labels[idx[-1]]!r}, "
            f"{row(idx[0])}; counts must be >= 0"
        )
    # Shares and indices divide by sums of counts: a sum that overflows float64 turns every
    # share into 0 or NaN, so such counts are refused rather than computed with.
    columns = matrix.reshape(-1, matrix.shape[-1]) if matrix.ndim else matrix.reshape(1, 1)
    with np.errstate(over="ignore"):
        sums = columns.sum(axis=0)
        total = sums.sum()
    if not np.all(np.isfinite(sums)) or not np.isfinite(total):
        where = (
            f"column {labels[int(np.flatnonzero(~np.isfinite(sums))[0])]!r} sums"
            if not np.all(np.isfinite(sums))
            else f"columns {', '.join(map(repr, labels))} sum"
        )
        raise InputError(
            f"{name}: the counts of {where} to more than the largest number a computer holds "
            f"(about 1.8e308): the counts overflow; largest value {columns.max():.6g} — check "
            "the column's units"
        )


def check_not_a_total(matrix: np.ndarray, labels: Sequence[str], *, name: str) -> None:
    """Refuse a group column that equals the sum of the other groups in every unit.

    Such a column is a total (all students) read as a group: every index computed with it
    would be wrong without a word. Checked with three or more columns, three or more units
    with students, and at least two other columns with students (with fewer, equality can
    be a coincidence or a duplicated column).

    Raises
    ------
    InputError
        Naming the column and the columns it sums.
    """
    if matrix.ndim != 2 or matrix.shape[1] < 3 or np.count_nonzero(matrix.sum(axis=1)) < 3:
        return
    rest = matrix.sum(axis=1, keepdims=True) - matrix
    equal = np.isclose(matrix, rest, rtol=1e-9, atol=0.0).all(axis=0)
    present = matrix.sum(axis=0) > 0
    equal &= (np.count_nonzero(present) - present) >= 2  # two other groups with students
    if equal.any():
        k = int(np.flatnonzero(equal)[0])
        others = [labels[j] for j in range(len(labels)) if j != k]
        raise InputError(
            f"{name}: column {labels[k]!r} equals the sum of {', '.join(map(repr, others))} in "
            "every row: it is a total of the groups, not a group; leave it out of the group "
            "columns"
        )
