"""Linear programs for the maximum (and minimum) segregation an income-balance policy allows.

Every index is ``sum_j t_j phi(p_j) / T`` with phi convex in a school's group composition p and
zero at the district's, and splitting a school by its own composition changes nothing. So the
maximum over any number of schools is a linear program over school *types*:

- **exact** (``method="extreme"``): when the policy has few bands, the extreme points of the
  set of allowed school compositions are enumerated (dichotomous poverty status: one poor and
  one nonpoor cell mixed at a band edge, or a single cell) and the LP over them is exact;
- **bracket** (``method="bracket"``): the group-composition simplex is cut into cells
  (intervals of the Black share for two groups, a Freudenthal triangulation for more); a type
  may take any composition inside its cell and phi is replaced by its linear interpolation over
  the cell's vertices, which lies above phi. The LP optimum is an *upper* value; its solution
  is a feasible set of schools whose recomputed index is a *lower* value. Cells holding the
  gap are split until ``upper - lower <= gap``. For two-group D, cells split at ``pi_b``
  make the interpolation exact.

The minimum under any such policy is 0: merging all schools into one keeps every band (they
are convex cones containing the district's composition), and by convexity
``sum_j t_j phi(p_j) >= T phi(district) = 0``.
"""

from __future__ import annotations

import itertools
import math
import sys
import time
import types
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import scipy.sparse as sp

from assignopt.colgen import class_share_bounds, price_two_group, solve_master
from assignopt.errors import AssignoptError, InputError
from assignopt.lp import EXACT_OPTIONS, LinearProgram, LPSolution, solve
from assignopt.policy import BalanceRule, InfeasiblePolicyError, Policy
from assignopt.population import Population
from assignopt.witness import OBJECTIVES, Witness

__all__ = [
    "InfeasiblePolicyError",
    "SegregationBound",
    "extreme_compositions",
    "freudenthal_cells",
    "maximum_segregation",
    "minimum_segregation",
    "school_terms",
]

_EXTREME_CANDIDATE_LIMIT = 50_000
# The bracket LPs are highly degenerate: HiGHS's interior point method (with crossover to a
# vertex) solved them 2-3x faster than its simplex (benchmarks/bench_maxseg.py).
_BRACKET_OPTIONS = {"solver": "ipm"}


@dataclass
class SegregationBound:
    """The answer of a maximum or minimum: a value (or bracket), its witness and solver facts.

    Attributes
    ----------
    objective : str
        Index optimized (V, H, D or R).
    sense : str
        ``"max"`` or ``"min"``.
    lower, upper : float
        Certified bracket: ``lower`` is the index of the witness, ``upper`` a proven bound.
        Equal (to solver precision) when ``exact``.
    exact : bool
        Whether the method is exact (no discretization gap).
    method : str
        How the value was obtained.
    status : str
        Solver status (``optimal``, ...).
    solver : str
        Solver name.
    seconds, build_seconds, solve_seconds : float
        Wall time in all, building models, and inside the solver.
    iterations : int
        Models solved.
    witness : Witness
        School compositions whose index is ``lower``.
    n_variables, n_constraints : int
        Size of the last model.
    notes : list of str
        Anything the reader should know.
    """

    objective: str
    sense: str
    lower: float
    upper: float
    exact: bool
    method: str
    status: str
    solver: str
    seconds: float
    build_seconds: float
    solve_seconds: float
    iterations: int
    witness: Witness
    n_variables: int = 0
    n_constraints: int = 0
    notes: list[str] = field(default_factory=list)

    @property
    def gap(self) -> float:
        """``upper - lower``."""
        return self.upper - self.lower

    def to_dict(self) -> dict:
        """JSON-ready summary including the witness schools."""
        return {
            "objective": self.objective,
            "sense": self.sense,
            "v_lower": self.lower,
            "v_upper": self.upper,
            "gap": self.gap,
            "exact": self.exact,
            "method": self.method,
            "status": self.status,
            "solver": self.solver,
            "seconds": self.seconds,
            "build_seconds": self.build_seconds,
            "solve_seconds": self.solve_seconds,
            "iterations": self.iterations,
            "n_variables": self.n_variables,
            "n_constraints": self.n_constraints,
            "notes": self.notes,
            "schools": self.witness.records(),
        }


# --- the index as a function of a school's group composition ---------------------------------


