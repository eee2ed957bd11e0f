"""The certified cell bracket: a relaxation over cells of the composition simplex.

The group-composition simplex is cut into cells (intervals of the Black share for two groups,
a Freudenthal triangulation for more); a school type may take any composition inside its cell
and phi is replaced by its linear interpolation over the cell's vertices, which lies above
phi (phi is convex). The LP optimum is an *upper* value; its solution is a feasible set of
schools whose recomputed index is a *lower* value. Cells holding the gap are split until
``upper - lower <= gap``. For two-group D, cells split at ``pi_b`` make the interpolation
exact.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, replace
from typing import Protocol

import numpy as np
import scipy.sparse as sp

from assignopt.errors import TimeLimitError
from assignopt.lp import LinearProgram, LPSolution, solve
from assignopt.maxseg.common import raise_unsolved
from assignopt.maxseg.geometry import (
    IndexTerm,
    chord,
    fan_cells,
    freudenthal_cells,
    interval_cells,
)
from assignopt.maxseg.memory import (
    BRACKET_BYTES_PER_NONZERO,
    bracket_nonzeros,
    check_memory,
    scaled,
)
from assignopt.maxseg.result import SegregationBound
from assignopt.policy import BalanceRule
from assignopt.population import Population
from assignopt.witness import Witness

__all__ = [
    "Extension",
    "bracket_lp",
    "bracket_multigroup",
    "bracket_two_groups",
    "multigroup_divisions",
]

# The bracket LPs are highly degenerate: HiGHS's interior point method (with crossover to a
# vertex) solved them 2-3x faster than its simplex (benchmarks/bench_maxseg.py).
_BRACKET_OPTIONS = {"solver": "ipm", "primal_feasibility_tolerance": 1e-9}
#: Reduced cost above which a placement column left out of a bracket LP is added back.
_PRICING_TOLERANCE = 1e-9
#: Classes either side of a parent cell's placements that its children start with.
_KEEP_MARGIN = 1
#: Children of each copy of a cell's size in the bracket LP (see ``bracket_lp``).
_COPY_FANOUT = 4
#: Starting grid of the two-group bracket: 16 intervals of the Black share (and pi_b).
TWO_GROUP_BREAKPOINTS = 17


def multigroup_divisions(n_groups: int) -> tuple[int, int]:
    """First and finest Freudenthal grid divisions tried for ``n_groups`` groups."""
    return 4, {3: 128, 4: 24, 5: 10}.get(n_groups, 6)


def bracket_lp(
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
    # with t_g = sum_v lambda[g, v]. Written with lambda directly, each lambda column would
    # hold an entry in every band row of its cell (a dense column, slow for the interior
    # point); instead t_g has one copy per rule, linked by equality rows in a shallow tree
    # (copy 0 = sum of lambda, copy i = copy (i - 1) // _COPY_FANOUT), so every column stays
    # short and rounding can drift through only a few links. Same LP after substitution.
    # With equality bands only (perfect balance) each lambda meets half as many rows and the
    # copies measured slower (benchmarks/RESULTS.md): they are used for two-sided bands.
    two_sided = any(rule.lower != rule.upper for rule in rules)
    n_copy = len(rules) if size is None and two_sided else 0
    copy_id = n_x + n_lam + np.arange(g_n * n_copy).reshape(g_n, n_copy)
    if n_copy:
        chain = n_rows + np.arange(g_n * n_copy).reshape(g_n, n_copy)
        add(chain, copy_id, 1.0)
        add(np.broadcast_to(chain[:, :1], (g_n, m)), lam_id, -1.0)
        parent = (np.arange(1, n_copy) - 1) // _COPY_FANOUT
        add(chain[:, 1:], copy_id[:, parent], -1.0)
        lo.append(np.zeros(g_n * n_copy))
        hi.append(np.zeros(g_n * n_copy))
        n_rows += g_n * n_copy
    for i_rule, rule in enumerate(rules):
        cat = np.flatnonzero(rule.categories)
        bounds = (
            [(rule.lower, rule.upper)]
            if rule.lower == rule.upper
            else [(rule.lower, np.inf), (rule.upper, -np.inf)]
        )
        for coef, _ in bounds:
            r = n_rows + np.arange(g_n)
            add(np.broadcast_to(r[:, None, None], (g_n, m, cat.size)), x_id[:, :, cat], 1.0)
            if n_copy:
                add(r, copy_id[:, i_rule], -coef)
            else:
                add(np.broadcast_to(r[:, None], (g_n, m)), lam_id, -coef)
            n_rows += g_n
        if rule.lower == rule.upper:
            lo.append(np.zeros(g_n))
            hi.append(np.zeros(g_n))
        else:
            lo += [np.zeros(g_n), np.full(g_n, -np.inf)]
            hi += [np.full(g_n, np.inf), np.zeros(g_n)]
    n_cols = n_x + n_lam + g_n * n_copy
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


def _witness_from_bracket(population, cells, solution, size, pair):
    g_n, m, c = cells.shape[0], population.n_groups, population.n_categories
    x = np.maximum(solution.x[: g_n * m * c].reshape(g_n, m, c), 0.0)
    sizes = x.sum(axis=(1, 2))
    used = sizes > 1e-12
    n_schools = None
    if size is not None:
        n_schools = np.round(solution.x[g_n * m * (c + 1) :][used]).astype(int)
    return Witness(x[used] * population.total, population, n_schools, pair=pair), used


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


class Extension(Protocol):
    """Columns and rows added to every bracket LP (e.g. the split of unknown crosstabs)."""

    def __call__(self, lp: LinearProgram) -> LinearProgram:
        """The bracket LP with the extension's columns appended after its own."""
        ...

    def keep(self, x: np.ndarray) -> None:
        """Receive the solution of the round whose witness is the best so far."""
        ...


