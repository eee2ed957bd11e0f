"""Segregation indices on counts of students by unit (school or neighborhood) and group.

Notation follows the project's mathematics note (docs/mathematics.md): unit j has ``t_j``
students, group shares ``pi_m`` in the district and ``pi_jm`` in unit j. Two-group indices use
groups b and w only (``t_j = b_j + w_j``; other students are left out, as in the literature).
Units with no students carry no weight. Every index lies in [0, 1], with 0 when every unit
mirrors the district.

Every function accepts a numpy array of shape ``(n_units, n_groups)`` or a pandas DataFrame with
named columns (pick them with ``groups=[...]``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from assignopt.counts import as_count_matrix
from assignopt.errors import InputError, UndefinedIndexError

#: Indices with a per-unit term: two-group V, H, D (multigroup H, D with more groups) and R.
INDEX_NAMES = ("V", "H", "D", "R")

__all__ = [
    "INDEX_NAMES",
    "composition_terms",
    "dissimilarity",
    "exposure",
    "index_summary",
    "isolation",
    "multigroup_dissimilarity",
    "multigroup_normalized_exposure",
    "multigroup_theil_h",
    "normalized_exposure",
    "theil_h",
]


def _matrix(counts: Any, groups: Sequence[str] | None, n_groups: int | None) -> np.ndarray:
    matrix, labels = as_count_matrix(counts, groups, n_groups=n_groups)
    totals = matrix.sum(axis=0)
    absent = [label for label, total in zip(labels, totals) if total <= 0]
    if absent:
        raise UndefinedIndexError(
            f"group(s) {', '.join(map(repr, absent))} have no students in the district; "
            "a segregation index between groups is not defined when a group is absent"
        )
    return matrix


def _shares(matrix: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Unit sizes t_j and unit group shares pi_jm (zero rows for empty units)."""
    t = matrix.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        shares = np.where(t[:, None] > 0, matrix / t[:, None], 0.0)
    return t, shares


def _entropy(shares: np.ndarray) -> np.ndarray:
    """Natural-log entropy along the last axis, with 0 ln 0 = 0."""
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = np.where(shares > 0, shares * np.log(shares), 0.0)
    return -terms.sum(axis=-1)


def exposure(counts: Any, groups: Sequence[str] | None = None) -> float:
    """Exposure of group b to group w, ``P*_bw = sum_j (b_j / B) (w_j / t_j)``.

    Parameters
    ----------
    counts : array_like or pandas.DataFrame
        Counts with two group columns, b first and w second.
    groups : sequence of two str, optional
        The (b, w) columns of a DataFrame.

    Returns
    -------
    float
        Probability that a random b student's schoolmate (from b and w) is a w student.

    """
    m = _matrix(counts, groups, 2)
    t, shares = _shares(m)
    return float(np.sum(m[:, 0] / m[:, 0].sum() * shares[:, 1]))


def isolation(counts: Any, groups: Sequence[str] | None = None) -> float:
    """Isolation of group b, ``P*_bb = sum_j (b_j / B) (b_j / t_j)``.

    Parameters
    ----------
    counts : array_like or pandas.DataFrame
        Counts with two group columns, b first and w second.
    groups : sequence of two str, optional
        The (b, w) columns of a DataFrame.

    Returns
    -------
    float
        Probability that a random b student's schoolmate (from b and w) is also a b student.

    """
    m = _matrix(counts, groups, 2)
    t, shares = _shares(m)
    return float(np.sum(m[:, 0] / m[:, 0].sum() * shares[:, 0]))


def normalized_exposure(counts: Any, groups: Sequence[str] | None = None) -> float:
    """Normalized exposure ``V = sum_j t_j (beta_j - pi_b)^2 / (T pi_b pi_w)``.

    Equal to ``1 - P*_bw / pi_w`` and to the correlation ratio (eta squared); symmetric in b
    and w. The project's headline index.

    Parameters
    ----------
    counts : array_like or pandas.DataFrame
        Counts with two group columns, b first and w second.
    groups : sequence of two str, optional
        The (b, w) columns of a DataFrame.

    Returns
    -------
    float
        V in [0, 1].

    """
    return _normalized_exposure(_matrix(counts, groups, 2))


def _normalized_exposure(m: np.ndarray) -> float:
    t, shares = _shares(m)
    total = t.sum()
    pi_b = m[:, 0].sum() / total
    return float(np.sum(t * (shares[:, 0] - pi_b) ** 2) / (total * pi_b * (1.0 - pi_b)))


def dissimilarity(counts: Any, groups: Sequence[str] | None = None) -> float:
    """Dissimilarity ``D = sum_j t_j |beta_j - pi_b| / (2 T pi_b pi_w)``.

    Parameters
    ----------
    counts : array_like or pandas.DataFrame
        Counts with two group columns, b first and w second.
    groups : sequence of two str, optional
        The (b, w) columns of a DataFrame.

    Returns
    -------
    float
        D in [0, 1]: the share of either group that would have to move to even out the units.

    """
    m = _matrix(counts, groups, 2)
    t, shares = _shares(m)
    total = t.sum()
    pi_b = m[:, 0].sum() / total
    return float(np.sum(t * np.abs(shares[:, 0] - pi_b)) / (2 * total * pi_b * (1.0 - pi_b)))


def theil_h(counts: Any, groups: Sequence[str] | None = None) -> float:
    """Theil's information-theory index ``H = sum_j t_j (E - E_j) / (E T)`` for two groups.

    Parameters
    ----------
    counts : array_like or pandas.DataFrame
        Counts with two group columns, b first and w second.
    groups : sequence of two str, optional
        The (b, w) columns of a DataFrame.

    Returns
    -------
    float
        H in [0, 1], entropies in natural logarithms.

    """
    return _theil_h(_matrix(counts, groups, 2))


