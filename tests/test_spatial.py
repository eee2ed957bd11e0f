"""Spatial assignment: hand-checkable districts, solver agreement, policy checks, bad input."""

from pathlib import Path

import geopandas as gpd
import networkx as nx
import numpy as np
import pytest
from shapely.geometry import Polygon, box

from assignopt.errors import InfeasibleError, InputError
from assignopt.policy import Policy
from assignopt.spatial.assign import assign_district, school_compositions
from assignopt.spatial.district import District, read_district, write_district
from assignopt.spatial.transport import transport_assignment
from tests.helpers import CRS, TRACTS, tiny_district  # noqa: F401

ROOT = Path(__file__).resolve().parent.parent


def test_two_neighborhoods_two_schools_by_hand():
    # West: 100 poor (all Black); east: 100 nonpoor (all White). Schools next to each.
    # No policy: everyone at the nearest school, V = 1 (complete segregation).
    # Perfect balance: each school 50 poor + 50 nonpoor: 50 from each side cross the 9 km gap.
    d = tiny_district([[[100, 0], [0, 0]], [[0, 0], [0, 100]]], [100, 100])
    result = assign_district(d, Policy(0.0), possible=False)
    assert result.nearest_indices["V"] == pytest.approx(1.0)
    assert result.assigned_indices["V"] == pytest.approx(0.0, abs=1e-9)
    # Crossing students travel 9 km between representative points; stayers 0.
    assert result.assigned.objective_km == pytest.approx(100 * 9.0, rel=1e-9)
    flows = result.assigned.flows
    assert flows[0, 0, 1] == pytest.approx(50) and flows[1, 1, 0] == pytest.approx(50)
    # A tolerance of 0.25: each school's poverty rate in [0.25, 0.75]: only 25 need to cross.
    wide = assign_district(d, Policy(0.25), possible=False)
    assert wide.assigned.objective_km == pytest.approx(50 * 9.0, rel=1e-9)


