"""Independent classes: no band (classes merged) and fixed class seats (one problem each)."""

import numpy as np
import pytest

from assignopt.spatial.classwise import class_parts, split_flows
from assignopt.spatial.problem import TransportProblem
from assignopt.spatial.transport import transport_assignment

POOR = np.array([True, False])


def test_split_flows_fills_schools_class_by_class():
    # Neighborhood 0: 3 poor and 2 nonpoor students; 4 go to school 0 and 1 to school 1, so
    # school 0 takes the 3 poor and 1 nonpoor, school 1 the other nonpoor (by hand).
    supply = np.array([[3.0, 2.0], [0.0, 4.0]])
    merged = np.array([[[4.0, 1.0]], [[1.0, 3.0]]])
    flows = split_flows(merged, supply).dense()
    assert flows[0].tolist() == [[3.0, 0.0], [1.0, 1.0]]
    assert flows[1].tolist() == [[0.0, 0.0], [1.0, 3.0]]
    assert np.allclose(flows.sum(axis=1), merged[:, 0, :])
    assert np.allclose(flows.sum(axis=2), supply)


def test_parts_by_form():
    supply = np.array([[30.0, 70.0], [50.0, 50.0]])
    km = np.array([[1.0, 2.0], [2.0, 1.0]])
    cap = np.array([100.0, 100.0])
    merged = class_parts(TransportProblem(supply, cap, km))
    assert len(merged) == 1 and merged[0].supply[:, 0].tolist() == [100.0, 100.0]
    # Perfect balance (40% poor): every school's poor seats are fixed at 40, the nonpoor at 60.
    fixed = class_parts(TransportProblem(supply, cap, km, [(POOR, 0.4, 0.4)], True))
    assert [p.capacity.tolist() for p in fixed] == [[40.0, 40.0], [60.0, 60.0]]
    # A band with room, or free enrolment with spare seats: the classes interact.
    assert class_parts(TransportProblem(supply, cap, km, [(POOR, 0.3, 0.5)], True)) is None
    assert class_parts(TransportProblem(supply, cap * 1.1, km, [(POOR, 0.4, 0.4)])) is None


@pytest.mark.parametrize("seed", range(3))
def test_class_by_class_equals_the_dense_lp(seed):
    """Perfect balance with full schools and the nearest-school baseline, solved by the
    network solver class by class (or classes merged): the dense LP's optimum (HiGHS, to 1e-9),
    every student placed, every seat bound kept."""
    pytest.importorskip("ortools")
    rng = np.random.default_rng(seed)
    supply = rng.integers(0, 40, (80, 3)).astype(float)
    total = supply.sum()
    cap = np.full(8, total // 8)
    cap[-1] += total - cap.sum()
    km = rng.uniform(0.1, 9.0, (80, 8))
    shares = supply.sum(axis=0) / total
    bands = [(np.eye(3, dtype=bool)[c], shares[c], shares[c]) for c in (0, 1)]
    for policy in (bands, []):
        lp = transport_assignment(supply, cap, km, policy, method="dense")
        net = transport_assignment(supply, cap, km, policy, solver="ortools")
        assert net.objective_km == pytest.approx(lp.objective_km, rel=1e-9)
        assert np.allclose(net.flows.sum(axis=2), supply)
        seats = net.flows.sum(axis=0).T
        assert np.allclose(seats.sum(axis=1), cap)
        if policy:
            assert np.allclose(seats, cap[:, None] * shares[None, :], atol=1e-6)
            assert "one transportation problem per class" in net.formulation
        else:
            assert "classes merged" in net.formulation
