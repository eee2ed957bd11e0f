"""Deferred acceptance with income-class rules, checked against independent computations.

References used below, none sharing code with the mechanism:
- a school's choice function written out seat by seat (the definitions in the module docstring:
  quotas drop overflow applicants, reserve seats go first to poor applicants, open seats by
  lottery), used to look for blocking pairs;
- brute-force enumeration of every matching of small instances, keeping the stable ones;
- serial dictatorship in lottery order (what DA must equal with one lottery and no reserves);
- the ``matching`` package's hospital-resident solver (resident-optimal), when installed.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from assignopt.choice.mechanism import (
    SchoolRules,
    deferred_acceptance,
    list_rank,
    list_threshold,
    school_rules,
)
from assignopt.errors import InputError


def choose(applicants, poor, lottery, rules, j):
    """School j's choice from a set of students, seat by seat."""
    ordered = sorted(applicants, key=lambda s: lottery[s])
    n_poor = n_nonpoor = 0
    eligible = []
    for s in ordered:
        if poor[s] and n_poor < rules.poor_quota[j]:
            eligible.append(s)
            n_poor += 1
        elif not poor[s] and n_nonpoor < rules.nonpoor_quota[j]:
            eligible.append(s)
            n_nonpoor += 1
    chosen = []
    reserve = min(rules.poor_reserve[j], rules.capacity[j])
    for s in eligible:
        if poor[s] and len(chosen) < reserve:
            chosen.append(s)
    for s in eligible:
        if s not in chosen and len(chosen) < rules.capacity[j]:
            chosen.append(s)
    return set(chosen)


def on_list(utility, list_length):
    """Boolean (n, J): school j is on student i's list."""
    thr = list_threshold(utility, list_length)
    return np.ones(utility.shape, bool) if thr is None else utility >= thr[:, None]


def prefers(utility, i, j, k):
    """Student i strictly prefers school j to her school k (k = -1: unassigned)."""
    if k < 0:
        return True
    return utility[i, j] > utility[i, k] or (utility[i, j] == utility[i, k] and j < k)


def blocking_pairs(school, utility, poor, lottery, rules, list_length=None):
    """Every (student, school) pair that blocks, plus schools whose set is not their choice."""
    n, n_schools = utility.shape
    listed = on_list(utility, list_length)
    members = [set(np.flatnonzero(school == j).tolist()) for j in range(n_schools)]
    bad = []
    for j in range(n_schools):
        if choose(members[j], poor, lottery, rules, j) != members[j]:
            bad.append((-1, j))
    for i in range(n):
        if school[i] >= 0 and not listed[i, school[i]]:
            bad.append((i, -2))
        for j in range(n_schools):
            if j == school[i] or not listed[i, j] or not prefers(utility, i, j, school[i]):
                continue
            if i in choose(members[j] | {i}, poor, lottery, rules, j):
                bad.append((i, j))
    return bad


def random_instance(rng, n, n_schools, mode, tolerance=0.1, slack=1.0):
    utility = rng.normal(size=(n, n_schools))
    poor = rng.random(n) < 0.4
    lottery = rng.permutation(n)
    seats = rng.multinomial(int(np.ceil(n * slack)), np.ones(n_schools) / n_schools)
    rules = school_rules(seats, poor.mean(), tolerance, mode)
    return utility, poor, lottery, rules


@pytest.mark.parametrize("mode", ["none", "band", "minimum"])
@pytest.mark.parametrize("list_length", [None, 2])
def test_no_blocking_pair(mode, list_length):
    # Stability by definition: no student and school would both rather be matched, and every
    # school holds exactly what its own choice function would pick.
    rng = np.random.default_rng(1)
    for _trial in range(25):
        n, n_schools = int(rng.integers(5, 40)), int(rng.integers(2, 6))
        utility, poor, lottery, rules = random_instance(rng, n, n_schools, mode, slack=1.2)
        m = deferred_acceptance(utility, poor, lottery, rules, list_length)
        assert blocking_pairs(m.school, utility, poor, lottery, rules, list_length) == []


def test_no_blocking_pair_mixed_rules():
    # Quotas and a reserve at the same school: the choice function is still substitutable.
    rng = np.random.default_rng(2)
    for _trial in range(25):
        n, n_schools = 30, 4
        utility = rng.normal(size=(n, n_schools))
        poor = rng.random(n) < 0.5
        lottery = rng.permutation(n)
        cap = rng.integers(3, 10, n_schools)
        rules = SchoolRules(cap, cap - 1, cap - 2, np.minimum(cap, 2))
        m = deferred_acceptance(utility, poor, lottery, rules)
        assert blocking_pairs(m.school, utility, poor, lottery, rules) == []


