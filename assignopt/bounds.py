"""The literature's closed forms and constructions for the maximum possible segregation.

Items 1-6 of the mathematics note (docs/mathematics.md), "Possible segregation under income
balance". Closed forms return a number; constructions return a :class:`Construction` whose
school compositions reproduce its value (recompute it with
:func:`assignopt.indices.normalized_exposure`).

Income is handed over as a *class table*: an array of shape ``(2, K)`` with the district's
students (counts or shares) by group (row 0 Black, row 1 White) and income class, classes
ordered from poorest to richest. Dichotomous income is ``K = 2`` (poor, nonpoor).
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import combinations
from typing import Any

import numpy as np
from scipy import special

from assignopt.errors import AssignoptError, InputError
from assignopt.income import (
    LITERATURE_SHAPE,
    GammaIncome,
    IncomeDistribution,
    class_table,
    common_shape_gammas,
    district_quantile_edges,
    optimal_poverty_threshold,
)
from assignopt.indices import _normalized_exposure
from assignopt.validation import (
    check_count_table,
    check_positive,
    check_rate,
    check_share,
    check_tolerance,
    check_whole_number,
)

__all__ = [
    "Construction",
    "ConstructionNotApplicableError",
    "closed_form_bounds",
    "greedy_construction",
    "income_class_table",
    "optimal_poverty_threshold",
    "three_school_construction",
    "validate_tolerance",
    "vmax_continuous",
    "vmax_dichotomous",
    "vmax_supremum",
    "vmax_tolerance_approx",
]


@dataclass(frozen=True)
class Construction:
    """A set of schools built by a construction, with the V it attains.

    Attributes
    ----------
    value : float
        Normalized exposure V of the schools, from the construction's own formula.
    schools : numpy.ndarray
        Students by school, group and income class, shape ``(J, 2, K)``; group 0 is Black,
        group 1 White; classes from poorest to richest.
    method : str
        Name of the construction.

    """

    value: float
    schools: np.ndarray
    method: str

    @property
    def group_counts(self) -> np.ndarray:
        """Students by school and group, shape ``(J, 2)``: the input of the indices."""
        return self.schools.sum(axis=2)

    @property
    def poverty_rates(self) -> np.ndarray:
        """Share of each school's students in the poorest class (dichotomous: poor)."""
        sizes = self.schools.sum(axis=(1, 2))
        return self.schools[:, :, 0].sum(axis=1) / sizes


def validate_tolerance(tolerance: float) -> float:
    """Check an income-balance tolerance ``d``; see :func:`assignopt.validation.check_tolerance`.

    Parameters
    ----------
    tolerance : float
        Half-width of the band ``[pi_p - d, pi_p + d]``.

    Returns
    -------
    float
        The tolerance.

    Raises
    ------
    InputError
        Unless ``0 <= tolerance < 0.5``.

    """
    return check_tolerance(tolerance)


def vmax_dichotomous(black_poverty: float, white_poverty: float) -> float:
    """Maximum V under perfect balance of a dichotomous poverty status: ``1 - |pi_bp - pi_wp|``.

    Independent of the district's racial composition (mathematics note, item 2).

    Parameters
    ----------
    black_poverty, white_poverty : float
        Group poverty rates ``pi_bp`` and ``pi_wp`` in [0, 1].

    Returns
    -------
    float
        The maximum V.

    """
    pbp = check_rate(black_poverty, "black_poverty")
    pwp = check_rate(white_poverty, "white_poverty")
    return 1.0 - abs(pbp - pwp)


def vmax_tolerance_approx(black_poverty: float, white_poverty: float, tolerance: float) -> float:
    """The literature's approximation ``V_max / (1 - 2d)``, capped at 1, for tolerance d.

    Stated for a district half Black and half White (item 3); for other compositions use
    :func:`three_school_construction`.

    Parameters
    ----------
    black_poverty, white_poverty : float
        Group poverty rates in [0, 1].
    tolerance : float
        Tolerance d in [0, 0.5).

    Returns
    -------
    float
        The approximate maximum V.

    """
    d = check_tolerance(tolerance)
    return min(1.0, vmax_dichotomous(black_poverty, white_poverty) / (1.0 - 2.0 * d))


