"""The transport problem as a min-cost flow solved by networkx (network simplex).

Whole students and seats, costs in whole millimetres; fixed seats go in by the demand
transformation of their lower bounds. No travel cap and no band on a free enrolment (neither
is a flow on this graph); :mod:`assignopt.spatial.netflow` is the fast, capped version.
"""

from __future__ import annotations

import time

import networkx as nx
import numpy as np

from assignopt.errors import InfeasibleError
from assignopt.spatial.flows import Flows
from assignopt.spatial.problem import (
    TransportProblem,
    TransportSolution,
    check_whole,
    seat_bounds,
)

__all__ = ["solve_networkx"]


def solve_networkx(problem: TransportProblem) -> TransportSolution:
    """Minimum student-km by ``networkx.min_cost_flow`` (integer costs in mm)."""
    start = time.perf_counter()
    supply_i = check_whole(problem.supply, "students and seats", "networkx")
    cap_i = check_whole(problem.capacity, "students and seats", "networkx")
    n, k = supply_i.shape
    s = cap_i.size
    cost_mm = np.round(problem.km * 1e6).astype(np.int64)
    graph = nx.DiGraph()
    demand: dict = {}
    for i in range(n):
        for c in range(k):
            demand[("n", i, c)] = -int(supply_i[i, c])
    if problem.fixed_enrolment:
        lower, upper = seat_bounds(problem.capacity, problem.bands, k, problem.labels, whole=True)
        for j in range(s):
            demand[("s", j)] = int(cap_i[j])
            for c in range(k):
                lo_, up_ = int(lower[j, c]), int(upper[j, c])
                # A lower bound L on (j, c) -> j: L units move up front (demand transformation).
                demand[("sc", j, c)] = demand.get(("sc", j, c), 0) + lo_
                demand[("s", j)] -= lo_
                graph.add_edge(("sc", j, c), ("s", j), weight=0, capacity=up_ - lo_)
        sink_needed = 0
    else:
        for j in range(s):
            for c in range(k):
                graph.add_edge(("sc", j, c), ("s", j), weight=0)
            graph.add_edge(("s", j), "sink", weight=0, capacity=int(cap_i[j]))
        sink_needed = int(supply_i.sum())
    for i in range(n):
        for c in range(k):
            for j in range(s):
                graph.add_edge(("n", i, c), ("sc", j, c), weight=int(cost_mm[i, j]))
    for node, value in demand.items():
        graph.add_node(node, demand=value)
    if sink_needed:
        graph.add_node("sink", demand=sink_needed)
    try:
        flow = nx.min_cost_flow(graph)
    except nx.NetworkXUnfeasible:
        raise InfeasibleError(
            "infeasible assignment: the seats cannot take every student under the policy"
        ) from None
    arcs = [
        (i, c, j, value)
        for i in range(n)
        for c in range(k)
        for (_, j, _), value in flow[("n", i, c)].items()
    ]
    i, c, j, value = (np.array([a[p] for a in arcs]) for p in range(4))
    return TransportSolution.from_flows(
        Flows.from_arcs(i, c, j, value, (n, k, s)),
        problem.km,
        "optimal",
        "networkx",
        start,
        "fixed seats" if problem.fixed_enrolment else "enrolment up to capacity",
    )
