"""Linear programs for the maximum segregation: closed forms, constructions, solvers, witnesses."""

import re

import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from assignopt import (
    GammaIncome,
    greedy_construction,
    three_school_construction,
    vmax_continuous,
    vmax_dichotomous,
    vmax_supremum,
)
from assignopt.bounds import ConstructionNotApplicableError
from assignopt.errors import InputError
from assignopt.maxseg import maximum_segregation, minimum_segregation
from assignopt.policy import InfeasiblePolicyError, Policy
from assignopt.population import Population

shares = st.floats(0.05, 0.95)
rates = st.floats(0.02, 0.98)


def assert_witness_sound(result, population, policy, objective="V"):
    # The index recomputed from the witness is the reported lower value, and the witness
    # satisfies the policy according to the independent checker.
    assert result.witness.index(objective) == pytest.approx(result.lower, abs=1e-9)
    assert policy.violations(result.witness.schools, population, result.witness.n_schools) == []
    assert result.lower <= result.upper + 1e-12


@settings(max_examples=40, deadline=None)
@given(shares, rates, rates)
def test_exact_lp_equals_dichotomous_closed_form(pi_b, bp, wp):
    population = Population.dichotomous(pi_b, bp, wp, total=1000)
    result = maximum_segregation(population, Policy(0.0))
    assert result.method == "extreme-point LP" and result.exact
    assert result.lower == pytest.approx(vmax_dichotomous(bp, wp), abs=1e-9)
    assert result.upper == pytest.approx(vmax_dichotomous(bp, wp), abs=1e-9)
    assert_witness_sound(result, population, Policy(0.0))


@settings(max_examples=40, deadline=None)
@given(shares, rates, rates, st.floats(0.0, 0.3))
@example(0.5, 0.5, 0.25, 1e-9)  # found by hypothesis: needs the LP solved to 1e-10
def test_lp_maximum_is_never_below_the_three_school_construction(pi_b, bp, wp, d):
    # A construction is feasible, so it can never beat the maximum.
    population = Population.dichotomous(pi_b, bp, wp)
    result = maximum_segregation(population, Policy(d))
    for rule in ("literature", "best"):
        try:
            construction = three_school_construction(pi_b, bp, wp, d, school_rates=rule)
        except ConstructionNotApplicableError:
            continue  # the literature's construction does not cover these inputs
        assert result.upper >= construction.value - 1e-9
    assert_witness_sound(result, population, Policy(d))


def test_worked_example_with_tolerance_beats_the_literature_formula():
    # 0.70 / (1 - 0.2) = 0.875 from the three-school construction; four school types reach 0.88.
    population = Population.dichotomous(0.5, 0.5, 0.2)
    result = maximum_segregation(population, Policy(0.1))
    assert result.lower == pytest.approx(0.88, abs=1e-9)
    assert len(result.witness.schools) == 4


@pytest.mark.parametrize("d", [0.0, 0.1, 0.25])
def test_three_methods_agree_on_a_dichotomous_policy(d):
    population = Population.dichotomous(0.3, 0.45, 0.15)
    exact = maximum_segregation(population, Policy(d), method="extreme")
    colgen = maximum_segregation(population, Policy(d), method="colgen", gap=1e-9)
    bracket = maximum_segregation(population, Policy(d), method="bracket", gap=1e-7)
    assert colgen.lower == pytest.approx(exact.lower, abs=1e-8)
    assert bracket.lower - 1e-9 <= exact.lower <= bracket.upper + 1e-9
    assert bracket.upper - bracket.lower <= 1e-7


@pytest.mark.parametrize("n_classes", [5, 20, 100])
def test_k_classes_perfect_balance_equals_the_supremum(n_classes):
    black, white = GammaIncome.from_mean(24_600), GammaIncome.from_mean(52_100)
    population = Population.gamma(black, white, 0.4, n_classes)
    result = maximum_segregation(population, Policy(0.0))
    supremum = vmax_supremum(population.counts)
    assert result.lower - 1e-9 <= supremum <= result.upper + 1e-9
    assert result.upper - result.lower <= 1e-4
    assert_witness_sound(result, population, Policy(0.0))


def test_bracket_contains_the_supremum_and_closes_on_the_continuous_one():
    black, white = GammaIncome.from_mean(24_600), GammaIncome.from_mean(52_100)
    continuous = vmax_continuous(black, white)
    widths = []
    for n_classes in (4, 16, 64):
        population = Population.gamma(black, white, 0.5, n_classes)
        result = maximum_segregation(population, Policy(0.0), method="bracket", gap=1e-5)
        supremum = vmax_supremum(population.counts)
        assert result.lower - 1e-9 <= supremum <= result.upper + 1e-9
        # Binning relaxes the policy, so the K-class maximum lies above the continuous one.
        assert result.lower >= continuous - 1e-5
        widths.append(result.upper - continuous)
    assert widths[0] > widths[1] > widths[2]
    assert widths[2] < 2e-3


