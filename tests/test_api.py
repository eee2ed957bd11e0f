"""The notebook API: ``import assignopt as ao`` and the jobs as functions."""

import pytest

import assignopt as ao
from assignopt.spatial.synth import synthetic_city


def test_the_public_names_are_exported():
    for name in (
        "assign",
        "maxseg",
        "read_district",
        "run_scenario",
        "Policy",
        "Population",
        "District",
        "SegregationBound",
        "normalized_exposure",
        "RequestError",
    ):
        assert name in ao.__all__
        assert getattr(ao, name) is not None


def test_assign_takes_the_command_line_options_by_name():
    city = synthetic_city(4, 0.6, 0.3, n_schools=4, seed=3)
    result = ao.assign(city, tolerance=0.1, solver="highs", travel_cap_km=50.0)
    summary = result.summary()
    assert "±0.10" in summary["policy"]
    # The balanced assignment never travels less than the unconstrained nearest-school one.
    assert summary["mean_km"] >= summary["travel"]["nearest"]["mean_km"] - 1e-9
    # The possible interval holds the probable outcome (same population and policy).
    assert summary["possible"]["v_min"] - 1e-9 <= summary["v_assigned"]
    assert summary["v_assigned"] <= summary["possible"]["v_max"] + 1e-9
    with pytest.raises(ao.RequestError, match="colour"):
        ao.assign(city, tolerance=0.1, colour="red")
    with pytest.raises(ao.RequestError, match="tolerance"):
        ao.assign(city, tolerance=0.5)


def test_maxseg_on_a_population():
    # Hand/closed form (the mathematics note, item 2): perfect balance with poverty rates
    # 0.5 and 0.2 allows V = 1 - |0.5 - 0.2| = 0.7 exactly.
    population = ao.Population.dichotomous(0.5, 0.5, 0.2)
    bound = ao.maxseg(population, tolerance=0.0)
    assert bound.upper == pytest.approx(0.7, abs=1e-9)
    assert bound.lower == pytest.approx(0.7, abs=1e-9)
    assert bound.witness is not None
