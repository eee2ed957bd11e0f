"""Income models of a group's families: gamma, binned and empirical; poverty rates; thresholds.

A model answers ``cdf(income)`` (share of the group at or below an income) and, where a density
exists, ``pdf(income)``. The literature models each group's family income as a gamma
distribution of shape 1.56 and scale 0.64 x mean (:meth:`GammaIncome.from_mean`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol, runtime_checkable

import numpy as np
from scipy import optimize

from assignopt.errors import InputError, NoCrossingError
from assignopt.validation import check_positive, check_share, check_whole_number

__all__ = [
    "LITERATURE_SCALE_PER_MEAN",
    "LITERATURE_SHAPE",
    "REFERENCE_MEANS",
    "BinnedIncome",
    "EmpiricalIncome",
    "GammaIncome",
    "IncomeDistribution",
    "class_table",
    "common_shape_gammas",
    "district_quantile_edges",
    "gamma_crossing",
    "optimal_poverty_threshold",
    "poverty_rate",
]

#: Gamma shape of family income used by the literature.
LITERATURE_SHAPE = 1.56
#: The literature's gamma scale as a multiple of the group's mean income.
LITERATURE_SCALE_PER_MEAN = 0.64
#: Reference mean family incomes of public kindergartners (1998 dollars).
REFERENCE_MEANS = {
    "urban": {"white": 52_100.0, "black": 24_600.0},
    "suburban": {"white": 68_100.0, "black": 31_700.0},
}


@runtime_checkable
class IncomeDistribution(Protocol):
    """What every income model provides: a CDF and, where it exists, a density."""

    def cdf(self, income: np.ndarray | float) -> np.ndarray | float:
        """Share of the group with income at or below ``income``."""
        ...

    def pdf(self, income: np.ndarray | float) -> np.ndarray | float:
        """Density of the group's income at ``income`` (per dollar)."""
        ...

    def upper_income(self) -> float:
        """An income above which the group has (practically) no families."""
        ...


@dataclass(frozen=True)
class GammaIncome:
    """Gamma-distributed family income with ``shape`` a and ``scale`` theta (dollars).

    Parameters
    ----------
    shape : float
        Gamma shape a > 0.
    scale : float
        Gamma scale theta > 0, in dollars; the mean is ``shape * scale``.

    """

    shape: float
    scale: float

    def __post_init__(self) -> None:
        check_positive(self.shape, "shape")
        check_positive(self.scale, "scale")

    @classmethod
    def from_mean(
        cls, mean: float, shape: float = LITERATURE_SHAPE, scale: float | None = None
    ) -> GammaIncome:
        """Gamma income of a group from its mean income.

        Parameters
        ----------
        mean : float
            The group's mean family income (dollars).
        shape : float
            Gamma shape; the literature's 1.56 by default.
        scale : float, optional
            Gamma scale in dollars. By default the literature's ``0.64 * mean`` when ``shape`` is
            the literature's 1.56 (its calibration: median about 0.8 of the mean), otherwise
            ``mean / shape`` so that ``mean`` is the distribution's mean.

        Returns
        -------
        GammaIncome

        """
        mean = check_positive(mean, "mean")
        shape = check_positive(shape, "shape")
        if scale is None:
            if np.isclose(shape, LITERATURE_SHAPE):
                scale = LITERATURE_SCALE_PER_MEAN * mean
            else:
                scale = mean / shape
        return cls(shape=shape, scale=check_positive(scale, "scale"))

    @property
    def mean(self) -> float:
        """Mean income ``shape * scale``."""
        return self.shape * self.scale

    def cdf(self, income: np.ndarray | float) -> np.ndarray | float:
        """Share of the group with income at or below ``income``."""
        from scipy import stats  # on first use: scipy.stats takes longer to load than the rest

        return stats.gamma.cdf(income, self.shape, scale=self.scale)

    def pdf(self, income: np.ndarray | float) -> np.ndarray | float:
        """Density of income at ``income``."""
        from scipy import stats

        return stats.gamma.pdf(income, self.shape, scale=self.scale)

    def upper_income(self) -> float:
        """The 1 - 1e-9 quantile."""
        from scipy import stats

        return float(stats.gamma.isf(1e-9, self.shape, scale=self.scale))


