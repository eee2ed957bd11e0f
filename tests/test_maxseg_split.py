"""The maximum over every race x class split consistent with the units' margins."""

import numpy as np
import pytest

from assignopt.errors import InputError
from assignopt.maxseg import maximum_segregation
from assignopt.maxseg.split import maximum_over_splits, proportional_split
from assignopt.policy import Policy
from assignopt.population import Population

GROUPS, CLASSES = ("black", "white"), ("poor", "nonpoor")
# Unit 1: 50 Black, 10 White; 40 poor, 20 nonpoor. Unit 2: 10 Black, 90 White; 5 poor, 95 not.
# Black poor in unit 1 lies in [50 + 40 - 60, 40] = [30, 40] (Duncan-Davis), in unit 2 in [0, 5].
RACE = np.array([[50.0, 10.0], [10.0, 90.0]])
CLASS = np.array([[40.0, 20.0], [5.0, 95.0]])


def _value_at(black_poor_1, black_poor_2, policy):
    """maxseg on the split fixed by the Black poor counts of the two units."""
    cells = np.array(
        [
            [[black_poor_1, 50 - black_poor_1], [40 - black_poor_1, black_poor_1 - 30]],
            [[black_poor_2, 10 - black_poor_2], [5 - black_poor_2, 85 + black_poor_2]],
        ]
    )
    return maximum_segregation(Population.from_cells(cells, GROUPS, CLASSES), policy).lower


def test_hand_case_at_perfect_balance():
    result = maximum_over_splits(RACE, CLASS, GROUPS, CLASSES, Policy(0.0))
    # V = 1 - |pi_bp - pi_wp| (item 2). The split with the fewest poor Black students (30 + 0)
    # gives rates 30/60 = 0.5 and 15/100 = 0.15: V = 0.65.
    assert result.maximum.lower == pytest.approx(0.65, abs=1e-9)
    assert result.maximum.upper == pytest.approx(0.65, abs=1e-9)
    assert result.split[:, 0, 0] == pytest.approx([30.0, 0.0], abs=1e-7)
    # Proportional: Black poor 50*40/60 + 10*5/100 = 33.8333 of 60; White 11.1667 of 100.
    assert result.proportional.lower == pytest.approx(
        1 - abs(33.8333333333 / 60 - 11.1666666667 / 100), abs=1e-9
    )
    witness = result.maximum.witness
    assert witness.index("V") == pytest.approx(result.maximum.lower, abs=1e-9)
    assert Policy(0.0).violations(witness.schools, witness.population) == []
    out = result.to_dict()
    assert out["proportional_lower"] == result.proportional.lower and out["index"] == "V"


def test_split_lp_agrees_with_a_search_over_splits():
    # The maximum is a concave function of the split (an LP's value in its right-hand side),
    # so a grid over the two free counts closes on it from below.
    policy = Policy(0.05)
    result = maximum_over_splits(RACE, CLASS, GROUPS, CLASSES, policy)
    grid = max(
        _value_at(a, b, policy) for a in np.linspace(30, 40, 11) for b in np.linspace(0, 5, 6)
    )
    vertices = max(_value_at(a, b, policy) for a in (30, 40) for b in (0, 5))
    assert vertices <= result.maximum.upper + 1e-9  # a handful of extreme splits
    assert grid <= result.maximum.upper + 1e-9
    assert grid >= result.maximum.lower - 1e-3
    assert result.maximum.lower >= result.proportional.lower - 1e-12


def test_a_split_forced_by_the_margins_equals_the_proportional_one():
    # Unit 1 is all poor and unit 2 all nonpoor: only one split has these margins.
    race = np.array([[50.0, 10.0], [10.0, 90.0]])
    classes = np.array([[60.0, 0.0], [0.0, 100.0]])
    result = maximum_over_splits(race, classes, GROUPS, CLASSES, Policy(0.1))
    assert result.split == pytest.approx(proportional_split(race, classes), abs=1e-7)
    assert result.maximum.lower == pytest.approx(result.proportional.lower, abs=1e-9)


def test_a_pair_among_fillers_over_splits():
    race = np.array([[40.0, 10.0, 30.0], [5.0, 80.0, 20.0]])
    classes = np.array([[45.0, 35.0], [15.0, 90.0]])
    groups = ("black", "white", "hispanic")
    policy = Policy(0.02)
    result = maximum_over_splits(race, classes, groups, CLASSES, policy, pair=("black", "white"))
    witness = result.maximum.witness
    assert witness.schools.shape[1] == 3 and result.maximum.pair == ("black", "white")
    assert witness.index("V") == pytest.approx(result.maximum.lower, abs=1e-9)
    assert policy.violations(witness.schools, witness.population) == []
    # The chosen split keeps every unit's margins.
    assert result.split.sum(axis=2) == pytest.approx(race, abs=1e-7)
    assert result.split.sum(axis=1) == pytest.approx(classes, abs=1e-7)
    assert result.maximum.lower >= result.proportional.lower - 1e-9


