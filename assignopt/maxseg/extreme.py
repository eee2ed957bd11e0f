"""The exact maximum over enumerated extreme points of the allowed school compositions.

A vertex of ``{z >= 0, sum z = 1, lower_i <= masks_i . z <= upper_i}`` (z a school's shares of
the (group, category) cells) has a support S that solves ``sum z = 1`` and ``|S| - 1`` tight
bands. With few bands (poverty status) there are few, and the LP choosing how many students
go to schools of each vertex type is exact: phi is convex and splitting a school changes
nothing, so an optimal school is a mixture of vertices worth at most their weighted phi.
"""

from __future__ import annotations

import itertools
import math
import time

import numpy as np
import scipy.sparse as sp

from assignopt.lp import EXACT_OPTIONS, LinearProgram, solve
from assignopt.maxseg.common import raise_unsolved, rule_masks
from assignopt.maxseg.geometry import IndexTerm
from assignopt.maxseg.result import SegregationBound
from assignopt.policy import BalanceRule
from assignopt.population import Population
from assignopt.witness import Witness

__all__ = ["EXTREME_CANDIDATE_LIMIT", "exact_lp", "extreme_compositions", "solve_exact"]

#: Most candidate vertex systems enumerated before the method declines.
EXTREME_CANDIDATE_LIMIT = 50_000


def _candidate_count(n_cells: int, n_sides: int, n_rules: int, n_eq: int) -> int:
    """Candidate systems to try, stopping as soon as the count passes the limit."""
    count = 0
    for s in range(1, n_rules + 2):
        n_free = s - 1 - n_eq
        if n_free < 0:
            continue
        count += math.comb(n_cells, s) * math.comb(n_sides, n_free)
        if count > EXTREME_CANDIDATE_LIMIT:
            break
    return count


def extreme_compositions(
    n_cells: int, masks: np.ndarray, lower: np.ndarray, upper: np.ndarray
) -> np.ndarray | None:
    """Every extreme point of ``{z >= 0, sum z = 1, lower_i <= masks_i . z <= upper_i}``.

    A vertex with support S solves ``sum z = 1`` and ``|S| - 1`` tight bands (equality bands
    are always tight). Returns ``(n_points, n_cells)``, or None when there are more than
    ``EXTREME_CANDIDATE_LIMIT`` candidate systems.
    """
    r = len(masks)
    sides = []  # (rule, bound) choices that can be tight
    for i in range(r):
        sides.append((i, lower[i]))
        if upper[i] > lower[i]:
            sides.append((i, upper[i]))
    equalities = [i for i in range(r) if upper[i] == lower[i]]
    n_eq = len(equalities)
    if _candidate_count(n_cells, len(sides), r, n_eq) > EXTREME_CANDIDATE_LIMIT:
        return None
    points = []
    inequality_sides = [(i, b) for i, b in sides if i not in equalities]
    for s in range(1, r + 2):
        n_free = s - 1 - n_eq
        if n_free < 0:
            continue
        for tight in itertools.combinations(inequality_sides, n_free):
            rules_used = [i for i, _ in tight]
            if len(set(rules_used)) < len(rules_used):
                continue  # a band cannot be tight at both edges unless it is an equality
            rows = [np.ones(n_cells)] + [masks[i].astype(float) for i in equalities]
            rows += [masks[i].astype(float) for i, _ in tight]
            rhs = np.array([1.0] + [lower[i] for i in equalities] + [b for _, b in tight])
            system = np.array(rows)
            for support in itertools.combinations(range(n_cells), s):
                sub = system[:, support]
                if abs(np.linalg.det(sub)) < 1e-12:
                    continue
                z_s = np.linalg.solve(sub, rhs)
                if np.any(z_s < -1e-12):
                    continue
                z = np.zeros(n_cells)
                z[list(support)] = np.maximum(z_s, 0.0)
                shares = masks.astype(float) @ z
                if np.all(shares >= lower - 1e-10) and np.all(shares <= upper + 1e-10):
                    points.append(z)
    if not points:
        return np.zeros((0, n_cells))
    return np.unique(np.round(np.array(points), 14), axis=0)


def exact_lp(
    population: Population, rules: list[BalanceRule], term: IndexTerm
) -> tuple[LinearProgram, np.ndarray] | None:
    """The LP over every extreme school type, or None when there are too many to enumerate."""
    lower = np.array([r.lower for r in rules])
    upper = np.array([r.upper for r in rules])
    m, c = population.n_groups, population.n_categories
    n_eq = int(np.sum(upper == lower))
    n_sides = 2 * len(rules) - n_eq
    if _candidate_count(m * c, n_sides, len(rules), n_eq) > EXTREME_CANDIDATE_LIMIT:
        return None  # decided before the (rules x cells) masks are built
    masks = rule_masks(population, rules)
    points = extreme_compositions(m * c, masks, lower, upper)
    if points is None:
        return None
    n_types = len(points)
    group_comp = points.reshape(n_types, m, c).sum(axis=2)
    phi = term(group_comp)
    share = (population.counts / population.total).ravel()
    lp = LinearProgram(
        phi,
        sp.csr_matrix(points.T),
        share,
        share,
        np.zeros(n_types),
        np.full(n_types, np.inf),
        None,
        maximize=True,
    )
    return lp, points


def solve_exact(
    population: Population,
    term: IndexTerm,
    built: tuple[LinearProgram, np.ndarray],
    solver: str,
    time_limit: float | None,
    start: float,
    pair: tuple[str, str] | None = None,
) -> SegregationBound:
    """Solve the extreme-point LP; the witness mixes the vertex types in use."""
    lp, points = built
    build_seconds = time.perf_counter() - start
    solution = solve(lp, solver, time_limit, EXACT_OPTIONS)
    raise_unsolved(solution, "extreme-point LP")
    mass = np.maximum(solution.x, 0.0)
    used = mass > 1e-12
    schools = (mass[used, None] * points[used]).reshape(
        -1, population.n_groups, population.n_categories
    ) * population.total
    witness = Witness(schools, population, pair=pair)
    value = witness.index(term.objective)
    return SegregationBound(
        objective=term.objective,
        sense="max",
        lower=value,
        upper=max(min(solution.objective, 1.0), value),
        exact=True,
        method="extreme-point LP",
        status=solution.status,
        solver=solution.solver,
        seconds=time.perf_counter() - start,
        build_seconds=build_seconds,
        solve_seconds=solution.seconds,
        iterations=1,
        witness=witness,
        n_variables=lp.shape[1],
        n_constraints=lp.shape[0],
        notes=[f"{len(points)} extreme school types enumerated"],
        pair=pair,
    )
