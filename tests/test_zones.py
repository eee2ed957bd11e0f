"""Contiguous attendance zones: from the written layers, by enumeration, by a second solver."""

from __future__ import annotations

import itertools
import json

import geopandas as gpd
import networkx as nx
import numpy as np
import pytest
from click.testing import CliRunner
from shapely.geometry import box

from assignopt.cli import main
from assignopt.errors import InfeasibleError, TimeLimitError
from assignopt.spatial.district import write_district
from assignopt.spatial.synth import synthetic_city
from assignopt.workflows.base import execute
from assignopt.workflows.requests import ZonesRequest
from assignopt.zones.ensemble import sample_zonings
from assignopt.zones.model import ZoningProblem, solve_zoning

TOLERANCE = 0.1


@pytest.fixture(scope="module")
def district_file(tmp_path_factory):
    """A 6 x 6 synthetic city of 1 km squares, 4 schools, ids as text with leading zeros."""
    city = synthetic_city(grid=6, n_schools=4, seed=3)
    city.neighborhoods["tract"] = [f"0{i:02d}" for i in range(len(city.neighborhoods))]
    path = tmp_path_factory.mktemp("zones") / "city.gpkg"
    write_district(city, path)
    return path


@pytest.fixture(scope="module")
def written(district_file, tmp_path_factory):
    out = tmp_path_factory.mktemp("zones_out")
    result = execute(ZonesRequest(district=district_file, tolerance=TOLERANCE, ensemble=5), out)
    return result, out


def _touching_graph(frame: gpd.GeoDataFrame) -> nx.Graph:
    """Queen adjacency by shapely (shared boundary point), independent of libpysal."""
    g = nx.Graph()
    g.add_nodes_from(range(len(frame)))
    geoms = list(frame.geometry)
    for i, j in itertools.combinations(range(len(geoms)), 2):
        if geoms[i].intersects(geoms[j]) and not geoms[i].intersection(geoms[j]).is_empty:
            g.add_edge(i, j)
    return g


def test_written_zones_are_contiguous_hold_their_school_and_meet_capacity_and_band(
    written, district_file
):
    result, out = written
    hoods = gpd.read_file(out / "zones.gpkg", layer="neighborhoods")
    zones = gpd.read_file(out / "zones.gpkg", layer="zones")
    source = gpd.read_file(district_file, layer="neighborhoods")
    schools = gpd.read_file(district_file, layer="schools")
    # Every input column kept (ids as text), plus the zone.
    assert set(source.columns) <= set(hoods.columns) and "zone" in hoods.columns
    assert hoods["tract"].tolist() == source["tract"].tolist()
    assert set(hoods["zone"]) <= set(schools["name"])
    assert sorted(zones["school"]) == sorted(schools["name"])
    graph = _touching_graph(hoods)
    counts = hoods[["black_poor", "black_nonpoor", "white_poor", "white_nonpoor"]].to_numpy()
    size = counts.sum(axis=1)
    poor = counts[:, 0] + counts[:, 2]
    # The band from the district's own poverty rate, by hand: every zone within +-d of it.
    rate = poor.sum() / size.sum()
    for _, school in schools.iterrows():
        members = np.flatnonzero(hoods["zone"].to_numpy() == school["name"])
        assert members.size > 0
        assert nx.is_connected(graph.subgraph(members.tolist())), school["name"]
        own = np.flatnonzero(hoods.geometry.contains(school.geometry).to_numpy())
        assert own.size == 1 and own[0] in members
        assert size[members].sum() <= school["capacity"] + 1e-6
        share = poor[members].sum() / size[members].sum()
        assert rate - TOLERANCE - 1e-9 <= share <= rate + TOLERANCE + 1e-9
    # The dissolved polygon of every zone is the union of its neighborhoods.
    for _, z in zones.iterrows():
        union = hoods.loc[hoods["zone"] == z["school"]].union_all()
        assert abs(union.area - z.geometry.area) < 1e-3 * union.area


