"""Student-proposing deferred acceptance with a single lottery and income-class seats.

Every school ranks applicants by one district lottery (a permutation of the students), adjusted
by its income-class rules (:class:`SchoolRules`):

- ``capacity``: seats;
- ``poor_quota`` / ``nonpoor_quota``: hard upper quotas per class (controlled choice with
  type-specific quotas, Abdulkadiroglu and Sonmez 2003, "School choice: a mechanism design
  approach", AER 93(3));
- ``poor_reserve``: seats held for poor students first, reverting to everyone when unfilled
  (minority reserves, Hafalir, Yenmez and Yildirim 2013, "Effective affirmative action in school
  choice", Theoretical Economics 8).

Hard *lower* bounds per class can leave no assignment that is both fair and non-wasteful
(Ehlers, Hafalir, Yenmez and Yildirim 2014, "School choice with controlled choice constraints:
hard bounds versus soft bounds", JET 153), so ``band`` sets only upper quotas, on poor and on
nonpoor students; the nonpoor quota is the band's lower edge for a school that fills its seats,
and :func:`assignopt.choice.placement.enforce_band` keeps any school that does not fill inside
the band by unassigning students.

A school's choice from a set of applicants: drop the applicants of each class beyond its quota
(worst lottery first); give the reserve seats to the best-lottery poor applicants left; fill the
remaining seats from everyone left by lottery. This choice function is substitutable, so
deferred acceptance ends in the student-optimal stable matching.

Because every school ranks each class by the same lottery, a school's accepted set is, per
class, a lottery prefix of its applicants: the state of the algorithm is a *cutoff* per school
and class (a student is still admissible at school j while her lottery number is below the
cutoff of her class there). Each round, every student rejected in the previous round proposes
to her favourite school among those still admissible on her list; each school that received
proposals merges them with the students it holds (sorted lottery numbers per class) and
recomputes its cutoffs. Cutoffs only fall, so rejected students never become admissible again.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from assignopt.errors import InputError

__all__ = [
    "Matching",
    "SchoolRules",
    "deferred_acceptance",
    "list_rank",
    "list_threshold",
    "school_rules",
]

_BAND_EPS = 1e-9


@dataclass(frozen=True)
class SchoolRules:
    """Seats and income-class rules of every school.

    Attributes
    ----------
    capacity : numpy.ndarray
        Shape ``(J,)``: seats per school.
    poor_quota, nonpoor_quota : numpy.ndarray
        Shape ``(J,)``: most poor / nonpoor students a school may hold (``capacity`` = no quota).
    poor_reserve : numpy.ndarray
        Shape ``(J,)``: seats offered first to poor applicants; unfilled ones revert to everyone.
    """

    capacity: np.ndarray
    poor_quota: np.ndarray
    nonpoor_quota: np.ndarray
    poor_reserve: np.ndarray

    def __post_init__(self) -> None:
        arrays = {}
        for name in ("capacity", "poor_quota", "nonpoor_quota", "poor_reserve"):
            a = np.asarray(getattr(self, name))
            if a.ndim != 1 or (a.size and (not np.all(np.isfinite(a)) or a.min() < 0)):
                raise InputError(f"{name} must be a 1-D array of non-negative whole numbers")
            if not np.all(a == np.round(a)):
                raise InputError(f"{name} must hold whole numbers of seats")
            arrays[name] = a.astype(np.int64)
        sizes = {a.size for a in arrays.values()}
        if len(sizes) != 1:
            raise InputError("capacity, quotas and reserves need one entry per school")
        if np.any(arrays["poor_reserve"] > arrays["capacity"]):
            raise InputError("poor_reserve cannot exceed a school's capacity")
        for name, a in arrays.items():
            object.__setattr__(self, name, a)

    @property
    def n_schools(self) -> int:
        """Number of schools J."""
        return int(self.capacity.size)

    @classmethod
    def plain(cls, capacity: np.ndarray) -> SchoolRules:
        """Seats only: no quotas, no reserves (plain deferred acceptance)."""
        cap = np.asarray(capacity)
        zero = np.zeros_like(cap)
        return cls(cap, cap, cap, zero)

    def poor_minimum(self) -> np.ndarray:
        """Seats meant for poor students: the reserve, or the seats nonpoor students cannot take.

        Returns
        -------
        numpy.ndarray
            Shape ``(J,)``: ``max(poor_reserve, capacity - nonpoor_quota)``.
        """
        return np.maximum(self.poor_reserve, self.capacity - self.nonpoor_quota)


def school_rules(
    seats: np.ndarray,
    poverty_rate: float,
    tolerance: float,
    reserve: str,
    capacity: np.ndarray | None = None,
) -> SchoolRules:
    """Derive every school's income-class seats from the income band ``[pi_p - d, pi_p + d]``.

    Parameters
    ----------
    seats : numpy.ndarray
        Shape ``(J,)``: seats the band is applied to (see :func:`assignopt.choice.seat_targets`).
    poverty_rate : float
        The district's poverty rate ``pi_p`` in [0, 1].
    tolerance : float
        The band's half-width d >= 0.
    reserve : {"band", "minimum", "none"}
        ``band``: hard quotas, at most ``floor((pi_p + d) seats)`` poor and at most
        ``floor((1 - pi_p + d) seats)`` nonpoor students; a school filled to its seats then has
        its poverty rate inside the band. ``minimum``: ``ceil((pi_p - d) seats)`` seats reserved
        for poor students that revert to everyone when unfilled. ``none``: seats only.
    capacity : numpy.ndarray, optional
        Shape ``(J,)``: seats a school may fill under ``minimum`` and ``none`` (default
        ``seats``). Under ``band`` a school never fills beyond ``seats``.

    Returns
    -------
    SchoolRules

    Raises
    ------
    InputError
        If ``reserve`` is unknown or the rate or tolerance is out of range.
    """
    seats = np.asarray(seats, dtype=np.int64)
    cap = seats if capacity is None else np.asarray(capacity, dtype=np.int64)
    if not 0.0 <= poverty_rate <= 1.0:
        raise InputError(f"poverty_rate must lie in [0, 1], got {poverty_rate}")
    if not tolerance >= 0.0:
        raise InputError(f"tolerance must be non-negative, got {tolerance}")
    lo = max(poverty_rate - tolerance, 0.0)
    hi = min(poverty_rate + tolerance, 1.0)
    if reserve == "band":
        poor_q = np.floor(hi * seats + _BAND_EPS).astype(np.int64)
        nonpoor_q = np.floor((1.0 - lo) * seats + _BAND_EPS).astype(np.int64)
        return SchoolRules(seats, poor_q, nonpoor_q, np.zeros_like(seats))
    if reserve == "minimum":
        r = np.minimum(np.ceil(lo * seats - _BAND_EPS).astype(np.int64), cap)
        return SchoolRules(cap, cap, cap, r)
    if reserve == "none":
        return SchoolRules.plain(cap)
    raise InputError(f"reserve must be 'band', 'minimum' or 'none', got {reserve!r}")


@dataclass(frozen=True)
class Matching:
    """Outcome of deferred acceptance.

    Attributes
    ----------
    school : numpy.ndarray
        Shape ``(n,)``: each student's school index, -1 when unassigned.
    rounds : int
        Proposal rounds until no student was rejected.
    proposals : int
        Proposals made in all.
    first_choice : numpy.ndarray
        Shape ``(n,)``: each student's first choice, -1 when she ranks no school.
    """

    school: np.ndarray
    rounds: int
    proposals: int
    first_choice: np.ndarray


def _admitted(
    poor_lots: np.ndarray, nonpoor_lots: np.ndarray, q: int, qp: int, qn: int, r: int
) -> tuple[int, int]:
    """How many of a school's sorted poor / nonpoor applicants its choice function admits."""
    ep = min(poor_lots.size, qp)
    en = min(nonpoor_lots.size, qn)
    res = min(r, ep, q)
    seats = q - res
    rest_p = poor_lots[res:ep]
    rest_n = nonpoor_lots[:en]
    if rest_p.size + rest_n.size <= seats:
        return ep, en
    if seats == 0:
        return res, 0
    # The seats-th smallest lottery number among the two sorted runs.
    last = np.partition(np.concatenate([rest_p, rest_n]), seats - 1)[seats - 1]
    ap = res + int(np.searchsorted(rest_p, last, side="right"))
    an = int(np.searchsorted(rest_n, last, side="right"))
    return ap, an