def test_inconsistent_margins_are_refused_naming_the_unit():
    classes = CLASS.copy()
    classes[1, 1] = 94.0
    with pytest.raises(InputError, match=r"unit '06067001101' has 100 students by group but 99"):
        maximum_over_splits(
            RACE, classes, GROUPS, CLASSES, Policy(0.1), units=["06067000100", "06067001101"]
        )


THREE_CLASSES = ("low", "middle", "high")
RACE_3 = np.array([[40.0, 20.0, 10.0], [10.0, 60.0, 15.0], [25.0, 25.0, 5.0]])
CLASS_3 = np.array([[30.0, 25.0, 15.0], [15.0, 30.0, 40.0], [20.0, 20.0, 15.0]])


@pytest.mark.parametrize(
    ("groups", "pair", "objective"),
    [
        (("black", "white", "asian"), ("black", "white"), "V"),
        (("black", "white", "asian"), ("black", "white"), "H"),
        (("black", "white", "asian"), None, "R"),
    ],
)
def test_the_bracket_over_splits_contains_the_extreme_point_value(groups, pair, objective):
    # Two methods built differently (enumerated vertices vs. cells with interpolation), the
    # same split variables: the exact value lies inside the bracket.
    policy = Policy(0.05)
    args = (RACE_3, CLASS_3, groups, THREE_CLASSES, policy, objective)
    exact = maximum_over_splits(*args, pair=pair, method="extreme")
    bracket = maximum_over_splits(*args, pair=pair, method="bracket", gap=1e-3)
    assert exact.maximum.method == "extreme-point LP over splits"
    assert (
        bracket.maximum.method.startswith("bracket LP") and "over splits" in bracket.maximum.method
    )
    assert bracket.maximum.lower - 1e-9 <= exact.maximum.lower <= bracket.maximum.upper + 1e-9
    for result in (exact, bracket):
        witness = result.maximum.witness
        assert witness.index(objective) == pytest.approx(result.maximum.lower, abs=1e-9)
        assert policy.violations(witness.schools, witness.population) == []
        assert result.split.sum(axis=2) == pytest.approx(RACE_3, abs=1e-6)
        assert result.split.sum(axis=1) == pytest.approx(CLASS_3, abs=1e-6)
        assert result.maximum.lower >= result.proportional.lower - 1e-3


def test_a_forced_split_in_the_bracket_equals_the_proportional_one():
    # Every unit holds one class only: one split has these margins.
    race = np.array([[40.0, 20.0], [10.0, 60.0], [25.0, 25.0]])
    classes = np.array([[60.0, 0.0, 0.0], [0.0, 70.0, 0.0], [0.0, 0.0, 50.0]])
    result = maximum_over_splits(
        race, classes, GROUPS, THREE_CLASSES, Policy(0.1), method="bracket", gap=1e-6
    )
    assert result.split == pytest.approx(proportional_split(race, classes), abs=1e-6)
    assert result.maximum.lower == pytest.approx(result.proportional.lower, abs=1e-6)


def test_district_sized_counts_give_the_same_maximum():
    # Scaling every count leaves every share, hence every index, unchanged.
    small = maximum_over_splits(RACE, CLASS, GROUPS, CLASSES, Policy(0.05))
    large = maximum_over_splits(RACE * 3_000, CLASS * 3_000, GROUPS, CLASSES, Policy(0.05))
    assert large.maximum.lower == pytest.approx(small.maximum.lower, abs=1e-9)
    assert large.split == pytest.approx(small.split * 3_000, rel=1e-6, abs=1e-6)


@pytest.mark.parametrize("seed", [0, 3, 4])
def test_fifty_units_of_district_sized_counts_are_solved(seed):
    # Tract-like counts (lognormal sizes, a fifth of the cells empty). With the split in
    # student counts the margin rows (thousands) could not meet HiGHS's 1e-10 absolute
    # tolerance and these ended "infeasible"; in shares of the district they are solved.
    rng = np.random.default_rng(seed)
    race = np.round(rng.lognormal(5, 1.5, size=(50, 5)) * (rng.random((50, 5)) > 0.2))
    poor = np.round(race.sum(axis=1) * rng.uniform(0.02, 0.4, 50))
    classes = np.column_stack([poor, race.sum(axis=1) - poor])
    groups = ("black", "white", "hispanic", "asian", "other")
    policy = Policy(0.0)
    result = maximum_over_splits(race, classes, groups, CLASSES, policy, pair=("black", "white"))
    witness = result.maximum.witness
    assert witness.index("V") == pytest.approx(result.maximum.lower, abs=1e-9)
    assert policy.violations(witness.schools, witness.population) == []
    assert result.split.sum(axis=2) == pytest.approx(race, abs=1e-5)
    assert result.split.sum(axis=1) == pytest.approx(classes, abs=1e-5)
    assert result.maximum.lower >= result.proportional.lower - 1e-9