def school_terms(compositions: np.ndarray, district: np.ndarray, objective: str) -> np.ndarray:
    """phi(p): a school's contribution per student to the index, for compositions ``p``.

    Parameters
    ----------
    compositions : numpy.ndarray
        Group shares, shape ``(..., M)``.
    district : numpy.ndarray
        District group shares ``pi``, shape ``(M,)``.
    objective : {"V", "R", "H", "D"}
        V and R: ``sum_m (p_m - pi_m)^2 / (1 - pi_m)``; H: ``(E - E(p)) / E``;
        D: ``sum_m |p_m - pi_m| / (2 sum_m pi_m (1 - pi_m))``.

    Returns
    -------
    numpy.ndarray
        Shape ``compositions.shape[:-1]``; the index is ``sum_j t_j phi(p_j) / T``.
    """
    p = np.asarray(compositions, dtype=float)
    if objective in ("V", "R"):
        return np.sum((p - district) ** 2 / (1.0 - district), axis=-1)
    if objective == "H":
        with np.errstate(divide="ignore", invalid="ignore"):
            ent = -np.sum(np.where(p > 0, p * np.log(p), 0.0), axis=-1)
        e = -np.sum(district * np.log(district))
        return (e - ent) / e
    if objective == "D":
        return np.sum(np.abs(p - district), axis=-1) / (2 * np.sum(district * (1 - district)))
    raise InputError(f"unknown objective {objective!r}; choose one of {', '.join(OBJECTIVES)}")


def _check_objective(population: Population, objective: str) -> None:
    if objective not in OBJECTIVES:
        raise InputError(f"unknown objective {objective!r}; choose one of {', '.join(OBJECTIVES)}")
    if objective == "V" and population.n_groups != 2:
        raise InputError(
            f"V is a two-group index but the data have {population.n_groups} groups "
            f"({', '.join(population.groups)}); use objective R (multigroup normalized exposure)"
        )


# --- shared model pieces ----------------------------------------------------------------------


def _rule_masks(population: Population, rules: list[BalanceRule]) -> np.ndarray:
    """Rule masks over cells (group-major), shape ``(r, M * C)``."""
    if not rules:
        return np.zeros((0, population.n_groups * population.n_categories), dtype=bool)
    return np.array([np.tile(rule.categories, population.n_groups) for rule in rules])


def _size_bounds(policy: Policy) -> tuple[float, float] | None:
    if policy.min_school_share is None:
        return None  # upper bounds alone never bind: a type splits into small enough schools
    return policy.min_school_share, policy.max_school_share or 1.0


# --- exact LP over enumerated extreme points ----------------------------------------------------


def extreme_compositions(
    n_cells: int, masks: np.ndarray, lower: np.ndarray, upper: np.ndarray
) -> np.ndarray | None:
    """Every extreme point of ``{z >= 0, sum z = 1, lower_i <= masks_i . z <= upper_i}``.

    A vertex with support S solves ``sum z = 1`` and ``|S| - 1`` tight bands (equality bands
    are always tight). Returns ``(n_points, n_cells)``, or None when there are more than
    ``_EXTREME_CANDIDATE_LIMIT`` candidate systems.
    """
    r = len(masks)
    sides = []  # (rule, bound) choices that can be tight
    for i in range(r):
        sides.append((i, lower[i]))
        if upper[i] > lower[i]:
            sides.append((i, upper[i]))
    equalities = [i for i in range(r) if upper[i] == lower[i]]
    n_eq = len(equalities)
    count = 0
    for s in range(1, r + 2):
        n_free = s - 1 - n_eq
        if n_free < 0:
            continue
        count += math.comb(n_cells, s) * math.comb(len(sides), n_free)
    if count > _EXTREME_CANDIDATE_LIMIT:
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


def _exact_lp(
    population: Population, rules: list[BalanceRule], objective: str
) -> tuple[LinearProgram, np.ndarray] | None:
    masks = _rule_masks(population, rules)
    lower = np.array([r.lower for r in rules])
    upper = np.array([r.upper for r in rules])
    m, c = population.n_groups, population.n_categories
    points = extreme_compositions(m * c, masks, lower, upper)
    if points is None:
        return None
    n_types = len(points)
    group_comp = points.reshape(n_types, m, c).sum(axis=2)
    phi = school_terms(group_comp, population.group_shares, objective)
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


