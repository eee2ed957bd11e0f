"""Free enrolment with income bands: a small LP seeded by the network without the bands.

A band on a free enrolment bounds a ratio of two flows into one school, so the problem is not
a network; but it is close to one. The min-cost flow of the same district without the bands
(:func:`~assignopt.spatial.netflow.network_seed`, enrolment up to capacity) gives each
school a potential, and with it each neighborhood a reduced distance to every school. Most
neighborhoods have one school clearly best; only those whose best and next schools are within
``delta`` of each other are *contested*.

1. **Seed.** The network without bands (students rounded down to 1/100 where they are
   fractional: a seed need not be exact). ``delta`` is the gap (second best minus best reduced
   distance) below which ``contested_share`` of the neighborhoods fall.
2. **Reduced LP.** An uncontested (neighborhood, class) sends all its students to its one
   school: a constant load on the school rows. HiGHS solves the LP of the contested sources
   alone (their supply rows, every school's capacity and band rows, the arcs within
   ``delta``). Infeasible: the share doubles, up to every source.
3. **Pricing.** The LP's duals price every arc of every source (an uncontested source's own
   dual makes its one arc's reduced cost zero). A source with a negative arc becomes contested
   (its row and its arcs join the live model, its load leaves the school rows) and the LP is
   re-solved from the previous basis. No negative arc left: the restricted optimum is optimal
   for the whole LP (the certificate, reported as the final minimum reduced cost).

Same model and optimum as :func:`~assignopt.spatial.pricing.transport_by_pricing`; when the
seeded LP stays infeasible with every source contested, that path solves the problem as posed
and names what cannot be met.
"""

from __future__ import annotations

import logging
import time

import numpy as np
import scipy.sparse as sp

from assignopt.errors import InfeasibleError, SolverError, TimeLimitError
from assignopt.lp import add_highs_columns, highs_model, new_highs
from assignopt.spatial.pricing import PRICE_BLOCK as BLOCK
from assignopt.spatial.pricing import negative_arcs, solve_by_pricing
from assignopt.spatial.problem import TransportProblem, TransportSolution, school_rows

__all__ = ["near_arcs", "solve_contested", "transport_by_seeded_pricing"]

log = logging.getLogger(__name__)

# Fractional students are counted in 1/SEED_SCALE of a student for the seed network, whose
# integer costs are in 1/SEED_UNITS_PER_KM km (metres).
SEED_SCALE = 100
SEED_UNITS_PER_KM = 1000


def transport_by_seeded_pricing(
    problem: TransportProblem,
    *,
    time_limit: float | None = None,
    contested_share: float = 0.25,
    add_per_row: int = 2,
    max_rounds: int = 200,
) -> TransportSolution:
    """Solve a free-enrolment transport problem with bands exactly (see the module notes).

    Parameters
    ----------
    problem : TransportProblem
        Free enrolment (``fixed_enrolment`` False), split neighborhoods, any bands and travel
        cap.
    time_limit : float, optional
        Seconds per HiGHS call.
    contested_share : float
        Share of neighborhoods contested in the first LP.
    add_per_row : int
        Most negative arcs added per (neighborhood, class) and round.
    max_rounds : int
        Pricing rounds before giving up (an error: the answer would not be proven).

    Returns
    -------
    TransportSolution
        ``status`` ``optimal``; ``formulation`` names the seed, the rounds, the contested
        sources and arcs, and the final minimum reduced cost.

    Raises
    ------
    InfeasibleError
        If no assignment exists (named by :func:`~assignopt.spatial.pricing.
        transport_by_pricing`).
    SolverError
        If pricing does not converge; :class:`TimeLimitError` if a HiGHS call reaches
        ``time_limit``.
    """
    start = time.perf_counter()
    try:
        school_potential = _seed_potentials(problem)
    except InfeasibleError:  # the rounded seed; the problem as posed says why, in its terms
        school_potential = None
    share = contested_share
    while school_potential is not None:
        arcs = near_arcs(problem, school_potential, share)
        seed = f"seeded by the network without bands (share {share:.0%})"
        solution = solve_contested(
            problem,
            arcs,
            start=start,
            seed=seed,
            solver="ortools + highs (seeded pricing)",
            time_limit=time_limit,
            add_per_row=add_per_row,
            max_rounds=max_rounds,
        )
        if solution is not None:
            return solution
        if share >= 1.0:
            break
        share = min(1.0, 2 * share)
        log.info(f"    seeded LP infeasible; contesting {share:.0%} of neighborhoods")
    return solve_by_pricing(problem, time_limit)


