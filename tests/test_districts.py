"""District bounds table and the resumable batch runner (local processes and Dask)."""

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from assignopt.cli import main
from assignopt.districts import (
    district_bounds,
    district_table,
    plot_district_table,
    plot_figure6,
    run_districts,
)
from assignopt.errors import InputError, UndefinedIndexError
from assignopt.tables import read_units

ROOT = Path(__file__).resolve().parent.parent


def test_district_bounds_by_hand():
    # School A: 80 Black, 20 White, 60 poor; school B: 20 Black, 80 White, 20 poor.
    counts = np.array([[80.0, 20.0], [20.0, 80.0]])
    poor = np.array([60.0, 20.0])
    out = district_bounds(counts, poor, 0.0)
    assert out["v_today"] == pytest.approx(0.36)  # 2 * 100 * 0.3^2 / 50
    assert out["v_reassigned"] == pytest.approx(0.1296)  # see test_reassign
    # Within-school independence: Black poor 0.6 * 80 + 0.2 * 20 = 52 of 100; White 28 of 100.
    assert out["black_poverty"] == pytest.approx(0.52)
    assert out["white_poverty"] == pytest.approx(0.28)
    assert out["v_possible_max"] == pytest.approx(1 - 0.24)  # 1 - |0.52 - 0.28|


def test_dask_cluster_gives_the_local_results(tmp_path):
    distributed = pytest.importorskip("distributed")
    frame = pd.read_csv(ROOT / "sample_districts" / "synthetic_schools.csv")
    frame = frame[frame["district"].isin(["D01", "D02", "D03", "D04"])]
    local, _ = district_table(
        frame, ["black", "white"], 0.1, tmp_path / "local", workers=1, progress=False
    )
    with distributed.LocalCluster(
        n_workers=1, threads_per_worker=2, processes=False, dashboard_address=None
    ) as cluster:
        remote, outcome = district_table(
            frame,
            ["black", "white"],
            0.1,
            tmp_path / "dask",
            scheduler=cluster.scheduler_address,
            progress=False,
        )
    assert not outcome.failures
    pd.testing.assert_frame_equal(local, remote)


def test_districts_cli(tmp_path):
    schools = pd.DataFrame(
        {
            "district": ["a", "a", "b", "b", "c"],
            "black": [80, 20, 10, 30, 5],
            "white": [20, 80, 40, 20, 5],
            "poor": [60, 20, 10, 25, 20],  # district c: 20 poor among 10 students
        }
    )
    path = tmp_path / "schools.csv"
    schools.to_csv(path, index=False)
    result = CliRunner().invoke(
        main,
        [
            "districts",
            str(path),
            "--tolerance",
            "0",
            "--out",
            str(tmp_path / "out"),
            "--workers",
            "1",
            "--json",
        ],
    )
    # Exit 3: the other districts were written, and the failure is listed.
    assert result.exit_code == 3, result.output
    out = json.loads(result.output)
    assert out["districts"] == 2
    assert "20 poor students (column 'poor') but only 10 students" in out["failures"]["c"]
    table = pd.read_csv(out["files"]["csv"])
    assert table.set_index("district").loc["a", "v_possible_max"] == pytest.approx(0.76)
    # Rows sorted by the possible maximum (the forest plot's order).
    assert table["v_possible_max"].is_monotonic_increasing


def two_districts() -> pd.DataFrame:
    # District a is the hand example of test_district_bounds_by_hand (V max 0.76 at d = 0).
    return pd.DataFrame(
        {
            "district": ["a", "a", "b", "b"],
            "school": ["a1", "a2", "b1", "b2"],
            "black": [80, 20, 10, 30],
            "white": [20, 80, 40, 20],
            "poor": [60, 20, 10, 25],
        }
    )