@dataclass(frozen=True)
class BinnedIncome:
    """Income given as counts of families in K income classes with finite edges.

    Income is taken as uniform within a class, so the density is piecewise constant.

    Parameters
    ----------
    edges : array_like
        K + 1 strictly increasing, finite class edges (dollars), the first >= 0.
    counts : array_like
        K non-negative counts of families (or students) per class, not all zero.

    """

    edges: np.ndarray
    counts: np.ndarray

    def __post_init__(self) -> None:
        edges = np.asarray(self.edges, dtype=float)
        counts = np.asarray(self.counts, dtype=float)
        if edges.ndim != 1 or counts.ndim != 1 or len(edges) != len(counts) + 1:
            raise InputError(
                f"binned income: need K + 1 edges for K counts, got {edges.size} edges and "
                f"{counts.size} counts"
            )
        if not np.all(np.isfinite(edges)) or edges[0] < 0 or np.any(np.diff(edges) <= 0):
            raise InputError(
                "binned income: edges must be finite, start at >= 0 and strictly increase"
            )
        if not np.all(np.isfinite(counts)) or np.any(counts < 0) or counts.sum() <= 0:
            raise InputError("binned income: counts must be finite, >= 0 and not all zero")
        object.__setattr__(self, "edges", edges)
        object.__setattr__(self, "counts", counts)

    @property
    def shares(self) -> np.ndarray:
        """Share of the group in each class."""
        return self.counts / self.counts.sum()

    def cdf(self, income: np.ndarray | float) -> np.ndarray | float:
        """Share at or below ``income`` (linear within a class)."""
        cum = np.concatenate([[0.0], np.cumsum(self.shares)])
        return np.interp(income, self.edges, cum, left=0.0, right=1.0)

    def pdf(self, income: np.ndarray | float) -> np.ndarray | float:
        """Piecewise-constant density."""
        x = np.asarray(income, dtype=float)
        k = np.searchsorted(self.edges, x, side="right") - 1
        inside = (k >= 0) & (k < len(self.counts))
        density = self.shares / np.diff(self.edges)
        out = np.where(inside, density[np.clip(k, 0, len(density) - 1)], 0.0)
        return out if out.ndim else float(out)

    def upper_income(self) -> float:
        """The top edge."""
        return float(self.edges[-1])


@dataclass(frozen=True)
class EmpiricalIncome:
    """Income as observed family incomes with optional weights (a step CDF, no density).

    Parameters
    ----------
    incomes : array_like
        Observed incomes (dollars), finite and >= 0.
    weights : array_like, optional
        Non-negative weights, one per income (e.g. survey weights); equal by default.

    """

    incomes: np.ndarray
    weights: np.ndarray | None = None

    def __post_init__(self) -> None:
        incomes = np.asarray(self.incomes, dtype=float).ravel()
        weights = (
            np.ones_like(incomes)
            if self.weights is None
            else np.asarray(self.weights, dtype=float).ravel()
        )
        if incomes.size == 0:
            raise InputError("empirical income: no incomes given")
        if weights.shape != incomes.shape:
            raise InputError("empirical income: need exactly one weight per income")
        if not np.all(np.isfinite(incomes)) or np.any(incomes < 0):
            raise InputError("empirical income: incomes must be finite and >= 0")
        if not np.all(np.isfinite(weights)) or np.any(weights < 0) or weights.sum() <= 0:
            raise InputError("empirical income: weights must be finite, >= 0 and not all zero")
        order = np.argsort(incomes, kind="stable")
        object.__setattr__(self, "incomes", incomes[order])
        object.__setattr__(self, "weights", weights[order] / weights.sum())

    def cdf(self, income: np.ndarray | float) -> np.ndarray | float:
        """Weighted share of incomes at or below ``income``."""
        cum = np.concatenate([[0.0], np.cumsum(self.weights)])
        return cum[np.searchsorted(self.incomes, income, side="right")]

    def pdf(self, income: np.ndarray | float) -> np.ndarray | float:
        """Not defined for observed incomes; bin them first (:meth:`binned`)."""
        raise InputError(
            "empirical income has no density; use EmpiricalIncome.binned(edges) to work with "
            "a density (e.g. for the optimal poverty threshold)"
        )

    def upper_income(self) -> float:
        """The largest observed income."""
        return float(self.incomes[-1])

    def binned(self, edges: np.ndarray) -> BinnedIncome:
        """The same incomes counted in classes with the given ``edges``."""
        edges = np.asarray(edges, dtype=float)
        counts = np.diff(np.asarray(self.cdf(edges), dtype=float))
        return BinnedIncome(edges, counts)


