"""The command line: JSON contracts, files written, and refused input."""

import json

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner
from shapely.geometry import box

from assignopt import GammaIncome, optimal_poverty_threshold, vmax_continuous
from assignopt.cli import main


def run(*args):
    result = CliRunner().invoke(main, [str(a) for a in args])
    return result


def run_json(*args):
    result = run(*args, "--json")
    return result, json.loads(result.output)


def test_bounds_json_with_gamma_incomes():
    result, out = run_json(
        "bounds", "--white-mean", 52100, "--black-mean", 24600, "--tolerance", 0.1
    )
    assert result.exit_code == 0
    black, white = GammaIncome.from_mean(24600), GammaIncome.from_mean(52100)
    threshold = optimal_poverty_threshold(black, white)
    assert out["optimal_threshold"] == pytest.approx(threshold)
    # At the optimal threshold: 1 - |F_b(I*) - F_w(I*)|.
    expected = 1 - abs(black.cdf(threshold) - white.cdf(threshold))
    assert out["vmax_dichotomous"] == pytest.approx(expected)
    assert out["vmax_continuous"] == pytest.approx(vmax_continuous(black, white))
    assert out["vmax_tolerance_approx"] == pytest.approx(min(1, expected / 0.8))
    assert out["inputs"]["white_mean"] == 52100
    assert out["inputs"]["tolerance"] == 0.1


def test_bounds_json_at_a_given_threshold():
    _, out = run_json("bounds", "--white-mean", 52100, "--black-mean", 24600, "--threshold", 20000)
    black, white = GammaIncome.from_mean(24600), GammaIncome.from_mean(52100)
    assert out["vmax_dichotomous"] == pytest.approx(1 - abs(black.cdf(20000) - white.cdf(20000)))
    assert out["vmax_tolerance_approx"] is None


def test_bounds_json_dichotomous_worked_example():
    result, out = run_json(
        "bounds", "--white-poverty", 0.2, "--black-poverty", 0.5, "--tolerance", 0.1
    )
    assert result.exit_code == 0
    assert out["vmax_dichotomous"] == pytest.approx(0.70)
    assert out["vmax_tolerance_approx"] == pytest.approx(0.875)
    assert out["optimal_threshold"] is None and out["vmax_continuous"] is None


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--white-poverty", 0.2, "--black-poverty", 0.5, "--tolerance", 0.5], "tolerance"),
        (["--white-mean", 50000, "--black-mean", 20000, "--threshold", 0], "threshold"),
        (["--white-mean", 50000], "give both"),
        (["--white-mean", 50000, "--black-mean", 20000, "--white-poverty", 0.1], "not both"),
    ],
)
def test_bounds_refuses_bad_input_with_one_json_object(args, message):
    result, out = run_json("bounds", *args)
    assert result.exit_code == 2
    assert message in out["error"]


def test_bounds_human_output_and_error():
    result = run("bounds", "--white-mean", 52100, "--black-mean", 24600)
    assert result.exit_code == 0 and "optimal poverty threshold" in result.output
    result = run("bounds", "--white-mean", 52100, "--black-mean", 52100, "--threshold", -1)
    assert result.exit_code == 2 and "error:" in result.output


@pytest.fixture
def schools_csv(tmp_path):
    # The hand-worked table of test_indices: V = 29/91.
    frame = pd.DataFrame(
        {
            "district": ["a"] * 5 + ["b"] * 2,
            "black": [10, 20, 5, 0, 0, 7, 0],
            "white": [30, 5, 20, 10, 0, 0, 9],
            "asian": [1, 0, 2, 0, 0, 1, 1],
        }
    )
    path = tmp_path / "schools.csv"
    frame.to_csv(path, index=False)
    return path


def test_index_json_on_csv(schools_csv):
    result, out = run_json("index", schools_csv, "--groups", "black,white")
    assert result.exit_code == 0
    # The whole table by the mathematics note's formula, V = sum t (beta - pi_b)^2 / (T pi_b
    # pi_w), over the seven schools (the empty one carries no weight): B = 42, W = 74.
    pairs = [(10, 30), (20, 5), (5, 20), (0, 10), (7, 0), (0, 9)]
    total, pi_b = 116, 42 / 116
    expected = sum((b + w) * (b / (b + w) - pi_b) ** 2 for b, w in pairs) / (
        total * pi_b * (1 - pi_b)
    )
    assert out["V"] == pytest.approx(expected)
    assert out["units"] == 7 and out["groups"] == ["black", "white"]
    result, out = run_json(
        "index", schools_csv, "--groups", "black,white,asian", "--by", "district"
    )
    rows = {row["district"]: row for row in out["districts"]}
    assert rows["a"]["V"] == pytest.approx(29 / 91)
    assert rows["b"]["V"] == pytest.approx(1.0)  # one all-Black and one all-White school
    assert "R_multigroup" in rows["a"]


