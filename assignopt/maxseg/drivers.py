"""``maximum_segregation`` and ``minimum_segregation``: choose the method, run it, report.

The minimum under any such policy is 0: merging all schools into one keeps every band (they
are convex cones containing the district's composition), and by convexity
``sum_j t_j phi(p_j) >= T phi(district) = 0``.
"""

from __future__ import annotations

import time
from dataclasses import replace

import numpy as np

from assignopt.errors import InputError
from assignopt.maxseg.bracket import (
    TWO_GROUP_BREAKPOINTS,
    bracket_multigroup,
    bracket_two_groups,
)
from assignopt.maxseg.colgen import column_generation, single_class_rules
from assignopt.maxseg.common import check_objective, size_bounds
from assignopt.maxseg.extreme import exact_lp, solve_exact
from assignopt.maxseg.geometry import IndexTerm
from assignopt.maxseg.memory import (
    BRACKET_BYTES_PER_NONZERO,
    COLGEN_BYTES_PER_NONZERO,
    bracket_nonzeros,
    check_memory,
    colgen_nonzeros,
    format_bytes,
    memory_budget,
)
from assignopt.maxseg.pair import check_pair, expand_witness, pair_population
from assignopt.maxseg.result import SegregationBound
from assignopt.policy import Policy
from assignopt.population import Population
from assignopt.witness import Witness

__all__ = ["METHODS", "maximum_segregation", "minimum_segregation"]

#: Methods of :func:`maximum_segregation`.
METHODS = ("auto", "extreme", "colgen", "bracket")


def maximum_segregation(
    population: Population,
    policy: Policy | None = None,
    objective: str = "V",
    *,
    pair: tuple[str, str] | None = None,
    gap: float = 1e-4,
    solver: str = "highs",
    method: str = "auto",
    max_iterations: int = 40,
    time_limit: float | None = None,
    memory_limit: float | None = None,
) -> SegregationBound:
    """The largest segregation any number of schools can have under ``policy``.

    Parameters
    ----------
    population : Population
        Students by group and category.
    policy : Policy, optional
        The income-balance policy; perfect balance by default.
    objective : {"V", "H", "D", "R"}
        Index to maximize (V needs exactly two groups or a ``pair``; H and D are multigroup
        with more groups and no pair).
    pair : (str, str), optional
        Two groups, e.g. ``("black", "white")``: maximize the two-group index between them
        inside the whole population. The policy's bands apply to every student; the other
        groups are free to fill seats (mathematics note, "Multigroup districts and unknown
        splits"). The witness holds every group and its ``index`` is the pair's.
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
    memory_limit : float, optional
        Bytes the model may take; by default ``min(available memory, 16 GiB)``
        (:mod:`assignopt.maxseg.memory`). Each model's memory is estimated before it is
        built.

    Returns
    -------
    SegregationBound

    Raises
    ------
    InfeasiblePolicyError
        If no set of schools can meet the policy (the message names the band and margin).
    InputError
        On an unknown objective or method, a gap that is not positive, a method that
        cannot solve this policy, or a model too large for the memory budget (the message
        names the largest number of income classes that fits).
    """
    policy = policy or Policy()
    pair = check_pair(population, pair, objective)
    check_objective(population, objective, pair is not None)
    if gap <= 0:
        raise InputError(f"gap must be positive, got {gap}")
    if method not in METHODS:
        raise InputError(f"method must be auto, extreme, colgen or bracket, got {method!r}")
    model = population if pair is None else pair_population(population, pair)
    result = _maximum(
        model,
        policy,
        objective,
        pair,
        gap,
        solver,
        method,
        max_iterations,
        time_limit,
        memory_limit,
    )
    if pair is None:
        return result
    witness = expand_witness(result.witness, population, pair)
    notes = list(result.notes)
    if model.n_groups > 2:
        notes.append(
            f"{objective} between {pair[0]} and {pair[1]}; the band applies to all students, "
            f"the other groups ({', '.join(g for g in population.groups if g not in pair)}) "
            "fill seats"
        )
    return replace(result, witness=witness, pair=pair, notes=notes)


