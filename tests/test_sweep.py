"""The residential experiment: determinism, the tie-break rule, summaries and their intervals."""

import numpy as np
import pandas as pd
import pytest

from assignopt.errors import InputError
from assignopt.spatial.distance import DistanceMatrix
from assignopt.spatial.sweep import (
    output_names,
    regime,
    summarize_sweep,
    sweep_residential,
    tie_broken,
    write_sweep,
)

# A small sweep: 25 neighborhoods (10 whole Black ones at residential V = 1), 4 schools.
SMALL = dict(
    residential_v=(0.31, 1.0),
    income_v=((0.0, 0.0), (0.12, 0.09)),
    seeds=3,
    grid=5,
    n_schools=4,
    noise=0.3,
)


@pytest.fixture(scope="module")
def small():
    return sweep_residential(0.1, **SMALL)


def test_same_call_same_bytes(small, tmp_path):
    first = write_sweep(small, tmp_path / "a")
    second = write_sweep(sweep_residential(0.1, **SMALL), tmp_path / "b")
    for kind in ("csv", "summary"):
        assert first[kind].read_bytes() == second[kind].read_bytes()
    assert first["png"].read_bytes()[:4] == b"\x89PNG"
    # The tolerance is in every output name.
    assert {p.name for p in first.values()} == {
        "sweep_residential_d0.10.csv",
        "sweep_summary_d0.10.csv",
        "sweep_residential_d0.10.png",
    }


def test_one_row_per_city(small):
    # 2 arrangements x 2 residential V x 2 income settings x 3 seeds.
    assert len(small) == 24
    assert not small.duplicated(
        ["income_arrangement", "residential_v_target", "income_v_black_target", "seed"]
    ).any()
    # The realized measures are the targets (segregated_city hits them exactly).
    assert small["residential_v"].to_numpy() == pytest.approx(small["residential_v_target"])
    assert small["income_v_black"].to_numpy() == pytest.approx(small["income_v_black_target"])
    # No balanced assignment exceeds what the policy makes possible.
    assert (small["v_assigned"] <= small["v_max"] + 1e-9).all()
    assert small["cut"].to_numpy() == pytest.approx(small["v_nearest"] - small["v_assigned"])


def test_tie_break_rule():
    km = np.ones((2, 3))
    broken = tie_broken(DistanceMatrix(km, "EPSG:3310", "euclidean"), 1e-6)
    # The stated rule: + 1e-6 x u, u the first six uniforms of numpy's default_rng(0).
    u = np.random.default_rng(0).random((2, 3))
    assert broken.km == pytest.approx(1.0 + 1e-6 * u, abs=1e-15)
    assert len(np.unique(broken.km)) == 6
    assert "ties broken" in broken.method
    with pytest.raises(InputError, match="tie_break must be"):
        tie_broken(DistanceMatrix(km, "EPSG:3310", "euclidean"), -1.0)


def test_ties_are_decided_by_the_rule_not_by_its_size():
    # The grid's distances tie exactly; any perturbation of the stated form small enough not to
    # reorder unequal assignments, and large enough for the LP solver to see (at 1e-6 km it
    # did not), picks the same optimal assignments: results do not move with its size.
    base = dict(SMALL, residential_v=(1.0,), income_v=((0.12, 0.09),), seeds=2)
    a = sweep_residential(0.1, **base, tie_break=1e-3)
    b = sweep_residential(0.1, **base, tie_break=5e-3)
    for column in ("v_nearest", "v_assigned", "v_reassigned"):
        assert a[column].to_numpy() == pytest.approx(b[column].to_numpy(), abs=1e-9)


