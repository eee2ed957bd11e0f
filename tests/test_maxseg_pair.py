"""The two-group index between a named pair inside a multigroup population (fillers free)."""

import numpy as np
import pytest
import scipy.sparse as sp
from scipy.optimize import linprog

from assignopt import vmax_dichotomous
from assignopt.errors import InputError
from assignopt.maxseg import maximum_segregation, minimum_segregation
from assignopt.policy import Policy
from assignopt.population import Population

# The class table of sample_districts/sacramento_2000.gpkg (District.counts().sum(axis=0)):
# students under 16 by group and poverty status (poor, nonpoor).
SACRAMENTO = np.array(
    [
        [6621.0, 26126.0],
        [27726.0, 236234.0],
        [12616.0, 59324.0],
        [7145.0, 34032.0],
        [3542.0, 20318.0],
    ]
)
SACRAMENTO_GROUPS = ("black", "white", "hispanic", "asian", "other")


def assert_witness_sound(result, population, policy, objective):
    # Recomputed from the witness (which holds every group) with the pair's two-group index.
    assert result.witness.schools.shape[1] == population.n_groups
    assert result.witness.index(objective) == pytest.approx(result.lower, abs=1e-9)
    assert policy.violations(result.witness.schools, population, result.witness.n_schools) == []
    assert result.lower <= result.upper + 1e-12


def _two_segregated_schools_feasible(counts, tolerance):
    """An independent LP: can all-Black and all-White schools (plus fillers) meet the band?

    Variables: the filler students (groups 2.., poor and nonpoor) sent to the Black school;
    the rest go to the White school. Both schools' poverty rates must lie in the band
    around the district's rate. Feasible means V = D = H = 1 (two schools suffice).
    """
    fillers = counts[2:].ravel()  # (group, class) of the fillers, class 0 = poor
    poor = np.tile([1.0, 0.0], len(counts) - 2)
    rate = counts[:, 0].sum() / counts.sum()
    lo, hi = max(rate - tolerance, 0.0), min(rate + tolerance, 1.0)
    rows, rhs = [], []
    for school, sign in ((counts[0], 1.0), (counts[1], -1.0)):
        # Black school: own + f; White school: own + (fillers - f), written in f.
        base_poor = school[0] + (0.0 if sign > 0 else fillers @ poor)
        base_size = school.sum() + (0.0 if sign > 0 else fillers.sum())
        # lo * size <= poor <= hi * size, linear in f.
        rows.append(sign * (lo - poor))
        rhs.append(base_poor - lo * base_size)
        rows.append(sign * (poor - hi))
        rhs.append(hi * base_size - base_poor)
    result = linprog(
        np.zeros(fillers.size),
        A_ub=np.array(rows),
        b_ub=np.array(rhs),
        bounds=list(zip(np.zeros(fillers.size), fillers)),
        method="highs",
    )
    return result.status == 0


def test_fillers_let_fully_segregated_schools_meet_a_band_the_two_group_district_cannot():
    # Hand case: Black 100 (50 poor), White 100 (10 poor), Hispanic 200 (60 poor); district
    # rate 120 / 400 = 0.3. With d = 0, schools {100 Black + 100 Hispanic (10 poor)} and
    # {100 White + 100 Hispanic (50 poor)} both have rate 60 / 200 = 0.3: V = D = H = 1.
    counts = np.array([[50.0, 50.0], [10.0, 90.0], [60.0, 140.0]])
    population = Population.from_class_table(
        counts, ("black", "white", "hispanic"), ("poor", "nonpoor")
    )
    assert _two_segregated_schools_feasible(counts, 0.0)
    for objective in ("V", "D", "H"):
        result = maximum_segregation(population, Policy(0.0), objective, pair=("black", "white"))
        assert result.lower == pytest.approx(1.0, abs=1e-9)
        assert result.upper == pytest.approx(1.0, abs=1e-9)
        assert result.pair == ("black", "white")
        assert result.to_dict()["pair"] == ["black", "white"]
        assert_witness_sound(result, population, Policy(0.0), objective)
    # The two-group district alone: 1 - |0.5 - 0.1| = 0.6 (closed form, item 2).
    alone = Population.from_class_table(counts[:2], ("black", "white"), ("poor", "nonpoor"))
    assert maximum_segregation(alone, Policy(0.0)).lower == pytest.approx(
        vmax_dichotomous(0.5, 0.1), abs=1e-9
    )