# --- bracket LP over cells of the composition simplex -------------------------------------------


def _interval_cells(breakpoints: np.ndarray) -> np.ndarray:
    """Two groups: vertices ``(G, 2, 2)`` of the intervals between sorted Black shares."""
    a, b = breakpoints[:-1], breakpoints[1:]
    return np.stack([np.column_stack([a, 1 - a]), np.column_stack([b, 1 - b])], axis=1)


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


def _bracket_lp(
    population: Population,
    rules: list[BalanceRule],
    cells: np.ndarray,
    phi: np.ndarray,
    size: tuple[float, float] | None,
) -> LinearProgram:
    """The relaxation over cells; variables x (G, M, C), lambda (G, M) [, schools k (G)]."""
    g_n, m, c = cells.shape[0], population.n_groups, population.n_categories
    n_x, n_lam = g_n * m * c, g_n * m
    x_id = np.arange(n_x).reshape(g_n, m, c)
    lam_id = n_x + np.arange(n_lam).reshape(g_n, m)
    rows, cols, vals, lo, hi = [], [], [], [], []
    n_rows = 0

    def add(r: np.ndarray, col: np.ndarray, v: np.ndarray) -> None:
        rows.append(r.ravel())
        cols.append(col.ravel())
        vals.append(np.broadcast_to(v, col.shape).ravel().astype(float))

    # Supply: every (group, category) cell is placed.
    supply = np.arange(m * c).reshape(m, c)
    add(np.broadcast_to(supply, (g_n, m, c)), x_id, 1.0)
    share = population.counts / population.total
    lo.append(share.ravel())
    hi.append(share.ravel())
    n_rows += m * c
    # Composition: students of group m in type g = sum_v lambda[g, v] * vertex[g, v, m].
    comp = n_rows + np.arange(g_n * m).reshape(g_n, m)
    add(np.broadcast_to(comp[:, :, None], (g_n, m, c)), x_id, 1.0)
    add(
        np.broadcast_to(comp[:, None, :], (g_n, m, m)),
        np.broadcast_to(lam_id[:, :, None], (g_n, m, m)),
        -cells,
    )
    lo.append(np.zeros(g_n * m))
    hi.append(np.zeros(g_n * m))
    n_rows += g_n * m
    # Bands: lower_i t_g <= students of rule i's categories in g <= upper_i t_g,
    # with t_g = sum_v lambda[g, v].
    for rule in rules:
        cat = np.flatnonzero(rule.categories)
        bounds = (
            [(rule.lower, rule.upper)]
            if rule.lower == rule.upper
            else [(rule.lower, np.inf), (rule.upper, -np.inf)]
        )
        for coef, _ in bounds:
            r = n_rows + np.arange(g_n)
            add(np.broadcast_to(r[:, None, None], (g_n, m, cat.size)), x_id[:, :, cat], 1.0)
            add(np.broadcast_to(r[:, None], (g_n, m)), lam_id, -coef)
            n_rows += g_n
        if rule.lower == rule.upper:
            lo.append(np.zeros(g_n))
            hi.append(np.zeros(g_n))
        else:
            lo += [np.zeros(g_n), np.full(g_n, -np.inf)]
            hi += [np.full(g_n, np.inf), np.zeros(g_n)]
    n_cols = n_x + n_lam
    integer = None
    if size is not None:
        # s_min k_g <= t_g <= s_max k_g with k_g schools of type g (integer).
        k_id = n_cols + np.arange(g_n)
        for coef, lo_v, hi_v in ((size[0], 0.0, np.inf), (size[1], -np.inf, 0.0)):
            r = n_rows + np.arange(g_n)
            add(np.broadcast_to(r[:, None], (g_n, m)), lam_id, 1.0)
            add(r, k_id, -coef)
            lo.append(np.full(g_n, lo_v))
            hi.append(np.full(g_n, hi_v))
            n_rows += g_n
        n_cols += g_n
        integer = np.zeros(n_cols, bool)
        integer[k_id] = True
    cost = np.zeros(n_cols)
    cost[lam_id.ravel()] = phi.ravel()
    return LinearProgram.from_triplets(
        rows, cols, vals, (n_rows, n_cols), cost, lo, hi, integer=integer, maximize=True
    )


# --- drivers ------------------------------------------------------------------------------------