#: A poverty rate within this of the band's edge counts as inside the band (on the edge, a
#: school meets the policy; the margin absorbs rounding in ``pi_p +- d``).
_EDGE = 1e-12


class ConstructionNotApplicableError(AssignoptError):
    """The literature's three-school construction does not cover these inputs.

    Attributes
    ----------
    reason : str
        ``"one rate inside the band"`` (one group's poverty rate lies inside the band and the
        other's outside it, so one single-race school cannot be formed as stated) or
        ``"mixed school outside the band"`` (the third school's poverty rate misses the band).

    """

    def __init__(self, message: str, reason: str) -> None:
        super().__init__(message)
        self.reason = reason


def three_school_construction(
    black_share: float,
    black_poverty: float,
    white_poverty: float,
    tolerance: float,
    total_students: float = 1.0,
    school_rates: str = "best",
) -> Construction:
    """A single-race White school, a single-race Black school and a mixed school.

    ``school_rates="literature"`` is the literature's construction (its Appendix C), cases
    included. With ``pi_p`` the district's poverty rate and the band
    ``[lo, hi] = [pi_p - d, pi_p + d]``:

    - case 1: when both groups' poverty rates lie inside the band, one school per race meets
      the policy and V = 1 (school C is empty);
    - otherwise the groups are labelled so that White families are the less poor ("without
      loss of generality": the labels are swapped when White families are the poorer). School
      A, all White, holds every poor White student and as many nonpoor White students as put
      its poverty rate at ``lo``; school B, all Black, holds every nonpoor Black student and as
      many poor Black students as put its rate at ``hi``; school C holds everyone left.

    The construction as stated needs the less poor group's rate below the band and the poorer
    group's above it, and school C's rate inside the band; where either fails it does not
    apply and :class:`ConstructionNotApplicableError` says why.

    ``school_rates="best"`` (the default) searches the whole family continuously: every
    split of each group-by-status cell between its single-race school and school C that
    keeps all three schools inside the band. V is convex in the sizes of the two single-race
    schools and the allowed splits form a polytope in four variables (poor and nonpoor
    students of each single-race school), so the maximum sits at one of its vertices, which
    are enumerated. This includes the literature's schools and case 1, so it is never below
    the literature's value, and it is exact at d = 0. Both remain constructions: the linear
    programs (:mod:`assignopt.maxseg`) give the true maximum.

    Parameters
    ----------
    black_share : float
        ``pi_b`` in (0, 1).
    black_poverty, white_poverty : float
        ``pi_bp``, ``pi_wp`` in [0, 1].
    tolerance : float
        d in [0, 0.5).
    total_students : float
        Scale of the returned school counts (1 gives shares of the district).
    school_rates : {"best", "literature"}
        The continuous search or the literature's construction (see above).

    Returns
    -------
    Construction
        ``schools`` has shape ``(3, 2, 2)``: schools A (all White), B (all Black), C (the
        rest, empty in case 1); groups (Black, White); classes (poor, nonpoor). ``method``
        names the variant and, for the literature's, its case.

    Raises
    ------
    ConstructionNotApplicableError
        With ``school_rates="literature"``, where the construction as stated does not apply.

    """
    pi_b = check_share(black_share, "black_share")
    pbp = check_rate(black_poverty, "black_poverty")
    pwp = check_rate(white_poverty, "white_poverty")
    d = check_tolerance(tolerance)
    if school_rates not in {"best", "literature"}:
        raise InputError(f"school_rates must be 'best' or 'literature', got {school_rates!r}")
    if school_rates == "literature":
        white_only, black_only, method = _appendix_c(pi_b, pbp, pwp, d)
    else:
        white_only, black_only = _best_single_race_schools(pi_b, pbp, pwp, d)
        method = "three-school, best rates"
    pi_w = 1.0 - pi_b
    cells = np.array([[pi_b * pbp, pi_b * (1 - pbp)], [pi_w * pwp, pi_w * (1 - pwp)]])
    school_a = np.array([[0.0, 0.0], white_only])
    school_b = np.array([black_only, [0.0, 0.0]])
    schools = np.array([school_a, school_b, cells - school_a - school_b])
    # Round-off can leave a vanishing negative count in school C.
    schools = np.clip(schools, 0.0, None) * total_students
    value = _three_school_v(pi_b, np.array(sum(white_only)), np.array(sum(black_only)))
    return Construction(value=float(value), schools=schools, method=method)


