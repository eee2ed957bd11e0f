"""The assigned V over race x class splits consistent with the margins (spatial.splits)."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from scipy.optimize import minimize

from assignopt.errors import InputError, UndefinedIndexError
from assignopt.spatial.assign import school_compositions
from assignopt.spatial.splits import assigned_v_range, split_v
from assignopt.witness import index_of


def v_of(counts: np.ndarray, flows: np.ndarray) -> float:
    """V between groups 0 and 1 by the project's index code (an independent path)."""
    return index_of(school_compositions(counts, flows).sum(axis=2)[:, :2], "V")


def by_class(flows_per_class: list[list[list[float]]]) -> np.ndarray:
    return np.asarray(flows_per_class, dtype=float)


def hand_district(x: float) -> tuple[np.ndarray, np.ndarray]:
    """Two neighborhoods, two schools; ``x`` Black poor students in neighborhood 1.

    Neighborhood 1: 2 Black, 2 White, 2 poor, 2 nonpoor; poor to school A, nonpoor to B.
    Neighborhood 2: 2 White (1 poor, 1 nonpoor), all to A.
    School A: b = x, t = 4; school B: b = 2 - x, t = 2; B = 2, W = 4, T = 6, so
    V = (x^2/4 + (2 - x)^2/2 - 2/3) / (4/3): 1/16 at x = 1 (proportional), 0 at x = 4/3 (both
    schools one third Black), 1 at x = 0 (B all Black, A all White), 1/4 at x = 2.
    """
    counts = np.array([[[x, 2 - x], [2 - x, x]], [[0, 0], [1, 1]]], dtype=float)
    flows = by_class([[[2, 0], [0, 2]], [[1, 0], [1, 0]]])
    return counts, flows


def test_hand_two_neighborhoods_two_schools():
    counts, flows = hand_district(1.0)
    assert v_of(counts, flows) == pytest.approx(1 / 16)  # hand: see hand_district
    out = assigned_v_range(counts, flows)
    assert out.v_proportional == pytest.approx(1 / 16, abs=1e-12)
    assert out.exact_low and out.exact_high
    assert out.v_low == pytest.approx(0.0, abs=1e-7)  # hand: x = 4/3
    assert out.v_high == pytest.approx(1.0, abs=1e-9)  # hand: x = 0
    assert out.split_low[0, 0, 0] == pytest.approx(4 / 3, abs=1e-4)
    assert out.split_high[0, 0, 0] == pytest.approx(0.0, abs=1e-9)
    for x, v in ((0.0, 1.0), (2.0, 0.25), (4 / 3, 0.0)):  # the hand formula at other splits
        assert split_v(*hand_district(x)) == pytest.approx(v, abs=1e-12)


def test_one_race_per_neighborhood_forces_the_split():
    # Each neighborhood has one race, so x[n, g, k] = C[n, k] for its race: one split only.
    counts = np.array([[[3, 5], [0, 0]], [[0, 0], [1, 6]], [[2, 1], [0, 0]]], dtype=float)
    flows = by_class([[[2, 1], [1, 4]], [[0, 1], [3, 3]], [[1, 1], [0, 1]]])
    out = assigned_v_range(counts, flows)
    expected = v_of(counts, flows)
    for value in (out.v_low, out.v_low_bound, out.v_high, out.v_high_bound):
        assert value == pytest.approx(expected, abs=1e-7)
    assert out.exact_low and out.exact_high


def test_class_blind_flows_make_v_independent_of_the_split():
    # Every neighborhood sends its poor and nonpoor to schools in the same proportions, so each
    # school's Black count is a fixed share of the neighborhood's Black total: V is constant.
    rng = np.random.default_rng(3)
    counts = rng.integers(1, 9, size=(4, 3, 2)).astype(float)
    share = rng.dirichlet(np.ones(3), size=4)  # (N, S)
    flows = counts.sum(axis=1)[:, :, None] * share[:, None, :]
    out = assigned_v_range(counts, flows)
    assert out.v_high - out.v_low == pytest.approx(0.0, abs=1e-7)
    assert out.v_low_bound == pytest.approx(out.v_proportional, abs=1e-7)
    assert out.v_high_bound == pytest.approx(out.v_proportional, abs=1e-7)


def test_fillers_let_the_pair_separate():
    # 1 Black, 1 White, 2 Hispanic; 2 poor to school A, 2 nonpoor to B. With the Hispanic
    # students filling, the Black student can be poor and the White nonpoor: A holds the Black
    # student only, B the White: V = 1 (hand). Equal shares in both schools give V = 0.
    counts = np.array([[[0.5, 0.5], [0.5, 0.5], [1, 1]]])
    flows = by_class([[[2, 0], [0, 2]]])
    out = assigned_v_range(counts, flows, groups=("black", "white", "hispanic"))
    assert out.v_proportional == pytest.approx(0.0, abs=1e-12)
    assert out.v_low == pytest.approx(0.0, abs=1e-7)
    assert out.v_high == pytest.approx(1.0, abs=1e-9)
    assert out.exact_low and out.exact_high
    split = out.split_high
    assert split.sum(axis=2) == pytest.approx(counts.sum(axis=2))
    assert split.sum(axis=1) == pytest.approx(counts.sum(axis=1))


