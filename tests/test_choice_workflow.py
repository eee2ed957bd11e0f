"""Controlled-choice workflow: contract, files, the band in every draw, preferences, scenarios."""

from __future__ import annotations

import math
import re

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import Point, box

from assignopt.choice import run_draw
from assignopt.errors import InputError
from assignopt.scenario import load_scenario
from assignopt.spatial.district import District, write_district
from assignopt.workflows.base import execute
from assignopt.workflows.choice import band_sizes, run, simulate
from assignopt.workflows.preferences import logit_preferences, read_preferences
from assignopt.workflows.requests import ChoiceOptions, ChoiceRequest, RequestError
from assignopt.workflows.scenario import run_scenario

CRS = "EPSG:3310"  # metres
COLUMNS = [f"{g}_{c}" for g in ("black", "white") for c in ("poor", "nonpoor")]
CONTRACT = [
    "v_mean",
    "v_p05",
    "v_p95",
    "d_mean",
    "h_mean",
    "first_choice_share",
    "top3_share",
    "unassigned",
    "unfilled_reserve_seats",
    "draws",
    "seed",
    "seconds",
]


def make_district(counts, capacity, hood_x, school_x, names=("07", "12")):
    """1 km square neighborhoods at ``hood_x`` km (tracts 06067000101, ...), schools at
    ``school_x`` km named ``names``; counts per neighborhood in COLUMNS order."""
    hoods = gpd.GeoDataFrame(
        {
            "tract": [f"060670001{k:02d}" for k in range(1, len(counts) + 1)],
            **{col: [row[k] for row in counts] for k, col in enumerate(COLUMNS)},
        },
        geometry=[box(x * 1000, 0, x * 1000 + 1000, 1000) for x in hood_x],
        crs=CRS,
    )
    schools = gpd.GeoDataFrame(
        {"name": list(names), "capacity": capacity},
        geometry=[Point(x * 1000, 500) for x in school_x],
        crs=CRS,
    )
    return District(hoods, schools, ("black", "white"))


def two_sides():
    """West: 60 Black (30 poor), 20 White (5 poor); east: 20 Black (10 poor), 60 White (20
    poor). Schools 07 (west) and 12 (east) of 80 seats each: seats equal the catchments."""
    return make_district([[30, 30, 5, 15], [10, 10, 20, 40]], [80, 80], [0, 9], [0.5, 9.5])


def segregated():
    """Poor Black families west, nonpoor White families east; 300 students, 110 poor."""
    counts = [[40, 20, 10, 10], [30, 20, 5, 15], [5, 10, 10, 55], [5, 5, 5, 55]]
    return make_district(counts, [160, 160], [0, 1, 8, 9], [0.5, 8.5])


@pytest.fixture
def segregated_gpkg(tmp_path):
    return write_district(segregated(), tmp_path / "district.gpkg")


def test_hand_example_without_noise_sends_everyone_to_the_nearest_school():
    # Distance only, no taste shock, no income rule, seats = each school's catchment: every
    # student ranks her own side's school first and gets it. School 07: 60 Black, 20 White;
    # school 12: 20 Black, 60 White. By hand: exposure of Black to Black students
    # (60/80)(60/80) + (20/80)(20/80) = 0.625, P = 0.5, V = (0.625 - 0.5) / 0.5 = 0.25;
    # D = (|60/80 - 20/80| + |20/80 - 60/80|) / 2 = 0.5; H = 1 - E_school / E_district with
    # E_school = -(0.75 ln 0.75 + 0.25 ln 0.25), E_district = ln 2.
    options = ChoiceOptions(draws=3, noise_scale=0.0, reserve="none", workers=1)
    result = simulate(two_sides(), options, 0.1)
    s = result.to_dict()
    entropy = -(0.75 * math.log(0.75) + 0.25 * math.log(0.25))
    assert s["v_mean"] == pytest.approx(0.25) and s["v_p05"] == pytest.approx(0.25)
    assert s["d_mean"] == pytest.approx(0.5)
    assert s["h_mean"] == pytest.approx(1 - entropy / math.log(2))
    assert s["first_choice_share"] == 1.0 and s["unassigned"] == 0
    # The nearest-school assignment (a second method, the transport LP) agrees.
    assert s["v_nearest"] == pytest.approx(0.25)
    assert s["mean_km"] == pytest.approx(0.0)  # representative points: the school sits inside