@pytest.mark.parametrize("tolerance", [0.0, 0.05, 0.1])
def test_sacramento_black_white_maximum_is_one_among_five_groups(tolerance):
    population = Population.from_class_table(SACRAMENTO, SACRAMENTO_GROUPS, ("poor", "nonpoor"))
    assert _two_segregated_schools_feasible(SACRAMENTO, tolerance)  # independent LP: V = 1
    result = maximum_segregation(population, Policy(tolerance), "V", pair=("black", "white"))
    assert result.lower == pytest.approx(1.0, abs=1e-9)
    assert_witness_sound(result, population, Policy(tolerance), "V")


def _grid_pair_maximum(counts, tolerance, objective, n_grid):
    """An independent LP: school types at fixed pair shares beta on a grid (a lower value).

    With beta fixed, a type's term is a constant times its pair students, so the LP is linear;
    every group is its own variable (no merging of the fillers). Refining the grid closes
    on the maximum from below.
    """
    m_n, k_n = counts.shape
    b, w = counts[0].sum(), counts[1].sum()
    pi = b / (b + w)
    beta = np.linspace(0.0, 1.0, n_grid)

    def entropy(p):
        with np.errstate(divide="ignore", invalid="ignore"):
            return -np.nan_to_num(p * np.log(p)) - np.nan_to_num((1 - p) * np.log(1 - p))

    phi = {
        "V": (beta - pi) ** 2 / (pi * (1 - pi)),
        "D": np.abs(beta - pi) / (2 * pi * (1 - pi)),
        "H": (entropy(pi) - entropy(beta)) / entropy(pi),
    }[objective]
    var = np.arange(n_grid * m_n * k_n).reshape(n_grid, m_n, k_n)
    cost = np.zeros(var.size)
    cost[var[:, :2].ravel()] = -np.repeat(phi, 2 * k_n) / (b + w)
    eq_rows, eq_cols, eq_vals, eq_rhs = [], [], [], []
    r = 0
    for m in range(m_n):  # every cell placed
        for k in range(k_n):
            eq_rows += [r] * n_grid
            eq_cols += list(var[:, m, k])
            eq_vals += [1.0] * n_grid
            eq_rhs.append(counts[m, k])
            r += 1
    for g in range(n_grid):  # black = beta * (black + white) in type g
        eq_rows += [r] * (2 * k_n)
        eq_cols += list(var[g, 0]) + list(var[g, 1])
        eq_vals += [1 - beta[g]] * k_n + [-beta[g]] * k_n
        eq_rhs.append(0.0)
        r += 1
    share = counts.sum(axis=0) / counts.sum()
    ub_rows, ub_cols, ub_vals = [], [], []
    r = 0
    for k in [0] if k_n == 2 else range(k_n):  # poverty, or every class, within the band
        lo, hi = max(share[k] - tolerance, 0.0), min(share[k] + tolerance, 1.0)
        inside = (np.arange(k_n) == k).astype(float)
        for g in range(n_grid):
            cols = list(var[g].ravel())
            ub_rows += [r] * len(cols) + [r + 1] * len(cols)
            ub_cols += cols * 2
            ub_vals += list(np.tile(lo - inside, m_n)) + list(np.tile(inside - hi, m_n))
            r += 2
    result = linprog(
        cost,
        A_ub=sp.csr_matrix((ub_vals, (ub_rows, ub_cols)), shape=(r, var.size)),
        b_ub=np.zeros(r),
        A_eq=sp.csr_matrix((eq_vals, (eq_rows, eq_cols)), shape=(len(eq_rhs), var.size)),
        b_eq=np.array(eq_rhs),
        bounds=(0, None),
        method="highs",
    )
    assert result.status == 0
    return -result.fun


# Poverty status, two small filler groups: the extreme-point LP.
DICHOTOMOUS = np.array([[30.0, 20.0], [10.0, 60.0], [3.0, 2.0], [2.0, 5.0]])
# Four income classes, one filler group: the bracket over fans of the 3-group simplex.
CLASSES = np.array([[30.0, 20.0, 10.0, 5.0], [5.0, 10.0, 20.0, 40.0], [3.0, 2.0, 2.0, 3.0]])