def solve_contested(
    problem: TransportProblem,
    arcs: tuple[np.ndarray, np.ndarray],
    *,
    start: float,
    seed: str,
    solver: str,
    time_limit: float | None = None,
    add_per_row: int = 2,
    max_rounds: int = 200,
) -> TransportSolution | None:
    """The exact optimum from starting arcs, or None if their reduced LP is infeasible.

    ``arcs`` are ``(source, school)`` with source ``neighborhood * K + class``; a source with
    one arc is uncontested (its students a constant load on its school's rows). Either
    enrolment: the school rows are :func:`~assignopt.spatial.problem.school_rows`. ``seed``
    and ``solver`` name the start and the path in the solution.
    """
    lp = _ContestedLP(problem, *arcs, time_limit)
    if not lp.solve_first():
        return None
    return lp.price(start, add_per_row, max_rounds, seed, solver)


def _seed_potentials(problem: TransportProblem) -> np.ndarray:
    """School potentials (km) of the min-cost flow without bands, enrolment up to capacity."""
    from assignopt.spatial.netflow import network_seed, seat_model

    students = problem.supply.sum(axis=1, keepdims=True)
    capacity = problem.capacity
    if not problem.whole_numbers:
        students = np.floor(students * SEED_SCALE + 1e-9)
        capacity = np.floor(capacity * SEED_SCALE + 1e-9)
        short = students.sum() - capacity.sum()
        if short > 0:
            capacity[np.argmax(capacity)] += short
    seats = seat_model(capacity, [], 1, False, problem.labels)
    _, duals = network_seed(
        students,
        problem.km,
        seats,
        allowed=problem.allowed,
        labels=problem.labels,
        units_per_km=SEED_UNITS_PER_KM,
    )
    return duals.sink[:, 0] / SEED_UNITS_PER_KM


def near_arcs(
    problem: TransportProblem, potential: np.ndarray, share: float
) -> tuple[np.ndarray, np.ndarray]:
    """Each source's arcs within ``delta`` of its best reduced distance ``km - potential``.

    ``delta`` is the gap (second best minus best) below which ``share`` of the neighborhoods
    with students fall; with ``share`` 1 every such neighborhood has at least two arcs.
    """
    n, k = problem.supply.shape
    s = problem.n_schools
    flat = problem.supply.ravel()
    blocked = None if problem.allowed.all() else ~problem.allowed

    def reduced(b0: int) -> np.ndarray:
        red = problem.km[b0 : b0 + BLOCK] - potential[None, :]
        if blocked is not None:
            red = np.where(blocked[b0 : b0 + BLOCK], np.inf, red)
        return red

    best = np.empty(n)
    gap = np.empty(n)
    for b0 in range(0, n, BLOCK):
        red = reduced(b0)
        two = np.partition(red, 1, axis=1)[:, :2] if s > 1 else np.c_[red, red + np.inf]
        best[b0 : b0 + BLOCK], gap[b0 : b0 + BLOCK] = two[:, 0], two[:, 1] - two[:, 0]
    live_rows = flat.reshape(n, k).sum(axis=1) > 0
    finite = gap[live_rows & np.isfinite(gap)]
    delta = float(np.quantile(finite, min(share, 1.0))) if finite.size else 0.0
    if share >= 1.0:
        delta = max(delta, 0.0) * 1.0000001 + 1e-12
    rows, schools = [], []
    for b0 in range(0, n, BLOCK):
        r, j = np.nonzero(reduced(b0) <= best[b0 : b0 + BLOCK, None] + delta)
        rows.append(b0 + r)
        schools.append(j)
    rows, schools = np.concatenate(rows), np.concatenate(schools)
    src = (rows[:, None] * k + np.arange(k)[None, :]).ravel()
    school = np.repeat(schools, k)
    keep = flat[src] > 0
    return src[keep], school[keep]


