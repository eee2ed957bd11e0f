"""Race-proportional reassignment: the minimum moves that balance poverty across schools.

From each school's students by group and its poor count, with race and poverty independent
within a school: a school above the band's upper edge sends out poor students (and takes in as
many nonpoor), a school below the lower edge sends out nonpoor students (and takes in as many
poor), each only as far as the nearer edge. Movers leave in proportion to their school's racial
mix; the pool of poor movers and the pool of nonpoor movers are handed out to receiving schools
in proportion to each pool's racial mix. With a band, if one side would move more students than
the other, the other side's edge is tightened until poor and nonpoor movers are equal.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import optimize

from assignopt.bounds import validate_tolerance
from assignopt.counts import check_counts
from assignopt.errors import InputError
from assignopt.indices import multigroup_normalized_exposure, normalized_exposure

__all__ = ["Reassignment", "race_proportional_reassignment"]


@dataclass(frozen=True)
class Reassignment:
    """Result of a race-proportional reassignment.

    Attributes
    ----------
    counts_before, counts_after : numpy.ndarray
        Students by school and group, ``(J, M)``.
    poor_before, poor_after : numpy.ndarray
        Poor students by school.
    movers : float
        Poor movers (equal to nonpoor movers).
    lower_edge, upper_edge : float
        The band's edges after any tightening.
    v_before, v_after : float
        Normalized exposure of the first two groups (multigroup R with more groups is in
        ``r_before``, ``r_after``).
    """

    counts_before: np.ndarray
    counts_after: np.ndarray
    poor_before: np.ndarray
    poor_after: np.ndarray
    movers: float
    lower_edge: float
    upper_edge: float
    v_before: float
    v_after: float
    r_before: float
    r_after: float


def _outflows(size, rate, lower, upper):
    """Poor leaving schools above ``upper`` and nonpoor leaving schools below ``lower``."""
    poor_out = np.where(rate > upper, size * (rate - upper), 0.0)
    nonpoor_out = np.where(rate < lower, size * (lower - rate), 0.0)
    return poor_out, nonpoor_out


def race_proportional_reassignment(
    counts: np.ndarray, poor: np.ndarray, tolerance: float = 0.0
) -> Reassignment:
    """Balance poverty across schools by race-proportional swaps (mathematics note).

    Parameters
    ----------
    counts : numpy.ndarray
        Students by school and group, ``(J, M)``; the first two groups give V.
    poor : numpy.ndarray
        Poor students per school, ``(J,)``, at most each school's size.
    tolerance : float
        Band half-width d: schools move only to the nearer edge of ``[pi_p - d, pi_p + d]``.

    Returns
    -------
    Reassignment
    """
    counts = np.asarray(counts, dtype=float)
    poor = np.asarray(poor, dtype=float)
    if counts.ndim != 2 or counts.shape[1] < 2:
        raise InputError("counts must be schools x groups with at least two groups")
    check_counts(counts, [f"group {m}" for m in range(counts.shape[1])], name="school counts")
    check_counts(poor[:, None], ["poor"], name="school poor counts")
    d = validate_tolerance(tolerance)
    size = counts.sum(axis=1)
    if np.any(poor > size + 1e-9):
        j = int(np.argmax(poor - size))
        raise InputError(f"school {j}: {poor[j]:g} poor students but only {size[j]:g} students")
    keep = size > 0
    rate = np.divide(poor, size, out=np.zeros_like(poor), where=keep)
    pi_p = poor.sum() / size.sum()
    lower, upper = pi_p - d, pi_p + d
    poor_out, nonpoor_out = _outflows(size, rate, lower, upper)
    gap = poor_out.sum() - nonpoor_out.sum()
    if abs(gap) > 1e-9 * size.sum():
        # Tighten the side that moves fewer students until both sides move as many.
        if gap > 0:

            def excess(edge):
                return poor_out.sum() - _outflows(size, rate, edge, upper)[1].sum()

            lower = optimize.brentq(excess, lower, upper, xtol=1e-14)
        else:

            def excess(edge):
                return _outflows(size, rate, lower, edge)[0].sum() - nonpoor_out.sum()

            upper = optimize.brentq(excess, lower, upper, xtol=1e-14)
        poor_out, nonpoor_out = _outflows(size, rate, lower, upper)
    mix = np.divide(counts, size[:, None], out=np.zeros_like(counts), where=keep[:, None])
    poor_pool = (poor_out[:, None] * mix).sum(axis=0)  # by group
    nonpoor_pool = (nonpoor_out[:, None] * mix).sum(axis=0)
    movers = poor_out.sum()
    poor_pool_mix = poor_pool / movers if movers > 0 else np.zeros(counts.shape[1])
    nonpoor_pool_mix = nonpoor_pool / movers if movers > 0 else np.zeros(counts.shape[1])
    # Schools sending poor receive as many nonpoor, and the other way round.
    after = (
        counts
        - (poor_out + nonpoor_out)[:, None] * mix
        + poor_out[:, None] * nonpoor_pool_mix
        + nonpoor_out[:, None] * poor_pool_mix
    )
    poor_after = poor - poor_out + nonpoor_out
    pair_before, pair_after = counts[:, :2], after[:, :2]
    return Reassignment(
        counts,
        after,
        poor,
        poor_after,
        float(movers),
        float(lower),
        float(upper),
        normalized_exposure(pair_before),
        normalized_exposure(pair_after),
        multigroup_normalized_exposure(counts),
        multigroup_normalized_exposure(after),
    )
