"""``assignopt choice``: the JSON contract, the files, and refused input (exit 2, one object)."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from click.testing import CliRunner

from assignopt.cli import main
from assignopt.spatial.district import write_district
from tests.test_choice_workflow import COLUMNS, CONTRACT, segregated


def invoke(*args):
    return CliRunner().invoke(main, ["choice", *map(str, args)])


@pytest.fixture
def gpkg(tmp_path):
    return write_district(segregated(), tmp_path / "district.gpkg")


def test_json_contract_and_files(gpkg, tmp_path):
    out = tmp_path / "out"
    result = invoke(
        gpkg, "--tolerance", 0.05, "--draws", 5, "--seed", 7, "--workers", 1, "--out", out, "--json"
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)  # exactly one JSON object on standard output
    assert list(data)[: len(CONTRACT)] == CONTRACT
    assert data["draws"] == 5 and data["seed"] == 7 and data["reserve"] == "band"
    assert data["tolerance"] == 0.05 and data["students"] == 300
    for name in ("draws.csv", "draw_schools.csv", "choice_summary.csv", "report.html"):
        assert (out / name).is_file()
    assert data["files"]["report"] == str(out / "report.html")
    schools = pd.read_csv(out / "draw_schools.csv", dtype={"school": str})
    assert list(schools.columns) == ["draw", "school", *COLUMNS]
    assert set(schools["school"]) == {"07", "12"}


def test_options_reach_the_request(gpkg, tmp_path):
    prefs = tmp_path / "prefs.toml"
    prefs.write_text('noise_scale = 0.0\n[school_effects]\n"12" = 100.0\n')
    result = invoke(
        gpkg,
        "--tolerance",
        0.05,
        "--draws",
        2,
        "--reserve",
        "none",
        "--preferences",
        prefs,
        "--list-length",
        1,
        "--workers",
        1,
        "--out",
        tmp_path / "o",
        "--json",
    )
    data = json.loads(result.output)
    assert result.exit_code == 0
    assert data["reserve"] == "none" and data["list_length"] == 1
    assert data["preferences"]["noise_scale"] == 0.0
    # Everyone lists only school 12 (150 seats of 300 students): half get their first (and
    # only) choice; the others are left out by the lottery and go to the nearest school with
    # room, 07.
    assert data["first_choice_share"] == 0.5 and data["placed_by_fallback"] == 150


def test_human_output(gpkg, tmp_path):
    result = invoke(
        gpkg, "--tolerance", 0.05, "--draws", 2, "--workers", 1, "--out", tmp_path / "o"
    )
    assert result.exit_code == 0, result.output
    assert "controlled choice at ±0.05 (band), 2 draws" in result.output
    assert "report: " in result.output


def refused(*args):
    result = invoke(*args, "--json")
    assert result.exit_code == 2, result.output
    return json.loads(result.output)  # one JSON object


def test_refused_inputs_are_named(gpkg, tmp_path):
    out = tmp_path / "o"
    error = refused(gpkg, "--tolerance", 0.05, "--draws", 0, "--out", out)
    assert error["error"].startswith("--draws: ") and "greater than or equal to 1" in error["error"]
    prefs = tmp_path / "prefs.toml"
    prefs.write_text("noise_scale = 1.0\n\nown_group = 2.0\n")
    error = refused(gpkg, "--tolerance", 0.05, "--preferences", prefs, "--out", out)
    assert "unknown key 'own_group' at line 3" in error["error"]
    error = refused(tmp_path / "nowhere.gpkg", "--tolerance", 0.05, "--out", out)
    assert "nowhere.gpkg" in error["error"] and error["error_type"] == "InputError"
    a_file = tmp_path / "a_file"
    a_file.write_text("")
    error = refused(gpkg, "--tolerance", 0.05, "--out", a_file)
    assert "is a file" in error["error"]
    error = refused(gpkg, "--tolerance", 0.6, "--out", out)
    assert error["error"].startswith("--tolerance: ")
    error = refused(gpkg, "--out", out)
    assert error["error_type"] == "UsageError" and "--tolerance" in error["error"]
    error = refused(gpkg, "--tolerance", 0.05, "--reserve", "soft", "--out", out)
    assert error["error_type"] == "UsageError" and "soft" in error["error"]


def test_a_band_no_school_can_meet_names_the_flags(tmp_path):
    from tests.test_choice_workflow import make_district

    # 7 poor of 4,999 students: no school of at most 2,500 can be exactly at 7/4999.
    district = make_district([[7, 2000, 0, 2992]], [2500, 2499], [0], [0.2, 0.8])
    gpkg = write_district(district, tmp_path / "d.gpkg")
    error = refused(gpkg, "--tolerance", 0, "--workers", 1, "--out", tmp_path / "o")
    assert error["error"].startswith("--tolerance: 0 with --reserve 'band'")
    assert "--reserve 'minimum'" in error["error"]