def test_a_new_tolerance_recomputes_instead_of_reusing(tmp_path):
    schools = two_districts()
    first, _ = district_table(schools, ["black", "white"], 0.0, tmp_path, workers=1, progress=False)
    second, outcome = district_table(
        schools, ["black", "white"], 0.3, tmp_path, workers=1, progress=False
    )
    assert outcome.reused == 0 and outcome.computed == 2
    assert set(second["tolerance"]) == {0.3}
    a0 = first.set_index("district").loc["a", "v_possible_max"]
    a3 = second.set_index("district").loc["a", "v_possible_max"]
    # 1 - |0.52 - 0.28| = 0.76 at d = 0 (by hand); at d = 0.3 both poverty rates (0.52, 0.28)
    # lie within 0.3 of the district rate 0.4, so one school per race is allowed: V = 1.
    assert a0 == pytest.approx(0.76) and a3 == pytest.approx(1.0)
    third, outcome = district_table(
        schools, ["black", "white"], 0.3, tmp_path, workers=1, progress=False
    )
    assert outcome.reused == 2 and outcome.computed == 0
    pd.testing.assert_frame_equal(second, third)
    # Edited counts for one district: only that district recomputes.
    edited = schools.copy()
    edited.loc[2, "black"] = 11
    _, outcome = district_table(
        edited, ["black", "white"], 0.3, tmp_path, workers=1, progress=False
    )
    assert outcome.reused == 1 and outcome.computed == 1
    # Other groups (the same numbers under other names) are another question: recompute.
    renamed = schools.rename(columns={"black": "b", "white": "w"})
    _, outcome = district_table(renamed, ["b", "w"], 0.3, tmp_path, workers=1, progress=False)
    assert outcome.reused == 0


def test_ids_are_text_as_written(tmp_path):
    path = tmp_path / "schools.csv"
    path.write_text(
        "district,school,black,white,poor\n"
        "01,07,80,20,60\n01,08,20,80,20\n"
        "1,07,10,40,10\n1,08,30,20,25\n"
    )
    schools = read_units(path)
    assert list(schools["district"]) == ["01", "01", "1", "1"]
    assert list(schools["school"]) == ["07", "08", "07", "08"]
    frame, _ = district_table(
        schools, ["black", "white"], 0.0, tmp_path / "o", workers=1, progress=False
    )
    assert sorted(frame["district"]) == ["01", "1"]
    # 01 is the hand example (0.76); 1 is another district.
    assert frame.set_index("district").loc["01", "v_possible_max"] == pytest.approx(0.76)


def test_a_blank_district_id_names_its_line(tmp_path):
    path = tmp_path / "schools.csv"
    path.write_text("district,black,white,poor\na,80,20,60\n,20,80,20\n")
    with pytest.raises(InputError, match=r"blank in .*schools.csv, line 3"):
        district_table(
            read_units(path), ["black", "white"], 0.0, tmp_path / "o", workers=1, progress=False
        )


def test_a_header_only_table_is_refused(tmp_path):
    path = tmp_path / "schools.csv"
    path.write_text("district,black,white,poor\n")
    with pytest.raises(InputError, match="no rows"):
        district_table(
            read_units(path), ["black", "white"], 0.0, tmp_path / "o", workers=1, progress=False
        )


def test_some_districts_fail_and_the_others_are_kept(tmp_path):
    schools = two_districts()
    schools.loc[3, "poor"] = 60  # school b2: 60 poor among 50 students
    frame, outcome = district_table(
        schools, ["black", "white"], 0.0, tmp_path, workers=1, progress=False
    )
    assert list(frame["district"]) == ["a"]
    assert list(outcome.failures) == ["b"]
    message = outcome.failures["b"]
    assert "school 'b2'" in message and "'poor'" in message and "only 50" in message
    schools.loc[1, "white"] = float("nan")  # school a2 has no White count
    with pytest.raises(InputError, match=r"every district failed \(2\).*school 'a2'.*'white'"):
        district_table(schools, ["black", "white"], 0.0, tmp_path, workers=1, progress=False)


def test_text_in_a_count_column_is_refused_by_name(tmp_path):
    schools = two_districts().astype({"white": object})
    schools.loc[0, "white"] = "twenty"
    with pytest.raises(InputError, match="column 'white' holds 'twenty'"):
        district_table(schools, ["black", "white"], 0.0, tmp_path, workers=1, progress=False)


