"""The maxseg and verify commands: JSON contract, witness file, refused input, report files."""

import json

import pandas as pd
import pytest
from click.testing import CliRunner

from assignopt import vmax_supremum
from assignopt.cli import main
from assignopt.income import GammaIncome
from assignopt.population import Population


def run_json(*args):
    result = CliRunner().invoke(main, [str(a) for a in args] + ["--json"])
    return result, json.loads(result.output)


def test_maxseg_json_contract_and_witness_file(tmp_path):
    witness = tmp_path / "witness.csv"
    result, out = run_json(
        "maxseg",
        "--white-poverty",
        0.2,
        "--black-poverty",
        0.5,
        "--tolerance",
        0.1,
        "--witness",
        witness,
    )
    assert result.exit_code == 0
    for key in ("v_lower", "v_upper", "status", "solver", "seconds", "schools"):
        assert key in out
    # The exact LP beats the literature's three-school 0.875: four school types reach 0.88.
    assert out["v_lower"] == pytest.approx(0.88, abs=1e-9)
    assert out["status"] == "optimal" and out["solver"] == "highs"
    assert out["witness_check"] == "ok"
    assert out["minimum"] == pytest.approx(0.0, abs=1e-12)
    table = pd.read_csv(witness)
    assert len(table) == len(out["schools"]) == 4
    # The witness holds every student: 0.5 * 0.5 + 0.5 * 0.2 = 0.35 of them poor.
    assert table["students"].sum() == pytest.approx(1.0)


def test_maxseg_gamma_classes_equal_the_supremum():
    result, out = run_json(
        "maxseg",
        "--white-mean",
        52100,
        "--black-mean",
        24600,
        "--classes",
        40,
        "--black-share",
        0.3,
    )
    assert result.exit_code == 0
    black, white = GammaIncome.from_mean(24600), GammaIncome.from_mean(52100)
    supremum = vmax_supremum(Population.gamma(black, white, 0.3, 40).counts)
    assert out["v_lower"] - 1e-9 <= supremum <= out["v_upper"] + 1e-9


def test_maxseg_counts_csv_with_a_second_attribute(tmp_path):
    path = tmp_path / "cells.csv"
    pd.DataFrame(
        {
            "group": ["black"] * 4 + ["white"] * 4,
            "income_class": ["poor", "poor", "nonpoor", "nonpoor"] * 2,
            "ell": [True, False] * 4,
            "count": [10, 30, 20, 40, 5, 5, 45, 45],
        }
    ).to_csv(path, index=False)
    result, out = run_json(
        "maxseg",
        "--counts",
        path,
        "--attribute",
        "ell",
        "--tolerance",
        0.1,
        "--attribute-tolerance",
        0.02,
        "--gap",
        1e-5,
    )
    assert result.exit_code == 0, result.output
    assert out["witness_check"] == "ok"
    assert out["v_upper"] - out["v_lower"] <= 1e-5


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            [
                "--white-poverty",
                0.2,
                "--black-poverty",
                0.5,
                "--min-school-share",
                0.35,
                "--max-school-share",
                0.45,
            ],
            "no whole number",
        ),
        (["--white-poverty", 0.2, "--black-poverty", 0.5, "--tolerance", 0.5], "tolerance"),
        (["--white-poverty", 0.2], "give both"),
        (["--white-poverty", 0.2, "--black-poverty", 0.5, "--white-mean", 5], "one way"),
    ],
)
def test_maxseg_refuses_with_an_explanation(args, message):
    result, out = run_json("maxseg", *args)
    assert result.exit_code == 2
    assert message in out["error"]


def test_verify_quick_writes_the_report(tmp_path):
    result, out = run_json("verify", "--out", tmp_path, "--quick")
    assert result.exit_code == 0
    cases = pd.read_csv(out["files"]["cases"])
    perfect = cases[cases["family"] == "dichotomous, perfect balance"]
    assert (perfect["shortfall"].abs() < 1e-8).all()  # closed form == LP, every case
    constructions = cases[cases["closed_form"].str.startswith(("three-school", "greedy"))]
    # No construction beats the maximum (NaN: the literature's does not apply to the case).
    assert (constructions["shortfall"].dropna() > -1e-8).all()
    summary = open(out["files"]["summary"]).read()
    assert "equals the LP maximum in all" in summary
    with open(out["files"]["plot"], "rb") as handle:
        assert handle.read(4) == b"\x89PNG"


def _three_groups(tmp_path):
    # Black and White with different poverty rates, plus Hispanic fillers poor and nonpoor.
    rows = [
        ("black", "poor", 30),
        ("black", "nonpoor", 70),
        ("white", "poor", 10),
        ("white", "nonpoor", 90),
        ("hispanic", "poor", 60),
        ("hispanic", "nonpoor", 40),
    ]
    path = tmp_path / "cells.csv"
    pd.DataFrame(rows, columns=["group", "income_class", "count"]).to_csv(path, index=False)
    return path


@pytest.mark.parametrize("objective", ["V", "D", "H"])
def test_maxseg_pair_inside_a_multigroup_district(tmp_path, objective):
    from assignopt.maxseg import maximum_segregation
    from assignopt.policy import Policy

    path = _three_groups(tmp_path)
    witness = tmp_path / "w.csv"
    result, out = run_json(
        "maxseg",
        "--counts",
        path,
        "--pair",
        "black,white",
        "--objective",
        objective,
        "--tolerance",
        0.0,
        "--witness",
        witness,
    )
    assert result.exit_code == 0, out
    assert out["pair"] == ["black", "white"] and out["witness_check"] == "ok"
    # The command answers what the library answers on the same cells (the pair's maximum is
    # checked against hand constructions and a second formulation in test_maxseg_pair.py).
    population = Population.from_long_frame(pd.read_csv(path))
    expected = maximum_segregation(population, Policy(0.0), objective, pair=("black", "white"))
    assert out["v_upper"] == pytest.approx(expected.upper, abs=1e-9)
    assert set(pd.read_csv(witness).columns) >= {"school"}


def test_maxseg_pair_reaches_one_where_fillers_separate_the_races(tmp_path):
    # Perfect balance at the district rate 100/300 = 1/3: A = 100 Black (30 poor) + 20 poor
    # and 30 nonpoor Hispanic = 50/150; B = 100 White (10 poor) + 40 poor and 10 nonpoor
    # Hispanic = 50/150. Black and White never meet: V = 1 (a hand construction).
    path = _three_groups(tmp_path)
    rows = pd.read_csv(path)
    result, out = run_json("maxseg", "--counts", path, "--pair", "black,white")
    assert result.exit_code == 0, out
    assert out["v_upper"] == pytest.approx(1.0, abs=1e-9)
    # The two-group district alone (poverty 0.3 against 0.1) allows only 1 - 0.2 = 0.8.
    two = tmp_path / "two.csv"
    rows[rows["group"] != "hispanic"].to_csv(two, index=False)
    _, alone = run_json("maxseg", "--counts", two)
    assert alone["v_upper"] == pytest.approx(0.8, abs=1e-9)


def test_maxseg_over_unknown_splits_of_a_district_file():
    from pathlib import Path

    sample = Path(__file__).resolve().parents[2] / "sample_districts" / "sacramento_2000.gpkg"
    result, out = run_json(
        "maxseg", "--district", sample, "--tolerance", 0.05, "--split", "unknown"
    )
    assert result.exit_code == 0, out
    assert out["pair"] == ["black", "white"]
    # Every split with the neighborhoods' totals includes the file's own split.
    assert out["v_upper"] >= out["proportional_upper"] - 1e-9
    assert out["witness_check"] == "ok"
