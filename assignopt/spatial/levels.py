"""Bands on a free enrolment: the exact LP solved coarse to fine over clustered neighborhoods.

A band on a free enrolment bounds a ratio of two flows into one school, so the problem is an
LP, not a network; but the schools' prices in it depend on the district's geography at a
coarse grain. Neighborhoods are clustered by their nearest schools
(:func:`~assignopt.spatial.clusters.cluster_labels`: the nearest one, the nearest two, ...)
and each level is the same LP over its clusters, with summed students and student-weighted
mean distances (:func:`~assignopt.spatial.clusters.coarse_levels`).

1. **Coarsest level.** The LP of the contested sources
   (:class:`~assignopt.spatial.contested.ContestedLP`) from each cluster's four nearest
   schools, priced over every school.
2. **Each finer level** starts the same LP from two sets of arcs per (cluster, class): the
   schools its parent cluster sent that class to, and its best schools under the parent
   level's school prices. The first set alone reproduces the parent's school totals (members
   split in the parent's proportions), so the start is feasible whenever the parent was (up
   to a travel cap, below). A source left with one arc is a constant load; the rest are
   priced over every school until no arc is negative, which makes each level's solution
   optimal for that level.
3. **The finest level is the district itself**: its pricing over all N x S x K arcs is the
   certificate.

A start may be infeasible when a travel cap cuts members off their cluster's schools: every
school row has slack columns at a prohibitive cost (as HiGHS pricing's unserved columns), which
pricing drives out. A level that still needs them means an infeasible district (each level
relaxes it), which HiGHS pricing (:func:`~assignopt.spatial.pricing.solve_by_pricing`) on the
district itself names, in its own terms.
"""

from __future__ import annotations

import logging
import time

import numpy as np

from assignopt.spatial.clusters import CoarseLevel, cluster_labels, coarse_levels
from assignopt.spatial.contested import ContestedLP
from assignopt.spatial.pricing import PRICE_BLOCK, solve_by_pricing
from assignopt.spatial.problem import Labels, TransportProblem, TransportSolution

__all__ = ["transport_by_levels"]

log = logging.getLogger(__name__)

# Most nearest schools a cluster shares: 3 to 5 levels on the benchmark districts (5 against
# 3: 10,000 x 300 with 10% spare seats 0.84 s against 1.03 s, 50,000 x 500 5.3 s against 7.5 s).
LEVEL_DEPTH = 5
NEAREST = 4  # schools per cluster in the coarsest level's first LP
SOLVER = "highs (levels of clustered neighborhoods, pricing)"