def _appendix_c(
    pi_b: float, pbp: float, pwp: float, d: float
) -> tuple[tuple[float, float], tuple[float, float], str]:
    """The literature's schools: (poor, nonpoor) of the all-White and all-Black schools."""
    pi_w = 1.0 - pi_b
    pi_p = pi_b * pbp + pi_w * pwp
    lo, hi = pi_p - d, pi_p + d

    def inside(rate: float) -> bool:
        return lo - _EDGE <= rate <= hi + _EDGE

    if inside(pbp) and inside(pwp):
        return (
            (pi_w * pwp, pi_w * (1 - pwp)),
            (pi_b * pbp, pi_b * (1 - pbp)),
            "three-school (literature), case 1: one school per race",
        )
    # Label the groups so that x is the less poor (White unless White families are poorer).
    white_poorer = pwp > pbp
    x_share, x_rate, x_name = (pi_b, pbp, "Black") if white_poorer else (pi_w, pwp, "White")
    y_share, y_rate, y_name = (pi_w, pwp, "White") if white_poorer else (pi_b, pbp, "Black")
    band = f"[{lo:.4g}, {hi:.4g}]"
    if inside(x_rate):
        raise ConstructionNotApplicableError(
            f"the literature's three-school construction does not apply: the {x_name.lower()} "
            f"poverty rate {x_rate:.4g} lies inside the band {band} and the {y_name.lower()} "
            f"rate {y_rate:.4g} above it, so no all-{x_name} school at rate {lo:.4g} can hold "
            f"every poor {x_name} student",
            "one rate inside the band",
        )
    if inside(y_rate):
        raise ConstructionNotApplicableError(
            f"the literature's three-school construction does not apply: the {y_name.lower()} "
            f"poverty rate {y_rate:.4g} lies inside the band {band} and the {x_name.lower()} "
            f"rate {x_rate:.4g} below it, so no all-{y_name} school at rate {hi:.4g} can hold "
            f"every nonpoor {y_name} student",
            "one rate inside the band",
        )
    # Here x_rate < lo (so lo > 0) and y_rate > hi (so hi < 1).
    x_poor = x_share * x_rate
    x_school = (x_poor, x_poor * (1 - lo) / lo)
    y_nonpoor = y_share * (1 - y_rate)
    y_school = (y_nonpoor * hi / (1 - hi), y_nonpoor)
    mixed_poor = y_share * y_rate - y_school[0]
    mixed = mixed_poor + x_share * (1 - x_rate) - x_school[1]
    if mixed > _EDGE and not inside(mixed_poor / mixed):
        raise ConstructionNotApplicableError(
            f"the literature's three-school construction does not apply: its mixed school "
            f"would have poverty rate {mixed_poor / mixed:.4g}, outside the band {band}",
            "mixed school outside the band",
        )
    white_only, black_only = (y_school, x_school) if white_poorer else (x_school, y_school)
    return white_only, black_only, "three-school (literature)"


