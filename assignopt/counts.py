"""Coercion and validation of count tables (units x groups) into float arrays.

Every public index and bound accepts plain numpy arrays or pandas DataFrames with named columns;
this module turns either into a validated ``(n_units, n_groups)`` float array and says exactly
what is wrong when it cannot.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from assignopt.errors import InputError
from assignopt.validation import check_count_table, check_not_a_total


def as_count_matrix(
    counts: Any,
    groups: Sequence[str] | None = None,
    *,
    name: str = "counts",
    n_groups: int | None = None,
) -> tuple[np.ndarray, list[str]]:
    """Validate a count table and return it as a float array with its group labels.

    Parameters
    ----------
    counts : array_like or pandas.DataFrame
        Counts of students, shape ``(n_units, n_groups)``. A DataFrame's columns are group names.
    groups : sequence of str, optional
        Columns of a DataFrame to use, in order. Required to pick columns out of a wider table.
    name : str
        Name of the input, used in error messages.
    n_groups : int, optional
        Exact number of groups required (2 for the two-group indices).

    Returns
    -------
    matrix : numpy.ndarray
        Float array of shape ``(n_units, n_groups)``, every entry finite and non-negative.
    labels : list of str
        Group labels (column names, or ``group0, group1, ...`` for arrays).

    Raises
    ------
    InputError
        If a column is missing, a value is negative, NaN or infinite, the counts overflow,
        the shape is wrong, or a column is the total of the others.

    """
    if isinstance(counts, pd.DataFrame):
        if groups is None:
            groups = [str(c) for c in counts.columns]
        missing = [g for g in groups if g not in counts.columns]
        if missing:
            available = ", ".join(map(str, counts.columns))
            raise InputError(
                f"{name}: column(s) {', '.join(map(repr, missing))} not found; "
                f"available columns: {available}"
            )
        table = counts[list(groups)]
        non_numeric = [g for g in groups if not pd.api.types.is_numeric_dtype(table[g])]
        if non_numeric:
            raise InputError(
                f"{name}: column(s) {', '.join(map(repr, non_numeric))} are not numeric; "
                "counts must be numbers"
            )
        matrix = table.to_numpy(dtype=float)
        labels = [str(g) for g in groups]
    else:
        try:
            matrix = np.asarray(counts, dtype=float)
        except (TypeError, ValueError) as exc:
            raise InputError(f"{name}: cannot be read as numbers ({exc})") from None
        if matrix.ndim != 2:
            raise InputError(
                f"{name}: expected a 2-D table of units x groups, got {matrix.ndim} dimension(s)"
            )
        if groups is not None:
            if len(groups) != matrix.shape[1]:
                raise InputError(
                    f"{name}: {len(groups)} group labels given for {matrix.shape[1]} columns"
                )
            labels = [str(g) for g in groups]
        else:
            labels = [f"group{k}" for k in range(matrix.shape[1])]
    if n_groups is not None and matrix.shape[1] != n_groups:
        raise InputError(
            f"{name}: expected exactly {n_groups} group columns, got {matrix.shape[1]} "
            f"({', '.join(labels)}); pass groups=[...] to choose them"
        )
    if matrix.shape[0] == 0:
        raise InputError(f"{name}: the table has no units (rows)")
    check_count_table(matrix, labels, name=name)
    check_not_a_total(matrix, labels, name=name)
    return matrix, labels


def check_counts(matrix: np.ndarray, labels: Sequence[str], *, name: str) -> None:
    """Raise :class:`InputError` naming the first NaN, infinite, negative or overflowing entry.

    Kept under this name; see :func:`assignopt.validation.check_count_table`.

    Parameters
    ----------
    matrix : numpy.ndarray
        Array whose last axis is labelled by ``labels``.
    labels : sequence of str
        Labels of the last axis.
    name : str
        Name of the input, used in the message.

    """
    check_count_table(matrix, labels, name=name)
