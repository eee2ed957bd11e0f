"""The LP layer: one model, several solvers; missing solvers end in named errors."""

import sys

import numpy as np
import pytest
import scipy.sparse as sp

from assignopt.errors import InputError, SolverError
from assignopt.lp import LinearProgram, solve


def small_lp() -> LinearProgram:
    # max x + 2y s.t. x + y <= 4, y <= 3, x, y >= 0: optimum (1, 3) with value 7 by hand.
    return LinearProgram(
        np.array([1.0, 2.0]),
        sp.csr_matrix(np.array([[1.0, 1.0], [0.0, 1.0]])),
        np.array([-np.inf, -np.inf]),
        np.array([4.0, 3.0]),
        np.zeros(2),
        np.full(2, np.inf),
    )


@pytest.mark.parametrize("solver", ["highs", "cbc", "pulp-highs"])
def test_every_solver_finds_the_hand_optimum(solver):
    solution = solve(small_lp(), solver)
    assert solution.status == "optimal"
    assert solution.objective == pytest.approx(7.0)
    assert solution.x == pytest.approx([1.0, 3.0])


def test_highs_falls_back_to_cbc_without_highspy(monkeypatch):
    # A None entry in sys.modules makes "import highspy" raise ImportError.
    monkeypatch.setitem(sys.modules, "highspy", None)
    solution = solve(small_lp(), "highs")
    assert solution.solver == "cbc" and solution.objective == pytest.approx(7.0)
    with pytest.raises(SolverError, match="pulp-highs solver needs highspy"):
        solve(small_lp(), "pulp-highs")


def test_a_missing_cbc_program_is_a_named_error(monkeypatch):
    import pulp

    monkeypatch.setattr(pulp.PULP_CBC_CMD, "available", lambda self: False)
    with pytest.raises(SolverError, match="cbc solver is not installed"):
        solve(small_lp(), "cbc")


def test_unknown_solver_is_named():
    with pytest.raises(InputError, match="unknown solver 'glpk'"):
        solve(small_lp(), "glpk")


def test_every_solver_call_has_a_time_limit_by_default():
    # Without a time limit a HiGHS call gets LP_TIME_LIMIT (the documented 600 s, README and
    # the command's --time-limit help); a given one is kept.
    from assignopt.lp import LP_TIME_LIMIT, new_highs, solver_time_limit

    assert LP_TIME_LIMIT == 600.0
    assert new_highs().getOptionValue("time_limit")[1] == LP_TIME_LIMIT
    assert new_highs(7.5).getOptionValue("time_limit")[1] == 7.5
    assert solver_time_limit(None) == LP_TIME_LIMIT and solver_time_limit(3) == 3.0


def test_a_transport_lp_stopped_by_the_default_limit_names_it(monkeypatch):
    # The default limit shrunk to a microsecond stops HiGHS at once: the dense assignment LP
    # and the pricing path end in a TimeLimitError naming the limit in force (not "None s"),
    # never in a value or "infeasible".
    import assignopt.lp as lp
    from assignopt.errors import TimeLimitError
    from assignopt.spatial.transport import transport_assignment

    monkeypatch.setattr(lp, "LP_TIME_LIMIT", 1e-6)
    rng = np.random.default_rng(0)
    supply = rng.integers(1, 50, (300, 2)).astype(float)
    cap = np.full(10, supply.sum() / 10 * 1.1)
    km = rng.uniform(0.5, 9.0, (300, 10))
    for method in ("dense", "pricing"):
        with pytest.raises(TimeLimitError, match=r"time limit \(1e-06 s\).*raise time_limit"):
            transport_assignment(supply, cap, km, None, method=method)
