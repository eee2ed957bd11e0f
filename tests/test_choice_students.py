"""Students drawn from counts, their locations and distances, and the logit preferences."""

from __future__ import annotations

import numpy as np
import pytest
from matplotlib.path import Path
from scipy.spatial.distance import cdist

from assignopt.choice.preferences import LogitPreferences, gumbel_noise
from assignopt.choice.students import draw_students, expand_counts, student_distance
from assignopt.errors import InputError


def test_expand_counts_reproduces_counts():
    counts = np.array([[[2, 0], [1, 3]], [[0, 4], [5, 1]]])
    s = expand_counts(counts)
    assert s.n == counts.sum()
    # Re-tabulating the students gives the counts back (independent of the expansion order).
    table = np.zeros_like(counts)
    np.add.at(table, (s.neighborhood, s.group, s.income_class), 1)
    np.testing.assert_array_equal(table, counts)


def test_counts_must_be_whole():
    with pytest.raises(InputError, match="neighborhood 06067001101"):
        expand_counts(np.array([[[1.5, 0.0]]]), neighborhood_ids=["06067001101"])


def test_polygon_locations_inside_and_uniform():
    # An L-shaped neighborhood: the unit square [0,2]x[0,2] minus [1,2]x[1,2]; area 3, centroid
    # (by hand: three unit squares at (0.5,0.5), (1.5,0.5), (0.5,1.5)) = (5/6, 5/6).
    ring = np.array([[0, 0], [2, 0], [2, 1], [1, 1], [1, 2], [0, 2]], dtype=float)
    counts = np.array([[[20000, 10000]]])
    s = draw_students(counts, np.random.default_rng(0), polygons=[ring])
    assert Path(ring).contains_points(s.xy).all()  # matplotlib's test, not ours
    # Each coordinate lies in [0, 2], so its variance is at most 1: with 30,000 students the
    # mean's standard error is below 0.006, and 0.02 is over three of them.
    np.testing.assert_allclose(s.xy.mean(axis=0), [5 / 6, 5 / 6], atol=0.02)


def test_points_and_boxes():
    counts = np.array([[[1, 1]], [[2, 0]]])
    pts = np.array([[0.0, 0.0], [3.0, 4.0]])
    s = draw_students(counts, np.random.default_rng(1), points=pts)
    np.testing.assert_array_equal(s.xy, pts[[0, 0, 1, 1]])
    boxes = np.array([[0, 0, 1, 1], [10, 10, 12, 11]], dtype=float)
    s = draw_students(counts, np.random.default_rng(1), boxes=boxes)
    b = boxes[s.neighborhood]
    assert np.all((s.xy >= b[:, :2]) & (s.xy <= b[:, 2:]))


def test_student_distance_matches_scipy_and_matrix_rows():
    rng = np.random.default_rng(2)
    counts = rng.integers(0, 5, size=(6, 2, 2))
    pts = rng.uniform(0, 5000, (6, 2))
    schools = rng.uniform(0, 5000, (3, 2))
    s = draw_students(counts, rng, points=pts)
    d = student_distance(s, school_points=schools, scale=0.001)
    np.testing.assert_allclose(d, cdist(s.xy, schools) / 1000, rtol=1e-5)
    matrix = cdist(pts, schools)
    d2 = student_distance(s, neighborhood_distance=matrix, scale=0.001)
    np.testing.assert_allclose(d2, matrix[s.neighborhood] / 1000, rtol=1e-6)


def test_gumbel_noise_moments():
    # Standard Gumbel: mean = Euler's gamma 0.5772, variance pi^2 / 6 = 1.645.
    e = gumbel_noise(np.random.default_rng(3), (400_000,)).astype(float)
    assert abs(e.mean() - 0.5772) < 0.01
    assert abs(e.var() - np.pi**2 / 6) < 0.02