def _raise_unsolved(solution: LPSolution, what: str) -> None:
    if solution.status not in ("optimal", "time_limit") or not np.isfinite(solution.objective):
        raise AssignoptError(
            f"the {what} ended with solver status {solution.status!r} ({solution.solver}); the "
            "policy passed the feasibility checks, so this is a numerical failure: try another "
            "solver (--solver cbc)"
        )


def maximum_segregation(
    population: Population,
    policy: Policy | None = None,
    objective: str = "V",
    *,
    gap: float = 1e-4,
    solver: str = "highs",
    method: str = "auto",
    max_iterations: int = 40,
    time_limit: float | None = None,
) -> SegregationBound:
    """The largest segregation any number of schools can have under ``policy``.

    Parameters
    ----------
    population : Population
        Students by group and category.
    policy : Policy, optional
        The income-balance policy; perfect balance by default.
    objective : {"V", "H", "D", "R"}
        Index to maximize (V needs exactly two groups; H and D are multigroup with more).
    gap : float
        Target ``upper - lower`` for the bracket method.
    solver : {"highs", "cbc", "pulp-highs"}
        LP solver.
    method : {"auto", "extreme", "colgen", "bracket"}
        ``auto`` uses the exact extreme-point LP when the policy's extreme points can be
        enumerated (few bands, as for poverty status), else column generation with exact
        pricing for two groups under perfect income balance, else the bracket over cells.
    max_iterations : int
        Refinements of the bracket before it stops and reports its gap.
    time_limit : float, optional
        Seconds per solver call.

    Returns
    -------
    SegregationBound

    Raises
    ------
    InfeasiblePolicyError
        If no set of schools can meet the policy (the message names the band and margin).
    """
    policy = policy or Policy()
    _check_objective(population, objective)
    if gap <= 0:
        raise InputError(f"gap must be positive, got {gap}")
    if method not in ("auto", "extreme", "colgen", "bracket"):
        raise InputError(f"method must be auto, extreme, colgen or bracket, got {method!r}")
    start = time.perf_counter()
    rules = policy.rules(population)
    size = _size_bounds(policy)
    if method == "extreme" and size is not None:
        raise InputError(
            "with a minimum school size, schools may need compositions that are not extreme "
            "points; use method='bracket' (a mixed-integer program)"
        )
    if method in ("auto", "extreme") and size is None:
        built = _exact_lp(population, rules, objective)
        if built is not None:
            return _solve_exact(population, objective, built, solver, time_limit, start)
        if method == "extreme":
            raise InputError(
                "too many extreme points to enumerate for this policy; use method='bracket'"
            )
    if method in ("auto", "colgen"):
        class_rules = _single_class_rules(population, rules)
        # Column generation is exact in one round under perfect balance (its seed columns are
        # the optimal nested schools) but tails off badly with tolerance bands, where the cell
        # bracket is far faster (benchmarks/RESULTS.md); auto uses it only for the former.
        usable = class_rules is not None and size is None
        if usable and (method == "colgen" or policy.is_perfect_income_balance):
            return _column_generation(
                population, class_rules, objective, gap, solver, max_iterations, time_limit, start
            )
        if method == "colgen" and not usable:
            raise InputError(
                "column generation needs two groups, income-class bands only and no size "
                "bounds; use method='bracket'"
            )
    if population.n_groups == 2:
        return _bracket_two_groups(
            population, rules, objective, size, gap, solver, max_iterations, time_limit, start
        )
    return _bracket_multigroup(
        population, rules, objective, size, gap, solver, max_iterations, time_limit, start
    )


def _solve_exact(population, objective, built, solver, time_limit, start):
    lp, points = built
    build_seconds = time.perf_counter() - start
    solution = solve(lp, solver, time_limit, EXACT_OPTIONS)
    _raise_unsolved(solution, "extreme-point LP")
    mass = np.maximum(solution.x, 0.0)
    used = mass > 1e-12
    schools = (mass[used, None] * points[used]).reshape(
        -1, population.n_groups, population.n_categories
    ) * population.total
    witness = Witness(schools, population)
    value = witness.index(objective)
    return SegregationBound(
        objective,
        "max",
        value,
        max(min(solution.objective, 1.0), value),
        True,
        "extreme-point LP",
        solution.status,
        solution.solver,
        time.perf_counter() - start,
        build_seconds,
        solution.seconds,
        1,
        witness,
        lp.shape[1],
        lp.shape[0],
        [f"{len(points)} extreme school types enumerated"],
    )


