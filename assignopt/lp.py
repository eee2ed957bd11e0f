"""A sparse linear program and the solvers behind it.

Models are built in bulk as a scipy sparse matrix with row and column bounds; they are solved
by HiGHS directly through ``highspy`` (``solver="highs"``, the default), or through PuLP with
CBC (``"cbc"``) or PuLP's own HiGHS interface (``"pulp-highs"``), so the same model can be
checked by two solvers. Without ``highspy``, ``"highs"`` falls back to CBC through PuLP.
"""

from __future__ import annotations

import functools
import logging
import os
import sys
import time
import warnings
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from assignopt.errors import InputError, SolverError
from assignopt.solver_names import SOLVERS

__all__ = [
    "EXACT_OPTIONS",
    "LP_TIME_LIMIT",
    "SOLVERS",
    "LPSolution",
    "LinearProgram",
    "highs_available",
    "add_highs_columns",
    "highs_model",
    "new_highs",
    "solve",
    "solver_time_limit",
]

log = logging.getLogger(__name__)
#: Seconds a solver call may run when no time limit is given: a guard against a call that would
#: otherwise run for hours (the longest single HiGHS calls in benchmarks/RESULTS.md take tens
#: of seconds, at 100 million pairs). A call stopped there is reported as a time limit,
#: never as infeasible; whole-neighborhood and zoning MILPs have their own 120 s default.
LP_TIME_LIMIT = 600.0
# Small exact LPs are solved to 1e-10 feasibility so that their optimum can be compared with
# closed forms at 1e-9 (HiGHS's default 1e-7 left a dichotomous maximum 1.5e-9 low at d = 1e-9).
EXACT_OPTIONS = {"primal_feasibility_tolerance": 1e-10, "dual_feasibility_tolerance": 1e-10}


@dataclass
class LinearProgram:
    """``max (or min) cost @ x`` s.t. ``row_lower <= matrix @ x <= row_upper``, column bounds.

    Attributes
    ----------
    cost : numpy.ndarray
        Objective coefficients, shape ``(n,)``.
    matrix : scipy.sparse matrix
        Constraint matrix, shape ``(m, n)``.
    row_lower, row_upper : numpy.ndarray
        Row bounds, shape ``(m,)``; infinities for one-sided rows.
    col_lower, col_upper : numpy.ndarray
        Column bounds, shape ``(n,)``.
    integer : numpy.ndarray, optional
        Boolean mask of integer columns (a mixed-integer program).
    maximize : bool
        Sense of the objective.
    """

    cost: np.ndarray
    matrix: sp.spmatrix
    row_lower: np.ndarray
    row_upper: np.ndarray
    col_lower: np.ndarray
    col_upper: np.ndarray
    integer: np.ndarray | None = None
    maximize: bool = True

    @classmethod
    def from_triplets(
        cls,
        rows: list[np.ndarray],
        cols: list[np.ndarray],
        vals: list[np.ndarray],
        shape: tuple[int, int],
        cost: np.ndarray,
        row_lower: list[np.ndarray],
        row_upper: list[np.ndarray],
        *,
        col_upper: np.ndarray | None = None,
        integer: np.ndarray | None = None,
        maximize: bool = True,
    ) -> LinearProgram:
        """Assemble a model from blocks of (row, column, value) triplets and row bounds.

        Columns are bounded below by 0 and above by ``col_upper`` (infinity by default).
        """
        matrix = sp.csr_matrix(
            (np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))), shape=shape
        )
        n_cols = shape[1]
        return cls(
            cost,
            matrix,
            np.concatenate(row_lower),
            np.concatenate(row_upper),
            np.zeros(n_cols),
            np.full(n_cols, np.inf) if col_upper is None else col_upper,
            integer,
            maximize,
        )

    @property
    def shape(self) -> tuple[int, int]:
        """(rows, columns)."""
        return self.matrix.shape

    @property
    def is_mip(self) -> bool:
        """Whether some columns are integer."""
        return self.integer is not None and bool(self.integer.any())