@pytest.mark.parametrize("n_classes", [6, 8])
def test_bracket_with_class_bands_contains_the_column_generation_maximum(n_classes):
    # Column generation prices exact school compositions (a second method, exact at its
    # Lagrangian gap); the cell bracket, whose LP carries each cell's size in linked copies,
    # must enclose its value and return a witness inside every band.
    black, white = GammaIncome.from_mean(24_600), GammaIncome.from_mean(52_100)
    population = Population.gamma(black, white, 0.5, n_classes)
    policy = Policy(0.2 / n_classes)
    colgen = maximum_segregation(population, policy, method="colgen", gap=1e-8)
    bracket = maximum_segregation(population, policy, method="bracket", gap=1e-6)
    assert colgen.upper - colgen.lower <= 1e-8
    assert bracket.lower - 1e-9 <= colgen.lower <= bracket.upper + 1e-9
    assert bracket.upper - bracket.lower <= 1e-6
    assert_witness_sound(bracket, population, policy)


def test_lp_maximum_is_never_below_the_greedy_construction():
    black, white = GammaIncome.from_mean(31_700), GammaIncome.from_mean(68_100)
    population = Population.gamma(black, white, 0.3, 30)
    result = maximum_segregation(population, Policy(0.0))
    for n_schools in (4, 20):
        assert result.upper >= greedy_construction(population.counts, n_schools).value - 1e-12


@pytest.mark.parametrize("solver", ["cbc", "pulp-highs"])
def test_solvers_agree(solver):
    dich = Population.dichotomous(0.35, 0.4, 0.1)
    classes = Population.gamma(
        GammaIncome.from_mean(24_600), GammaIncome.from_mean(52_100), 0.5, 12
    )
    for population, policy in ((dich, Policy(0.15)), (classes, Policy(0.02))):
        ref = maximum_segregation(population, policy, gap=1e-9)
        other = maximum_segregation(population, policy, gap=1e-9, solver=solver)
        assert other.solver == solver
        assert other.lower == pytest.approx(ref.lower, abs=1e-6)


@pytest.mark.parametrize("objective", ["H", "D"])
def test_other_objectives(objective):
    population = Population.dichotomous(0.4, 0.5, 0.2)
    exact = maximum_segregation(population, Policy(0.1), objective)
    bracket = maximum_segregation(population, Policy(0.1), objective, method="bracket", gap=1e-6)
    assert bracket.lower - 1e-9 <= exact.lower <= bracket.upper + 1e-9
    assert_witness_sound(exact, population, Policy(0.1), objective)
    if objective == "D":
        # Cells split at the district share make the interpolation exact for D.
        assert bracket.exact and bracket.upper - bracket.lower < 1e-9


def test_multigroup_r_bracket_contains_the_exact_value():
    counts = np.array([[30, 20], [10, 60], [25, 15]], dtype=float)  # 3 groups x (poor, nonpoor)
    population = Population.from_class_table(
        counts, ("black", "white", "hispanic"), ("poor", "nonpoor")
    )
    exact = maximum_segregation(population, Policy(0.05), "R")
    bracket = maximum_segregation(population, Policy(0.05), "R", method="bracket", gap=1e-3)
    assert bracket.lower - 1e-9 <= exact.lower <= bracket.upper + 1e-9
    assert_witness_sound(exact, population, Policy(0.05), "R")
    assert_witness_sound(bracket, population, Policy(0.05), "R")
    with pytest.raises(InputError, match="two-group index"):
        maximum_segregation(population, Policy(0.05), "V")


def test_minimum_is_zero_with_a_district_mirroring_witness():
    population = Population.dichotomous(0.4, 0.5, 0.2)
    policy = Policy(0.1, min_school_share=0.2, max_school_share=0.3)
    low = minimum_segregation(population, policy)
    assert low.lower == pytest.approx(0.0, abs=1e-12)
    assert len(low.witness.schools) == 4  # ceil(1 / 0.3) equal schools
    assert policy.violations(low.witness.schools, population) == []


def test_size_bounds_make_a_milp_that_respects_them():
    population = Population.dichotomous(0.5, 0.5, 0.2)
    free = maximum_segregation(population, Policy(0.1))
    bounded_policy = Policy(0.1, min_school_share=0.3)
    bounded = maximum_segregation(population, bounded_policy)
    assert "MILP" in bounded.method
    assert bounded.upper <= free.upper + 1e-9
    assert_witness_sound(bounded, population, bounded_policy)
    sizes = bounded.witness.sizes / bounded.witness.n_schools
    assert np.all(sizes >= 0.3 * population.total - 1e-6)


