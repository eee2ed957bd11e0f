"""The transport problem type, the backend registry and the dispatcher's choice."""

import numpy as np
import pytest

from assignopt.errors import InfeasibleError, InputError
from assignopt.spatial import transport
from assignopt.spatial.backends import Backend, backend, backends, register
from assignopt.spatial.flows import Flows
from assignopt.spatial.problem import Labels, TransportProblem, TransportSolution
from assignopt.spatial.transport import choose_backend, solve_transport

POOR = np.array([True, False])


def problem(**kw):
    # Two neighborhoods (100 poor west, 100 nonpoor east), two 100-seat schools 9 km apart.
    base = dict(
        supply=np.array([[100.0, 0.0], [0.0, 100.0]]),
        capacity=np.array([100.0, 100.0]),
        km=np.array([[0.0, 9.0], [9.0, 0.0]]),
    )
    return TransportProblem(**{**base, **kw})


def test_registry_names_seven_backends_and_their_forms():
    assert set(backends()) == {
        "dense-lp",
        "milp",
        "networkx",
        "ortools-network",
        "ortools-scaled",
        "highs-levels",
        "highs-pricing",
    }
    assert "free_enrolment_bands" in backend("highs-levels").supports
    assert "fractional" in backend("ortools-scaled").supports
    assert "whole_neighborhoods" in backend("milp").supports
    assert "whole_neighborhoods" not in backend("dense-lp").supports
    assert backend("networkx").supports == {"split"}
    with pytest.raises(ValueError, match="unknown problem features"):
        Backend("bad", ("highs",), "dense", frozenset({"teleport"}), lambda *a: None)


def test_features_describe_the_form():
    assert problem().features == {"split"}
    banded = problem(bands=[(POOR, 0.4, 0.6)])
    assert banded.features == {"split", "free_enrolment_bands"}
    assert problem(bands=[(POOR, 0.4, 0.6)], fixed_enrolment=True).features == {"split"}
    assert "fractional" in problem(supply=np.array([[99.5, 0.0], [0.0, 100.0]])).features
    whole = problem(whole_neighborhoods=True, allowed=np.eye(2, dtype=bool))
    assert whole.features == {"whole_neighborhoods", "travel_cap"}


def test_a_pair_list_is_the_same_travel_cap_as_its_mask():
    listed = problem(allowed=np.array([[0, 0], [1, 1], [1, 0]]))
    assert listed.allowed.tolist() == [[True, False], [True, True]]


def test_dispatch_by_form_and_size(monkeypatch):
    small = problem(bands=[(POOR, 0.4, 0.6)])
    assert choose_backend(small).name == "dense-lp"
    assert choose_backend(small.with_bands(None), "networkx").name == "networkx"
    whole = problem(whole_neighborhoods=True)
    assert choose_backend(whole).name == "milp"
    assert choose_backend(small, method="pricing").name == "highs-pricing"
    # Beyond PRICING_MIN_PAIRS pairs (4 here): a network form goes to OR-Tools when it is
    # installed, a band on a free enrolment to the LP by levels of clustered neighborhoods,
    # whole neighborhoods stay a MILP.
    monkeypatch.setattr(transport, "PRICING_MIN_PAIRS", 3)
    fixed = problem(bands=[(POOR, 0.4, 0.6)], fixed_enrolment=True)
    network = backend("ortools-network").available()
    assert choose_backend(fixed).name == ("ortools-network" if network else "highs-levels")
    assert choose_backend(small).name == "highs-levels"
    assert choose_backend(small, "ortools").name == "highs-levels"
    assert choose_backend(whole).name == "milp"
    assert choose_backend(small, "cbc").name == "dense-lp"


def test_dispatch_refuses_what_no_backend_of_the_solver_can_do():
    capped = problem(allowed=np.array([[True, True], [False, True]]))
    with pytest.raises(InputError, match="the networkx solver does not take a travel cap; use"):
        choose_backend(capped, "networkx")
    with pytest.raises(InputError, match="not available with the cbc solver"):
        choose_backend(capped, "cbc", method="pricing")
    with pytest.raises(InputError, match="unknown solver 'gurobi'"):
        choose_backend(capped, "gurobi")
    with pytest.raises(InputError, match="method must be auto, dense or pricing"):
        choose_backend(capped, method="fast")


def test_a_registered_backend_is_dispatched_to(monkeypatch):
    calls = []

    def solve(p, solver, time_limit):
        calls.append((solver, time_limit))
        flows = np.zeros((2, 2, 2))
        flows[0, 0, 0] = flows[1, 1, 1] = 100.0
        return TransportSolution(Flows.from_dense(flows), 0.0, "optimal", "stub", 0.0, "stub")

    monkeypatch.setattr(transport, "backends", lambda: {"stub": stub})
    stub = Backend("stub", ("highs",), "dense", frozenset({"split"}), solve)
    assert solve_transport(problem(), time_limit=3.0).solver == "stub"
    assert calls == [("highs", 3.0)]
    assert "stub" not in backends()  # the registry itself was untouched
    register(backend("dense-lp"))  # re-registering under the same name replaces it
    assert len(backends()) == 7


def test_messages_name_the_users_ids():
    labels = Labels(
        ("060670011", "060670012"), ("07", "Lincoln High"), ("poor", "nonpoor"), "tract"
    )
    # A cap that strands the east tract.
    with pytest.raises(InfeasibleError, match="tract 060670012 .*no school within reach"):
        problem(allowed=np.array([[True, True], [False, False]]), labels=labels)
    # 5 km keeps everyone home: Lincoln High misses its band (all nonpoor, 0.4-0.6 poor).
    capped = problem(bands=[(POOR, 0.4, 0.6)], allowed=np.eye(2, dtype=bool), labels=labels)
    with pytest.raises(InfeasibleError, match="school (07|'Lincoln High') misses its income"):
        solve_transport(capped)
    fixed = problem(bands=[(POOR, 0.4, 0.6)], fixed_enrolment=True, labels=labels)
    # 41.5 to 41.9 poor seats at each of two schools hold at most 83.8 of the 100 poor.
    with pytest.raises(InfeasibleError, match="seats for class poor hold 83.0 to 83.8 students"):
        solve_transport(fixed.with_bands([(POOR, 0.415, 0.419)]))


def test_every_solver_name_has_a_backend_and_no_backend_an_unknown_name():
    from assignopt.spatial.names import ASSIGNMENT_SOLVERS

    served = {name for b in backends().values() for name in b.solvers}
    assert served == set(ASSIGNMENT_SOLVERS)
    with pytest.raises(InputError, match="the ortools solver has no whole-neighborhood mode"):
        choose_backend(problem(whole_neighborhoods=True), "ortools")
