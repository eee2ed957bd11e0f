"""Sparse flows against the dense arrays they stand for (hand-computed values)."""

import numpy as np
import pytest

from assignopt.spatial.assign import assigned_schools, school_compositions, travel_statistics
from assignopt.spatial.flows import Flows


def test_arcs_are_summed_sorted_and_empty_ones_dropped():
    # Arcs given out of order, one twice, one empty and one with rounding noise below 0.
    flows = Flows.from_arcs(
        [1, 0, 1, 0, 0], [0, 1, 0, 0, 0], [1, 0, 1, 1, 0], [2.0, 3.0, 5.0, 0.0, -1e-12], (2, 2, 2)
    )
    assert flows.neighborhood.tolist() == [0, 1]
    assert flows.income_class.tolist() == [1, 0]
    assert flows.school.tolist() == [0, 1]
    assert flows.students.tolist() == [3.0, 7.0]  # 2 + 5 on (1, 0, 1)
    dense = flows.dense()
    assert dense.shape == (2, 2, 2) and dense.sum() == 10.0 and dense[1, 0, 1] == 7.0


def test_dense_round_trip_and_summaries():
    rng = np.random.default_rng(0)
    dense = rng.integers(0, 3, size=(6, 2, 4)).astype(float)
    dense[dense == 1] = 0.0  # leave zeros to drop
    flows = Flows.from_dense(dense)
    assert flows.size == int((dense > 0).sum())
    np.testing.assert_array_equal(flows.dense(), dense)
    np.testing.assert_array_equal(flows.by_school(), dense.sum(axis=0).T)
    np.testing.assert_array_equal(flows.by_neighborhood(), dense.sum(axis=2))
    np.testing.assert_array_equal(flows.per_pair(), dense.sum(axis=1))
    km = rng.uniform(0, 5, size=(6, 4))
    assert flows.student_km(km) == pytest.approx(float(np.einsum("nks,ns->", dense, km)))
    rows, cols, students = flows.pairs(minimum=2.0)  # pairs carrying more than 2
    per_pair = dense.sum(axis=1)
    expect_r, expect_c = np.nonzero(per_pair > 2.0)
    assert rows.tolist() == expect_r.tolist() and cols.tolist() == expect_c.tolist()
    np.testing.assert_array_equal(students, per_pair[expect_r, expect_c])


def test_consumers_read_flows_and_dense_arrays_alike():
    # One neighborhood of 30 Black and 10 White poor, 10 Black and 50 White nonpoor; school 0
    # takes 20 poor and 30 nonpoor, school 1 the rest (as in test_spatial, by hand).
    counts = np.array([[[30.0, 10.0], [10.0, 50.0]]])
    dense = np.array([[[20.0, 20.0], [30.0, 30.0]]])
    flows = Flows.from_dense(dense)
    comp = school_compositions(counts, flows)
    np.testing.assert_allclose(comp, school_compositions(counts, dense))
    assert comp[0, :, 0] == pytest.approx([15.0, 5.0])  # 20 poor, 3/4 of them Black
    km = np.array([[1.0, 3.0]])
    stats = travel_statistics(flows, km)
    # 50 students at 1 km, 50 at 3 km: mean 2, median 1 (the 50th student), p95 3, half not
    # at the nearest school, 50 + 150 student-km.
    assert stats == pytest.approx(
        {
            "mean_km": 2.0,
            "median_km": 1.0,
            "p95_km": 3.0,
            "share_not_nearest": 0.5,
            "objective_km": 200.0,
        }
    )
    assert travel_statistics(dense, km) == stats
    main, share, listing = assigned_schools(flows, ["a", "b"])
    assert main == ["a"] and share.tolist() == [0.5] and listing == ["a:0.50;b:0.50"]
