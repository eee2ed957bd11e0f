"""The zoning MILP: whole neighborhoods, one connected zone per school, an income band.

One binary ``x[n, s]`` per candidate pair sends neighborhood n whole to school s's zone. Rows:
every neighborhood in exactly one zone; capacities; each band's two sides on every zone's
students (as the whole-neighborhood assignment); optionally at most a share of students moved
from today's zones. The school's own neighborhood (its *root*) is fixed in its zone.

**Contiguity** is enforced by separator cuts (Oehlert et al.'s a-b separator inequalities): if
neighborhood a is in zone s, every set separating a from s's root holds some neighborhood of
zone s, ``x[a, s] <= sum_{j in separator} x[j, s]``. The neighbors of a (a separator unless the
root is among them) give one cut per pair up front; the rest are added lazily, in rounds: solve,
find the zones' pieces cut off from their roots, add the cut of each piece's boundary for each
of its neighborhoods, and re-solve. Every round solves a relaxation of the contiguous problem,
so its dual bound is a valid lower bound; a contiguous solution found on the way (a round's
own, or one repaired by joining stray pieces to a neighboring zone) is an upper bound, and the
search stops when a round's optimum is contiguous or the time runs out.

The objective is student-km, plus ``compactness`` times the km of boundary between different
zones when asked (a cut-edge variable per adjacency edge).
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field

import networkx as nx
import numpy as np
import scipy.sparse as sp

from assignopt.errors import InfeasibleError, InputError, SolverError, TimeLimitError
from assignopt.spatial.problem import ClassBand, Labels

__all__ = [
    "ZONES_TIME_LIMIT",
    "ZoningProblem",
    "ZoningSolution",
    "candidate_pairs",
    "prune",
    "stray_pieces",
    "solve_zoning",
    "zone_violations",
]

log = logging.getLogger(__name__)

#: Seconds a zoning runs when no time limit is given.
ZONES_TIME_LIMIT = 120.0


@dataclass
class ZoningProblem:
    """A zoning to solve (arrays; labels only for messages).

    Attributes
    ----------
    supply : numpy.ndarray
        Students by neighborhood and income class, ``(N, K)``.
    capacity : numpy.ndarray
        Seats per school, ``(S,)``.
    km : numpy.ndarray
        Distance from each neighborhood to each school, ``(N, S)``.
    bands : list of (mask, lower, upper)
        Each zone's share of the classes in ``mask`` lies in ``[lower, upper]``.
    roots : numpy.ndarray
        Each school's own neighborhood, ``(S,)``, distinct.
    edges : numpy.ndarray
        Adjacency edges ``(E, 2)``.
    allowed : numpy.ndarray of bool
        ``(N, S)`` candidate pairs (reach); pruned to the pairs that can be connected.
    today : numpy.ndarray, optional
        Today's zone of every neighborhood ``(N,)`` (school positions).
    max_moved : float, optional
        At most this share of students leaves today's zone.
    compactness : float
        Student-km charged per km of boundary between different zones.
    boundary_km : numpy.ndarray, optional
        Shared boundary (km) of every edge, for ``compactness``.
    labels : Labels
        The user's names, for messages.
    """

    supply: np.ndarray
    capacity: np.ndarray
    km: np.ndarray
    bands: list[ClassBand]
    roots: np.ndarray
    edges: np.ndarray
    allowed: np.ndarray | None = None
    today: np.ndarray | None = None
    max_moved: float | None = None
    compactness: float = 0.0
    boundary_km: np.ndarray | None = None
    labels: Labels = field(default_factory=Labels)

    def __post_init__(self) -> None:
        self.supply = np.asarray(self.supply, float)
        self.capacity = np.asarray(self.capacity, float)
        self.km = np.asarray(self.km, float)
        self.roots = np.asarray(self.roots, np.int64)
        self.edges = np.asarray(self.edges, np.int64).reshape(-1, 2)
        n, s = self.km.shape
        if self.supply.shape[0] != n or self.capacity.shape != (s,) or self.roots.shape != (s,):
            raise InputError("zoning: supply, capacity, distances and roots disagree in shape")
        if len(set(self.roots.tolist())) != s:
            raise InputError("zoning: two schools share a root neighborhood")
        allowed = np.ones((n, s), bool) if self.allowed is None else self.allowed.copy()
        if self.today is not None:
            self.today = np.asarray(self.today, np.int64)
            allowed[np.arange(n), self.today] = True
        self.allowed = prune(allowed, self.roots, self.edges)
        if self.boundary_km is None:
            self.boundary_km = np.ones(len(self.edges))
        lost = np.flatnonzero(~self.allowed.any(axis=1))
        if lost.size:
            raise InfeasibleError(
                f"{self.labels.neighborhood(int(lost[0]))} cannot join any zone: no school in "
                "reach has a connected path of reachable neighborhoods to it; raise the travel cap"
            )

    @property
    def size(self) -> np.ndarray:
        """Students per neighborhood."""
        return self.supply.sum(axis=1)


@dataclass
class ZoningSolution:
    """A contiguous zoning and how it was found.

    Attributes
    ----------
    zone : numpy.ndarray
        Each neighborhood's school (position), ``(N,)``.
    status : str
        ``optimal`` (within the requested gap) or ``time_limit`` (the best zoning found).
    gap : float
        Relative gap between the zoning's objective and the best lower bound.
    objective : float
        Student-km plus the compactness term.
    objective_km : float
        Student-km.
    bound : float
        The best lower bound on ``objective`` (from the rounds' relaxations).
    seconds : float
    rounds : int
        Solves of the MILP.
    cuts : int
        Contiguity cuts added lazily.
    pairs : int
        Candidate (neighborhood, school) pairs.
    solver : str
    """

    zone: np.ndarray
    status: str
    gap: float
    objective: float
    objective_km: float
    bound: float
    seconds: float
    rounds: int
    cuts: int
    pairs: int
    solver: str


def prune(allowed: np.ndarray, roots: np.ndarray, edges: np.ndarray) -> np.ndarray:
    """Keep the pairs (n, s) whose neighborhood connects to s's root through allowed ones.

    A root belongs to its own school only.
    """
    allowed = allowed.copy()
    n, s = allowed.shape
    allowed[roots, :] = False
    allowed[roots, np.arange(s)] = True
    adj = sp.coo_matrix((np.ones(len(edges)), (edges[:, 0], edges[:, 1])), shape=(n, n))
    adj = (adj + adj.T).tocsr()
    for j in range(s):
        keep = np.flatnonzero(allowed[:, j])
        sub = adj[keep][:, keep]
        _, piece = sp.csgraph.connected_components(sub, directed=False)
        root_piece = piece[np.searchsorted(keep, roots[j])]
        allowed[keep[piece != root_piece], j] = False
    return allowed


def candidate_pairs(
    km: np.ndarray,
    roots: np.ndarray,
    edges: np.ndarray,
    nearest: int = 6,
    extra: np.ndarray | None = None,
    cap: np.ndarray | None = None,
) -> np.ndarray:
    """Candidate (neighborhood, school) pairs of a zoning, ``(N, S)`` booleans.

    Each neighborhood's ``nearest`` schools, plus ``extra`` (e.g. the min-travel LP's arcs and
    today's zones), within ``cap``; every neighborhood is then given a connected path of
    candidates to at least one school (its nearest reachable one).
    """
    n, s = km.shape
    k = min(nearest, s)
    allowed = np.zeros((n, s), bool)
    order = np.argpartition(km, k - 1, axis=1)[:, :k]
    allowed[np.arange(n)[:, None], order] = True
    if extra is not None:
        allowed |= extra
    if cap is not None:
        allowed &= cap
    allowed = prune(allowed, roots, edges)
    lost = np.flatnonzero(~allowed.any(axis=1))
    if lost.size:
        g = nx.Graph()
        g.add_nodes_from(range(n))
        g.add_edges_from(map(tuple, edges.tolist()))
        for v in lost:
            if allowed[v].any():
                continue
            for j in np.argsort(km[v], kind="stable"):
                if cap is not None and not cap[v, j]:
                    continue
                reach = [u for u in range(n) if cap is None or cap[u, j]]
                try:
                    path = nx.shortest_path(g.subgraph(reach), int(roots[j]), int(v))
                except (nx.NetworkXNoPath, nx.NodeNotFound):
                    continue
                allowed[path, j] = True
                break
        allowed = prune(allowed, roots, edges)
    return allowed


@dataclass
class _Model:
    """Matrix rows of the zoning MILP (the base; cuts are appended)."""

    pair_n: np.ndarray
    pair_s: np.ndarray
    index: dict[tuple[int, int], int]
    n_cols: int
    cost: np.ndarray
    col_lower: np.ndarray
    rows: list[sp.csr_matrix]
    lower: list[np.ndarray]
    upper: list[np.ndarray]
    kinds: list[tuple[str, int, int]]  # (kind, school, how many rows) per block, for slacks


def _build(problem: ZoningProblem) -> _Model:
    n, s = problem.km.shape
    allowed = problem.allowed
    pair_n, pair_s = np.nonzero(allowed)
    n_pairs = pair_n.size
    index = {(int(a), int(b)): i for i, (a, b) in enumerate(zip(pair_n, pair_s))}
    size = problem.size
    col = np.arange(n_pairs)
    n_edges = len(problem.edges) if problem.compactness > 0 else 0
    n_cols = n_pairs + n_edges
    cost = np.concatenate(
        [problem.km[pair_n, pair_s] * size[pair_n], problem.compactness * problem.boundary_km]
        if n_edges
        else [problem.km[pair_n, pair_s] * size[pair_n]]
    )
    col_lower = np.zeros(n_cols)
    for j, r in enumerate(problem.roots):
        col_lower[index[(int(r), j)]] = 1.0
    rows, lower, upper, kinds = [], [], [], []

    def block(r, c, v, n_rows, lo, hi, kind=("", -1, 0)):
        rows.append(sp.csr_matrix((v, (r, c)), shape=(n_rows, n_cols)))
        lower.append(np.asarray(lo, float))
        upper.append(np.asarray(hi, float))
        kinds.append(kind)

    block(pair_n, col, np.ones(n_pairs), n, np.ones(n), np.ones(n), ("assign", -1, n))
    block(pair_s, col, size[pair_n], s, np.zeros(s), problem.capacity, ("capacity", -1, s))
    for b, (mask, share_lo, share_hi) in enumerate(problem.bands):
        banded = problem.supply[:, mask].sum(axis=1)
        block(
            pair_s,
            col,
            (banded - share_lo * size)[pair_n],
            s,
            np.zeros(s),
            np.full(s, np.inf),
            ("band_lower", b, s),
        )
        block(
            pair_s,
            col,
            (banded - share_hi * size)[pair_n],
            s,
            np.full(s, -np.inf),
            np.zeros(s),
            ("band_upper", b, s),
        )
    if problem.today is not None and problem.max_moved is not None:
        stay = allowed[pair_n, pair_s] & (problem.today[pair_n] == pair_s)
        floor = (1.0 - problem.max_moved) * size.sum()
        block(
            np.zeros(int(stay.sum()), np.int64),
            col[stay],
            size[pair_n][stay],
            1,
            [floor],
            [np.inf],
            ("moved", -1, 1),
        )
    # Neighbor cuts: x[a, s] <= sum of x[j, s] over a's allowed neighbors (a not s's root, the
    # root not among its neighbors).
    neighbors = _neighbor_lists(n, problem.edges)
    r_, c_, v_ = [], [], []
    count = 0
    for i in range(n_pairs):
        a, j = int(pair_n[i]), int(pair_s[i])
        root = int(problem.roots[j])
        if a == root or root in neighbors[a]:
            continue
        r_.append(count)
        c_.append(i)
        v_.append(1.0)
        for u in neighbors[a]:
            if allowed[u, j]:
                r_.append(count)
                c_.append(index[(int(u), j)])
                v_.append(-1.0)
        count += 1
    if count:
        block(
            np.array(r_),
            np.array(c_),
            np.array(v_),
            count,
            np.full(count, -np.inf),
            np.zeros(count),
        )
    if n_edges:
        # u_e >= x[i, s] - x[j, s] for every school s of i's candidates: cut when zones differ.
        r_, c_, v_ = [], [], []
        count = 0
        for e, (i, k) in enumerate(problem.edges):
            for j in np.flatnonzero(allowed[i]):
                r_ += [count, count]
                c_ += [n_pairs + e, index[(int(i), int(j))]]
                v_ += [1.0, -1.0]
                if allowed[k, j]:
                    r_.append(count)
                    c_.append(index[(int(k), int(j))])
                    v_.append(1.0)
                count += 1
        block(
            np.array(r_), np.array(c_), np.array(v_), count, np.zeros(count), np.full(count, np.inf)
        )
    return _Model(pair_n, pair_s, index, n_cols, cost, col_lower, rows, lower, upper, kinds)


def _neighbor_lists(n: int, edges: np.ndarray) -> list[set[int]]:
    out: list[set[int]] = [set() for _ in range(n)]
    for i, j in edges.tolist():
        out[i].add(j)
        out[j].add(i)
    return out


def stray_pieces(zone: np.ndarray, roots: np.ndarray, edges: np.ndarray) -> list[tuple[int, list]]:
    """The pieces of each zone not connected to its root: ``(school, [neighborhoods])``."""
    n = zone.size
    same = zone[edges[:, 0]] == zone[edges[:, 1]]
    e = edges[same]
    adj = sp.coo_matrix((np.ones(len(e)), (e[:, 0], e[:, 1])), shape=(n, n))
    _, piece = sp.csgraph.connected_components(adj, directed=False)
    rooted = set(piece[roots].tolist())
    out: dict[int, list[int]] = {}
    for v in range(n):
        if piece[v] not in rooted:
            out.setdefault(int(piece[v]), []).append(v)
    return [(int(zone[members[0]]), members) for members in out.values()]


def zone_violations(problem: ZoningProblem, zone: np.ndarray, rtol: float = 1e-7) -> list[str]:
    """What is wrong with a zoning: capacity, band, moved share, roots, contiguity (empty: ok)."""
    size = problem.size
    s = problem.km.shape[1]
    out = []
    scale = max(size.sum(), 1.0) * rtol
    enrol = np.bincount(zone, weights=size, minlength=s)
    for j in range(s):
        if enrol[j] > problem.capacity[j] + scale:
            out.append(
                f"{problem.labels.school(j)} over capacity by {enrol[j] - problem.capacity[j]:.1f}"
            )
        for mask, lo, hi in problem.bands:
            banded = problem.supply[zone == j][:, mask].sum()
            if banded < lo * enrol[j] - scale or banded > hi * enrol[j] + scale:
                out.append(f"{problem.labels.school(j)} outside its band")
        if zone[problem.roots[j]] != j:
            out.append(f"{problem.labels.school(j)} does not hold its own neighborhood")
    if problem.today is not None and problem.max_moved is not None:
        moved = size[zone != problem.today].sum()
        if moved > problem.max_moved * size.sum() + scale:
            out.append("too many students moved")
    for j, _members in stray_pieces(zone, problem.roots, problem.edges):
        out.append(f"{problem.labels.school(j)}'s zone is not connected")
    return out


def _cuts(problem: ZoningProblem, model: _Model, zone: np.ndarray, neighbors) -> sp.csr_matrix:
    """Separator cuts of every stray piece: x[a, s] - sum_{j in boundary} x[j, s] <= 0."""
    r_, c_, v_ = [], [], []
    count = 0
    for j, members in stray_pieces(zone, problem.roots, problem.edges):
        inside = set(members)
        boundary = sorted(
            {u for a in members for u in neighbors[a] if u not in inside and problem.allowed[u, j]}
        )
        border = [model.index[(u, j)] for u in boundary]
        for a in members:
            r_ += [count] * (1 + len(border))
            c_ += [model.index[(a, j)], *border]
            v_ += [1.0] + [-1.0] * len(border)
            count += 1
    return sp.csr_matrix((v_, (r_, c_)), shape=(count, model.n_cols))


def _repair(problem: ZoningProblem, zone: np.ndarray, neighbors) -> np.ndarray:
    """Join every stray piece to the adjacent zone (connected to its root) it costs least to."""
    zone = zone.copy()
    size = problem.size
    for _ in range(len(zone)):
        pieces = stray_pieces(zone, problem.roots, problem.edges)
        if not pieces:
            return zone
        stray = {v for _, members in pieces for v in members}
        _, members = min(pieces, key=lambda p: len(p[1]))
        options = {int(zone[u]) for a in members for u in neighbors[a] if u not in stray}
        options = [t for t in options if problem.allowed[members, t].all()]
        if not options:
            options = sorted(
                {int(zone[u]) for a in members for u in neighbors[a] if u not in stray}
            )
        if not options:
            return zone
        best = min(options, key=lambda t: float((problem.km[members, t] * size[members]).sum()))
        zone[members] = best
    return zone


def _solve_highs(model, matrix, lower, upper, time_limit, gap, start, progress):
    import highspy

    from assignopt.lp import highs_model, new_highs

    integer = np.zeros(model.n_cols, bool)
    integer[: model.pair_n.size] = True
    lp = highs_model(
        model.cost, matrix, model.col_lower, np.ones(model.n_cols), lower, upper, integer=integer
    )
    highs = new_highs(time_limit, {"mip_rel_gap": gap})
    highs.passModel(lp)
    if start is not None:
        solution = highspy.HighsSolution()
        solution.col_value = list(map(float, start))
        solution.value_valid = True
        highs.setSolution(solution)
    found: list[np.ndarray] = []

    def collect(event) -> None:
        found.append(np.array(event.data_out.mip_solution[: model.pair_n.size], copy=True))

    highs.cbMipSolution.subscribe(collect)
    if progress:
        last = [0.0]

        def report(event) -> None:
            out = event.data_out
            if out.running_time - last[0] < progress:
                return
            last[0] = out.running_time
            have = np.isfinite(out.mip_primal_bound) and abs(out.mip_primal_bound) < 1e50
            log.info(
                f"    MIP {out.running_time:.0f} s: "
                + (f"incumbent {out.mip_primal_bound:,.1f}" if have else "no incumbent yet")
                + f", bound {out.mip_dual_bound:,.1f}"
            )

        highs.cbMipInterrupt.subscribe(report)
    highs.run()
    status = highs.getModelStatus()
    name = {
        highspy.HighsModelStatus.kOptimal: "optimal",
        highspy.HighsModelStatus.kInfeasible: "infeasible",
        highspy.HighsModelStatus.kTimeLimit: "time_limit",
    }.get(status, "error")
    info = highs.getInfo()
    have = info.primal_solution_status == 2
    x = np.asarray(highs.getSolution().col_value) if have else None
    bound = float(info.mip_dual_bound)
    return name, x, bound, found


def _solve_ortools(model, matrix, lower, upper, time_limit, gap, start, progress):
    from ortools.linear_solver import pywraplp

    solver = pywraplp.Solver.CreateSolver("SCIP")
    if solver is None:
        raise SolverError("the ortools solver needs OR-Tools with SCIP; use the highs solver")
    inf = solver.infinity()
    n_int = model.pair_n.size
    x = [
        solver.IntVar(float(model.col_lower[i]), 1.0, "")
        if i < n_int
        else solver.NumVar(0.0, 1.0, "")
        for i in range(model.n_cols)
    ]
    matrix = sp.csr_matrix(matrix)
    for r in range(matrix.shape[0]):
        lo = lower[r] if np.isfinite(lower[r]) else -inf
        hi = upper[r] if np.isfinite(upper[r]) else inf
        row = solver.RowConstraint(float(lo), float(hi), "")
        for k in range(matrix.indptr[r], matrix.indptr[r + 1]):
            row.SetCoefficient(x[matrix.indices[k]], float(matrix.data[k]))
    objective = solver.Objective()
    for i, c in enumerate(model.cost):
        if c:
            objective.SetCoefficient(x[i], float(c))
    objective.SetMinimization()
    if start is not None:
        solver.SetHint(x, list(map(float, start)))
    solver.SetTimeLimit(int(max(time_limit, 0.01) * 1000))
    params = pywraplp.MPSolverParameters()
    params.SetDoubleParam(params.RELATIVE_MIP_GAP, gap)
    status = solver.Solve(params)
    name = {
        pywraplp.Solver.OPTIMAL: "optimal",
        pywraplp.Solver.INFEASIBLE: "infeasible",
        pywraplp.Solver.FEASIBLE: "time_limit",
        pywraplp.Solver.NOT_SOLVED: "time_limit",
    }.get(status, "error")
    have = status in (pywraplp.Solver.OPTIMAL, pywraplp.Solver.FEASIBLE)
    values = np.array([v.solution_value() for v in x]) if have else None
    return name, values, float(objective.BestBound()), []


def _explain(problem: ZoningProblem, model: _Model, solver, time_limit: float) -> str:
    """Name the zone furthest from feasible: an elastic copy minimises the students short."""
    base = [sp.vstack(model.rows), np.concatenate(model.lower), np.concatenate(model.upper)]
    matrix, lower, upper = base
    offsets = np.cumsum([0] + [r.shape[0] for r in model.rows])
    slack_cols, where = [], []
    for b, (kind, _band, count) in enumerate(model.kinds):
        if kind not in ("capacity", "band_lower", "band_upper", "moved"):
            continue
        sign = 1.0 if kind in ("band_lower", "moved") else -1.0
        for j in range(count):
            slack_cols.append((offsets[b] + j, sign))
            where.append((kind, j))
    m = len(slack_cols)
    extra = sp.csr_matrix(
        ([sg for _, sg in slack_cols], ([r for r, _ in slack_cols], np.arange(m))),
        shape=(matrix.shape[0], m),
    )
    elastic = _Model(
        model.pair_n,
        model.pair_s,
        model.index,
        model.n_cols + m,
        np.concatenate([np.zeros(model.n_cols), np.ones(m)]),
        np.concatenate([model.col_lower, np.zeros(m)]),
        [],
        [],
        [],
        [],
    )
    status, x, _ = _solve_highs_elastic(
        elastic, sp.hstack([matrix, extra]).tocsr(), lower, upper, model.pair_n.size, time_limit
    )
    head = "no contiguous zoning meets every zone's capacity and income band"
    if x is None:
        return f"{head} (the elastic search for the nearest one found nothing in {time_limit:g} s)"
    slack = x[model.n_cols :]
    worst = int(np.argmax(slack))
    if slack[worst] <= 1e-6:
        return (
            f"{head}: each zone alone could meet them, but not with every zone connected; "
            "widen the tolerance or raise the capacities"
        )
    kind, j = where[worst]
    what = {
        "capacity": "its capacity",
        "band_lower": "the lower side of its income band",
        "band_upper": "the upper side of its income band",
        "moved": "the cap on students moved",
    }[kind]
    who = "the moved-students cap" if kind == "moved" else f"the zone of {problem.labels.school(j)}"
    return (
        f"{head}: {who} misses {what} by {slack[worst]:.1f} students at best "
        f"({slack.sum():.1f} over all zones); widen the tolerance"
        + (" or raise the moved share" if kind == "moved" else "")
    )


def _solve_highs_elastic(model, matrix, lower, upper, n_int, time_limit):
    from assignopt.lp import highs_model, new_highs

    integer = np.zeros(model.n_cols, bool)
    integer[:n_int] = True
    col_upper = np.concatenate([np.ones(n_int), np.full(model.n_cols - n_int, np.inf)])
    lp = highs_model(model.cost, matrix, model.col_lower, col_upper, lower, upper, integer=integer)
    highs = new_highs(time_limit, {"mip_rel_gap": 1e-6})
    highs.passModel(lp)
    highs.run()
    info = highs.getInfo()
    if info.primal_solution_status != 2:
        return "none", None, None
    return "ok", np.asarray(highs.getSolution().col_value), None


def solve_zoning(
    problem: ZoningProblem,
    *,
    solver: str = "highs",
    time_limit: float | None = None,
    gap: float = 1e-4,
    progress_seconds: float | None = None,
    start: np.ndarray | None = None,
    primal: float = 0.3,
) -> ZoningSolution:
    """The minimum student-km contiguous zoning of ``problem``.

    Parameters
    ----------
    problem : ZoningProblem
    solver : {"highs", "ortools"}
        HiGHS, or SCIP through OR-Tools.
    time_limit : float, optional
        Seconds for all rounds (:data:`ZONES_TIME_LIMIT` when None). Stopped by it, the best
        contiguous zoning found is returned with status ``time_limit`` and its gap; without
        one, :class:`TimeLimitError` (a time limit is never reported as infeasibility).
    gap : float
        Relative MIP gap at which a round stops.
    progress_seconds : float, optional
        Log the running MIP's incumbent and bound this often.
    start : numpy.ndarray, optional
        A zoning to start from (used when contiguous and feasible under ``problem``).
    primal : float
        Without a start, the share of the time limit spent on a first contiguous zoning under
        the shortest-path restriction (0: none).

    Raises
    ------
    InfeasibleError
        No contiguous zoning meets the capacities and the band (the zone furthest from
        feasible is named, with the students it misses by).
    """
    if solver not in ("highs", "ortools"):
        raise InputError(f"zones solver must be 'highs' or 'ortools', got {solver!r}")
    start_time = time.perf_counter()
    limit = ZONES_TIME_LIMIT if time_limit is None else float(time_limit)
    model = _build(problem)
    n_pairs = model.pair_n.size
    neighbors = [sorted(v) for v in _neighbor_lists(len(problem.size), problem.edges)]
    log.info(
        f"zoning MILP: {n_pairs:,} candidate pairs, {len(problem.edges):,} adjacencies, "
        f"time limit {limit:g} s"
    )
    run = _solve_highs if solver == "highs" else _solve_ortools
    best_zone, best_value, bound = None, np.inf, -np.inf
    if start is not None and not zone_violations(problem, np.asarray(start, np.int64)):
        best_zone = np.asarray(start, np.int64).copy()
        best_value = _value(model, problem, best_zone)
        if not np.isfinite(best_value):
            best_zone = None
    rounds = cuts = 0
    status = "time_limit"
    if best_zone is None and primal * limit > 0.05:
        # A first contiguous zoning from the shortest-path restriction (every neighborhood of a
        # zone next to one of the same zone nearer its root): one solve, no rounds.
        rows = _shortest_path_rows(problem, model)
        matrix = sp.vstack([*model.rows, rows]).tocsr()
        lower = np.concatenate([*model.lower, np.full(rows.shape[0], -np.inf)])
        upper = np.concatenate([*model.upper, np.zeros(rows.shape[0])])
        log.info("  a first contiguous zoning (shortest-path restriction) ...")
        name, x, _, found = run(
            model, matrix, lower, upper, primal * limit, gap / 4, None, progress_seconds
        )
        for candidate in [x] if x is not None else []:
            zone = _decode(model, candidate, len(problem.size))
            if not zone_violations(problem, zone):
                best_zone, best_value = zone, _value(model, problem, zone)
                log.info(f"    found: {best_value:,.1f}")
    while True:
        left = limit - (time.perf_counter() - start_time)
        if left <= 0.05:
            break
        matrix = sp.vstack(model.rows).tocsr()
        lower, upper = np.concatenate(model.lower), np.concatenate(model.upper)
        start = _start(model, problem, best_zone) if best_zone is not None else None
        # Each round goes a quarter of the way further than the gap asked: its incumbents are
        # better, its bound higher, and the search stops on the best contiguous zoning found.
        name, x, round_bound, found = run(
            model, matrix, lower, upper, left, gap / 4, start, progress_seconds
        )
        rounds += 1
        if name == "infeasible":
            raise InfeasibleError(_explain(problem, model, solver, max(5.0, min(30.0, left))))
        if name == "error":
            raise SolverError(f"the zoning MILP ended with an error (round {rounds})")
        if np.isfinite(round_bound):
            bound = max(bound, round_bound)
        if x is None:
            break
        zone = _decode(model, x, len(problem.size))
        pieces = stray_pieces(zone, problem.roots, problem.edges)
        if not pieces:
            value = _value(model, problem, zone)
            if value < best_value:
                best_zone, best_value = zone, value
            if name == "optimal":
                status = "optimal"
                bound = max(bound, round_bound)
                break
            break  # stopped by the limit with a contiguous incumbent
        # Cuts from this round's optimum and from every incumbent it passed on the way;
        # contiguous incumbents (as found, or repaired) are upper bounds.
        rows = []
        seen = set()
        for candidate in [zone, *(_decode(model, f, len(problem.size)) for f in found)]:
            key = candidate.tobytes()
            if key in seen:
                continue
            seen.add(key)
            if stray_pieces(candidate, problem.roots, problem.edges):
                rows.append(_cuts(problem, model, candidate, neighbors))
                candidate = _repair(problem, candidate, neighbors)
            if not zone_violations(problem, candidate):
                value = _value(model, problem, candidate)
                if value < best_value:
                    best_zone, best_value = candidate, value
        new = _unique_rows(sp.vstack(rows).tocsr())
        model.rows.append(new)
        model.lower.append(np.full(new.shape[0], -np.inf))
        model.upper.append(np.zeros(new.shape[0]))
        model.kinds.append(("cut", -1, new.shape[0]))
        cuts += new.shape[0]
        log.info(
            f"  round {rounds}: {len(pieces)} piece(s) cut off from their schools, "
            f"{new.shape[0]} cuts added; bound {bound:,.1f}"
            + (f", best contiguous {best_value:,.1f}" if best_zone is not None else "")
        )
        if best_zone is not None and best_value - bound <= gap * best_value:
            status = "optimal"  # a contiguous zoning within the gap of the bound
            break
        if name != "optimal":
            break  # the limit stopped this round
    if best_zone is None:
        raise TimeLimitError(
            f"no contiguous zoning was found within the time limit of {limit:g} s "
            f"({rounds} rounds); raise time_limit"
        )
    bound = min(bound, best_value)
    gap_value = (best_value - bound) / best_value if best_value > 0 else 0.0
    if status == "optimal":
        gap_value = max(gap_value, 0.0)
    size = problem.size
    objective_km = float((problem.km[np.arange(len(size)), best_zone] * size).sum())
    seconds = time.perf_counter() - start_time
    log.info(
        f"zoning: {status}, {objective_km:,.0f} student-km, gap {gap_value:.2%}, {rounds} "
        f"round(s), {cuts} cuts, {seconds:.1f} s"
    )
    return ZoningSolution(
        best_zone,
        status,
        float(gap_value),
        float(best_value),
        objective_km,
        float(bound),
        seconds,
        rounds,
        cuts,
        n_pairs,
        solver,
    )


def _shortest_path_rows(problem: ZoningProblem, model: _Model) -> sp.csr_matrix:
    """Rows ``x[a, s] <= sum of x[u, s]`` over a's neighbors u one hop nearer s's root.

    Hops are counted in the graph of s's candidate neighborhoods. Every zoning meeting these
    rows is contiguous (each neighborhood has a path of ever nearer ones to its root), so the
    rows restrict the problem: their optimum is a contiguous zoning, not a bound.
    """
    n, s = problem.km.shape
    edges = problem.edges
    adj = sp.coo_matrix((np.ones(len(edges)), (edges[:, 0], edges[:, 1])), shape=(n, n))
    adj = (adj + adj.T).tocsr()
    neighbors = _neighbor_lists(n, edges)
    r_, c_, v_ = [], [], []
    count = 0
    for j in range(s):
        keep = np.flatnonzero(problem.allowed[:, j])
        hops_sub = sp.csgraph.shortest_path(
            adj[keep][:, keep],
            unweighted=True,
            indices=int(np.searchsorted(keep, problem.roots[j])),
        )
        hops = np.full(n, np.inf)
        hops[keep] = hops_sub
        for a in keep:
            if a == problem.roots[j]:
                continue
            nearer = [u for u in neighbors[a] if hops[u] < hops[a]]
            r_ += [count] * (1 + len(nearer))
            c_ += [model.index[(int(a), j)], *(model.index[(int(u), j)] for u in nearer)]
            v_ += [1.0] + [-1.0] * len(nearer)
            count += 1
    return sp.csr_matrix((v_, (r_, c_)), shape=(count, model.n_cols))


def _unique_rows(matrix: sp.csr_matrix) -> sp.csr_matrix:
    keys, keep = set(), []
    for r in range(matrix.shape[0]):
        lo, hi = matrix.indptr[r], matrix.indptr[r + 1]
        order = np.argsort(matrix.indices[lo:hi])
        key = (matrix.indices[lo:hi][order].tobytes(), matrix.data[lo:hi][order].tobytes())
        if key not in keys:
            keys.add(key)
            keep.append(r)
    return matrix[keep]


def _decode(model: _Model, x: np.ndarray, n: int) -> np.ndarray:
    values = np.asarray(x)[: model.pair_n.size]
    zone = np.full(n, -1, np.int64)
    on = values > 0.5
    zone[model.pair_n[on]] = model.pair_s[on]
    if (zone < 0).any():
        raise SolverError("the zoning MILP left a neighborhood without a zone")
    return zone


def _columns(model: _Model, problem: ZoningProblem, zone: np.ndarray) -> np.ndarray:
    x = np.zeros(model.n_cols)
    x[: model.pair_n.size] = (zone[model.pair_n] == model.pair_s).astype(float)
    if model.n_cols > model.pair_n.size:
        e = problem.edges
        x[model.pair_n.size :] = (zone[e[:, 0]] != zone[e[:, 1]]).astype(float)
    return x


def _start(model: _Model, problem: ZoningProblem, zone: np.ndarray) -> np.ndarray:
    return _columns(model, problem, zone)


def _value(model: _Model, problem: ZoningProblem, zone: np.ndarray) -> float:
    if not problem.allowed[np.arange(len(zone)), zone].all():
        return np.inf
    return float(model.cost @ _columns(model, problem, zone))
