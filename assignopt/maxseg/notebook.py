"""``ao.maxseg``: the maximum under a policy, with the command line's options by name."""

from __future__ import annotations

from typing import Any

from assignopt.errors import InputError
from assignopt.maxseg.drivers import maximum_segregation
from assignopt.maxseg.result import SegregationBound
from assignopt.policy import Policy
from assignopt.population import Population

__all__ = ["maxseg"]

POLICY_OPTIONS = ("attribute_tolerance", "min_school_share", "max_school_share")
METHOD_OPTIONS = ("objective", "pair", "gap", "solver", "method")


def maxseg(population: Population, tolerance: float = 0.0, **options: Any) -> SegregationBound:
    """The maximum segregation (bracket and witness) a policy allows for ``population``.

    The notebook form of ``assignopt maxseg``: ``ao.maxseg(d.population(), tolerance=0.1)``.

    Parameters
    ----------
    population : Population
        Students by group and income class (e.g. ``District.population()``).
    tolerance : float
        Income-balance tolerance d in [0, 0.5).
    **options
        The policy's ``attribute_tolerance``, ``min_school_share``, ``max_school_share``, and
        the method's ``objective`` (V, H, D, R), ``pair`` (two group names), ``gap``,
        ``solver`` and ``method`` (as :func:`maximum_segregation`).

    Returns
    -------
    SegregationBound
        ``.lower``, ``.upper`` and ``.witness``.

    Raises
    ------
    InputError
        For an option that is not one of these, naming it.
    """
    unknown = sorted(set(options) - {*POLICY_OPTIONS, *METHOD_OPTIONS})
    if unknown:
        raise InputError(
            f"unknown option(s) {', '.join(unknown)}; allowed: "
            f"{', '.join((*POLICY_OPTIONS, *METHOD_OPTIONS))}"
        )
    policy = Policy(tolerance, **{k: v for k, v in options.items() if k in POLICY_OPTIONS})
    method = {k: v for k, v in options.items() if k in METHOD_OPTIONS}
    objective = method.pop("objective", "V")
    return maximum_segregation(population, policy, objective, **method)
