"""Levels of clustered neighborhoods: the coarse problems a multilevel solve starts from.

Neighborhoods sharing their nearest school form a cluster, those sharing their two nearest
(in order) a finer one, and so on; the levels nest. A cluster's problem sums its members'
students and takes their student-weighted mean distance to each school. The min-cost flow
(:mod:`assignopt.spatial.netflow`) and the LP by levels (:mod:`assignopt.spatial.levels`)
solve these coarse to fine, each level handing its school potentials and support down.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

__all__ = ["CoarseLevel", "cluster_labels", "coarse_levels"]


@dataclass(frozen=True)
class CoarseLevel:
    """One level's clusters as a problem.

    Attributes
    ----------
    label : numpy.ndarray
        ``(N,)`` cluster of each neighborhood.
    students : numpy.ndarray
        ``(C, K)`` summed students of each cluster and class.
    km : numpy.ndarray
        ``(C, S)`` student-weighted mean distance of a cluster's members to each school (over
        the members that reach it, with a travel cap).
    reach : numpy.ndarray or None
        ``(C, S)`` whether any member reaches the school; None without a travel cap.
    """

    label: np.ndarray
    students: np.ndarray
    km: np.ndarray
    reach: np.ndarray | None


def cluster_labels(cost: np.ndarray, levels: int) -> list[np.ndarray]:
    """Cluster labels, coarse to fine: neighborhoods sharing their 1, 2, ... nearest schools.

    Parameters
    ----------
    cost : numpy.ndarray
        ``(N, S)`` distances (any unit; a forbidden pair large or infinite).
    levels : int
        Most nearest schools to share (the finest candidate level).

    Returns
    -------
    list of numpy.ndarray
        ``(N,)`` labels ``0..C-1`` per level. A level is kept only if it has at most 60% of
        the clusters of the next finer one (the neighborhoods themselves finest of all).
    """
    n, s = cost.shape
    depth = min(levels, s)
    if depth == 0 or n < 50:
        return []
    near = np.argpartition(cost, depth - 1, axis=1)[:, :depth] if depth < s else None
    if near is None:
        near = np.tile(np.arange(s), (n, 1))
    near = np.take_along_axis(near, np.argsort(np.take_along_axis(cost, near, 1), 1), 1)
    key = np.zeros(n, np.int64)
    labels = []
    for d in range(depth):
        key = key * s + near[:, d]
        labels.append(np.unique(key, return_inverse=True)[1].ravel())
    kept, size = [], n
    for label in reversed(labels):
        count = int(label.max()) + 1
        if count <= 0.6 * size:
            kept.append(label)
            size = count
    return kept[::-1]


def coarse_levels(
    supply: np.ndarray,
    km: np.ndarray,
    allowed: np.ndarray | None,
    clusters: list[np.ndarray],
) -> list[CoarseLevel]:
    """Each cluster level's students and mean distances, coarse to fine.

    Levels nest (a cluster of the nearest school is a union of clusters of the nearest two),
    so only the finest reads the N x S distances; each coarser level sums the next finer one.

    Parameters
    ----------
    supply : numpy.ndarray
        ``(N, K)`` students.
    km : numpy.ndarray
        ``(N, S)`` distances.
    allowed : numpy.ndarray or None
        ``(N, S)`` pairs within a travel cap; None: every pair.
    clusters : list of numpy.ndarray
        Labels from :func:`cluster_labels`, coarse to fine.
    """
    if not clusters:
        return []
    n, k = supply.shape
    label = clusters[-1]
    count = int(label.max()) + 1
    weight = supply.sum(axis=1) + 1e-9
    member = sp.csr_matrix((weight, (label, np.arange(n))), shape=(count, n))
    students = np.zeros((count, k))
    np.add.at(students, label, supply)
    if allowed is None:
        weighted_km = member @ km
        reach = np.asarray(member.sum(axis=1))  # (count, 1): every school in reach
    else:
        weighted_km = member @ np.where(allowed, km, 0.0)
        reach = member @ allowed.astype(float)
    levels = []
    for coarser in reversed(clusters):
        if coarser is not label:  # sum the finer clusters into this level's
            parent = np.empty(count, np.int64)
            parent[label] = coarser
            count = int(coarser.max()) + 1
            into = sp.csr_matrix((np.ones(parent.size), (parent, np.arange(parent.size))))
            weighted_km, reach = into @ weighted_km, into @ reach
            summed = np.zeros((count, k))
            np.add.at(summed, parent, students)
            students, label = summed, coarser
        mean_km = weighted_km / np.maximum(reach, 1e-300)
        levels.append(CoarseLevel(label, students, mean_km, None if allowed is None else reach > 0))
    return levels[::-1]