def _best_single_race_schools(
    pi_b: float, pbp: float, pwp: float, d: float
) -> tuple[tuple[float, float], tuple[float, float]]:
    """(poor, nonpoor) of the all-White and all-Black schools that maximize V.

    The variables ``z = (White poor, White nonpoor, Black poor, Black nonpoor)`` in the two
    single-race schools satisfy ``G z <= h``: each cell's supply, non-negativity, each
    single-race school's poverty rate in ``[lo, hi]`` and the mixed school's (students
    left) likewise, all linear. V is convex in the school sizes, a linear image of z, so its
    maximum over the polytope is at a vertex: every vertex solves four of the 14 constraints
    as equalities, and all 1,001 choices are solved at once.
    """
    pi_w = 1.0 - pi_b
    pi_p = pi_b * pbp + pi_w * pwp
    lo, hi = max(pi_p - d, 0.0), min(pi_p + d, 1.0)
    g = np.array(
        [
            *np.eye(4),  # supplies
            *-np.eye(4),  # non-negative
            [lo - 1, lo, 0, 0],  # White school's rate >= lo
            [1 - hi, -hi, 0, 0],  # White school's rate <= hi
            [0, 0, lo - 1, lo],  # Black school's rate >= lo
            [0, 0, 1 - hi, -hi],  # Black school's rate <= hi
            [hi - 1, hi, hi - 1, hi],  # mixed school's rate <= hi
            [1 - lo, -lo, 1 - lo, -lo],  # mixed school's rate >= lo
        ]
    )
    supply = [pi_w * pwp, pi_w * (1 - pwp), pi_b * pbp, pi_b * (1 - pbp)]
    h = np.array([*supply, 0, 0, 0, 0, 0, 0, 0, 0, hi - pi_p, pi_p - lo])
    systems, rhs = g[_FOUR_ROWS], h[_FOUR_ROWS]
    with np.errstate(divide="ignore", invalid="ignore"):  # singular choices: no vertex
        regular = np.abs(np.linalg.det(systems)) > 1e-12
    z = np.linalg.solve(systems[regular], rhs[regular][..., None])[..., 0]
    z = z[np.all(z @ g.T <= h + 1e-12, axis=1)]  # z = 0 (perfect balance) is always here
    # Snap round-off: a cell taken whole (or not at all) to within 1e-12 is taken exactly so,
    # then keep the vertices whose three schools meet the band by their actual poverty rates
    # (a sliver of a mixed school left by round-off could otherwise have any rate).
    supply = np.array(supply)
    z = np.where(np.abs(z - supply) <= 1e-12, supply, np.where(z <= 1e-12, 0.0, z))
    rest = supply - z
    poor = np.column_stack([z[:, 0], z[:, 2], rest[:, 0] + rest[:, 2]])
    size = np.column_stack([z[:, 0] + z[:, 1], z[:, 2] + z[:, 3], rest.sum(axis=1)])
    fits = (size <= 1e-12) | ((poor >= (lo - 1e-10) * size) & (poor <= (hi + 1e-10) * size))
    z = z[fits.all(axis=1) & (rest >= -1e-12).all(axis=1)]
    values = _three_school_v(pi_b, z[:, 0] + z[:, 1], z[:, 2] + z[:, 3])
    best = z[int(np.argmax(values))]
    return (float(best[0]), float(best[1])), (float(best[2]), float(best[3]))


_FOUR_ROWS = np.array(list(combinations(range(14), 4)))


def _three_school_v(pi_b: float, a_size: np.ndarray, b_size: np.ndarray) -> np.ndarray:
    """V of an all-White school of size A, an all-Black one of size B and the rest (T = 1)."""
    pi_w = 1.0 - pi_b
    c_size = 1.0 - a_size - b_size
    with np.errstate(divide="ignore", invalid="ignore"):
        rest = np.where(c_size > 1e-15, (pi_b * a_size - pi_w * b_size) ** 2 / c_size, 0.0)
    return (a_size * pi_b**2 + b_size * pi_w**2 + rest) / (pi_b * pi_w)


def _class_table(table: np.ndarray) -> np.ndarray:
    table = np.asarray(table, dtype=float)
    if table.ndim != 2 or table.shape[0] != 2:
        raise InputError(
            f"class table must have shape (2, K): rows Black and White, got {table.shape}"
        )
    check_count_table(table, [f"class {k + 1}" for k in range(table.shape[1])], name="class table")
    if np.any(table.sum(axis=1) <= 0):
        raise InputError("class table: both groups need students for a two-group index")
    return table


def vmax_supremum(table: np.ndarray) -> float:
    """Supremum of V under perfect balance over any number of schools, for binned income.

    With ``r_k`` the Black share of class k and ``p_k`` the class's share of the district,
    ``V_max = (E[min(r_K1, r_K2)] - pi_b^2) / (pi_b pi_w)`` for two independent classes drawn
    with probabilities p: the variance over s of ``beta(s) = P(r > s)`` (item 5), written in
    a form that is exact for classes.

    Parameters
    ----------
    table : array_like
        Class table of shape ``(2, K)``.

    Returns
    -------
    float
        The supremum of V.

    """
    table = _class_table(table)
    sizes = table.sum(axis=0)
    keep = sizes > 0
    p = sizes[keep] / sizes.sum()
    r = table[0, keep] / sizes[keep]
    order = np.argsort(r, kind="stable")
    p, r = p[order], r[order]
    above = np.concatenate([np.cumsum(p[::-1])[::-1][1:], [0.0]])
    expected_min = float(np.sum(p * r * (p + 2.0 * above)))
    pi_b = float(np.sum(p * r))
    return (expected_min - pi_b**2) / (pi_b * (1.0 - pi_b))