def _solve_pruned(
    lp: LinearProgram, keep: np.ndarray, solver: str, time_limit: float | None
) -> LPSolution:
    """Solve ``lp`` over the placement columns in ``keep`` (and every other column), priced.

    The placement columns ``x`` come first in the bracket LP; those left out are priced with
    the row duals of the smaller LP, and any with a positive reduced cost (to 1e-9) is added
    before solving again, so the optimum returned is the optimum of the whole LP. The
    solution is mapped back to every column (the ones left out are 0).
    """
    n_cols = lp.shape[1]
    cols = np.ones(n_cols, dtype=bool)
    cols[: keep.size] = keep.ravel()
    matrix = sp.csc_matrix(lp.matrix)
    seconds = 0.0
    while True:
        sub = LinearProgram(
            lp.cost[cols],
            matrix[:, cols],
            lp.row_lower,
            lp.row_upper,
            lp.col_lower[cols],
            lp.col_upper[cols],
            None,
            maximize=lp.maximize,
        )
        solution = solve(sub, solver, time_limit, _BRACKET_OPTIONS)
        seconds += solution.seconds
        if solution.status != "optimal" or solution.row_dual is None:
            whole = solve(lp, solver, time_limit, _BRACKET_OPTIONS)  # decided on the whole LP
            return replace(whole, seconds=seconds + whole.seconds)
        # Reduced costs c - A^T y of the columns left out: a maximum needs them <= 0.
        reduced = lp.cost - matrix.T @ solution.row_dual
        if not lp.maximize:
            reduced = -reduced
        enter = ~cols & (reduced > _PRICING_TOLERANCE)
        if not enter.any():
            break
        cols |= enter
    x = np.zeros(n_cols)
    x[cols] = solution.x
    return replace(solution, x=x, seconds=seconds)


def _solve_cells(
    population,
    rules,
    cells,
    term,
    size,
    solver,
    time_limit,
    pair,
    memory_limit,
    extension=None,
    keep=None,
) -> _CellRound:
    """Build and solve the relaxation over ``cells``; its witness's index is the lower value.

    ``keep`` (cells x groups x categories, bool) names the placement columns to start from
    (:func:`_solve_pruned`); the optimum is the whole LP's either way.
    """
    need = BRACKET_BYTES_PER_NONZERO * bracket_nonzeros(population, rules, len(cells), size)
    check_memory(
        f"bracket LP over {len(cells):,} cells",
        population,
        scaled(need, population.n_classes),
        memory_limit,
    )
    t0 = time.perf_counter()
    phi = term(cells)
    lp = bracket_lp(population, rules, cells, phi, size)
    if extension is not None:
        lp = extension(lp)
    build_seconds = time.perf_counter() - t0
    if keep is None or lp.is_mip or solver != "highs":
        solution = solve(lp, solver, time_limit, _BRACKET_OPTIONS)
    else:
        solution = _solve_pruned(lp, keep, solver, time_limit)
    raise_unsolved(solution, "bracket LP", lp.is_mip)
    witness, used = _witness_from_bracket(population, cells, solution, size, pair)
    upper = solution.dual_bound if size is not None else solution.objective
    return _CellRound(
        lp, solution, witness, used, phi, witness.index(term.objective), upper, build_seconds
    )


