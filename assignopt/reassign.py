"""Race-proportional reassignment: the minimum moves that balance poverty across schools.

From each school's students by group and its poor count (the mathematics note,
docs/mathematics.md, "Probable segregation 1"): a school above the band's upper edge sends out
poor students (and takes in as many nonpoor), a school below the lower edge sends out nonpoor
students (and takes in as many poor), each only as far as the nearer edge. Movers leave in
proportion to their school's racial mix (or, when the school's race x poverty table is known,
to the racial mix of its poor or of its nonpoor students); the pool of poor movers and the pool
of nonpoor movers are handed out to receiving schools in proportion to each pool's racial mix.

Band-edge tightening (the literature's Appendix E, Eq. E4): the band starts as
``[pi_p - d, pi_p + d]``; when the schools above it would send out more poor students than the
schools below it send nonpoor ones, the lower edge is raised (and in the opposite case the upper
edge lowered) until both sides move equally many students, so that every school still ends
inside the final band. The final edges are reported as ``lower_edge`` and ``upper_edge``.

Under within-school independence of race and poverty every mover carries its school's racial
mix, so each school's new group shares are averages of the old schools' shares weighted by the
students it keeps and receives, and V cannot rise, exactly balanced or under a band.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from assignopt.bounds import validate_tolerance
from assignopt.counts import check_counts
from assignopt.errors import InputError, UndefinedIndexError
from assignopt.indices import multigroup_normalized_exposure, normalized_exposure

__all__ = [
    "Reassignment",
    "district_poverty_rate",
    "race_proportional_reassignment",
    "relative_tolerance",
]


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
        Normalized exposure of the first two groups.
    r_before, r_after : float
        Multigroup normalized exposure R over the groups with students (equal to V with two).
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


def district_poverty_rate(counts: np.ndarray, poor: np.ndarray) -> float:
    """The district's poverty rate ``pi_p``: poor students over all students.

    Parameters
    ----------
    counts : numpy.ndarray
        Students by school and group, ``(J, M)``.
    poor : numpy.ndarray
        Poor students per school, ``(J,)``.

    Returns
    -------
    float
    """
    total = float(np.asarray(counts, dtype=float).sum())
    if not total > 0:
        raise InputError("the district has no students")
    return float(np.asarray(poor, dtype=float).sum()) / total


def relative_tolerance(relative: float, poverty_rate: float) -> float:
    """The absolute tolerance of a relative one: ``d = relative x pi_p``.

    A relative tolerance of 0.25 in a district with 40% poor students allows every school a
    poverty rate in ``[0.30, 0.50]``; in one with 8% poor, ``[0.06, 0.10]``.

    Parameters
    ----------
    relative : float
        Band half-width as a fraction of the district's poverty rate (0 = perfect balance).
    poverty_rate : float
        The district's poverty rate ``pi_p`` in (0, 1).

    Returns
    -------
    float
        The absolute tolerance d, checked like any tolerance (``0 <= d < 0.5``).
    """
    rel = float(relative)
    if not (np.isfinite(rel) and rel >= 0.0):
        raise InputError(f"relative tolerance must be a non-negative number, got {relative}")
    if not 0.0 < poverty_rate < 1.0:
        raise InputError(f"poverty rate must lie in (0, 1), got {poverty_rate}")
    return validate_tolerance(rel * poverty_rate)


def _outflows(size, rate, lower, upper):
    """Poor leaving schools above ``upper`` and nonpoor leaving schools below ``lower``."""
    poor_out = np.where(rate > upper, size * (rate - upper), 0.0)
    nonpoor_out = np.where(rate < lower, size * (lower - rate), 0.0)
    return poor_out, nonpoor_out


def _tightened_band(size, rate, lower, upper):
    """Edges after moving the lighter side's edge until poor and nonpoor movers are equal."""
    poor_out, nonpoor_out = _outflows(size, rate, lower, upper)
    gap = poor_out.sum() - nonpoor_out.sum()
    if abs(gap) <= 1e-9 * size.sum():
        return lower, upper
    if gap > 0:

        def excess(edge):
            return poor_out.sum() - _outflows(size, rate, edge, upper)[1].sum()

        from scipy.optimize import brentq  # 0.09 s of import, for this root alone

        return brentq(excess, lower, upper, xtol=1e-14), upper

    def shortfall(edge):
        return _outflows(size, rate, lower, edge)[0].sum() - nonpoor_out.sum()

    from scipy.optimize import brentq

    return lower, brentq(shortfall, lower, upper, xtol=1e-14)


def _mix(table: np.ndarray, total: np.ndarray) -> np.ndarray:
    return np.divide(table, total[:, None], out=np.zeros_like(table), where=total[:, None] > 0)


def _present(counts: np.ndarray) -> np.ndarray:
    """Columns of groups with students (R is defined over those; an absent group adds 0)."""
    return counts[:, counts.sum(axis=0) > 0]


