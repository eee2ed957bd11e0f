"""The OR-Tools min-cost-flow path: potentials, agreement with the dense LP, certificates."""

import networkx as nx
import numpy as np
import pytest

from assignopt.errors import AssignoptError, InputError
from assignopt.spatial import transport
from assignopt.spatial.netflow import FORBIDDEN, seat_model, transport_by_network
from assignopt.spatial.potentials import node_potentials
from assignopt.spatial.transport import seat_bounds, transport_assignment

pytest.importorskip("ortools")


def test_potentials_certify_networkx_optima():
    """On random capacitated networks solved by networkx, the rebuilt potentials satisfy the
    optimality conditions of min-cost flow (reduced cost >= 0 where flow can rise, <= 0 where
    it can fall)."""
    rng = np.random.default_rng(1)
    checked = 0
    for _ in range(150):
        n = int(rng.integers(3, 25))
        tail = rng.integers(0, n, 4 * n)
        head = rng.integers(0, n, 4 * n)
        keep = tail != head
        tail, head = tail[keep], head[keep]
        capacity = rng.integers(0, 6, tail.size)
        cost = rng.integers(-3, 10, tail.size)
        supply = np.zeros(n, int)
        for a, b in rng.integers(0, n, (3, 2)):
            supply[a] += 2
            supply[b] -= 2
        graph = nx.MultiDiGraph()
        graph.add_nodes_from((i, {"demand": -int(supply[i])}) for i in range(n))
        for key, (a, b, c, w) in enumerate(zip(tail, head, capacity, cost)):
            graph.add_edge(int(a), int(b), key=key, capacity=int(c), weight=int(w))
        try:
            flow_dict = nx.min_cost_flow(graph)
        except (nx.NetworkXUnfeasible, nx.NetworkXUnbounded):
            continue
        flow = np.array(
            [flow_dict[int(a)][int(b)][key] for key, (a, b) in enumerate(zip(tail, head))]
        )
        d = node_potentials(n, tail, head, capacity, cost, flow)
        reduced = cost + d[tail] - d[head]
        assert np.all(reduced[flow < capacity] >= 0)
        assert np.all(reduced[flow > 0] <= 0)
        checked += 1
    assert checked > 50


def test_potentials_refuse_a_flow_that_is_not_optimal():
    # 0 -> 1 directly costs 5; 0 -> 2 -> 1 costs 2, unused: a negative residual cycle.
    tail, head = np.array([0, 0, 2]), np.array([1, 2, 1])
    with pytest.raises(AssignoptError, match="not optimal"):
        node_potentials(
            3, tail, head, np.array([9, 9, 9]), np.array([5, 1, 1]), np.array([3, 0, 0])
        )