def _theil_h(m: np.ndarray) -> float:
    t, shares = _shares(m)
    total = t.sum()
    e_district = _entropy(m.sum(axis=0) / total)
    return float(np.sum(t * (e_district - _entropy(shares))) / (e_district * total))


def multigroup_normalized_exposure(counts: Any, groups: Sequence[str] | None = None) -> float:
    """Multigroup normalized exposure ``R = sum_m sum_j t_j (pi_jm - pi_m)^2 / ((1 - pi_m) T)``.

    With two groups R equals V. Agrees with PySAL ``segregation``'s ``MultiNormExposure``.

    Parameters
    ----------
    counts : array_like or pandas.DataFrame
        Counts with one column per group (two or more).
    groups : sequence of str, optional
        Columns of a DataFrame to use.

    Returns
    -------
    float
        R in [0, 1].

    """
    m = _matrix(counts, groups, None)
    t, shares = _shares(m)
    total = t.sum()
    pi = m.sum(axis=0) / total
    return float(np.sum(t[:, None] * (shares - pi) ** 2 / (1.0 - pi)) / total)


def multigroup_theil_h(counts: Any, groups: Sequence[str] | None = None) -> float:
    """Multigroup information-theory index H with the M-group entropy (natural log).

    Parameters
    ----------
    counts : array_like or pandas.DataFrame
        Counts with one column per group (two or more).
    groups : sequence of str, optional
        Columns of a DataFrame to use.

    Returns
    -------
    float
        H in [0, 1]; with two groups equal to :func:`theil_h`.

    """
    return _theil_h(_matrix(counts, groups, None))


def multigroup_dissimilarity(counts: Any, groups: Sequence[str] | None = None) -> float:
    """Multigroup dissimilarity ``sum_m sum_j t_j |pi_jm - pi_m| / (2 T sum_m pi_m (1 - pi_m))``.

    Parameters
    ----------
    counts : array_like or pandas.DataFrame
        Counts with one column per group (two or more).
    groups : sequence of str, optional
        Columns of a DataFrame to use.

    Returns
    -------
    float
        D in [0, 1]; with two groups equal to :func:`dissimilarity`.

    """
    m = _matrix(counts, groups, None)
    t, shares = _shares(m)
    total = t.sum()
    pi = m.sum(axis=0) / total
    numerator = np.sum(t[:, None] * np.abs(shares - pi))
    return float(numerator / (2 * total * np.sum(pi * (1.0 - pi))))


def index_summary(counts: Any, groups: Sequence[str] | None = None) -> dict[str, float]:
    """Every index at once: two-group ones for the first two groups, multigroup for all.

    Parameters
    ----------
    counts : array_like or pandas.DataFrame
        Counts with one column per group; the first two are b and w for two-group indices.
    groups : sequence of str, optional
        Columns of a DataFrame to use, in order.

    Returns
    -------
    dict
        Keys ``V``, ``D``, ``H``, ``exposure_bw``, ``isolation_b``, ``isolation_w`` and, with
        three or more groups, ``R_multigroup``, ``H_multigroup``, ``D_multigroup``.

    """
    m, labels = as_count_matrix(counts, groups)
    pair = m[:, :2]
    out = {
        "V": normalized_exposure(pair, labels[:2]),
        "D": dissimilarity(pair, labels[:2]),
        "H": theil_h(pair, labels[:2]),
        "exposure_bw": exposure(pair, labels[:2]),
        "isolation_b": isolation(pair, labels[:2]),
        "isolation_w": isolation(pair[:, ::-1], labels[1::-1]),
    }
    if m.shape[1] > 2:
        out["R_multigroup"] = multigroup_normalized_exposure(m, labels)
        out["H_multigroup"] = multigroup_theil_h(m, labels)
        out["D_multigroup"] = multigroup_dissimilarity(m, labels)
    return out


def composition_terms(compositions: np.ndarray, district: np.ndarray, index: str) -> np.ndarray:
    """A unit's contribution per student to an index, as a function of its group shares.

    Every index here is ``sum_j t_j phi(p_j) / T`` with ``phi`` convex in the unit's group
    shares ``p_j`` and zero at the district's shares: the functions above evaluate that sum on
    counts, this one gives ``phi`` itself (the linear programs of :mod:`assignopt.maxseg`
    price school types with it).

    Parameters
    ----------
    compositions : numpy.ndarray
        Group shares, shape ``(..., M)``.
    district : numpy.ndarray
        District group shares ``pi``, shape ``(M,)``.
    index : {"V", "R", "H", "D"}
        V and R: ``sum_m (p_m - pi_m)^2 / (1 - pi_m)`` (with two groups
        ``(beta - pi_b)^2 / (pi_b pi_w)``); H: ``(E - E(p)) / E``;
        D: ``sum_m |p_m - pi_m| / (2 sum_m pi_m (1 - pi_m))``.

    Returns
    -------
    numpy.ndarray
        Shape ``compositions.shape[:-1]``.

    """
    p = np.asarray(compositions, dtype=float)
    if index in ("V", "R"):
        return np.sum((p - district) ** 2 / (1.0 - district), axis=-1)
    if index == "H":
        e = -np.sum(district * np.log(district))
        return (e - _entropy(p)) / e
    if index == "D":
        return np.sum(np.abs(p - district), axis=-1) / (2 * np.sum(district * (1 - district)))
    raise InputError(f"unknown index {index!r}; choose one of {', '.join(INDEX_NAMES)}")