def _witness_from_bracket(population, cells, solution, size):
    g_n, m, c = cells.shape[0], population.n_groups, population.n_categories
    x = np.maximum(solution.x[: g_n * m * c].reshape(g_n, m, c), 0.0)
    sizes = x.sum(axis=(1, 2))
    used = sizes > 1e-12
    n_schools = None
    if size is not None:
        n_schools = np.round(solution.x[g_n * m * (c + 1) :][used]).astype(int)
    return Witness(x[used] * population.total, population, n_schools), used


@dataclass
class _CellRound:
    """One bracket LP solved over a set of cells."""

    lp: LinearProgram
    solution: LPSolution
    witness: Witness
    used: np.ndarray
    phi: np.ndarray
    lower: float
    upper: float
    build_seconds: float


def _solve_cells(population, rules, cells, objective, size, solver, time_limit) -> _CellRound:
    """Build and solve the relaxation over ``cells``; its witness's index is the lower value."""
    t0 = time.perf_counter()
    phi = school_terms(cells, population.group_shares, objective)
    lp = _bracket_lp(population, rules, cells, phi, size)
    build_seconds = time.perf_counter() - t0
    solution = solve(lp, solver, time_limit, _BRACKET_OPTIONS)
    _raise_unsolved(solution, "bracket LP")
    witness, used = _witness_from_bracket(population, cells, solution, size)
    upper = solution.dual_bound if size is not None else solution.objective
    return _CellRound(
        lp, solution, witness, used, phi, witness.index(objective), upper, build_seconds
    )


def _bracket_result(
    objective, best, upper_best, gap, exact, size, last, start, build, solve_time, iteration, notes
) -> SegregationBound:
    lower, witness = best
    status = last.solution.status if upper_best - lower <= gap else "gap_not_reached"
    return SegregationBound(
        objective,
        "max",
        lower,
        max(upper_best, lower),
        exact,
        "bracket MILP" if size is not None else "bracket LP",
        status,
        last.solution.solver,
        time.perf_counter() - start,
        build,
        solve_time,
        iteration,
        witness,
        last.lp.shape[1],
        last.lp.shape[0],
        notes,
    )


def _bracket_two_groups(
    population, rules, objective, size, gap, solver, max_iterations, time_limit, start
):
    pi_b = float(population.group_shares[0])
    breakpoints = np.unique(np.concatenate([np.linspace(0, 1, 17), [pi_b]]))
    build = solve_time = 0.0
    best: tuple[float, Witness] | None = None
    upper_best = 1.0  # no index exceeds 1
    for iteration in range(1, max_iterations + 1):  # noqa: B007 (reported after the loop)
        cells = _interval_cells(breakpoints)
        last = _solve_cells(population, rules, cells, objective, size, solver, time_limit)
        build += last.build_seconds
        solve_time += last.solution.seconds
        if best is None or last.lower > best[0]:
            best = (last.lower, last.witness)
        upper_best = min(upper_best, last.upper)
        if upper_best - best[0] <= gap:
            break
        # Split each cell that holds part of the gap at the witness's Black share there.
        witness, used = last.witness, last.used
        comp = witness.group_counts[:, 0] / witness.sizes
        a, b = breakpoints[:-1][used], breakpoints[1:][used]
        weight = witness.sizes / population.total
        chord = _chord(cells[used], last.phi[used], comp)
        contribution = weight * (
            chord
            - school_terms(np.column_stack([comp, 1 - comp]), population.group_shares, objective)
        )
        split = contribution > 0.05 * contribution.max()
        inside = (comp - a > 1e-9) & (b - comp > 1e-9)
        new = np.where(inside, comp, (a + b) / 2)[split]
        breakpoints = np.unique(np.concatenate([breakpoints, new]))
    exact = objective == "D" and size is None
    notes = [f"{len(breakpoints) - 1} Black-share cells after {iteration} refinements"]
    if exact:
        notes.append("D is linear on each side of the district share: the bracket is exact")
    return _bracket_result(
        objective,
        best,
        upper_best,
        gap,
        exact,
        size,
        last,
        start,
        build,
        solve_time,
        iteration,
        notes,
    )


