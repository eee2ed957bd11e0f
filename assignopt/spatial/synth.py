"""Seeded synthetic cities with tunable residential racial and within-race income segregation.

Neighborhoods are 1 km squares on a ``grid x grid`` square, all with the same number of
students. Two scores order the neighborhoods:

- the *race score*, a west-east gradient (``x / grid``) plus seeded Gaussian noise of standard
  deviation ``noise`` (in city widths). The fully sorted racial pattern fills the neighborhoods
  of lowest race score with Black students first;
- the *income score*, which orders where each group's poor students live in the fully sorted
  income pattern. Its direction is the **income arrangement**:

  ``"independent"``
      a south-north gradient (``y / grid``) with its own seeded noise, at right angles to the
      racial gradient. Each race's poor live in the south of wherever that race lives and its
      nonpoor in the north, so every racial environment holds both poor and nonpoor families
      of its own race; poverty and race are unrelated across neighborhoods within a race.
  ``"aligned"``
      the race score itself. In each race, the poor live at the Black end of the racial
      gradient: the Black poor in the most heavily Black neighborhoods, the White poor in the
      White neighborhoods nearest the Black ones. The poor of the two races share
      neighborhoods only as far as the races do: at complete racial segregation (residential
      V = 1) the White poor live next to, not among, the Black poor.

Each pattern is a blend of an even spread (every neighborhood has the district's mix) and the
fully sorted pattern. Because V is quadratic in the deviations from the district's shares and
neighborhood sizes do not depend on the blend, a blend with weight ``r`` has exactly
``r**2`` times the V of the sorted pattern; :func:`segregated_city` inverts that to give a city
whose *realized* residential V and within-race income V per group are the values asked for.
The same seed gives the same racial pattern under both income arrangements (the race noise is
drawn first), so the arrangements can be compared city by city.

Schools sit on a regular grid with equal capacities covering enrolment plus slack.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import geopandas as gpd
import numpy as np
from shapely.geometry import Point, box

from assignopt.errors import InputError
from assignopt.indices import normalized_exposure
from assignopt.spatial.district import District

__all__ = [
    "INCOME_ARRANGEMENTS",
    "LITERATURE_MEAN",
    "US_RANGE",
    "realized_segregation",
    "segregated_city",
    "synthetic_city",
]

INCOME_ARRANGEMENTS = ("independent", "aligned")
#: The literature's Figure 5 as its text states it: means over US cities of residential racial
#: V and within-race income V of Black and of White families.
LITERATURE_MEAN = {"residential_v": 0.31, "income_v_black": 0.12, "income_v_white": 0.09}
#: The US-like range of the experiment: from 0 up to twice those means (the text states the
#: means only; twice them is this project's bound, not the literature's).
US_RANGE = {key: 2 * value for key, value in LITERATURE_MEAN.items()}
GROUPS = ("black", "white")


def _sorted_fill(order: np.ndarray, capacity: np.ndarray, amount: float) -> np.ndarray:
    """Fill ``capacity`` in ``order`` until ``amount`` is placed (the fully sorted pattern)."""
    cap = capacity[order]
    before = np.concatenate([[0.0], np.cumsum(cap)[:-1]])
    placed = np.clip(amount - before, 0.0, cap)
    out = np.zeros_like(capacity)
    out[order] = placed
    return out


def _pair(value: float | Sequence[float], name: str) -> tuple[float, float]:
    """One value for both groups, or a (Black, White) pair."""
    if np.ndim(value) == 0:
        pair = (float(value), float(value))  # type: ignore[arg-type]
    else:
        values = [float(v) for v in value]  # type: ignore[union-attr]
        if len(values) != 2:
            raise InputError(f"{name} must be one number or a (black, white) pair, got {value}")
        pair = (values[0], values[1])
    for v in pair:
        if not (np.isfinite(v) and 0.0 <= v <= 1.0):
            raise InputError(f"{name} must lie in [0, 1], got {value}")
    return pair


def _weight(target: float, sorted_v: float, name: str) -> float:
    """Blend weight giving realized V ``target`` when the sorted pattern has V ``sorted_v``."""
    if target == 0.0:
        return 0.0
    if target > sorted_v * (1 + 1e-12):
        raise InputError(
            f"{name} {target:g} is out of reach: the fully sorted pattern of this city has "
            f"V = {sorted_v:.4f}"
        )
    return min(1.0, math.sqrt(target / sorted_v))


def _check(
    grid: int,
    n_schools: int,
    slack: float,
    noise: float,
    income_axis: str,
    black_share: float,
    rates: tuple[float, float],
) -> None:
    if grid < 2 or n_schools < 1 or slack < 1.0:
        raise InputError("need grid >= 2, n_schools >= 1 and slack >= 1")
    if not (np.isfinite(noise) and noise >= 0):
        raise InputError(f"noise must be a non-negative number of city widths, got {noise}")
    if income_axis not in INCOME_ARRANGEMENTS:
        raise InputError(f"income_axis must be 'independent' or 'aligned', got {income_axis!r}")
    if not 0.0 < black_share < 1.0:
        raise InputError(f"black_share must lie in (0, 1), got {black_share}")
    for name, rate in zip(("black_poverty", "white_poverty"), rates):
        if not 0.0 < rate < 1.0:
            raise InputError(f"{name} must lie in (0, 1), got {rate}")


def _build(
    grid: int,
    *,
    racial: float,
    income: tuple[float, float],
    realized: bool,
    black_share: float,
    black_poverty: float,
    white_poverty: float,
    students_per_neighborhood: float,
    n_schools: int,
    slack: float,
    noise: float,
    income_axis: str,
    seed: int,
) -> District:
    """The city, from blend weights (``realized=False``) or realized V targets (True)."""
    _check(grid, n_schools, slack, noise, income_axis, black_share, (black_poverty, white_poverty))
    rng = np.random.default_rng(seed)
    ix, iy = np.meshgrid(np.arange(grid), np.arange(grid), indexing="ij")
    x, y = ix.ravel().astype(float), iy.ravel().astype(float)
    size = np.full(x.size, float(students_per_neighborhood))
    total = size.sum()
    # The race noise is drawn first: both income arrangements share the racial pattern.
    race_score = x / grid + noise * rng.standard_normal(x.size)
    income_score = (
        race_score if income_axis == "aligned" else y / grid + noise * rng.standard_normal(x.size)
    )
    even_black = black_share * size
    sorted_black = _sorted_fill(np.argsort(race_score, kind="stable"), size, black_share * total)
    r = racial
    if realized:
        sorted_v = normalized_exposure(np.column_stack([sorted_black, size - sorted_black]))
        r = _weight(racial, sorted_v, "residential_v")
    black = (1 - r) * even_black + r * sorted_black
    white = size - black
    order = np.argsort(income_score, kind="stable")
    columns = {}
    for group, count, rate, q in zip(
        GROUPS, (black, white), (black_poverty, white_poverty), income
    ):
        even = rate * count
        sorted_poor = _sorted_fill(order, count, rate * count.sum())
        if realized:
            sorted_v = normalized_exposure(np.column_stack([sorted_poor, count - sorted_poor]))
            q = _weight(q, sorted_v, f"income_v ({group})")
        poor = (1 - q) * even + q * sorted_poor
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
    return District(hoods, schools, GROUPS)


def synthetic_city(
    grid: int = 10,
    racial_segregation: float = 0.5,
    income_segregation: float | Sequence[float] = 0.5,
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
    """A synthetic two-group district from blend weights of the sorted patterns.

    The realized residential V is ``racial_segregation**2`` times that of the fully sorted
    pattern (1 whenever the Black students fill whole neighborhoods), and likewise for each
    group's within-race income V. To ask for realized values directly use
    :func:`segregated_city`.

    Parameters
    ----------
    grid : int
        Neighborhoods per side (``grid**2`` in all).
    racial_segregation : float
        Blend weight ``r`` in [0, 1]: 0 every neighborhood has the district's racial mix,
        1 fully sorted along the race score.
    income_segregation : float or (float, float)
        Blend weight ``q`` in [0, 1] for each group's poor (one value for both, or a
        (Black, White) pair): 0 poverty evenly spread within the group, 1 fully sorted.
    black_share, black_poverty, white_poverty : float
        District Black share and the groups' poverty rates.
    students_per_neighborhood : float
        Students in every neighborhood.
    n_schools : int
        Schools, placed on a regular grid (a square number fills it evenly).
    slack : float
        Total capacity as a multiple of enrolment.
    noise : float
        Standard deviation of the seeded noise on the sorting scores, in city widths: 0 gives
        straight gradients (one large Black area), larger values a finer-grained pattern.
    income_axis : {"independent", "aligned"}
        The income arrangement (see the module docstring): ``independent`` sorts each race's
        poor south-north, across the racial gradient; ``aligned`` sorts them along it, toward
        the Black end.
    seed : int
        Random seed.

    Returns
    -------
    District
        Groups ``black``, ``white``; classes ``poor``, ``nonpoor``; EPSG:3310 (metres).
    """
    if not 0.0 <= racial_segregation <= 1.0:
        raise InputError(f"racial_segregation must lie in [0, 1], got {racial_segregation}")
    return _build(
        grid,
        racial=float(racial_segregation),
        income=_pair(income_segregation, "income_segregation"),
        realized=False,
        black_share=black_share,
        black_poverty=black_poverty,
        white_poverty=white_poverty,
        students_per_neighborhood=students_per_neighborhood,
        n_schools=n_schools,
        slack=slack,
        noise=noise,
        income_axis=income_axis,
        seed=seed,
    )


def segregated_city(
    residential_v: float,
    income_v: float | Sequence[float],
    *,
    grid: int = 10,
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
    """A synthetic district with the realized segregation asked for.

    Parameters
    ----------
    residential_v : float
        Residential racial segregation: V of Black against White students over
        neighborhoods, in [0, 1]. The literature's US cities average about 0.31.
    income_v : float or (float, float)
        Within-race income segregation: V of poor against nonpoor students over neighborhoods
        within each race, one value for both or a (Black, White) pair. The literature's US
        cities average about 0.12 (Black) and 0.09 (White).
    grid, black_share, black_poverty, white_poverty, students_per_neighborhood, n_schools, \
