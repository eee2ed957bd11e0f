"""Distances between neighborhoods and schools, in kilometres.

Euclidean distances need a projected CRS: a geographic district is projected to its UTM zone
(``GeoDataFrame.estimate_utm_crs``) and the result says which. Optional road-network distances
come from a networkx graph whose nodes carry ``x``/``y`` coordinates (in the same projected CRS)
and whose edges carry a length in metres; neighborhoods and schools snap to the nearest node.
"""

from __future__ import annotations

from dataclasses import dataclass

import geopandas as gpd
import networkx as nx
import numpy as np
from scipy.spatial import cKDTree

from assignopt.errors import InputError
from assignopt.spatial.district import District

__all__ = ["DistanceMatrix", "district_distances", "euclidean_km", "network_km"]


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
    diff = origins[:, None, :] - destinations[None, :, :]
    return np.sqrt(np.einsum("nsk,nsk->ns", diff, diff)) / 1000.0


def _points(frame: gpd.GeoDataFrame, how: str) -> np.ndarray:
    if how == "centroid":
        geom = frame.geometry.centroid
    elif how == "representative":
        geom = frame.geometry.representative_point()
    else:
        raise InputError(f"points must be 'representative' or 'centroid', got {how!r}")
    return np.column_stack([geom.x.to_numpy(), geom.y.to_numpy()])


def network_km(
    graph: nx.Graph, origins: np.ndarray, destinations: np.ndarray, weight: str = "length"
) -> np.ndarray:
    """Shortest-path distances (km) over a road graph, points snapped to the nearest node.

    Raises
    ------
    InputError
        If nodes lack coordinates, or a school cannot be reached from a neighborhood.
    """
    nodes = list(graph.nodes)
    try:
        xy = np.array([[float(graph.nodes[n]["x"]), float(graph.nodes[n]["y"])] for n in nodes])
    except KeyError:
        raise InputError("road graph: every node needs 'x' and 'y' coordinates") from None
    tree = cKDTree(xy)
    origin_nodes = [nodes[i] for i in tree.query(origins)[1]]
    dest_nodes = [nodes[i] for i in tree.query(destinations)[1]]
    out = np.full((len(origins), len(destinations)), np.inf)
    for s, node in enumerate(dest_nodes):
        lengths = nx.single_source_dijkstra_path_length(graph, node, weight=weight)
        out[:, s] = [lengths.get(o, np.inf) for o in origin_nodes]
    if not np.isfinite(out).all():
        n, s = np.argwhere(~np.isfinite(out))[0]
        raise InputError(f"road graph: school {s} cannot be reached from neighborhood {n}")
    return out / 1000.0


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
        network_km(graph, origins, destinations),
        crs,
        "road network (nearest-node snapping)",
        source,
    )
