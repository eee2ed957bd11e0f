"""Bands on a free enrolment by levels of clustered neighborhoods: equal to the dense LP."""

import numpy as np
import pytest

from assignopt.errors import InfeasibleError
from assignopt.spatial import transport
from assignopt.spatial.contested import solve_contested
from assignopt.spatial.levels import SOLVER, transport_by_levels
from assignopt.spatial.problem import TransportProblem
from assignopt.spatial.synth import synthetic_city
from assignopt.spatial.transport import transport_assignment
from tests.test_scaled import POOR, check, district

pytest.importorskip("highspy")


@pytest.mark.parametrize(("seed", "d", "spare"), [(0, 0.05, 0.1), (1, 0.0, 0.1), (2, 0.02, 0.3)])
def test_levels_equal_the_dense_lp(seed, d, spare):
    """Spare seats and a band on the free enrolment (d = 0: every school at the district's
    rate): the optimum equals the dense free-enrolment LP (HiGHS, every arc) to 1e-9, and the
    flows keep every seat limit and band (checked independently)."""
    supply, cap, km, rate = district(seed, spare=spare)
    bands = [(POOR, rate - d, rate + d)]
    dense = transport_assignment(supply, cap, km, bands, method="dense")
    levels = transport_by_levels(TransportProblem(supply, cap, km, bands))
    assert levels.status == "optimal"
    assert levels.solver == SOLVER
    assert "levels of" in levels.formulation  # clustered levels ran (150 neighborhoods)
    assert levels.objective_km == pytest.approx(dense.objective_km, rel=1e-9)
    check(levels, supply, cap, bands, fixed=False)


def test_a_segregated_city_with_spare_seats():
    """Poverty clustered on one side of a synthetic city: the band needs students from far
    beyond their nearest schools (the case a start from the network without the band could
    not seed). Equal to the dense LP to 1e-9, fractional students as the city gives them."""
    city = synthetic_city(
        grid=12,
        n_schools=16,
        racial_segregation=0.9,
        income_segregation=0.9,
        income_axis="aligned",
        seed=4,
    )
    supply = city.counts().sum(axis=1)
    cap = city.capacity * supply.sum() / city.capacity.sum() * 1.1
    from assignopt.spatial.assign import district_distances

    km = district_distances(city).km
    rate = supply[:, 0].sum() / supply.sum()
    bands = [(POOR, rate - 0.05, rate + 0.05)]
    dense = transport_assignment(supply, cap, km, bands, method="dense")
    levels = transport_by_levels(TransportProblem(supply, cap, km, bands))
    assert levels.objective_km == pytest.approx(dense.objective_km, rel=1e-9)
    check(levels, supply, cap, bands, fixed=False)


def test_fixed_enrolment_with_fractional_seat_bounds():
    """Fixed seats whose band bounds are fractional (the scaled network's form): the levels
    solve it too, with the dense LP's optimum and every school exactly full."""
    supply, cap, km, rate = district(9)
    bands = [(POOR, rate - 0.02, rate + 0.02)]
    dense = transport_assignment(supply, cap, km, bands, fixed_enrolment=True, method="dense")
    levels = transport_by_levels(TransportProblem(supply, cap, km, bands, True))
    assert levels.objective_km == pytest.approx(dense.objective_km, rel=1e-9)
    check(levels, supply, cap, bands, fixed=True)


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
    levels = transport_by_levels(TransportProblem(supply, cap, km, bands, allowed=allowed))
    assert levels.objective_km == pytest.approx(dense.objective_km, rel=1e-9)
    assert np.all(levels.flows.sum(axis=1)[~allowed] == 0)
    assert np.allclose(levels.flows.sum(axis=2), supply, atol=1e-6)


def test_a_start_far_from_the_optimum_brings_sources_in():
    """The contested LP started from the optimal support of a narrower band (feasible here,
    not optimal): pricing makes sources contested, each joining with its own arc in the basis,
    until no arc prices negative; the optimum is the dense LP's."""
    supply, cap, km, rate = district(6, spare=0.15)
    narrow = [(POOR, rate - 0.005, rate + 0.005)]
    bands = [(POOR, rate - 0.06, rate + 0.06)]
    start = transport_assignment(supply, cap, km, narrow, method="dense").flows
    nb, cls, school = np.nonzero(start > 1e-9)
    problem = TransportProblem(supply, cap, km, bands)
    solution = solve_contested(problem, (nb * 2 + cls, school), start=0.0, seed="s", solver="x")
    dense = transport_assignment(supply, cap, km, bands, method="dense")
    assert solution.objective_km == pytest.approx(dense.objective_km, rel=1e-9)
    check(solution, supply, cap, bands, fixed=False)
    first, last = (int(x.replace(",", "")) for x in _contested_counts(solution.formulation))
    assert first < last  # sources joined the live model