def test_second_attribute():
    # Cells: (class, English learner) for two groups; the band on English learners binds.
    counts = np.array([[10, 30, 20, 40], [5, 5, 45, 45]], dtype=float)
    population = Population(
        counts,
        ("black", "white"),
        np.array([0, 0, 1, 1]),
        ("poor", "nonpoor"),
        np.array([True, False, True, False]),
        "ell",
    )
    loose = maximum_segregation(population, Policy(0.1))
    tight_policy = Policy(0.1, attribute_tolerance=0.02)
    tight = maximum_segregation(population, tight_policy)
    assert tight.upper <= loose.upper + 1e-9
    assert_witness_sound(tight, population, tight_policy)
    # District English-learner share (10 + 20 + 5 + 45) / 200 = 0.40: 0.10 below the band.
    with pytest.raises(
        InfeasiblePolicyError,
        match=r"ell must lie in \[0.5000, 0.6000\].*"
        r"share is 0.4000, 0.1000 below",
    ):
        maximum_segregation(population, Policy(0.1, attribute_band=(0.5, 0.6)))


def test_infeasible_policies_are_explained():
    population = Population.dichotomous(0.5, 0.5, 0.2)
    with pytest.raises(InfeasiblePolicyError, match="no whole number"):
        maximum_segregation(population, Policy(0.1, min_school_share=0.35, max_school_share=0.45))
    with pytest.raises(InputError, match="policy has 3 class tolerances but the data have 2"):
        maximum_segregation(population, Policy((0.1, 0.1, 0.1)))
    with pytest.raises(InputError, match="tolerance must lie in"):
        Policy(0.6)


def test_violations_catch_a_bad_witness():
    population = Population.dichotomous(0.5, 0.5, 0.2)
    result = maximum_segregation(population, Policy(0.1))
    schools = result.witness.schools.copy()
    schools[0, 0, 0] += 0.05  # one extra student: totals and the band both break
    problems = Policy(0.0).violations(schools, population)
    assert any("district" in p for p in problems)
    assert any("outside" in p for p in problems)


@pytest.mark.parametrize("objective", ["V", "H", "D"])
def test_json_names_the_index_of_the_bound(objective):
    population = Population.dichotomous(0.4, 0.5, 0.2)
    result = maximum_segregation(population, Policy(0.1), objective)
    out = result.to_dict()
    # v_lower/v_upper stay for existing readers whatever the index; the index is named.
    assert out["index"] == objective
    assert (out["v_lower"], out["v_upper"]) == (result.lower, result.upper)
    key = objective.lower()
    if objective == "V":
        assert not any(k.startswith(("h_", "d_", "r_")) for k in out)
    else:
        assert (out[f"{key}_lower"], out[f"{key}_upper"]) == (result.lower, result.upper)


def test_bound_is_built_by_keyword_only():
    from assignopt.maxseg import SegregationBound

    with pytest.raises(TypeError):
        SegregationBound("V", "max", 0.0, 0.0)  # positional construction is refused


def test_old_import_paths_still_work():
    from assignopt.colgen import price_two_group
    from assignopt.maxseg import school_terms
    from assignopt.maxseg.colgen import price_two_group as moved

    assert price_two_group is moved
    # phi at the district's own composition is zero for every index (definition).
    for objective in ("V", "H", "D", "R"):
        assert school_terms(np.array([0.3, 0.7]), np.array([0.3, 0.7]), objective) == 0.0


def _many_classes(n_classes):
    # Black share of class k falls linearly from 0.9 to 0.1: a made-up class table.
    share = np.linspace(0.9, 0.1, n_classes)
    return Population.from_class_table(np.vstack([share, 1 - share]))


def test_a_model_too_large_for_memory_is_refused_naming_the_largest_k_that_fits():
    from assignopt.maxseg.memory import COLGEN_BYTES_PER_NONZERO, colgen_nonzeros, memory_budget

    # Before: K = 20,000 under perfect balance was OOM-killed at 23 GB. The seed columns alone
    # hold K^2 + 3K nonzeros (4e8), about 80 GB at the measured 200 bytes each.
    with pytest.raises(InputError, match=r"at most ([\d,]+) income classes fit") as info:
        maximum_segregation(_many_classes(20_000), Policy(0.0))
    fits = int(re.search(r"at most ([\d,]+) income", str(info.value)).group(1).replace(",", ""))
    budget = memory_budget()

    def need(k):
        return COLGEN_BYTES_PER_NONZERO * colgen_nonzeros(k)

    assert need(fits) <= budget < need(fits + 1)
    assert "20,000 income classes needs about 80.0 GB" in str(info.value)


def test_memory_limit_applies_to_the_bracket_too():
    population = _many_classes(1_000)
    # Column generation at K = 1,000: 200 * (1001 * 1000 + 2000) = 200.6 MB > 100 MB;
    # 200 * (706 * 705 + 1410) = 99.8 MB fits and K = 706 does not.
    with pytest.raises(InputError, match=r"at most 705 income classes fit"):
        maximum_segregation(population, Policy(0.0), memory_limit=1e8)
    with pytest.raises(InputError, match=r"the bracket LP over 16 cells .* income classes fit"):
        maximum_segregation(population, Policy(0.05), memory_limit=1e7)
