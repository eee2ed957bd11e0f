"""The assigned V over every race x class split consistent with a district's margins.

Real data often give each neighborhood's race totals ``R[n, g] = sum_k x[n, g, k]`` and class
totals ``C[n, k] = sum_g x[n, g, k]`` but not the crosstab ``x``. A race-blind assignment moves
``flows[n, k, s]`` students by neighborhood and class only, and each flow carries its
neighborhood's racial mix within its class, so school ``s`` holds

    b_s = sum_{n,k} x[n, b, k] a[n, k, s],   w_s = sum_{n,k} x[n, w, k] a[n, k, s],

with ``a = flows / C`` (the share of cell (n, k) sent to s). With ``t_s = b_s + w_s`` and the
pair's totals B, W, T = B + W (fixed by the margins),

    V(x) = (sum_s b_s^2 / t_s - B^2 / T) / (B W / T).

Only the pair's cells ``u = x[:, b, :]``, ``v = x[:, w, :]`` enter V, and the other groups can
fill what the pair leaves of every cell exactly when ``u + v <= C`` (a transportation problem
with equal totals and non-negative supplies is always feasible), so the consistent pairs
``(u, v)`` form the polytope

    P = {u, v >= 0 : sum_k u[n, k] = R[n, b], sum_k v[n, k] = R[n, w], u + v <= C},

exactly (the Frechet / Duncan-Davis cell bounds ``max(0, R + C - N) <= x <= min(R, C)`` are
implied). Each term ``b^2 / t`` is a perspective, jointly convex in (b, t), so V is convex on P:

- Minimum (exact): with two groups t_s is fixed and V is a convex quadratic (one HiGHS QP);
  with other groups t_s varies and Newton steps (each a HiGHS QP of the second-order model, with
  a line search) converge. The certificate: ``b^2/t = 2 beta b - beta^2 t + (b - beta t)^2 / t``
  for every ``beta``, so with ``t_up >= t_s`` over P the convex quadratic
  ``sum_s 2 beta_s b_s - beta_s^2 t_s + (b_s - beta_s t_s)^2 / t_up_s`` lies below
  ``sum_s b_s^2 / t_s`` on P and touches it where the shares are ``beta``. Its minimum over P,
  bounded below by the Lagrangian dual at HiGHS's row multipliers (weak duality holds whatever
  the solver's accuracy), is a lower bound on the minimum of V, equal to it at the optimal
  shares.
- Maximum (a certified bracket): the maximum of a convex function over a polytope is attained at
  a vertex (NP-hard in general). Lower end: the best of successive-linearization ascents (each
  step an LP whose vertex raises V) from the given split and from vertices pushing each school's
  pair students one way. Upper end: a mixed-integer relaxation that cuts each school's share
  range into pieces and bounds ``t beta^2`` by its chord on the chosen piece; its dual bound is
  an upper bound on the maximum, and breakpoints are added at the incumbent's shares until the
  gap closes or time runs out.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp

from assignopt.errors import InputError, SolverError, UndefinedIndexError
from assignopt.lp import highs_model, new_highs

__all__ = ["SplitRange", "assigned_v_range", "split_v"]

#: V gap below which an end of the range counts as exact.
EXACT = 1e-7
#: Floating-point slack between an attained V and its bound (beyond it a bound is wrong).
ROUNDING = 1e-7
#: Seconds allowed to each quadratic program of the minimum.
QP_SECONDS = 2.0
#: HiGHS QP regularizations tried in turn (the certificate holds whatever the solver returns).
QP_REGULARIZATION = (0.0, 1e-11)


@dataclass(frozen=True)
class SplitRange:
    """The assigned V over the race x class splits consistent with the margins.

    The minimum over consistent splits lies in ``[v_low_bound, v_low]`` and the maximum in
    ``[v_high, v_high_bound]``; ``v_low`` and ``v_high`` are attained by the witnesses
    ``split_low`` and ``split_high`` (students by neighborhood, group and class, with the given
    margins); ``v_low_bound`` is a Lagrangian dual bound of a quadratic below V and
    ``v_high_bound`` the dual bound of a mixed-integer relaxation above it.

    Attributes
    ----------
    v_proportional : float
        V under the split given (the counts as passed: for the sample, the proportional split).
    v_low, v_low_bound : float
        Smallest V attained by a consistent split found; no consistent split has V below
        ``v_low_bound``.
    v_high, v_high_bound : float
        Largest V attained by a consistent split found; no consistent split has V above
        ``v_high_bound``.
    exact_low, exact_high : bool
        Whether the end is known to within :data:`EXACT`.
    method : str
        How each end was found.
    notes : tuple of str
        What is exact and what is a bound, in words.
    split_low, split_high : numpy.ndarray
        The witnesses, ``(N, M, K)``.
    seconds : float
        Wall time.
    """

    v_proportional: float
    v_low: float
    v_low_bound: float
    v_high: float
    v_high_bound: float
    exact_low: bool
    exact_high: bool
    method: str
    notes: tuple[str, ...]
    split_low: np.ndarray = field(repr=False)
    split_high: np.ndarray = field(repr=False)
    seconds: float = 0.0

    def as_dict(self) -> dict:
        """JSON-ready numbers (no witnesses)."""
        return {
            "v_proportional": self.v_proportional,
            "v_low": self.v_low,
            "v_low_bound": self.v_low_bound,
            "v_high": self.v_high,
            "v_high_bound": self.v_high_bound,
            "exact_low": self.exact_low,
            "exact_high": self.exact_high,
            "method": self.method,
            "notes": list(self.notes),
            "seconds": self.seconds,
        }


class _Splits:
    """The polytope P of the pair's cells and V on it; ``z = [u, v]`` flattened by (n, k)."""

    def __init__(self, counts: np.ndarray, flows: np.ndarray, pair: tuple[int, int]) -> None:
        n, _, k = counts.shape
        self.shape = counts.shape
        self.counts, self.pair = counts, pair
        self.cells = counts.sum(axis=1)  # C (N, K)
        share = np.divide(
            flows,
            self.cells[:, :, None],
            out=np.zeros_like(flows),
            where=self.cells[:, :, None] > 0,
        )
        a = sp.csr_matrix(share.reshape(n * k, -1).T)  # (S, NK)
        zero = sp.csr_matrix(a.shape)
        self.gb, self.gw = sp.hstack([a, zero]).tocsr(), sp.hstack([zero, a]).tocsr()
        self.gt = (self.gb + self.gw).tocsr()
        self.rb, self.rw = counts[:, pair[0], :].sum(axis=1), counts[:, pair[1], :].sum(axis=1)
        self.big_b, self.big_w = float(self.rb.sum()), float(self.rw.sum())
        self.total = self.big_b + self.big_w
        cell = self.cells.ravel()
        rows = sp.kron(sp.eye(n), np.ones((1, k)))
        self.matrix = sp.vstack(
            [
                sp.hstack([rows, sp.csr_matrix((n, n * k))]),
                sp.hstack([sp.csr_matrix((n, n * k)), rows]),
                sp.hstack([sp.eye(n * k), sp.eye(n * k)]),
            ]
        ).tocsc()
        self.row_lower = np.concatenate([self.rb, self.rw, np.zeros(n * k)])
        self.row_upper = np.concatenate([self.rb, self.rw, cell])
        everyone = self.cells.sum(axis=1, keepdims=True)
        frechet = [  # Duncan-Davis bounds per cell (implied, they help presolve)
            (np.maximum(0, r[:, None] + self.cells - everyone), np.minimum(r[:, None], self.cells))
            for r in (self.rb, self.rw)
        ]
        self.col_lower = np.concatenate([lo.ravel() for lo, _ in frechet])
        self.col_upper = np.concatenate([hi.ravel() for _, hi in frechet])
        self.t_max = np.asarray(a @ cell).ravel()  # every school's enrolment

    def given(self) -> np.ndarray:
        return np.concatenate([self.counts[:, p, :].ravel() for p in self.pair])

    def parts(self, z: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return self.gb @ z, self.gt @ z

    def f(self, z: np.ndarray) -> float:
        """``sum_s b_s^2 / t_s`` (schools without pair students carry no weight)."""
        b, t = self.parts(z)
        return float(np.sum(np.divide(b * b, t, out=np.zeros_like(b), where=t > 0)))

    def v_of_f(self, value: float) -> float:
        return (value - self.big_b**2 / self.total) * self.total / (self.big_b * self.big_w)

    def shares(self, z: np.ndarray) -> np.ndarray:
        b, t = self.parts(z)
        return np.clip(np.divide(b, t, out=np.zeros_like(b), where=t > 0), 0.0, 1.0)

    def tangent(self, beta: np.ndarray) -> np.ndarray:
        """Cost c with ``c @ z = sum_s (2 beta - beta^2) b_s - beta^2 w_s`` (<= f, = at beta)."""
        return self.gb.T @ (2 * beta - beta**2) - self.gw.T @ beta**2

    def split(self, z: np.ndarray) -> np.ndarray:
        """The full ``(N, M, K)`` split: the pair's cells ``z``, the others proportional."""
        n, m, k = self.shape
        u, v = np.clip(z, 0.0, None).reshape(2, n, k)
        out = np.empty(self.shape)
        out[:, self.pair[0]], out[:, self.pair[1]] = u, v
        others = [g for g in range(m) if g not in self.pair]
        left = np.clip(self.cells - u - v, 0.0, None)
        per_group = self.counts[:, others, :].sum(axis=2)  # (N, M-2)
        total = per_group.sum(axis=1, keepdims=True)
        weight = np.divide(per_group, total, out=np.zeros_like(per_group), where=total > 0)
        out[:, others, :] = weight[:, :, None] * left[:, None, :]
        return out

    def stacked(self, extra=None):
        """Matrix and bounds of P with ``extra = (columns, lower, upper, rows, lo, hi)``."""
        if extra is None:
            return self.matrix, self.col_lower, self.col_upper, self.row_lower, self.row_upper
        _, lo, hi, rows, rlo, rhi = extra
        left = sp.hstack([self.matrix, sp.csr_matrix((self.matrix.shape[0], len(lo)))])
        return (
            sp.vstack([left, rows]).tocsc(),
            np.concatenate([self.col_lower, lo]),
            np.concatenate([self.col_upper, hi]),
            np.concatenate([self.row_lower, rlo]),
            np.concatenate([self.row_upper, rhi]),
        )

    def solve(
        self,
        cost,
        *,
        maximize=False,
        extra=None,
        hessian=None,
        integer=None,
        time_limit=None,
        duals=False,
        regularization=0.0,
    ):
        """LP/QP/MILP over P (``extra``: added columns and rows); solution and bound."""
        matrix, cl, cu, rl, ru = self.stacked(extra)
        model = highs_model(cost, matrix, cl, cu, rl, ru, maximize=maximize, integer=integer)
        options = {"mip_rel_gap": 1e-7} if integer is not None else {}
        if hessian is not None:  # HiGHS regularizes QPs by default, which shifts the optimum
            options = {"solver": "qpasm", "qp_regularization_value": regularization}
        highs = new_highs(time_limit, options)
        highs.passModel(model)
        if hessian is not None:  # diagonal, on the last len(hessian) columns
            dim = matrix.shape[1]
            start = np.zeros(dim + 1, dtype=np.int32)
            start[dim - len(hessian) + 1 :] = np.arange(1, len(hessian) + 1)
            index = np.arange(dim - len(hessian), dim, dtype=np.int32)
            highs.passHessian(dim, len(hessian), 1, start, index, np.asarray(hessian, float))
        highs.run()
        info = highs.getInfo()
        status = highs.modelStatusToString(highs.getModelStatus())
        if info.primal_solution_status != 2:
            if integer is not None:  # a MILP stopped before its first solution
                return None, float(info.mip_dual_bound), status
            raise SolverError(f"HiGHS found no consistent split ({status})")
        x = np.asarray(highs.getSolution().col_value)
        bound = (
            float(info.mip_dual_bound)
            if integer is not None
            else float(info.objective_function_value)
        )
        if duals:
            return x, bound, status, np.asarray(highs.getSolution().row_dual)
        return x, bound, status


def _lagrange_bound(problem, cost, hessian, extra, row_dual) -> float:
    """A lower bound on ``min cost @ x + sum hessian y^2 / 2`` from any row multipliers.

    Weak duality: for every ``lam``, the minimum over the column box of the Lagrangian (rows
    priced out, each at the bound its multiplier's sign calls for) is a lower bound; it holds
    whatever the solver's accuracy, so the bound is certified in floating point.
    """
    matrix, col_lower, col_upper, row_lower, row_upper = problem.stacked(extra)
    best = -np.inf
    for lam in (row_dual, -row_dual):
        lam = np.where((lam > 0) & ~np.isfinite(row_lower), 0.0, lam)
        lam = np.where((lam < 0) & ~np.isfinite(row_upper), 0.0, lam)
        reduced = cost - matrix.T @ lam
        n_y = len(hessian)
        r_z, r_y = reduced[: len(reduced) - n_y], reduced[len(reduced) - n_y :]
        lo, hi = col_lower[: len(r_z)], col_upper[: len(r_z)]
        value = np.sum(np.where(r_z > 0, r_z * lo, r_z * hi))
        value -= np.sum(r_y**2 / (2 * hessian))
        value += np.sum(
            np.where(
                lam > 0,
                lam * np.nan_to_num(row_lower, neginf=0.0),
                lam * np.nan_to_num(row_upper, posinf=0.0),
            )
        )
        best = max(best, float(value))
    return best


def _quadratic(problem: _Splits, beta: np.ndarray, t_scale: np.ndarray, certify: bool):
    """Minimize ``sum_s (2 beta b - beta^2 t + (b - beta t)^2 / t_scale)`` over P.

    With ``t_scale`` the current t_s this is the Newton model of f; with an upper bound on
    t_s over P it is a convex quadratic below f, equal to f to second order where the shares
    are ``beta`` (its certified minimum is then a lower bound on min f).
    """
    s = len(beta)
    rows = sp.hstack([-(problem.gb - sp.diags(beta) @ problem.gt), sp.eye(s)])
    cost = np.concatenate([problem.tangent(beta), np.zeros(s)])
    extra = (s, np.full(s, -np.inf), np.full(s, np.inf), rows, np.zeros(s), np.zeros(s))
    hessian = 2.0 / np.maximum(t_scale, 1e-9 * problem.total)
    for regularization in QP_REGULARIZATION:  # HiGHS's active-set QP can stall unregularized
        # A point stopped by the time limit still serves: the line search judges the step and
        # the Lagrangian bound holds for any multipliers.
        x, _, status, row_dual = problem.solve(
            cost,
            extra=extra,
            hessian=hessian,
            duals=True,
            time_limit=QP_SECONDS,
            regularization=regularization,
        )
        if status == "Optimal":
            break
    bound = _lagrange_bound(problem, cost, hessian, extra, row_dual) if certify else -np.inf
    return x[: problem.gb.shape[1]], bound


def _minimum(problem: _Splits, z: np.ndarray, deadline: float) -> tuple[np.ndarray, float, int]:
    """Newton steps (HiGHS QPs) from ``z``; the point, a certified lower bound on f, steps."""
    tol = EXACT * problem.big_b * problem.big_w / problem.total / 10
    b_max, _, w_max, _ = _extremes(problem)
    t_up = np.minimum(problem.t_max, b_max + w_max)
    lower, steps = -np.inf, 0
    while steps < 40:
        steps += 1
        beta = problem.shares(z)
        try:
            lower = max(lower, _quadratic(problem, beta, t_up, certify=True)[1])
        except SolverError:  # the LP of the tangent, a weaker bound, is always at hand
            cost = problem.tangent(beta)
            row_dual = problem.solve(cost, duals=True)[3]
            lower = max(lower, _lagrange_bound(problem, cost, np.zeros(0), None, row_dual))
        value = problem.f(z)
        if value - lower <= tol or time.perf_counter() > deadline:
            break
        try:
            step = _quadratic(problem, beta, problem.parts(z)[1], certify=False)[0] - z
        except SolverError:
            break
        alphas = np.concatenate([np.linspace(0.0, 1.0, 33), np.geomspace(1e-6, 1 / 32, 16)])
        values = np.array([problem.f(z + alpha * step) for alpha in alphas])
        if values.min() >= value:
            break
        z = z + alphas[int(np.argmin(values))] * step
    return z, lower, steps


def _ascent(problem: _Splits, z: np.ndarray) -> np.ndarray:
    """Successive linearization: each LP vertex raises f (convexity); stop when it does not."""
    value = problem.f(z)
    for _ in range(50):
        nxt = problem.solve(problem.tangent(problem.shares(z)), maximize=True)[0]
        gain = problem.f(nxt)
        if gain <= value * (1 + 1e-12):
            break
        z, value = nxt, gain
    return z


def _extremes(problem: _Splits) -> tuple[np.ndarray, ...]:
    """Every school's largest and smallest b_s and w_s over P: ``b_max, b_min, w_max, w_min``.

    Over P, ``u`` ranges over ``{0 <= u <= C, sum_k u = R_b}`` whatever ``v`` is (the other
    group fits in what is left), so each extreme is a fractional knapsack per neighborhood.
    """
    n, _, k = problem.shape
    a = problem.gb[:, : n * k].toarray().reshape(-1, n, k)  # (S, N, K)
    cells = np.broadcast_to(problem.cells, a.shape)

    def extreme(total: np.ndarray, sign: float) -> np.ndarray:
        order = np.argsort(-sign * a, axis=2, kind="stable")
        weight = np.take_along_axis(a, order, axis=2)
        room = np.take_along_axis(cells, order, axis=2)
        before = np.cumsum(room, axis=2) - room
        fill = np.clip(total[None, :, None] - before, 0.0, room)
        return (weight * fill).sum(axis=(1, 2))

    return (
        extreme(problem.rb, 1.0),
        extreme(problem.rb, -1.0),
        extreme(problem.rw, 1.0),
        extreme(problem.rw, -1.0),
    )


def _share_range(problem: _Splits) -> tuple[np.ndarray, np.ndarray]:
    """Bounds on every school's share b/t over P (b/t rises with b and falls with w)."""
    b_max, b_min, w_max, w_min = _extremes(problem)
    upper = np.divide(b_max, b_max + w_min, out=(b_max > 0).astype(float), where=b_max + w_min > 0)
    lower = np.divide(b_min, b_min + w_max, out=np.zeros_like(b_min), where=b_min + w_max > 0)
    return np.clip(lower, 0, 1), np.clip(np.maximum(upper, lower), 0, 1)


def _chord_milp(problem, breaks, time_limit):
    """Max of the piecewise chord overestimate of f over P (a MILP); its point and dual bound."""
    n_z = problem.matrix.shape[1]
    s = len(breaks)
    sizes = [len(c) - 1 for c in breaks]
    n_p = sum(sizes)
    # columns after z: b_sp (n_p), t_sp (n_p), y_sp (n_p)
    school = np.repeat(np.arange(s), sizes)
    lo_c = np.concatenate([c[:-1] for c in breaks])
    hi_c = np.concatenate([c[1:] for c in breaks])
    piece = sp.eye(n_p, format="csr")
    member = sp.csr_matrix((np.ones(n_p), (school, np.arange(n_p))), shape=(s, n_p))
    zero_p, zero_s = sp.csr_matrix((n_p, n_z)), sp.csr_matrix((s, n_z))
    rows = sp.vstack(
        [
            sp.hstack([problem.gb, -member, sp.csr_matrix((s, 2 * n_p))]),  # b_s = sum_p b_sp
            sp.hstack([problem.gt, sp.csr_matrix((s, n_p)), -member, sp.csr_matrix((s, n_p))]),
            sp.hstack([zero_p, piece, -sp.diags(lo_c), sp.csr_matrix((n_p, n_p))]),  # >= lo t
            sp.hstack([zero_p, piece, -sp.diags(hi_c), sp.csr_matrix((n_p, n_p))]),  # <= hi t
            sp.hstack(
                [zero_p, sp.csr_matrix((n_p, n_p)), piece, -sp.diags(problem.t_max[school])]
            ),  # t_sp <= t_max y_sp
            sp.hstack([zero_s, sp.csr_matrix((s, 2 * n_p)), member]),  # one piece per school
        ]
    )
    inf = np.full(n_p, np.inf)
    rlo = np.concatenate([np.zeros(2 * s), np.zeros(n_p), -inf, -inf, np.ones(s)])
    rhi = np.concatenate([np.zeros(2 * s), inf, np.zeros(n_p), np.zeros(n_p), np.ones(s)])
    cost = np.concatenate([np.zeros(n_z), lo_c + hi_c, -lo_c * hi_c, np.zeros(n_p)])
    col_hi = np.concatenate([problem.t_max[school], problem.t_max[school], np.ones(n_p)])
    extra = (3 * n_p, np.zeros(3 * n_p), col_hi, rows, rlo, rhi)
    integer = np.concatenate([np.zeros(n_z + 2 * n_p, bool), np.ones(n_p, bool)])
    x, bound, status = problem.solve(
        cost, maximize=True, extra=extra, integer=integer, time_limit=max(time_limit, 1.0)
    )
    return (None if x is None else x[:n_z]), bound, status


def _maximum(problem, z_given, deadline, pieces):
    """Certified bracket on max f: (best point, upper bound on f, rounds, MILP status)."""
    s = problem.gb.shape[0]
    searching = time.perf_counter() + 0.4 * (deadline - time.perf_counter())  # then the MILP
    starts = [z_given]
    for g in (problem.gb, problem.gw):
        for row in range(s):
            if time.perf_counter() > searching:
                break
            starts.append(problem.solve(np.asarray(g[row].todense()).ravel(), maximize=True)[0])
    best, best_f = z_given, problem.f(z_given)
    for z in starts:
        if time.perf_counter() > searching:
            break
        z = _ascent(problem, z)
        if problem.f(z) > best_f:
            best, best_f = z, problem.f(z)
    low, high = _share_range(problem)
    breaks = [
        np.linspace(lo, hi, pieces + 1) if hi > lo else np.array([lo, hi])
        for lo, hi in zip(low, high)
    ]
    upper, rounds, status = np.inf, 0, "not run"
    tol = EXACT * problem.big_b * problem.big_w / problem.total / 10
    while time.perf_counter() < deadline and upper - best_f > tol:
        rounds += 1
        z_milp, bound, status = _chord_milp(problem, breaks, deadline - time.perf_counter())
        if status not in ("Optimal", "Time limit reached"):
            raise SolverError(f"HiGHS could not solve the relaxation of the maximum: {status}")
        upper = min(upper, bound)
        if z_milp is None:
            break
        z = _ascent(problem, z_milp)
        if problem.f(z) > best_f:
            best, best_f = z, problem.f(z)
        # A breakpoint at each share of the relaxation's point makes its chords exact there:
        # the next relaxation must either find another point or come down to f.
        new = []
        for c, beta_m, beta_b in zip(breaks, problem.shares(z_milp), problem.shares(best)):
            extra = [
                b for b in np.clip([beta_m, beta_b], c[0], c[-1]) if np.abs(c - b).min() > 1e-9
            ]
            merged = np.unique(np.concatenate([c, extra]))
            new.append(merged if len(merged) > 1 else c)  # a fixed share keeps its one piece
        if all(len(a) == len(b) for a, b in zip(new, breaks)):
            break  # no new breakpoint: the bound cannot tighten this way
        breaks = new
    return best, upper, rounds, status


def split_v(counts: np.ndarray, flows: np.ndarray, pair: tuple[int, int] = (0, 1)) -> float:
    """V between ``pair`` of the schools that ``flows`` fills from ``counts``.

    Equal to :func:`~assignopt.witness.index_of` on the pair's columns of
    :func:`~assignopt.spatial.assign.school_compositions`.
    """
    counts = np.asarray(counts, float)
    problem = _Splits(counts, np.asarray(flows, float), pair)
    return problem.v_of_f(problem.f(problem.given()))


def _check(counts, flows, pair, groups):
    counts, flows = np.asarray(counts, dtype=float), np.asarray(flows, dtype=float)
    if counts.ndim != 3 or flows.ndim != 3 or flows.shape[:2] != (counts.shape[0], counts.shape[2]):
        raise InputError(
            "counts must be (neighborhoods, groups, classes) and flows (neighborhoods, classes, "
            "schools) with the same neighborhoods and classes; "
            f"got {counts.shape} and {flows.shape}"
        )
    names = (
        list(groups) if groups is not None else [f"group {g + 1}" for g in range(counts.shape[1])]
    )
    if len(pair) != 2 or pair[0] == pair[1] or not all(0 <= p < counts.shape[1] for p in pair):
        raise InputError(f"pair must name two different groups of {', '.join(names)}; got {pair}")
    for name, array in (("counts", counts), ("flows", flows)):
        if not np.all(np.isfinite(array)) or np.any(array < 0):
            raise InputError(f"{name} must be finite and non-negative")
    placed, cells = flows.sum(axis=2), counts.sum(axis=1)
    if not np.allclose(placed, cells, rtol=1e-6, atol=1e-6):
        raise InputError("flows must place every student of every neighborhood and class once")
    for p in pair:
        if counts[:, p, :].sum() <= 0:
            raise UndefinedIndexError(f"V is undefined: the district has no {names[p]} students")
    return counts, flows


def assigned_v_range(
    counts: np.ndarray,
    flows: np.ndarray,
    pair: tuple[int, int] = (0, 1),
    *,
    groups: Sequence[str] | None = None,
    time_limit: float = 60.0,
    pieces: int = 2,
) -> SplitRange:
    """The assigned V over every race x class split with the margins of ``counts``.

    Parameters
    ----------
    counts : numpy.ndarray
        Students by neighborhood, group and class, ``(N, M, K)``; only its margins (race totals
        and class totals per neighborhood) constrain the splits, and V under it is reported.
    flows : numpy.ndarray
        The race-blind assignment, students by neighborhood, class and school, ``(N, K, S)``.
    pair : tuple of int
        The positions of groups b and w of the two-group V (other groups are left out of it).
    groups : sequence of str, optional
        The groups' names, for messages.
    time_limit : float
        Seconds for the whole computation (the maximum's bracket stops when it is spent).
    pieces : int
        Pieces per school's share range in the first relaxation of the maximum.

    Returns
    -------
    SplitRange

    Raises
    ------
    InputError
        For arrays of the wrong shape or sign, or flows that do not place every student.
    UndefinedIndexError
        When the district has no students of one of the pair.
    """
    start = time.perf_counter()
    counts, flows = _check(counts, flows, pair, groups)
    problem = _Splits(counts, flows, tuple(int(p) for p in pair))
    z_given = problem.given()
    v_given = problem.v_of_f(problem.f(z_given))
    fillers = bool(np.any(np.delete(counts, list(pair), axis=1) > 0))
    deadline = start + time_limit
    z_low, lower, steps = _minimum(problem, z_given, deadline)
    z_high, upper, rounds, status = _maximum(problem, z_given, deadline, max(int(pieces), 1))
    v_low, v_high = (
        min(problem.v_of_f(problem.f(z_low)), v_given),
        max(problem.v_of_f(problem.f(z_high)), v_given),
    )
    v_low_bound, v_high_bound = problem.v_of_f(lower), min(problem.v_of_f(upper), 1.0)
    if v_low_bound > v_low + ROUNDING or v_high_bound < v_high - ROUNDING:
        raise SolverError(
            f"inconsistent bounds on V over the splits: attained {v_low:.12f} and "
            f"{v_high:.12f}, bounds {v_low_bound:.12f} and {v_high_bound:.12f}"
        )
    v_low_bound = max(min(v_low_bound, v_low), 0.0)  # rounding only
    v_high_bound = max(v_high_bound, v_high)
    exact_low, exact_high = v_low - v_low_bound <= EXACT, v_high_bound - v_high <= EXACT
    minimum = (
        f"{steps} Newton step(s), each a HiGHS QP (one suffices with two groups), certified "
        "by the Lagrangian dual of a quadratic below V"
    )
    maximum = (
        f"LP ascents from vertices; upper bound by {rounds} piecewise-chord MILP "
        f"round(s) (HiGHS, last {status})"
    )
    notes = [
        "Only each neighborhood's race totals and class totals are taken as known; every "
        "split with those margins is consistent.",
        "Minimum: exact (V is convex in the split"
        + (
            "; with two groups a quadratic"
            if not fillers
            else "; the other groups only bound the pair's cells, u + v <= C"
        )
        + ")."
        if exact_low
        else f"Minimum: bracketed in [{v_low_bound:.6f}, {v_low:.6f}] (the Newton steps stopped).",
        "Maximum: exact (the relaxation's bound is attained)."
        if exact_high
        else f"Maximum: bracketed; a consistent split reaches {v_high:.6f} and no consistent "
        f"split exceeds {v_high_bound:.6f} (gap {v_high_bound - v_high:.6f}).",
    ]
    return SplitRange(
        v_given,
        v_low,
        v_low_bound,
        v_high,
        v_high_bound,
        bool(exact_low),
        bool(exact_high),
        f"minimum: {minimum}; maximum: {maximum}",
        tuple(notes),
        problem.split(z_low if v_low < v_given else z_given),
        problem.split(z_high if v_high > v_given else z_given),
        time.perf_counter() - start,
    )