def test_objective_recomputed_from_the_layers_and_never_below_the_lp(written):
    result, out = written
    s = json.loads((out / "summary.json").read_text())
    hoods = gpd.read_file(out / "zones.gpkg", layer="neighborhoods")
    schools = result.district.schools.set_index("name")
    points = hoods.geometry.representative_point()
    size = hoods[["black_poor", "black_nonpoor", "white_poor", "white_nonpoor"]].sum(axis=1)
    # Straight-line km from each neighborhood's representative point (EPSG:3310, metres).
    km = [points.iloc[i].distance(schools.geometry[z]) / 1000 for i, z in enumerate(hoods["zone"])]
    assert s["objective_km"] == pytest.approx(float((size * np.array(km)).sum()), rel=1e-9)
    assert s["objective_km"] >= s["lp_bound_km"] * (1 - 1e-9)
    assert s["status"] == "optimal" and 0 <= s["gap"] <= 1e-4
    for key in ("v_zoned", "v_nearest", "v_residential", "moved_share", "seconds"):
        assert isinstance(s[key], float)


def _grid_problem(
    side, supply, schools, roots, band, capacity, km_seed=0, today=None, max_moved=None
):
    """A side x side grid of cells (rook adjacency), schools at given cells."""
    cells = [(i, j) for i in range(side) for j in range(side)]
    edges = [
        (a, b)
        for a, b in itertools.combinations(range(len(cells)), 2)
        if abs(cells[a][0] - cells[b][0]) + abs(cells[a][1] - cells[b][1]) == 1
    ]
    xy = np.array(cells, float)
    km = np.linalg.norm(xy[:, None, :] - xy[None, np.array(roots), :], axis=2) + 0.5
    return ZoningProblem(
        supply, capacity, km, [band], roots, np.array(edges), today=today, max_moved=max_moved
    )


def _enumerate(problem: ZoningProblem) -> float:
    """The least student-km over every zoning that is contiguous and feasible, by brute force."""
    n, s = problem.km.shape
    size = problem.size
    g = nx.Graph(problem.edges.tolist())
    g.add_nodes_from(range(n))
    mask, lo, hi = problem.bands[0]
    banded = problem.supply[:, mask].sum(axis=1)
    best = np.inf
    for zone in itertools.product(range(s), repeat=n):
        zone = np.array(zone)
        if (zone[problem.roots] != np.arange(s)).any():
            continue
        enrol = np.bincount(zone, weights=size, minlength=s)
        if (enrol > problem.capacity + 1e-9).any():
            continue
        share = np.bincount(zone, weights=banded, minlength=s)
        if (share < lo * enrol - 1e-9).any() or (share > hi * enrol + 1e-9).any():
            continue
        if problem.max_moved is not None and size[zone != problem.today].sum() > (
            problem.max_moved * size.sum() + 1e-9
        ):
            continue
        if not all(
            nx.is_connected(g.subgraph(np.flatnonzero(zone == j).tolist())) for j in range(s)
        ):
            continue
        best = min(best, float((problem.km[np.arange(n), zone] * size).sum()))
    return best


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_small_zoning_equals_enumeration(seed):
    rng = np.random.default_rng(seed)
    supply = rng.integers(5, 40, size=(9, 2)).astype(float)
    rate = supply[:, 0].sum() / supply.sum()
    problem = _grid_problem(
        3,
        supply,
        3,
        np.array([0, 4, 8]),
        (np.array([True, False]), rate - 0.12, rate + 0.12),
        np.full(3, supply.sum() * 0.45),
    )
    expected = _enumerate(problem)
    solution = solve_zoning(problem, gap=1e-9)
    assert solution.objective_km == pytest.approx(expected, rel=1e-9)
    assert solution.status == "optimal"