@dataclass
class LPSolution:
    """What a solver returned.

    Attributes
    ----------
    status : str
        ``optimal``, ``infeasible``, ``unbounded``, ``time_limit`` or ``error: ...``.
    objective : float
        Objective value of ``x`` (NaN without a solution).
    x : numpy.ndarray
        Column values.
    seconds : float
        Wall time of the solve call.
    solver : str
        Which solver answered.
    dual_bound : float
        Best proven bound on the objective (equal to ``objective`` for a solved LP).
    mip_gap : float
        Relative gap between ``objective`` and ``dual_bound`` (0 for a solved LP).
    """

    status: str
    objective: float
    x: np.ndarray
    seconds: float
    solver: str
    dual_bound: float = float("nan")
    mip_gap: float = 0.0
    row_dual: np.ndarray | None = None


def solve(
    lp: LinearProgram,
    solver: str = "highs",
    time_limit: float | None = None,
    highs_options: dict | None = None,
    progress_seconds: float | None = None,
) -> LPSolution:
    """Solve ``lp`` with the named solver.

    Parameters
    ----------
    lp : LinearProgram
        The model.
    solver : {"highs", "cbc", "pulp-highs"}
        HiGHS through highspy (CBC when highspy cannot be imported; the solution then names
        ``cbc``), CBC through PuLP, or HiGHS through PuLP.
    time_limit : float, optional
        Seconds before the solver stops with its best solution (:data:`LP_TIME_LIMIT` when
        None).
    highs_options : dict, optional
        HiGHS options (e.g. ``{"solver": "ipm"}``) for ``solver="highs"``.
    progress_seconds : float, optional
        For a mixed-integer program with HiGHS: log the incumbent, bound and gap this often
        (on the ``assignopt`` logger).

    Returns
    -------
    LPSolution

    Raises
    ------
    InputError
        For an unknown solver name.
    SolverError
        If the named solver is not installed (e.g. PuLP's CBC binary is missing).
    """
    if solver == "highs":
        if not highs_available():  # a broken or missing HiGHS build: CBC is the fallback
            return _solve_pulp(lp, "cbc", time_limit)
        return _solve_highspy(lp, time_limit, highs_options or {}, progress_seconds)
    if solver in ("cbc", "pulp-highs"):
        return _solve_pulp(lp, solver, time_limit)
    raise InputError(f"unknown solver {solver!r}; choose one of {', '.join(SOLVERS)}")


def highs_available() -> bool:
    """Whether ``highspy`` can be imported."""
    try:
        import highspy  # noqa: F401
    except ImportError:
        return False
    return True


@functools.cache
def _silence_highs_banner() -> None:
    """Create the process's first HiGHS instance with standard output muted.

    HiGHS prints a copyright banner on standard output the first time it is created in a
    process, which would corrupt ``--json`` output; later instances print nothing.
    """
    import highspy

    sys.stdout.flush()
    saved = os.dup(1)
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, 1)
        highspy.Highs()
    finally:
        os.dup2(saved, 1)
        os.close(saved)
        os.close(devnull)


def highs_model(
    cost: np.ndarray,
    matrix: sp.spmatrix,
    col_lower: np.ndarray,
    col_upper: np.ndarray,
    row_lower: np.ndarray,
    row_upper: np.ndarray,
    *,
    maximize: bool = False,
    integer: np.ndarray | None = None,
):
    """A ``highspy.HighsLp`` of ``cost @ x`` under ``row_lower <= matrix @ x <= row_upper``.

    The one place a HiGHS model is assembled (columnwise), for :func:`solve` and for solvers
    that keep a live model (pricing).
    """
    import highspy

    matrix = sp.csc_matrix(matrix)
    model = highspy.HighsLp()
    model.num_col_, model.num_row_ = matrix.shape[1], matrix.shape[0]
    model.col_cost_ = np.asarray(cost, dtype=float)
    model.col_lower_ = np.asarray(col_lower, dtype=float)
    model.col_upper_ = np.asarray(col_upper, dtype=float)
    model.row_lower_ = np.asarray(row_lower, dtype=float)
    model.row_upper_ = np.asarray(row_upper, dtype=float)
    model.sense_ = highspy.ObjSense.kMaximize if maximize else highspy.ObjSense.kMinimize
    model.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    model.a_matrix_.start_ = matrix.indptr.astype(np.int32)
    model.a_matrix_.index_ = matrix.indices.astype(np.int32)
    model.a_matrix_.value_ = matrix.data.astype(float)
    if integer is not None and np.any(integer):
        model.integrality_ = [
            highspy.HighsVarType.kInteger if flag else highspy.HighsVarType.kContinuous
            for flag in integer
        ]
    return model