def _mask_inadmissible(u: np.ndarray, lot: np.ndarray, cls: np.ndarray, cutoff: np.ndarray) -> None:
    """Set -inf where a proposer's lottery number is at or above her class's cutoff.

    Proposers come in lottery order, so at each school the inadmissible proposers of a class
    are a suffix of that class's rows: one slice per school and class, no (m, J) temporaries.
    """
    for c in (0, 1):
        rows = np.flatnonzero(cls == c)
        if not rows.size:
            continue
        first = np.searchsorted(lot[rows], cutoff[c])
        for j in np.flatnonzero(first < rows.size):
            u[rows[first[j] :], j] = -np.inf


def list_threshold(utility: np.ndarray, list_length: int | None) -> np.ndarray | None:
    """Each student's utility of her ``list_length``-th school (None: she ranks every school).

    Parameters
    ----------
    utility : numpy.ndarray
        Shape ``(n, J)``.
    list_length : int or None
        Schools each student ranks.

    Returns
    -------
    numpy.ndarray or None
        Shape ``(n,)``; a school is on a student's list when its utility is at least this.
    """
    n_schools = utility.shape[1]
    if list_length is None or list_length >= n_schools:
        return None
    if list_length < 1:
        raise InputError(f"list_length must be at least 1, got {list_length}")
    k = n_schools - list_length
    return np.partition(utility, k, axis=1)[:, k]