def test_contiguity_binds_and_moved_cap_holds_by_enumeration():
    # A ring of cheap cells around a central school: without contiguity the far corner would
    # join school 0 across a cell of school 1; enumeration gives the contiguous optimum.
    supply = np.array(
        [[10, 10], [1, 30], [10, 10], [1, 30], [30, 1], [1, 30], [10, 10], [1, 30], [10, 10]], float
    )
    rate = supply[:, 0].sum() / supply.sum()
    today = np.array([0, 0, 0, 1, 1, 1, 2, 2, 2])
    for max_moved in (None, 0.1, 0.3):
        problem = _grid_problem(
            3,
            supply,
            3,
            np.array([0, 4, 8]),
            (np.array([True, False]), rate - 0.2, rate + 0.2),
            np.full(3, supply.sum() * 0.6),
            today=today,
            max_moved=max_moved,
        )
        expected = _enumerate(problem)
        solution = solve_zoning(problem, gap=1e-9)
        assert solution.objective_km == pytest.approx(expected, rel=1e-9)
        if max_moved is not None:
            moved = problem.size[solution.zone != today].sum() / problem.size.sum()
            assert moved <= max_moved + 1e-12


def test_ortools_agrees_with_highs():
    rng = np.random.default_rng(7)
    supply = rng.integers(5, 40, size=(16, 2)).astype(float)
    rate = supply[:, 0].sum() / supply.sum()
    problem = _grid_problem(
        4,
        supply,
        3,
        np.array([0, 6, 15]),
        (np.array([True, False]), rate - 0.1, rate + 0.1),
        np.full(3, supply.sum() * 0.45),
    )
    highs = solve_zoning(problem, gap=1e-9)
    scip = solve_zoning(problem, gap=1e-9, solver="ortools")
    assert scip.objective_km == pytest.approx(highs.objective_km, rel=1e-7)


def test_infeasible_band_names_the_zone_and_the_students():
    # Three cells in a row, schools at the ends. Poor: 10 in the first cell only, so the
    # district's rate is 10/30 = 1/3 and the band [1/3 - 0.05, 1/3 + 0.05]. Middle cell to the
    # first school: its zone has 10 poor of 20 (2.33 over the upper side, 10 - 0.3833 * 20),
    # the other 0 of 10 (2.83 under the lower side, 0.2833 * 10): 5.17 in all; to the second:
    # 6.17 + 5.67. The least total is 5.17, the worst zone the second school's by 2.8 students.
    supply = np.array([[10, 0], [0, 10], [0, 10]], float)
    problem = ZoningProblem(
        supply,
        np.array([100.0, 100.0]),
        np.array([[0.5, 2.5], [1.5, 1.5], [2.5, 0.5]]),
        [(np.array([True, False]), 1 / 3 - 0.05, 1 / 3 + 0.05)],
        np.array([0, 2]),
        np.array([[0, 1], [1, 2]]),
    )
    with pytest.raises(InfeasibleError) as info:
        solve_zoning(problem)
    message = str(info.value)
    assert "school 1" in message and "lower side" in message
    assert "by 2.8 students" in message and "5.2 over all zones" in message


def test_time_limit_is_not_called_infeasible():
    rng = np.random.default_rng(0)
    supply = rng.integers(5, 40, size=(9, 2)).astype(float)
    problem = _grid_problem(
        3,
        supply,
        3,
        np.array([0, 4, 8]),
        (np.array([True, False]), 0.0, 1.0),
        np.full(3, supply.sum()),
    )
    with pytest.raises(TimeLimitError, match="time_limit"):
        solve_zoning(problem, time_limit=1e-3)


