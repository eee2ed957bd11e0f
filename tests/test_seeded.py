"""Free enrolment with bands, seeded by the network without them: equal to the dense LP."""

import numpy as np
import pytest

from assignopt.errors import InfeasibleError
from assignopt.spatial import transport
from assignopt.spatial.problem import TransportProblem
from assignopt.spatial.seeded import transport_by_seeded_pricing
from assignopt.spatial.transport import transport_assignment
from tests.test_scaled import POOR, check, district

pytest.importorskip("ortools")


@pytest.mark.parametrize(("seed", "d", "spare"), [(0, 0.05, 0.1), (1, 0.0, 0.1), (2, 0.02, 0.3)])
def test_seeded_path_equals_the_dense_lp(seed, d, spare):
    """Spare seats and a band on the free enrolment (d = 0: every school at the district's
    rate): the optimum equals the dense free-enrolment LP (HiGHS, every arc) to 1e-9, and the
    flows keep every seat limit and band (checked independently)."""
    supply, cap, km, rate = district(seed, spare=spare)
    bands = [(POOR, rate - d, rate + d)]
    dense = transport_assignment(supply, cap, km, bands, method="dense")
    seeded = transport_by_seeded_pricing(TransportProblem(supply, cap, km, bands))
    assert seeded.status == "optimal"
    assert seeded.objective_km == pytest.approx(dense.objective_km, rel=1e-9)
    check(seeded, supply, cap, bands, fixed=False)


@pytest.mark.parametrize("share", [0.01, 0.25, 1.0])
def test_any_first_share_reaches_the_same_optimum(share):
    """A first LP with 1% of neighborhoods contested is infeasible or far from optimal: the
    share doubles and pricing brings sources in until no arc prices negative; the optimum is
    the dense LP's whatever the start."""
    supply, cap, km, rate = district(6, spare=0.15)
    bands = [(POOR, rate - 0.03, rate + 0.03)]
    dense = transport_assignment(supply, cap, km, bands, method="dense")
    seeded = transport_by_seeded_pricing(
        TransportProblem(supply, cap, km, bands), contested_share=share
    )
    assert seeded.objective_km == pytest.approx(dense.objective_km, rel=1e-9)
    check(seeded, supply, cap, bands, fixed=False)


def test_fractional_students_three_classes_and_a_travel_cap():
    """Survey estimates (fractional students), three classes with a band on two of them
    together and one on the third, and a travel cap: equal to the dense LP to 1e-9, and no
    student crosses the cap."""
    rng = np.random.default_rng(7)
    n, s = 120, 10
    supply = rng.uniform(0, 40, (n, 3))
    cap = np.full(s, supply.sum() / s * 1.2)
    xy, sxy = rng.uniform(0, 8_000, (n, 2)), rng.uniform(0, 8_000, (s, 2))
    km = np.sqrt(((xy[:, None] - sxy[None]) ** 2).sum(-1)) / 1000
    share = supply.sum(axis=0) / supply.sum()
    low_two = np.array([True, True, False])
    bands = [
        (low_two, share[:2].sum() - 0.05, share[:2].sum() + 0.05),
        (np.array([False, False, True]), share[2] - 0.08, share[2] + 0.08),
    ]
    allowed = km <= km.min(axis=1, keepdims=True) + 4.0
    dense = transport_assignment(supply, cap, km, bands, allowed=allowed, method="dense")
    seeded = transport_by_seeded_pricing(TransportProblem(supply, cap, km, bands, allowed=allowed))
    assert seeded.objective_km == pytest.approx(dense.objective_km, rel=1e-9)
    assert np.all(seeded.flows.sum(axis=1)[~allowed] == 0)
    assert np.allclose(seeded.flows.sum(axis=2), supply, atol=1e-6)


def test_an_infeasible_band_is_named_by_school():
    # All 50 poor students live by school 0, all 50 nonpoor by school 1, and the travel cap
    # keeps everyone at home: no school can be 40-60% poor. The problem as posed names it.
    supply = np.array([[50.0, 0.0], [0.0, 50.0]])
    km = np.array([[1.0, 9.0], [9.0, 1.0]])
    problem = TransportProblem(
        supply, np.array([60.0, 60.0]), km, [(POOR, 0.4, 0.6)], allowed=np.eye(2, dtype=bool)
    )
    with pytest.raises(InfeasibleError, match="infeasible assignment: "):
        transport_by_seeded_pricing(problem)


def test_large_free_enrolment_with_a_band_takes_the_seeded_path(monkeypatch):
    """Beyond PRICING_MIN_PAIRS the dispatcher sends free enrolment with a band to the seeded
    path (not plain HiGHS pricing), with the dense LP's optimum; ``method="pricing"`` still
    selects plain pricing, with the same optimum."""
    monkeypatch.setattr(transport, "PRICING_MIN_PAIRS", 100)
    supply, cap, km, rate = district(8, spare=0.1)
    bands = [(POOR, rate - 0.04, rate + 0.04)]
    dense = transport_assignment(supply, cap, km, bands, method="dense")
    auto = transport_assignment(supply, cap, km, bands)
    assert auto.solver == "ortools + highs (seeded pricing)"
    assert "min reduced cost" in auto.formulation
    assert auto.objective_km == pytest.approx(dense.objective_km, rel=1e-9)
    priced = transport_assignment(supply, cap, km, bands, method="pricing")
    assert priced.solver == "highs (pricing)"
    assert priced.objective_km == pytest.approx(dense.objective_km, rel=1e-9)