def test_contract_keys_and_files(segregated_gpkg, tmp_path):
    request = ChoiceRequest(district=segregated_gpkg, tolerance=0.05, draws=6, seed=3, workers=1)
    result = execute(request, tmp_path / "out")
    out = result.to_dict()
    assert list(out)[: len(CONTRACT)] == CONTRACT
    assert out["draws"] == 6 and out["seed"] == 3 and out["seconds"] > 0
    assert {"draws", "draw_schools", "choice_summary", "comparison", "figure", "report"} <= set(
        out["files"]
    )
    draws = pd.read_csv(tmp_path / "out" / "draws.csv")
    assert list(draws.columns[:5]) == ["draw", "V", "D", "H", "unassigned"]
    assert list(draws["draw"]) == list(range(6))
    assert draws["V"].mean() == pytest.approx(out["v_mean"])
    assert draws["unassigned"].mean() == pytest.approx(out["unassigned"])
    schools = pd.read_csv(tmp_path / "out" / "draw_schools.csv", dtype={"school": str})
    assert list(schools.columns) == ["draw", "school", *COLUMNS]
    assert list(schools["school"][:2]) == ["07", "12"]  # names as written, not 7 and 12
    # Every student is at a school or counted unassigned, in every draw.
    per_draw = schools.groupby("draw")[COLUMNS].sum().sum(axis=1)
    np.testing.assert_array_equal(per_draw.to_numpy() + draws["unassigned"].to_numpy(), 300)
    summary = pd.read_csv(tmp_path / "out" / "choice_summary.csv", dtype={"school": str})
    assert list(summary["school"]) == ["07", "12"]
    comparison = pd.read_csv(tmp_path / "out" / "choice_comparison.csv")
    assert len(comparison) == 3 and {"V", "D", "H", "mean km"} <= set(comparison.columns)
    page = (tmp_path / "out" / "report.html").read_text()
    assert "nearest school with room" in page and "Hastings, Kane and Staiger" in page


def test_each_draw_is_reproducible_from_its_seed(segregated_gpkg):
    # Draw i runs on the i-th child of SeedSequence(seed): the core reproduces any row alone.
    result = run(
        ChoiceRequest(district=segregated_gpkg, tolerance=0.05, draws=4, seed=9, workers=1)
    )
    table = result.draws_table()
    child = np.random.SeedSequence(9).spawn(4)[2]
    again = run_draw(result.problem, child)
    assert table.loc[2, "V"] == again.v and table.loc[2, "unassigned"] == again.unassigned


def poverty_shares(draw_schools: pd.DataFrame) -> np.ndarray:
    poor = draw_schools[["black_poor", "white_poor"]].sum(axis=1)
    total = draw_schools[COLUMNS].sum(axis=1)
    return (poor / total).to_numpy()


@pytest.mark.parametrize("seed", [0, 1])
def test_band_holds_every_school_inside_in_every_draw(segregated_gpkg, tmp_path, seed):
    # The district's poverty rate, read from the file on its own: 110 poor of 300 students.
    hoods = gpd.read_file(segregated_gpkg, layer="neighborhoods")
    pi = (hoods["black_poor"].sum() + hoods["white_poor"].sum()) / hoods[COLUMNS].sum().sum()
    assert pi == pytest.approx(110 / 300)
    d = 0.05
    for reserve in ("band", "none"):
        request = ChoiceRequest(
            district=segregated_gpkg, tolerance=d, draws=15, seed=seed, reserve=reserve, workers=1
        )
        execute(request, tmp_path / reserve)
        rows = pd.read_csv(tmp_path / reserve / "draw_schools.csv", dtype={"school": str})
        rows = rows[rows[COLUMNS].sum(axis=1) > 0]  # an emptied school is inside by convention
        share = poverty_shares(rows)
        inside = (share >= pi - d - 1e-9) & (share <= pi + d + 1e-9)
        if reserve == "band":
            assert inside.all(), rows[~inside]
        else:
            # Without quotas the poor west keeps its school poorer than the band allows: the
            # check above can fail.
            assert not inside.all()


def test_parallel_draws_equal_serial_draws(segregated_gpkg):
    base = dict(district=segregated_gpkg, tolerance=0.05, draws=6, seed=4)
    serial = run(ChoiceRequest(**base, workers=1))
    parallel = run(ChoiceRequest(**base, workers=2))
    pd.testing.assert_frame_equal(serial.draws_table(), parallel.draws_table())
    pd.testing.assert_frame_equal(serial.school_draws_table(), parallel.school_draws_table())


