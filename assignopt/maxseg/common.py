"""Model pieces shared by the maximum's methods: rule masks, size bounds, solver outcomes."""

from __future__ import annotations

import numpy as np

from assignopt.errors import AssignoptError, InputError, TimeLimitError
from assignopt.lp import LPSolution
from assignopt.policy import BalanceRule, Policy
from assignopt.population import Population
from assignopt.witness import OBJECTIVES

__all__ = ["check_objective", "raise_unsolved", "rule_masks", "size_bounds"]


def check_objective(population: Population, objective: str, pair: bool = False) -> None:
    """Refuse an unknown index, or V on more than two groups without a pair."""
    if objective not in OBJECTIVES:
        raise InputError(f"unknown objective {objective!r}; choose one of {', '.join(OBJECTIVES)}")
    if objective == "V" and population.n_groups != 2 and not pair:
        raise InputError(
            f"V is a two-group index but the data have {population.n_groups} groups "
            f"({', '.join(population.groups)}); name the two groups with pair=(b, w), or use "
            "objective R (multigroup normalized exposure)"
        )


def rule_masks(population: Population, rules: list[BalanceRule]) -> np.ndarray:
    """Rule masks over cells (group-major), shape ``(r, M * C)``."""
    if not rules:
        return np.zeros((0, population.n_groups * population.n_categories), dtype=bool)
    return np.array([np.tile(rule.categories, population.n_groups) for rule in rules])


def size_bounds(policy: Policy) -> tuple[float, float] | None:
    """School size bounds as shares of the district, or None when only an upper bound is set."""
    if policy.min_school_share is None:
        return None  # upper bounds alone never bind: a type splits into small enough schools
    return policy.min_school_share, policy.max_school_share or 1.0


def raise_unsolved(solution: LPSolution, what: str, mip: bool = False) -> None:
    """Raise unless the solver ended optimal (a MIP also at its time limit with an incumbent).

    An LP stopped at its time limit bounds nothing (its value is below a maximum's optimum and
    may not even be feasible), so that is a :class:`TimeLimitError` naming ``time_limit``, not
    a value; a MIP stopped there keeps its incumbent and its proven dual bound.
    """
    if solution.status == "time_limit" and not (mip and np.isfinite(solution.objective)):
        raise TimeLimitError(
            f"the {what} reached its time limit after {solution.seconds:.1f} s, before an "
            "optimum (a stopped LP proves no bound); raise time_limit or leave it unset"
        )
    if solution.status not in ("optimal", "time_limit") or not np.isfinite(solution.objective):
        raise AssignoptError(
            f"the {what} ended with solver status {solution.status!r} ({solution.solver}); the "
            "policy passed the feasibility checks, so this is a numerical failure: try another "
            "solver (solver='cbc')"
        )
