"""The transport problem every assignment solver reads, and the solution every one returns.

``supply[n, k]`` students of income class k live in neighborhood n; ``capacity[s]`` seats at
school s; ``km[n, s]`` between them. An assignment places every student, keeps every school
within its capacity (exactly at it with fixed enrolment) and each school's share of every
banded class inside its band; among those it minimises student-km. Race never enters.

The problem carries the user's labels (neighborhood ids, school names, class names) only so
that a message can name what fails; the numerical cores read arrays.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np

from assignopt.errors import InfeasibleError, InputError
from assignopt.spatial.flows import Flows, as_flows

__all__ = [
    "FEATURES",
    "ClassBand",
    "Labels",
    "TransportProblem",
    "TransportSolution",
    "school_rows",
    "seat_bounds",
    "seats_are_whole",
]

ClassBand = tuple[np.ndarray, float, float]  # (mask over classes, lower share, upper share)

#: The forms a problem can take; a solver backend states which of them it can solve.
FEATURES = (
    "split",  # a neighborhood's students may go to several schools
    "whole_neighborhoods",  # every neighborhood goes whole to one school (a MILP)
    "fractional",  # students, seats or fixed seat bounds are not whole numbers
    "free_enrolment_bands",  # income bands on enrolments free up to capacity
    "multi_class_bands",  # a band on a share of several classes together
    "travel_cap",  # some neighborhood-school pairs are forbidden
)


def _label(noun: str, value: str) -> str:
    quoted = not value or any(ch.isspace() for ch in value)
    return f"{noun} {value!r}" if quoted else f"{noun} {value}"


@dataclass(frozen=True)
class Labels:
    """The user's names of a problem's rows, columns and classes, for messages.

    Attributes
    ----------
    neighborhoods : tuple of str, optional
        Neighborhood ids as written in the input file.
    schools : tuple of str, optional
        School names.
    classes : tuple of str, optional
        Income-class names (``poor``, ``nonpoor``).
    neighborhood_noun : str
        What a neighborhood is called in messages (e.g. ``tract``).
    """

    neighborhoods: tuple[str, ...] | None = None
    schools: tuple[str, ...] | None = None
    classes: tuple[str, ...] | None = None
    neighborhood_noun: str = "neighborhood"

    def neighborhood(self, i: int) -> str:
        """``tract 06067001101``; the position when no ids were given (array callers)."""
        ids = self.neighborhoods
        return _label(self.neighborhood_noun, ids[i] if ids is not None else str(i))

    def school(self, j: int) -> str:
        """``school 07``."""
        return _label("school", self.schools[j] if self.schools is not None else str(j))

    def income_class(self, c: int) -> str:
        """``poor`` (or the class's position when no names were given)."""
        return self.classes[c] if self.classes is not None else str(c)


@dataclass
class TransportProblem:
    """A minimum student-km assignment under capacities, an income policy and travel caps.

    Attributes
    ----------
    supply : numpy.ndarray
        Students by neighborhood and income class, ``(N, K)``.
    capacity : numpy.ndarray
        Seats per school, ``(S,)``; must cover enrolment (exactly, if ``fixed_enrolment``).
    km : numpy.ndarray
        Distance from each neighborhood to each school, ``(N, S)``.
    bands : list of (mask, lower, upper)
        Each school's share of the classes in ``mask`` lies in ``[lower, upper]``; empty: no
        income policy (nearest school subject to capacities).
    fixed_enrolment : bool
        Every school enrols exactly its capacity; single-class bands become seat bounds
        (:func:`seat_bounds`).
    allowed : numpy.ndarray of bool, optional
        ``(N, S)`` pairs that may carry students (a travel cap), or a ``(P, 2)`` integer list
        of allowed (neighborhood, school) pairs; stored as the mask. None: every pair.
    whole_neighborhoods : bool
        Send every neighborhood whole to one school (integral; a MILP).
    labels : Labels
        The user's names, for messages.

    Raises
    ------
    InputError
        If shapes disagree or capacity is short of enrolment.
    InfeasibleError
        If a travel cap leaves a neighborhood with students but no school in reach.
    """

    supply: np.ndarray
    capacity: np.ndarray
    km: np.ndarray
    bands: list[ClassBand] = field(default_factory=list)
    fixed_enrolment: bool = False
    allowed: np.ndarray | None = None
    whole_neighborhoods: bool = False
    labels: Labels = field(default_factory=Labels)

    def __post_init__(self) -> None:
        self.supply = np.asarray(self.supply, dtype=float)
        self.capacity = np.asarray(self.capacity, dtype=float)
        self.km = np.asarray(self.km, dtype=float)
        self.bands = list(self.bands or [])
        n, s = self.n_neighborhoods, self.n_schools
        if self.supply.ndim != 2:
            raise InputError(
                f"supply must be (neighborhoods, classes), got shape {self.supply.shape}"
            )
        if self.km.shape != (n, s):
            raise InputError(f"distance matrix has shape {self.km.shape}, expected ({n}, {s})")
        self.allowed = _allowed_mask(self.allowed, n, s)
        total = self.supply.sum()
        if self.capacity.sum() < total - 1e-9:
            raise InputError(
                f"total capacity {self.capacity.sum():,.0f} is short of enrolment "
                f"{total:,.0f} by {total - self.capacity.sum():,.0f}"
            )
        if self.fixed_enrolment and abs(self.capacity.sum() - total) > 1e-6:
            raise InputError(
                f"fixed enrolment needs capacities summing to enrolment {total:,.0f}, "
                f"not {self.capacity.sum():,.0f}"
            )
        check_reach(self.supply, self.allowed, self.labels)
        if self.fixed_enrolment and self.bands and self.single_class_bands:
            check_seat_totals(self.supply, self.capacity, self.bands, self.labels)

    @property
    def n_neighborhoods(self) -> int:
        """N."""
        return self.supply.shape[0]

    @property
    def n_classes(self) -> int:
        """K."""
        return self.supply.shape[1]

    @property
    def n_schools(self) -> int:
        """S."""
        return self.capacity.size

    @property
    def n_pairs(self) -> int:
        """Neighborhood-school pairs, allowed or not: the size the dispatcher reads."""
        return self.n_neighborhoods * self.n_schools

    @property
    def pairs(self) -> tuple[np.ndarray, np.ndarray]:
        """The allowed (neighborhood, school) pairs, row-major."""
        return np.nonzero(self.allowed)

    @property
    def whole_numbers(self) -> bool:
        """Whether students and seats are whole numbers.

        With fixed enrolment, also the seat bounds of every banded class.
        """
        whole = bool(_whole(self.supply) and _whole(self.capacity))
        if whole and self.fixed_enrolment and self.bands and self.single_class_bands:
            whole = seats_are_whole(self.capacity, self.bands, self.n_classes)
        return whole

    @property
    def single_class_bands(self) -> bool:
        """Whether every band is on one class alone."""
        return all(np.count_nonzero(mask) == 1 for mask, _, _ in self.bands)

    @property
    def full_schools(self) -> bool:
        """Whether capacities sum to enrolment.

        Every school is then full in any assignment: free enrolment is fixed enrolment.
        """
        return abs(float(self.capacity.sum()) - float(self.supply.sum())) <= 1e-6

    def as_fixed(self) -> TransportProblem:
        """The same problem with fixed enrolment (equivalent when :attr:`full_schools`)."""
        return TransportProblem(
            self.supply,
            self.capacity,
            self.km,
            self.bands,
            True,
            self.allowed,
            self.whole_neighborhoods,
            self.labels,
        )

    @property
    def features(self) -> frozenset[str]:
        """The problem's form: the :data:`FEATURES` a backend needs to solve it."""
        form = {"whole_neighborhoods" if self.whole_neighborhoods else "split"}
        if not self.whole_numbers:
            form.add("fractional")
        if self.bands and not self.fixed_enrolment:
            form.add("free_enrolment_bands")
        if any(np.count_nonzero(mask) > 1 for mask, _, _ in self.bands):
            form.add("multi_class_bands")
        if not self.allowed.all():
            form.add("travel_cap")
        return frozenset(form)

    def with_bands(self, bands: list[ClassBand] | None) -> TransportProblem:
        """The same problem under another policy."""
        return TransportProblem(
            self.supply,
            self.capacity,
            self.km,
            list(bands or []),
            self.fixed_enrolment,
            self.allowed,
            self.whole_neighborhoods,
            self.labels,
        )


def _allowed_mask(allowed, n: int, s: int) -> np.ndarray:
    if allowed is None:
        return np.ones((n, s), dtype=bool)
    allowed = np.asarray(allowed)
    if allowed.dtype == bool:
        if allowed.shape != (n, s):
            raise InputError(f"allowed pairs have shape {allowed.shape}, expected ({n}, {s})")
        return allowed
    if allowed.ndim != 2 or allowed.shape[1] != 2:
        raise InputError("allowed must be an (N, S) boolean mask or a (P, 2) list of pairs")
    mask = np.zeros((n, s), dtype=bool)
    mask[allowed[:, 0].astype(np.int64), allowed[:, 1].astype(np.int64)] = True
    return mask


def check_reach(supply: np.ndarray, allowed: np.ndarray, labels: Labels | None = None) -> None:
    """Refuse a travel cap that leaves a neighborhood with students and no school in reach."""
    labels = labels or Labels()
    stranded = np.flatnonzero(~allowed.any(axis=1) & (supply.sum(axis=1) > 0))
    if stranded.size:
        i = int(stranded[0])
        more = f" (and {stranded.size - 1} more)" if stranded.size > 1 else ""
        raise InfeasibleError(
            f"infeasible travel cap: {labels.neighborhood(i)} ({supply[i].sum():.0f} "
            f"students) has no school within reach{more}; raise the cap"
        )


def check_seat_totals(
    supply: np.ndarray, capacity: np.ndarray, bands: Sequence[ClassBand], labels: Labels
) -> None:
    """Refuse fixed-enrolment seat bounds whose totals cannot hold a class's students."""
    lower, upper = seat_bounds(capacity, bands, supply.shape[1], labels)
    have = supply.sum(axis=0)
    for c in range(supply.shape[1]):
        need, room = lower[:, c].sum(), upper[:, c].sum()
        if need > have[c] + 1e-6 or room < have[c] - 1e-6:
            name = labels.income_class(c)
            raise InfeasibleError(
                f"infeasible policy: the schools' seats for class {name} hold {need:,.1f} to "
                f"{room:,.1f} students but there are {have[c]:,.0f} students of class {name}; "
                "widen the tolerance"
            )


def check_whole(values: np.ndarray, what: str, solver: str) -> np.ndarray:
    """``values`` as int64, or an :class:`InputError` if they are not whole numbers."""
    values = np.asarray(values, dtype=float)
    if not _whole(values):
        raise InputError(f"the {solver} solver needs whole numbers of {what}")
    return np.round(values).astype(np.int64)


@dataclass
class TransportSolution:
    """An assignment and what the solver said about it.

    Attributes
    ----------
    arcs : Flows
        Students on each (neighborhood, class, school) arc that carries any.
    objective_km : float
        Total student-km.
    status : str
        ``optimal``, or ``time_limit`` for an incumbent a time limit stopped.
    solver, formulation : str
        Who solved which model.
    seconds : float
        Wall time.
    gap : float
        Relative optimality gap (a MILP's, or a certificate's); 0 for exact LPs.
    dual_bound : float
        Best proven lower bound on ``objective_km`` (NaN if the solver gave none).
    """

    arcs: Flows
    objective_km: float
    status: str
    solver: str
    seconds: float
    formulation: str
    gap: float = 0.0
    dual_bound: float = float("nan")

    @cached_property
    def flows(self) -> np.ndarray:
        """Students by neighborhood, class and school, ``(N, K, S)`` (built on first use)."""
        return self.arcs.dense()

    @classmethod
    def from_flows(
        cls,
        flows: Flows | np.ndarray,
        km: np.ndarray,
        status: str,
        solver: str,
        start: float,
        formulation: str,
        gap: float = 0.0,
        dual_bound: float = float("nan"),
    ) -> TransportSolution:
        """A solution whose objective (student-km) and time are derived from its flows.

        ``flows`` is :class:`Flows` or a dense ``(N, K, S)`` array.
        """
        arcs = as_flows(flows)
        return cls(
            arcs,
            arcs.student_km(km),
            status,
            solver,
            time.perf_counter() - start,
            formulation,
            gap,
            dual_bound,
        )


def seat_bounds(
    enrolment: np.ndarray,
    bands: Sequence[ClassBand],
    n_classes: int,
    labels: Labels | None = None,
    *,
    whole: bool = False,
) -> tuple[np.ndarray, np.ndarray]:
    """Seat bounds ``(L, U)`` of shape ``(S, K)`` for fixed enrolments.

    ``L[s, k] = lower * E_s`` and ``U[s, k] = upper * E_s`` for a class with a band, exactly
    (a bound need not be a whole number: students are divisible in the LP); ``[0, E_s]`` for
    classes without one. Only single-class bands translate into seat bounds.

    Parameters
    ----------
    whole : bool
        Round the bounds inward to whole seats (for a solver that moves whole students only);
        a band with no whole number of seats inside it is then infeasible.

    Raises
    ------
    InputError
        For a band on several classes together.
    InfeasibleError
        If ``whole`` and a band holds no whole number of seats.
    """
    labels = labels or Labels()
    enrolment = np.asarray(enrolment, dtype=float)
    lower = np.zeros((enrolment.size, n_classes))
    upper = np.repeat(enrolment[:, None], n_classes, axis=1).astype(float)
    for mask, lo, hi in bands:
        classes = np.flatnonzero(mask)
        if classes.size != 1:
            raise InputError("fixed-enrolment assignment supports bands on single classes only")
        k = classes[0]
        lower[:, k] = np.maximum(lower[:, k], np.clip(lo * enrolment, 0.0, enrolment))
        upper[:, k] = np.minimum(upper[:, k], np.clip(hi * enrolment, 0.0, enrolment))
    if whole:
        lower = np.ceil(lower - 1e-9)
        upper = np.floor(upper + 1e-9)
    empty = lower > upper + 1e-9
    if empty.any():
        s, k = np.argwhere(empty)[0]
        what = "whole number of seats" if whole else "seats"
        raise InfeasibleError(
            f"infeasible policy: {labels.school(s)} with {enrolment[s]:.0f} seats has no {what} "
            f"for class {labels.income_class(k)} inside its band "
            f"[{lower[s, k]:.0f}, {upper[s, k]:.0f}]; widen the tolerance or change the capacity"
        )
    return lower, np.maximum(lower, upper)


def seats_are_whole(capacity: np.ndarray, bands: Sequence[ClassBand], n_classes: int) -> bool:
    """Whether the fixed-enrolment seat bounds of ``bands`` are all whole numbers."""
    lower, upper = seat_bounds(capacity, bands, n_classes)
    return _whole(lower) and _whole(upper)


def _whole(values: np.ndarray) -> bool:
    """Whether every value is a whole number (to 1e-9, not relative to its size)."""
    return bool(np.allclose(values, np.round(values), rtol=0, atol=1e-9))


def school_rows(
    capacity: np.ndarray,
    bands: Sequence[ClassBand],
    n_classes: int,
    fixed_enrolment: bool,
    labels: Labels | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, list[str]]:
    """The per-school rows of the transport LP, as blocks ``(coef, lower, upper, names)``.

    Row ``(b, s)`` bounds ``sum_k coef[b, k] * (students of class k at school s)`` within
    ``[lower[b, s], upper[b, s]]``. Block 0 is capacity (exact enrolment if fixed). Free
    enrolment: then per band its lower and upper side (class students minus share times
    enrolment). Fixed enrolment: the seat bounds of each banded class (:func:`seat_bounds`).
    """
    labels = labels or Labels()
    s = capacity.size
    coef, lower, upper = [np.ones(n_classes)], [np.zeros(s)], [capacity]
    names = ["capacity"]
    if fixed_enrolment:
        lower[0], names[0] = capacity, "seats"
        seats_lo, seats_hi = seat_bounds(capacity, bands, n_classes, labels)
        for c in sorted({int(np.flatnonzero(mask)[0]) for mask, _, _ in bands}):
            coef.append(np.eye(n_classes)[c])
            lower.append(seats_lo[:, c])
            upper.append(seats_hi[:, c])
            names.append(f"seats for class {labels.income_class(c)}")
    else:
        for mask, share_lo, share_hi in bands:
            coef += [
                np.where(mask, 1.0 - share_lo, -share_lo),
                np.where(mask, 1.0 - share_hi, -share_hi),
            ]
            lower += [np.zeros(s), np.full(s, -np.inf)]
            upper += [np.full(s, np.inf), np.zeros(s)]
            names += ["band (lower side)", "band (upper side)"]
    return np.array(coef), np.array(lower), np.array(upper), names