class _ContestedLP:
    """The reduced LP of the contested sources, kept live in HiGHS across pricing rounds."""

    def __init__(
        self,
        problem: TransportProblem,
        arc_src: np.ndarray,
        arc_school: np.ndarray,
        time_limit: float | None,
    ):
        self.problem = problem
        self.km = problem.km
        n, k = problem.supply.shape
        s = problem.n_schools
        self.n, self.k, self.s = n, k, s
        self.flat = problem.supply.ravel()
        self.blocked = None if problem.allowed.all() else ~problem.allowed
        self.coef, lower, upper, _ = school_rows(
            problem.capacity, problem.bands, k, problem.fixed_enrolment, problem.labels
        )
        self.n_blocks = self.coef.shape[0]
        self.lower, self.upper = lower, upper
        self.time_limit = time_limit
        self.big = 10.0 * (float(self.km.max()) + 1.0)
        key = np.unique(np.asarray(arc_src, np.int64) * s + np.asarray(arc_school, np.int64))
        src, school = key // s, key % s
        keep = (self.flat[src] > 0) & problem.allowed[src // k, school]
        self.arc_src, self.arc_school = src[keep], school[keep]

    # -- the live model ----------------------------------------------------------------------

    def solve_first(self) -> bool:
        """Build and solve the first reduced LP; False if it is infeasible."""
        import highspy

        n, k, s, nb = self.n, self.k, self.s, self.n_blocks
        count = np.bincount(self.arc_src, minlength=n * k)
        self.contested = count >= 2
        on = self.contested[self.arc_src]
        self.fixed_src = np.full(n * k, -1, np.int64)  # school of an uncontested source
        self.fixed_src[self.arc_src[~on]] = self.arc_school[~on]
        load = np.zeros((nb, s))
        f_src, f_school = self.arc_src[~on], self.arc_school[~on]
        for b in range(nb):
            np.add.at(load[b], f_school, self.coef[b, f_src % k] * self.flat[f_src])
        self.load = load
        c_ids = np.flatnonzero(self.contested)
        self.row_of = np.full(n * k, -1, np.int64)
        self.row_of[c_ids] = np.arange(c_ids.size)
        self.n_supply_rows = c_ids.size
        a_src, a_school = self.arc_src[on], self.arc_school[on]
        self.col_src, self.col_school = [a_src], [a_school]
        self.active = np.zeros((n * k, s), bool)  # arcs in the model, or an own arc
        self.active[self.arc_src, self.arc_school] = True
        n_rows = c_ids.size + nb * s
        matrix = self._columns(a_src, a_school, n_rows)
        model = highs_model(
            self.km[a_src // k, a_school],
            matrix,
            np.zeros(a_src.size),
            np.full(a_src.size, np.inf),
            np.concatenate([self.flat[c_ids], self._school_lower()]),
            np.concatenate([self.flat[c_ids], self._school_upper()]),
        )
        self.highs = new_highs(self.time_limit, {"presolve": "off"})
        self.highs.passModel(model)
        self.rounds = 0
        status = self._run("simplex")
        if status == highspy.HighsModelStatus.kModelEmpty:  # every source uncontested
            tol = 1e-9 * max(1.0, float(self.flat.sum()))
            return bool(
                np.all(self._school_lower() <= tol) and np.all(self._school_upper() >= -tol)
            )
        if status == highspy.HighsModelStatus.kInfeasible:
            return False
        self._check(status)
        return True

    def _school_lower(self) -> np.ndarray:
        return (self.lower - self.load).ravel()

    def _school_upper(self) -> np.ndarray:
        return (self.upper - self.load).ravel()

    def _school_row(self, b: int, school: np.ndarray) -> np.ndarray:
        return self.n_supply_rows + b * self.s + school

    def _columns(self, src: np.ndarray, school: np.ndarray, n_rows: int) -> sp.csc_matrix:
        """The columns of arcs ``(src, school)``: their supply row and the school rows."""
        m, k = src.size, self.k
        rows = [self._supply_row(src)] + [self._school_row(b, school) for b in range(self.n_blocks)]
        vals = [np.ones(m)] + [self.coef[b, src % k] for b in range(self.n_blocks)]
        cols = np.tile(np.arange(m), 1 + self.n_blocks)
        return sp.csc_matrix(
            (np.concatenate(vals), (np.concatenate(rows), cols)), shape=(n_rows, m)
        )

    def _supply_row(self, src: np.ndarray) -> np.ndarray:
        """LP row of contested sources.

        The first contested sources' rows come before the school rows, later ones after them.
        """
        row = self.row_of[src]
        first = row < self.n_supply_rows
        return np.where(first, row, row + self.n_blocks * self.s)

    def _run(self, method: str):
        import highspy

        self.highs.setOptionValue("solver", method)
        self.highs.run()
        self.rounds += 1
        status = self.highs.getModelStatus()
        if status == highspy.HighsModelStatus.kTimeLimit:
            raise TimeLimitError(
                f"a pricing round reached its time limit ({self.time_limit} s) before an "
                "optimum; raise time_limit"
            )
        return status

    def _check(self, status) -> None:
        import highspy

        if status not in (highspy.HighsModelStatus.kOptimal, highspy.HighsModelStatus.kModelEmpty):
            raise SolverError(
                "the seeded transport LP ended with status "
                f"{self.highs.modelStatusToString(status)!r}"
            )

    # -- pricing -----------------------------------------------------------------------------

    def _duals(self) -> tuple[np.ndarray, np.ndarray]:
        """Source duals and school terms.

        Source duals ``(N * K,)`` are derived for uncontested sources; the school terms
        ``(S, K)`` are what a class-k student pays in school-row duals.
        """
        n, k, s, nb = self.n, self.k, self.s, self.n_blocks
        dual = np.asarray(self.highs.getSolution().row_dual)
        n_first = self.n_supply_rows
        y_school = dual[n_first : n_first + nb * s].reshape(nb, s)
        term = (self.coef.T @ y_school).T  # (S, K)
        u = np.zeros(n * k)
        c_ids = np.flatnonzero(self.contested)
        u[c_ids] = dual[self._supply_row(c_ids)]
        f_ids = np.flatnonzero(self.fixed_src >= 0)  # uncontested sources
        f_school = self.fixed_src[f_ids]
        u[f_ids] = self.km[f_ids // k, f_school] - term[f_school, f_ids % k]
        return u, term

    def _price_round(self, add_per_row: int) -> tuple[np.ndarray, np.ndarray, float]:
        """Arcs with negative reduced cost (up to ``add_per_row`` per source)."""
        n, k, s = self.n, self.k, self.s
        u, term = self._duals()
        nb, cls, school, min_reduced = negative_arcs(
            self.km,
            term,
            u.reshape(n, k),
            threshold=-1e-9 * self.big,
            take=add_per_row,
            active=self.active.reshape(n, k, s),
            blocked=self.blocked,
            live=self.flat.reshape(n, k) > 0,
        )
        return nb * k + cls, school, min_reduced

    def _add(self, src: np.ndarray, school: np.ndarray) -> None:
        """Add priced arcs; their uncontested sources join the model with their own arc."""
        k, s, nb = self.k, self.s, self.n_blocks
        joining = np.unique(src[~self.contested[src]])
        if joining.size:
            own = self.fixed_src[joining]
            for b in range(nb):
                np.subtract.at(self.load[b], own, self.coef[b, joining % k] * self.flat[joining])
            n_rows_before = self.highs.getNumRow()
            first_new = self.n_supply_rows + (n_rows_before - self.n_supply_rows - nb * s)
            self.row_of[joining] = first_new + np.arange(joining.size)
            self.contested[joining] = True
            self.fixed_src[joining] = -1
            amount = self.flat[joining]
            self.highs.addRows(
                joining.size,
                amount,
                amount,
                0,
                np.zeros(0, np.int32),
                np.zeros(0, np.int32),
                np.zeros(0),
            )
            idx = self.n_supply_rows + np.arange(nb * s, dtype=np.int32)
            self.highs.changeRowsBounds(idx.size, idx, self._school_lower(), self._school_upper())
            src = np.concatenate([joining, src])
            school = np.concatenate([own, school])
        n_rows = self.highs.getNumRow()
        add_highs_columns(self.highs, self.km[src // k, school], self._columns(src, school, n_rows))
        self.col_src.append(src)
        self.col_school.append(school)
        self.active[src, school] = True

    def price(
        self, start: float, add_per_row: int, max_rounds: int, seed: str, solver: str
    ) -> TransportSolution:
        """Price and re-solve until no arc is negative; the proven solution."""
        first_contested = int(self.contested.sum())
        for _ in range(max_rounds):
            src, school, min_reduced = self._price_round(add_per_row)
            log.info(
                f"    seeded pricing round {self.rounds}: "
                f"{int(self.contested.sum()):,} contested sources, "
                f"{self.highs.getNumCol():,} arcs, {src.size:,} priced in "
                f"(min reduced cost {min_reduced:.3g} km)"
            )
            if src.size == 0:
                break
            self._add(src, school)
            self._check(self._run("simplex"))
        else:
            raise SolverError(f"pricing did not converge in {max_rounds} rounds; use the dense LP")
        n, k, s = self.n, self.k, self.s
        flows = np.zeros((n, k, s))
        f_ids = np.flatnonzero(self.fixed_src >= 0)  # uncontested sources
        flows[f_ids // k, f_ids % k, self.fixed_src[f_ids]] = self.flat[f_ids]
        x = np.maximum(np.asarray(self.highs.getSolution().col_value), 0.0)
        col_src, col_school = np.concatenate(self.col_src), np.concatenate(self.col_school)
        np.add.at(flows, (col_src // k, col_src % k, col_school), x)
        return TransportSolution.from_flows(
            flows,
            self.km,
            "optimal",
            solver,
            start,
            f"{'fixed seats' if self.problem.fixed_enrolment else 'enrolment up to capacity'}"
            f"; {seed}; {first_contested:,} of {int((self.flat > 0).sum()):,} sources "
            f"contested at first, {int(self.contested.sum()):,} at the end; "
            f"{self.rounds} LP solves, {col_src.size:,} arcs, min reduced cost "
            f"{min_reduced:.2e}",
        )
