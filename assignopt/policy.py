"""Income-balance policies: what share of each school every balanced category must have.

A policy resolves, on a :class:`~assignopt.population.Population`, into *rules*: for a set of
categories (an income class, the poor, students with a second attribute) every school's share
must lie in ``[lower, upper]``. A tolerance d means ``[share - d, share + d]`` around the
district's own share; an absolute band can be given for the second attribute.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from assignopt.errors import InputError
from assignopt.population import Population
from assignopt.validation import check_band, check_fraction, check_tolerance

__all__ = ["BalanceRule", "InfeasiblePolicyError", "Policy"]


class InfeasiblePolicyError(InputError):
    """No assignment of the district's students can satisfy the policy."""


@dataclass(frozen=True)
class BalanceRule:
    """Every school's share of the students in ``categories`` must lie in [lower, upper].

    Attributes
    ----------
    name : str
        What is balanced, in words ("poor", "class 3", "english_learner").
    categories : numpy.ndarray
        Boolean mask over the population's categories.
    lower, upper : float
        The band on each school's share.
    district_share : float
        The district's own share, for messages.
    """

    name: str
    categories: np.ndarray
    lower: float
    upper: float
    district_share: float


@dataclass(frozen=True)
class Policy:
    """An income-balance policy, optionally with a second balanced attribute and size bounds.

    Parameters
    ----------
    tolerance : float or sequence of float
        Income tolerance d in [0, 0.5): with two income classes (poor, nonpoor) the band on the
        poverty rate; with K classes, one d for every class or one per class.
    attribute_tolerance : float, optional
        Tolerance on each school's share of the second attribute (around the district share).
    attribute_band : (float, float), optional
        Absolute band on the second attribute's share (instead of a tolerance).
    min_school_share, max_school_share : float, optional
        Bounds on each school's size as a share of the district.
    """

    tolerance: float | Sequence[float] = 0.0
    attribute_tolerance: float | None = None
    attribute_band: tuple[float, float] | None = None
    min_school_share: float | None = None
    max_school_share: float | None = None

    def __post_init__(self) -> None:
        tol = self.tolerance
        if np.ndim(tol) == 0:
            check_tolerance(tol)
        else:
            for k, d in enumerate(tol):
                check_tolerance(d, f"tolerance[{k}]")
        if self.attribute_tolerance is not None and self.attribute_band is not None:
            raise InputError("give attribute_tolerance or attribute_band, not both")
        if self.attribute_tolerance is not None:
            check_tolerance(self.attribute_tolerance, "attribute_tolerance")
        if self.attribute_band is not None:
            check_band(self.attribute_band, "attribute_band")
        for name in ("min_school_share", "max_school_share"):
            value = getattr(self, name)
            if value is not None:
                check_fraction(value, name)
        if (self.min_school_share or 0.0) > (self.max_school_share or 1.0):
            raise InputError(
                f"min_school_share {self.min_school_share} exceeds max_school_share "
                f"{self.max_school_share}"
            )

    @property
    def is_perfect_income_balance(self) -> bool:
        """Whether every income tolerance is zero."""
        return bool(np.all(np.asarray(self.tolerance, dtype=float) == 0.0))

    def describe(self) -> str:
        """The policy in plain words."""
        tol = np.asarray(self.tolerance, dtype=float)
        if np.all(tol == 0):
            text = "every school has the district's income distribution (perfect balance)"
        elif tol.ndim == 0:
            text = (
                "every school's income-class shares (with poverty status: its poverty rate) "
                f"within ±{float(tol):.2f} of the district's"
            )
        else:
            text = "every school's income-class shares within per-class tolerances " + ", ".join(
                f"{d:.0%}" for d in tol
            )
        if self.attribute_tolerance is not None:
            text += f"; second attribute within {self.attribute_tolerance:.0%} of the district's"
        if self.attribute_band is not None:
            lo, hi = self.attribute_band
            text += f"; second attribute share between {lo:.0%} and {hi:.0%}"
        if self.min_school_share or self.max_school_share:
            text += (
                f"; school sizes between {self.min_school_share or 0:.0%} and "
                f"{self.max_school_share or 1:.0%} of the district"
            )
        return text

    def school_count_range(self) -> tuple[int, float]:
        """Smallest and largest numbers of schools the size bounds allow (``inf`` if none)."""
        lo = math.ceil(1.0 / self.max_school_share - 1e-12) if self.max_school_share else 1
        hi = math.floor(1.0 / self.min_school_share + 1e-12) if self.min_school_share else math.inf
        return lo, hi

    def rules(self, population: Population) -> list[BalanceRule]:
        """Resolve the policy's bands on a population's categories.

        Raises
        ------
        InfeasiblePolicyError
            If a band excludes the district's own share (no set of schools can then meet it,
            since the district's share is the schools' size-weighted average), or the size
            bounds admit no whole number of schools; the message names the rule and the margin.
        """
        shares = population.class_shares
        tol = np.asarray(self.tolerance, dtype=float)
        k = population.n_classes
        if tol.ndim == 1 and tol.size != k:
            raise InputError(
                f"policy has {tol.size} class tolerances but the data have {k} income classes "
                f"({', '.join(population.class_labels)})"
            )
        tol = np.broadcast_to(tol, (k,))
        rules = []
        # Two classes: one band on the poverty rate. K classes: a band on every class, less a
        # redundant last one under perfect balance (the shares sum to one).
        classes = [0] if k == 2 else list(range(k - 1 if np.all(tol == 0) else k))
        for c in classes:
            mask = population.income_class == c
            name = (
                "poor"
                if k == 2 and population.class_labels[0] == "poor"
                else (f"income class {population.class_labels[c]!r}")
            )
            rules.append(
                BalanceRule(
                    name,
                    mask,
                    max(shares[c] - tol[c], 0.0),
                    min(shares[c] + tol[c], 1.0),
                    float(shares[c]),
                )
            )
        if self.attribute_tolerance is not None or self.attribute_band is not None:
            if population.attribute is None:
                raise InputError("the policy balances a second attribute but the data have none")
            share = float(population.counts[:, population.attribute].sum() / population.total)
            if self.attribute_band is not None:
                lo, hi = self.attribute_band
            else:
                lo = max(share - self.attribute_tolerance, 0.0)
                hi = min(share + self.attribute_tolerance, 1.0)
            rules.append(
                BalanceRule(
                    population.attribute_name or "second attribute",
                    population.attribute.copy(),
                    lo,
                    hi,
                    share,
                )
            )
        self._check_feasible(rules)
        return rules

    def violations(
        self,
        schools: np.ndarray,
        population: Population,
        n_schools: np.ndarray | None = None,
        rtol: float = 1e-6,
    ) -> list[str]:
        """Everything wrong with a set of schools under this policy (empty when it complies).

        Checked directly from the school counts, independently of how they were computed:
        non-negative counts, every district student placed exactly once, every school's share
        of each balanced category inside its band, and school sizes inside the size bounds.

        Parameters
        ----------
        schools : numpy.ndarray
            Students by school, group and category, shape ``(J, M, C)``.
        population : Population
            The district.
        n_schools : numpy.ndarray, optional
            How many equal schools each row stands for (for the size bounds).
        rtol : float
            Relative tolerance (of the district's size) for every comparison.

        Returns
        -------
        list of str
        """
        problems = []
        tol = rtol * population.total
        if np.any(schools < -tol):
            problems.append(f"negative count {schools.min():.3g}")
        placed = schools.sum(axis=0)
        worst = np.abs(placed - population.counts).max()
        if worst > tol:
            problems.append(
                f"schools hold {placed.sum():.6g} students, district "
                f"{population.total:.6g} (worst cell off by {worst:.3g})"
            )
        sizes = schools.sum(axis=(1, 2))
        for rule in self.rules(population):
            held = schools[:, :, rule.categories].sum(axis=(1, 2))
            share = np.divide(held, sizes, out=np.zeros_like(held), where=sizes > 0)
            for j in np.flatnonzero(
                (sizes > tol) & ((share < rule.lower - rtol) | (share > rule.upper + rtol))
            ):
                problems.append(
                    f"school {j + 1}: share of {rule.name} {share[j]:.6f} outside "
                    f"[{rule.lower:.6f}, {rule.upper:.6f}]"
                )
        if self.min_school_share or self.max_school_share:
            count = np.ones(len(sizes)) if n_schools is None else np.asarray(n_schools, float)
            each = np.divide(sizes, count, out=np.zeros_like(sizes), where=count > 0)
            lo = (self.min_school_share or 0.0) * population.total
            hi = (self.max_school_share or 1.0) * population.total
            for j in np.flatnonzero((sizes > tol) & ((each < lo - tol) | (each > hi + tol))):
                problems.append(f"school {j + 1}: size {each[j]:.6g} outside [{lo:.6g}, {hi:.6g}]")
        return problems

    def _check_feasible(self, rules: list[BalanceRule]) -> None:
        for rule in rules:
            if rule.district_share < rule.lower - 1e-12 or rule.district_share > rule.upper + 1e-12:
                side = "below" if rule.district_share < rule.lower else "above"
                margin = (
                    rule.lower - rule.district_share
                    if side == "below"
                    else rule.district_share - rule.upper
                )
                raise InfeasiblePolicyError(
                    f"infeasible policy: every school's share of {rule.name} must lie in "
                    f"[{rule.lower:.4f}, {rule.upper:.4f}], but the district's share is "
                    f"{rule.district_share:.4f}, {margin:.4f} {side} the band; since the "
                    "district's share is the average of its schools', no school assignment "
                    "can meet it. Widen the band to include the district's share."
                )
        lo, hi = self.school_count_range()
        if lo > hi:
            raise InfeasiblePolicyError(
                f"infeasible policy: school sizes between {self.min_school_share:.4f} and "
                f"{self.max_school_share:.4f} of the district need between "
                f"{1 / self.max_school_share:.2f} and {1 / self.min_school_share:.2f} schools, "
                "and no whole number lies in that range. Loosen one of the size bounds."
            )