def test_dask_cluster_gives_the_serial_draws(segregated_gpkg):
    distributed = pytest.importorskip("distributed")
    base = dict(district=segregated_gpkg, tolerance=0.05, draws=4, seed=5)
    serial = run(ChoiceRequest(**base, workers=1))
    with distributed.LocalCluster(
        n_workers=1, threads_per_worker=2, processes=False, dashboard_address=None
    ) as cluster:
        remote = run(ChoiceRequest(**base, scheduler=cluster.scheduler_address))
    pd.testing.assert_frame_equal(serial.draws_table(), remote.draws_table())


def test_tolerance_zero_band_is_refused_by_name():
    # pi = 65/160 = 13/32: a school is exactly at pi only with a multiple of 32 students, so
    # 32 is the smallest school inside the band d = 0 (and d = 0 suffices).
    assert band_sizes(np.array([80, 80]), 65 / 160, 0.0) == (32, 0.0)
    # pi = 7/4999 (4999 is prime): no school of at most 2,500 students can be exactly at pi.
    smallest, least = band_sizes(np.array([2500, 2499]), 7 / 4999, 0.0)
    assert smallest == 0 and least > 0
    district = make_district([[7, 2000, 0, 2992]], [2500, 2499], [0], [0.2, 0.8])
    with pytest.raises(RequestError, match="tolerance: 0 with reserve 'band'") as info:
        simulate(district, ChoiceOptions(draws=2, workers=1), 0.0)
    assert info.value.render(lambda f: f"--{f}").startswith("--tolerance: 0 with --reserve")


def test_preferences_file_is_validated_with_key_and_line(tmp_path):
    good = tmp_path / "prefs.toml"
    good.write_text(
        'distance_coefficient = {black = 0.4}\nnoise_scale = 2\n[school_effects]\n"07" = 0.5\n'
    )
    assert read_preferences(good) == {
        "distance_coefficient": {"black": 0.4},
        "noise_scale": 2.0,
        "school_effects": {"07": 0.5},
    }
    bad = tmp_path / "bad.toml"
    bad.write_text("# families\n\ndistance_coefficent = 0.4\n")
    with pytest.raises(InputError, match=r"unknown key 'distance_coefficent' at line 3; did you"):
        read_preferences(bad)
    bad.write_text('noise_scale = 1\n[school_effects]\n"07" = "high"\n')
    with pytest.raises(InputError, match=r"school_effects\.07 at line 3"):
        read_preferences(bad)
    bad.write_text("noise_scale = -1\n")
    with pytest.raises(InputError, match=r"noise_scale at line 1: .*greater than or equal to 0"):
        read_preferences(bad)
    bad.write_text("distance_coefficient = true\n")
    with pytest.raises(
        InputError, match=r"distance_coefficient at line 1 must be a number, a list"
    ):
        read_preferences(bad)
    with pytest.raises(InputError, match="no such file"):
        read_preferences(tmp_path / "missing.toml")


def test_preferences_name_groups_and_schools_as_written():
    groups, schools = ("black", "white"), ("07", "12")
    model, used = logit_preferences(
        {"distance_coefficient": {"white": 0.8}, "school_effects": {"12": 1.0}}, groups, schools
    )
    assert list(model.distance_coefficient) == [0.5, 0.8]  # black keeps the default
    assert used["school_effects"] == {"black": {"12": 1.0}, "white": {"12": 1.0}}
    assert used["defaults"] == [
        "own_group_share_coefficient",
        "school_effects_by_group",
        "noise_scale",
    ]
    with pytest.raises(InputError, match=r"unknown school '7'; did you mean '07'"):
        logit_preferences({"school_effects": {"7": 1.0}}, groups, schools)
    with pytest.raises(InputError, match=r"unknown group 'blak'; did you mean 'black'"):
        logit_preferences({"own_group_share_coefficient": {"blak": 1.0}}, groups, schools)
    with pytest.raises(InputError, match=r"3 numbers for 2 groups \(black, white\)"):
        logit_preferences({"distance_coefficient": [0.1, 0.2, 0.3]}, groups, schools)


