"""Distances between neighborhoods and schools, in kilometres.

Euclidean distances need a projected CRS: a geographic district is projected to its UTM zone
(``GeoDataFrame.estimate_utm_crs``) and the result says which. Optional road-network distances
come from a networkx graph whose nodes carry ``x``/``y`` coordinates (in the same projected CRS)
and whose edges carry a length in metres; neighborhoods and schools snap to the nearest node.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import geopandas as gpd
import numpy as np

from assignopt.errors import InputError
from assignopt.spatial.district import District
from assignopt.spatial.problem import Labels

if TYPE_CHECKING:  # networkx and SciPy's KD-tree (0.5 s to import) serve road networks only
    import networkx as nx

__all__ = [
    "DistanceMatrix",
    "district_distances",
    "euclidean_km",
    "network_km",
    "read_road_network",
]


@dataclass(frozen=True)
class DistanceMatrix:
    """Distances (km) from each neighborhood to each school, and how they were measured."""

    km: np.ndarray
    crs: str
    method: str
    projected_from: str | None = None


def projected(district: District) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame, str, str | None]:
    """Both layers in a projected CRS (the district's own, or its UTM zone)."""
    hoods, schools = district.neighborhoods, district.schools
    if hoods.crs.is_geographic:
        utm = hoods.estimate_utm_crs()
        return hoods.to_crs(utm), schools.to_crs(utm), utm.to_string(), hoods.crs.to_string()
    return hoods, schools, hoods.crs.to_string(), None


_BLOCK = 4_000_000  # pairs per block of the distance computation


def euclidean_km(origins: np.ndarray, destinations: np.ndarray) -> np.ndarray:
    """Pairwise straight-line distances (km) between projected points in metres.

    Parameters
    ----------
    origins : numpy.ndarray
        Shape ``(N, 2)`` coordinates in metres.
    destinations : numpy.ndarray
        Shape ``(S, 2)`` coordinates in metres.

    Returns
    -------
    numpy.ndarray
        Shape ``(N, S)``.
    """
    origins = np.asarray(origins, float)
    destinations = np.asarray(destinations, float)
    # dx^2 + dy^2 in place, a block of rows at a time: no (N, S, 2) temporary (1.6 GB at
    # 100M pairs) and 8x faster at 10,000 x 300, the same numbers to the last bit.
    km = np.subtract.outer(origins[:, 0], destinations[:, 0])
    km *= km
    step = max(1, _BLOCK // max(len(destinations), 1))
    for start in range(0, len(origins), step):
        dy = np.subtract.outer(origins[start : start + step, 1], destinations[:, 1])
        dy *= dy
        km[start : start + step] += dy
    np.sqrt(km, out=km)
    km /= 1000.0
    return km


def _points(frame: gpd.GeoDataFrame, how: str) -> np.ndarray:
    if how == "centroid":
        geom = frame.geometry.centroid
    elif how == "representative":
        geom = frame.geometry.representative_point()
    else:
        raise InputError(f"points must be 'representative' or 'centroid', got {how!r}")
    return np.column_stack([geom.x.to_numpy(), geom.y.to_numpy()])


def network_km(
    graph: nx.Graph,
    origins: np.ndarray,
    destinations: np.ndarray,
    weight: str = "length",
    labels: Labels | None = None,
) -> np.ndarray:
    """Shortest-path distances (km) over a road graph, points snapped to the nearest node.

    Parameters
    ----------
    graph : networkx.Graph
        Nodes with ``x``/``y`` coordinates (metres, projected); edges with a length in metres
        under ``weight``. A directed graph is travelled along its edges, from the
        neighborhood to the school; parallel edges count by their shortest.
    origins, destinations : numpy.ndarray
        ``(N, 2)`` and ``(S, 2)`` coordinates in metres.
    weight : str
        Edge attribute holding the length.
    labels : Labels, optional
        Neighborhood ids and school names, for messages.

    Returns
    -------
    numpy.ndarray
        Shape ``(N, S)``.

    Raises
    ------
    InputError
        If nodes lack coordinates, an edge lacks a non-negative length, or a school cannot be
        reached from a neighborhood.
    """
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import dijkstra
    from scipy.spatial import cKDTree

    nodes = list(graph.nodes)
    if not nodes:
        raise InputError("road graph: it has no nodes")
    try:
        xy = np.array([[float(graph.nodes[n]["x"]), float(graph.nodes[n]["y"])] for n in nodes])
    except KeyError:
        raise InputError("road graph: every node needs 'x' and 'y' coordinates") from None
    index = {node: i for i, node in enumerate(nodes)}
    tail, head, length = [], [], []
    for u, v, data in graph.edges(data=True):
        try:
            value = float(data[weight])
        except (KeyError, TypeError, ValueError):
            raise InputError(
                f"road graph: edge {u!r} - {v!r} has no numeric {weight!r} (metres)"
            ) from None
        if not value >= 0:
            raise InputError(f"road graph: edge {u!r} - {v!r} has length {value}")
        tail.append(index[u])
        head.append(index[v])
        length.append(value)
    tail, head, length = np.array(tail, int), np.array(head, int), np.array(length, float)
    if not graph.is_directed():
        tail, head, length = np.r_[tail, head], np.r_[head, tail], np.r_[length, length]
    # Travel runs neighborhood -> school: search from each school over reversed edges. Parallel
    # edges keep their shortest; zero lengths become 1 micrometre (a sparse matrix drops zeros).
    order = np.lexsort((length, tail, head))
    tail, head, length = tail[order], head[order], length[order]
    first = np.ones(tail.size, bool)
    first[1:] = (np.diff(tail) != 0) | (np.diff(head) != 0)
    reverse = coo_matrix(
        (np.maximum(length[first], 1e-6), (head[first], tail[first])),
        shape=(len(nodes), len(nodes)),
    ).tocsr()
    tree = cKDTree(xy)
    origin_nodes = tree.query(origins)[1]
    dest_nodes = tree.query(destinations)[1]
    sources, where = np.unique(dest_nodes, return_inverse=True)
    from_school = dijkstra(reverse, directed=True, indices=sources)  # (unique schools, nodes)
    out = from_school[where][:, origin_nodes].T
    if not np.isfinite(out).all():
        n, s = np.argwhere(~np.isfinite(out))[0]
        labels = labels or Labels()
        raise InputError(
            f"road graph: {labels.school(s)} cannot be reached from {labels.neighborhood(n)}"
        )
    return out / 1000.0


def read_road_network(path: str | Path) -> nx.Graph:
    """A road graph from a GraphML file (node ``x``/``y``, edge ``length`` in metres).

    Raises
    ------
    InputError
        If the file is missing or is not GraphML.
    """
    import networkx as nx

    path = Path(path)
    if not path.exists():
        raise InputError(f"{path}: no such road network file")
    try:
        return nx.read_graphml(path)
    except Exception as exc:  # networkx raises several parser errors
        raise InputError(f"{path}: not a GraphML road network ({exc})") from None


def district_distances(
    district: District, points: str = "representative", graph: nx.Graph | None = None
) -> DistanceMatrix:
    """Distances (km) from every neighborhood to every school of ``district``.

    Parameters
    ----------
    district : District
        The district.
    points : {"representative", "centroid"}
        Which point of a polygon stands for it (representative points lie inside).
    graph : networkx.Graph, optional
        Road network for network distances (coordinates in the district's projected CRS).

    Returns
    -------
    DistanceMatrix
    """
    hoods, schools, crs, source = projected(district)
    origins, destinations = _points(hoods, points), _points(schools, points)
    if graph is None:
        return DistanceMatrix(
            euclidean_km(origins, destinations), crs, f"euclidean from {points} points", source
        )
    return DistanceMatrix(
        network_km(graph, origins, destinations, labels=district.labels()),
        crs,
        "road network (nearest-node snapping)",
        source,
    )
