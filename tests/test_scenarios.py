"""Scenario model files: every shipped model runs and writes its outputs; bad files are named."""

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from assignopt.cli import main
from assignopt.errors import InputError
from assignopt.scenario import load_scenario
from assignopt.workflows.scenario import run_scenario

ROOT = Path(__file__).resolve().parent.parent
MODELS = sorted((ROOT / "models").glob("*.toml"))


def test_the_shipped_models_are_there():
    names = {m.stem for m in MODELS}
    assert {
        "sacramento",
        "literature_figures",
        "dichotomous_verification",
        "stylized_city_poor_together",
        "stylized_city_races_apart",
    } <= names


@pytest.mark.slow
@pytest.mark.parametrize("model", MODELS, ids=lambda p: p.stem)
def test_every_model_runs(model, tmp_path):
    scenario = load_scenario(model)
    result = run_scenario(scenario, tmp_path, quick=True)
    page = result["report"].read_text()
    assert "<h1>" in page and "Headline" in page
    headline = pd.read_csv(tmp_path / "headline.csv")
    assert list(headline["tolerance"]) == list(scenario.tolerances)
    assert json.loads((tmp_path / "results.json").read_text())["scenario"] == scenario.name
    for value in headline.select_dtypes("number").drop(columns="tolerance").to_numpy().ravel():
        assert value >= -1e-12  # every index, share and distance is non-negative


@pytest.mark.slow
def test_stylized_cities_make_the_literature_point(tmp_path):
    together = run_scenario(
        load_scenario(ROOT / "models" / "stylized_city_poor_together.toml"), tmp_path / "a"
    )["headline"][0]
    apart = run_scenario(
        load_scenario(ROOT / "models" / "stylized_city_races_apart.toml"), tmp_path / "b"
    )["headline"][0]
    cut = 1 - together["V probable (balanced)"] / together["V nearest school"]
    barely = 1 - apart["V probable (balanced)"] / apart["V nearest school"]
    assert cut > 0.3  # income balance cuts racial segregation sharply...
    assert abs(barely) < 0.1  # ...and barely moves it where each race lives with its own poor


@pytest.mark.slow
def test_sacramento_report_via_cli(tmp_path):
    result = CliRunner().invoke(
        main, ["run", str(ROOT / "models" / "sacramento.toml"), "--out", str(tmp_path), "--json"]
    )
    assert result.exit_code == 0, result.output
    out = json.loads(result.output)
    assert out["report"].endswith("report.html")
    assert (tmp_path / "tolerance_0.10" / "assignment.gpkg").exists()
    rows = out["headline"]
    assert [r["tolerance"] for r in rows] == [0.0, 0.1, 0.2]
    for row in rows:  # probable within possible
        assert row["V possible min"] - 1e-9 <= row["V probable (balanced)"]
        assert row["V probable (balanced)"] <= row["V possible max"] + 1e-9


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('[data]\ndistrict = "x.gpkg"\n', r"district at line 2: file 'x.gpkg' not found"),
        (
            "[policy]\ntolerance = [0.1]\n[data]\npoverty = {white = 0.1, black = 0.3}\n",
            r"unknown key 'tolerance' at line 2; did you mean 'tolerances'\?",
        ),
        (
            '[policy]\ntolerances = "0.1"\n[data]\npoverty = {white = 0.1, black = 0.3}\n',
            r"tolerances at line 2 must be list, got str",
        ),
        ("[polcy]\ntolerances = [0.1]\n", r"unknown section \[polcy\] at line 1; did you mean"),
        ('[data]\npoverty = {white = 0.1, black = "a"}\n', r"poverty.black at line 2 must be"),
        ("[data]\n", r"give exactly one of district"),
        (
            "[data]\npoverty = {white = 0.1, black = 0.3}\n[policy]\ntolerances = [0.7]\n",
            r"tolerances at line 4: 0.7 is outside \[0, 0.5\)",
        ),
        ("[data\n", r"not valid TOML"),
        (
            '[data]\npoverty = {white = 0.1, black = 0.3}\n[assignment]\nsolver = "ortols"\n',
            r"solver at line 4: unknown solver 'ortols'; did you mean 'ortools'\?",
        ),
        (
            "[data]\npoverty = {white = 0.1, black = 0.3}\n[assignment]\ntravel_cap_km = -2\n",
            r"travel_cap_km at line 4 must be positive",
        ),
        (
            '[data]\npoverty = {white = 0.1, black = 0.3}\n[assignment]\npoints = "middle"\n',
            r"points at line 4 must be 'representative' or 'centroid'",
        ),
        (
            '[data]\npoverty = {white = 0.1, black = 0.3}\n[assignment]\nroad_network = "r.xml"\n',
            r"road_network at line 4: file 'r.xml' not found",
        ),
    ],
)
def test_bad_model_files_are_named(tmp_path, text, message):
    path = tmp_path / "bad.toml"
    path.write_text(text)
    with pytest.raises(InputError, match=message):
        load_scenario(path)


@pytest.mark.slow
def test_several_models_run_as_a_batch(tmp_path):
    models = [
        str(ROOT / "models" / "stylized_city_poor_together.toml"),
        str(ROOT / "models" / "dichotomous_verification.toml"),
    ]
    args = ["run", *models, "--out", str(tmp_path), "--quick", "--workers", "2", "--json"]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    out = json.loads(result.output)
    assert set(out["reports"]) == {"stylized_city_poor_together", "dichotomous_verification"}
    for report in out["reports"].values():
        assert Path(report).exists()
    # A rerun finds both finished and runs nothing again.
    stamp = (tmp_path / "stylized_city_poor_together" / "report.html").stat().st_mtime_ns
    assert CliRunner().invoke(main, args).exit_code == 0
    assert (tmp_path / "stylized_city_poor_together" / "report.html").stat().st_mtime_ns == stamp


