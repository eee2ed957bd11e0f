"""The literature's three-school construction against the LP, and the verification's documents."""

import itertools
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from assignopt.bounds import (
    ConstructionNotApplicableError,
    three_school_construction,
    vmax_dichotomous,
    vmax_tolerance_approx,
)
from assignopt.indices import normalized_exposure
from assignopt.maxseg import maximum_segregation
from assignopt.policy import Policy
from assignopt.population import Population
from assignopt.verify import summarize, write_verification
from assignopt.verify_report import (
    generated_blocks,
    literature_numbers,
    summary_markdown,
    sync_blocks,
)

ROOT = Path(__file__).resolve().parents[1]
# A grid off the verification's own (rates 0.15 apart, not 0.2), so the tests see other cells.
GRID = list(
    itertools.product(
        (0.1, 0.3, 0.5, 0.7, 0.9),
        (0.15, 0.3, 0.45, 0.6, 0.75, 0.9),
        (0.15, 0.3, 0.45, 0.6, 0.75, 0.9),
        (0.0, 0.05, 0.1, 0.15, 0.2, 0.25),
    )
)


def band(pi_b, bp, wp, d):
    pi_p = pi_b * bp + (1 - pi_b) * wp
    return pi_p - d, pi_p + d


def literature(pi_b, bp, wp, d):
    try:
        return three_school_construction(pi_b, bp, wp, d, school_rates="literature")
    except ConstructionNotApplicableError as error:
        return error


@pytest.fixture(scope="module")
def grid():
    """Per cell: the LP maximum, the literature's construction (or why not) and the best."""
    rows = []
    for pi_b, bp, wp, d in GRID:
        lp = maximum_segregation(Population.dichotomous(pi_b, bp, wp), Policy(d)).lower
        best = three_school_construction(pi_b, bp, wp, d)
        rows.append(((pi_b, bp, wp, d), lp, literature(pi_b, bp, wp, d), best))
    return rows


def assert_sound(construction, pi_b, bp, wp, d):
    """Schools hold the district cell by cell, sit inside the band, and reproduce V."""
    cells = np.array([[pi_b * bp, pi_b * (1 - bp)], [(1 - pi_b) * wp, (1 - pi_b) * (1 - wp)]])
    assert construction.schools.sum(axis=0) == pytest.approx(cells, abs=1e-12)
    lo, hi = band(pi_b, bp, wp, d)
    sizes = construction.schools.sum(axis=(1, 2))
    rates = construction.schools[sizes > 1e-12, :, 0].sum(axis=1) / sizes[sizes > 1e-12]
    assert np.all(rates >= lo - 1e-9) and np.all(rates <= hi + 1e-9)
    assert normalized_exposure(construction.group_counts) == pytest.approx(
        construction.value, abs=1e-9
    )


def test_case_1_is_exact_in_every_case_1_cell(grid):
    # Appendix C, case 1: both groups' rates inside the band -> one school per race, V = 1,
    # which is the largest V there is, so the LP maximum is 1 as well.
    case_1 = 0
    for (pi_b, bp, wp, d), lp, lit, _ in grid:
        lo, hi = band(pi_b, bp, wp, d)
        if lo - 1e-12 <= min(bp, wp) and max(bp, wp) <= hi + 1e-12:
            case_1 += 1
            assert "case 1" in lit.method
            assert lit.value == pytest.approx(1.0, abs=1e-12)
            assert lp == pytest.approx(lit.value, abs=1e-9)
            assert_sound(lit, pi_b, bp, wp, d)
        else:
            assert isinstance(lit, ConstructionNotApplicableError) or "case 1" not in lit.method
    assert case_1 >= 100  # the grid has case-1 cells at every tolerance > 0


def test_three_schools_never_beat_the_lp_and_equal_eq4_in_half_black_districts(grid):
    three = 0
    for (pi_b, bp, wp, d), lp, lit, _ in grid:
        if isinstance(lit, ConstructionNotApplicableError):
            assert pi_b != 0.5  # in a half-Black district the construction always applies
            continue
        assert_sound(lit, pi_b, bp, wp, d)
        assert lit.value <= lp + 1e-9  # a feasible arrangement: never above the maximum
        if pi_b == 0.5:
            # The literature's Eq 4, V_max / (1 - 2d) capped at 1, is this construction there.
            assert lit.value == pytest.approx(vmax_tolerance_approx(bp, wp, d), abs=1e-12)
        if "case 1" not in lit.method:
            three += 1
            if d == 0:  # perfect balance: the closed form 1 - |pi_bp - pi_wp| is the maximum
                assert lit.value == pytest.approx(vmax_dichotomous(bp, wp), abs=1e-12)
    assert three >= 100


