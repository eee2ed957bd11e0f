"""The core's input checks: each refuses with InputError naming the parameter, never a flag."""

import numpy as np
import pytest

from assignopt.errors import InputError
from assignopt.policy import Policy
from assignopt.validation import (
    check_band,
    check_count_table,
    check_fraction,
    check_not_a_total,
    check_positive,
    check_rate,
    check_share,
    check_tolerance,
    check_whole_number,
)


def test_accepted_values_come_back_as_numbers():
    assert check_rate(0, "black_poverty") == 0.0 and check_rate(1, "black_poverty") == 1.0
    assert check_share(0.25, "black_share") == 0.25
    assert check_tolerance(0) == 0.0 and check_tolerance(0.4999) == 0.4999
    assert check_fraction(1, "max_school_share") == 1.0
    assert check_positive(2, "mean") == 2.0
    assert check_whole_number(3.0, "n_schools", 1) == 3
    assert check_band((0.1, 0.2), "attribute_band") == (0.1, 0.2)


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: check_rate(1.5, "black_poverty"), r"^black_poverty must be a rate in \[0, 1\]"),
        (lambda: check_rate(float("nan"), "white_poverty"), r"^white_poverty must be a rate"),
        (lambda: check_rate("a", "white_poverty"), r"^white_poverty must be a number, got 'a'"),
        (lambda: check_share(0.0, "black_share"), r"^black_share must lie strictly between"),
        (lambda: check_share(1.0, "black_share"), r"^black_share must lie strictly between"),
        (lambda: check_tolerance(0.5), r"^tolerance must lie in \[0, 0.5\)"),
        (lambda: check_tolerance(-0.1, "attribute_tolerance"), r"^attribute_tolerance must"),
        (lambda: check_fraction(0.0, "min_school_share"), r"^min_school_share must lie in \(0"),
        (lambda: check_positive(-1, "threshold"), r"^threshold must be a positive number"),
        (lambda: check_whole_number(2.5, "n_schools", 1), r"^n_schools must be an integer >= 1"),
        (lambda: check_whole_number(1, "n_classes", 2), r"^n_classes must be an integer >= 2"),
        (lambda: check_band((0.3, 0.2), "attribute_band"), r"^attribute_band must satisfy"),
    ],
)
def test_bad_values_are_refused_naming_the_parameter(call, message):
    with pytest.raises(InputError, match=message) as info:
        call()
    assert "--" not in str(info.value)


def test_policy_messages_name_its_parameters():
    with pytest.raises(InputError, match=r"^tolerance\[1\] must lie in"):
        Policy((0.1, 0.7))
    with pytest.raises(InputError, match=r"^attribute_tolerance must lie in"):
        Policy(0.1, attribute_tolerance=0.9)
    with pytest.raises(InputError, match=r"^max_school_share must lie in \(0, 1\]"):
        Policy(0.1, max_school_share=1.5)


def test_count_table_names_the_column_and_row():
    table = np.array([[1.0, 2.0], [3.0, -4.0]])
    with pytest.raises(InputError, match=r"negative count -4.0 in column 'white', row 1"):
        check_count_table(table, ["black", "white"], name="schools")
    table[1, 1] = np.nan
    with pytest.raises(InputError, match=r"column 'white', row 1 is not a finite number"):
        check_count_table(table, ["black", "white"], name="schools")


def test_counts_whose_sum_overflows_are_refused_naming_the_column():
    # 1e308 + 1e308 is above float64's largest number (about 1.797e308): the sum is inf.
    table = np.array([[1e308, 5.0], [1e308, 7.0]])
    with pytest.raises(InputError, match=r"'black' sums to more than .* overflow"):
        check_count_table(table, ["black", "white"], name="schools")
    # Each column fits, but the two together do not.
    table = np.array([[1e308, 1.7e308]])
    with pytest.raises(InputError, match=r"'black', 'white' sum to more than .* overflow"):
        check_count_table(table, ["black", "white"], name="schools")
    check_count_table(np.array([[1e300, 5.0]]), ["black", "white"], name="schools")  # fits


def test_a_total_column_is_refused_naming_the_columns():
    table = np.array([[10.0, 30.0, 40.0], [20.0, 5.0, 25.0], [0.0, 7.0, 7.0]])
    with pytest.raises(
        InputError, match=r"column 'total' equals the sum of 'black', 'white' in every row"
    ):
        check_not_a_total(table, ["black", "white", "total"], name="schools")
    # Two units, or two groups, cannot tell a total from a coincidence: accepted.
    check_not_a_total(table[:2], ["black", "white", "total"], name="schools")
    check_not_a_total(table[:, :2], ["black", "white"], name="schools")
    # A column equal to one other (the third empty) is a duplicate, not a total: accepted.
    duplicate = np.array([[5.0, 0.0, 5.0], [3.0, 0.0, 3.0], [2.0, 0.0, 2.0]])
    check_not_a_total(duplicate, ["black", "white", "asian"], name="schools")
    table[2, 2] = 8.0  # no longer the sum in every row
    check_not_a_total(table, ["black", "white", "total"], name="schools")