@pytest.mark.slow
def test_assignment_options_reach_the_spatial_method(tmp_path):
    """[assignment] integer = true sends whole neighborhoods (the MILP) in every policy run."""
    model = tmp_path / "city.toml"
    model.write_text(
        "[data]\nsynthetic = { grid = 4, schools = 4, seed = 2 }\n"
        "[policy]\ntolerances = [0.4]\n"
        "[methods]\nlp = false\nreassignment = false\nclosed_forms = false\n"
        "[assignment]\ninteger = true\ntravel_cap_km = 50\n"
    )
    scenario = load_scenario(model)
    assert scenario.assignment == {"whole_neighborhoods": True, "travel_cap_km": 50}
    run_scenario(scenario, tmp_path / "out")
    summary = json.loads((tmp_path / "out" / "tolerance_0.40" / "summary.json").read_text())
    assert summary["formulation"] == "whole neighborhoods (MILP)"


def _two_single_race_schools_fit(table, tolerance):
    """Independent check that V = 1 is possible: one school holds every Black student and one
    every White student, the other groups' poor and nonpoor split between them so that both
    schools' poverty rates lie in the band (a feasibility LP in two filler variables)."""
    from scipy.optimize import linprog

    (bp, bn), (wp, wn) = table[0], table[1]
    fp, fn = table[2:, 0].sum(), table[2:, 1].sum()
    rate = table[:, 0].sum() / table.sum()
    rows, rhs = [], []
    # school A: Black + (x poor, y nonpoor fillers); school B: White + the rest.
    for sign, (p, n, cp, cn) in ((1, (bp, bn, 0.0, 0.0)), (-1, (wp, wn, fp, fn))):
        for edge, direction in ((rate + tolerance, 1.0), (rate - tolerance, -1.0)):
            # direction * (poor - edge * size) <= 0, poor = p + cp + sign * x, etc.
            a = direction * sign * np.array([1 - edge, -edge])
            b = -direction * ((p + cp) - edge * (p + n + cp + cn))
            rows.append(a)
            rhs.append(b + 1e-9 * (p + n + fp + fn))
    result = linprog(
        np.zeros(2),
        A_ub=np.array(rows),
        b_ub=np.array(rhs),
        bounds=[(0, fp), (0, fn)],
        method="highs",
    )
    return result.status == 0


@pytest.mark.slow
def test_sacramento_possible_and_probable_share_population_and_policy(tmp_path):
    """The main job's possible interval is on the assignment's own population and policy: all
    five groups, the band on every student, V between Black and White (issue of the two-group
    sub-district re-centred on its own poverty rate)."""
    from assignopt.spatial.district import read_district

    scenario = load_scenario(ROOT / "models" / "sacramento.toml")
    rows = run_scenario(scenario, tmp_path)["headline"]
    district = read_district(ROOT / "sample_districts" / "sacramento_2000.gpkg")
    population = district.population()
    assert population.n_groups == 5
    table = population.class_matrix()
    for row in rows:
        summary = json.loads(
            (tmp_path / f"tolerance_{row['tolerance']:.2f}" / "summary.json").read_text()
        )
        assert summary["possible"]["pair"] == ["black", "white"]
        assert summary["possible"]["v_max"] == pytest.approx(row["V possible max"])
        # V <= 1 always; two single-race schools that meet the band make 1 possible.
        assert _two_single_race_schools_fit(table, row["tolerance"])
        assert row["V possible max"] == pytest.approx(1.0, abs=1e-9)
        assert row["V possible min"] <= row["V probable (balanced)"] <= row["V possible max"]


def test_a_batch_reuses_only_results_of_unchanged_inputs(tmp_path):
    a, b = tmp_path / "a.toml", tmp_path / "b.toml"
    a.write_text("[data]\npoverty = {white = 0.2, black = 0.5}\n[policy]\ntolerances = [0.1]\n")
    b.write_text("[data]\npoverty = {white = 0.1, black = 0.3}\n[policy]\ntolerances = [0.0]\n")
    args = ["run", str(a), str(b), "--out", str(tmp_path / "o"), "--workers", "1", "--json"]

    def run():
        result = CliRunner().invoke(main, args)
        assert result.exit_code == 0, result.output
        return json.loads(result.output)

    assert run()["reused"] == 0
    assert run()["reused"] == 2
    # Editing a model file recomputes that model, and its new tolerances reach the report.
    a.write_text("[data]\npoverty = {white = 0.2, black = 0.5}\n[policy]\ntolerances = [0.3]\n")
    again = run()
    assert again["reused"] == 1
    headline = pd.read_csv(tmp_path / "o" / "a" / "headline.csv")
    assert list(headline["tolerance"]) == [0.3]
    # A full run after a quick one does not keep the quick output.
    quick = CliRunner().invoke(main, [*args[:-1], "--quick", "--json"])
    assert json.loads(quick.output)["reused"] == 0


def test_a_corrupt_kept_result_is_recomputed(tmp_path):
    a = tmp_path / "a.toml"
    a.write_text("[data]\npoverty = {white = 0.2, black = 0.5}\n")
    args = ["run", str(a), str(tmp_path / "a.toml"), "--out", str(tmp_path / "o"), "--json"]
    args = [
        "run",
        str(a),
        str(ROOT / "models" / "dichotomous_verification.toml"),
        "--quick",
        "--workers",
        "1",
        "--out",
        str(tmp_path / "o"),
        "--json",
    ]
    assert CliRunner().invoke(main, args).exit_code == 0
    for kept in (tmp_path / "o" / ".results").glob("*.json"):
        kept.write_text(kept.read_text()[:10])  # truncated
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["reused"] == 0