def test_worked_example_relabelled_when_white_families_are_poorer():
    # Hand calculation: rates 0.2 (Black) and 0.5 (White), half Black, d = 0.1: pi_p = 0.35,
    # band [0.25, 0.45]. Relabelled, the all-Black school sits at 0.25 with every poor Black
    # (0.1, so size 0.4, 0.3 nonpoor) and the all-White school at 0.45 with every nonpoor
    # White (0.25, so 0.25 * 0.45 / 0.55 poor). V = 0.70 / (1 - 0.2) = 0.875.
    c = three_school_construction(0.5, 0.2, 0.5, 0.1, school_rates="literature")
    assert c.schools[0] == pytest.approx(np.array([[0, 0], [0.25 * 0.45 / 0.55, 0.25]]))
    assert c.schools[1] == pytest.approx(np.array([[0.1, 0.3], [0, 0]]))
    assert c.value == pytest.approx(0.875, abs=1e-12)
    # Swapping the groups' labels mirrors the schools and keeps V (V is symmetric).
    mirror = three_school_construction(0.5, 0.5, 0.2, 0.1, school_rates="literature")
    assert mirror.value == pytest.approx(c.value, abs=1e-12)
    assert mirror.schools[0] == pytest.approx(c.schools[1][::-1])


@pytest.mark.parametrize("pi_b, bp, wp, d", [(0.4, 0.7, 0.2, 0.1), (0.7, 0.15, 0.6, 0.05)])
def test_relabelling_mirrors_every_district(pi_b, bp, wp, d):
    # The district with the two groups' names exchanged gets the mirrored schools.
    c = three_school_construction(pi_b, bp, wp, d, school_rates="literature")
    m = three_school_construction(1 - pi_b, wp, bp, d, school_rates="literature")
    assert m.value == pytest.approx(c.value, abs=1e-12)
    assert m.schools[0] == pytest.approx(c.schools[1][::-1], abs=1e-12)
    assert m.schools[2] == pytest.approx(c.schools[2][::-1], abs=1e-12)


def test_case_1_by_hand():
    # Rates 0.45 and 0.35, half Black, d = 0.1: pi_p = 0.4, band [0.3, 0.5] holds both.
    c = three_school_construction(0.5, 0.45, 0.35, 0.1, school_rates="literature")
    assert c.value == 1.0
    assert c.schools[0] == pytest.approx(np.array([[0, 0], [0.175, 0.325]]))
    assert c.schools[1] == pytest.approx(np.array([[0.225, 0.275], [0, 0]]))
    assert c.schools[2] == pytest.approx(np.zeros((2, 2)))


def test_where_the_construction_does_not_apply_it_says_why():
    # pi_p = 0.6875, band [0.5625, 0.8125]: the Black rate 0.75 is inside, the White 0.5 below.
    with pytest.raises(ConstructionNotApplicableError, match="black poverty rate 0.75") as e:
        three_school_construction(0.75, 0.75, 0.5, 0.125, school_rates="literature")
    assert e.value.reason == "one rate inside the band"
    # pi_p = 0.36, band [0.31, 0.41]: the White school (0.27 / 0.31 = 0.871 of the district)
    # leaves a mixed school at 0.36 + 0.05 (0.871 - 0.0169) / 0.112 = 0.741 (hand calculation).
    with pytest.raises(ConstructionNotApplicableError, match=r"poverty rate 0\.741") as e:
        three_school_construction(0.1, 0.9, 0.3, 0.05, school_rates="literature")
    assert e.value.reason == "mixed school outside the band"


def test_best_lies_between_the_literature_and_the_lp(grid):
    for (pi_b, bp, wp, d), lp, lit, best in grid:
        assert_sound(best, pi_b, bp, wp, d)
        assert best.value <= lp + 1e-9
        if not isinstance(lit, ConstructionNotApplicableError):
            assert best.value >= lit.value - 1e-12
        if d == 0:
            assert best.value == pytest.approx(lp, abs=1e-9)


