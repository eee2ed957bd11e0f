"""Controlled choice: students, logit preferences, deferred acceptance with income reserves.

The probable outcome when families rank schools and a lottery with income-class quotas or
reserves assigns them: :func:`simulate_choice` runs many lotteries of a :class:`ChoiceProblem`
and summarizes the segregation they produce.
"""

from assignopt.choice.mechanism import (
    Matching,
    SchoolRules,
    deferred_acceptance,
    list_rank,
    school_rules,
)
from assignopt.choice.placement import enforce_band, place_nearest, seat_targets
from assignopt.choice.preferences import DEFAULT_DISTANCE_COEFFICIENT, LogitPreferences
from assignopt.choice.simulate import (
    ChoiceProblem,
    ChoiceSummary,
    DrawOutcome,
    run_draw,
    simulate_choice,
)
from assignopt.choice.students import Students, draw_students, expand_counts, student_distance

__all__ = [
    "DEFAULT_DISTANCE_COEFFICIENT",
    "ChoiceProblem",
    "ChoiceSummary",
    "DrawOutcome",
    "LogitPreferences",
    "Matching",
    "SchoolRules",
    "Students",
    "deferred_acceptance",
    "draw_students",
    "enforce_band",
    "expand_counts",
    "list_rank",
    "place_nearest",
    "run_draw",
    "school_rules",
    "seat_targets",
    "simulate_choice",
    "student_distance",
]
