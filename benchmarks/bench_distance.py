"""Time road-network distances: assignopt's ``network_km`` against networkx's own Dijkstra.

Run: ``python benchmarks/bench_distance.py``. A grid road graph of 200 x 200 nodes 50 m apart
(lengths jittered), 10,000 neighborhoods and 300 schools at random points; median of 3 runs.
The networkx reference runs one ``single_source_dijkstra_path_length`` per school, which is
what ``network_km`` did before it moved to scipy's Dijkstra.
"""

from __future__ import annotations

import statistics
import time

import networkx as nx
import numpy as np

from assignopt.spatial.distance import network_km


def grid_graph(side: int = 200, step: float = 50.0, seed: int = 0) -> nx.Graph:
    rng = np.random.default_rng(seed)
    graph = nx.grid_2d_graph(side, side)
    for node in graph.nodes:
        graph.nodes[node]["x"], graph.nodes[node]["y"] = node[0] * step, node[1] * step
    for u, v in graph.edges:
        graph.edges[u, v]["length"] = step * rng.uniform(1.0, 1.3)
    return graph


def networkx_reference(graph, origins, destinations):
    from scipy.spatial import cKDTree

    nodes = list(graph.nodes)
    tree = cKDTree([[graph.nodes[n]["x"], graph.nodes[n]["y"]] for n in nodes])
    origin_nodes = [nodes[i] for i in tree.query(origins)[1]]
    out = np.empty((len(origins), len(destinations)))
    for s, i in enumerate(tree.query(destinations)[1]):
        lengths = nx.single_source_dijkstra_path_length(graph, nodes[i], weight="length")
        out[:, s] = [lengths[o] for o in origin_nodes]
    return out / 1000.0


def main() -> None:
    graph = grid_graph()
    rng = np.random.default_rng(1)
    origins = rng.uniform(0, 9950, (10_000, 2))
    destinations = rng.uniform(0, 9950, (300, 2))
    for name, func in (("network_km (scipy)", network_km), ("networkx loop", networkx_reference)):
        runs, result = [], None
        for _ in range(3):
            start = time.perf_counter()
            result = func(graph, origins, destinations)
            runs.append(time.perf_counter() - start)
        print(f"{name}: {statistics.median(runs):.2f} s, mean distance {result.mean():.3f} km")


if __name__ == "__main__":
    main()