def vmax_continuous(
    black: IncomeDistribution,
    white: IncomeDistribution,
    black_share: float = 0.5,
    *,
    n_classes: int = 20_000,
) -> float:
    """Supremum of V under perfect balance of continuous income, over any number of schools.

    For gamma incomes of common shape a the Black share ``r(I)`` is monotone in income and
    the supremum is ``2 min(q, 1 - q)`` with ``q = P(I_w < I_b) = I_x(a, a)``,
    ``x = th_b / (th_b + th_w)`` (the regularized incomplete beta function): independent of
    the racial composition. Other models are evaluated with :func:`vmax_supremum` on
    ``n_classes`` equal-share income classes, which converges to the supremum from above.

    Parameters
    ----------
    black, white : IncomeDistribution
        The two groups' income models.
    black_share : float
        ``pi_b`` in (0, 1) (no effect for common-shape gammas).
    n_classes : int
        Classes for the general case.

    Returns
    -------
    float
        The supremum of V.

    """
    pi_b = check_share(black_share, "black_share")
    if common_shape_gammas(black, white):
        return float(vmax_gamma_common_shape(black.shape, black.scale, white.scale))
    return vmax_supremum(income_class_table(black, white, pi_b, n_classes))


def vmax_gamma_common_shape(
    shape: float | np.ndarray, black_scale: float | np.ndarray, white_scale: float | np.ndarray
) -> np.ndarray:
    """Vectorized supremum ``2 min(q, 1 - q)``, ``q = I_{th_b/(th_b+th_w)}(a, a)``.

    Parameters
    ----------
    shape : float or array
        Common gamma shape a.
    black_scale, white_scale : float or array
        Gamma scales (dollars); broadcast together.

    Returns
    -------
    numpy.ndarray
        The supremum of V for each broadcast element.

    """
    black_scale = np.asarray(black_scale, dtype=float)
    q = special.betainc(shape, shape, black_scale / (black_scale + white_scale))
    return 2.0 * np.minimum(q, 1.0 - q)


def income_class_table(
    black: IncomeDistribution, white: IncomeDistribution, black_share: float, n_classes: int
) -> np.ndarray:
    """Class table of ``n_classes`` income classes of equal share of the district.

    Parameters
    ----------
    black, white : IncomeDistribution
        The two groups' income models.
    black_share : float
        ``pi_b`` in (0, 1).
    n_classes : int
        Number of classes K.

    Returns
    -------
    numpy.ndarray
        Shape ``(2, K)``, shares of the district summing to 1.

    """
    pi_b = check_share(black_share, "black_share")
    edges = district_quantile_edges(black, white, pi_b, n_classes)
    return class_table(black, white, pi_b, edges)


def greedy_construction(table: np.ndarray, n_schools: int) -> Construction:
    """The literature's greedy construction of ``J`` equal schools under perfect balance.

    Each school receives ``1/J`` of every income class (so it has the district's income
    distribution). School 1 takes White students in every class where enough are left and
    Black students for the rest; school 2 does the same with what remains, and so on.

    Parameters
    ----------
    table : array_like
        Class table of shape ``(2, K)`` (continuous income: see :func:`income_class_table`).
    n_schools : int
        Number of equal schools J >= 1.

    Returns
    -------
    Construction
        ``schools`` of shape ``(J, 2, K)``.

    """
    table = _class_table(table)
    n_schools = check_whole_number(n_schools, "n_schools", 1)
    seats = table.sum(axis=0) / n_schools
    white_left = table[1].copy()
    schools = np.empty((n_schools, 2, table.shape[1]))
    for j in range(n_schools):
        white = np.minimum(white_left, seats)
        white_left -= white
        schools[j, 0] = seats - white
        schools[j, 1] = white
    # Round-off can leave a vanishing negative Black count in the last school.
    schools = np.clip(schools, 0.0, None)
    value = _normalized_exposure(schools.sum(axis=2))
    return Construction(value=value, schools=schools, method=f"greedy, J={n_schools}")