def _bracket_result(
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
    pair,
) -> SegregationBound:
    lower, witness = best
    status = last.solution.status if upper_best - lower <= gap else "gap_not_reached"
    return SegregationBound(
        objective=objective,
        sense="max",
        lower=lower,
        upper=max(upper_best, lower),
        exact=exact,
        method="bracket MILP" if size is not None else "bracket LP",
        status=status,
        solver=last.solution.solver,
        seconds=time.perf_counter() - start,
        build_seconds=build,
        solve_seconds=solve_time,
        iterations=iteration,
        witness=witness,
        n_variables=last.lp.shape[1],
        n_constraints=last.lp.shape[0],
        notes=notes,
        pair=pair,
    )


def _children_keep(
    last: _CellRound, parents: np.ndarray, breakpoints: np.ndarray, population: Population
) -> np.ndarray:
    """Placement columns each new cell starts from: its parent cell's, widened.

    A cell whose parent held students starts with the (group, category) placements the parent
    used, and ``_KEEP_MARGIN`` categories either side; a group the parent did not place at all
    (an empty parent, or a one-group edge cell) starts with every category. The rest are
    priced (:func:`_solve_pruned`).
    """
    m, c = population.n_groups, population.n_categories
    n_old = len(parents) - 1
    used = last.solution.x[: n_old * m * c].reshape(n_old, m, c) > 1e-12
    wide = used.copy()
    for step in range(1, _KEEP_MARGIN + 1):
        wide[..., step:] |= used[..., :-step]
        wide[..., :-step] |= used[..., step:]
    wide[~used.any(axis=2)] = True  # a group the parent did not place may enter anywhere
    middle = (breakpoints[:-1] + breakpoints[1:]) / 2
    parent = np.clip(np.searchsorted(parents, middle) - 1, 0, n_old - 1)
    return wide[parent]


def bracket_two_groups(
    population: Population,
    rules: list[BalanceRule],
    term: IndexTerm,
    size: tuple[float, float] | None,
    gap: float,
    solver: str,
    max_iterations: int,
    time_limit: float | None,
    start: float,
    memory_limit: float | None = None,
    extension: Extension | None = None,
) -> SegregationBound:
    """The bracket over intervals of the Black share, split where the gap lies.

    Two groups: the cells are intervals of the Black share. A pair with fillers (three
    groups: b, w, fillers): the cells are *fans*, triangles joining an interval of the pair's
    Black share ``a = b / (b + w)`` to the all-filler vertex. The pair's term is positively
    homogeneous in (b, w) and zero at that vertex, so it is linear along each ray from it: the
    interpolation's only error is the chord over ``a``, as for two groups.
    """
    objective = term.objective
    fan = population.n_groups == 3
    shares = population.group_shares
    pi_b = float(shares[0] / (shares[0] + shares[1]) if fan else shares[0])
    grid = np.linspace(0, 1, TWO_GROUP_BREAKPOINTS)
    # A grid point a rounding away from pi_b would leave a cell of width ~1e-17 (0.5 and
    # 0.49999999999999994 with equal groups): pi_b replaces it.
    breakpoints = np.unique(np.concatenate([grid[np.abs(grid - pi_b) > 1e-9], [pi_b]]))
    build = solve_time = 0.0
    best: tuple[float, Witness] | None = None
    upper_best = 1.0  # no index exceeds 1
    pair = term.pair and tuple(population.groups[i] for i in term.pair)
    keep = None
    timed_out, parents = False, breakpoints
    for iteration in range(1, max_iterations + 1):  # noqa: B007 (reported after the loop)
        cells = fan_cells(breakpoints) if fan else interval_cells(breakpoints)
        solved = _round_within_limit(
            best is not None,
            population,
            rules,
            cells,
            term,
            size,
            solver,
            time_limit,
            pair,
            memory_limit,
            extension,
            keep,
        )
        if solved is None:
            timed_out, breakpoints = True, parents  # the last complete round stands
            iteration -= 1
            break
        last = solved
        build += last.build_seconds
        solve_time += last.solution.seconds
        if best is None or last.lower > best[0]:
            best = (last.lower, last.witness)
            if extension is not None:
                extension.keep(last.solution.x)
        upper_best = min(upper_best, last.upper)
        if upper_best - best[0] <= gap:
            break
        # Split each cell that holds part of the gap at the witness's Black share there.
        witness, used = last.witness, last.used
        a, b = breakpoints[:-1][used], breakpoints[1:][used]
        if fan:
            in_pair = witness.group_counts[:, 0] + witness.group_counts[:, 1]
            comp = np.divide(
                witness.group_counts[:, 0], in_pair, out=(a + b) / 2, where=in_pair > 0
            )
            weight = in_pair / population.total
            at = np.column_stack([comp, 1 - comp, np.zeros_like(comp)])
        else:
            comp = witness.group_counts[:, 0] / witness.sizes
            weight = witness.sizes / population.total
            at = np.column_stack([comp, 1 - comp])
        contribution = weight * (chord(cells[used], last.phi[used], comp) - term(at))
        split = contribution > 0.05 * contribution.max()
        inside = (comp - a > 1e-9) & (b - comp > 1e-9)
        new = np.where(inside, comp, (a + b) / 2)[split]
        parents, breakpoints = breakpoints, np.unique(np.concatenate([breakpoints, new]))
        if size is None:  # the mixed-integer program is solved whole
            keep = _children_keep(last, parents, breakpoints, population)
    exact = objective == "D" and size is None
    notes = [f"{len(breakpoints) - 1} Black-share cells after {iteration} refinements"]
    if exact:
        notes.append("D is linear on each side of the district share: the bracket is exact")
    result = _bracket_result(
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
        pair,
    )
    return _timed_out(result) if timed_out else result


