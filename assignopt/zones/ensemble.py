"""Many contiguous, band-feasible zonings near the optimum: how much the choice among them matters.

A seeded chain of boundary moves over the adjacency graph: from the optimal zoning, a
neighborhood on a zone's edge (not a school's own) moves to the adjacent zone when both zones
stay connected, every capacity and band still holds, the moved-students cap too, and the
objective stays within ``slack`` of the optimum. Every ``thin`` accepted moves the zoning is
kept; the spread of segregation across the kept zonings says how much the choice among
equally short plans matters.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from assignopt.zones.model import ZoningProblem

__all__ = ["sample_zonings"]


def _connected_without(members: np.ndarray, drop: int, adj: sp.csr_matrix) -> bool:
    keep = members[members != drop]
    if keep.size <= 1:
        return True
    sub = adj[keep][:, keep]
    count, _ = sp.csgraph.connected_components(sub, directed=False)
    return count == 1


def sample_zonings(
    problem: ZoningProblem,
    zone: np.ndarray,
    n: int,
    *,
    seed: int = 0,
    slack: float = 0.02,
    thin: int = 10,
    max_tries: int | None = None,
) -> list[np.ndarray]:
    """``n`` zonings sampled by boundary moves from ``zone``, each within ``slack`` of its cost.

    Parameters
    ----------
    problem : ZoningProblem
        The zoning's problem (its constraints are kept by every move).
    zone : numpy.ndarray
        A contiguous feasible zoning (the optimum), ``(N,)``.
    n : int
        Zonings to return.
    seed : int
        Random seed: the same seed gives the same zonings.
    slack : float
        Student-km (plus the compactness term) at most ``(1 + slack)`` times ``zone``'s.
    thin : int
        Accepted moves between kept zonings.
    max_tries : int, optional
        Proposals before giving up (``200 * thin * n`` by default); fewer zonings are
        returned when the chain is stuck (no feasible move).
    """
    rng = np.random.default_rng(seed)
    size = problem.size
    km = problem.km
    s = km.shape[1]
    edges = problem.edges
    n_nodes = size.size
    adj = sp.coo_matrix((np.ones(len(edges)), (edges[:, 0], edges[:, 1])), shape=(n_nodes,) * 2)
    adj = (adj + adj.T).tocsr()
    is_root = np.zeros(n_nodes, bool)
    is_root[problem.roots] = True
    zone = np.asarray(zone, np.int64).copy()
    enrol = np.bincount(zone, weights=size, minlength=s)
    banded = [
        np.bincount(zone, weights=problem.supply[:, mask].sum(axis=1), minlength=s)
        for mask, _, _ in problem.bands
    ]
    per_band = [problem.supply[:, mask].sum(axis=1) for mask, _, _ in problem.bands]
    weight = problem.compactness * problem.boundary_km if problem.compactness > 0 else None

    def cost(z: np.ndarray) -> float:
        value = float((km[np.arange(n_nodes), z] * size).sum())
        if weight is not None:
            value += float(weight[z[edges[:, 0]] != z[edges[:, 1]]].sum())
        return value

    budget = cost(zone) * (1.0 + slack) + 1e-9
    current = cost(zone)
    moved = size[zone != problem.today].sum() if problem.today is not None else 0.0
    moved_cap = (
        problem.max_moved * size.sum()
        if problem.today is not None and problem.max_moved is not None
        else np.inf
    )
    tol = 1e-7 * size.sum()
    out: list[np.ndarray] = []
    accepted = 0
    tries = max_tries if max_tries is not None else 200 * thin * max(n, 1)
    for _ in range(tries):
        if len(out) >= n:
            break
        cut = np.flatnonzero(zone[edges[:, 0]] != zone[edges[:, 1]])
        if cut.size == 0:
            break
        e = edges[rng.choice(cut)]
        a, b = (e[0], e[1]) if rng.random() < 0.5 else (e[1], e[0])
        src, dst = int(zone[a]), int(zone[b])
        if is_root[a] or not problem.allowed[a, dst]:
            continue
        new_enrol_dst = enrol[dst] + size[a]
        new_enrol_src = enrol[src] - size[a]
        if new_enrol_dst > problem.capacity[dst] + tol:
            continue
        ok = True
        for (mask, lo, hi), total, add in zip(problem.bands, banded, per_band):
            for j, e_new, b_new in (
                (dst, new_enrol_dst, total[dst] + add[a]),
                (src, new_enrol_src, total[src] - add[a]),
            ):
                if b_new < lo * e_new - tol or b_new > hi * e_new + tol:
                    ok = False
        if not ok:
            continue
        if problem.today is not None:
            change = (size[a] if problem.today[a] == src else 0.0) - (
                size[a] if problem.today[a] == dst else 0.0
            )
            if moved + change > moved_cap + tol:
                continue
        else:
            change = 0.0
        delta = size[a] * (km[a, dst] - km[a, src])
        if weight is not None:
            trial = zone.copy()
            trial[a] = dst
            new_cost = cost(trial)
        else:
            new_cost = current + delta
        if new_cost > budget:
            continue
        if not _connected_without(np.flatnonzero(zone == src), a, adj):
            continue
        zone[a] = dst
        enrol[src], enrol[dst] = new_enrol_src, new_enrol_dst
        for total, add in zip(banded, per_band):
            total[src] -= add[a]
            total[dst] += add[a]
        moved += change
        current = new_cost
        accepted += 1
        if accepted % thin == 0:
            out.append(zone.copy())
    return out