def test_index_on_geopackage(tmp_path):
    frame = gpd.GeoDataFrame(
        {"black": [10, 20, 5, 0], "white": [30, 5, 20, 10]},
        geometry=[box(i, 0, i + 1, 1) for i in range(4)],
        crs="EPSG:3310",
    )
    path = tmp_path / "units.gpkg"
    frame.to_file(path, layer="units")
    result, out = run_json("index", path, "--groups", "black,white", "--layer", "units")
    assert result.exit_code == 0
    assert out["V"] == pytest.approx(29 / 91)


def test_index_names_a_misspelled_column(schools_csv):
    result, out = run_json("index", schools_csv, "--groups", "black,whte")
    assert result.exit_code == 2
    assert "'whte' not found" in out["error"] and "white" in out["error"]
    result, out = run_json("index", schools_csv.with_name("nope.csv"), "--groups", "a,b")
    assert result.exit_code == 2 and "no such file" in out["error"]


def test_figures_writes_pngs_and_csvs(tmp_path):
    result, out = run_json("figures", "--out", tmp_path / "figs")
    assert result.exit_code == 0
    for key in ("threshold_png", "ratio_png"):
        with open(out["files"][key], "rb") as handle:
            assert handle.read(8) == b"\x89PNG\r\n\x1a\n"
    ratio = pd.read_csv(out["files"]["ratio_csv"])
    assert len(ratio) == 201 and ratio["ratio"].iloc[[0, -1]].tolist() == [1.0, 3.0]
    # Stricter policies allow less segregation: continuous <= dichotomous <= d=0.1 <= d=0.2.
    cols = ["vmax_continuous", "vmax_dichotomous", "vmax_tolerance_0.10", "vmax_tolerance_0.20"]
    values = ratio[cols].to_numpy()
    assert np.all(np.diff(values, axis=1) >= -1e-12)
    # Every policy's maximum falls as the income gap widens.
    assert np.all(np.diff(ratio["vmax_continuous"]) < 0)
    threshold = pd.read_csv(out["files"]["threshold_csv"])
    # The plotted dichotomous bound is never below the continuous supremum (a weaker policy).
    black, white = GammaIncome.from_mean(24600), GammaIncome.from_mean(52100)
    assert threshold["vmax_dichotomous"].min() >= vmax_continuous(black, white)


def test_index_reads_the_nces_file_with_ids_as_written():
    from pathlib import Path

    path = (
        Path(__file__).resolve().parent.parent
        / "data"
        / "nces"
        / "Public_School_Characteristics_2020-21_first100.csv"
    )
    result, out = run_json("index", path, "--groups", "BL,WH", "--by", "LEAID")
    assert result.exit_code == 0, out
    rows = {row["LEAID"]: row for row in out["districts"]}
    assert "0100005" in rows  # the leading zero kept
    # Independently from the raw file: district 0100005's schools with usable BL/WH/MEMBER.
    raw = pd.read_csv(path, dtype=str)
    part = raw[raw["LEAID"] == "0100005"]
    b, w = part["BL"].astype(float).to_numpy(), part["WH"].astype(float).to_numpy()
    assert (b >= 0).all() and (w >= 0).all()  # no coded cells in this district
    t, pi_b = b + w, b.sum() / (b.sum() + w.sum())
    expected = (t * (b / t - pi_b) ** 2).sum() / (t.sum() * pi_b * (1 - pi_b))
    assert rows["0100005"]["V"] == pytest.approx(expected)
    # Coded (negative) or blank cells are left out and counted, never read as counts.
    coded = raw.groupby("LEAID").apply(
        lambda g: int(
            (
                (pd.to_numeric(g[["BL", "WH", "MEMBER"]].stack(), errors="coerce").fillna(-1) < 0)
                .groupby(level=0)
                .any()
            ).sum()
        ),
        include_groups=False,
    )
    for leaid, row in rows.items():
        assert row["schools_excluded"] == coded[leaid]