def poverty_rate(income: IncomeDistribution, threshold: float) -> float:
    """Share of a group below the poverty ``threshold`` (dollars).

    Parameters
    ----------
    income : IncomeDistribution
        The group's income model.
    threshold : float
        Poverty threshold in dollars, > 0.

    Returns
    -------
    float
        The group's poverty rate in [0, 1].

    """
    threshold = check_positive(threshold, "threshold")
    return float(income.cdf(threshold))


def common_shape_gammas(black: IncomeDistribution, white: IncomeDistribution) -> bool:
    """Whether both incomes are gamma distributions of the same shape (to 1e-12).

    Then the closed forms of the mathematics note apply: the densities cross once
    (items 5 and 6) and the supremum of V is ``2 min(q, 1 - q)``.
    """
    return (
        isinstance(black, GammaIncome)
        and isinstance(white, GammaIncome)
        and np.isclose(black.shape, white.shape, rtol=1e-12, atol=0.0)
    )


def gamma_crossing(
    shape: float, black_scale: np.ndarray | float, white_scale: np.ndarray | float
) -> np.ndarray:
    """Where two gamma densities of common ``shape`` cross, vectorized over the scales.

    ``I* = a ln(th_w / th_b) / (1/th_b - 1/th_w)``; NaN where the scales are equal (identical
    densities never cross).

    Parameters
    ----------
    shape : float
        Common gamma shape a.
    black_scale, white_scale : float or array
        Gamma scales th_b, th_w (dollars), broadcast together.

    Returns
    -------
    numpy.ndarray
        The crossing income I* (dollars).
    """
    black_scale = np.asarray(black_scale, dtype=float)
    white_scale = np.asarray(white_scale, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        value = shape * np.log(white_scale / black_scale) / (1 / black_scale - 1 / white_scale)
    return np.where(np.isclose(black_scale, white_scale, rtol=1e-12, atol=0), np.nan, value)


def optimal_poverty_threshold(
    black: IncomeDistribution, white: IncomeDistribution, *, grid_points: int = 20_001
) -> float:
    """Poverty threshold that minimizes the dichotomous maximum ``1 - |pi_bp - pi_wp|``.

    The bound is smallest where the two group densities cross, ``phi_b(I*) = phi_w(I*)``; it
    does not depend on group shares. For gammas of common shape a and scales ``th_b < th_w``
    the closed form ``I* = a ln(th_w / th_b) / (1/th_b - 1/th_w)`` is used; otherwise the
    crossings are found on a grid and refined with Brent's method, and the one with the largest
    ``|F_b - F_w|`` is returned.

    Parameters
    ----------
    black, white : IncomeDistribution
        The two groups' income models (each must have a density).
    grid_points : int
        Size of the search grid for the general case.

    Returns
    -------
    float
        The optimal threshold I* in dollars.

    Raises
    ------
    NoCrossingError
        If the densities never cross (e.g. identical distributions).

    """
    if common_shape_gammas(black, white):
        th_b, th_w = black.scale, white.scale
        if np.isclose(th_b, th_w, rtol=1e-12, atol=0.0):
            raise NoCrossingError(
                "the two income densities are identical, so they never cross and no poverty "
                "threshold separates the groups (every threshold gives V_max = 1)"
            )
        return float(gamma_crossing(black.shape, th_b, th_w))

    upper = max(black.upper_income(), white.upper_income())
    grid = np.linspace(0.0, upper, grid_points)[1:]
    diff = np.asarray(black.pdf(grid), dtype=float) - np.asarray(white.pdf(grid), dtype=float)
    sign = np.sign(diff)
    nonzero = np.flatnonzero(sign != 0)
    changes = nonzero[:-1][sign[nonzero[:-1]] != sign[nonzero[1:]]]
    if changes.size == 0:
        raise NoCrossingError(
            "the two income densities do not cross between 0 and "
            f"{upper:,.0f}; no optimal poverty threshold exists for these distributions"
        )
    nxt = nonzero[np.searchsorted(nonzero, changes) + 1]

    def gap(x: float) -> float:
        return float(black.pdf(x)) - float(white.pdf(x))

    roots = np.array(
        [optimize.brentq(gap, grid[i], grid[j], xtol=1e-9) for i, j in zip(changes, nxt)]
    )
    separation = np.abs(np.asarray(black.cdf(roots)) - np.asarray(white.cdf(roots)))
    return float(roots[np.argmax(separation)])


def class_table(
    black: IncomeDistribution,
    white: IncomeDistribution,
    black_share: float,
    edges: np.ndarray,
) -> np.ndarray:
    """Shares of the district's students by group and income class.

    Parameters
    ----------
    black, white : IncomeDistribution
        The two groups' income models.
    black_share : float
        ``pi_b``, the district's Black share, in (0, 1).
    edges : array_like
        K + 1 increasing class edges (dollars); the first is taken as 0 and the last as
        infinity, so the classes cover every income.

    Returns
    -------
    numpy.ndarray
        Shape ``(2, K)``: row 0 Black, row 1 White; entries sum to 1.

    """
    pi_b = check_share(black_share, "black_share")
    edges = np.asarray(edges, dtype=float)
    if edges.ndim != 1 or edges.size < 2 or np.any(np.diff(edges) <= 0):
        raise InputError("income class edges must be at least two strictly increasing numbers")
    cb = np.asarray(black.cdf(edges), dtype=float)
    cw = np.asarray(white.cdf(edges), dtype=float)
    cb[0], cw[0], cb[-1], cw[-1] = 0.0, 0.0, 1.0, 1.0
    return np.vstack([pi_b * np.diff(cb), (1.0 - pi_b) * np.diff(cw)])


def district_quantile_edges(
    black: IncomeDistribution,
    white: IncomeDistribution,
    black_share: float,
    n_classes: int,
) -> np.ndarray:
    """Edges of ``n_classes`` income classes of (nearly) equal share of the district.

    The district's income CDF ``pi_b F_b + pi_w F_w`` is inverted on a fine grid; the first edge
    is 0 and the last the top income of the two models.

    Parameters
    ----------
    black, white : IncomeDistribution
        The two groups' income models.
    black_share : float
        ``pi_b`` in (0, 1).
    n_classes : int
        Number of classes K >= 2.

    Returns
    -------
    numpy.ndarray
        K + 1 strictly increasing edges in dollars.

    """
    n_classes = check_whole_number(n_classes, "n_classes", 2)
    upper = max(black.upper_income(), white.upper_income())
    grid = np.linspace(0.0, upper, max(20_001, 20 * n_classes + 1))
    mix = black_share * np.asarray(black.cdf(grid)) + (1 - black_share) * np.asarray(
        white.cdf(grid)
    )
    mix = np.maximum.accumulate(mix)
    targets = np.linspace(0.0, 1.0, n_classes + 1)[1:-1]
    inner = np.interp(targets, mix, grid)
    edges = np.concatenate([[0.0], inner, [upper]])
    # Flat stretches of the CDF can repeat an edge: nudge duplicates apart.
    for k in range(1, edges.size):
        if edges[k] <= edges[k - 1]:
            edges[k] = np.nextafter(edges[k - 1], np.inf)
    return edges
