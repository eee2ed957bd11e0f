"""Seats, the nearest-school fallback, the band guarantee and the seeded draws."""

from __future__ import annotations

from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor

import numpy as np
import pytest

from assignopt.choice import (
    ChoiceProblem,
    LogitPreferences,
    SchoolRules,
    enforce_band,
    place_nearest,
    run_draw,
    seat_targets,
    simulate_choice,
)
from assignopt.errors import InputError
from assignopt.indices import normalized_exposure


def test_seat_targets():
    # Spare capacity 60 for 30 students: scaled by 1/2 exactly.
    np.testing.assert_array_equal(seat_targets(np.array([10, 20, 30]), 30), [5, 10, 15])
    # 3 seats for 2 students: 2/3 each, largest remainders (ties in order) get the two seats.
    np.testing.assert_array_equal(seat_targets(np.array([1, 1, 1]), 2), [1, 1, 0])
    # No spare capacity: the capacities themselves.
    np.testing.assert_array_equal(seat_targets(np.array([4, 5]), 20), [4, 5])
    with pytest.raises(InputError, match="whole numbers"):
        seat_targets(np.array([1.5]), 2)


def test_enforce_band_hand_example():
    # One school, 6 poor (students 0-5) and 4 nonpoor (6-9), band [0.2, 0.4]. Keeping all 4
    # nonpoor allows at most floor(0.4 / 0.6 * 4) = 2 poor (rate 1/3); no larger set fits.
    # Four poor students leave: student 5 (placed by the fallback) and the worst lotteries
    # among the others, 4, 3 and 2.
    school = np.zeros(10, dtype=int)
    poor = np.arange(10) < 6
    lottery = np.arange(10)
    late = np.zeros(10, bool)
    late[5] = True
    out, removed = enforce_band(school, poor, lottery, 0.2, 0.4, late)
    np.testing.assert_array_equal(np.flatnonzero(removed), [2, 3, 4, 5])
    assert (out[~removed] == 0).all() and (out[removed] == -1).all()


def test_enforce_band_empties_a_school_no_subset_fits():
    # 5 poor and 1 nonpoor, band [0.2, 0.4]: one nonpoor admits no poor (0.4/0.6 < 1), and a
    # school of only nonpoor has rate 0 < 0.2, so nobody can stay.
    school = np.zeros(6, dtype=int)
    poor = np.array([True] * 5 + [False])
    out, removed = enforce_band(school, poor, np.arange(6), 0.2, 0.4)
    assert removed.all() and (out == -1).all()


def test_place_nearest_respects_class_quota():
    # Student 0 (poor) is unassigned; the nearest school 0 has a seat but its poor quota is
    # full (it holds student 1, poor; quota 1), so she goes to school 1.
    school = np.array([-1, 0])
    poor = np.array([True, True])
    distance = np.array([[1.0, 2.0], [1.0, 2.0]])
    rules = SchoolRules([2, 2], [1, 2], [2, 2], [0, 0])
    out, placed = place_nearest(school, poor, np.array([0, 1]), distance, rules)
    np.testing.assert_array_equal(out, [1, 0])
    np.testing.assert_array_equal(placed, [True, False])


def segregated_city(seed=0, n_nb=80, n_schools=8, per_nb=(40, 120)):
    """Neighborhoods on a 10 km square, Black share rising west to east, Black families poorer."""
    rng = np.random.default_rng(seed)
    pts = rng.uniform(0, 10_000, (n_nb, 2))
    schools = rng.uniform(0, 10_000, (n_schools, 2))
    share = np.clip(pts[:, 0] / 10_000, 0.05, 0.95)
    tot = rng.integers(*per_nb, n_nb)
    b = rng.binomial(tot, share)
    w = tot - b
    bp, wp = rng.binomial(b, 0.45), rng.binomial(w, 0.15)
    counts = np.stack([np.stack([bp, b - bp], 1), np.stack([wp, w - wp], 1)], 1)
    dist = np.linalg.norm(pts[:, None] - schools[None], axis=2)
    cap = np.full(n_schools, int(counts.sum() * 1.2 / n_schools))
    return counts, cap, dist, pts, schools


@pytest.mark.parametrize("list_length", [None, 2])
@pytest.mark.parametrize("scale_seats", [True, False])
def test_band_holds_in_every_draw(list_length, scale_seats):
    counts, cap, dist, _, _ = segregated_city(1)
    d = 0.05
    problem = ChoiceProblem(
        counts,
        cap,
        d,
        "band",
        LogitPreferences(list_length=list_length),
        neighborhood_distance=dist,
        distance_scale=0.001,
        scale_seats=scale_seats,
    )
    rules = problem.rules()
    summary = simulate_choice(problem, draws=8, seed=3)
    pi_p = problem.poverty_rate
    per_draw = summary.school_counts()
    assert per_draw.shape == (8, cap.size, 2, 2)
    for c in per_draw:
        poor = c[:, :, 0].sum(axis=1)
        total = c.sum(axis=(1, 2))
        assert np.all(poor <= rules.poor_quota)
        assert np.all(total - poor <= rules.nonpoor_quota)
        rate = poor[total > 0] / total[total > 0]
        assert np.all((rate >= pi_p - d - 1e-12) & (rate <= pi_p + d + 1e-12))
    for draw in summary.draws:
        # Every student is counted once: at a school or unassigned.
        assert draw.school_counts.sum() + draw.unassigned == counts.sum()
    cr = summary.composition_range()
    assert np.nanmin(cr["poverty_min"]) >= pi_p - d - 1e-12
    assert np.nanmax(cr["poverty_max"]) <= pi_p + d + 1e-12


