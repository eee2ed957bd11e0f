"""Solver backends of the transport problem, registered by name with what they can solve.

A :class:`Backend` states the solver names that select it, its method (``dense`` builds every
arc, ``pricing`` grows a sparse arc set), the problem forms it can solve
(:data:`~assignopt.spatial.problem.FEATURES`) and whether it is installed. The dispatcher
(:func:`assignopt.spatial.transport.solve_transport`) picks one by the problem's form and
size. Implementations are imported only when a backend runs, so the registry is cheap.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from assignopt.solver_names import SOLVERS
from assignopt.spatial.problem import FEATURES, TransportProblem, TransportSolution

__all__ = ["Backend", "backend", "backends", "register"]

SolveFunction = Callable[[TransportProblem, str, "float | None"], TransportSolution]

#: What a backend that lacks a feature cannot do, in words.
_CANNOT = {
    "split": "sends neighborhoods whole only",
    "whole_neighborhoods": "has no whole-neighborhood mode",
    "fractional": "needs whole numbers of students, seats and seat bounds",
    "free_enrolment_bands": (
        "balances income only with fixed enrolment (capacities equal to enrolment)"
    ),
    "multi_class_bands": "takes bands on single classes only",
    "travel_cap": "does not take a travel cap",
}


@dataclass(frozen=True)
class Backend:
    """One way to solve a :class:`~assignopt.spatial.problem.TransportProblem`.

    Attributes
    ----------
    name : str
        Registry key (``dense-lp``, ``milp``, ``networkx``, ``ortools-network``,
        ``ortools-scaled``, ``highs-levels``, ``highs-pricing``).
    solvers : tuple of str
        Solver names (as users write them) this backend answers to.
    method : str
        ``dense``, ``pricing``, ``network`` or ``levels`` (the LP coarse to fine over
        clustered neighborhoods).
    supports : frozenset of str
        The problem features it can solve.
    solve : callable
        ``solve(problem, solver, time_limit) -> TransportSolution``.
    available : callable
        Whether its library is installed.
    install_hint : str
        What to install when it is not.
    """

    name: str
    solvers: tuple[str, ...]
    method: str
    supports: frozenset[str]
    solve: SolveFunction
    available: Callable[[], bool] = lambda: True
    install_hint: str = ""

    def __post_init__(self) -> None:
        unknown = set(self.supports) - set(FEATURES)
        if unknown:
            raise ValueError(f"unknown problem features {sorted(unknown)}")

    def unsupported(self, problem: TransportProblem) -> list[str]:
        """What this backend cannot do that ``problem`` needs (empty: it can solve it)."""
        return [_CANNOT[f] for f in sorted(problem.features - self.supports)]


_REGISTRY: dict[str, Backend] = {}


def register(entry: Backend) -> Backend:
    """Add (or replace) a backend under its name."""
    _REGISTRY[entry.name] = entry
    return entry


def backend(name: str) -> Backend:
    """The backend registered as ``name``."""
    return _REGISTRY[name]


def backends() -> dict[str, Backend]:
    """Every registered backend, by name."""
    return dict(_REGISTRY)


def _dense_lp(problem, solver, time_limit):
    from assignopt.spatial.dense import solve_dense_lp

    return solve_dense_lp(problem, solver, time_limit)


def _milp(problem, solver, time_limit):
    from assignopt.spatial.dense import solve_milp

    return solve_milp(problem, solver, time_limit)


def _networkx(problem, solver, time_limit):
    from assignopt.spatial.nxflow import solve_networkx

    return solve_networkx(problem)


def _ortools(problem, solver, time_limit):
    from assignopt.spatial.classwise import solve_by_class

    return solve_by_class(problem, _network_part)


def _network_part(problem):
    from assignopt.spatial.netflow import seat_model, transport_by_network
    from assignopt.spatial.scaled import transport_by_scaled_network

    if not problem.whole_numbers:
        return transport_by_scaled_network(problem)
    seats = seat_model(
        problem.capacity, problem.bands, problem.n_classes, problem.fixed_enrolment, problem.labels
    )
    return transport_by_network(
        problem.supply, problem.km, seats, allowed=problem.allowed, labels=problem.labels
    )


def _scaled_available() -> bool:
    return _ortools_available() and _highs_available()


def _ortools_available() -> bool:
    from assignopt.spatial.netflow import network_available

    return network_available()


def _pricing(problem, solver, time_limit):
    from assignopt.spatial.pricing import solve_by_pricing

    return solve_by_pricing(problem, time_limit)


def _levels(problem, solver, time_limit):
    from assignopt.spatial.levels import transport_by_levels

    return transport_by_levels(problem, time_limit=time_limit)


def _highs_available() -> bool:
    from assignopt.lp import highs_available

    return highs_available()


_ANY = frozenset(FEATURES)
register(Backend("dense-lp", SOLVERS, "dense", _ANY - {"whole_neighborhoods"}, _dense_lp))
register(Backend("milp", SOLVERS, "dense", _ANY - {"split"}, _milp))
register(Backend("networkx", ("networkx",), "network", frozenset({"split"}), _networkx))
register(
    Backend(
        "ortools-network",
        ("ortools", "highs"),
        "network",
        frozenset({"split", "travel_cap"}),
        _ortools,
        _ortools_available,
        "the network solver needs OR-Tools: pip install 'assignopt[fast]' (or use the LP)",
    )
)
register(
    Backend(
        "ortools-scaled",
        ("ortools", "highs"),
        "network",
        frozenset({"split", "travel_cap", "fractional"}),
        _ortools,
        _scaled_available,
        "the scaled network path needs OR-Tools (pip install 'assignopt[fast]') and highspy",
    )
)
register(
    Backend(
        "highs-levels",
        ("highs", "ortools"),  # with ortools: the forms no network solves
        "levels",
        frozenset(
            {"split", "travel_cap", "fractional", "free_enrolment_bands", "multi_class_bands"}
        ),
        _levels,
        _highs_available,
        "the levels path needs highspy",
    )
)
register(
    Backend(
        "highs-pricing",
        ("highs",),
        "pricing",
        _ANY - {"whole_neighborhoods"},
        _pricing,
        _highs_available,
        "the pricing path needs highspy",
    )
)