def transport_by_levels(
    problem: TransportProblem,
    *,
    time_limit: float | None = None,
    depth: int = LEVEL_DEPTH,
    add_per_row: int = 2,
    max_rounds: int = 200,
) -> TransportSolution:
    """Solve a transport problem exactly, coarse to fine (see the module notes).

    Parameters
    ----------
    problem : TransportProblem
        Split neighborhoods, either enrolment, any bands, travel cap; meant for bands on a
        free enrolment, the form no network path solves.
    time_limit : float, optional
        Seconds per HiGHS call.
    depth : int
        Most nearest schools a cluster shares (the finest clustered level).
    add_per_row : int
        Most negative arcs added per (neighborhood, class) and round.
    max_rounds : int
        Pricing rounds per level before giving up (an error: the answer would not be proven).

    Returns
    -------
    TransportSolution
        ``status`` ``optimal``; ``formulation`` names the levels and the final minimum
        reduced cost over every arc.

    Raises
    ------
    InfeasibleError
        If no assignment exists (named by :func:`~assignopt.spatial.pricing.solve_by_pricing`).
    SolverError
        If pricing does not converge; :class:`TimeLimitError` if a HiGHS call reaches
        ``time_limit``.
    """
    start = time.perf_counter()
    capped = not problem.allowed.all()
    order = np.where(problem.allowed, problem.km, np.inf) if capped else problem.km
    levels = coarse_levels(
        problem.supply,
        problem.km,
        problem.allowed if capped else None,
        cluster_labels(order, depth),
    )
    if not levels:
        return solve_by_pricing(problem, time_limit)
    coarsest = _level_problem(problem, levels[0])
    k = problem.n_classes
    near = np.argsort(np.where(coarsest.allowed, coarsest.km, np.inf), axis=1)[:, :NEAREST]
    rows = np.repeat(np.arange(coarsest.n_neighborhoods), near.shape[1])
    src = (rows[:, None] * k + np.arange(k)[None, :]).ravel()
    lp = ContestedLP(coarsest, src, np.repeat(near.ravel(), k), time_limit, elastic=True)
    lp.solve_first()
    lp.price(add_per_row, max_rounds)
    if lp.slack() > 1e-9 * max(1.0, float(problem.supply.sum())):
        return solve_by_pricing(problem, time_limit)  # names why, in the district's terms
    sizes = [coarsest.n_neighborhoods]
    for finer in [*levels[1:], None]:
        fine = problem if finer is None else _level_problem(problem, finer)
        parent = levels[len(sizes) - 1].label
        if finer is not None:
            parent = _parents(finer.label, parent)
        arcs = _start_arcs(fine, lp.support(), parent, lp.school_term())
        lp = ContestedLP(fine, *arcs, time_limit, elastic=True)
        lp.solve_first()
        min_reduced = lp.price(add_per_row, max_rounds)
        if lp.slack() > 1e-9 * max(1.0, float(problem.supply.sum())):
            # Even at prohibitive cost the level needs seats added or removed: the district
            # is infeasible (each level relaxes it), and its own LP names why.
            return solve_by_pricing(problem, time_limit)
        sizes.append(fine.n_neighborhoods)
        log.info(
            f"    level of {fine.n_neighborhoods:,} "
            f"{'neighborhoods' if finer is None else 'clusters'}: {lp.rounds} LP solves, "
            f"{time.perf_counter() - start:.2f} s"
        )
    seed = f"levels of {_path(sizes)} clusters then neighborhoods"
    return lp.solution(start, seed, SOLVER, min_reduced)


def _path(sizes: list[int]) -> str:
    return " -> ".join(f"{size:,}" for size in sizes)


def _level_problem(problem: TransportProblem, level: CoarseLevel) -> TransportProblem:
    """The LP of one level's clusters: same schools, bands and enrolment rule."""
    labels = Labels(
        schools=problem.labels.schools,
        classes=problem.labels.classes,
        neighborhood_noun="cluster of neighborhoods",
    )
    return TransportProblem(
        level.students,
        problem.capacity,
        level.km,
        problem.bands,
        problem.fixed_enrolment,
        level.reach,
        False,
        labels,
    )


def _parents(label: np.ndarray, up_label: np.ndarray) -> np.ndarray:
    """Each cluster of a level's parent cluster one level up (levels nest)."""
    parent = np.empty(int(label.max()) + 1, np.int64)
    parent[label] = up_label
    return parent


def _start_arcs(
    problem: TransportProblem,
    support: tuple[np.ndarray, np.ndarray],
    parent: np.ndarray,
    school_term: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """A level's starting arcs ``(source, school)``: its parent's support and its best.

    Each row gets every school its parent sent the same class to (``support`` in parent
    sources ``p * K + k``), and every school at its least reduced distance
    ``km - school_term[:, k]`` (ties within 1e-9 km).
    """
    n, k = problem.supply.shape
    p_src, p_school = support
    order = np.argsort(p_src // k, kind="stable")
    p_src, p_school = p_src[order], p_school[order]
    starts = np.searchsorted(p_src // k, np.arange(int(parent.max()) + 2))
    count = starts[parent + 1] - starts[parent]
    row = np.repeat(np.arange(n), count)
    offset = np.arange(row.size) - np.repeat(np.cumsum(count) - count, count)
    pick = starts[parent][row] + offset
    src, school = [row * k + p_src[pick] % k], [p_school[pick]]
    blocked = None if problem.allowed.all() else ~problem.allowed
    for b0 in range(0, n, PRICE_BLOCK):
        block = problem.km[b0 : b0 + PRICE_BLOCK]
        for c in range(k):
            reduced = block - school_term[None, :, c]
            if blocked is not None:
                reduced[blocked[b0 : b0 + PRICE_BLOCK]] = np.inf
            r, j = np.nonzero(reduced <= reduced.min(axis=1, keepdims=True) + 1e-9)
            src.append((b0 + r) * k + c)
            school.append(j)
    return np.concatenate(src), np.concatenate(school)
