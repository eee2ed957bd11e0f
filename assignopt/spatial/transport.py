"""Race-blind minimum-transport assignment of students to schools under an income policy.

``flows[n, k, s]`` students of income class k go from neighborhood n to school s. Every
student is placed, no school exceeds its capacity, each school's share of every banded class
lies in the policy's band (relative to the school's own enrolment), and the total distance
(student-km) is minimal. Race never enters: a flow carries its neighborhood's racial mix
within its class.

The problem is a :class:`~assignopt.spatial.problem.TransportProblem`; the solvers are
backends registered in :mod:`assignopt.spatial.backends` with the forms they can solve:

- the dense LP (HiGHS, or CBC / HiGHS through PuLP) with enrolment free up to capacity or
  fixed seats, and its whole-neighborhood MILP (:mod:`assignopt.spatial.dense`);
- with *fixed* enrolments ``E_s`` (capacities that sum exactly to enrolment), the bands become
  integer seat bounds per school and class, ``ceil(lower E_s) <= seats <= floor(upper E_s)``,
  and the problem is a min-cost flow: networkx (:mod:`assignopt.spatial.nxflow`), or for large
  districts OR-Tools on a sparse, priced arc set (:mod:`assignopt.spatial.netflow`; the
  ``fast`` extra);
- the LP on a sparse, priced arc set with HiGHS (:mod:`assignopt.spatial.pricing`), and for
  the forms no network solves (a band on a free enrolment, a band on several classes) the
  same LP solved coarse to fine over clustered neighborhoods (:mod:`assignopt.spatial.levels`).

This module is the dispatcher: it picks the backend by the solver asked for, the problem's
form and its size.
"""

from __future__ import annotations

import logging

import numpy as np

from assignopt.errors import InfeasibleError, InputError
from assignopt.spatial.backends import Backend, backends
from assignopt.spatial.names import ASSIGNMENT_SOLVERS
from assignopt.spatial.problem import (
    ClassBand,
    Labels,
    TransportProblem,
    TransportSolution,
    school_rows,
    seat_bounds,
)

__all__ = [
    "ASSIGNMENT_SOLVERS",
    "ClassBand",
    "Labels",
    "TransportProblem",
    "TransportSolution",
    "choose_backend",
    "routed",
    "school_rows",
    "seat_bounds",
    "solve_transport",
    "transport_assignment",
]

# Beyond this many neighborhood-school pairs the free-enrolment LP is solved by pricing: at
# 2,000 x 100 it took 1.9 s against 12.6 s dense (benchmarks/RESULTS.md).
PRICING_MIN_PAIRS = 50_000
METHODS = ("auto", "dense", "pricing")
# Which kinds of backend each method tries, in order; "auto" depends on the size.
_ORDER = {
    "dense": ("dense", "network", "levels"),
    "pricing": ("pricing", "network", "levels"),
    "auto-small": ("dense", "network", "levels"),
    "auto-large": ("network", "levels", "pricing", "dense"),
}

log = logging.getLogger(__name__)


def transport_assignment(
    supply: np.ndarray,
    capacity: np.ndarray,
    km: np.ndarray,
    bands: list[ClassBand] | None = None,
    *,
    solver: str = "highs",
    fixed_enrolment: bool = False,
    time_limit: float | None = None,
    allowed: np.ndarray | None = None,
    whole_neighborhoods: bool = False,
    method: str = "auto",
    labels: Labels | None = None,
) -> TransportSolution:
    """Minimum total distance assignment of classes of students to schools.

    Parameters
    ----------
    supply : numpy.ndarray
        Students by neighborhood and class, ``(N, K)``.
    capacity : numpy.ndarray
        Seats per school, ``(S,)``; must cover enrolment (exactly, if ``fixed_enrolment``).
    km : numpy.ndarray
        Distance from each neighborhood to each school, ``(N, S)``.
    bands : list of (mask, lower, upper), optional
        Each school's share of the classes in ``mask`` must lie in [lower, upper]. None or an
        empty list: no income policy (nearest school subject to capacities).
    solver : {"highs", "cbc", "pulp-highs", "networkx", "ortools"}
        ``networkx`` (its min-cost flow) needs ``fixed_enrolment`` (or no bands) and whole
        numbers of students; ``ortools`` (the min-cost flow of
        :mod:`assignopt.spatial.netflow`, with HiGHS for fractional data and for a band on a
        free enrolment) takes every form but whole neighborhoods, and a travel cap.
    fixed_enrolment : bool
        Every school enrols exactly its capacity (capacities must sum to enrolment).
    time_limit : float, optional
        Seconds for an LP solver; a whole-neighborhood MILP stops after
        :data:`~assignopt.spatial.dense.MILP_TIME_LIMIT` (120 s) when None.
    allowed : numpy.ndarray of bool, optional
        ``(N, S)``: which neighborhood-school pairs may carry students (a travel cap).
    whole_neighborhoods : bool
        Send every neighborhood whole to one school: a mixed-integer program (HiGHS), whose
        relative gap is reported.
    method : {"auto", "dense", "pricing"}
        ``dense`` builds every arc; ``pricing`` grows a sparse arc set until no left-out arc
        prices negative (exact; :mod:`assignopt.spatial.pricing`). ``auto``, beyond
        ``PRICING_MIN_PAIRS`` neighborhood-school pairs with the default solver, uses the
        OR-Tools min-cost flow when the problem is a network (fixed seats or no bands, whole
        students) and OR-Tools is installed, and otherwise (a band on a free enrolment or on
        several classes, or OR-Tools not installed) the LP by levels of clustered
        neighborhoods (:mod:`assignopt.spatial.levels`), before HiGHS pricing.
    labels : Labels, optional
        Neighborhood ids, school and class names, for messages.

    Returns
    -------
    TransportSolution

    Raises
    ------
    InputError
        If the inputs disagree or the solver cannot solve this form of problem.
    InfeasibleError
        If no assignment exists; the message names the neighborhood that cannot reach a school,
        or the school and class whose band cannot be met and by how many students.
    SolverError
        If the solver is missing or fails; :class:`TimeLimitError` if it found nothing in time.
    """
    problem = TransportProblem(
        supply,
        capacity,
        km,
        list(bands or []),
        fixed_enrolment,
        allowed,
        whole_neighborhoods,
        labels or Labels(),
    )
    return solve_transport(problem, solver=solver, method=method, time_limit=time_limit)