def _maximum(
    population,
    policy,
    objective,
    pair,
    gap,
    solver,
    method,
    max_iterations,
    time_limit,
    memory_limit,
) -> SegregationBound:
    """The maximum on a population whose first two groups are the pair (when one is named)."""
    start = time.perf_counter()
    rules = policy.rules(population)
    size = size_bounds(policy)
    term = IndexTerm(
        objective,
        population.group_shares,
        (0, 1) if pair is not None and population.n_groups > 2 else None,
    )
    if method == "extreme" and size is not None:
        raise InputError(
            "with a minimum school size, schools may need compositions that are not extreme "
            "points; use method='bracket' (a mixed-integer program)"
        )
    if method in ("auto", "extreme") and size is None:
        built = exact_lp(population, rules, term)
        if built is not None:
            return solve_exact(population, term, built, solver, time_limit, start, pair)
        if method == "extreme":
            raise InputError(
                "too many extreme points to enumerate for this policy; use method='bracket'"
            )
    if method in ("auto", "colgen"):
        class_rules = single_class_rules(population, rules)
        # Column generation is exact in one round under perfect balance (its seed columns are
        # the optimal nested schools) but tails off badly with tolerance bands, where the cell
        # bracket is far faster (benchmarks/RESULTS.md); auto uses it only for the former.
        usable = class_rules is not None and size is None
        if usable and (method == "colgen" or policy.is_perfect_income_balance):
            _check_colgen_memory(population, rules, memory_limit)
            return column_generation(
                population, class_rules, term, gap, solver, max_iterations, time_limit, start
            )
        if method == "colgen" and not usable:
            raise InputError(
                "column generation needs two groups, income-class bands only and no size "
                "bounds; use method='bracket'"
            )
    if population.n_groups == 2 or term.pair is not None:
        return bracket_two_groups(
            population,
            rules,
            term,
            size,
            gap,
            solver,
            max_iterations,
            time_limit,
            start,
            memory_limit=memory_limit,
        )
    return bracket_multigroup(
        population,
        rules,
        term,
        size,
        gap,
        solver,
        max_iterations,
        time_limit,
        start,
        pair=pair,
        memory_limit=memory_limit,
    )


def _check_colgen_memory(population, rules, memory_limit) -> None:
    """Refuse column generation too large for memory; say what the bracket would need."""
    bracket = BRACKET_BYTES_PER_NONZERO * bracket_nonzeros(
        population, rules, TWO_GROUP_BREAKPOINTS, None
    )
    alternative = ""
    if bracket <= memory_budget(memory_limit):
        alternative = (
            f", or method='bracket', whose first model needs about {format_bytes(bracket)} "
            "(it grows as cells are split)"
        )
    check_memory(
        "column-generation model",
        population,
        lambda k: COLGEN_BYTES_PER_NONZERO * colgen_nonzeros(k),
        memory_limit,
        alternative,
    )


def minimum_segregation(
    population: Population,
    policy: Policy | None = None,
    objective: str = "V",
    *,
    pair: tuple[str, str] | None = None,
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
    pair : (str, str), optional
        Two groups: the two-group index between them (see :func:`maximum_segregation`).

    Returns
    -------
    SegregationBound
    """
    policy = policy or Policy()
    pair = check_pair(population, pair, objective)
    check_objective(population, objective, pair is not None)
    start = time.perf_counter()
    policy.rules(population)  # raises InfeasiblePolicyError with an explanation
    n, _ = policy.school_count_range()
    schools = np.repeat(population.counts[None] / n, n, axis=0)
    witness = Witness(schools, population, pair=pair)
    value = witness.index(objective)
    return SegregationBound(
        objective=objective,
        sense="min",
        lower=value,
        upper=value,
        exact=True,
        method="district composition (convexity)",
        status="optimal",
        solver="none",
        seconds=time.perf_counter() - start,
        build_seconds=0.0,
        solve_seconds=0.0,
        iterations=0,
        witness=witness,
        notes=["every school mirrors the district; by convexity nothing is lower"],
        pair=pair,
    )