def _single_class_rules(
    population: Population, rules: list[BalanceRule]
) -> list[tuple[int, float, float]] | None:
    """Rules as (class, lower, upper) when every rule bands one income class of two groups."""
    if population.n_groups != 2 or population.attribute is not None:
        return None
    out = []
    for rule in rules:
        classes = np.unique(population.income_class[rule.categories])
        if classes.size != 1 or rule.categories.sum() != 1:
            return None
        out.append((int(classes[0]), rule.lower, rule.upper))
    return out


def _column_generation(
    population, class_rules, objective, gap, solver, max_iterations, time_limit, start
):
    k = population.n_classes
    lower, upper = class_share_bounds(k, class_rules)
    supply = (population.counts / population.total).ravel()
    district = population.group_shares

    def phi(beta: np.ndarray) -> np.ndarray:
        return school_terms(np.column_stack([beta, 1 - beta]), district, objective)

    # Seed: the nested schools of the supremum (mathematics note, item 5): with the district's
    # class shares, classes Black from the highest Black share down. They meet every band
    # (the district's shares do) and are optimal under perfect balance.
    class_mix = population.class_matrix() / population.total
    p = class_mix.sum(axis=0)
    order = np.argsort(-class_mix[0] / np.where(p > 0, p, 1), kind="stable")
    columns = []
    for n_black in range(k + 1):
        black = np.zeros(k, dtype=bool)
        black[order[:n_black]] = True
        columns.append(np.concatenate([np.where(black, p, 0.0), np.where(black, 0.0, p)]))
    columns.append(supply.copy())  # the district itself
    phi_values = [float(phi(np.array([col[:k].sum()]))[0]) for col in columns]
    solve_time, upper_best, reduced = 0.0, np.inf, np.inf
    max_rounds = max(max_iterations, 20 * k)
    for iteration in range(1, max_rounds + 1):  # noqa: B007 (reported after the loop)
        cols = np.array(columns)
        solution, duals = solve_master(cols, np.array(phi_values), supply, solver, time_limit)
        solve_time += solution.seconds
        _raise_unsolved(solution, "column-generation master LP")
        if not np.all(np.isfinite(duals)):
            raise AssignoptError(f"solver {solver!r} returned no duals for the master LP")
        priced = price_two_group(duals[:k], duals[k:], lower, upper, phi, max_columns=k + 1)
        reduced = max(priced[0][0], 0.0) if priced else 0.0
        upper_best = min(upper_best, solution.objective + reduced, 1.0)  # no index exceeds 1
        if upper_best - solution.objective <= gap or reduced <= 1e-12:
            break
        for value, comp in priced:
            if value > 1e-12:
                columns.append(comp.ravel())
                phi_values.append(float(phi(np.array([comp[0].sum()]))[0]))
    mass = np.maximum(solution.x, 0.0)
    used = mass > 1e-12
    schools = (mass[used, None] * cols[used]).reshape(-1, 2, k) * population.total
    witness = Witness(schools, population)
    value = witness.index(objective)
    status = "optimal" if upper_best - value <= gap else "gap_not_reached"
    notes = [
        f"{len(columns)} school compositions generated in {iteration} rounds; upper = "
        "master + best reduced cost"
    ]
    return SegregationBound(
        objective,
        "max",
        value,
        max(upper_best, value),
        reduced <= 1e-9,
        "column generation (exact pricing)",
        status,
        solution.solver,
        time.perf_counter() - start,
        time.perf_counter() - start - solve_time,
        solve_time,
        iteration,
        witness,
        len(columns),
        supply.size,
        notes,
    )


def _chord(cells: np.ndarray, phi: np.ndarray, beta: np.ndarray) -> np.ndarray:
    """Linear interpolation of phi over each interval cell at Black share ``beta``."""
    a, b = cells[:, 0, 0], cells[:, 1, 0]
    w = np.where(b > a, (beta - a) / np.where(b > a, b - a, 1.0), 0.0)
    return (1 - w) * phi[:, 0] + w * phi[:, 1]