def test_band_quotas_respected_and_full_schools_in_band():
    # Under 'band' no school holds more poor or nonpoor students than its quota, and a school
    # filled to its seats has its poverty rate inside [pi_p - d, pi_p + d] (the quotas are the
    # floors of (pi_p + d) seats and (1 - pi_p + d) seats).
    rng = np.random.default_rng(3)
    for _trial in range(40):
        n, n_schools = 200, 5
        utility, poor, lottery, rules = random_instance(rng, n, n_schools, "band", 0.05)
        m = deferred_acceptance(utility, poor, lottery, rules)
        for j in range(n_schools):
            at = m.school == j
            p, t = int((at & poor).sum()), int(at.sum())
            assert p <= rules.poor_quota[j] and t - p <= rules.nonpoor_quota[j]
            assert t <= rules.capacity[j]
            if t == rules.capacity[j] and t > 0:
                assert poor.mean() - 0.05 - 1e-12 <= p / t <= poor.mean() + 0.05 + 1e-12


def serial_dictatorship(utility, lottery, capacity, list_length=None):
    listed = on_list(utility, list_length)
    left = np.array(capacity, dtype=int)
    school = np.full(utility.shape[0], -1)
    for i in np.argsort(lottery):
        best = -1
        for j in range(utility.shape[1]):
            if listed[i, j] and left[j] > 0 and (best < 0 or prefers(utility, i, j, best)):
                best = j
        if best >= 0:
            school[i] = best
            left[best] -= 1
    return school


@pytest.mark.parametrize("list_length", [None, 1, 3])
def test_plain_da_is_serial_dictatorship(list_length):
    # With one lottery as every school's priority and no reserves, DA = serial dictatorship in
    # lottery order (each student takes her favourite school with a seat left).
    rng = np.random.default_rng(4)
    for _trial in range(20):
        n, n_schools = 300, 6
        utility = rng.normal(size=(n, n_schools))
        lottery = rng.permutation(n)
        capacity = rng.integers(20, 70, n_schools)
        m = deferred_acceptance(
            utility, np.zeros(n, bool), lottery, SchoolRules.plain(capacity), list_length
        )
        np.testing.assert_array_equal(
            m.school, serial_dictatorship(utility, lottery, capacity, list_length)
        )


def test_distance_only_preferences_give_nearest_school():
    rng = np.random.default_rng(5)
    n, n_schools = 400, 7
    students = rng.uniform(0, 10, (n, 2))
    schools = rng.uniform(0, 10, (n_schools, 2))
    dist = np.linalg.norm(students[:, None, :] - schools[None], axis=2)
    lottery = rng.permutation(n)
    poor = rng.random(n) < 0.3
    # Ample seats: everyone at her nearest school (argmin of distance, computed directly).
    m = deferred_acceptance(-dist, poor, lottery, SchoolRules.plain(np.full(n_schools, n)))
    np.testing.assert_array_equal(m.school, dist.argmin(axis=1))
    # Tight seats: in lottery order, each student takes the nearest school with a seat left.
    capacity = rng.multinomial(n, np.ones(n_schools) / n_schools)
    m = deferred_acceptance(-dist, poor, lottery, SchoolRules.plain(capacity))
    left = capacity.copy()
    expected = np.full(n, -1)
    for i in np.argsort(lottery):
        for j in np.argsort(dist[i]):
            if left[j]:
                expected[i] = j
                left[j] -= 1
                break
    np.testing.assert_array_equal(m.school, expected)
    assert np.all(np.bincount(m.school, minlength=n_schools) == capacity)


def is_stable(school, utility, poor, lottery, rules):
    """Same test as blocking_pairs (every school ranked), stopping at the first violation."""
    n, n_schools = utility.shape
    members = [set(np.flatnonzero(school == j).tolist()) for j in range(n_schools)]
    for j in range(n_schools):
        if choose(members[j], poor, lottery, rules, j) != members[j]:
            return False
    for i in range(n):
        for j in range(n_schools):
            if j != school[i] and prefers(utility, i, j, school[i]):
                if i in choose(members[j] | {i}, poor, lottery, rules, j):
                    return False
    return True