def integer_splits(counts: np.ndarray):
    """Every integer split of each neighborhood with the margins of ``counts`` (two classes)."""
    options = []
    for cell in counts:
        races, poor = cell.sum(axis=1).astype(int), int(cell[:, 0].sum())
        per = []
        for first in itertools.product(*(range(r + 1) for r in races)):
            if sum(first) == poor:
                first = np.array(first, dtype=float)
                per.append(np.stack([first, races - first], axis=1))
        options.append(per)
    for combo in itertools.product(*options):
        yield np.stack(combo)


def tiny(seed: int, groups: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    counts = rng.integers(0, 4, size=(3, groups, 2)).astype(float)
    counts[0, 0, 0] += 1  # both of the pair present
    counts[1, 1, 1] += 1
    share = rng.dirichlet(np.ones(3), size=(3, 2))  # (N, K, S)
    return counts, counts.sum(axis=1)[:, :, None] * share


def slsqp_minimum(counts: np.ndarray, flows: np.ndarray, starts: int = 3) -> float:
    """The minimum of V over continuous splits by SLSQP from random splits (a second solver)."""
    n, m, k = counts.shape
    races, cells = counts.sum(axis=2), counts.sum(axis=1)
    rng = np.random.default_rng(0)
    constraints = [
        {"type": "eq", "fun": lambda x: x.reshape(n, m, k).sum(axis=2).ravel() - races.ravel()},
        # one class per neighborhood left out: its total follows (SLSQP needs independent rows)
        {"type": "eq", "fun": lambda x: (x.reshape(n, m, k).sum(axis=1) - cells)[:, :-1].ravel()},
    ]
    total = np.maximum(races.sum(axis=1), 1e-12)[:, None, None]
    proportional = races[:, :, None] * cells[:, None, :] / total
    best = np.inf
    for _ in range(starts):
        start = proportional * rng.uniform(0.5, 1.5, size=proportional.shape)
        out = minimize(
            lambda x: v_of(np.clip(x, 0, None).reshape(n, m, k), flows),
            start.ravel(),
            method="SLSQP",
            bounds=[(0, None)] * (n * m * k),
            constraints=constraints,
            options={"ftol": 1e-14, "maxiter": 1000},
        )
        feasible = all(np.allclose(c["fun"](out.x), 0, atol=1e-6) for c in constraints)
        if feasible:
            best = min(best, out.fun)
    return best


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("groups", [2, 3])
def test_against_brute_force_and_a_second_solver(seed, groups):
    counts, flows = tiny(seed, groups)
    values = [v_of(split, flows) for split in integer_splits(counts)]
    out = assigned_v_range(counts, flows)
    # The maximum of a convex function over the transportation polytope is at a vertex, and its
    # vertices are integral: enumeration is exact.
    assert out.v_high == pytest.approx(max(values), abs=1e-7)
    assert out.exact_high
    assert out.v_high_bound >= max(values) - 1e-9
    # The minimum over continuous splits is at most the integer one; SLSQP is a second solver.
    assert out.v_low <= min(values) + 1e-9
    assert out.exact_low
    assert out.v_low == pytest.approx(slsqp_minimum(counts, flows), abs=1e-5)
    for split, value in ((out.split_low, out.v_low), (out.split_high, out.v_high)):
        assert split.sum(axis=2) == pytest.approx(counts.sum(axis=2), abs=1e-7)
        assert split.sum(axis=1) == pytest.approx(counts.sum(axis=1), abs=1e-7)
        assert split.min() >= -1e-9
        assert v_of(split, flows) == pytest.approx(value, abs=1e-7)


@pytest.mark.parametrize("seed", range(8))
def test_range_holds_the_given_split(seed):
    rng = np.random.default_rng(100 + seed)
    n, m, s = rng.integers(3, 9), rng.integers(2, 5), rng.integers(2, 6)
    counts = rng.gamma(2.0, 20.0, size=(n, m, 2))
    share = rng.dirichlet(np.full(s, 0.5), size=(n, 2))
    flows = counts.sum(axis=1)[:, :, None] * share
    out = assigned_v_range(counts, flows, time_limit=20)
    assert out.v_proportional == pytest.approx(v_of(counts, flows), abs=1e-12)
    assert out.v_low_bound <= out.v_low + 1e-12
    assert out.v_low <= out.v_proportional + 1e-12
    assert out.v_proportional <= out.v_high + 1e-12
    assert out.v_high <= out.v_high_bound + 1e-12
    assert 0.0 <= out.v_low_bound and out.v_high_bound <= 1.0
    assert v_of(out.split_low, flows) == pytest.approx(out.v_low, abs=1e-7)
    assert v_of(out.split_high, flows) == pytest.approx(out.v_high, abs=1e-7)


def test_pair_names_which_groups_enter_v():
    counts, flows = hand_district(1.0)
    swapped = counts[:, ::-1, :]
    # V is symmetric in b and w: the pair (1, 0) of the swapped groups gives the same range.
    a = assigned_v_range(counts, flows)
    b = assigned_v_range(swapped, flows, pair=(1, 0))
    assert (b.v_low, b.v_high) == pytest.approx((a.v_low, a.v_high), abs=1e-7)


def test_bad_inputs_are_named():
    counts, flows = hand_district(1.0)
    with pytest.raises(InputError, match="same neighborhoods and classes"):
        assigned_v_range(counts, flows[:1])
    with pytest.raises(InputError, match="place every student"):
        assigned_v_range(counts, flows * 0.5)
    with pytest.raises(InputError, match="pair must name two different groups of black, white"):
        assigned_v_range(counts, flows, pair=(0, 0), groups=("black", "white"))
    none_black = counts.copy()
    none_black[:, 0, :] = 0
    with pytest.raises(UndefinedIndexError, match="no black students"):
        assigned_v_range(
            none_black,
            none_black.sum(axis=1)[:, :, None] * np.array([0.5, 0.5]),
            groups=("black", "white"),
        )


def test_assign_district_reports_the_range_when_asked():
    from assignopt.policy import Policy
    from assignopt.report.sections import assignment_findings, assignment_headline
    from assignopt.spatial.assign import assign_district
    from assignopt.spatial.synth import synthetic_city

    city = synthetic_city(grid=4, n_schools=3, seed=2)
    plain = assign_district(city, Policy(0.05), possible=False)
    assert "v_assigned_split_range" not in plain.summary()
    result = assign_district(city, Policy(0.05), possible=False, split_range=True, time_limit=20)
    over = result.summary()["v_assigned_split_range"]
    # The range is taken around the assignment's own V (the split in the district's counts).
    assert over["v_proportional"] == pytest.approx(result.summary()["v_assigned"], abs=1e-12)
    assert over["v_low_bound"] <= over["v_low"] <= over["v_proportional"]
    assert over["v_proportional"] <= over["v_high"] <= over["v_high_bound"]
    headline = assignment_headline([result])
    assert headline.loc[0, "V probable, split min"] == over["v_low"]
    assert headline.loc[0, "V probable, split max bound"] == over["v_high_bound"]
    assert "over every split consistent with" in assignment_findings(headline)[1]
    assert "V probable, split min" not in assignment_headline([plain]).columns


def test_sacramento_wide_band_keeps_tracts_whole():
    # At d = 0.2 the assignment sends each tract's poor and nonpoor students to schools in the
    # same proportions (checked here), so V cannot depend on the split: the range collapses.
    from pathlib import Path

    from assignopt.policy import Policy
    from assignopt.spatial.assign import assign_district
    from assignopt.spatial.district import read_district

    path = Path(__file__).resolve().parents[1] / "sample_districts" / "sacramento_2000.gpkg"
    district = read_district(path)
    result = assign_district(district, Policy(0.2), possible=False)
    counts, flows = district.counts(), result.assigned.flows
    cells = counts.sum(axis=1)
    both = (cells > 0).all(axis=1)
    share = flows[both] / cells[both][:, :, None]
    assert np.abs(share[:, 0, :] - share[:, 1, :]).max() < 1e-9
    out = assigned_v_range(counts, flows, groups=district.groups, time_limit=60)
    assert out.v_proportional == pytest.approx(result.summary()["v_assigned"], abs=1e-12)
    assert out.v_low_bound == pytest.approx(out.v_proportional, abs=1e-7)
    assert out.v_high_bound == pytest.approx(out.v_proportional, abs=1e-7)


def test_out_of_time_the_maximum_is_labelled_a_bracket():
    # With no time the relaxation never runs: V <= 1 is the only upper bound, and it says so.
    counts, flows = tiny(1, 3)
    largest = max(v_of(split, flows) for split in integer_splits(counts))
    assert largest < 1.0  # by enumeration: this instance cannot reach V = 1
    out = assigned_v_range(counts, flows, time_limit=0.0)
    assert out.v_high_bound == 1.0
    assert out.v_proportional <= out.v_high <= largest + 1e-12
    assert not out.exact_high
    assert any(note.startswith("Maximum: bracketed") for note in out.notes)


@pytest.mark.parametrize("seed", range(3))
def test_a_school_with_a_fixed_share_keeps_its_piece(seed):
    # A fourth school fed only by an all-White neighborhood has share 0 under every split: its
    # share range is one point. Refining the other schools' pieces (one piece each to start,
    # so several rounds run) must keep that school's single piece.
    counts, flows = tiny(seed, 2)
    counts = np.concatenate([counts, [[[0, 0], [2, 3]]]])
    flows = np.concatenate(
        [np.pad(flows, ((0, 0), (0, 0), (0, 1))), [[[0, 0, 0, 2], [0, 0, 0, 3]]]]
    )
    largest = max(v_of(split, flows) for split in integer_splits(counts))
    out = assigned_v_range(counts, flows, pieces=1)
    assert out.exact_high
    assert out.v_high == pytest.approx(largest, abs=1e-7)  # by enumeration (integral vertices)
