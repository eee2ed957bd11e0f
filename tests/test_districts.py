"""District bounds table and the resumable batch runner (local processes and Dask)."""

import json

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from assignopt.cli import main
from assignopt.districts import district_bounds, district_table


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
    frame = pd.read_csv("sample_districts/synthetic_schools.csv")
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
    assert result.exit_code == 0, result.output
    out = json.loads(result.output)
    assert out["districts"] == 2
    assert "school 0: 20 poor students but only 10" in out["failures"]["c"]
    table = pd.read_csv(out["files"]["csv"])
    assert table.set_index("district").loc["a", "v_possible_max"] == pytest.approx(0.76)
    # Rows sorted by the possible maximum (the forest plot's order).
    assert table["v_possible_max"].is_monotonic_increasing
