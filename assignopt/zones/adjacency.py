"""Which neighborhoods touch, and which neighborhood holds each school.

Contiguity weights come from libpysal (queen: a shared vertex suffices; rook: a shared edge).
A district whose polygons fall apart into several pieces (islands, a river with no shared
boundary) is joined piece to piece at the closest pair of neighborhoods, and a note says so:
zones could not cross the gap otherwise.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import geopandas as gpd
import networkx as nx
import numpy as np
from scipy.spatial import cKDTree

from assignopt.errors import InputError
from assignopt.spatial.problem import Labels

__all__ = ["Adjacency", "contiguity", "school_roots"]


@dataclass(frozen=True)
class Adjacency:
    """An undirected neighborhood graph.

    Attributes
    ----------
    n : int
        Neighborhoods (nodes ``0 .. n-1``, in the district's order).
    edges : numpy.ndarray
        ``(E, 2)`` integer pairs ``i < j``, each edge once.
    boundary_km : numpy.ndarray
        Length (km) of the boundary each edge's two neighborhoods share (0 for a joined gap).
    kind : str
        ``queen`` or ``rook``.
    notes : list of str
        What was assumed (pieces joined).
    """

    n: int
    edges: np.ndarray
    boundary_km: np.ndarray
    kind: str = "queen"
    notes: list[str] = field(default_factory=list)

    def neighbors(self) -> list[np.ndarray]:
        """Each node's neighbors, sorted."""
        out: list[list[int]] = [[] for _ in range(self.n)]
        for i, j in self.edges:
            out[int(i)].append(int(j))
            out[int(j)].append(int(i))
        return [np.array(sorted(v), dtype=np.int64) for v in out]

    def graph(self) -> nx.Graph:
        """The graph as networkx (nodes ``0 .. n-1``)."""
        g = nx.Graph()
        g.add_nodes_from(range(self.n))
        g.add_edges_from(map(tuple, self.edges.tolist()))
        return g


def _projected(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    return frame.to_crs(frame.estimate_utm_crs()) if frame.crs.is_geographic else frame


def contiguity(
    neighborhoods: gpd.GeoDataFrame, kind: str = "queen", labels: Labels | None = None
) -> Adjacency:
    """The contiguity graph of ``neighborhoods`` (polygons, any CRS).

    Parameters
    ----------
    neighborhoods : geopandas.GeoDataFrame
        The district's polygons, in its order.
    kind : {"queen", "rook"}
        Queen (shared vertex) or rook (shared edge) contiguity.
    labels : Labels, optional
        Names for the note on joined pieces.
    """
    from libpysal import weights

    if kind not in ("queen", "rook"):
        raise InputError(f"contiguity must be 'queen' or 'rook', got {kind!r}")
    frame = _projected(neighborhoods.reset_index(drop=True))
    builder = weights.Queen if kind == "queen" else weights.Rook
    w = builder.from_dataframe(frame, use_index=False, silence_warnings=True)
    pairs = {(min(i, j), max(i, j)) for i, nbrs in w.neighbors.items() for j in nbrs if i != j}
    edges = np.array(sorted(pairs), dtype=np.int64).reshape(-1, 2)
    notes: list[str] = []
    n = len(frame)
    g = nx.Graph()
    g.add_nodes_from(range(n))
    g.add_edges_from(map(tuple, edges.tolist()))
    pieces = sorted(nx.connected_components(g), key=len, reverse=True)
    if len(pieces) > 1:
        points = np.column_stack(
            [frame.geometry.representative_point().x, frame.geometry.representative_point().y]
        )
        joined = []
        main = np.array(sorted(pieces[0]))
        for piece in pieces[1:]:
            members = np.array(sorted(piece))
            dist, idx = cKDTree(points[main]).query(points[members])
            a = int(members[np.argmin(dist)])
            b = int(main[idx[np.argmin(dist)]])
            joined.append((min(a, b), max(a, b)))
            main = np.concatenate([main, members])
        edges = np.vstack([edges, np.array(joined, dtype=np.int64)])
        name = labels.neighborhood if labels is not None else str
        notes.append(
            f"the neighborhoods fall into {len(pieces)} pieces that share no boundary; each "
            "piece is joined to the nearest other at its closest neighborhoods ("
            + ", ".join(f"{name(a)} - {name(b)}" for a, b in joined[:10])
            + (", ..." if len(joined) > 10 else "")
            + ")"
        )
    geoms = frame.geometry.to_numpy()
    if len(edges):
        shared = np.asarray(
            gpd.GeoSeries(geoms[edges[:, 0]]).intersection(gpd.GeoSeries(geoms[edges[:, 1]])).length
        )
    else:
        shared = np.zeros(0)
    return Adjacency(n, edges, shared / 1000.0, kind, notes)


def school_roots(
    neighborhoods: gpd.GeoDataFrame,
    schools: gpd.GeoDataFrame,
    adjacency: Adjacency,
    labels: Labels | None = None,
) -> tuple[np.ndarray, list[str]]:
    """Each school's root neighborhood: the one containing it (the nearest when none does).

    Two schools in one neighborhood cannot both hold it: the one nearer its representative
    point keeps it, the other is rooted at its nearest adjacent neighborhood holding no school
    (a note says so).

    Returns
    -------
    roots : numpy.ndarray
        ``(S,)`` neighborhood positions.
    notes : list of str
        What was assumed.
    """
    hoods = _projected(neighborhoods.reset_index(drop=True))
    places = schools.reset_index(drop=True).to_crs(hoods.crs)
    points = places.geometry.representative_point()
    hood_points = hoods.geometry.representative_point()
    name_n = labels.neighborhood if labels is not None else str
    name_s = labels.school if labels is not None else str
    s = len(points)
    roots = np.full(s, -1, dtype=np.int64)
    notes: list[str] = []
    tree = hoods.sindex
    for j, point in enumerate(points):
        hits = tree.query(point, predicate="intersects")
        if hits.size:
            roots[j] = int(hits[0])
        else:
            roots[j] = int(np.argmin(hood_points.distance(point).to_numpy()))
            notes.append(
                f"{name_s(j)} lies in no neighborhood; its zone is rooted at the "
                f"nearest, {name_n(int(roots[j]))}"
            )
    neighbors = adjacency.neighbors()
    taken: dict[int, int] = {}
    order = np.argsort(
        [points.iloc[j].distance(hood_points.iloc[roots[j]]) for j in range(s)], kind="stable"
    )
    for j in order:
        j = int(j)
        root = int(roots[j])
        if root not in taken:
            taken[root] = j
            continue
        free = [int(v) for v in neighbors[root] if int(v) not in taken]
        if not free:
            raise InputError(
                f"{name_s(j)} and {name_s(taken[root])} lie in {name_n(root)} and every "
                "neighboring one holds a school too; zones need one neighborhood per school"
            )
        best = min(free, key=lambda v: points.iloc[j].distance(hood_points.iloc[v]))
        notes.append(
            f"{name_s(j)} shares {name_n(root)} with {name_s(taken[root])}; its zone is rooted "
            f"at the adjacent {name_n(best)}"
        )
        roots[j] = best
        taken[best] = j
    return roots, notes
