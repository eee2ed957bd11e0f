"""Income models, poverty rates and the optimal poverty threshold."""

import numpy as np
import pytest
from scipy import integrate, stats

from assignopt import (
    BinnedIncome,
    EmpiricalIncome,
    GammaIncome,
    InputError,
    NoCrossingError,
    optimal_poverty_threshold,
    poverty_rate,
)
from assignopt.income import class_table, district_quantile_edges


class GenericGamma:
    """A gamma income model the library does not recognise, forcing the general root-finder."""

    def __init__(self, shape, scale):
        self.shape, self.scale = shape, scale

    def cdf(self, x):
        return stats.gamma.cdf(x, self.shape, scale=self.scale)

    def pdf(self, x):
        return stats.gamma.pdf(x, self.shape, scale=self.scale)

    def upper_income(self):
        return float(stats.gamma.isf(1e-9, self.shape, scale=self.scale))


def test_literature_gamma_parameters():
    black = GammaIncome.from_mean(24_600)
    assert black.shape == 1.56
    assert black.scale == pytest.approx(0.64 * 24_600)
    # The literature's calibration: median about 0.8 of the mean.
    median = stats.gamma.median(black.shape, scale=black.scale)
    assert median / 24_600 == pytest.approx(0.8, abs=0.02)
    other = GammaIncome.from_mean(30_000, shape=2.0)
    assert other.mean == pytest.approx(30_000)


def test_poverty_rate_is_the_cdf():
    white = GammaIncome.from_mean(52_100)
    expected, _ = integrate.quad(white.pdf, 0, 20_000)
    assert poverty_rate(white, 20_000) == pytest.approx(expected, rel=1e-9)


def test_optimal_threshold_closed_form_matches_root_finder():
    black, white = GammaIncome.from_mean(24_600), GammaIncome.from_mean(52_100)
    closed = optimal_poverty_threshold(black, white)
    searched = optimal_poverty_threshold(
        GenericGamma(black.shape, black.scale), GenericGamma(white.shape, white.scale)
    )
    assert closed == pytest.approx(searched, rel=1e-9)
    # The densities cross there, and the dichotomous bound is smallest there.
    assert black.pdf(closed) == pytest.approx(white.pdf(closed), rel=1e-9)
    grid = np.linspace(1_000, 150_000, 3_000)
    separation = np.abs(black.cdf(grid) - white.cdf(grid))
    assert abs(black.cdf(closed) - white.cdf(closed)) >= separation.max() - 1e-12


def test_optimal_threshold_with_two_crossings_picks_the_largest_separation():
    # Different shapes cross twice; the answer must be the crossing with the widest CDF gap.
    black, white = GenericGamma(1.2, 20_000), GenericGamma(4.0, 8_000)
    found = optimal_poverty_threshold(black, white)
    grid = np.linspace(10, 300_000, 300_000)
    best = grid[np.argmax(np.abs(black.cdf(grid) - white.cdf(grid)))]
    assert found == pytest.approx(best, rel=1e-3)


def test_non_crossing_densities_are_refused():
    same = GammaIncome.from_mean(40_000)
    with pytest.raises(NoCrossingError, match="never cross"):
        optimal_poverty_threshold(same, GammaIncome.from_mean(40_000))
    with pytest.raises(NoCrossingError, match="do not cross"):
        optimal_poverty_threshold(GenericGamma(2.0, 10_000), GenericGamma(2.0, 10_000))


def test_binned_income():
    binned = BinnedIncome([0, 10_000, 30_000, 60_000], [2, 6, 2])
    assert binned.cdf(10_000) == pytest.approx(0.2)
    assert binned.cdf(20_000) == pytest.approx(0.5)  # linear within a class
    assert binned.pdf(5_000) == pytest.approx(0.2 / 10_000)
    assert poverty_rate(binned, 30_000) == pytest.approx(0.8)
    with pytest.raises(InputError, match="K \\+ 1 edges"):
        BinnedIncome([0, 1], [1, 2])
    with pytest.raises(InputError, match="counts must be finite, >= 0"):
        BinnedIncome([0, 1, 2], [1, -2])
    with pytest.raises(InputError, match="strictly increase"):
        BinnedIncome([0, 5, 3], [1, 1])


def test_binned_densities_cross_at_a_class_edge():
    black = BinnedIncome([0, 10_000, 20_000, 40_000], [5, 3, 2])
    white = BinnedIncome([0, 10_000, 20_000, 40_000], [2, 3, 5])
    # Densities: black 5e-5, 3e-5, 1e-5; white 2e-5, 3e-5, 2.5e-5: the sign changes between
    # the first and the last class; the CDF gap |F_b - F_w| peaks over [10k, 20k] (0.3).
    found = optimal_poverty_threshold(black, white)
    assert 10_000 - 1 <= found <= 20_000 + 1
    assert abs(black.cdf(found) - white.cdf(found)) == pytest.approx(0.3, abs=1e-6)


def test_empirical_income():
    emp = EmpiricalIncome([10_000, 20_000, 30_000, 40_000], weights=[1, 1, 1, 1])
    assert emp.cdf(25_000) == pytest.approx(0.5)
    assert emp.cdf(20_000) == pytest.approx(0.5)
    assert emp.binned([0, 15_000, 50_000]).counts == pytest.approx([0.25, 0.75])
    with pytest.raises(InputError, match="no density"):
        emp.pdf(1.0)
    with pytest.raises(InputError, match="finite and >= 0"):
        EmpiricalIncome([1.0, np.nan])


def test_bad_parameters_are_named():
    with pytest.raises(InputError, match=r"^threshold must be a positive number"):
        poverty_rate(GammaIncome.from_mean(40_000), 0)
    with pytest.raises(InputError, match=r"^mean must be a positive number"):
        GammaIncome.from_mean(-5)
    with pytest.raises(InputError, match=r"^shape must be a positive number"):
        GammaIncome(shape=0.0, scale=1.0)
    with pytest.raises(InputError, match=r"^n_classes must be an integer >= 2"):
        district_quantile_edges(GammaIncome.from_mean(1), GammaIncome.from_mean(2), 0.5, 1)
    with pytest.raises(InputError, match=r"^black_share must lie strictly between"):
        class_table(GammaIncome.from_mean(1), GammaIncome.from_mean(2), 1.5, [0, 1, 2])


def test_quantile_edges_split_the_district_evenly():
    black, white = GammaIncome.from_mean(24_600), GammaIncome.from_mean(52_100)
    edges = district_quantile_edges(black, white, 0.3, 50)
    table = class_table(black, white, 0.3, edges)
    assert table.sum() == pytest.approx(1.0, abs=1e-12)
    assert table.sum(axis=0) == pytest.approx(np.full(50, 1 / 50), abs=2e-4)
    assert table[0].sum() == pytest.approx(0.3, abs=1e-12)