def instance(seed, n=120, s=12, k=2, banded=(True, False), whole_seats=True):
    """Random district with capacities summing to enrolment and a band of +-0.05 around the
    banded classes' share. ``whole_seats``: equal capacities of a multiple of 20 and a share
    rounded to 0.05, so every seat bound is whole (the integer network path); otherwise the
    share is the district's own and the bounds are fractional."""
    rng = np.random.default_rng(seed)
    supply = rng.integers(0, 60, (n, k)).astype(float)
    if whole_seats:
        supply[0, -1] += -supply.sum() % (20 * s)
    total = supply.sum()
    cap = np.full(s, total // s)
    cap[-1] += total - cap.sum()
    xy, sxy = rng.uniform(0, 10_000, (n, 2)), rng.uniform(0, 10_000, (s, 2))
    km = np.sqrt(((xy[:, None] - sxy[None]) ** 2).sum(-1)) / 1000
    mask = np.array(banded[:k] + (False,) * (k - len(banded)))
    share = supply[:, mask].sum() / total
    if whole_seats:
        share = round(share * 20) / 20
    return supply, cap, km, [(mask, share - 0.05, share + 0.05)]


def assert_matches_lp(net, lp):
    """The network optimum (whole millimetres) equals the LP's (HiGHS, unrounded km) to 1e-6,
    never beats it, and the LP's value lies above the certificate's lower bound."""
    assert net.status == "optimal"
    assert net.objective_km == pytest.approx(lp.objective_km, rel=1e-6)
    assert net.objective_km >= lp.objective_km * (1 - 1e-9)
    assert lp.objective_km >= net.objective_km * (1 - net.gap) - 1e-9 * lp.objective_km
    assert 0 <= net.gap < 1e-6


@pytest.mark.parametrize("seed", range(3))
def test_network_equals_the_dense_fixed_seat_lp(seed):
    supply, cap, km, bands = instance(seed)
    lp = transport_assignment(supply, cap, km, bands, fixed_enrolment=True, method="dense")
    net = transport_assignment(supply, cap, km, bands, fixed_enrolment=True, solver="ortools")
    assert net.solver.startswith("ortools")
    assert_matches_lp(net, lp)
    # Whole students, every seat bound kept (independent of the solver's own model).
    lower, upper = seat_bounds(cap, bands, 2)
    seats = net.flows.sum(axis=0).T  # (S, K)
    assert np.allclose(net.flows, np.round(net.flows))
    assert np.allclose(net.flows.sum(axis=2), supply)
    assert np.allclose(seats.sum(axis=1), cap)
    assert np.all(seats >= lower - 1e-9) and np.all(seats <= upper + 1e-9)


def test_network_with_three_classes_and_levels():
    """Three classes, a band on the middle one, 600 neighborhoods: coarse levels and pricing
    rounds are used, and networkx (an independent min-cost flow) finds the same optimum."""
    supply, cap, km, bands = instance(7, n=600, s=25, k=3, banded=(False, True, False))
    net = transport_assignment(supply, cap, km, bands, fixed_enrolment=True, solver="ortools")
    assert net.formulation.count("clusters") >= 2
    lp = transport_assignment(supply, cap, km, bands, fixed_enrolment=True, method="dense")
    assert_matches_lp(net, lp)
    small = instance(8, n=150, s=10, k=3, banded=(False, True, False))
    a = transport_assignment(*small[:3], small[3], fixed_enrolment=True, solver="ortools")
    b = transport_assignment(*small[:3], small[3], fixed_enrolment=True, solver="networkx")
    assert a.objective_km == pytest.approx(b.objective_km, rel=1e-6)


def test_network_nearest_school_with_slack_capacity_and_a_travel_cap():
    supply, cap, km, _ = instance(3, n=200, s=10)
    cap = np.ceil(cap * 1.2)
    lp = transport_assignment(supply, cap, km, None, method="dense")
    net = transport_assignment(supply, cap, km, None, solver="ortools")
    assert_matches_lp(net, lp)
    assert np.all(net.flows.sum(axis=(0, 1)) <= cap + 1e-9)
    allowed = km <= km.min(axis=1, keepdims=True) + 2.5
    lp = transport_assignment(supply, cap, km, None, allowed=allowed, method="dense")
    net = transport_assignment(supply, cap, km, None, allowed=allowed, solver="ortools")
    assert_matches_lp(net, lp)
    assert np.all(net.flows.sum(axis=1)[~allowed] == 0)


def test_network_names_the_school_a_travel_cap_starves():
    # All poor students live by school 0, all nonpoor by school 1; each school must be 40-60%
    # poor, but the cap keeps everyone at their own school: school 1 is 20 poor students short.
    supply = np.array([[50.0, 0.0], [0.0, 50.0]])
    km = np.array([[1.0, 9.0], [9.0, 1.0]])
    bands = [(np.array([True, False]), 0.4, 0.6)]
    seats = seat_model(np.array([50.0, 50.0]), bands, 2, fixed_enrolment=True)
    allowed = np.eye(2, dtype=bool)
    with pytest.raises(AssignoptError, match="school 1 cannot get 20 students of class 0"):
        transport_by_network(supply, km, seats, allowed=allowed)
    # Without the cap the optimum mixes them: 20 poor and 20 nonpoor travel 9 km.
    solution = transport_by_network(supply, km, seats)
    assert solution.objective_km == pytest.approx(60 * 1.0 + 40 * 9.0)


def test_network_refuses_what_is_not_a_network():
    supply, cap, km, bands = instance(0, n=30, s=4)
    with pytest.raises(InputError, match="networkx solver balances income only with fixed"):
        transport_assignment(supply, np.ceil(cap * 1.1), km, bands, solver="networkx")
    # With solver="ortools" a band on a free enrolment (not a network) goes to the LP by levels
    # (assignopt.spatial.levels; 30 neighborhoods are too few to cluster: HiGHS pricing), with
    # the dense LP's optimum.
    free = transport_assignment(supply, np.ceil(cap * 1.1), km, bands, solver="ortools")
    dense = transport_assignment(supply, np.ceil(cap * 1.1), km, bands, method="dense")
    assert free.solver == "highs (pricing)"
    assert free.objective_km == pytest.approx(dense.objective_km, rel=1e-9)
    with pytest.raises(InputError, match="whole numbers"):
        transport_by_network(supply + 0.5, km, seat_model(cap + 100, [], 2, False))


def test_auto_takes_the_network_for_large_fixed_seat_districts(monkeypatch):
    monkeypatch.setattr(transport, "PRICING_MIN_PAIRS", 100)
    supply, cap, km, bands = instance(1, n=60, s=6)
    fixed = transport_assignment(supply, cap, km, bands, fixed_enrolment=True)
    assert fixed.solver.startswith("ortools")
    free = transport_assignment(supply, np.ceil(cap * 1.1), km, bands)
    assert free.solver == "highs (levels of clustered neighborhoods, pricing)"


@pytest.mark.parametrize("capped", [False, True])
def test_coarse_levels_equal_their_definition(capped):
    """Each cluster level's students are its members' sums and its distance to a school the
    student-weighted mean over the members that reach it (computed here member by member);
    levels are summed from the finest, so this checks the nesting too."""
    from assignopt.spatial.clusters import cluster_labels
    from assignopt.spatial.netflow import _coarse_levels

    rng = np.random.default_rng(3)
    supply = rng.integers(0, 20, (400, 2))
    km = rng.uniform(0.1, 9.0, (400, 12))
    allowed = km <= km.min(axis=1, keepdims=True) + 4.0 if capped else None
    cost = np.rint(km * 1000).astype(np.int64)
    clusters = cluster_labels(cost, 3)
    assert len(clusters) >= 2  # nested levels to sum
    levels = _coarse_levels(supply, km, allowed, clusters, 1000)
    for label, (students, level_cost) in zip(clusters, levels, strict=True):
        for c in range(int(label.max()) + 1):
            members = np.flatnonzero(label == c)
            assert np.array_equal(students[c], supply[members].sum(axis=0))
            weight = supply[members].sum(axis=1) + 1e-9
            for j in range(km.shape[1]):
                reach = np.ones(members.size, bool) if allowed is None else allowed[members, j]
                if not reach.any():
                    assert level_cost[c, j] == FORBIDDEN
                    continue
                mean = (weight[reach] * km[members[reach], j]).sum() / weight[reach].sum()
                assert abs(level_cost[c, j] - mean * 1000) <= 0.5 + 1e-6


def test_near_band_keeps_the_asked_number_of_arcs_per_source_on_average(monkeypatch):
    """Hand count: with potentials 0, source 0's gaps to its best are 0, 1, 2, 3 and source
    1's are 0, 10, 20, 30; for 2 arcs per source on average the band is the 4th smallest gap
    of the 8, i.e. 2 (source 0 keeps 3 arcs, source 1 keeps 1). A forbidden pair is no gap."""
    from assignopt.spatial import netflow

    monkeypatch.setattr(netflow, "NEAR_ARCS", 2)
    cost = np.array([[5, 6, 7, 8], [40, 30, 20, 10]], np.int64)
    supply = np.array([[3], [4]])
    assert netflow._near_band(supply, cost, np.zeros((4, 1), np.int64)) == 2
    # A potential of 5 on school 1: source 0's reduced costs 5, 1, 7, 8 (gaps 4, 0, 6, 7),
    # source 1's 40, 25, 20, 10 (gaps 30, 15, 10, 0): the 4th smallest gap is 6.
    potentials = np.array([[0], [5], [0], [0]], np.int64)
    assert netflow._near_band(supply, cost, potentials) == 6
    # Source 1 without students is no source: source 0 alone, its 2nd smallest gap, 1.
    assert netflow._near_band(np.array([[3], [0]]), cost, np.zeros((4, 1), np.int64)) == 1
    # Forbidden pairs are no arcs: source 0 reaches schools 0 and 3 only (gaps 0, 3).
    cost[0, 1:3] = netflow.FORBIDDEN
    assert netflow._near_band(supply, cost, np.zeros((4, 1), np.int64)) == 10


def test_shortfall_pricing_covers_what_the_hub_brings_by_hand(monkeypatch):
    """Hand count: school 1 (one class) gets 5 students through the hub. With every potential
    0 but school 1's (10), the reduced costs into it are cost - 10: -3, -1, 2, -2 for sources
    with 2, 4, 1, 3 students. In order: source 0 (2 students), source 3 (3), source 1 (4).
    To cover 2 x 5 = 10 all three join (5 students before source 1's); to cover 1 x 5 only
    sources 0 and 3 (5 students before source 1's). Source 2 prices positive; school 0 is
    not fed."""
    from assignopt.spatial import netflow

    supply = np.array([[2], [4], [1], [3]])
    cost = np.array([[1, 7], [1, 9], [1, 12], [1, 8]], np.int64)
    seats = seat_model(np.array([5.0, 5.0]), [], 1, True)
    level = netflow._Level(supply, cost, seats, 12, netflow.Labels())
    d_sink = np.array([[0], [10]], np.int64)
    fed = np.array([[0], [5]])
    src, school = level._price_shortfall(np.zeros(4, np.int64), d_sink, fed)
    assert sorted(src.tolist()) == [0, 1, 3] and set(school.tolist()) == {1}
    monkeypatch.setattr(netflow, "HUB_COVER", 1)
    src, school = level._price_shortfall(np.zeros(4, np.int64), d_sink, fed)
    assert sorted(src.tolist()) == [0, 3] and set(school.tolist()) == {1}


def test_shortfall_pricing_equals_a_brute_force_choice():
    """Against a plain loop over each fed (school, class): more sources than the per-round
    cap, forbidden pairs, sources without students, two classes, random potentials, distinct
    reduced costs (no ties). The loop takes the sources with students in order
    of reduced cost while it is negative and the students before it cover less than
    ``HUB_COVER`` times what the hub brings, at most ``SHORTFALL_ARCS`` of them."""
    from assignopt.spatial import netflow

    rng = np.random.default_rng(7)
    n, s, k = 700, 9, 2
    supply = rng.integers(1, 40, (n, k))
    supply[rng.random((n, k)) < 0.2] = 0
    cost = rng.permutation(n * s).reshape(n, s).astype(np.int64) * 7 + 1_000
    cost[rng.random((n, s)) < 0.1] = netflow.FORBIDDEN
    seats = seat_model(np.full(s, float(supply.sum()) / s).round(), [], k, True)
    level = netflow._Level(
        supply, cost, seats, int(cost[cost < netflow.FORBIDDEN].max()), netflow.Labels()
    )
    # Multiples of 50,000, more than any two costs differ by: distinct costs in a column keep
    # distinct reduced costs.
    d_src = rng.integers(-2, 3, n * k) * 50_000
    d_sink = rng.integers(40_000, 80_000, (s, k))
    fed = np.zeros((s, k), np.int64)
    fed[[0, 3, 8], [0, 1, 1]] = [50, 4_000, 100_000]
    src, school = level._price_shortfall(d_src, d_sink, fed)
    got = set(zip((src // k).tolist(), (src % k).tolist(), school.tolist()))
    want = set()
    for j, c in zip(*np.nonzero(fed)):
        reduced = cost[:, j] - d_sink[j, c] + d_src[np.arange(n) * k + c]
        order = [i for i in np.argsort(reduced) if supply[i, c] > 0 and reduced[i] < 0]
        assert np.unique(reduced[order]).size == len(order)  # no ties: one right answer
        covered = 0
        for i in order[: netflow.SHORTFALL_ARCS]:
            if covered >= netflow.HUB_COVER * fed[j, c]:
                break
            want.add((int(i), int(c), int(j)))
            covered += supply[i, c]
    assert got == want
    # The large shortfall meets the cap; the small one stops on cover; forbidden pairs never.
    assert sum(1 for _, c, j in got if (j, c) == (8, 1)) == netflow.SHORTFALL_ARCS
    assert 0 < sum(1 for _, c, j in got if (j, c) == (0, 0)) < 10
    assert all(cost[i, j] < netflow.FORBIDDEN for i, _, j in got)