def test_ensemble_is_seeded_contiguous_feasible_and_near_the_optimum():
    city = synthetic_city(grid=6, n_schools=4, seed=3)
    from assignopt.workflows.zones import run

    result = run(
        ZonesRequest(synthetic={"grid": 6, "schools": 4, "seed": 3}, tolerance=0.15, possible=False)
    )
    problem, best = result.problem, result.zoning
    first = sample_zonings(problem, best.zone, 5, seed=11, slack=0.05)
    again = sample_zonings(problem, best.zone, 5, seed=11, slack=0.05)
    assert len(first) == 5 and all((a == b).all() for a, b in zip(first, again))
    g = _touching_graph(city.neighborhoods)
    size = problem.size
    mask, lo, hi = problem.bands[0]
    for zone in first:
        enrol = np.bincount(zone, weights=size, minlength=4)
        poor = np.bincount(zone, weights=problem.supply[:, mask].sum(axis=1), minlength=4)
        assert (enrol <= problem.capacity + 1e-6).all()
        assert (poor >= lo * enrol - 1e-6).all() and (poor <= hi * enrol + 1e-6).all()
        assert (zone[problem.roots] == np.arange(4)).all()
        for j in range(4):
            assert nx.is_connected(g.subgraph(np.flatnonzero(zone == j).tolist()))
        cost = float((problem.km[np.arange(zone.size), zone] * size).sum())
        assert cost <= best.objective_km * 1.05 + 1e-6


def test_cli_json_contract_and_refused_input(district_file, tmp_path):
    runner = CliRunner()
    out = tmp_path / "z"
    done = runner.invoke(
        main, ["zones", str(district_file), "--tolerance", "0.1", "--out", str(out), "--json"]
    )
    assert done.exit_code == 0, done.output
    s = json.loads(done.output)
    for key in (
        "status",
        "gap",
        "objective_km",
        "lp_bound_km",
        "v_zoned",
        "v_nearest",
        "v_residential",
        "moved_share",
        "seconds",
    ):
        assert key in s
    assert (out / "zones.gpkg").exists() and (out / "report.html").exists()
    refused = runner.invoke(
        main,
        ["zones", str(district_file), "--max-moved", "1.5", "--out", str(tmp_path / "r"), "--json"],
    )
    assert refused.exit_code == 2
    assert "--max-moved" in json.loads(refused.output)["error"]


def test_today_zones_from_a_zone_column_and_max_moved_zero(tmp_path):
    # Today's zones: a contiguous feasible zoning (the optimum at a wider band). With
    # max_moved 0 nobody may move, so the zoning is today's.
    city = synthetic_city(grid=6, n_schools=4, seed=5)
    path = tmp_path / "city.gpkg"
    write_district(city, path)
    from assignopt.workflows.zones import run

    wide = run(ZonesRequest(district=path, tolerance=0.3, possible=False))
    names = np.asarray(city.school_names, dtype=object)
    city.neighborhoods["zone"] = names[wide.zoning.zone]
    write_district(city, path)
    fixed = run(ZonesRequest(district=path, tolerance=0.3, max_moved=0.0, possible=False))
    assert (fixed.zoning.zone == wide.zoning.zone).all()
    assert fixed.to_dict()["moved_share"] == 0.0
    assert fixed.to_dict()["zones_today"] == "column 'zone'"


def test_unknown_school_in_zone_column_is_named(tmp_path):
    city = synthetic_city(grid=4, n_schools=4, seed=5)
    city.neighborhoods["zone"] = ["school 1"] * 15 + ["Lincoln"]
    path = tmp_path / "city.gpkg"
    write_district(city, path)
    from assignopt.errors import InputError
    from assignopt.workflows.zones import run

    with pytest.raises(InputError, match="neighborhood 16: 'Lincoln' is not a school name"):
        run(ZonesRequest(district=path, tolerance=0.3, possible=False))


def test_adjacency_matches_shapely_on_an_irregular_layout():
    from assignopt.zones.adjacency import contiguity

    # Four boxes: 0-1 share an edge, 1-2 share a corner only, 3 far away (joined as a piece).
    frame = gpd.GeoDataFrame(
        geometry=[box(0, 0, 1, 1), box(1, 0, 2, 1), box(2, 1, 3, 2), box(10, 10, 11, 11)],
        crs="EPSG:3310",
    )
    queen = contiguity(frame, "queen")
    rook = contiguity(frame, "rook")
    assert {tuple(e) for e in queen.edges.tolist()} == {(0, 1), (1, 2), (2, 3)}
    assert {tuple(e) for e in rook.edges[:1].tolist()} == {(0, 1)}
    # Shared boundary of 0-1: one edge of 1 m = 0.001 km; the corner and the joined gap none.
    assert queen.boundary_km[0] == pytest.approx(0.001)
    assert queen.notes and "pieces" in queen.notes[0]


