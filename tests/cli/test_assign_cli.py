"""``assignopt assign`` and ``assignopt sweep-residential`` from the command line."""

import json

import geopandas as gpd
import networkx as nx
import pytest
from click.testing import CliRunner

from assignopt.cli import main
from assignopt.spatial.district import read_district, write_district
from tests.helpers import tiny_district


def test_assign_cli_round_trip(tmp_path):
    d = tiny_district([[[100, 0], [0, 0]], [[0, 0], [0, 100]]], [100, 100])
    path = write_district(d, tmp_path / "tiny.gpkg")
    assert read_district(path).groups == ("black", "white")
    result = CliRunner().invoke(
        main, ["assign", str(path), "--tolerance", "0", "--out", str(tmp_path / "out"), "--json"]
    )
    assert result.exit_code == 0, result.output
    out = json.loads(result.output)
    for key in (
        "v_residential",
        "v_nearest",
        "v_assigned",
        "mean_km",
        "objective_km",
        "status",
        "solver",
        "seconds",
    ):
        assert key in out
    assert out["v_assigned"] == pytest.approx(0.0, abs=1e-9)
    assert out["objective_km"] == pytest.approx(900.0)
    for key in ("map", "geopackage", "summary_md"):
        assert (tmp_path / "out" / out["files"][key].split("/")[-1]).exists()
    flows = gpd.read_file(out["files"]["geopackage"], layer="flows")
    assert flows["students"].sum() == pytest.approx(200)


def test_assign_cli_reads_a_graphml_road_network(tmp_path):
    """The round trip's district again, with the 17 km detour road of the road-network test:
    perfect balance still moves 100 students across, now 17 km each instead of 9."""
    d = tiny_district([[[100, 0], [0, 0]], [[0, 0], [0, 100]]], [100, 100])
    path = write_district(d, tmp_path / "tiny.gpkg")
    graph = nx.Graph()
    for node, x, y in (("w", 500, 500), ("wn", 500, 4500), ("en", 9500, 4500), ("e", 9500, 500)):
        graph.add_node(node, x=float(x), y=float(y))
    for u, v, length in (("w", "wn", 4000.0), ("wn", "en", 9000.0), ("en", "e", 4000.0)):
        graph.add_edge(u, v, length=length)
    nx.write_graphml(graph, tmp_path / "roads.graphml")
    args = ["assign", str(path), "--tolerance", "0", "--json", "--out", str(tmp_path / "o")]
    result = CliRunner().invoke(main, [*args, "--road-network", str(tmp_path / "roads.graphml")])
    assert result.exit_code == 0, result.output
    out = json.loads(result.output)
    assert out["objective_km"] == pytest.approx(1700.0)
    assert out["distances"]["method"].startswith("road network")
    missing = CliRunner().invoke(main, [*args, "--road-network", str(tmp_path / "none.graphml")])
    assert missing.exit_code != 0 and "no such road network file" in missing.output


def test_assign_cli_reports_progress_on_stderr_only(tmp_path):
    d = tiny_district([[[100, 0], [0, 0]], [[0, 0], [0, 100]]], [100, 100])
    path = write_district(d, tmp_path / "tiny.gpkg")
    result = CliRunner().invoke(main, ["assign", str(path), "--out", str(tmp_path / "a")])
    assert result.exit_code == 0, result.output
    assert "income-balanced assignment ..." in result.stderr
    assert "income-balanced assignment ..." not in result.stdout
    quiet = CliRunner().invoke(main, ["assign", str(path), "--json", "--out", str(tmp_path)])
    assert quiet.stderr == "" and json.loads(quiet.stdout)["status"] == "optimal"


def test_assign_cli_with_json_shows_progress_to_a_terminal(tmp_path, monkeypatch):
    """A person watching a long --json run sees progress on a terminal's standard error;
    standard output stays one JSON object."""
    from assignopt.commands import common

    d = tiny_district([[[100, 0], [0, 0]], [[0, 0], [0, 100]]], [100, 100])
    path = write_district(d, tmp_path / "tiny.gpkg")
    monkeypatch.setattr(common, "_is_terminal", lambda stream: True)
    result = CliRunner().invoke(main, ["assign", str(path), "--json", "--out", str(tmp_path)])
    assert "income-balanced assignment ..." in result.stderr
    assert json.loads(result.stdout)["status"] == "optimal"


