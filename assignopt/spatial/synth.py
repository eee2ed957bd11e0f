"""Seeded synthetic cities with two knobs: residential racial and within-race income segregation.

Neighborhoods are 1 km squares on a grid, all with the same number of students. Racial
segregation ``r`` blends an even spread of Black students with a fully sorted one (Black
students fill the neighborhoods with the lowest *race score* first, a west-east gradient with
seeded noise). Within-race income segregation ``q`` does the same for each group's poor
students along an independent *income score* (a south-north gradient with noise). Schools sit
on a regular grid with capacities covering enrolment plus slack.
"""

from __future__ import annotations

import math

import geopandas as gpd
import numpy as np
from shapely.geometry import Point, box

from assignopt.errors import InputError
from assignopt.indices import normalized_exposure
from assignopt.spatial.district import District

__all__ = ["realized_segregation", "synthetic_city"]


def _sorted_fill(order: np.ndarray, capacity: np.ndarray, amount: float) -> np.ndarray:
    """Fill ``capacity`` in ``order`` until ``amount`` is placed (the fully sorted pattern)."""
    cap = capacity[order]
    before = np.concatenate([[0.0], np.cumsum(cap)[:-1]])
    placed = np.clip(amount - before, 0.0, cap)
    out = np.zeros_like(capacity)
    out[order] = placed
    return out


def synthetic_city(
    grid: int = 10,
    racial_segregation: float = 0.5,
    income_segregation: float = 0.5,
    *,
    black_share: float = 0.4,
    black_poverty: float = 0.4,
    white_poverty: float = 0.15,
    students_per_neighborhood: float = 200.0,
    n_schools: int = 9,
    slack: float = 1.1,
    noise: float = 0.3,
    income_axis: str = "independent",
    seed: int = 0,
) -> District:
    """A synthetic two-group district with tunable residential segregation.

    Parameters
    ----------
    grid : int
        Neighborhoods per side (``grid**2`` in all).
    racial_segregation : float
        ``r`` in [0, 1]: 0 every neighborhood has the district's racial mix, 1 fully sorted.
    income_segregation : float
        ``q`` in [0, 1]: within each group, 0 poverty evenly spread, 1 fully sorted.
    black_share, black_poverty, white_poverty : float
        District Black share and the groups' poverty rates.
    students_per_neighborhood : float
        Students in every neighborhood.
    n_schools : int
        Schools, placed on a regular grid (a square number fills it evenly).
    slack : float
        Total capacity as a multiple of enrolment.
    noise : float
        Standard deviation of the seeded noise on the sorting scores (in grid widths).
    income_axis : {"independent", "aligned"}
        ``independent``: poverty sorts south-north, across the racial gradient (each race
        lives with its own poor and nonpoor). ``aligned``: poverty sorts along the racial
        gradient, so the poor of both races live together where Black families live.
    seed : int
        Random seed.

    Returns
    -------
    District
        Groups ``black``, ``white``; classes ``poor``, ``nonpoor``; EPSG:3310 (metres).
    """
    for name, value in (
        ("racial_segregation", racial_segregation),
        ("income_segregation", income_segregation),
    ):
        if not 0.0 <= value <= 1.0:
            raise InputError(f"{name} must lie in [0, 1], got {value}")
    if grid < 2 or n_schools < 1 or slack < 1.0:
        raise InputError("need grid >= 2, n_schools >= 1 and slack >= 1")
    rng = np.random.default_rng(seed)
    ix, iy = np.meshgrid(np.arange(grid), np.arange(grid), indexing="ij")
    x, y = ix.ravel().astype(float), iy.ravel().astype(float)
    size = np.full(x.size, float(students_per_neighborhood))
    total = size.sum()
    race_score = x / grid + noise * rng.standard_normal(x.size)
    if income_axis not in ("independent", "aligned"):
        raise InputError(f"income_axis must be 'independent' or 'aligned', got {income_axis!r}")
    income_score = (
        race_score if income_axis == "aligned" else y / grid + noise * rng.standard_normal(x.size)
    )
    even_black = black_share * size
    sorted_black = _sorted_fill(np.argsort(race_score, kind="stable"), size, black_share * total)
    black = (1 - racial_segregation) * even_black + racial_segregation * sorted_black
    white = size - black
    order = np.argsort(income_score, kind="stable")
    columns = {}
    for group, count, rate in (("black", black, black_poverty), ("white", white, white_poverty)):
        even = rate * count
        sorted_poor = _sorted_fill(order, count, rate * count.sum())
        poor = (1 - income_segregation) * even + income_segregation * sorted_poor
        columns[f"{group}_poor"] = poor
        columns[f"{group}_nonpoor"] = count - poor
    hoods = gpd.GeoDataFrame(
        columns,
        geometry=[box(i * 1000, j * 1000, i * 1000 + 1000, j * 1000 + 1000) for i, j in zip(x, y)],
        crs="EPSG:3310",
    )
    side = math.ceil(math.sqrt(n_schools))
    centers = [
        ((i + 0.5) * grid / side * 1000, (j + 0.5) * grid / side * 1000)
        for i in range(side)
        for j in range(side)
    ][:n_schools]
    schools = gpd.GeoDataFrame(
        {
            "name": [f"school {k + 1}" for k in range(n_schools)],
            "capacity": np.full(n_schools, math.ceil(total * slack / n_schools)),
        },
        geometry=[Point(c) for c in centers],
        crs="EPSG:3310",
    )
    return District(hoods, schools, ("black", "white"))


def realized_segregation(district: District) -> dict[str, float]:
    """Residential racial V and within-race income segregation of a district's neighborhoods.

    Within-race income segregation is V of poor against nonpoor students within each race,
    averaged with the races' sizes as weights.
    """
    counts = district.counts()  # (N, M, K)
    racial = normalized_exposure(counts.sum(axis=2)[:, :2])
    sizes = counts.sum(axis=(0, 2))
    within = []
    for m in range(counts.shape[1]):
        by_class = counts[:, m, :]
        if np.all(by_class.sum(axis=0) > 0):
            within.append((sizes[m], normalized_exposure(by_class[:, :2])))
    income = sum(w * v for w, v in within) / sum(w for w, _ in within) if within else 0.0
    return {"residential_v": racial, "income_segregation_v": float(income)}
