"""Node potentials that certify an optimal min-cost flow, recovered from the flow alone.

A flow ``x`` on arcs ``tail -> head`` with integer ``cost`` and ``0 <= x <= capacity`` is
optimal exactly when there are node potentials ``d`` with reduced cost
``cost + d[tail] - d[head]`` at least 0 on every arc with ``x < capacity`` and at most 0 on
every arc with ``x > 0`` (no negative cycle in the residual graph). Flow solvers such as
OR-Tools' cost-scaling code return the flow but not these potentials, and pricing left-out
arcs needs them, so they are rebuilt here in integer arithmetic:

1. arcs strictly between their bounds must have reduced cost 0: along a spanning forest of
   those arcs the potentials follow exactly (pointer jumping, vectorized);
2. the components of that forest are then shifted against each other by the remaining
   inequalities, a system of difference constraints solved by Bellman-Ford on the (small)
   graph of components.

A violated inequality inside a component, or a negative cycle between components, means the
flow was not optimal; both raise.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
from scipy.sparse.csgraph import breadth_first_tree, connected_components

from assignopt.errors import AssignoptError

__all__ = ["node_potentials"]


def node_potentials(
    n_nodes: int,
    tail: np.ndarray,
    head: np.ndarray,
    capacity: np.ndarray,
    cost: np.ndarray,
    flow: np.ndarray,
) -> np.ndarray:
    """Integer potentials ``d`` proving ``flow`` optimal.

    Parameters
    ----------
    n_nodes : int
        Number of nodes; arcs refer to nodes ``0 .. n_nodes - 1``.
    tail, head, capacity, cost, flow : numpy.ndarray
        One entry per arc (integers).

    Returns
    -------
    numpy.ndarray
        ``d`` of shape ``(n_nodes,)`` (int64) with ``cost + d[tail] - d[head] >= 0`` wherever
        ``flow < capacity`` and ``<= 0`` wherever ``flow > 0``.

    Raises
    ------
    AssignoptError
        If the flow is not optimal (no such potentials exist).
    """
    tail, head = np.asarray(tail, np.int64), np.asarray(head, np.int64)
    cost = np.asarray(cost, np.int64)
    forward = flow < capacity
    backward = flow > 0
    tight = forward & backward
    # One tight arc per unordered node pair is enough (parallel tight arcs agree).
    pair = np.minimum(tail, head) * n_nodes + np.maximum(tail, head)
    tight_idx = np.flatnonzero(tight)
    tight_idx = tight_idx[np.unique(pair[tight_idx], return_index=True)[1]]
    t, h = tail[tight_idx], head[tight_idx]
    graph = sp.coo_matrix((np.ones(t.size), (t, h)), shape=(n_nodes, n_nodes))
    n_comp, label = connected_components(graph, directed=False)
    # Spanning forest: breadth-first from a virtual root joined to one node per component.
    first = np.empty(n_comp, np.int64)
    first[label[::-1]] = np.arange(n_nodes)[::-1]
    root = n_nodes
    arc_id = np.arange(t.size, dtype=float) + 1.0  # signed arc ids, never zero
    signed = sp.csr_matrix(
        (
            np.concatenate([arc_id, -arc_id, np.full(n_comp, 0.5)]),
            (np.concatenate([t, h, np.full(n_comp, root)]), np.concatenate([h, t, first])),
        ),
        shape=(n_nodes + 1, n_nodes + 1),
    )
    tree = breadth_first_tree(signed, root, directed=True).tocoo()
    parent = np.full(n_nodes + 1, root, np.int64)
    step = np.zeros(n_nodes + 1, np.int64)  # d[node] - d[parent]
    parent[tree.col] = tree.row
    along = tree.data >= 1
    against = tree.data <= -1
    tight_cost = cost[tight_idx]
    step[tree.col[along]] = tight_cost[tree.data[along].astype(np.int64) - 1]
    step[tree.col[against]] = -tight_cost[(-tree.data[against]).astype(np.int64) - 1]
    parent[root] = root
    # Pointer jumping: within[v] = sum of steps from v's component root down to v.
    within = step.copy()
    pointer = parent.copy()
    while True:
        live = pointer != root
        if not live.any():
            break
        nodes = np.flatnonzero(live)
        within[nodes] += within[pointer[nodes]]
        pointer[nodes] = pointer[pointer[nodes]]
    within = within[:n_nodes]
    # Remaining residual arcs: u -> v with weight w demands d[v] <= d[u] + w.
    loose_f = forward & ~tight
    loose_b = backward & ~tight
    u = np.concatenate([tail[loose_f], head[loose_b]])
    v = np.concatenate([head[loose_f], tail[loose_b]])
    w = np.concatenate([cost[loose_f], -cost[loose_b]]) + within[u] - within[v]
    cu, cv = label[u], label[v]
    inside = cu == cv
    if inside.any() and w[inside].min() < 0:
        raise AssignoptError("the flow is not optimal: a residual cycle has negative cost")
    cu, cv, w = cu[~inside], cv[~inside], w[~inside]
    offset = np.zeros(n_comp, np.int64)
    for _ in range(n_comp + 1):
        candidate = offset.copy()
        np.minimum.at(candidate, cv, offset[cu] + w)
        if np.array_equal(candidate, offset):
            return within + offset[label]
        offset = candidate
    raise AssignoptError("the flow is not optimal: a residual cycle has negative cost")