def add_highs_columns(highs, cost: np.ndarray, block: sp.csc_matrix) -> None:
    """Append the columns of ``block`` (rows of the live model, bounds ``[0, inf)``)."""
    m = block.shape[1]
    highs.addCols(
        m,
        np.asarray(cost, dtype=float),
        np.zeros(m),
        np.full(m, np.inf),
        block.nnz,
        block.indptr[:-1].astype(np.int32),
        block.indices.astype(np.int32),
        block.data,
    )


def solver_time_limit(time_limit: float | None) -> float:
    """Seconds a solver call may run: ``time_limit``, or :data:`LP_TIME_LIMIT` when None."""
    return LP_TIME_LIMIT if time_limit is None else float(time_limit)


def new_highs(time_limit: float | None = None, options: dict | None = None):
    """A silent ``highspy.Highs`` with a time limit (:func:`solver_time_limit`) and options."""
    import highspy

    _silence_highs_banner()
    highs = highspy.Highs()
    highs.setOptionValue("output_flag", False)
    highs.setOptionValue("time_limit", solver_time_limit(time_limit))
    for key, value in (options or {}).items():
        highs.setOptionValue(key, value)
    return highs


def _report_mip_progress(highs, every: float) -> None:
    """Log the incumbent, bound and gap of a running MIP every ``every`` seconds."""
    last = [0.0]

    def report(event) -> None:
        out = event.data_out
        if out.running_time - last[0] < every:
            return
        last[0] = out.running_time
        incumbent = out.mip_primal_bound
        have = np.isfinite(incumbent) and abs(incumbent) < 1e50
        log.info(
            f"    MIP {out.running_time:.0f} s: "
            + (f"incumbent {incumbent:,.1f}" if have else "no incumbent yet")
            + f", bound {out.mip_dual_bound:,.1f}"
            + (f", gap {out.mip_gap:.2%}" if have else "")
        )

    highs.cbMipInterrupt.subscribe(report)


def _solve_highspy(
    lp: LinearProgram,
    time_limit: float | None,
    options: dict,
    progress_seconds: float | None = None,
) -> LPSolution:
    import highspy

    start = time.perf_counter()
    model = highs_model(
        lp.cost,
        lp.matrix,
        lp.col_lower,
        lp.col_upper,
        lp.row_lower,
        lp.row_upper,
        maximize=lp.maximize,
        integer=lp.integer if lp.is_mip else None,
    )
    highs = new_highs(time_limit, options)
    if lp.is_mip and progress_seconds is not None:
        _report_mip_progress(highs, progress_seconds)
    highs.passModel(model)
    highs.run()
    status_obj = highs.getModelStatus()
    status = {
        highspy.HighsModelStatus.kOptimal: "optimal",
        highspy.HighsModelStatus.kInfeasible: "infeasible",
        highspy.HighsModelStatus.kUnbounded: "unbounded",
        highspy.HighsModelStatus.kUnboundedOrInfeasible: "infeasible",
        highspy.HighsModelStatus.kTimeLimit: "time_limit",
    }.get(status_obj, f"error: {highs.modelStatusToString(status_obj)}")
    info = highs.getInfo()
    has_solution = status in ("optimal", "time_limit") and info.primal_solution_status == 2
    x = np.asarray(highs.getSolution().col_value) if has_solution else np.full(lp.shape[1], np.nan)
    objective = float(info.objective_function_value) if has_solution else float("nan")
    dual_bound, gap = objective, 0.0
    row_dual = None
    if lp.is_mip:
        dual_bound, gap = float(info.mip_dual_bound), float(info.mip_gap)
    elif has_solution:
        row_dual = np.asarray(highs.getSolution().row_dual)
    seconds = time.perf_counter() - start
    return LPSolution(status, objective, x, seconds, "highs", dual_bound, gap, row_dual)