def _bracket_multigroup(
    population, rules, objective, size, gap, solver, max_iterations, time_limit, start
):
    m = population.n_groups
    limit = {3: 128, 4: 24, 5: 10}.get(m, 6)
    divisions = 4
    build = solve_time = 0.0
    best: tuple[float, Witness] | None = None
    upper_best = np.inf
    iteration = 0
    while iteration < max_iterations and divisions <= limit:
        iteration += 1
        cells = freudenthal_cells(m, divisions)
        last = _solve_cells(population, rules, cells, objective, size, solver, time_limit)
        build += last.build_seconds
        solve_time += last.solution.seconds
        upper_best = min(upper_best, last.upper)
        if best is None or last.lower > best[0]:
            best = (last.lower, last.witness)
        if upper_best - best[0] <= gap:
            break
        divisions *= 2
    notes = [f"Freudenthal triangulation with grid step 1/{divisions} of the {m}-group simplex"]
    if upper_best - best[0] > gap:
        notes.append(f"stopped at the finest grid for {m} groups; the bracket is still certified")
    return _bracket_result(
        objective,
        best,
        upper_best,
        gap,
        False,
        size,
        last,
        start,
        build,
        solve_time,
        iteration,
        notes,
    )


def minimum_segregation(
    population: Population, policy: Policy | None = None, objective: str = "V"
) -> SegregationBound:
    """The smallest segregation under ``policy``: 0, attained by schools mirroring the district.

    Every band of a feasible policy contains the district's share, so schools with the
    district's composition meet it; with size bounds, the district is split into the smallest
    allowed number of equal such schools. By convexity no assignment does better than 0.

    Parameters
    ----------
    population : Population
        Students by group and category.
    policy : Policy, optional
        The policy (checked for feasibility).
    objective : {"V", "H", "D", "R"}
        Index.

    Returns
    -------
    SegregationBound
    """
    policy = policy or Policy()
    _check_objective(population, objective)
    start = time.perf_counter()
    policy.rules(population)  # raises InfeasiblePolicyError with an explanation
    n, _ = policy.school_count_range()
    schools = np.repeat(population.counts[None] / n, n, axis=0)
    witness = Witness(schools, population)
    value = witness.index(objective)
    return SegregationBound(
        objective,
        "min",
        value,
        value,
        True,
        "district composition (convexity)",
        "optimal",
        "none",
        time.perf_counter() - start,
        0.0,
        0.0,
        0,
        witness,
        notes=["every school mirrors the district; by convexity nothing is lower"],
    )


_POLICY_OPTIONS = ("attribute_tolerance", "min_school_share", "max_school_share")
_METHOD_OPTIONS = ("objective", "pair", "gap", "solver", "method")


def maxseg(population: Population, tolerance: float = 0.0, **options: Any) -> SegregationBound:
    """The maximum segregation (bracket and witness) a policy allows for ``population``.

    The notebook form of ``assignopt maxseg``: ``ao.maxseg(d.population(), tolerance=0.1)``.

    Parameters
    ----------
    population : Population
        Students by group and income class (e.g. ``District.population()``).
    tolerance : float
        Income-balance tolerance d in [0, 0.5).
    **options
        The policy's ``attribute_tolerance``, ``min_school_share``, ``max_school_share``, and
        the method's ``objective`` (V, H, D, R), ``pair`` (two group names), ``gap``,
        ``solver`` and ``method`` (as :func:`maximum_segregation`).

    Returns
    -------
    SegregationBound
        ``.lower``, ``.upper`` and ``.witness``.

    Raises
    ------
    InputError
        For an option that is not one of these, naming it.
    """
    unknown = sorted(set(options) - {*_POLICY_OPTIONS, *_METHOD_OPTIONS})
    if unknown:
        raise InputError(
            f"unknown option(s) {', '.join(unknown)}; allowed: "
            f"{', '.join((*_POLICY_OPTIONS, *_METHOD_OPTIONS))}"
        )
    policy = Policy(tolerance, **{k: v for k, v in options.items() if k in _POLICY_OPTIONS})
    method = {k: v for k, v in options.items() if k in _METHOD_OPTIONS}
    objective = method.pop("objective", "V")
    return maximum_segregation(population, policy, objective, **method)


class _CallableModule(types.ModuleType):
    """``assignopt.maxseg`` is both this module and the notebook function ``ao.maxseg``.

    Importing a submodule sets it as an attribute of its package, which would hide the
    function ``assignopt.maxseg``; calling the module calls :func:`maxseg` instead.
    """

    def __call__(self, population: Population, tolerance: float = 0.0, **options: Any) -> Any:
        return maxseg(population, tolerance, **options)


sys.modules[__name__].__class__ = _CallableModule