def test_a_school_effect_moves_first_choices():
    # No taste shock and a huge effect for school 12: every family ranks 12 first. Its 80
    # seats take 80 of the 160 students, so exactly half get their first choice; the rest go
    # to 07, their second choice (top 3 = everyone).
    options = ChoiceOptions(
        draws=2, noise_scale=0.0, reserve="none", school_effects={"12": 100.0}, workers=1
    )
    s = simulate(two_sides(), options, 0.1).to_dict()
    assert s["first_choice_share"] == 0.5 and s["top3_share"] == 1.0


def test_inline_values_override_the_file(tmp_path):
    prefs = tmp_path / "prefs.toml"
    prefs.write_text('noise_scale = 0.0\n[school_effects]\n"12" = 100.0\n')
    options = ChoiceOptions(draws=2, reserve="none", preferences=prefs, workers=1)
    assert simulate(two_sides(), options, 0.1).to_dict()["first_choice_share"] == 0.5
    # Inline school effects replace the file's: distance decides again.
    options = ChoiceOptions(
        draws=2, reserve="none", preferences=prefs, school_effects={"07": 0.0}, workers=1
    )
    assert simulate(two_sides(), options, 0.1).to_dict()["first_choice_share"] == 1.0


def test_own_group_share_and_polygons_run():
    options = ChoiceOptions(
        draws=3, own_group_share_coefficient={"white": 2.0}, points="polygon", workers=1
    )
    result = simulate(segregated(), options, 0.05)
    s = result.to_dict()
    assert s["preferences"]["own_group_share_coefficient"] == {"black": 0.0, "white": 2.0}
    assert any("nearest-school assignment" in n for n in s["notes"])
    assert any("inside their neighborhood's polygon" in n for n in s["notes"])
    # Students spread over 1 km squares: some travel a positive distance to any school.
    assert s["mean_km"] > 0.1


SCENARIO = """[data]
district = "district.gpkg"

[policy]
tolerances = [0.0, 0.05]

[methods]
spatial = true
lp = false
reassignment = false
closed_forms = false

[choice]
draws = 4
seed = 2
workers = 1
school_effects = {{"07" = 0.2}}
{extra}
"""


def test_scenario_with_a_choice_table(segregated_gpkg, tmp_path):
    model = tmp_path / "model.toml"
    model.write_text(SCENARIO.format(extra=""))
    scenario = load_scenario(model)
    assert scenario.choice.draws == 4 and scenario.choice.school_effects == {"07": 0.2}
    result = run_scenario(scenario, tmp_path / "out")
    headline = pd.read_csv(tmp_path / "out" / "headline.csv")
    cells = list(headline["V under controlled choice (mean [5-95%])"])
    # Tolerance 0: 110 of 300 students poor; a 150-seat school can be exactly at 11/30, so
    # the band is workable and both tolerances run.
    assert all(re.fullmatch(r"\d\.\d{3} \[\d\.\d{3}-\d\.\d{3}\]", c) for c in cells), cells
    page = result["report"].read_text()
    assert "Controlled choice at tolerance ±0.05" in page
    assert "Controlled choice: the model" in page and "school effects" in page.lower()
    draws = pd.read_csv(tmp_path / "out" / "tolerance_0.05" / "choice" / "draws.csv")
    assert len(draws) == 4


def test_scenario_choice_table_errors_name_key_and_line(segregated_gpkg, tmp_path):
    model = tmp_path / "model.toml"
    model.write_text(SCENARIO.format(extra="drawz = 3"))
    with pytest.raises(InputError, match=r"\[choice\]: unknown key 'drawz' at line 18"):
        load_scenario(model)
    model.write_text(SCENARIO.format(extra='distance_coefficient = "high"'))
    with pytest.raises(InputError, match=r"distance_coefficient at line 18: give one number, a"):
        load_scenario(model)
    model.write_text(SCENARIO.format(extra='preferences = "nowhere.toml"'))
    with pytest.raises(InputError, match=r"\[choice\]\.preferences at line 18: file"):
        load_scenario(model)
    (tmp_path / "p.toml").write_text("noise = 1\n")
    model.write_text(SCENARIO.format(extra='preferences = "p.toml"'))
    with pytest.raises(InputError, match=r"p\.toml: unknown key 'noise' at line 1"):
        load_scenario(model)
    no_spatial = SCENARIO.format(extra="").replace("spatial = true", "spatial = false")
    model.write_text(no_spatial.replace("lp = false", "lp = true"))
    with pytest.raises(InputError, match=r"\[choice\] at line 13: .*\[methods\]\.spatial"):
        load_scenario(model)
