"""Race-proportional reassignment: hand-worked districts and properties."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from assignopt.errors import InputError, UndefinedIndexError
from assignopt.indices import normalized_exposure
from assignopt.reassign import (
    district_poverty_rate,
    race_proportional_reassignment,
    relative_tolerance,
)

# School A: 80 Black, 20 White, 60 poor; school B: 20 Black, 80 White, 20 poor. pi_p = 0.4.
COUNTS = np.array([[80.0, 20.0], [20.0, 80.0]])
POOR = np.array([60.0, 20.0])


def test_two_schools_exact_balance_by_hand():
    r = race_proportional_reassignment(COUNTS, POOR, 0.0)
    # A sends 100 (0.6 - 0.4) = 20 poor: 16 Black, 4 White (A's mix); B sends 20 nonpoor:
    # 4 Black, 16 White. A: 80 - 16 + 4 = 68 Black; B: 20 - 4 + 16 = 32 Black.
    assert r.movers == pytest.approx(20)
    assert r.counts_after == pytest.approx(np.array([[68.0, 32.0], [32.0, 68.0]]))
    assert r.poor_after == pytest.approx([40.0, 40.0])
    # V before: 2 * 100 * 0.3^2 / (200 * 0.25) = 0.36; after: 2 * 100 * 0.18^2 / 50 = 0.1296.
    assert r.v_before == pytest.approx(0.36)
    assert r.v_after == pytest.approx(0.1296)


def test_two_schools_band_by_hand():
    r = race_proportional_reassignment(COUNTS, POOR, 0.1)
    # Band [0.3, 0.5]: A sends 10 poor (8 Black, 2 White), B 10 nonpoor (2 Black, 8 White).
    assert r.movers == pytest.approx(10)
    assert r.counts_after[:, 0] == pytest.approx([74.0, 26.0])
    assert r.v_after == pytest.approx(2 * 100 * 0.24**2 / 50)
    assert (r.lower_edge, r.upper_edge) == pytest.approx((0.3, 0.5))


def test_band_tightens_the_lighter_side():
    # Three schools, pi_p = (70 + 20 + 10) / 300 = 1/3, d = 0.05: band [0.2833, 0.3833].
    # A (70% poor) would send 31.67 poor; B (20%) and C (10%) 8.33 + 18.33 = 26.67 nonpoor.
    # The lower edge rises until the nonpoor side also moves 31.67.
    counts = np.array([[60.0, 40.0], [30.0, 70.0], [10.0, 90.0]])
    poor = np.array([70.0, 20.0, 10.0])
    r = race_proportional_reassignment(counts, poor, 0.05)
    assert r.upper_edge == pytest.approx(1 / 3 + 0.05)
    # Nonpoor movers 100 (L - 0.2) + 100 (L - 0.1) = 31.67 -> L = (0.3167 + 0.3) / 2.
    assert r.lower_edge == pytest.approx((0.7 - (1 / 3 + 0.05) + 0.3) / 2)
    assert r.movers == pytest.approx(100 * (0.7 - (1 / 3 + 0.05)))


tables = st.integers(2, 8).flatmap(
    lambda j: st.tuples(
        st.lists(st.tuples(st.integers(1, 300), st.integers(1, 300)), min_size=j, max_size=j),
        st.lists(st.floats(0.0, 1.0), min_size=j, max_size=j),
        st.floats(0.0, 0.3),
    )
)


@settings(max_examples=200, deadline=None)
@given(tables)
def test_properties(table):
    groups, rates, d = table
    counts = np.array(groups, dtype=float)
    poor = np.round(counts.sum(axis=1) * np.array(rates))
    exact = race_proportional_reassignment(counts, poor, 0.0)
    # Within-school independence holds by construction: exact balance never raises V.
    assert exact.v_after <= exact.v_before + 1e-12
    # Every school ends at the district poverty rate, with its size unchanged.
    assert exact.counts_after.sum(axis=1) == pytest.approx(counts.sum(axis=1))
    rate = poor.sum() / counts.sum()
    assert exact.poor_after / counts.sum(axis=1) == pytest.approx(np.full(len(poor), rate))
    band = race_proportional_reassignment(counts, poor, d)
    # Band case: poor and nonpoor movers are equal. Senders of poor students lose exactly
    # `movers` poor, so the district keeps its poor only if the receivers gain as many, i.e.
    # only if as many nonpoor left the other schools.
    size = counts.sum(axis=1)
    rate = poor / size
    poor_out = np.clip(size * (rate - band.upper_edge), 0, None).sum()
    nonpoor_out = np.clip(size * (band.lower_edge - rate), 0, None).sum()
    assert poor_out == pytest.approx(nonpoor_out, abs=1e-6)
    assert poor_out == pytest.approx(band.movers, abs=1e-6)
    assert band.poor_after.sum() == pytest.approx(poor.sum())
    # So sizes are kept, and totals by group too.
    assert band.counts_after.sum(axis=1) == pytest.approx(counts.sum(axis=1))
    assert band.counts_after.sum(axis=0) == pytest.approx(counts.sum(axis=0))
    # Senders stop at the (possibly tightened) edges, receivers are swapped to them: every
    # school ends inside the final band.
    new_rate = band.poor_after / counts.sum(axis=1)
    assert np.all(new_rate >= band.lower_edge - 1e-9)
    assert np.all(new_rate <= band.upper_edge + 1e-9)
    assert band.movers <= exact.movers + 1e-9
    # Every mover carries its school's racial mix, so each new school share is a weighted
    # average of old shares and (Jensen) V cannot rise, under a band as under exact balance.
    assert band.v_after <= band.v_before + 1e-12


def test_bad_input():
    with pytest.raises(InputError, match="school 0: 150 poor students but only 100"):
        race_proportional_reassignment(COUNTS, np.array([150.0, 20.0]))
    with pytest.raises(InputError, match="school A: 150 poor students but only 100"):
        race_proportional_reassignment(COUNTS, np.array([150.0, 20.0]), schools=["A", "B"])
    with pytest.raises(InputError, match="negative count"):
        race_proportional_reassignment(-COUNTS, POOR)
    with pytest.raises(InputError, match="tolerance"):
        race_proportional_reassignment(COUNTS, POOR, 0.5)


def test_v_never_rises_seeded_family():
    # A seeded family of districts with 2-30 schools, wide poverty spreads and every tolerance
    # in [0, 0.4]: the theorem (new shares are size-weighted averages of old ones) says V after
    # <= V before for each; the V after is also recomputed here from the returned counts.
    rng = np.random.default_rng(15)
    for _ in range(300):
        j = int(rng.integers(2, 31))
        counts = rng.integers(0, 500, size=(j, 2)).astype(float) + np.array([1.0, 1.0])
        poor = np.floor(counts.sum(axis=1) * rng.beta(0.5, 0.5, size=j))
        d = float(rng.uniform(0.0, 0.4))
        r = race_proportional_reassignment(counts, poor, d)
        assert r.v_after == pytest.approx(normalized_exposure(r.counts_after))
        assert r.v_after <= r.v_before + 1e-12


def test_known_race_by_poverty_mix_by_hand():
    # School A: 80 Black, 20 White, 60 poor of whom 55 Black; school B: 20 Black, 80 White,
    # 20 poor of whom 10 Black. d = 0, pi_p = 0.4: A sends 20 poor split 55:5 (18.33 Black,
    # 1.67 White); B sends 20 nonpoor split by its nonpoor (10 Black, 70 White): 2.5 Black,
    # 17.5 White. A ends with 80 - 18.33 + 2.5 = 64.17 Black.
    by_group = np.array([[55.0, 5.0], [10.0, 10.0]])
    r = race_proportional_reassignment(COUNTS, POOR, 0.0, poor_by_group=by_group)
    assert r.counts_after[:, 0] == pytest.approx([80 - 55 / 3 + 2.5, 20 - 2.5 + 55 / 3])
    assert r.counts_after.sum(axis=1) == pytest.approx([100.0, 100.0])
    assert r.poor_after == pytest.approx([40.0, 40.0])
    # Poor split as the school's racial mix is the independence case, the default.
    independent = COUNTS * (POOR / COUNTS.sum(axis=1))[:, None]
    same = race_proportional_reassignment(COUNTS, POOR, 0.1, poor_by_group=independent)
    default = race_proportional_reassignment(COUNTS, POOR, 0.1)
    assert same.counts_after == pytest.approx(default.counts_after)
    with pytest.raises(InputError, match="add up to poor"):
        race_proportional_reassignment(COUNTS, POOR, poor_by_group=by_group * 0.5)


def test_third_group_without_students():
    # A listed third group with no students in the district: V needs only the first two, and
    # R over the groups present equals V (two groups), so the hand results of the two-group
    # district carry over (V after 0.1296, see test_two_schools_exact_balance_by_hand).
    counts = np.column_stack([COUNTS, np.zeros(2)])
    r = race_proportional_reassignment(counts, POOR, 0.0, groups=["black", "white", "asian"])
    assert r.v_before == pytest.approx(0.36)
    assert r.v_after == pytest.approx(0.1296)
    assert r.r_after == pytest.approx(r.v_after)
    assert r.counts_after[:, 2] == pytest.approx([0.0, 0.0])
    # Without students of one of the first two groups V is undefined, and says so.
    with pytest.raises(UndefinedIndexError, match="'white'"):
        race_proportional_reassignment(
            np.column_stack([COUNTS[:, 0], np.zeros(2)]), POOR / 2, groups=["black", "white"]
        )


def test_relative_tolerance():
    # pi_p = (60 + 20) / 200 = 0.4; a relative tolerance 0.25 is 0.25 x 0.4 = 0.1 absolute.
    rate = district_poverty_rate(COUNTS, POOR)
    assert rate == pytest.approx(0.4)
    assert relative_tolerance(0.25, rate) == pytest.approx(0.1)
    # ... which reproduces the hand-worked band case (band [0.3, 0.5], 10 movers).
    r = race_proportional_reassignment(COUNTS, POOR, relative_tolerance(0.25, rate))
    assert r.movers == pytest.approx(10)
    with pytest.raises(InputError, match="relative tolerance"):
        relative_tolerance(-0.1, rate)
    # 1.5 x 0.4 = 0.6 is beyond any band a tolerance allows.
    with pytest.raises(InputError, match="tolerance must lie in"):
        relative_tolerance(1.5, rate)