def test_assign_cli_with_the_ortools_min_cost_flow(tmp_path):
    pytest.importorskip("ortools")
    d = tiny_district([[[100, 0], [0, 0]], [[0, 0], [0, 100]]], [100, 100])
    path = write_district(d, tmp_path / "tiny.gpkg")
    args = ["assign", str(path), "--tolerance", "0", "--solver", "ortools", "--json"]
    result = CliRunner().invoke(main, [*args, "--fixed-enrolment", "--out", str(tmp_path / "a")])
    assert result.exit_code == 0, result.output
    out = json.loads(result.output)
    assert out["solver"].startswith("ortools") and out["status"] == "optimal"
    assert out["objective_km"] == pytest.approx(900.0)  # as the LP in the round trip above
    # Free enrolment with capacities summing to enrolment is fixed enrolment: same optimum.
    result = CliRunner().invoke(main, [*args, "--out", str(tmp_path / "b")])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["objective_km"] == pytest.approx(900.0)
    # A band on a free enrolment with spare seats is not a network: the LP by levels (two
    # neighborhoods are too few to cluster: HiGHS pricing).
    # By hand, at d = 0 each school is half poor whatever its enrolment, so of the 100 poor
    # and 100 nonpoor students exactly 100 cross to the far school either way: 900 again.
    d = tiny_district([[[100, 0], [0, 0]], [[0, 0], [0, 100]]], [110, 110])
    path = write_district(d, tmp_path / "spare.gpkg")
    args = ["assign", str(path), "--tolerance", "0", "--solver", "ortools", "--json"]
    result = CliRunner().invoke(main, [*args, "--out", str(tmp_path / "c")])
    assert result.exit_code == 0, result.output
    out = json.loads(result.output)
    assert out["solver"] == "highs (pricing)"
    assert out["objective_km"] == pytest.approx(900.0)


def test_assign_cli_passes_travel_caps_and_integer_mode(tmp_path):
    """--travel-cap-km, --extra-km-cap and --integer reach the solver (same numbers as the
    API calls in the tests above)."""
    d = tiny_district([[[100, 0], [0, 0]], [[0, 0], [0, 100]]], [100, 100])
    path = write_district(d, tmp_path / "tiny.gpkg")
    base = ["assign", str(path), "--tolerance", "0", "--json"]
    capped = CliRunner().invoke(main, [*base, "--travel-cap-km", "5", "--out", str(tmp_path)])
    assert capped.exit_code != 0 and "misses its income band by 50.0 students" in capped.output
    extra = CliRunner().invoke(main, [*base, "--extra-km-cap", "1", "--out", str(tmp_path)])
    assert extra.exit_code != 0 and "misses its income band" in extra.output
    # Mixed neighborhoods meet a 0.1 band at home; whole neighborhoods then travel 0 km.
    mixed = tiny_district([[[60, 40], [0, 0]], [[0, 0], [40, 60]]], [100, 100])
    path = write_district(mixed, tmp_path / "mixed.gpkg")
    args = ["assign", str(path), "--tolerance", "0.1", "--integer", "--json"]
    result = CliRunner().invoke(main, [*args, "--travel-cap-km", "5", "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    out = json.loads(result.output)
    assert out["objective_km"] == pytest.approx(0.0)
    assert out["solver"] == "highs" and out["formulation"] == "whole neighborhoods (MILP)"
    assert out["mip_gap"] == pytest.approx(0.0)


def test_sweep_cli_writes_csv_summary_and_png(tmp_path):
    result = CliRunner().invoke(
        main,
        [
            "sweep-residential",
            "--out",
            str(tmp_path),
            "--residential-v",
            "0.2,0.8",
            "--income-v",
            "0.12/0.09",
            "--noise",
            "0.3",
            "--seeds",
            "2",
            "--grid",
            "4",
            "--schools",
            "4",
            "--tolerance",
            "0.1",
            "--json",
        ],
    )
    assert result.exit_code == 0, result.output
    out = json.loads(result.output)
    frame = __import__("pandas").read_csv(out["files"]["csv"])
    # 2 residential levels x 1 income pair x 2 arrangements x 1 noise x 1 school count x 2 seeds
    assert len(frame) == 2 * 1 * 2 * 1 * 1 * 2 == out["cities"]
    assert out["files"]["csv"].endswith("sweep_residential_d0.10.csv")
    # Every balanced assignment stays within what the policy makes possible.
    assert (frame["v_assigned"] <= frame["v_max"] + 1e-9).all()
    with open(out["files"]["png"], "rb") as handle:
        assert handle.read(4) == b"\x89PNG"


def test_assign_cli_reports_the_split_range_when_asked(tmp_path):
    # Each tract holds one race, so the split is forced: the range collapses onto V itself.
    d = tiny_district([[[100, 0], [0, 0]], [[0, 0], [0, 100]]], [100, 100])
    path = write_district(d, tmp_path / "tiny.gpkg")
    args = ["assign", str(path), "--tolerance", "0", "--json", "--out", str(tmp_path / "o")]
    plain = json.loads(CliRunner().invoke(main, args).output)
    assert "v_assigned_split_range" not in plain
    result = CliRunner().invoke(main, [*args, "--split-range", "--split-time-limit", "5"])
    assert result.exit_code == 0, result.output
    split = json.loads(result.output)["v_assigned_split_range"]
    assert split["v_low"] == pytest.approx(plain["v_assigned"], abs=1e-7)
    assert split["v_high"] == pytest.approx(plain["v_assigned"], abs=1e-7)
