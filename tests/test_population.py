"""Population: the labelled count array and its constructors."""

import numpy as np
import pandas as pd
import pytest

from assignopt.errors import InputError
from assignopt.population import Population


def _cells(flags):
    return pd.DataFrame(
        {
            "group": ["black"] * 4 + ["white"] * 4,
            "income_class": ["poor", "poor", "nonpoor", "nonpoor"] * 2,
            "ell": flags,
            "count": [10, 30, 20, 40, 5, 5, 45, 45],
        }
    )


@pytest.mark.parametrize(
    "flags",
    [
        [True, False] * 4,
        ["true", "false"] * 4,
        ["TRUE", "False"] * 4,
        [" True ", "FALSE"] * 4,
        ["1", "0"] * 4,
        [1, 0] * 4,
        [1.0, 0.0] * 4,
    ],
)
def test_attribute_booleans_in_any_spelling_of_true_false_or_1_0(flags):
    population = Population.from_long_frame(_cells(flags), attribute="ell")
    # Hand count: English learners are the first of each pair: 10 + 20 + 5 + 45 = 80 of 200.
    assert population.counts[:, population.attribute].sum() == 80
    assert population.counts.sum() == 200


@pytest.mark.parametrize(
    ("flags", "shown"),
    [
        (["yes", "no"] * 4, "'yes'"),
        (["Y", "N"] * 4, "'Y'"),
        (["true", "no"] * 4, "'no'"),
        ([1, 2] * 4, "2"),
        (["true", None] * 4, "a blank"),
    ],
)
def test_other_attribute_values_are_refused_naming_value_and_column(flags, shown):
    # Before: yes/no were all read as True and the attribute's band silently vanished.
    with pytest.raises(InputError, match=rf"column 'ell' holds {shown}, which is not a boolean"):
        Population.from_long_frame(_cells(flags), attribute="ell")


def test_a_header_only_counts_table_is_refused():
    # Before: IndexError from the empty class list.
    empty = pd.DataFrame({"group": [], "income_class": [], "count": []})
    with pytest.raises(InputError, match="header but no rows"):
        Population.from_long_frame(empty)


def test_population_messages_name_groups_and_categories():
    # Group and income class by their labels, not positions.
    with pytest.raises(InputError, match=r"negative count -1.0 in column 'white', 'poor'"):
        Population(
            np.array([[1.0, 2.0], [-1.0, 3.0]]), ("black", "white"), [0, 1], ("poor", "nonpoor")
        )


def test_from_cells_sums_the_units():
    # Two neighborhoods x (black, white) x (poor, nonpoor); hand sums.
    cells = np.array([[[1, 2], [3, 4]], [[10, 20], [30, 40]]], dtype=float)
    population = Population.from_cells(cells, ("black", "white"), ("poor", "nonpoor"))
    assert population.counts.tolist() == [[11.0, 22.0], [33.0, 44.0]]
    assert population.groups == ("black", "white")
    assert population.class_labels == ("poor", "nonpoor")


def test_from_cells_names_the_unit_and_column_of_a_bad_count():
    cells = np.array([[[1, 2], [3, 4]], [[10, -20], [30, 40]]], dtype=float)
    with pytest.raises(InputError, match=r"column 'black_nonpoor', '06067001101'"):
        Population.from_cells(
            cells, ("black", "white"), ("poor", "nonpoor"), units=["06067000100", "06067001101"]
        )
    with pytest.raises(InputError, match=r"cells must have shape \(units, 2 groups, 3 classes\)"):
        Population.from_cells(cells, ("black", "white"), ("poor", "mid", "rich"))