def test_scenario_zones_table_runs_and_refuses_misplaced_keys(tmp_path):
    from assignopt.errors import InputError
    from assignopt.scenario import load_scenario
    from assignopt.workflows.scenario import run_scenario

    model = tmp_path / "zones.toml"
    model.write_text(
        "[data]\nsynthetic = { grid = 6, schools = 4, seed = 3 }\n[policy]\n"
        "tolerances = [0.15]\n[methods]\nlp = false\n[zones]\nensemble = 2\n"
        "ensemble_slack = 0.05\n"
    )
    scenario = load_scenario(model)
    assert [r.job for r in scenario.requests] == ["assign", "zones"]
    assert scenario.requests[1].ensemble == 2 and scenario.requests[1].tolerance == 0.15
    run_scenario(scenario, tmp_path / "out")
    assert (tmp_path / "out" / "zones_0.15" / "zones.gpkg").exists()
    assert "Attendance zones at tolerance 0.15" in (tmp_path / "out" / "report.html").read_text()
    model.write_text("[data]\nsynthetic = { grid = 6, schools = 4 }\n[zones]\ntolerance = 0.1\n")
    with pytest.raises(InputError, match=r"\[zones\]\.tolerance at line 4: set in \[policy\]"):
        load_scenario(model)


def test_no_zoning_among_the_nearest_schools_widens_to_every_school():
    # With one candidate school per neighborhood (plus the LP's arcs) the band d = 0.04 has no
    # contiguous zoning on this city; among all four schools it has one (found here), so the
    # job must not call it infeasible. The widened optimum equals the one with every school a
    # candidate from the start (nearest = 4).
    from assignopt.workflows.zones import run

    city = {"grid": 6, "schools": 4, "seed": 3}
    narrow = run(ZonesRequest(synthetic=city, tolerance=0.04, nearest=1, possible=False))
    full = run(ZonesRequest(synthetic=city, tolerance=0.04, nearest=4, possible=False))
    assert narrow.zoning.pairs == full.zoning.pairs
    assert narrow.zoning.objective_km == pytest.approx(full.zoning.objective_km, rel=1e-9)


def test_compactness_trades_travel_for_shorter_boundaries():
    # Optimality of both: km_w + W * B_w <= km_0 + W * B_0 and km_0 <= km_w, so the weighted
    # zoning's boundary B_w is never longer and its travel never shorter than the plain one's.
    rng = np.random.default_rng(5)
    supply = rng.integers(5, 40, size=(16, 2)).astype(float)
    rate = supply[:, 0].sum() / supply.sum()
    plain = _grid_problem(
        4,
        supply,
        3,
        np.array([0, 6, 15]),
        (np.array([True, False]), rate - 0.1, rate + 0.1),
        np.full(3, supply.sum() * 0.45),
    )
    weighted = ZoningProblem(
        plain.supply,
        plain.capacity,
        plain.km,
        plain.bands,
        plain.roots,
        plain.edges,
        compactness=50.0,
        boundary_km=np.ones(len(plain.edges)),
    )
    a = solve_zoning(plain, gap=1e-9)
    b = solve_zoning(weighted, gap=1e-9)

    def boundary(zone):
        return int((zone[plain.edges[:, 0]] != zone[plain.edges[:, 1]]).sum())

    assert boundary(b.zone) <= boundary(a.zone)
    assert b.objective_km >= a.objective_km - 1e-9
    assert b.objective == pytest.approx(b.objective_km + 50.0 * boundary(b.zone), rel=1e-9)
