"""Synthetic cities: realized segregation as asked, the two income arrangements, errors."""

import numpy as np
import pytest

from assignopt.errors import InputError
from assignopt.spatial.synth import realized_segregation, segregated_city, synthetic_city


@pytest.mark.parametrize("axis", ["independent", "aligned"])
@pytest.mark.parametrize("noise", [0.0, 0.3])
def test_realized_measures_are_the_targets(axis, noise):
    # A blend with weight r of the even and the sorted pattern has r^2 times the sorted V
    # (V is quadratic in the deviations; sizes do not move), so r = sqrt(target / V_sorted)
    # hits the target exactly: checked here by recomputing V from the counts.
    for res_v, inc_v in [(0.31, (0.12, 0.09)), (0.05, (0.3, 0.01)), (1.0, (0.9, 0.5))]:
        city = segregated_city(res_v, inc_v, income_axis=axis, noise=noise, seed=4)
        got = realized_segregation(city)
        assert got["residential_v"] == pytest.approx(res_v, abs=1e-12)
        assert got["income_v_black"] == pytest.approx(inc_v[0], abs=1e-12)
        assert got["income_v_white"] == pytest.approx(inc_v[1], abs=1e-12)
        counts = city.counts()
        # Group sizes and poverty rates are the ones asked for (defaults 0.4, 0.4, 0.15).
        assert counts[:, 0, :].sum() / counts.sum() == pytest.approx(0.4)
        assert counts[:, 0, 0].sum() / counts[:, 0, :].sum() == pytest.approx(0.4)
        assert counts[:, 1, 0].sum() / counts[:, 1, :].sum() == pytest.approx(0.15)


def test_arrangements_share_the_racial_pattern():
    # The race noise is drawn first, so one seed gives one racial pattern under both income
    # arrangements; with no income segregation the two cities are the same city.
    a = segregated_city(0.4, 0.2, income_axis="independent", seed=7).counts()
    b = segregated_city(0.4, 0.2, income_axis="aligned", seed=7).counts()
    assert a.sum(axis=2) == pytest.approx(b.sum(axis=2))
    assert not np.allclose(a, b)
    a0 = segregated_city(0.4, 0.0, income_axis="independent", seed=7).counts()
    b0 = segregated_city(0.4, 0.0, income_axis="aligned", seed=7).counts()
    assert np.array_equal(a0, b0)


def test_what_the_arrangements_mean():
    # noise 0: the race score is the west-east coordinate, the independent income score the
    # south-north one. Neighborhood k of a 10 x 10 grid sits at column k // 10, row k % 10.
    x = np.repeat(np.arange(10), 10)
    y = np.tile(np.arange(10), 10)
    aligned = segregated_city(1.0, 1.0, income_axis="aligned", noise=0.0).counts()
    across = segregated_city(1.0, 1.0, income_axis="independent", noise=0.0).counts()
    # Aligned: each race's poor live toward the Black (west) end of that race's area; the
    # White poor (1,200 = 6 neighborhoods) fill the White columns next to the Black ones.
    white_poor = aligned[:, 1, 0]
    assert np.average(x, weights=white_poor) < np.average(x, weights=aligned[:, 1, 1])
    assert set(x[white_poor > 0]) == {4}
    # ... and at residential V = 1 no neighborhood holds Black and White poor together.
    assert not np.any((aligned[:, 0, 0] > 0) & (aligned[:, 1, 0] > 0))
    # Independent: each race's poor live in the south of its own area, in every column.
    for m in range(2):
        poor, nonpoor = across[:, m, 0], across[:, m, 1]
        assert np.average(y, weights=poor) < np.average(y, weights=nonpoor)
    assert set(x[across[:, 1, 0] > 0]) == set(range(4, 10))


def test_blend_weights_still_work():
    # synthetic_city takes blend weights: V = r^2 for a city whose Black students fill whole
    # neighborhoods (25 x 0.4 = 10), per group for a (Black, White) pair of weights.
    city = synthetic_city(5, 0.5, (1.0, 0.0), seed=1)
    got = realized_segregation(city)
    assert got["residential_v"] == pytest.approx(0.25)
    assert got["income_v_white"] == pytest.approx(0.0, abs=1e-12)
    assert got["income_v_black"] > 0.9


def test_errors():
    # 36 neighborhoods x 0.4 = 14.4: fully sorted, 14 all-Black neighborhoods, one with 80
    # Black and 120 White, 21 all-White; V = (14 x 200 x 0.36 + 21 x 200 x 0.16) /
    # (7200 x 0.24) = 1680 / 1728 = 0.9722, so V = 1 is out of reach.
    with pytest.raises(InputError, match="residential_v 1 is out of reach.*V = 0.9722"):
        segregated_city(1.0, 0.0, grid=6)
    with pytest.raises(InputError, match="residential_v must lie in"):
        segregated_city(1.2, 0.0)
    with pytest.raises(InputError, match="income_v must be one number or a"):
        segregated_city(0.3, (0.1, 0.1, 0.1))
    with pytest.raises(InputError, match="noise must be"):
        segregated_city(0.3, 0.1, noise=-1)
    with pytest.raises(InputError, match="income_axis must be"):
        segregated_city(0.3, 0.1, income_axis="diagonal")