def test_nearest_school_outcome_without_noise():
    # Distance-only preferences, no taste shock, plain DA, capacity to spare and not scaled:
    # every student attends her neighborhood's nearest school, so V equals V of the counts
    # summed by nearest school (computed here directly from the distance matrix).
    counts, cap, dist, _, _ = segregated_city(2)
    cap = np.full(cap.size, counts.sum())
    problem = ChoiceProblem(
        counts,
        cap,
        0.1,
        "none",
        LogitPreferences(noise_scale=0.0),
        neighborhood_distance=dist,
        scale_seats=False,
    )
    outcome = run_draw(problem, 0)
    nearest = dist.argmin(axis=1)
    by_school = np.zeros((cap.size, 2))
    np.add.at(by_school, nearest, counts.sum(axis=2))
    assert outcome.v == pytest.approx(normalized_exposure(by_school), abs=1e-12)
    assert outcome.first_choice == counts.sum() and outcome.unassigned == 0
    expected_travel = (counts.sum(axis=(1, 2)) * dist.min(axis=1)).sum() / counts.sum()
    assert outcome.mean_travel == pytest.approx(expected_travel, rel=1e-5)


def test_draws_reproducible_and_independent_of_scheduling():
    counts, cap, dist, _, _ = segregated_city(3)
    problem = ChoiceProblem(
        counts, cap, 0.1, "minimum", neighborhood_distance=dist, distance_scale=0.001
    )
    serial = simulate_choice(problem, draws=4, seed=11)
    with ThreadPoolExecutor(2) as pool:
        threaded = simulate_choice(problem, draws=4, seed=11, map_function=pool.map)
    np.testing.assert_array_equal(serial.school_counts(), threaded.school_counts())
    assert serial.stats() == threaded.stats()
    with ProcessPoolExecutor(2) as pool:  # the problem and draw function must pickle
        in_processes = simulate_choice(problem, draws=4, seed=11, map_function=pool.map)
    np.testing.assert_array_equal(serial.school_counts(), in_processes.school_counts())
    other = simulate_choice(problem, draws=4, seed=12)
    assert not np.array_equal(serial.school_counts(), other.school_counts())


def test_stats_fields_and_ranges():
    counts, cap, dist, pts, schools = segregated_city(4)
    problem = ChoiceProblem(
        counts,
        cap,
        0.1,
        "band",
        LogitPreferences(list_length=3),
        neighborhood_points=pts,
        school_points=schools,
        distance_scale=0.001,
    )
    stats = simulate_choice(problem, draws=5, seed=0).stats()
    assert stats["draws"] == 5
    assert 0 <= stats["v_p05"] <= stats["v_mean"] <= stats["v_p95"] <= 1
    assert 0 < stats["first_choice_share"] <= stats["top3_share"] <= 1
    assert stats["mean_travel"] > 0
    assert stats["unassigned"] >= stats["removed_for_band"]


def test_own_group_preference_raises_segregation():
    # Race-blind plain DA: when families weigh their own group's share at school (today's
    # composition, here the nearest-school one), V rises against distance-only preferences.
    counts, cap, dist, _, _ = segregated_city(5)
    nearest = dist.argmin(axis=1)
    by_school = np.zeros((cap.size, 2))
    np.add.at(by_school, nearest, counts.sum(axis=2))
    share = by_school / by_school.sum(axis=1, keepdims=True)
    base = dict(neighborhood_distance=dist, distance_scale=0.001, school_group_share=share)
    plain = ChoiceProblem(counts, cap, 0.1, "none", LogitPreferences(), **base)
    own = ChoiceProblem(
        counts, cap, 0.1, "none", LogitPreferences(own_group_share_coefficient=4.0), **base
    )
    assert simulate_choice(own, 3).stats()["v_mean"] > simulate_choice(plain, 3).stats()["v_mean"]


def test_problem_errors():
    counts, cap, dist, _, _ = segregated_city(6)
    with pytest.raises(InputError, match="reserve must be"):
        ChoiceProblem(counts, cap, 0.1, "quota", neighborhood_distance=dist)
    with pytest.raises(InputError, match="neighborhood_distance has shape"):
        ChoiceProblem(counts, cap, 0.1, neighborhood_distance=dist[:, :3])
    with pytest.raises(InputError, match="school 07: capacity"):
        bad = cap.astype(float)
        bad[1] = -3
        ChoiceProblem(
            counts,
            bad,
            0.1,
            neighborhood_distance=dist,
            school_ids=[f"{j:02d}" for j in range(6, 6 + cap.size)],
        )
    with pytest.raises(InputError, match="draws"):
        simulate_choice(ChoiceProblem(counts, cap, 0.1, neighborhood_distance=dist), draws=0)


def test_to_dict_has_reporting_keys():
    counts, cap, dist, _, _ = segregated_city(7)
    summary = simulate_choice(
        ChoiceProblem(counts, cap, 0.1, neighborhood_distance=dist), draws=2, seed=5
    )
    out = summary.to_dict()
    keys = {"v_mean", "v_p05", "v_p95", "d_mean", "h_mean", "first_choice_share", "top3_share"}
    keys |= {"unassigned", "unfilled_reserve_seats", "draws", "seed"}
    assert keys <= set(out)
    assert out["draws"] == 2 and out["seed"] == 5
    # The mean over draws, recomputed from the draws themselves.
    assert out["v_mean"] == pytest.approx(np.mean([d.v for d in summary.draws]))