def test_logit_shares_by_group():
    # Two schools, every student 1 km from school 0 and 3 km from school 1. Logit: the share
    # choosing school 1 is 1 / (1 + exp(beta * 2)); beta = 0.5 for group 0 gives 0.2689,
    # beta = 1.0 for group 1 gives 0.1192. 100,000 students per group: SE < 0.0015.
    n = 100_000
    group = np.repeat([0, 1], n)
    distance = np.tile([1.0, 3.0], (2 * n, 1)).astype(np.float32)
    prefs = LogitPreferences(distance_coefficient=[0.5, 1.0])
    u = prefs.utility(distance, group, 2, np.random.default_rng(4))
    far = u[:, 1] > u[:, 0]
    assert abs(far[:n].mean() - 1 / (1 + np.exp(1.0))) < 0.006
    assert abs(far[n:].mean() - 1 / (1 + np.exp(2.0))) < 0.006


def test_own_group_share_and_school_effects():
    # Equal distances; school 0 is 80% group 0, school 1 is 20%. With gamma = 2 for group 0,
    # P(school 0) = 1 / (1 + exp(-2 * 0.6)) = 0.7685; group 1 has gamma 0 but a school effect
    # of +1 on school 1: P(school 0) = 1 / (1 + e) = 0.2689.
    n = 100_000
    group = np.repeat([0, 1], n)
    distance = np.ones((2 * n, 2), dtype=np.float32)
    prefs = LogitPreferences(
        own_group_share_coefficient=[2.0, 0.0], school_effects=[[0.0, 0.0], [0.0, 1.0]]
    )
    share = np.array([[0.8, 0.2], [0.2, 0.8]])
    u = prefs.utility(distance, group, 2, np.random.default_rng(5), school_group_share=share)
    first = u[:, 0] > u[:, 1]
    assert abs(first[:n].mean() - 1 / (1 + np.exp(-1.2))) < 0.006
    assert abs(first[n:].mean() - 1 / (1 + np.e)) < 0.006


def test_no_noise_is_distance_only_and_rankings():
    distance = np.array([[3.0, 1.0, 2.0]], dtype=np.float32)
    prefs = LogitPreferences(noise_scale=0.0, list_length=2)
    u = prefs.utility(distance, np.zeros(1, int), 1)
    np.testing.assert_allclose(u, -0.5 * distance)
    np.testing.assert_array_equal(prefs.rankings(u), [[1, 2]])


def test_preference_errors():
    with pytest.raises(InputError, match="school_group_share"):
        LogitPreferences(own_group_share_coefficient=1.0).utility(
            np.ones((1, 2), np.float32), np.zeros(1, int), 1, np.random.default_rng(0)
        )
    with pytest.raises(InputError, match="distance_coefficient"):
        LogitPreferences(distance_coefficient=[1.0, 2.0, 3.0]).utility(
            np.ones((1, 2), np.float32), np.zeros(1, int), 2, np.random.default_rng(0)
        )
    with pytest.raises(InputError, match="list_length"):
        LogitPreferences(list_length=0)


def test_neighborhood_rows_same_as_student_matrix():
    # The same seed gives the same utilities whether distances come per neighborhood (rows
    # gathered inside) or already expanded per student.
    rng = np.random.default_rng(6)
    nb_distance = rng.uniform(0, 5, (4, 3))
    neighborhood = rng.integers(0, 4, 50_000)
    group = rng.integers(0, 2, 50_000)
    prefs = LogitPreferences(distance_coefficient=[0.5, 0.8], school_effects=[0.0, 1.0, -1.0])
    a = prefs.utility(nb_distance, group, 2, np.random.default_rng(1), neighborhood=neighborhood)
    b = prefs.utility(nb_distance[neighborhood], group, 2, np.random.default_rng(1))
    np.testing.assert_array_equal(a, b)
    # And the input is left untouched.
    assert np.all(nb_distance >= 0) and nb_distance.shape == (4, 3)