@pytest.mark.parametrize(
    ("counts", "tolerance", "objective", "gap"),
    [
        (DICHOTOMOUS, 0.05, "V", 1e-6),
        (DICHOTOMOUS, 0.05, "D", 1e-6),
        (DICHOTOMOUS, 0.05, "H", 1e-6),
        (CLASSES, 0.02, "V", 1e-6),
        (CLASSES, 0.02, "D", 1e-6),
        (CLASSES, 0.02, "H", 1e-6),
    ],
)
def test_pair_maximum_agrees_with_an_independent_grid_lp(counts, tolerance, objective, gap):
    groups = tuple(f"g{m}" for m in range(len(counts)))
    population = Population.from_class_table(counts, groups)
    policy = Policy(tolerance)
    result = maximum_segregation(population, policy, objective, pair=("g0", "g1"), gap=gap)
    assert result.upper - result.lower <= gap
    assert_witness_sound(result, population, policy, objective)
    grid = _grid_pair_maximum(counts, tolerance, objective, 201)
    # The grid LP is feasible schools: never above the certified upper value, and close to the
    # maximum from below (measured: within 5e-4 at 201 points for these cases).
    assert grid <= result.upper + 1e-7
    assert grid >= result.lower - 1e-3
    # Without fillers the pair would face its own band and could only do worse or equal.
    assert result.upper <= 1.0 + 1e-12


@pytest.mark.parametrize("objective", ["V", "D", "H"])
def test_the_fan_bracket_agrees_with_the_extreme_point_lp(objective):
    population = Population.from_class_table(DICHOTOMOUS, ("g0", "g1", "g2", "g3"))
    exact = maximum_segregation(population, Policy(0.05), objective, pair=("g0", "g1"))
    bracket = maximum_segregation(
        population, Policy(0.05), objective, pair=("g0", "g1"), method="bracket", gap=1e-7
    )
    assert exact.method == "extreme-point LP" and bracket.method == "bracket LP"
    assert bracket.lower - 1e-9 <= exact.lower <= bracket.upper + 1e-9
    assert bracket.upper - bracket.lower <= 1e-7
    assert_witness_sound(bracket, population, Policy(0.05), objective)


def test_pair_with_the_second_attribute_and_a_swapped_order():
    # Cells (class, English learner) for three groups; the attribute band binds all students.
    counts = np.array([[10, 30, 20, 40], [5, 5, 45, 45], [10, 10, 10, 10]], dtype=float)
    population = Population(
        counts,
        ("black", "white", "asian"),
        np.array([0, 0, 1, 1]),
        ("poor", "nonpoor"),
        np.array([True, False, True, False]),
        "ell",
    )
    policy = Policy(0.1, attribute_tolerance=0.02)
    result = maximum_segregation(population, policy, "V", pair=("black", "white"))
    assert_witness_sound(result, population, policy, "V")
    swapped = maximum_segregation(population, policy, "V", pair=("white", "black"))
    assert swapped.lower == pytest.approx(result.lower, abs=1e-9)  # V is symmetric in b, w
    low = minimum_segregation(population, policy, "V", pair=("black", "white"))
    assert low.lower == pytest.approx(0.0, abs=1e-12) and low.pair == ("black", "white")


def test_pair_of_a_two_group_population_is_the_ordinary_maximum():
    population = Population.dichotomous(0.4, 0.5, 0.2)
    plain = maximum_segregation(population, Policy(0.1))
    paired = maximum_segregation(population, Policy(0.1), pair=("white", "black"))
    assert paired.lower == pytest.approx(plain.lower, abs=1e-12)


def test_bad_pairs_are_refused():
    population = Population.from_class_table(SACRAMENTO, SACRAMENTO_GROUPS, ("poor", "nonpoor"))
    with pytest.raises(InputError, match=r"group\(s\) 'latino' not in the population's groups"):
        maximum_segregation(population, Policy(0.1), pair=("black", "latino"))
    with pytest.raises(InputError, match="two different groups"):
        maximum_segregation(population, Policy(0.1), pair=("black", "black"))
    with pytest.raises(InputError, match="R of two groups is V"):
        maximum_segregation(population, Policy(0.1), "R", pair=("black", "white"))
    with pytest.raises(InputError, match=r"name the two groups with pair"):
        maximum_segregation(population, Policy(0.1), "V")
