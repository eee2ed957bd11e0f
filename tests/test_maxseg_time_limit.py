"""A time limit on the maximum's LPs: never a value from a stopped LP, never a 'failure'."""

import dataclasses

import numpy as np
import pytest

from assignopt import GammaIncome
from assignopt.errors import TimeLimitError
from assignopt.maxseg import bracket, colgen, maximum_segregation
from assignopt.policy import Policy
from assignopt.population import Population


def gamma_population(n_classes):
    black, white = GammaIncome.from_mean(24_600), GammaIncome.from_mean(52_100)
    return Population.gamma(black, white, 0.5, n_classes)


def stop_on_call(monkeypatch, module, name, call):
    """Make ``module.name`` end at its time limit from its ``call``-th call on."""
    real = getattr(module, name)
    calls = []

    def stopped(*args, **kwargs):
        calls.append(1)
        if len(calls) < call:
            return real(*args, **kwargs)
        out = real(*args, **kwargs)
        if isinstance(out, tuple):  # solve_master: (solution, duals)
            solution, duals = out
            return dataclasses.replace(solution, status="time_limit"), duals
        raise TimeLimitError("stopped by the test")

    monkeypatch.setattr(module, name, stopped)
    return calls


def test_a_real_time_limit_on_the_first_lp_is_named_as_such():
    # HiGHS stopped at once (1 microsecond) has no solution: before, this read "numerical
    # failure: try another solver"; a time limit is a time limit.
    population = gamma_population(40)
    with pytest.raises(TimeLimitError, match="time limit.*raise time_limit"):
        maximum_segregation(population, Policy(0.2 / 40), method="bracket", time_limit=1e-6)


def test_a_stopped_lp_with_a_primal_point_gives_no_value(monkeypatch):
    # A simplex stopped at its limit can hold a feasible point whose value lies *below* the
    # maximum: reporting it as the (exact) maximum would be wrong, so it is refused.
    import assignopt.maxseg.extreme as extreme
    from assignopt.lp import solve

    def stopped(*args, **kwargs):
        return dataclasses.replace(solve(*args, **kwargs), status="time_limit")

    monkeypatch.setattr(extreme, "solve", stopped)
    population = Population.dichotomous(0.5, 0.5, 0.2, total=1000)
    with pytest.raises(TimeLimitError, match="extreme-point LP reached its time limit"):
        maximum_segregation(population, Policy(0.1), method="extreme")


def test_a_bracket_round_stopped_keeps_the_last_complete_round(monkeypatch):
    # The whole bracket (no limit) gives the maximum; stopped in its second round, the
    # bracket is the first round's (the same as a run of one round), still contains the
    # maximum, and says it stopped at the time limit.
    population = gamma_population(8)
    policy = Policy(0.2 / 8)
    whole = maximum_segregation(population, policy, method="bracket", gap=1e-8)
    one_round = maximum_segregation(
        population, policy, method="bracket", gap=1e-8, max_iterations=1
    )
    assert one_round.upper - one_round.lower > 1e-6  # a second round was needed
    calls = stop_on_call(monkeypatch, bracket, "_solve_cells", 2)
    stopped = maximum_segregation(population, policy, method="bracket", gap=1e-8)
    assert len(calls) == 2
    assert stopped.status == "time_limit"
    assert stopped.iterations == 1
    assert stopped.lower == pytest.approx(one_round.lower, abs=1e-12)
    assert stopped.upper == pytest.approx(one_round.upper, abs=1e-12)
    assert stopped.lower - 1e-9 <= whole.lower <= stopped.upper + 1e-9
    assert any("time limit" in note for note in stopped.notes)
    assert policy.violations(stopped.witness.schools, population) == []


def test_a_column_generation_master_stopped_keeps_the_last_complete_round(monkeypatch):
    # Stopped in its second master LP, column generation reports the first round's master
    # (a feasible witness) and its Lagrangian upper value, which still contain the maximum
    # found without a limit.
    population = gamma_population(8)
    policy = Policy(0.2 / 8)
    whole = maximum_segregation(population, policy, method="colgen", gap=1e-8)
    assert whole.iterations >= 2
    calls = stop_on_call(monkeypatch, colgen, "solve_master", 2)
    stopped = maximum_segregation(population, policy, method="colgen", gap=1e-8)
    assert len(calls) == 2
    assert stopped.status == "time_limit"
    assert stopped.iterations == 1
    assert stopped.lower - 1e-9 <= whole.lower <= stopped.upper + 1e-9
    assert np.isfinite(stopped.upper) and stopped.upper - stopped.lower > 1e-8
    assert policy.violations(stopped.witness.schools, population) == []