def all_stable_matchings(utility, poor, lottery, rules):
    n, n_schools = utility.shape
    found = []
    for combo in itertools.product(range(-1, n_schools), repeat=n):
        school = np.array(combo)
        counts = np.bincount(school[school >= 0], minlength=n_schools)
        if np.any(counts > rules.capacity):
            continue
        if is_stable(school, utility, poor, lottery, rules):
            found.append(school)
    return found


@pytest.mark.parametrize("mode", ["none", "band", "minimum"])
def test_against_brute_force_enumeration(mode):
    # DA returns a stable matching that every student likes at least as well as any other
    # stable matching (the student-optimal one), found by enumerating all (J+1)^n = 1024
    # matchings of 5 students and 3 schools. (With one lottery at every school these instances
    # turn out to have a single stable matching, so this checks DA finds exactly it.)
    rng = np.random.default_rng(6)
    checked = 0
    for _trial in range(15):
        n, n_schools = 5, 3
        utility = rng.normal(size=(n, n_schools))
        poor = rng.random(n) < 0.5
        lottery = rng.permutation(n)
        seats = rng.integers(1, 4, n_schools)
        rules = school_rules(seats, 0.5, 0.2, mode)
        stable = all_stable_matchings(utility, poor, lottery, rules)
        assert stable, "a stable matching exists for substitutable choice functions"
        m = deferred_acceptance(utility, poor, lottery, rules)
        assert any(np.array_equal(m.school, s) for s in stable)
        for s in stable:
            for i in range(n):
                if s[i] != m.school[i]:
                    assert prefers(utility, i, m.school[i], s[i]) if m.school[i] >= 0 else False
        checked += len(stable)
    assert checked >= 15


def test_reserve_changes_outcome_hand_example():
    # Two schools, one seat each, lottery 0 < 1 < 2. Students 0 (nonpoor) and 1 (poor) rank
    # school 0 first, student 2 (poor) ranks school 1 first. With a one-seat poor reserve at
    # school 0, poor student 1 takes it over student 0, who then displaces student 2 at school 1
    # (better lottery); student 2 loses to student 1 for the reserve: [1, 0, unassigned].
    # Without the reserve student 0 keeps school 0 and student 1 displaces student 2 at
    # school 1: [0, 1, unassigned]. (Hand calculation, round by round.)
    utility = np.array([[2.0, 1.0], [2.0, 1.0], [1.0, 2.0]])
    poor = np.array([False, True, True])
    lottery = np.array([0, 1, 2])
    cap = np.array([1, 1])
    reserve = SchoolRules(cap, cap, cap, np.array([1, 0]))
    np.testing.assert_array_equal(
        deferred_acceptance(utility, poor, lottery, reserve).school, [1, 0, -1]
    )
    np.testing.assert_array_equal(
        deferred_acceptance(utility, poor, lottery, SchoolRules.plain(cap)).school, [0, 1, -1]
    )


def test_matching_package_hospital_resident():
    games = pytest.importorskip("matching.games")
    rng = np.random.default_rng(7)
    for _trial in range(10):
        n, n_schools = 40, 5
        utility = rng.normal(size=(n, n_schools))
        lottery = rng.permutation(n)
        capacity = rng.integers(3, 10, n_schools)
        resident_prefs = {
            f"s{i}": [f"h{j}" for j in np.argsort(-utility[i], kind="stable")] for i in range(n)
        }
        order = [f"s{i}" for i in np.argsort(lottery)]
        hospital_prefs = {f"h{j}": order for j in range(n_schools)}
        capacities = {f"h{j}": int(capacity[j]) for j in range(n_schools)}
        game = games.HospitalResident.create_from_dictionaries(
            resident_prefs, hospital_prefs, capacities
        )
        solution = game.solve(optimal="resident")
        expected = np.full(n, -1)
        for hospital, residents in solution.items():
            for r in residents:
                expected[int(r.name[1:])] = int(hospital.name[1:])
        m = deferred_acceptance(utility, np.zeros(n, bool), lottery, SchoolRules.plain(capacity))
        np.testing.assert_array_equal(m.school, expected)