def deferred_acceptance(
    utility: np.ndarray,
    poor: np.ndarray,
    lottery: np.ndarray,
    rules: SchoolRules,
    list_length: int | None = None,
) -> Matching:
    """Student-proposing deferred acceptance with one lottery and income-class rules.

    Parameters
    ----------
    utility : numpy.ndarray
        Shape ``(n, J)``: student i prefers school j to k when ``utility[i, j] > utility[i, k]``
        (ties go to the lower school index). ``-inf`` marks a school the student does not rank.
    poor : numpy.ndarray
        Shape ``(n,)`` bool: the student's income class is poor.
    lottery : numpy.ndarray
        Shape ``(n,)``: a permutation of ``0..n-1``; lower numbers have priority everywhere.
    rules : SchoolRules
        Seats, quotas and reserves of the J schools.
    list_length : int, optional
        Each student ranks only her top ``list_length`` schools (default: all).

    Returns
    -------
    Matching
        The student-optimal stable matching under the schools' choice functions.

    Raises
    ------
    InputError
        If shapes disagree or ``lottery`` is not a permutation.
    """
    utility = np.asarray(utility)
    if not np.issubdtype(utility.dtype, np.floating):
        utility = utility.astype(np.float64)
    n, n_schools = utility.shape
    poor = np.asarray(poor, dtype=bool)
    lottery = np.asarray(lottery, dtype=np.int64)
    if poor.shape != (n,) or lottery.shape != (n,):
        raise InputError("poor and lottery need one entry per student (utility row)")
    if n_schools != rules.n_schools:
        raise InputError(
            f"utility has {n_schools} school columns but the rules describe {rules.n_schools}"
        )
    owner = np.full(n, -1, dtype=np.int64)
    owner[lottery] = np.arange(n)
    if n and owner.min() < 0:
        raise InputError("lottery must be a permutation of 0..n-1")
    threshold = list_threshold(utility, list_length)
    cls = (~poor).astype(np.int64)  # 0 = poor, 1 = nonpoor
    big = np.int64(n)
    cutoff = np.full((2, n_schools), big, dtype=np.int64)
    held = [[np.empty(0, np.int64) for _ in range(n_schools)] for _ in range(2)]
    school = np.full(n, -1, dtype=np.int64)
    first_choice = np.full(n, -1, dtype=np.int64)
    cap, qp, qn, res = (rules.capacity, rules.poor_quota, rules.nonpoor_quota, rules.poor_reserve)

    # Proposers are kept in lottery order, so a stable sort by school groups them with every
    # school's new applicants already in lottery order.
    proposers = owner.copy()
    rounds = 0
    proposals = 0
    while proposers.size:
        # Each proposer's favourite school still admissible and on her list (in the first round
        # every school is admissible and a first choice is always on the list).
        lot = lottery[proposers]
        if rounds:
            u = utility[proposers]
            _mask_inadmissible(u, lot, cls[proposers], cutoff)
            if threshold is not None:
                u[u < threshold[proposers, None]] = -np.inf
            target = np.argmax(u, axis=1)
            best = u[np.arange(proposers.size), target]
        else:
            target = np.argmax(utility, axis=1)[proposers]
            best = utility[proposers, target]
            # argmax stops at a NaN, so any NaN in a row shows up here.
            if np.isnan(best).any():
                raise InputError("utility must not contain NaN")
        ok = best > -np.inf
        if not rounds:
            first_choice[proposers[ok]] = target[ok]
        proposers, target, lot = proposers[ok], target[ok], lot[ok]
        if not proposers.size:
            break
        rounds += 1
        proposals += proposers.size
        school[proposers] = target
        order = np.argsort(
            target.astype(np.int16 if n_schools < 2**15 else np.int64), kind="stable"
        )
        target_sorted = target[order]
        lot_sorted = lot[order]
        cls_sorted = cls[proposers][order]
        bounds = np.searchsorted(target_sorted, np.arange(n_schools + 1))
        rejected = []
        for j in np.flatnonzero(np.diff(bounds)):
            sl = slice(bounds[j], bounds[j + 1])
            new_lot, new_cls = lot_sorted[sl], cls_sorted[sl]
            merged = []
            for c in (0, 1):
                add = new_lot[new_cls == c]
                cur = held[c][j]
                # Two sorted runs: a stable sort merges them in linear time.
                merged.append(
                    np.sort(np.concatenate([cur, add]), kind="stable") if cur.size else add
                )
            ap, an = _admitted(merged[0], merged[1], cap[j], qp[j], qn[j], res[j])
            for c, a in ((0, ap), (1, an)):
                lots = merged[c]
                held[c][j] = lots[:a]
                if a < lots.size:
                    cutoff[c, j] = lots[a]
                    rejected.append(lots[a:])
        if not rejected:
            break
        proposers = owner[np.sort(np.concatenate(rejected))]
        school[proposers] = -1
    return Matching(
        school=school, rounds=rounds, proposals=int(proposals), first_choice=first_choice
    )


def list_rank(utility: np.ndarray, school: np.ndarray) -> np.ndarray:
    """Position (0 = first choice) of each student's school on her list; -1 when unassigned.

    Parameters
    ----------
    utility : numpy.ndarray
        Shape ``(n, J)``.
    school : numpy.ndarray
        Shape ``(n,)``: school index or -1.

    Returns
    -------
    numpy.ndarray
        Shape ``(n,)`` int: number of schools the student strictly prefers to her own (ties
        count toward the lower index, as in :func:`deferred_acceptance`).
    """
    n, n_schools = utility.shape
    if n == 0:
        return np.empty(0, dtype=np.int64)
    own_j = np.maximum(school, 0)
    own = utility[np.arange(n), own_j][:, None]
    rank = (utility > own).view(np.uint8).sum(axis=1, dtype=np.int32).astype(np.int64)
    tied = np.flatnonzero((utility == own).view(np.uint8).sum(axis=1, dtype=np.int32) > 1)
    if tied.size:
        before = np.arange(n_schools)[None, :] < own_j[tied, None]
        rank[tied] += np.count_nonzero((utility[tied] == own[tied]) & before, axis=1)
    rank[school < 0] = -1
    return rank
