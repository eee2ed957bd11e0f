"""After the lottery: seats per school, the nearest-school fallback, and the band guarantee."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from assignopt.choice.mechanism import SchoolRules, deferred_acceptance
from assignopt.errors import InputError

__all__ = ["enforce_band", "place_nearest", "remaining_rules", "seat_targets"]

_EPS = 1e-9


def _largest_in_band(p: int, n: int, lower: float, upper: float) -> tuple[int, int]:
    """Most students (p' <= p poor, n' <= n nonpoor) whose poverty rate lies in the band."""
    kept_poor = np.arange(p + 1)
    if lower > 0:
        most_nonpoor = np.minimum(n, np.floor((1 - lower) * kept_poor / lower + _EPS))
    else:
        most_nonpoor = np.full(p + 1, n, dtype=float)
    if upper < 1:
        least_nonpoor = (
            np.ceil(kept_poor * (1 - upper) / upper - _EPS)
            if upper > 0
            else np.where(kept_poor > 0, np.inf, 0)
        )
    else:
        least_nonpoor = np.zeros(p + 1)
    total = np.where(least_nonpoor <= most_nonpoor, kept_poor + most_nonpoor, -1)
    best = int(np.argmax(total))
    return best, int(most_nonpoor[best])


def seat_targets(capacity: np.ndarray, n_students: int) -> np.ndarray:
    """Seats per school that the income band is applied to.

    When the schools have more seats than students, a school filled to its capacity would
    leave others half empty, and a half-empty school's poverty rate is not controlled by
    quotas set on its capacity. The seats are therefore the capacities scaled down in
    proportion to hold exactly the district's students (largest remainders, never above a
    capacity); with no spare capacity they are the capacities. (A modelling choice: districts
    that run controlled choice set seats per school each year.)

    Parameters
    ----------
    capacity : numpy.ndarray
        Shape ``(J,)``: whole numbers of seats.
    n_students : int
        Students in the district.

    Returns
    -------
    numpy.ndarray
        int64, shape ``(J,)``, summing to ``min(n_students, capacity.sum())``.
    """
    cap = np.asarray(capacity)
    if cap.ndim != 1 or np.any(cap < 0) or not np.all(cap == np.round(cap)):
        raise InputError("school capacities must be non-negative whole numbers")
    cap = cap.astype(np.int64)
    total = int(cap.sum())
    if total <= n_students:
        return cap
    exact = cap * (n_students / total)
    seats = np.floor(exact).astype(np.int64)
    short = n_students - int(seats.sum())
    order = np.argsort(-(exact - seats), kind="stable")
    seats[order[:short]] += 1
    return np.minimum(seats, cap)


def remaining_rules(school: np.ndarray, poor: np.ndarray, rules: SchoolRules) -> SchoolRules:
    """Seats and quotas left after a matching (reserves dropped: the lottery is over)."""
    j = rules.n_schools
    held = np.bincount(school[school >= 0], minlength=j)
    held_poor = np.bincount(school[(school >= 0) & poor], minlength=j)
    return SchoolRules(
        np.maximum(rules.capacity - held, 0),
        np.maximum(rules.poor_quota - held_poor, 0),
        np.maximum(rules.nonpoor_quota - (held - held_poor), 0),
        np.zeros(j, dtype=np.int64),
    )


def place_nearest(
    school: np.ndarray,
    poor: np.ndarray,
    lottery: np.ndarray,
    distance: np.ndarray | Callable[[np.ndarray], np.ndarray],
    rules: SchoolRules,
) -> tuple[np.ndarray, np.ndarray]:
    """Send every unassigned student to the nearest school with room for her income class.

    In lottery order, each unassigned student takes the nearest school that still has a seat
    and (under quotas) room in her class's quota; this is deferred acceptance on the seats
    left with distance as the only preference.

    Parameters
    ----------
    school : numpy.ndarray
        Shape ``(n,)``: school index or -1.
    poor : numpy.ndarray
        Shape ``(n,)`` bool.
    lottery : numpy.ndarray
        Shape ``(n,)``: the draw's lottery (a permutation).
    distance : numpy.ndarray or callable
        Shape ``(n, J)``, or a function returning the distance rows ``(m, J)`` of the
        students whose indices it is given.
    rules : SchoolRules
        The rules the lottery ran under.

    Returns
    -------
    school : numpy.ndarray
        Updated copy; students no school has room for stay -1.
    placed : numpy.ndarray
        Shape ``(n,)`` bool: placed by this fallback.
    """
    out = school.copy()
    placed = np.zeros(out.size, dtype=bool)
    idx = np.flatnonzero(out < 0)
    if not idx.size:
        return out, placed
    left = remaining_rules(out, poor, rules)
    sub_lottery = np.argsort(np.argsort(lottery[idx], kind="stable"), kind="stable")
    rows = distance(idx) if callable(distance) else np.asarray(distance)[idx]
    m = deferred_acceptance(-np.asarray(rows, dtype=np.float64), poor[idx], sub_lottery, left)
    out[idx] = m.school
    placed[idx] = m.school >= 0
    return out, placed


def enforce_band(
    school: np.ndarray,
    poor: np.ndarray,
    lottery: np.ndarray,
    lower: float,
    upper: float,
    placed_late: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Unassign students until every school's poverty rate lies in ``[lower, upper]``.

    Quotas on a school's seats keep a *full* school inside the band; a school that did not
    fill can still fall outside it. Such a school gives up students of the over-represented
    class, those placed by the fallback first, then the worst lottery numbers, until its rate
    is inside the band (an emptied school is inside by convention). No student is ever placed
    in violation: the ones given up are reported unassigned.

    Parameters
    ----------
    school : numpy.ndarray
        Shape ``(n,)``: school index or -1.
    poor : numpy.ndarray
        Shape ``(n,)`` bool.
    lottery : numpy.ndarray
        Shape ``(n,)``.
    lower, upper : float
        The band on the poverty rate.
    placed_late : numpy.ndarray, optional
        Shape ``(n,)`` bool: students placed by the fallback (given up first).

    Returns
    -------
    school : numpy.ndarray
        Updated copy.
    removed : numpy.ndarray
        Shape ``(n,)`` bool: students unassigned here.
    """
    out = school.copy()
    removed = np.zeros(out.size, dtype=bool)
    late = np.zeros(out.size, bool) if placed_late is None else placed_late
    n_schools = int(out.max()) + 1 if out.size else 0
    held = np.bincount(out[out >= 0], minlength=n_schools)
    held_poor = np.bincount(out[(out >= 0) & poor], minlength=n_schools)
    for j in range(n_schools):
        p, t = int(held_poor[j]), int(held[j])
        if t == 0 or lower - _EPS <= p / t <= upper + _EPS:
            continue
        keep_poor, keep_nonpoor = _largest_in_band(p, t - p, lower, upper)
        for cls_mask, keep in ((poor, keep_poor), (~poor, keep_nonpoor)):
            members = np.flatnonzero((out == j) & cls_mask)
            order = members[np.lexsort((lottery[members], late[members]))]
            drop = order[keep:]
            out[drop] = -1
            removed[drop] = True
    return out, removed
