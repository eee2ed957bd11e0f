"""Many contiguous, band-feasible zonings near the optimum: how much the choice among them matters.

A seeded chain of boundary moves over the adjacency graph: from the optimal zoning, a
neighborhood on a zone's edge (not a school's own) moves to the adjacent zone, alone or
swapped with one of that zone's neighborhoods touching its own (so that equal neighborhoods can
trade places under tight capacities). A move is taken when both zones stay connected, every
capacity and band still holds, the moved-students cap too, and the objective stays within
``slack`` of the optimum. Every ``thin`` accepted moves the zoning is
kept; the spread of segregation across the kept zonings says how much the choice among
equally short plans matters.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from assignopt.zones.model import ZoningProblem

__all__ = ["sample_zonings"]


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
    per_band = [problem.supply[:, mask].sum(axis=1) for mask, _, _ in problem.bands]
    weight = problem.compactness * problem.boundary_km if problem.compactness > 0 else None
    tol = 1e-7 * size.sum()
    moved_cap = (
        problem.max_moved * size.sum()
        if problem.today is not None and problem.max_moved is not None
        else np.inf
    )

    def cost(z: np.ndarray) -> float:
        value = float((km[np.arange(n_nodes), z] * size).sum())
        if weight is not None:
            value += float(weight[z[edges[:, 0]] != z[edges[:, 1]]].sum())
        return value

    def feasible(z: np.ndarray, touched: tuple[int, int]) -> bool:
        enrol = np.bincount(z, weights=size, minlength=s)
        for j in touched:
            if enrol[j] > problem.capacity[j] + tol:
                return False
            for (_, lo, hi), add in zip(problem.bands, per_band):
                banded = add[z == j].sum()
                if banded < lo * enrol[j] - tol or banded > hi * enrol[j] + tol:
                    return False
        if problem.today is not None and size[z != problem.today].sum() > moved_cap + tol:
            return False
        for j in touched:
            members = np.flatnonzero(z == j)
            count, _ = sp.csgraph.connected_components(adj[members][:, members], directed=False)
            if count != 1:
                return False
        return True

    budget = cost(zone) * (1.0 + slack) + 1e-9
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
        a, b = (int(e[0]), int(e[1])) if rng.random() < 0.5 else (int(e[1]), int(e[0]))
        src, dst = int(zone[a]), int(zone[b])
        if is_root[a] or not problem.allowed[a, dst]:
            continue
        trial = zone.copy()
        trial[a] = dst
        if rng.random() < 0.5:
            # A swap: a neighborhood of dst touching src (not a root) goes the other way, so
            # that equal neighborhoods can trade places under tight capacities.
            touching = np.unique(adj[np.flatnonzero(trial == src)].indices)
            back = [
                int(c)
                for c in touching
                if trial[c] == dst and c != a and not is_root[c] and problem.allowed[c, src]
            ]
            if not back:
                continue
            trial[back[rng.integers(len(back))]] = src
        if cost(trial) > budget or not feasible(trial, (src, dst)):
            continue
        zone = trial
        accepted += 1
        if accepted % thin == 0:
            out.append(zone.copy())
    return out