def random_instance(seed, n=25, s=5, k=2, tight=True):
    rng = np.random.default_rng(seed)
    supply = rng.integers(0, 60, (n, k)).astype(float)
    total = supply.sum()
    cap = np.full(s, total // s)
    cap[-1] += total - cap.sum()
    if not tight:
        cap = np.ceil(cap * 1.15)
    xy, sxy = rng.uniform(0, 10_000, (n, 2)), rng.uniform(0, 10_000, (s, 2))
    km = np.sqrt(((xy[:, None] - sxy[None]) ** 2).sum(-1)) / 1000
    share = supply[:, 0].sum() / total
    return supply, cap, km, [(np.array([True, False]), share - 0.05, share + 0.05)]


def whole_seat_instance(seed):
    """``random_instance`` with equal capacities of a multiple of 20 seats and a band of
    multiples of 0.05, so every seat bound is a whole number (networkx moves whole students)."""
    supply, cap, km, _ = random_instance(seed)
    s = cap.size
    supply[0, 1] += -supply.sum() % (20 * s)
    cap = np.full(s, supply.sum() / s)
    share = round(supply[:, 0].sum() / supply.sum() * 20) / 20
    return supply, cap, km, [(np.array([True, False]), share - 0.05, share + 0.05)]


@pytest.mark.parametrize("seed", range(4))
def test_networkx_and_lp_solvers_agree(seed):
    supply, cap, km, bands = whole_seat_instance(seed)
    reference = transport_assignment(supply, cap, km, bands, fixed_enrolment=True)
    for solver in ("networkx", "cbc"):
        other = transport_assignment(supply, cap, km, bands, solver=solver, fixed_enrolment=True)
        assert other.objective_km == pytest.approx(reference.objective_km, rel=1e-6)
    # Without a policy networkx also handles slack capacity.
    supply, cap, km, _ = random_instance(seed, tight=False)
    a = transport_assignment(supply, cap, km, None)
    b = transport_assignment(supply, cap, km, None, solver="networkx")
    assert a.objective_km == pytest.approx(b.objective_km, rel=1e-6)


def check_assignment(flows, supply, capacity, bands):
    """Independent check: everyone placed, capacities kept, every school inside every band."""
    assert np.allclose(flows.sum(axis=2), supply, atol=1e-6)
    enrol = flows.sum(axis=(0, 1))
    assert np.all(enrol <= capacity + 1e-6)
    for mask, lo, hi in bands:
        share = flows[:, mask, :].sum(axis=(0, 1)) / np.maximum(enrol, 1e-12)
        used = enrol > 1e-9
        assert np.all(share[used] >= lo - 1e-7) and np.all(share[used] <= hi + 1e-7)


@pytest.mark.parametrize("seed", range(3))
def test_assignment_meets_capacities_and_bands(seed):
    supply, cap, km, bands = random_instance(seed, tight=False)
    solution = transport_assignment(supply, cap, km, bands)
    check_assignment(solution.flows, supply, cap, bands)


def test_policy_off_equals_nearest_school_with_capacities():
    # With ample capacity, no policy means everyone at the nearest school.
    supply, cap, km, _ = random_instance(7, tight=False)
    solution = transport_assignment(supply, cap * 100, km, None)
    nearest = km.argmin(axis=1)
    expected = np.zeros_like(solution.flows)
    expected[np.arange(len(km)), :, nearest] = supply
    assert solution.flows == pytest.approx(expected, abs=1e-6)


def test_race_never_changes_the_assignment():
    d = tiny_district(
        [[[30, 10], [5, 40]], [[2, 60], [20, 8]], [[15, 15], [15, 15]]],
        [110, 110, 100],
        school_x=(0.5, 9.5, 4.5),
    )
    before = assign_district(d, Policy(0.05), possible=False)
    swapped = d.neighborhoods.copy()
    for c in ("poor", "nonpoor"):  # permute race labels within each class
        swapped[[f"black_{c}", f"white_{c}"]] = swapped[[f"white_{c}", f"black_{c}"]].to_numpy()
    after = assign_district(District(swapped, d.schools, d.groups), Policy(0.05), possible=False)
    assert after.assigned.flows == pytest.approx(before.assigned.flows, abs=1e-9)


def test_flows_carry_the_neighborhood_racial_mix():
    counts = np.array([[[30.0, 10.0], [10.0, 50.0]]])  # one neighborhood: (M=2, K=2)
    flows = np.array([[[20.0, 20.0], [30.0, 30.0]]])  # (N=1, K=2, S=2)
    comp = school_compositions(counts, flows)
    # Poor students are 3/4 Black: 20 poor to each school = 15 Black + 5 White.
    assert comp[0, :, 0] == pytest.approx([15.0, 5.0])
    assert comp[1, :, 1] == pytest.approx([30 * 10 / 60, 30 * 50 / 60])


def test_stylized_cities():
    # Both cities: 100 Black students (50 poor), 100 White (30 poor) -> district poverty 0.4;
    # policy d = 0.1: each school's poverty rate in [0.3, 0.5]; one school beside each
    # neighborhood, 100 seats each.
    # City 1: the poor of both races live together in the west (50 Black and 30 White poor,
    # with 20 Black nonpoor), away from the other nonpoor in the east (30 Black, 70 White).
    city1 = tiny_district([[[50, 20], [30, 0]], [[0, 30], [0, 70]]], [100, 100])
    # City 2: each race lives apart, with its own poor and nonpoor.
    city2 = tiny_district([[[50, 50], [0, 0]], [[0, 0], [30, 70]]], [100, 100])
    r1 = assign_district(city1, Policy(0.1), possible=False)
    r2 = assign_district(city2, Policy(0.1), possible=False)
    # City 1, nearest school: west 70 Black / 100, east 30 / 100 -> V = 2*100*0.2^2/50 = 0.16.
    assert r1.nearest_indices["V"] == pytest.approx(0.16)
    # Balanced: the west school (80% poor) must fall to 50% poor: 30 poor (mix 50:30 Black:White)
    # swap with 30 nonpoor from the east (mix 30:70). West keeps 50 poor (31.25 Black) and 20
    # Black nonpoor, gains 9 Black nonpoor: 60.25 Black; V = 2*100*0.1025^2/50 = 0.042025.
    assert r1.assigned_indices["V"] == pytest.approx(0.042025)
    # City 2: the Black school is at 50% poor, inside the band: nothing moves, V stays 1.
    assert r2.nearest_indices["V"] == pytest.approx(1.0)
    assert r2.assigned_indices["V"] == pytest.approx(1.0)


def test_bad_inputs_are_named(tmp_path):
    good = tiny_district([[[10, 0], [0, 0]], [[0, 0], [0, 10]]], [10, 10])
    hoods, schools = good.neighborhoods.copy(), good.schools.copy()
    with pytest.raises(InputError, match="'black_nonpoor' not found"):
        District(hoods.drop(columns="black_nonpoor"), schools, ("black", "white"))
    bad = hoods.copy()
    bad.loc[1, "white_poor"] = -3
    with pytest.raises(InputError, match="column 'white_poor', tract 06067000102: -3"):
        District(bad, schools, ("black", "white"))
    with pytest.raises(InputError, match="short of enrolment 20 by 5"):
        District(hoods, schools.assign(capacity=[10, 5]), ("black", "white"))
    with pytest.raises(InputError, match="no coordinate reference system"):
        District(hoods.set_crs(None, allow_override=True), schools, ("black", "white"))
    mixed = schools.copy()
    mixed.loc[1, "geometry"] = box(0, 0, 10, 10)
    with pytest.raises(InputError, match="mixes points and polygons"):
        District(hoods, mixed, ("black", "white"))
    bowtie = hoods.copy()
    bowtie.loc[0, "geometry"] = Polygon([(0, 0), (1000, 1000), (1000, 0), (0, 1000)])
    repaired = District(bowtie, schools, ("black", "white"))
    assert "repaired 1 invalid" in repaired.notes[0]


def test_geographic_crs_is_projected_and_reported(tmp_path):
    d = tiny_district([[[10, 0], [0, 0]], [[0, 0], [0, 10]]], [10, 10])
    geo = District(d.neighborhoods.to_crs("EPSG:4326"), d.schools.to_crs("EPSG:4326"), d.groups)
    result = assign_district(geo, Policy(0.0), possible=False)
    assert result.distances.projected_from.startswith("EPSG:4326")
    assert "326" in result.distances.crs  # a UTM zone
    # Distances survive the round trip to within metres.
    assert result.distances.km[0, 1] == pytest.approx(9.0, abs=0.05)


def test_sacramento_sample_runs():
    d = read_district(ROOT / "sample_districts" / "sacramento_county_2000.gpkg")
    assert d.groups == ("black", "white", "hispanic", "asian", "other")
    result = assign_district(d, Policy(0.1))
    supply = d.counts().sum(axis=1)
    rules = Policy(0.1).rules(d.population())
    check_assignment(
        result.assigned.flows, supply, d.capacity, [(r.categories, r.lower, r.upper) for r in rules]
    )
    assert 0 <= result.assigned_indices["V"] <= result.possible["v_max"] + 1e-9


def test_travel_cap_names_what_cannot_be_served():
    d = tiny_district([[[100, 0], [0, 0]], [[0, 0], [0, 100]]], [100, 100])
    # 9 km separates the neighborhoods: a 5 km cap keeps everyone home, which meets no band...
    with pytest.raises(
        InfeasibleError, match=r"school s\d misses its income band by 50.0 students"
    ):
        assign_district(d, Policy(0.0), travel_cap_km=5, possible=False)
    # (with d = 0.49 the band is [0.01, 0.99]: the all-poor school still misses it by 1.)
    with pytest.raises(InfeasibleError, match=r"misses its income band by 1.0 students"):
        assign_district(d, Policy(0.49), travel_cap_km=5, possible=False)
    # Mixed neighborhoods (60% and 40% poor; district 50%) meet a 0.1 band at home.
    mixed = tiny_district([[[60, 40], [0, 0]], [[0, 0], [40, 60]]], [100, 100])
    relaxed = assign_district(mixed, Policy(0.1), travel_cap_km=5, possible=False)
    assert relaxed.assigned.objective_km == pytest.approx(0.0)
    far = tiny_district(
        [[[10, 0], [0, 0]], [[0, 0], [0, 10]]], [10, 10], school_x=(0.5, 1.5)
    )  # both schools in the west
    with pytest.raises(InfeasibleError, match="tract 06067000102 .*no school within reach"):
        assign_district(far, Policy(0.2), travel_cap_km=3, possible=False)
    with pytest.raises(InputError, match="travel cap must be a positive"):
        assign_district(far, Policy(0.2), travel_cap_km=-1, possible=False)


def test_extra_distance_cap_keeps_students_near_their_nearest_school():
    supply, cap, km, bands = random_instance(3, tight=False)
    allowed = km <= km.min(axis=1, keepdims=True) + 4.0
    solution = transport_assignment(supply, cap, km, bands, allowed=allowed)
    used = solution.flows.sum(axis=1) > 1e-9
    assert np.all(km[used] <= km.min(axis=1, keepdims=True).repeat(km.shape[1], 1)[used] + 4.0)
    free = transport_assignment(supply, cap, km, bands)
    assert solution.objective_km >= free.objective_km - 1e-6


def test_whole_neighborhoods_milp():
    supply, cap, km, bands = random_instance(5, n=15, s=4, tight=False)
    wide = [(m, lo - 0.1, hi + 0.1) for m, lo, hi in bands]
    integer = transport_assignment(supply, cap * 1.3, km, wide, whole_neighborhoods=True)
    fractional = transport_assignment(supply, cap * 1.3, km, wide)
    assert integer.formulation == "whole neighborhoods (MILP)"
    assert integer.gap <= 1e-4
    # Each neighborhood goes to exactly one school, and the MILP costs at least the LP.
    per_school = integer.flows.sum(axis=1) > 1e-9
    assert np.all(per_school.sum(axis=1) <= 1)
    assert integer.objective_km >= fractional.objective_km - 1e-6
    check_assignment(integer.flows, supply, cap * 1.3, wide)


def test_synthetic_city_knobs():
    from assignopt.spatial.synth import realized_segregation, synthetic_city

    even = realized_segregation(synthetic_city(6, 0.0, 0.0, seed=1))
    assert even["residential_v"] == pytest.approx(0.0, abs=1e-12)
    assert even["income_segregation_v"] == pytest.approx(0.0, abs=1e-12)
    # Fully sorted: every neighborhood single-race (the district's 40% fill whole squares of
    # 200 students exactly), so V = 1; within-race poverty fully sorted likewise.
    apart = realized_segregation(synthetic_city(5, 1.0, 1.0, seed=1))
    assert apart["residential_v"] == pytest.approx(1.0)
    # Blending the even and sorted patterns with weight r gives V = r^2 (variance of a blend).
    half = realized_segregation(synthetic_city(5, 0.5, 0.0, seed=1))
    assert half["residential_v"] == pytest.approx(0.25)
    city = synthetic_city(5, 0.3, 0.7, seed=2)
    counts = city.counts()
    assert counts.sum() == pytest.approx(25 * 200)
    # Group poverty rates are kept whatever the knobs.
    assert counts[:, 0, 0].sum() / counts[:, 0, :].sum() == pytest.approx(0.4)
    assert counts[:, 1, 0].sum() / counts[:, 1, :].sum() == pytest.approx(0.15)
    with pytest.raises(InputError, match="racial_segregation must lie in"):
        synthetic_city(5, 1.5, 0.0)


def test_road_network_distances_follow_the_graph():
    import networkx as nx

    from assignopt.spatial.distance import district_distances

    d = tiny_district([[[10, 0], [0, 0]], [[0, 0], [0, 10]]], [10, 10])
    # A road from west (500, 500) to east (9500, 500) that detours 4 km north and back:
    # 9 km apart in a straight line, 4 + 9 + 4 = 17 km by road.
    graph = nx.Graph()
    graph.add_node("w", x=500, y=500)
    graph.add_node("wn", x=500, y=4500)
    graph.add_node("en", x=9500, y=4500)
    graph.add_node("e", x=9500, y=500)
    graph.add_edge("w", "wn", length=4000)
    graph.add_edge("wn", "en", length=9000)
    graph.add_edge("en", "e", length=4000)
    distances = district_distances(d, graph=graph)
    assert distances.km == pytest.approx(np.array([[0.0, 17.0], [17.0, 0.0]]))
    graph.remove_edge("wn", "en")
    with pytest.raises(InputError, match="cannot be reached"):
        district_distances(d, graph=graph)


@pytest.mark.parametrize("kind", [nx.Graph, nx.DiGraph, nx.MultiGraph])
def test_road_distances_equal_networkx_shortest_paths(kind):
    """Against networkx's own Dijkstra on random graphs (one-way streets travelled from the
    neighborhood to the school; parallel edges by their shortest)."""
    from assignopt.spatial.distance import network_km

    rng = np.random.default_rng(4)
    graph = kind()
    xy = rng.uniform(0, 5000, (60, 2))
    for i, (x, y) in enumerate(xy):
        graph.add_node(i, x=x, y=y)
    for _ in range(400):
        u, v = (int(a) for a in rng.integers(0, 60, 2))
        if u != v:
            graph.add_edge(u, v, length=float(np.hypot(*(xy[u] - xy[v])) * rng.uniform(1, 1.5)))
    hoods, schools = xy[:10] + 1.0, xy[50:]  # snap to nodes 0-9 and 50-59
    km = network_km(graph, hoods, schools)
    for i in range(10):
        lengths = nx.single_source_dijkstra_path_length(graph, i, weight="length")
        assert km[i] == pytest.approx([lengths[j] / 1000 for j in range(50, 60)], rel=1e-12)


@pytest.mark.filterwarnings("ignore:Column names longer than 10")  # the truncation tested
@pytest.mark.filterwarnings("ignore:Normalized/laundered field name")
@pytest.mark.parametrize("suffix", [".geojson", ".shp", ".parquet"])
def test_two_file_formats_round_trip(tmp_path, suffix):
    d = tiny_district([[[10, 5], [0, 3]], [[1, 0], [4, 10]]], [20, 20])
    hoods, schools = tmp_path / f"hoods{suffix}", tmp_path / f"schools{suffix}"
    write_district(d, hoods, schools)
    if suffix == ".shp":  # names cut to 10 characters: refused without groups, mapped with
        with pytest.raises(InputError, match="cut column names to 10 characters"):
            read_district(hoods, schools)
        back = read_district(hoods, schools, groups=["black", "white"])
    else:
        back = read_district(hoods, schools)
    assert back.counts() == pytest.approx(d.counts())
    assert back.capacity == pytest.approx(d.capacity)
    with pytest.raises(InputError, match="only a GeoPackage holds both layers"):
        write_district(d, tmp_path / "both.geojson")


@pytest.mark.parametrize("seed", range(3))
def test_pricing_path_equals_the_dense_lp(seed):
    supply, cap, km, bands = random_instance(seed, n=120, s=12, tight=False)
    dense = transport_assignment(supply, cap, km, bands, method="dense")
    priced = transport_assignment(supply, cap, km, bands, method="pricing")
    assert "pricing rounds" in priced.formulation
    assert priced.objective_km == pytest.approx(dense.objective_km, rel=1e-9)
    check_assignment(priced.flows, supply, cap, bands)
    # Same with a travel cap: pricing never adds a forbidden arc.
    allowed = km <= np.quantile(km, 0.6)
    allowed[np.arange(len(km)), km.argmin(axis=1)] = True
    capped = transport_assignment(supply, cap, km, bands, allowed=allowed, method="dense")
    priced = transport_assignment(supply, cap, km, bands, allowed=allowed, method="pricing")
    assert priced.objective_km == pytest.approx(capped.objective_km, rel=1e-9)
    assert np.all(priced.flows.sum(axis=1)[~allowed] == 0)
    # Only each neighborhood's nearest school: nobody may move, and some school's poverty rate
    # then lies outside the +-0.05 band (checked below); both paths refuse by name.
    nearest = np.zeros_like(allowed)
    nearest[np.arange(len(km)), km.argmin(axis=1)] = True
    home = np.zeros((len(km), 2, km.shape[1]))
    home[np.arange(len(km)), :, km.argmin(axis=1)] = supply
    enrol = home.sum(axis=(0, 1))
    share = home[:, 0, :].sum(axis=0)[enrol > 0] / enrol[enrol > 0]
    ((_, low, high),) = bands
    assert np.any((share < low) | (share > high))
    for method in ("dense", "pricing"):
        with pytest.raises(InfeasibleError, match="infeasible"):
            transport_assignment(supply, cap, km, bands, allowed=nearest, method=method)


@pytest.mark.parametrize("seed", range(2))
def test_pricing_path_with_fixed_seats_equals_the_dense_lp(seed):
    supply, cap, km, bands = random_instance(seed, n=120, s=12)
    supply = supply + 0.5  # fractional students: not a network, so HiGHS pricing
    cap = cap + (supply.sum() - cap.sum()) / cap.size
    dense = transport_assignment(supply, cap, km, bands, fixed_enrolment=True, method="dense")
    priced = transport_assignment(supply, cap, km, bands, fixed_enrolment=True, method="pricing")
    assert priced.formulation.startswith("fixed seats")
    assert priced.objective_km == pytest.approx(dense.objective_km, rel=1e-9)
    assert np.allclose(priced.flows.sum(axis=(0, 1)), cap)
    # A travel cap that starves a school of students is named, as by the dense LP.
    allowed = np.ones_like(km, dtype=bool)
    allowed[:, 0] = False
    allowed[km[:, 0].argsort()[:3], 0] = True
    with pytest.raises(InfeasibleError, match="school 0"):
        transport_assignment(
            supply, cap, km, bands, fixed_enrolment=True, allowed=allowed, method="pricing"
        )


def test_result_tables_name_neighborhoods_and_schools():
    """The hand district of the first test at tolerance 0.25: 25 poor students of the west
    tract cross to s1 and 25 nonpoor of the east tract to s0 (the minimum crossing)."""
    d = tiny_district([[[100, 0], [0, 0]], [[0, 0], [0, 100]]], [100, 100])
    result = assign_district(d, Policy(0.25), possible=False)
    hoods = result.neighborhoods
    assert list(hoods["tract"]) == TRACTS[:2]
    assert "black_poor" in hoods and hoods.crs == d.neighborhoods.crs
    assert list(hoods["school"]) == ["s0", "s1"]
    assert hoods["school_share"].to_numpy() == pytest.approx([0.75, 0.75])
    assert list(hoods["schools"]) == ["s0:0.75;s1:0.25", "s1:0.75;s0:0.25"]
    schools = result.schools
    assert list(schools["name"]) == ["s0", "s1"]
    assert schools["enrolment"].to_numpy() == pytest.approx([100, 100])
    flows = result.flows
    assert list(flows.columns) == ["tract", "income_class", "school", "students", "km"]
    crossing = flows[flows["tract"] != flows["school"].map({"s0": TRACTS[0], "s1": TRACTS[1]})]
    assert crossing["students"].to_numpy() == pytest.approx([25, 25])
    assert crossing["km"].to_numpy() == pytest.approx([9.0, 9.0])
    assert set(result.summary()) >= {"v_assigned", "objective_km", "status", "gap", "mip_gap"}


def test_written_files_key_neighborhoods_by_id(tmp_path):
    import pandas as pd

    from assignopt.spatial.output import write_assignment

    hoods = tiny_district([[[100, 0], [0, 0]], [[0, 0], [0, 100]]], [100, 100]).neighborhoods
    hoods["tract"] = ["07", "12"]  # leading zero kept in every output
    schools = tiny_district([[[1, 0], [0, 0]], [[0, 0], [0, 1]]], [100, 100]).schools
    schools["name"] = ["07", "7"]
    d = District(hoods, schools, ("black", "white"))
    paths = write_assignment(assign_district(d, Policy(0.25), possible=False), tmp_path)
    flows = pd.read_csv(paths["flows_csv"], dtype=str)
    assert set(flows["tract"]) == {"07", "12"} and set(flows["school"]) == {"07", "7"}
    layer = gpd.read_file(paths["geopackage"], layer="neighborhoods")
    assert list(layer["tract"]) == ["07", "12"]
    assert list(layer["schools"]) == ["07:0.75;7:0.25", "7:0.75;07:0.25"]
    lines = gpd.read_file(paths["geopackage"], layer="flows")
    assert set(lines["tract"]) == {"07", "12"}
    assert "optimality gap 0.00%" in paths["summary_md"].read_text()


def test_map_colour_scale_does_not_stretch_rounding_noise():
    from assignopt.spatial.output import share_scale

    # Every school at the district's 40% up to 1e-12: the scale still spans +-0.05, so the
    # dots take the middle colour (matplotlib's autoscale spread them over the whole map).
    assert share_scale(np.array([0.4 - 1e-12, 0.4 + 1e-12]), 0.4) == pytest.approx((0.35, 0.45))
    # Real differences widen it symmetrically.
    assert share_scale(np.array([0.2, 0.45]), 0.4) == pytest.approx((0.2, 0.6))


def test_map_draws_each_colour_as_one_path_of_its_neighborhoods_rings():
    import shapely
    from matplotlib.path import Path as MplPath

    from assignopt.spatial.output import paths_by_colour, polygon_paths

    holed = Polygon([(10, 0), (14, 0), (14, 4), (10, 4)], [[(11, 1), (12, 3), (13, 1)]])
    geoms = np.array(
        [box(0, 0, 1, 1), shapely.MultiPolygon([box(2, 0, 3, 1), box(4, 0, 5, 1)]), holed],
        dtype=object,
    )
    red, blue = (1.0, 0.0, 0.0, 1.0), (0.0, 0.0, 1.0, 1.0)
    paths, colours = paths_by_colour(geoms, np.array([red, blue, red]))
    # Two colours, two paths: blue's holds the multipolygon's two squares, red's the first
    # square and the holed polygon (three rings), each ring opened and closed as before.
    assert sorted(map(tuple, colours)) == sorted([red, blue])
    single = polygon_paths(geoms)
    by_colour = {tuple(c): p for c, p in zip(colours, paths)}
    expected_red = np.concatenate([single[0].vertices, single[2].vertices])
    assert np.array_equal(by_colour[red].vertices, expected_red)
    assert np.array_equal(by_colour[blue].vertices, single[1].vertices)
    codes = by_colour[red].codes
    assert list(codes).count(MplPath.MOVETO) == 3 and list(codes).count(MplPath.CLOSEPOLY) == 3
    assert np.array_equal(codes, np.concatenate([single[0].codes, single[2].codes]))
    assert by_colour[red].contains_point((10.5, 0.5)) and by_colour[red].contains_point((0.5, 0.5))
    assert by_colour[blue].contains_point((4.5, 0.5)) and not by_colour[blue].contains_point(
        (3.5, 0.5)
    )


def test_sample_messages_name_tracts_as_written():
    d = read_district(ROOT / "sample_districts" / "sacramento_county_2000.gpkg")
    assert d.id_column == "tract" and d.neighborhood_ids[0] == "06067007100"
    # 0.5 km reaches no school from the first tract (its representative point lies further
    # from every school; 272 other tracts likewise); 274 is its student count in the file.
    with pytest.raises(InfeasibleError, match=r"tract 06067007100 \(274 students\) has no school"):
        assign_district(d, Policy(0.1), travel_cap_km=0.5, possible=False)


def test_straight_line_distances_in_blocks_equal_shapely(monkeypatch):
    """Hand-checked 3-4-5 triangles, then random points against shapely's own distance,
    with blocks of three rows so that the block loop and its last short block are used."""
    import shapely

    from assignopt.spatial import distance

    km = distance.euclidean_km(np.array([[0.0, 0.0], [3000.0, 4000.0]]), np.array([[0.0, 0.0]]))
    assert km.tolist() == [[0.0], [5.0]]
    monkeypatch.setattr(distance, "_BLOCK", 3 * 4)
    rng = np.random.default_rng(7)
    origins, schools = rng.uniform(0, 9e4, (11, 2)), rng.uniform(0, 9e4, (4, 2))
    expected = shapely.distance(shapely.points(origins)[:, None], shapely.points(schools)[None])
    assert distance.euclidean_km(origins, schools) == pytest.approx(expected / 1000, rel=1e-12)
    assert distance.euclidean_km(origins[:0], schools).shape == (0, 4)


def test_map_without_flow_lines_is_drawn(tmp_path):
    """max_lines=0 leaves the flows out of the legend and the picture (it once failed in the
    legend, which took the width of a line collection with none)."""
    from assignopt.spatial.output import plot_assignment

    d = tiny_district([[[100, 0], [0, 0]], [[0, 0], [0, 100]]], [100, 100])
    result = assign_district(d, Policy(0.25), possible=False)
    for lines in (0, 1):
        path = plot_assignment(result, tmp_path / f"map{lines}.png", max_lines=lines)
        assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