@pytest.mark.parametrize(
    "pi_b, bp, wp, d", [(0.3, 0.7, 0.2, 0.1), (0.1, 0.9, 0.3, 0.05), (0.6, 0.2, 0.6, 0.1)]
)
def test_best_is_the_maximum_over_its_family(pi_b, bp, wp, d):
    # Independent check by sampling: a million random single-race schools (rate uniform in the
    # band, size uniform up to the group's share), the mixed school taking the rest; none of
    # those that fit the supplies and the band beats "best". V from its definition,
    # sum_j t_j (beta_j - pi_b)^2 / (T pi_b pi_w).
    rng = np.random.default_rng(0)
    lo, hi = band(pi_b, bp, wp, d)
    size = 1_000_000
    rate_w, rate_b = rng.uniform(lo, hi, size), rng.uniform(lo, hi, size)
    white, black = rng.uniform(0, 1 - pi_b, size), rng.uniform(0, pi_b, size)
    mixed = 1 - white - black
    mixed_poor = pi_b * bp + (1 - pi_b) * wp - rate_w * white - rate_b * black
    ok = (
        (rate_w * white <= (1 - pi_b) * wp)
        & ((1 - rate_w) * white <= (1 - pi_b) * (1 - wp))
        & (rate_b * black <= pi_b * bp)
        & ((1 - rate_b) * black <= pi_b * (1 - bp))
        & (mixed_poor >= lo * mixed)
        & (mixed_poor <= hi * mixed)
    )
    white, black, mixed = white[ok], black[ok], mixed[ok]
    beta_mixed = (pi_b - black) / mixed
    sampled = (white * pi_b**2 + black * (1 - pi_b) ** 2 + mixed * (beta_mixed - pi_b) ** 2) / (
        pi_b * (1 - pi_b)
    )
    best = three_school_construction(pi_b, bp, wp, d)
    assert ok.sum() > 1000
    assert sampled.max() <= best.value + 1e-12
    assert sampled.max() >= best.value - 0.05  # the sample comes close: the check has teeth


def test_the_literatures_numbers_by_a_second_solver():
    # The examples' LP maxima come from the extreme-point LP; column generation is a second,
    # independent formulation and must agree.
    n = literature_numbers()
    for name in ("fn16", "readme", "worked"):
        population = Population.dichotomous(
            n[f"{name}_black_share"], n[f"{name}_black_poverty"], n[f"{name}_white_poverty"]
        )
        policy = Policy(n[f"{name}_tolerance"])
        colgen = maximum_segregation(population, policy, method="colgen", gap=1e-9)
        assert colgen.lower == pytest.approx(n[f"{name}_lp"], abs=1e-7)
    # Eq 4 overstates the footnote's example and understates the README's.
    assert n["fn16_eq4"] > n["fn16_lp"] and n["readme_eq4"] < n["readme_lp"]
    # A finite number of schools never reaches above the supremum.
    assert max(n["greedy_J4"], n["greedy_J20"], n["greedy_J100"]) < n["continuous"]


@pytest.fixture(scope="module")
def committed():
    cases = pd.read_csv(ROOT / "docs" / "verification" / "cases.csv")
    return cases, generated_blocks(cases, literature_numbers())


@pytest.mark.parametrize(
    "doc, names",
    [("verification.md", ("findings", "printed")), ("closed_forms.md", ("narrow-gap",))],
)
def test_docs_quote_what_verify_computes(committed, doc, names):
    # The generated blocks of the docs equal what the code gives on the committed cases.csv.
    _, blocks = committed
    text = (ROOT / "docs" / doc).read_text()
    for name in names:
        assert f"<!-- verify:{name} -->" in text
    assert sync_blocks(text, blocks) == text, f"rerun write_verification(docs=[...{doc}])"


def test_committed_summary_is_what_summarize_gives(committed):
    cases, blocks = committed
    summary = (ROOT / "docs" / "verification" / "summary.md").read_text()
    assert summary == summary_markdown(summarize(cases), cases)
    assert blocks["findings"].strip() in summary


def test_write_verification_rewrites_the_blocks_of_a_document(tmp_path):
    doc = tmp_path / "page.md"
    doc.write_text("before\n<!-- verify:findings -->\nstale\n<!-- /verify:findings -->\nafter\n")
    paths = write_verification(tmp_path / "out", quick=True, docs=[doc])
    text = doc.read_text()
    assert "stale" not in text and text.startswith("before\n") and text.endswith("after\n")
    cases = pd.read_csv(paths["cases"])
    lit = cases[cases["closed_form"] == "three-school (literature)"]
    # Quick grid: every case-1 row is exact, no value where the construction does not apply.
    assert (lit.loc[lit["case"] == "case 1", "shortfall"].abs() < 1e-8).all()
    assert lit.loc[lit["case"].str.startswith("does not apply"), "closed_form_value"].isna().all()
    counts = summarize(cases)
    case_1 = counts[counts["case"] == "case 1"]
    assert (case_1["exact"] == case_1["cases"]).all() and len(case_1)
    assert f"in {int(case_1['cases'].iloc[0])} cases (case 1)" in text


def test_best_leaves_no_sliver_of_a_mixed_school():
    # Found by hypothesis: equal rates and a vanishing band. Round-off in the vertex solve once
    # left a mixed school of 1e-16 students with poverty rate 0; both rates are inside the
    # band, so the answer is one school per race and an empty third (V = 1).
    c = three_school_construction(0.5, 0.25, 0.25, 1e-12)
    assert c.value == pytest.approx(1.0, abs=1e-12)
    assert_sound(c, 0.5, 0.25, 0.25, 1e-12)
    assert c.schools[2].sum() <= 1e-12