def closed_form_bounds(
    *,
    white_mean: float | None = None,
    black_mean: float | None = None,
    shape: float = LITERATURE_SHAPE,
    black_share: float = 0.5,
    threshold: float | None = None,
    tolerance: float | None = None,
    white_poverty: float | None = None,
    black_poverty: float | None = None,
) -> dict[str, Any]:
    """Every closed form that the inputs allow, with the inputs echoed.

    Either both group means (gamma incomes) or both group poverty rates must be given; the
    threshold and tolerance are optional.

    Returns
    -------
    dict
        ``optimal_threshold``, ``black_poverty``, ``white_poverty``, ``vmax_dichotomous``,
        ``vmax_continuous``, ``vmax_tolerance_approx``, ``vmax_three_school`` (None where the
        inputs do not allow them), ``inputs`` and ``notes``.
    """
    means = (white_mean, black_mean)
    rates = (white_poverty, black_poverty)
    if any(v is not None for v in means) and any(v is not None for v in rates):
        raise InputError(
            "give either white_mean and black_mean (gamma incomes) or white_poverty and "
            "black_poverty (dichotomous), not both"
        )
    if tolerance is not None:
        tolerance = check_tolerance(tolerance)
    out: dict[str, Any] = {
        "inputs": {
            "white_mean": white_mean,
            "black_mean": black_mean,
            "shape": shape,
            "black_share": black_share,
            "threshold": threshold,
            "tolerance": tolerance,
            "white_poverty": white_poverty,
            "black_poverty": black_poverty,
        },
        "optimal_threshold": None,
        "vmax_continuous": None,
        "vmax_tolerance_approx": None,
        "vmax_three_school": None,
        "notes": [],
    }
    if all(v is not None for v in means):
        if threshold is not None:
            threshold = check_positive(threshold, "threshold")
        black = GammaIncome.from_mean(black_mean, shape)
        white = GammaIncome.from_mean(white_mean, shape)
        out["black_scale"], out["white_scale"] = black.scale, white.scale
        out["vmax_continuous"] = vmax_continuous(black, white, black_share)
        if black.scale == white.scale:
            out["notes"].append("equal income distributions: every threshold gives V_max = 1")
            at = threshold if threshold is not None else black.mean
        else:
            out["optimal_threshold"] = optimal_poverty_threshold(black, white)
            at = threshold if threshold is not None else out["optimal_threshold"]
        out["threshold_used"] = at
        black_poverty, white_poverty = float(black.cdf(at)), float(white.cdf(at))
    elif all(v is not None for v in rates):
        if threshold is not None:
            raise InputError("threshold needs group mean incomes (white_mean, black_mean)")
        out["notes"].append(
            "dichotomous input: no income distribution, so no optimal threshold and no "
            "continuous-income bound"
        )
    else:
        raise InputError(
            "give both white_mean and black_mean, or both white_poverty and black_poverty"
        )
    out["black_poverty"], out["white_poverty"] = black_poverty, white_poverty
    out["vmax_dichotomous"] = vmax_dichotomous(black_poverty, white_poverty)
    if tolerance is not None:
        out["vmax_tolerance_approx"] = vmax_tolerance_approx(
            black_poverty, white_poverty, tolerance
        )
        construction = three_school_construction(
            black_share, black_poverty, white_poverty, tolerance
        )
        out["vmax_three_school"] = construction.value
        out["three_school_schools"] = [
            {
                "school": name,
                "black_poor": s[0, 0],
                "black_nonpoor": s[0, 1],
                "white_poor": s[1, 0],
                "white_nonpoor": s[1, 1],
            }
            for name, s in zip("ABC", construction.schools)
        ]
        if abs(black_share - 0.5) > 1e-9:
            out["notes"].append(
                "the V/(1-2d) approximation is stated for a 50/50 district; "
                "vmax_three_school is the construction at the given black share"
            )
    return out