def _contested_counts(formulation: str) -> tuple[str, str]:
    # "...; 210 of 300 sources contested at first, 262 at the end; ..."
    part = formulation.split(" sources contested at first, ")
    return part[0].rsplit(" of ", 1)[0].rsplit(" ", 1)[-1], part[1].split(" ", 1)[0]


@pytest.mark.parametrize("n", [2, 200])
def test_an_infeasible_band_is_named_by_school(n):
    # Poor students live by school 0, nonpoor by school 1, and the travel cap keeps everyone
    # at home: no school can be 40-60% poor. The problem as posed names it (with 200
    # neighborhoods the coarsest level is infeasible first and the district says why).
    half = n // 2
    supply = np.zeros((n, 2))
    supply[:half, 0], supply[half:, 1] = 50.0 / half, 50.0 / half
    km = np.where(np.arange(2)[None, :] == (np.arange(n) >= half)[:, None], 1.0, 9.0)
    km = km + np.linspace(0, 0.5, n)[:, None]
    allowed = km < 5
    problem = TransportProblem(
        supply, np.array([60.0, 60.0]), km, [(POOR, 0.4, 0.6)], allowed=allowed
    )
    with pytest.raises(InfeasibleError, match="infeasible assignment: "):
        transport_by_levels(problem)


def test_large_free_enrolment_with_a_band_takes_the_levels_path(monkeypatch):
    """Beyond PRICING_MIN_PAIRS the dispatcher sends free enrolment with a band to the levels
    path (not plain HiGHS pricing), with the dense LP's optimum, for ``highs`` and
    ``ortools`` alike; ``method="pricing"`` still selects plain pricing, with the same
    optimum."""
    monkeypatch.setattr(transport, "PRICING_MIN_PAIRS", 100)
    supply, cap, km, rate = district(8, spare=0.1)
    bands = [(POOR, rate - 0.04, rate + 0.04)]
    dense = transport_assignment(supply, cap, km, bands, method="dense")
    for solver in ("highs", "ortools"):
        auto = transport_assignment(supply, cap, km, bands, solver=solver)
        assert auto.solver == SOLVER
        assert "min reduced cost" in auto.formulation
        assert auto.objective_km == pytest.approx(dense.objective_km, rel=1e-9)
    priced = transport_assignment(supply, cap, km, bands, method="pricing")
    assert priced.solver == "highs (pricing)"
    assert priced.objective_km == pytest.approx(dense.objective_km, rel=1e-9)


def test_fixed_seats_with_fractional_bounds_take_the_scaled_network(monkeypatch):
    """A band on fixed seats with fractional bounds goes to the scaled network at any size
    (it beat the levels from 20,000 x 400 to 50,000 x 2,000 once a source's arcs carried at
    most its students, benchmarks/RESULTS.md); the levels solve the same LP too. Both give the
    dense LP's optimum."""
    monkeypatch.setattr(transport, "PRICING_MIN_PAIRS", 100)
    supply, cap, km, rate = district(10)
    bands = [(POOR, rate - 0.03, rate + 0.03)]
    dense = transport_assignment(supply, cap, km, bands, fixed_enrolment=True, method="dense")
    scaled = transport_assignment(supply, cap, km, bands, fixed_enrolment=True)
    assert scaled.solver == "ortools + highs (scaled network, pricing)"
    levels = transport_by_levels(TransportProblem(supply, cap, km, bands, True))
    assert levels.solver == SOLVER
    for solution in (scaled, levels):
        assert solution.objective_km == pytest.approx(dense.objective_km, rel=1e-9)
        check(solution, supply, cap, bands, fixed=True)


def test_without_ortools_network_forms_take_the_levels_path(monkeypatch):
    """With OR-Tools not installed (its backends marked unavailable), a large fixed-seat band
    and the nearest-school baseline go to the levels, not plain pricing: same optimum as the
    dense LP."""
    import dataclasses

    from assignopt.spatial import backends

    registry = dict(backends._REGISTRY)
    for name, entry in registry.items():
        if name.startswith("ortools"):
            registry[name] = dataclasses.replace(entry, available=lambda: False)
    monkeypatch.setattr(backends, "_REGISTRY", registry)
    monkeypatch.setattr(transport, "PRICING_MIN_PAIRS", 100)
    supply, cap, km, rate = district(12)
    for bands in ([(POOR, rate - 0.03, rate + 0.03)], []):
        dense = transport_assignment(supply, cap, km, bands, fixed_enrolment=True, method="dense")
        auto = transport_assignment(supply, cap, km, bands, fixed_enrolment=True)
        assert auto.solver == SOLVER
        assert auto.objective_km == pytest.approx(dense.objective_km, rel=1e-9)