slack, noise, income_axis, seed
        As in :func:`synthetic_city`.

    Returns
    -------
    District
        Whose :func:`realized_segregation` gives ``residential_v`` and ``income_v`` (to
        rounding).

    Raises
    ------
    InputError
        If a value lies outside [0, 1] or beyond the fully sorted pattern's V (which can fall
        just short of 1 when a neighborhood is split between poor and nonpoor).
    """
    if not (np.isfinite(residential_v) and 0.0 <= residential_v <= 1.0):
        raise InputError(f"residential_v must lie in [0, 1], got {residential_v}")
    return _build(
        grid,
        racial=float(residential_v),
        income=_pair(income_v, "income_v"),
        realized=True,
        black_share=black_share,
        black_poverty=black_poverty,
        white_poverty=white_poverty,
        students_per_neighborhood=students_per_neighborhood,
        n_schools=n_schools,
        slack=slack,
        noise=noise,
        income_axis=income_axis,
        seed=seed,
    )


def realized_segregation(district: District) -> dict[str, float]:
    """Residential racial V and within-race income segregation of a district's neighborhoods.

    Returns
    -------
    dict
        ``residential_v``: V of the first two groups over neighborhoods;
        ``income_v_<group>``: V of the first income class against the others within each
        group (NaN for a group with no students in some class);
        ``income_segregation_v``: those averaged with the groups' sizes as weights.
    """
    counts = district.counts()  # (N, M, K)
    racial = normalized_exposure(counts.sum(axis=2)[:, :2])
    sizes = counts.sum(axis=(0, 2))
    out = {"residential_v": racial}
    within = []
    for m, group in enumerate(district.groups):
        first = counts[:, m, 0]
        rest = counts[:, m, 1:].sum(axis=1)
        if first.sum() > 0 and rest.sum() > 0:
            v = normalized_exposure(np.column_stack([first, rest]))
            within.append((sizes[m], v))
        else:
            v = float("nan")
        out[f"income_v_{group}"] = v
    income = sum(w * v for w, v in within) / sum(w for w, _ in within) if within else 0.0
    out["income_segregation_v"] = float(income)
    return out
