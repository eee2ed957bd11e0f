"""The index as a function of a school's composition, and cells of the composition simplex."""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np

from assignopt.indices import composition_terms

__all__ = [
    "IndexTerm",
    "chord",
    "fan_cells",
    "freudenthal_cells",
    "interval_cells",
    "school_terms",
]


def school_terms(compositions: np.ndarray, district: np.ndarray, objective: str) -> np.ndarray:
    """phi(p): a school's contribution per student to the index, for compositions ``p``.

    See :func:`assignopt.indices.composition_terms`, of which this is the maximum's name.

    Parameters
    ----------
    compositions : numpy.ndarray
        Group shares, shape ``(..., M)``.
    district : numpy.ndarray
        District group shares ``pi``, shape ``(M,)``.
    objective : {"V", "R", "H", "D"}
        Index.

    Returns
    -------
    numpy.ndarray
        Shape ``compositions.shape[:-1]``; the index is ``sum_j t_j phi(p_j) / T``.
    """
    return composition_terms(compositions, district, objective)


@dataclass(frozen=True)
class IndexTerm:
    """phi over a school's shares of *all* the population's groups, for one index.

    With ``pair = (b, w)`` (group positions) the index is the two-group index between b and w
    alone: a school with shares p holds ``s = p_b + p_w`` of its students in the pair, so its
    term is the perspective ``s phi_2(p_b / s) / S`` (S the pair's district share), convex
    and zero at ``s = 0``: the other groups only fill seats.

    Attributes
    ----------
    objective : str
        Index name.
    district : numpy.ndarray
        District group shares, shape ``(M,)``.
    pair : tuple of int, optional
        Positions of the two groups of a two-group index inside M > 2 groups.
    """

    objective: str
    district: np.ndarray
    pair: tuple[int, int] | None = None

    def __call__(self, compositions: np.ndarray) -> np.ndarray:
        """The term of each composition ``(..., M)``."""
        if self.pair is None:
            return composition_terms(compositions, self.district, self.objective)
        p = np.asarray(compositions, dtype=float)[..., list(self.pair)]
        pair_total = self.district[list(self.pair)].sum()
        s = p.sum(axis=-1)
        safe = np.where(s > 0, s, 1.0)
        inner = composition_terms(
            p / safe[..., None], self.district[list(self.pair)] / pair_total, self.objective
        )
        return np.where(s > 0, s * inner, 0.0) / pair_total


def interval_cells(breakpoints: np.ndarray) -> np.ndarray:
    """Two groups: vertices ``(G, 2, 2)`` of the intervals between sorted Black shares."""
    a, b = breakpoints[:-1], breakpoints[1:]
    return np.stack([np.column_stack([a, 1 - a]), np.column_stack([b, 1 - b])], axis=1)


def fan_cells(breakpoints: np.ndarray) -> np.ndarray:
    """Fans of a pair with fillers: triangles ``(G, 3, 3)`` over intervals of the Black share.

    Each joins an interval of the pair's Black share (on the edge without fillers) to the
    all-filler vertex ``(0, 0, 1)``.
    """
    edge = interval_cells(breakpoints)  # (G, 2, 2)
    g_n = edge.shape[0]
    cells = np.zeros((g_n, 3, 3))
    cells[:, :2, :2] = edge
    cells[:, 2, 2] = 1.0
    return cells


def freudenthal_cells(n_groups: int, divisions: int) -> np.ndarray:
    """Freudenthal triangulation of the composition simplex with grid step ``1/divisions``.

    Returns vertices ``(G, M, M)``: G cells, each with M vertex compositions.
    """
    d = n_groups - 1
    cells = []
    for corner in itertools.product(range(divisions), repeat=d):
        base = np.array(corner, dtype=float)
        for perm in itertools.permutations(range(d)):
            verts = [base.copy()]
            for axis in perm:
                nxt = verts[-1].copy()
                nxt[axis] += 1
                verts.append(nxt)
            u = np.array(verts) / divisions  # cumulative shares u_1 <= ... <= u_{M-1}
            if np.all(np.diff(u, axis=1) >= -1e-12) and np.all(u <= 1 + 1e-12):
                p = np.diff(np.column_stack([np.zeros(d + 1), u, np.ones(d + 1)]), axis=1)
                cells.append(p)
    return np.array(cells)


def chord(cells: np.ndarray, phi: np.ndarray, beta: np.ndarray) -> np.ndarray:
    """Linear interpolation of phi over each interval cell at Black share ``beta``."""
    a, b = cells[:, 0, 0], cells[:, 1, 0]
    w = np.where(b > a, (beta - a) / np.where(b > a, b - a, 1.0), 0.0)
    return (1 - w) * phi[:, 0] + w * phi[:, 1]