def choose_backend(
    problem: TransportProblem, solver: str = "highs", method: str = "auto"
) -> Backend:
    """The backend that solves ``problem`` for ``solver`` and ``method``.

    Tries the backends that answer to ``solver`` by method (``auto``: dense first up to
    :data:`PRICING_MIN_PAIRS` pairs, then network, pricing, dense beyond) and takes the first
    that supports the problem's form and is installed. :func:`solve_transport` first passes
    the problem through :func:`routed` (full schools are fixed enrolment).

    Raises
    ------
    InputError
        Naming what the solver cannot do and which solvers can, or what to install.
    """
    if solver not in ASSIGNMENT_SOLVERS:
        raise InputError(
            f"unknown solver {solver!r}; choose one of {', '.join(ASSIGNMENT_SOLVERS)}"
        )
    if method not in METHODS:
        raise InputError(f"method must be auto, dense or pricing, got {method!r}")
    key = (
        method
        if method != "auto"
        else ("auto-large" if problem.n_pairs > PRICING_MIN_PAIRS else "auto-small")
    )
    registered = backends().values()
    pool = [
        b for kind in _ORDER[key] for b in registered if b.method == kind and solver in b.solvers
    ]
    if not pool:
        raise InputError(
            f"method {method!r} is not available with the {solver} solver; the pricing path "
            "solves the LP with HiGHS only"
        )
    for candidate in pool:
        if not candidate.unsupported(problem) and candidate.available():
            return candidate
    first = pool[0]
    missing = first.unsupported(problem)
    if not missing:
        raise InputError(first.install_hint or f"the {first.name} backend is not installed")
    able = [
        name
        for name in ASSIGNMENT_SOLVERS
        if any(name in b.solvers and not b.unsupported(problem) for b in registered)
    ]
    advice = f"; use {' or '.join(able)}" if able else ""
    raise InputError(f"the {solver} solver {' and '.join(missing)}{advice}")


def solve_transport(
    problem: TransportProblem,
    *,
    solver: str = "highs",
    method: str = "auto",
    time_limit: float | None = None,
) -> TransportSolution:
    """Solve ``problem`` with the backend :func:`choose_backend` picks for its routed form.

    :func:`routed` makes a free enrolment with full schools fixed enrolment (a network).

    See :func:`transport_assignment` for the parameters and errors.
    """
    solved = routed(problem)
    if solved is problem:
        return choose_backend(problem, solver, method).solve(problem, solver, time_limit)
    try:
        chosen = choose_backend(solved, solver, method)
    except InputError:
        return choose_backend(problem, solver, method).solve(problem, solver, time_limit)
    log.info("    every school is full (capacities equal enrolment): fixed enrolment")
    try:
        return chosen.solve(solved, solver, time_limit)
    except InfeasibleError:
        # Say why in the terms of the problem as posed (an income band, not seat bounds).
        return choose_backend(problem, solver, method).solve(problem, solver, time_limit)


def routed(problem: TransportProblem) -> TransportProblem:
    """The form ``problem`` is solved in.

    Free enrolment whose capacities sum to enrolment is fixed enrolment (every school is full
    in any assignment, so a band on a share of the enrolment is a band on seats), which is a
    network; otherwise ``problem`` itself.
    """
    if (
        problem.fixed_enrolment
        or problem.whole_neighborhoods
        or not problem.full_schools
        or not problem.single_class_bands
    ):
        return problem
    try:
        return problem.as_fixed()
    except InfeasibleError:
        return problem  # the problem as posed says why, in its own terms