@pytest.mark.parametrize("workers", [0, -1])
def test_district_workers_below_one_are_refused(tmp_path, workers):
    with pytest.raises(InputError, match="workers"):
        district_table(
            two_districts(), ["black", "white"], 0.0, tmp_path, workers=workers, progress=False
        )


def synthetic_results(n: int) -> pd.DataFrame:
    """A results table shaped like district_table's, without solving (for drawing only)."""
    rng = np.random.default_rng(1)
    today = rng.uniform(0, 0.5, n)
    return pd.DataFrame(
        {
            "district": [f"{k:04d}" for k in range(n)],
            "v_today": today,
            "v_reassigned": today * rng.uniform(0.5, 1, n),
            "v_possible_min": np.zeros(n),
            "v_possible_max": rng.uniform(0.6, 1, n),
            "tolerance": 0.1,
        }
    )


@pytest.mark.parametrize("draw", [plot_district_table, plot_figure6])
def test_a_thousand_rows_draw_as_a_ranked_figure_of_fixed_size(tmp_path, draw):
    from PIL import Image

    small = draw(synthetic_results(20), tmp_path / "small.png")
    large = draw(synthetic_results(1000), tmp_path / "large.png")
    with Image.open(small) as a, Image.open(large) as b:
        # 20 labelled rows: 0.22 in per row + margins at 140 dpi; 1,000 rows: a fixed 8 in page
        # (one labelled row each would be 0.22 * 1000 in, over 30,000 pixels tall).
        assert a.size[1] > 0.22 * 20 * 140
        assert b.size[1] <= 8 * 140


def test_figure6_labels_districts_by_name_and_id(tmp_path, monkeypatch):
    import assignopt.district_figures as figures

    frame = synthetic_results(3)
    frame["district_name"] = ["Hoover City", "Madison City", "Boaz City"]
    seen = {}
    original = figures._draw_rows

    def spy(ordered, path, **kwargs):
        seen["labels"] = figures._labels(ordered)
        seen["today"] = list(ordered["v_today"])
        return original(ordered, path, **kwargs)

    monkeypatch.setattr(figures, "_draw_rows", spy)
    plot_figure6(frame, tmp_path / "fig6.png")
    assert (tmp_path / "fig6.png").stat().st_size > 0
    # Rows sorted by today's V, each labelled "name (id)" with the id's leading zeros.
    assert seen["today"] == sorted(frame["v_today"])
    assert set(seen["labels"]) == {"Hoover City (0000)", "Madison City (0001)", "Boaz City (0002)"}


def test_a_group_absent_from_the_district_changes_nothing():
    # The hand example with a third group of no students gives the hand example's numbers.
    counts = np.array([[80.0, 20.0, 0.0], [20.0, 80.0, 0.0]])
    out = district_bounds(counts, np.array([60.0, 20.0]), 0.0, groups=["black", "white", "pi"])
    assert out["v_today"] == pytest.approx(0.36) and out["v_reassigned"] == pytest.approx(0.1296)
    with pytest.raises(UndefinedIndexError, match="no 'black' students"):
        district_bounds(counts[:, [2, 1]], np.array([6.0, 2.0]), 0.0, groups=["black", "white"])


def test_run_districts_writes_the_others_and_returns_the_failures(tmp_path):
    schools = two_districts()
    schools["district"] = ["01", "01", "1", "1"]
    schools.loc[3, "poor"] = 60  # school b2: 60 poor among 50 students
    path = tmp_path / "schools.csv"
    schools.to_csv(path, index=False)
    run = run_districts(path, 0.0, tmp_path / "o", workers=1, figure6=True, progress=False)
    assert run.source == "table" and list(run.failures) == ["1"]
    assert "school 'b2'" in run.failures["1"]
    written = pd.read_csv(run.files["csv"], dtype={"district": str})
    assert list(written["district"]) == ["01"]
    assert written["v_possible_max"].iloc[0] == pytest.approx(0.76)  # the hand example
    assert {"csv", "png", "figure6"} <= set(run.files)