def _round_within_limit(after_a_round: bool, *args) -> _CellRound | None:
    """:func:`_solve_cells` (same arguments); None if it reaches the time limit after a round.

    The first round's time limit is an error: no bracket is proven yet.
    """
    try:
        return _solve_cells(*args)
    except TimeLimitError:
        if not after_a_round:
            raise
        return None


def _timed_out(result: SegregationBound) -> SegregationBound:
    """A bracket whose next round reached the time limit: the last complete round's."""
    note = "the next round reached its time limit: the bracket is the last complete round's"
    return replace(result, status="time_limit", notes=[*result.notes, note])


def bracket_multigroup(
    population: Population,
    rules: list[BalanceRule],
    term: IndexTerm,
    size: tuple[float, float] | None,
    gap: float,
    solver: str,
    max_iterations: int,
    time_limit: float | None,
    start: float,
    pair: tuple[str, str] | None = None,
    memory_limit: float | None = None,
    extension: Extension | None = None,
) -> SegregationBound:
    """The bracket over Freudenthal triangulations, refined by halving the grid step."""
    m = population.n_groups
    divisions, limit = multigroup_divisions(m)
    build = solve_time = 0.0
    best: tuple[float, Witness] | None = None
    upper_best = np.inf
    iteration = 0
    timed_out = False
    while iteration < max_iterations and divisions <= limit:
        iteration += 1
        cells = freudenthal_cells(m, divisions)
        solved = _round_within_limit(
            best is not None,
            population,
            rules,
            cells,
            term,
            size,
            solver,
            time_limit,
            pair,
            memory_limit,
            extension,
        )
        if solved is None:
            timed_out, iteration, divisions = True, iteration - 1, divisions // 2
            break
        last = solved
        build += last.build_seconds
        solve_time += last.solution.seconds
        upper_best = min(upper_best, last.upper)
        if best is None or last.lower > best[0]:
            best = (last.lower, last.witness)
            if extension is not None:
                extension.keep(last.solution.x)
        if upper_best - best[0] <= gap:
            break
        divisions *= 2
    notes = [f"Freudenthal triangulation with grid step 1/{divisions} of the {m}-group simplex"]
    if upper_best - best[0] > gap and not timed_out:
        notes.append(f"stopped at the finest grid for {m} groups; the bracket is still certified")
    result = _bracket_result(
        term.objective,
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
        pair,
    )
    return _timed_out(result) if timed_out else result