def test_summary_means_intervals_and_pairs(small):
    summary = summarize_sweep(small)
    # One row per setting and arrangement (2 x 2 x 2) and one paired row per setting (4).
    assert len(summary) == 12
    part = summary[summary["income_arrangement"] == "aligned"]
    mean = (
        small[small["income_arrangement"] == "aligned"]
        .groupby(["residential_v_target", "income_v_black_target"])["v_assigned"]
        .mean()
    )
    assert part["v_assigned_mean"].to_numpy() == pytest.approx(mean.to_numpy())
    assert (part["cities"] == 3).all()
    for measure in ("v_assigned", "cut", "v_reassigned"):
        rows = summary.dropna(subset=[f"{measure}_mean"])
        assert (rows[f"{measure}_lo"] <= rows[f"{measure}_mean"] + 1e-12).all()
        assert (rows[f"{measure}_mean"] <= rows[f"{measure}_hi"] + 1e-12).all()
    # A share's interval (Wilson) stays within [0, 1].
    rises = summary.dropna(subset=["v_rises_lo"])
    assert ((rises["v_rises_lo"] >= 0) & (rises["v_rises_hi"] <= 1)).all()
    paired = summary[summary["income_arrangement"] == "aligned - independent"]
    # With no income segregation both arrangements are the same city: difference exactly 0.
    none = paired[paired["income_v_black_target"] == 0.0]
    assert none["cut_mean"].to_numpy() == pytest.approx([0.0, 0.0], abs=1e-12)
    # The paired mean is the difference of the two arrangements' means.
    other = paired[paired["income_v_black_target"] == 0.12]
    for res_v, diff in zip(other["residential_v_target"], other["cut_mean"]):
        rows = summary[
            (summary["residential_v_target"] == res_v) & (summary["income_v_black_target"] == 0.12)
        ].set_index("income_arrangement")
        assert diff == pytest.approx(
            rows.loc["aligned", "cut_mean"] - rows.loc["independent", "cut_mean"]
        )


def test_t_interval_by_hand():
    # Values 0, 1, 2, 3 in three cities... of one setting: mean 1.5, s = 1.2910, s.e. 0.6455,
    # t(0.975, 3) = 3.1824 (tables): half-width 2.0543.
    frame = pd.DataFrame(
        {
            "tolerance": 0.1,
            "noise": 0.3,
            "n_schools": 4,
            "regime": "US range",
            "residential_v_target": 0.31,
            "income_v_black_target": 0.12,
            "income_v_white_target": 0.09,
            "income_arrangement": "aligned",
            "seed": range(4),
            "v_nearest": [0.5] * 4,
            "v_assigned": [0.0, 1.0, 2.0, 3.0],
            "cut": 0.0,
            "relative_cut": 0.0,
            "v_reassigned": 0.0,
            "v_rises": [0.0, 0.0, 0.0, 1.0],
            "v_max": 0.9,
        }
    )
    row = summarize_sweep(frame).iloc[0]
    assert row["v_assigned_mean"] == pytest.approx(1.5)
    assert row["v_assigned_hi"] - 1.5 == pytest.approx(2.0543, abs=1e-4)
    # Wilson, 1 of 4, z = 1.96: centre (0.25 + 0.4802) / 1.9604 = 0.3725, half
    # 1.96 sqrt(0.046875 + 0.060025) / 1.9604 = 0.3269.
    assert (row["v_rises_lo"], row["v_rises_hi"]) == pytest.approx((0.0456, 0.6994), abs=1e-4)


def test_regime_and_errors():
    # Twice the literature's means (0.31; 0.12 Black, 0.09 White) bound the US range.
    assert regime(0.62, (0.24, 0.18)) == "US range"
    assert regime(0.8, (0.12, 0.09)) == "beyond US range"
    assert regime(0.31, (0.12, 0.5)) == "beyond US range"
    assert output_names(0.05)["csv"] == "sweep_residential_d0.05.csv"
    with pytest.raises(InputError, match="seeds must be at least 2"):
        sweep_residential(0.1, **dict(SMALL, seeds=1))
    with pytest.raises(InputError, match="arrangements must be among"):
        sweep_residential(0.1, arrangements=("diagonal",), **SMALL)
    with pytest.raises(InputError, match="tolerance must lie in"):
        sweep_residential(0.7, **SMALL)