def test_run_districts_refuses_an_output_folder_that_is_a_file(tmp_path):
    path = tmp_path / "schools.csv"
    two_districts().to_csv(path, index=False)
    taken = tmp_path / "taken"
    taken.write_text("")
    with pytest.raises(InputError, match="out_dir .* is a file"):
        run_districts(path, 0.0, taken, workers=1, progress=False)


def test_an_unreachable_scheduler_is_refused_by_name(tmp_path):
    pytest.importorskip("distributed")
    with pytest.raises(InputError, match="scheduler 'tcp://127.0.0.1:1' cannot be reached"):
        district_table(
            two_districts(),
            ["black", "white"],
            0.0,
            tmp_path,
            scheduler="tcp://127.0.0.1:1",
            scheduler_timeout=1,
            progress=False,
        )


def test_possible_interval_is_on_the_reassignments_population_and_policy():
    # Two schools of Black, White and Hispanic students, 30% and 50% poor. Under within-school
    # independence each group's poor follow its schools' rates; the possible maximum must be
    # the pair's LP over all three groups with the band on every student (not the Black-White
    # sub-district with its own poverty rate).
    from assignopt.districts import district_bounds
    from assignopt.maxseg import maximum_segregation
    from assignopt.policy import Policy
    from assignopt.population import Population

    counts = np.array([[60.0, 10.0, 30.0], [0.0, 50.0, 50.0]])
    poor = np.array([30.0, 50.0])
    out = district_bounds(counts, poor, 0.05, groups=["black", "white", "hispanic"])
    # The same population by hand: school 1 is 30% poor, school 2 50% poor.
    table = np.array([[18.0, 42.0], [3.0 + 25.0, 7.0 + 25.0], [9.0 + 25.0, 21.0 + 25.0]])
    population = Population.from_class_table(
        table, ("black", "white", "hispanic"), ("poor", "nonpoor")
    )
    expected = maximum_segregation(population, Policy(0.05), "V", pair=("black", "white"))
    assert out["v_possible_max"] == pytest.approx(expected.upper, abs=1e-9)
    assert out["v_possible_min"] <= out["v_reassigned"] <= out["v_possible_max"] + 1e-9


def test_relative_tolerance_reads_the_band_from_each_districts_poverty_rate(tmp_path):
    schools = pd.DataFrame(
        {
            "district": ["01", "01", "1", "1"],
            "black": [40, 10, 30, 20],
            "white": [60, 90, 70, 80],
            "poor": [40, 20, 10, 6],
        }
    )
    path = tmp_path / "s.csv"
    schools.to_csv(path, index=False)
    result = CliRunner().invoke(
        main,
        [
            "districts",
            str(path),
            "--relative-tolerance",
            "0.25",
            "--workers",
            "1",
            "--figure6",
            "--out",
            str(tmp_path / "o"),
            "--json",
        ],
    )
    assert result.exit_code == 0, result.output
    out = json.loads(result.output)
    table = pd.read_csv(out["files"]["csv"], dtype={"district": str}).set_index("district")
    # "01": 60 poor of 200 (0.30) -> d = 0.075; "1": 16 of 200 (0.08) -> d = 0.02.
    assert table.loc["01", "tolerance"] == pytest.approx(0.25 * 0.30)
    assert table.loc["1", "tolerance"] == pytest.approx(0.25 * 0.08)
    assert (tmp_path / "o" / "figure6.png").read_bytes()[:4] == b"\x89PNG"
    both = CliRunner().invoke(
        main,
        [
            "districts",
            str(path),
            "--tolerance",
            "0.1",
            "--relative-tolerance",
            "0.2",
            "--out",
            str(tmp_path / "p"),
            "--json",
        ],
    )
    assert both.exit_code == 2
    assert "give --tolerance or --relative-tolerance" in json.loads(both.output)["error"]
