"""The notebook API: the command line's jobs as Python functions on in-memory objects."""

from __future__ import annotations

from typing import Any

from assignopt.maxseg import maxseg
from assignopt.workflows.requests import AssignOptions, build

__all__ = ["assign", "maxseg"]


def assign(district: Any, tolerance: float = 0.0, **options: Any) -> Any:
    """Race-blind minimum-travel assignment of ``district`` under an income band.

    Parameters
    ----------
    district : District
        From :func:`assignopt.read_district` (or built in memory).
    tolerance : float
        Income-balance tolerance d in [0, 0.5).
    **options
        The command line's options by name: ``solver``, ``fixed_enrolment``, ``integer``,
        ``travel_cap_km``, ``extra_km_cap``, ``time_limit``, ``points``, ``road_network``,
        ``possible``.

    Returns
    -------
    AssignmentResult
        With ``neighborhoods``, ``schools``, ``flows`` and ``summary()``.

    Raises
    ------
    RequestError
        For an unknown option or a value out of range (naming the option).
    """
    from assignopt.workflows.assign import solve

    return solve(district, build(AssignOptions, tolerance=tolerance, **options))