def test_list_rank():
    utility = np.array([[3.0, 1.0, 2.0], [0.0, 5.0, 5.0]])
    # Student 0 ranks 0, 2, 1: school 1 is third (rank 2). Student 1 ties 1 and 2; the lower
    # index wins, so school 2 is second (rank 1).
    np.testing.assert_array_equal(list_rank(utility, np.array([1, 2])), [2, 1])
    np.testing.assert_array_equal(list_rank(utility, np.array([-1, 1])), [-1, 0])


def test_school_rules_from_band():
    # pi_p = 0.3, d = 0.1, 10 seats: at most floor(0.4 * 10) = 4 poor and floor(0.8 * 10) = 8
    # nonpoor; the minimum form reserves ceil(0.2 * 10) = 2 seats.
    band = school_rules(np.array([10]), 0.3, 0.1, "band")
    assert (band.poor_quota[0], band.nonpoor_quota[0], band.capacity[0]) == (4, 8, 10)
    assert band.poor_minimum()[0] == 2
    minimum = school_rules(np.array([10]), 0.3, 0.1, "minimum", capacity=np.array([12]))
    assert (minimum.poor_reserve[0], minimum.capacity[0], minimum.poor_quota[0]) == (2, 12, 12)
    with pytest.raises(InputError, match="reserve must be"):
        school_rules(np.array([10]), 0.3, 0.1, "soft")


def test_bad_inputs():
    with pytest.raises(InputError, match="permutation"):
        deferred_acceptance(np.zeros((2, 1)), np.zeros(2, bool), [0, 0], SchoolRules.plain([2]))
    with pytest.raises(InputError, match="NaN"):
        deferred_acceptance(np.array([[np.nan]]), np.zeros(1, bool), [0], SchoolRules.plain([1]))
    with pytest.raises(InputError, match="poor_reserve"):
        SchoolRules([1], [1], [1], [2])


@pytest.mark.parametrize("mode", ["none", "band", "minimum"])
def test_no_blocking_pair_medium_instance(mode):
    # Hundreds of students and many rounds (tight seats, correlated tastes): the lottery
    # cutoffs carried from round to round must still leave no blocking pair.
    rng = np.random.default_rng(8)
    n, n_schools = 400, 8
    popularity = rng.normal(scale=2.0, size=n_schools)
    utility = popularity + rng.normal(size=(n, n_schools))
    poor = rng.random(n) < 0.35
    lottery = rng.permutation(n)
    seats = rng.multinomial(n, np.ones(n_schools) / n_schools)
    rules = school_rules(seats, poor.mean(), 0.05, mode)
    for list_length in (None, 3):
        m = deferred_acceptance(utility, poor, lottery, rules, list_length)
        assert m.rounds > 3
        assert blocking_pairs(m.school, utility, poor, lottery, rules, list_length) == []


def test_band_da_is_serial_dictatorship_with_quotas():
    # One lottery and upper quotas per class only: the stable matching is unique and equals
    # serial dictatorship in lottery order where each student takes her favourite school with
    # a seat left and room in her class's quota (by induction on the lottery order).
    rng = np.random.default_rng(9)
    for _trial in range(5):
        n, n_schools = 1500, 10
        utility = rng.normal(size=(n, n_schools)) + rng.normal(scale=1.5, size=n_schools)
        poor = rng.random(n) < 0.3
        lottery = rng.permutation(n)
        seats = rng.multinomial(n, np.ones(n_schools) / n_schools)
        rules = school_rules(seats, poor.mean(), 0.05, "band")
        left = rules.capacity.copy()
        left_class = np.stack([rules.poor_quota.copy(), rules.nonpoor_quota.copy()])
        expected = np.full(n, -1)
        for i in np.argsort(lottery):
            c = 0 if poor[i] else 1
            for j in np.argsort(-utility[i], kind="stable"):
                if left[j] and left_class[c, j]:
                    expected[i] = j
                    left[j] -= 1
                    left_class[c, j] -= 1
                    break
        m = deferred_acceptance(utility, poor, lottery, rules)
        np.testing.assert_array_equal(m.school, expected)


def test_first_choice_reported():
    # Student 0 ranks school 1 first; student 1 ranks nothing (-inf everywhere).
    utility = np.array([[0.0, 1.0], [-np.inf, -np.inf]])
    m = deferred_acceptance(utility, np.zeros(2, bool), [1, 0], SchoolRules.plain([1, 1]))
    np.testing.assert_array_equal(m.first_choice, [1, -1])
    np.testing.assert_array_equal(m.school, [1, -1])