def race_proportional_reassignment(
    counts: np.ndarray,
    poor: np.ndarray,
    tolerance: float = 0.0,
    *,
    poor_by_group: np.ndarray | None = None,
    groups: Sequence[str] | None = None,
    schools: Sequence[str] | None = None,
) -> Reassignment:
    """Balance poverty across schools by race-proportional swaps.

    The construction is the mathematics note's (docs/mathematics.md, "Probable segregation
    1"). With a tolerance d the reassignment starts from the band [pi_p - d, pi_p + d]; when
    the schools above the band would send out more poor students than the schools below it send
    nonpoor ones (or the other way round), the edge on the lighter side is moved toward pi_p
    until both sides move equally many students (the literature's Appendix E, Eq. E4), so the
    band actually applied can be narrower than d; its edges are reported.

    Parameters
    ----------
    counts : numpy.ndarray
        Students by school and group, ``(J, M)``; the first two groups give V. Further groups
        (possibly with no students at all) enter only the multigroup R.
    poor : numpy.ndarray
        Poor students per school, ``(J,)``, at most each school's size.
    tolerance : float
        Band half-width d (absolute rate points): schools move only to the nearer edge of
        ``[pi_p - d, pi_p + d]``. For a tolerance relative to the district's poverty rate use
        :func:`relative_tolerance`.
    poor_by_group : numpy.ndarray, optional
        Poor students by school and group, ``(J, M)``, when the race x poverty table of each
        school is known (synthetic schools, assignments): poor movers then leave in proportion
        to the races of their school's poor students and nonpoor movers to those of its nonpoor
        students. Without it race and poverty are taken as independent within each school.
    groups, schools : sequence of str, optional
        Names of the groups and schools, for messages.

    Returns
    -------
    Reassignment
    """
    counts = np.asarray(counts, dtype=float)
    poor = np.asarray(poor, dtype=float)
    if counts.ndim != 2 or counts.shape[1] < 2:
        raise InputError("counts must be schools x groups with at least two groups")
    if poor.shape != (counts.shape[0],):
        raise InputError(
            f"poor must give one count per school ({counts.shape[0]}), got shape {poor.shape}"
        )
    labels = list(groups) if groups is not None else [f"group {m}" for m in range(counts.shape[1])]
    names = list(schools) if schools is not None else [str(j) for j in range(len(counts))]
    check_counts(counts, labels, name="school counts")
    check_counts(poor[:, None], ["poor"], name="school poor counts")
    d = validate_tolerance(tolerance)
    absent = [labels[m] for m in range(2) if not counts[:, m].sum() > 0]
    if absent:
        raise UndefinedIndexError(
            f"group(s) {', '.join(map(repr, absent))} have no students in the district; V "
            "between the first two groups is not defined when one is absent"
        )
    size = counts.sum(axis=1)
    if np.any(poor > size + 1e-9):
        j = int(np.argmax(poor - size))
        raise InputError(
            f"school {names[j]}: {poor[j]:g} poor students but only {size[j]:g} students"
        )
    keep = size > 0
    if poor_by_group is None:
        poor_by_group = poor[:, None] * _mix(counts, size)
    else:
        poor_by_group = np.asarray(poor_by_group, dtype=float)
        if poor_by_group.shape != counts.shape:
            raise InputError(
                f"poor_by_group must have the shape of counts {counts.shape}, "
                f"got {poor_by_group.shape}"
            )
        check_counts(poor_by_group, labels, name="school poor counts by group")
        scale = np.maximum(size, 1.0)[:, None]
        if np.any(poor_by_group > counts + 1e-9 * scale) or not np.allclose(
            poor_by_group.sum(axis=1), poor, rtol=1e-9, atol=1e-9 * scale.max()
        ):
            raise InputError(
                "poor_by_group must lie within counts and add up to poor in every school"
            )
    rate = np.divide(poor, size, out=np.zeros_like(poor), where=keep)
    pi_p = poor.sum() / size.sum()
    lower, upper = _tightened_band(size, rate, pi_p - d, pi_p + d)
    poor_out, nonpoor_out = _outflows(size, rate, lower, upper)
    poor_mix = _mix(poor_by_group, poor)
    nonpoor_mix = _mix(counts - poor_by_group, size - poor)
    poor_pool = (poor_out[:, None] * poor_mix).sum(axis=0)  # by group
    nonpoor_pool = (nonpoor_out[:, None] * nonpoor_mix).sum(axis=0)
    movers = poor_out.sum()
    poor_pool_mix = poor_pool / movers if movers > 0 else np.zeros(counts.shape[1])
    nonpoor_pool_mix = nonpoor_pool / movers if movers > 0 else np.zeros(counts.shape[1])
    # Schools sending poor receive as many nonpoor, and the other way round.
    after = (
        counts
        - poor_out[:, None] * poor_mix
        - nonpoor_out[:, None] * nonpoor_mix
        + poor_out[:, None] * nonpoor_pool_mix
        + nonpoor_out[:, None] * poor_pool_mix
    )
    after = np.maximum(after, 0.0)  # rounding only: a school never sends more than it has
    poor_after = poor - poor_out + nonpoor_out
    return Reassignment(
        counts_before=counts,
        counts_after=after,
        poor_before=poor,
        poor_after=poor_after,
        movers=float(movers),
        lower_edge=float(lower),
        upper_edge=float(upper),
        v_before=normalized_exposure(counts[:, :2]),
        v_after=normalized_exposure(after[:, :2]),
        r_before=multigroup_normalized_exposure(_present(counts)),
        r_after=multigroup_normalized_exposure(_present(after)),
    )