def _solve_pulp(lp: LinearProgram, solver: str, time_limit: float | None) -> LPSolution:
    import pulp

    start = time.perf_counter()
    n = lp.shape[1]
    integer = lp.integer if lp.integer is not None else np.zeros(n, dtype=bool)
    problem = pulp.LpProblem("assignopt", pulp.LpMaximize if lp.maximize else pulp.LpMinimize)
    variables = [
        problem.add_variable(
            f"x{j}",
            lowBound=None if np.isinf(lo) else float(lo),
            upBound=None if np.isinf(hi) else float(hi),
            cat=pulp.LpInteger if flag else pulp.LpContinuous,
        )
        for j, (lo, hi, flag) in enumerate(zip(lp.col_lower, lp.col_upper, integer))
    ]
    nonzero = np.flatnonzero(lp.cost)
    problem += pulp.LpAffineExpression(
        zip([variables[j] for j in nonzero], lp.cost[nonzero].tolist())
    )
    matrix = sp.csr_matrix(lp.matrix)
    constraints: list[list] = []
    for i in range(matrix.shape[0]):
        cols = matrix.indices[matrix.indptr[i] : matrix.indptr[i + 1]]
        vals = matrix.data[matrix.indptr[i] : matrix.indptr[i + 1]]
        expr = pulp.LpAffineExpression(zip([variables[j] for j in cols], vals.tolist()))
        lo, hi = lp.row_lower[i], lp.row_upper[i]
        row = []
        if lo == hi:
            row.append(pulp.LpConstraint(expr, pulp.LpConstraintEQ, f"r{i}", float(lo)))
        else:
            if np.isfinite(lo):
                row.append(pulp.LpConstraint(expr, pulp.LpConstraintGE, f"r{i}l", float(lo)))
            if np.isfinite(hi):
                row.append(pulp.LpConstraint(expr, pulp.LpConstraintLE, f"r{i}u", float(hi)))
        for constraint in row:
            problem += constraint
        constraints.append(row)
    if solver == "cbc":
        with warnings.catch_warnings():
            # PuLP 3 announces that its bundled CBC moves to an extra in PuLP 4 (pinned < 4).
            warnings.simplefilter("ignore", DeprecationWarning)
            backend = pulp.PULP_CBC_CMD(msg=False, timeLimit=solver_time_limit(time_limit))
        if not backend.available():
            raise SolverError(
                "the cbc solver is not installed (PuLP found no CBC program); install it "
                "(e.g. apt install coinor-cbc) or use the highs solver"
            )
    else:
        if not highs_available():
            raise SolverError("the pulp-highs solver needs highspy; use the cbc solver")
        _silence_highs_banner()
        backend = pulp.HiGHS(msg=False, timeLimit=solver_time_limit(time_limit))
    try:
        problem.solve(backend)
    except pulp.PulpSolverError as exc:
        raise SolverError(f"the {solver} solver failed: {exc}") from None
    status = {
        pulp.LpStatusOptimal: "optimal",
        pulp.LpStatusInfeasible: "infeasible",
        pulp.LpStatusUnbounded: "unbounded",
    }.get(problem.status, f"error: {pulp.LpStatus[problem.status]}")
    if status == "optimal" and problem.sol_status == pulp.LpSolutionIntegerFeasible:
        status = "time_limit"  # CBC stopped by its time limit with an incumbent
    x = np.array([v.varValue if v.varValue is not None else np.nan for v in variables])
    objective = float(lp.cost @ x) if status in ("optimal", "time_limit") else float("nan")
    row_dual = None
    if status == "optimal" and not lp.is_mip:
        row_dual = np.array([sum((c.pi or 0.0) for c in row) for row in constraints])
    seconds = time.perf_counter() - start
    # PuLP reports no bound: a time-limited incumbent's gap is unknown.
    gap = float("nan") if status == "time_limit" else 0.0
    bound = float("nan") if status == "time_limit" else objective
    return LPSolution(status, objective, x, seconds, solver, bound, gap, row_dual)
