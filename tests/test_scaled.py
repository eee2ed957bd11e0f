"""Fractional students and seat bounds on the network path: equal to the dense LP."""

import numpy as np
import pytest

from assignopt.spatial import transport
from assignopt.spatial.problem import TransportProblem, seat_bounds
from assignopt.spatial.scaled import transport_by_scaled_network
from assignopt.spatial.transport import transport_assignment

pytest.importorskip("ortools")
POOR = np.array([True, False])


def district(seed, n=150, s=12, spare=0.0):
    """Random district; capacities sum to enrolment (times 1 + spare), so the district's own
    poverty share gives fractional seat bounds."""
    rng = np.random.default_rng(seed)
    supply = rng.integers(0, 60, (n, 2)).astype(float)
    total = supply.sum()
    cap = np.full(s, total // s)
    cap[-1] += total - cap.sum()
    cap = np.ceil(cap * (1 + spare))
    xy, sxy = rng.uniform(0, 10_000, (n, 2)), rng.uniform(0, 10_000, (s, 2))
    km = np.sqrt(((xy[:, None] - sxy[None]) ** 2).sum(-1)) / 1000
    return supply, cap, km, supply[:, 0].sum() / total


def check(solution, supply, cap, bands, fixed):
    """Independent feasibility: everyone placed, seats and bands kept (to 1e-6 students)."""
    flows = solution.flows
    assert np.all(flows >= -1e-9)
    assert np.allclose(flows.sum(axis=2), supply, atol=1e-6)
    seats = flows.sum(axis=0).T  # (S, K)
    enrolled = seats.sum(axis=1)
    if fixed:
        assert np.allclose(enrolled, cap, atol=1e-6)
    assert np.all(enrolled <= cap + 1e-6)
    for mask, lo, hi in bands:
        share = seats[:, mask].sum(axis=1)
        assert np.all(share >= lo * enrolled - 1e-6) and np.all(share <= hi * enrolled + 1e-6)


def assert_equals_dense(supply, cap, km, bands):
    """The scaled network on full schools: proven optimal, the dense LP's optimum to 1e-9."""
    lp = transport_assignment(supply, cap, km, bands, fixed_enrolment=True, method="dense")
    net = transport_by_scaled_network(TransportProblem(supply, cap, km, bands, True))
    assert net.status == "optimal" and net.solver.startswith("ortools")
    assert net.objective_km == pytest.approx(lp.objective_km, rel=1e-9)
    check(net, supply, cap, bands, fixed=True)


@pytest.mark.parametrize(("seed", "d"), [(0, 0.0), (1, 0.0), (2, 0.05), (3, 0.02)])
def test_fractional_seat_bounds_equal_the_dense_lp(seed, d):
    """Perfect balance (d = 0) and narrow bands around the district's own share: seat bounds
    share * capacity are fractional, and the network path's optimum equals the dense LP's
    (HiGHS, the same unrounded bounds) to 1e-9."""
    supply, cap, km, rate = district(seed)
    bands = [(POOR, rate - d, rate + d)]
    lower, _ = seat_bounds(cap, bands, 2)
    assert not np.allclose(lower, np.round(lower))  # the case this test is about
    assert_equals_dense(supply, cap, km, bands)


def test_fractional_students_without_a_band_and_with_a_travel_cap():
    """Survey estimates (fractional students), spare seats, no band, then a travel cap: the
    scaled path equals the dense LP (HiGHS) to 1e-9."""
    supply, cap, km, _ = district(4, spare=0.1)
    supply = supply * 1.037 + 0.25  # fractional students
    cap = cap * 1.05
    lp = transport_assignment(supply, cap, km, None, method="dense")
    net = transport_by_scaled_network(TransportProblem(supply, cap, km))
    assert net.objective_km == pytest.approx(lp.objective_km, rel=1e-9)
    check(net, supply, cap, [], fixed=False)
    allowed = km <= km.min(axis=1, keepdims=True) + 3.0
    lp = transport_assignment(supply, cap, km, None, allowed=allowed, method="dense")
    net = transport_by_scaled_network(TransportProblem(supply, cap, km, allowed=allowed))
    assert net.objective_km == pytest.approx(lp.objective_km, rel=1e-9)
    assert np.all(net.flows.sum(axis=1)[~allowed] == 0)


def test_full_schools_with_free_enrolment_go_to_the_network(monkeypatch):
    """Capacities summing to enrolment make free enrolment fixed: beyond PRICING_MIN_PAIRS the
    dispatcher takes the network path (not HiGHS pricing), with the same optimum as the dense
    free-enrolment LP; fractional students too."""
    monkeypatch.setattr(transport, "PRICING_MIN_PAIRS", 100)
    supply, cap, km, rate = district(5)
    for bands in ([(POOR, rate, rate)], [(POOR, rate - 0.03, rate + 0.03)], []):
        dense = transport_assignment(supply, cap, km, bands, method="dense")
        auto = transport_assignment(supply, cap, km, bands)
        assert auto.solver.startswith("ortools")
        assert auto.objective_km == pytest.approx(dense.objective_km, rel=1e-9)
        check(auto, supply, cap, bands, fixed=True)
    # With 10% spare seats the band is on a free enrolment: not a network, so the LP by levels
    # of clustered neighborhoods (assignopt.spatial.levels).
    spare = transport_assignment(supply, np.ceil(cap * 1.1), km, [(POOR, rate - 0.05, rate + 0.05)])
    assert spare.solver == "highs (levels of clustered neighborhoods, pricing)"


def test_an_infeasible_cap_is_named_on_the_unrounded_data():
    # All 50.5 poor students live by school 0, all 49.5 nonpoor by school 1; each school must
    # be 40-60% poor but the cap keeps everyone at home: the LP names a school that misses.
    from assignopt.errors import InfeasibleError

    supply = np.array([[50.5, 0.0], [0.0, 49.5]])
    km = np.array([[1.0, 9.0], [9.0, 1.0]])
    problem = TransportProblem(
        supply,
        np.array([50.5, 49.5]),
        km,
        [(POOR, 0.4, 0.6)],
        True,
        allowed=np.eye(2, dtype=bool),
    )
    with pytest.raises(InfeasibleError, match="infeasible assignment: school [01] "):
        transport_by_scaled_network(problem)
    # Without the cap (by hand): school 0 (50.5 seats) keeps at most 60% poor, 30.3, so 20.2
    # poor cross to school 1 and 20.2 nonpoor cross back (school 1 then has 20.2 poor of 49.5,
    # inside its 40-60%): 40.4 students travel 9 km, 59.6 travel 1 km.
    free = transport_by_scaled_network(
        TransportProblem(supply, problem.capacity, km, problem.bands, True)
    )
    assert free.objective_km == pytest.approx(40.4 * 9 + 59.6 * 1, rel=1e-9)


def test_a_segregated_city_with_a_band_equals_the_dense_lp():
    """A synthetic city with strong racial and income segregation (fractional students,
    poverty clustered) and a 0.05 band on full schools: the poor must travel across the
    city, the coarsest level prices a second round, and the optimum is the dense LP's."""
    from assignopt.spatial.assign import district_distances
    from assignopt.spatial.synth import synthetic_city

    city = synthetic_city(grid=24, racial_segregation=0.9, income_segregation=0.9, n_schools=30)
    supply = city.counts().sum(axis=1)
    assert not np.allclose(supply, np.round(supply))
    cap = city.capacity * supply.sum() / city.capacity.sum()
    rate = supply[:, 0].sum() / supply.sum()
    bands = [(POOR, rate - 0.05, rate + 0.05)]
    km = district_distances(city).km
    assert_equals_dense(supply, cap, km, bands)


def test_the_scale_is_lowered_only_when_the_network_could_overflow():
    """Hand count: 10 million students, 312 km across, costs in metres: the hub's unit costs
    4 * 312,000 + 1 units, so flows in 1/1000 students reach 1.25e16, far below 2^61
    (2.3e18), and the scale stays; counted in millimetres they would reach 1.25e19, and
    1/100 of a student (1.25e18) is the finest that fits."""
    from assignopt.spatial.scaled import _safe_scale

    km = np.array([[0.5, 312.0]])
    assert _safe_scale(1000, 1e7, km, 1000) == 1000
    assert _safe_scale(1000, 1e7, km, 1_000_000) == 100


def test_schools_the_hub_feeds_get_arcs_enough_for_their_shortfall(monkeypatch):
    """A segregated city with many schools (120 for 576 neighborhoods): each source's 12
    nearest schools cannot fill the poor seats of schools in rich areas, so the first round
    feeds them through the hub and arcs into them are priced per school as well; the optimum
    is still the dense LP's."""
    from assignopt.spatial import netflow
    from assignopt.spatial.assign import district_distances
    from assignopt.spatial.synth import synthetic_city

    added, networks = [], []
    price, flow_of = netflow._Level._price_shortfall, netflow._min_cost_flow

    def record(*net):
        flow = flow_of(*net)
        networks.append((net[0], net[1], net[4], flow))
        return flow

    def spy(self, d_src, d_sink, fed):
        # What the hub brings, read from the arcs themselves (not from their positions): into
        # each (school, class) node, plus into the school node for every class of the school.
        tail, head, supplies, flow = networks[-1]
        hub, s, k = supplies.size - 1, self.s, self.k
        first_sink = supplies.size - (s * k + s + 2)
        brought = np.zeros(s * k + s, np.int64)
        out = tail == hub
        into = head[out] - first_sink
        ok = (into >= 0) & (into < s * k + s)
        np.add.at(brought, into[ok], flow[out][ok])
        expected = brought[: s * k].reshape(s, k) + brought[s * k :][:, None]
        assert np.array_equal(fed, expected) and fed.sum() > 0
        arcs = price(self, d_src, d_sink, fed)
        added.append(arcs[0].size)
        return arcs

    monkeypatch.setattr(netflow, "_min_cost_flow", record)
    monkeypatch.setattr(netflow._Level, "_price_shortfall", spy)
    city = synthetic_city(grid=24, racial_segregation=0.9, income_segregation=0.9, n_schools=120)
    supply = city.counts().sum(axis=1)
    cap = city.capacity * supply.sum() / city.capacity.sum()
    rate = supply[:, 0].sum() / supply.sum()
    km = district_distances(city).km
    assert_equals_dense(supply, cap, km, [(POOR, rate - 0.05, rate + 0.05)])
    assert sum(added) > 0
