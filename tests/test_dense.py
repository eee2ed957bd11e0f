"""The dense LP and the whole-neighborhood MILP: time limits, progress, named stops."""

import logging

import numpy as np
import pytest

from assignopt.errors import InfeasibleError, TimeLimitError
from assignopt.lp import LPSolution
from assignopt.spatial import dense
from assignopt.spatial.problem import Labels, TransportProblem

POOR = np.array([True, False])


def mixed_problem(**kw):
    # Two mixed neighborhoods (60/40 and 40/60 poor/nonpoor) beside two 100-seat schools,
    # 9 km apart; a 0.1 band around the district's 50% holds with everyone at home.
    base = dict(
        supply=np.array([[60.0, 40.0], [40.0, 60.0]]),
        capacity=np.array([100.0, 100.0]),
        km=np.array([[0.0, 9.0], [9.0, 0.0]]),
        bands=[(POOR, 0.4, 0.6)],
        whole_neighborhoods=True,
        labels=Labels(("07", "12"), ("a", "b"), ("poor", "nonpoor")),
    )
    return TransportProblem(**{**base, **kw})


def stopped(x, gap):
    """What lp.solve returns when a time limit stops a MIP (with or without an incumbent)."""

    def solve(lp, solver, time_limit, *args, **kw):
        solve.time_limit, solve.progress = time_limit, kw.get("progress_seconds")
        objective = float(np.dot(lp.cost, x)) if np.all(np.isfinite(x)) else float("nan")
        return LPSolution("time_limit", objective, np.asarray(x, float), 0.1, "highs", 0.0, gap)

    return solve


def test_milp_defaults_to_a_time_limit_and_reports_an_incumbent(monkeypatch):
    fake = stopped([1.0, 0.0, 0.0, 1.0], 0.25)  # pairs (07,a), (07,b), (12,a), (12,b)
    monkeypatch.setattr(dense, "solve", fake)
    solution = dense.solve_milp(mixed_problem())
    assert fake.time_limit == dense.MILP_TIME_LIMIT == 120.0
    assert fake.progress == dense.MILP_PROGRESS_SECONDS
    assert solution.status == "time_limit" and solution.gap == 0.25
    assert solution.flows[0, :, 0] == pytest.approx([60, 40])
    dense.solve_milp(mixed_problem(), time_limit=7.0)
    assert fake.time_limit == 7.0


def test_milp_time_limit_without_incumbent_is_not_called_infeasible(monkeypatch):
    monkeypatch.setattr(dense, "solve", stopped([np.nan] * 4, np.inf))
    with pytest.raises(TimeLimitError, match="no feasible whole-neighborhood assignment was"):
        dense.solve_milp(mixed_problem(), time_limit=1.0)


def test_a_real_milp_is_optimal_and_logs_its_progress(caplog):
    # Everyone at home meets the band: 0 km, proven optimal.
    with caplog.at_level(logging.INFO, logger="assignopt"):
        solution = dense.solve_milp(mixed_problem())
    assert solution.status == "optimal" and solution.objective_km == pytest.approx(0.0)
    assert "time limit 120 s" in caplog.text
    # A band no whole assignment meets (both neighborhoods 60/40 or 40/60, the band 0.45-0.55)
    # is infeasible, and said so.
    with pytest.raises(InfeasibleError, match="infeasible whole-neighborhood assignment"):
        dense.solve_milp(mixed_problem(bands=[(POOR, 0.45, 0.55)]))


def test_mip_progress_reports_incumbent_bound_and_gap(caplog):
    """lp.solve with progress_seconds=0 logs at every MIP callback: a knapsack HiGHS needs a
    few nodes for."""
    import scipy.sparse as sp

    from assignopt.lp import LinearProgram, solve

    rng = np.random.default_rng(3)
    n = 60
    weight = rng.integers(10, 60, n).astype(float)
    value = weight + rng.integers(0, 10, n)
    lp = LinearProgram(
        value,
        sp.csr_matrix(weight[None, :]),
        np.array([-np.inf]),
        np.array([weight.sum() / 2 + 0.5]),
        np.zeros(n),
        np.ones(n),
        np.ones(n, dtype=bool),
    )
    with caplog.at_level(logging.INFO, logger="assignopt"):
        solution = solve(lp, "highs", progress_seconds=0.0)
    assert solution.status == "optimal"
    assert "incumbent" in caplog.text and "bound" in caplog.text and "gap" in caplog.text
