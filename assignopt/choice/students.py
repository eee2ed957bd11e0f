"""Students drawn from neighborhood counts, with a home location and distances to schools.

A district's neighborhoods hold counts ``counts[n, group, income_class]`` of students. A draw
turns them into one row per student (neighborhood, group, income class) and places each student
at her neighborhood's point, or uniformly at random inside its polygon (or bounding box).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from assignopt.errors import InputError

__all__ = [
    "Students",
    "draw_students",
    "expand_counts",
    "student_distance",
]


@dataclass(frozen=True)
class Students:
    """One row per student.

    Attributes
    ----------
    neighborhood, group, income_class : numpy.ndarray
        Shape ``(n,)`` int: indices into the count array's axes.
    xy : numpy.ndarray or None
        Shape ``(n, 2)``: home coordinates, or None when every student sits at her
        neighborhood's point and distances come from a neighborhood distance matrix.
    """

    neighborhood: np.ndarray
    group: np.ndarray
    income_class: np.ndarray
    xy: np.ndarray | None = None

    @property
    def n(self) -> int:
        """Number of students."""
        return int(self.neighborhood.size)


def _validate_counts(counts: np.ndarray, neighborhood_ids: Sequence[str] | None) -> np.ndarray:
    counts = np.asarray(counts)
    if counts.ndim != 3:
        raise InputError("counts must have shape (neighborhoods, groups, income classes)")
    bad = ~np.isfinite(counts) | (counts < 0) | (counts != np.round(counts))
    if bad.any():
        n = int(np.argwhere(bad)[0][0])
        name = neighborhood_ids[n] if neighborhood_ids is not None else f"at position {n}"
        raise InputError(
            f"neighborhood {name}: student counts must be non-negative whole numbers to draw "
            "students (round fractional estimates first)"
        )
    return counts.astype(np.int64)


def expand_counts(counts: np.ndarray, neighborhood_ids: Sequence[str] | None = None) -> Students:
    """One student per unit of ``counts[n, group, income_class]``, in neighborhood order.

    Parameters
    ----------
    counts : numpy.ndarray
        Shape ``(N, G, K)``: whole, non-negative numbers of students.
    neighborhood_ids : sequence of str, optional
        Neighborhood ids, for error messages.

    Returns
    -------
    Students
        Without coordinates.
    """
    counts = _validate_counts(counts, neighborhood_ids)
    n_nb, n_groups, n_classes = counts.shape
    flat = counts.reshape(-1)
    cell = np.repeat(np.arange(flat.size), flat)
    nb, rest = np.divmod(cell, n_groups * n_classes)
    group, income_class = np.divmod(rest, n_classes)
    return Students(neighborhood=nb, group=group, income_class=income_class)


def _inside(points: np.ndarray, ring: np.ndarray) -> np.ndarray:
    """Even-odd test of points (m, 2) against a closed or open ring (v, 2)."""
    x0, y0 = ring[:, 0][None, :], ring[:, 1][None, :]
    x1, y1 = np.roll(ring[:, 0], -1)[None, :], np.roll(ring[:, 1], -1)[None, :]
    px, py = points[:, :1], points[:, 1:]
    crosses = (y0 > py) != (y1 > py)
    with np.errstate(divide="ignore", invalid="ignore"):
        x_at = x0 + (py - y0) * (x1 - x0) / (y1 - y0)
    return (np.count_nonzero(crosses & (px < x_at), axis=1) % 2) == 1


def _uniform_in_ring(ring: np.ndarray, k: int, rng: np.random.Generator, name: str) -> np.ndarray:
    lo, hi = ring.min(axis=0), ring.max(axis=0)
    out = np.empty((0, 2))
    for _attempt in range(200):
        need = k - out.shape[0]
        if need <= 0:
            break
        batch = rng.uniform(lo, hi, size=(max(2 * need, 16), 2))
        out = np.vstack([out, batch[_inside(batch, ring)][:need]])
    if out.shape[0] < k:
        raise InputError(f"neighborhood {name}: could not place students inside its polygon")
    return out


def draw_students(
    counts: np.ndarray,
    rng: np.random.Generator,
    points: np.ndarray | None = None,
    polygons: Sequence[np.ndarray] | None = None,
    boxes: np.ndarray | None = None,
    neighborhood_ids: Sequence[str] | None = None,
) -> Students:
    """Students from neighborhood counts, each placed at a point or uniformly in an area.

    Parameters
    ----------
    counts : numpy.ndarray
        Shape ``(N, G, K)``: whole numbers of students by neighborhood, group and income class.
    rng : numpy.random.Generator
        Source of the random locations.
    points : numpy.ndarray, optional
        Shape ``(N, 2)``: each neighborhood's point (used when no area is given).
    polygons : sequence of numpy.ndarray, optional
        One exterior ring ``(v, 2)`` per neighborhood: students uniform inside it.
    boxes : numpy.ndarray, optional
        Shape ``(N, 4)`` as ``(xmin, ymin, xmax, ymax)``: students uniform inside the box.
    neighborhood_ids : sequence of str, optional
        Neighborhood ids, for error messages.

    Returns
    -------
    Students
        ``xy`` is None when no location was given.
    """
    students = expand_counts(counts, neighborhood_ids)
    n_nb = np.asarray(counts).shape[0]
    names = neighborhood_ids if neighborhood_ids is not None else [str(i) for i in range(n_nb)]
    if polygons is not None:
        if len(polygons) != n_nb:
            raise InputError(f"polygons: {len(polygons)} rings for {n_nb} neighborhoods")
        per_nb = np.bincount(students.neighborhood, minlength=n_nb)
        xy = np.empty((students.n, 2))
        start = np.concatenate([[0], np.cumsum(per_nb)])
        for i in np.flatnonzero(per_nb):
            ring = np.asarray(polygons[i], dtype=float)
            xy[start[i] : start[i + 1]] = _uniform_in_ring(ring, int(per_nb[i]), rng, names[i])
    elif boxes is not None:
        boxes = np.asarray(boxes, dtype=float)
        if boxes.shape != (n_nb, 4):
            raise InputError(f"boxes must have shape ({n_nb}, 4): xmin, ymin, xmax, ymax")
        b = boxes[students.neighborhood]
        xy = rng.uniform(b[:, :2], b[:, 2:])
    elif points is not None:
        points = np.asarray(points, dtype=float)
        if points.shape != (n_nb, 2):
            raise InputError(f"points must have shape ({n_nb}, 2)")
        xy = points[students.neighborhood]
    else:
        xy = None
    return Students(students.neighborhood, students.group, students.income_class, xy)


def student_distance(
    students: Students,
    school_points: np.ndarray | None = None,
    neighborhood_distance: np.ndarray | None = None,
    scale: float = 1.0,
) -> np.ndarray:
    """Travel distance from every student to every school, float32 ``(n, J)``.

    Parameters
    ----------
    students : Students
        With ``xy`` for straight-line distances.
    school_points : numpy.ndarray, optional
        Shape ``(J, 2)``: school coordinates (same units as ``students.xy``).
    neighborhood_distance : numpy.ndarray, optional
        Shape ``(N, J)``: distance from each neighborhood to each school (e.g. by road). Used
        when given; a student then travels her neighborhood's distance.
    scale : float
        Multiplier turning coordinate units into the distance unit of the preferences (e.g.
        0.001 for metres to kilometres). Applies to both sources.

    Returns
    -------
    numpy.ndarray
        float32, shape ``(n, J)``.
    """
    if neighborhood_distance is not None:
        d = np.asarray(neighborhood_distance, dtype=np.float32)
        return d[students.neighborhood] * np.float32(scale)
    if school_points is None or students.xy is None:
        raise InputError("distances need school points and student locations, or a matrix")
    s = np.asarray(school_points, dtype=np.float32)
    xy = students.xy.astype(np.float32)
    out = np.empty((students.n, s.shape[0]), dtype=np.float32)
    # Blocks of rows keep the temporaries in cache.
    block = max(1, (1 << 17) // max(s.shape[0], 1))
    for start in range(0, students.n, block):
        rows = slice(start, start + block)
        dx = xy[rows, :1] - s[:, 0]
        dy = xy[rows, 1:] - s[:, 1]
        dx *= dx
        dy *= dy
        dx += dy
        np.sqrt(dx, out=out[rows])
    out *= np.float32(scale)
    return out
