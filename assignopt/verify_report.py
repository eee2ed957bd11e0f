"""The verification in words: summary, findings, and the literature's printed numbers re-derived.

Every number the documentation states about the closed forms comes from here: the summary and
findings from the table of cases that :func:`assignopt.verify.verification_cases` computes,
the printed numbers from :func:`literature_numbers`. The documents carry them in generated
blocks (``<!-- verify:NAME -->`` ... ``<!-- /verify:NAME -->``) that :func:`sync_blocks`
rewrites, so a number in the docs is never typed by hand.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
from scipy import optimize

from assignopt.bounds import (
    ConstructionNotApplicableError,
    greedy_construction,
    income_class_table,
    three_school_construction,
    vmax_continuous,
    vmax_dichotomous,
    vmax_gamma_common_shape,
    vmax_tolerance_approx,
)
from assignopt.income import (
    LITERATURE_SHAPE,
    REFERENCE_MEANS,
    GammaIncome,
    optimal_poverty_threshold,
)
from assignopt.maxseg import maximum_segregation
from assignopt.policy import Policy
from assignopt.population import Population

__all__ = [
    "EXACT",
    "findings_markdown",
    "generated_blocks",
    "literature_numbers",
    "printed_numbers_markdown",
    "summarize",
    "summary_markdown",
    "sync_blocks",
]

#: A closed form within this of the LP maximum counts as exact.
EXACT = 1e-8
TOLERANCE_FAMILY = "dichotomous, tolerance band"
RATIO_FAMILY = "optimal threshold along the income ratio"
EQ4 = "V_max / (1 - 2d)"
LITERATURE = "three-school (literature)"
BEST = "three-school (best)"
PARAMS = (
    "black_share",
    "black_poverty",
    "white_poverty",
    "tolerance",
    "income_ratio",
    "classes",
    "schools",
)


def _cases(cases: pd.DataFrame) -> pd.DataFrame:
    """The table with an empty ``case`` where none applies (as read back from CSV too)."""
    cases = cases.copy()
    cases["case"] = cases["case"].fillna("") if "case" in cases else ""
    return cases


def summarize(cases: pd.DataFrame) -> pd.DataFrame:
    """Per family, closed form and case: how often it is exact, how far below or above the LP.

    Returns
    -------
    pandas.DataFrame
        Columns ``family``, ``closed_form``, ``case`` (the literature's construction only:
        "case 1", "three schools" or "does not apply: ..."), ``cases``, ``exact``
        (|shortfall| <= 1e-8), ``below`` (closed form under the LP maximum), ``above`` (over
        it: an overstatement), ``max_shortfall``, ``mean_shortfall``, ``max_excess`` and
        ``worst_case`` (parameters of the largest |shortfall|). Where the closed form does not
        apply, the counts are 0 and the gaps NaN.
    """
    cases = _cases(cases)
    param_cols = [c for c in PARAMS if c in cases.columns]
    out = []
    for (family, form, case), part in cases.groupby(["family", "closed_form", "case"], sort=False):
        diff = part["shortfall"].dropna()
        row = {
            "family": family,
            "closed_form": form,
            "case": case,
            "cases": len(part),
            "exact": int((diff.abs() <= EXACT).sum()),
            "below": int((diff > EXACT).sum()),
            "above": int((diff < -EXACT).sum()),
            "max_shortfall": np.nan,
            "mean_shortfall": np.nan,
            "max_excess": np.nan,
            "worst_case": "",
        }
        if len(diff):
            worst = part.loc[diff.abs().idxmax()]
            row.update(
                max_shortfall=float(max(diff.max(), 0.0)),
                mean_shortfall=float(diff.mean()),
                max_excess=float(max(-diff.min(), 0.0)) + 0.0,
                worst_case=", ".join(
                    f"{c}={worst[c]:g}" for c in param_cols if pd.notna(worst.get(c))
                ),
            )
        out.append(row)
    # Rows of one closed form together (its cases in order of appearance), forms as they come.
    frame = pd.DataFrame(out)
    first = {key: i for i, key in reversed(list(enumerate(zip(frame.family, frame.closed_form))))}
    order = sorted(range(len(frame)), key=lambda i: first[frame.family[i], frame.closed_form[i]])
    return frame.iloc[order].reset_index(drop=True)


def _label(r) -> str:
    return f"{r.closed_form}, {r.case}" if r.case else r.closed_form


def _e(x: float) -> str:
    return "-" if pd.isna(x) else f"{x:.2e}"


def summary_markdown(summary: pd.DataFrame, cases: pd.DataFrame | None = None) -> str:
    """The summary as a Markdown report: a table, a sentence per closed form, the findings.

    With ``cases`` (the table the summary was computed from) the findings and the
    literature's printed numbers re-derived (:func:`literature_numbers`) are appended.
    """
    lines = [
        "# Verification of the closed forms against the linear programs",
        "",
        "Each closed form is compared with the LP maximum (`assignopt.maxseg`) on a grid of "
        "cases. `shortfall = LP maximum - closed form`: positive where the closed form "
        "understates what the policy allows, negative where it overstates it (only an "
        "approximation can; a construction is feasible, so it never exceeds the maximum). "
        f"Exact means |shortfall| <= {EXACT:g}. The literature's three-school construction is "
        "counted by its case; where it does not apply it has no value.",
        "",
        "Binned income relaxes the continuous policy, so the K-class LP lies above the "
        "continuous supremum by a margin that closes as K grows; the greedy construction and "
        "the continuous supremum are compared with the LP on the same classes or threshold.",
        "",
        "| family | closed form | cases | exact | below LP | above LP | max shortfall | "
        "mean shortfall | max excess | largest gap at |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in summary.itertuples():
        lines.append(
            f"| {r.family} | {_label(r)} | {r.cases} | {r.exact} | {r.below} | {r.above} "
            f"| {_e(r.max_shortfall)} | {_e(r.mean_shortfall)} | {_e(r.max_excess)} "
            f"| {r.worst_case} |"
        )
    lines += ["", "## In words", ""]
    for r in summary.itertuples():
        if r.exact + r.below + r.above == 0:
            verdict = f"has no value in {r.cases} cases"
        elif r.exact == r.cases:
            verdict = f"equals the LP maximum in all {r.cases} cases"
        elif r.above:
            verdict = (
                f"overstates the maximum in {r.above} of {r.cases} cases (by up to "
                f"{r.max_excess:.4f}) and understates it in {r.below} (by up to "
                f"{r.max_shortfall:.4f}); largest gap at {r.worst_case}"
            )
        else:
            verdict = (
                f"is exact in {r.exact} of {r.cases} cases and falls short in "
                f"{r.below}, by up to {r.max_shortfall:.4f} (at {r.worst_case})"
            )
        lines.append(f"- **{r.family}, {_label(r)}** {verdict}.")
    if cases is not None:
        lines += ["", "## Findings", "", findings_markdown(cases).rstrip()]
        lines += ["", "## The literature's printed numbers", ""]
        lines.append(printed_numbers_markdown(literature_numbers(), cases).rstrip())
    return "\n".join(lines) + "\n"


def _counts(diff: pd.Series) -> tuple[int, int, int, float, float]:
    """(exact, below, above, max shortfall, max excess) of a column of shortfalls."""
    diff = diff.dropna()
    return (
        int((diff.abs() <= EXACT).sum()),
        int((diff > EXACT).sum()),
        int((diff < -EXACT).sum()),
        float(max(diff.max(), 0.0)) if len(diff) else np.nan,
        float(max(-diff.min(), 0.0)) if len(diff) else np.nan,
    )


def findings_markdown(cases: pd.DataFrame) -> str:
    """The findings of a verification run in numbers, as Markdown bullets.

    Parameters
    ----------
    cases : pandas.DataFrame
        The table of :func:`assignopt.verify.verification_cases` (or its CSV read back).

    Returns
    -------
    str
        One bullet per closed form; every count and gap is computed from ``cases``.
    """
    cases = _cases(cases)
    out = []
    perfect = cases[cases["family"] == "dichotomous, perfect balance"]
    exact, *_ = _counts(perfect["shortfall"])
    out.append(
        f"- **Poverty status, perfect balance: `V_max = 1 - |pi_bp - pi_wp|` is exact.** It "
        f"equals the LP maximum in {exact} of {len(perfect)} cases (largest difference "
        f"{perfect['shortfall'].abs().max():.1e}), for every racial composition."
    )
    band = cases[cases["family"] == TOLERANCE_FAMILY]
    eq4 = band[band["closed_form"] == EQ4]
    exact, below, above, short, excess = _counts(eq4["shortfall"])
    half = eq4[np.isclose(eq4["black_share"], 0.5)]
    h_exact, h_below, h_above, h_short, _ = _counts(half["shortfall"])
    out.append(
        f"- **The tolerance formula `V_max / (1 - 2d)` (Eq 4) is neither a bound nor exact in "
        f"general.** Over {len(eq4)} cases it matches the LP in {exact}, understates the "
        f"true maximum in {below} (by up to {short:.3f}) and overstates it in {above} (by up "
        f"to {excess:.3f}). It is stated for half-Black districts; there ({len(half)} cases) "
        f"it overstates in {h_above} and understates in {h_below}, by up to {h_short:.3f}."
    )
    lit = band[band["closed_form"] == LITERATURE]
    out.append(
        "- **The literature's three-school construction, as written (Appendix C, cases "
        "included):** " + _literature_sentences(lit)
    )
    best = band[band["closed_form"] == BEST]
    exact, below, _, short, excess = _counts(best["shortfall"])
    missing = lit[lit["case"].str.startswith("does not apply")]
    m_exact, m_below, _, m_short, _ = _counts(
        best.set_index(list(PARAMS[:4])).loc[missing.set_index(list(PARAMS[:4])).index, "shortfall"]
    )
    out.append(
        f'- **The best three-school construction** (`school_rates="best"`: a White school, a '
        f"Black school and a mixed school, searched continuously over every split the band "
        f"allows) is exact in {exact} of {len(best)} cases and short in {below}, by up to "
        f"{short:.3f}. Where the literature's construction does not apply ({len(missing)} "
        f"cases) it is exact in {m_exact} and short in {m_below}, by up to {m_short:.3f}."
    )
    along = cases[cases["family"] == RATIO_FAMILY]
    exact_at, short_at = [], []
    for d in sorted(along["tolerance"].unique()):
        at_d = along[(along["tolerance"] == d) & (along["closed_form"] == EQ4)]
        short = _counts(at_d["shortfall"])[3]
        if short > EXACT:
            short_at.append(f"{short:.3f} at d = {d:g}")
        else:
            exact_at.append(f"d = {d:g}")
    eq4_words = " and ".join(
        part
        for part in (
            f"is exact at {', '.join(exact_at)}" if exact_at else "",
            f"falls short of the LP by up to {', '.join(short_at)}" if short_at else "",
        )
        if part
    )
    lit_along = along[along["closed_form"] == LITERATURE]
    out.append(
        f"- **Along the income ratio** (poverty status at the optimal threshold, half-Black "
        f"district, ratios {along['income_ratio'].min():g} to {along['income_ratio'].max():g}), "
        f"Eq 4 {eq4_words}. For the literature's "
        f"construction, " + _literature_sentences(lit_along)
    )
    cont = cases[cases["family"] == "continuous income, perfect balance"]
    gaps = [
        f"{part['shortfall'].abs().max():.1e} with K = {int(k)}"
        for k, part in cont.groupby("classes")
    ]
    out.append(
        "- **Continuous income, perfect balance.** The closed form `V_max = 2 P(I_w < I_b)` "
        "(`docs/closed_forms.md`) is approached from above by the LP on K income classes, "
        f"which relaxes the policy: the largest difference is {', '.join(gaps)}."
    )
    greedy = cases[cases["family"] == "greedy J schools"]
    gaps = [
        f"{part['shortfall'].max():#.2g} (J = {int(j)})" for j, part in greedy.groupby("schools")
    ]
    out.append(
        "- **The greedy construction** stays below the LP maximum on the same classes by at "
        f"most {', '.join(gaps)}: from about J = 20 the number of schools matters little, as "
        "the literature says."
    )
    built = cases[cases["closed_form"].str.startswith(("three-school", "greedy"))]
    excess = float(max(-built["shortfall"].min(), 0.0))
    out.append(
        f"\nNo construction ever exceeded the LP maximum (largest excess {excess:.1e}, "
        "rounding), which is the check that the LPs and the constructions are both right."
    )
    return "\n".join(out) + "\n"


def _literature_sentences(lit: pd.DataFrame) -> str:
    """The literature's construction, case by case."""
    by_case = {case: part for case, part in lit.groupby("case")}
    empty = lit.iloc[:0]
    one = by_case.get("case 1", empty)
    three = by_case.get("three schools", empty)
    inside = by_case.get("does not apply: one rate inside the band", empty)
    mixed = by_case.get("does not apply: mixed school outside the band", empty)
    one_exact, *_ = _counts(one["shortfall"])
    t_exact, t_below, _, t_short, _ = _counts(three["shortfall"])
    return (
        f"both groups' poverty rates lie inside the band in {len(one)} cases (case 1), where "
        f"one school per race gives V = 1 and equals the LP maximum in {one_exact}. Where its "
        f"mixed school is feasible ({len(three)} cases) it is exact in {t_exact} and short of "
        f"the LP in {t_below}, by at most {t_short:.3f}. "
        + (
            f"It does not apply in {len(inside) + len(mixed)} cases: in {len(inside)} one "
            f"group's rate lies inside the band and the other's outside it, in {len(mixed)} "
            "the mixed school's poverty rate falls outside the band."
            if len(inside) + len(mixed)
            else "It applies in every case."
        )
    )


def literature_numbers() -> dict[str, float]:
    """The literature's printed numbers, recomputed exactly.

    Returns
    -------
    dict
        Keys (all floats): the urban reference means and their ratio; ``continuous`` (the
        supremum at those means, shape 1.56), ``continuous_ratio_2_1`` (at a ratio of exactly
        2.1), ``shape_for_0_56`` (the gamma shape at which the supremum is 0.56),
        ``greedy_J4``, ``greedy_J20``, ``greedy_J100`` (1,000 income classes); thresholds
        ``threshold`` (scale 0.64 x mean) and ``threshold_mean_preserving`` (mean / 1.56), V
        at each and at the printed $34,700; Eq 4 and the LP for the footnote's claim
        (``fn16_*``), the worked example (``worked_*``), the README's example (``readme_*``)
        and a narrow income gap (``narrow_*``, ratio 1.1, d = 0.1).
    """
    means = REFERENCE_MEANS["urban"]
    w, b = means["white"], means["black"]
    black, white = GammaIncome.from_mean(b), GammaIncome.from_mean(w)
    n: dict[str, float] = {"white_mean": w, "black_mean": b, "ratio": w / b}
    n["continuous"] = vmax_continuous(black, white)
    n["continuous_ratio_2_1"] = vmax_continuous(GammaIncome.from_mean(w / 2.1), white)
    n["shape_for_0_56"] = optimize.brentq(
        lambda a: float(vmax_gamma_common_shape(a, black.scale, white.scale)) - 0.56,
        1.0,
        LITERATURE_SHAPE,
        xtol=1e-10,
    )
    table = income_class_table(black, white, 0.5, 1000)
    for j in (4, 20, 100):
        n[f"greedy_J{j}"] = greedy_construction(table, j).value
    n["threshold"] = optimal_poverty_threshold(black, white)
    kept = (GammaIncome.from_mean(m, scale=m / LITERATURE_SHAPE) for m in (b, w))
    black_mp, white_mp = kept
    n["threshold_mean_preserving"] = optimal_poverty_threshold(black_mp, white_mp)
    for key, (bl, wh, at) in {
        "v_threshold": (black, white, n["threshold"]),
        "v_34700": (black, white, 34_700.0),
        "v_threshold_mean_preserving": (black_mp, white_mp, n["threshold_mean_preserving"]),
        "v_34700_mean_preserving": (black_mp, white_mp, 34_700.0),
    }.items():
        n[key] = vmax_dichotomous(float(bl.cdf(at)), float(wh.cdf(at)))
    bp, wp = float(black.cdf(n["threshold"])), float(white.cdf(n["threshold"]))
    narrow = GammaIncome.from_mean(w / 1.1)
    t = optimal_poverty_threshold(narrow, white)
    examples = {
        "fn16": (0.1, 0.5, 0.2, 0.1),
        "worked": (0.5, 0.5, 0.2, 0.1),
        "readme": (0.5, bp, wp, 0.1),
        "narrow": (0.5, float(narrow.cdf(t)), float(white.cdf(t)), 0.1),
    }
    for name, (pi_b, black_rate, white_rate, d) in examples.items():
        n[f"{name}_black_share"], n[f"{name}_tolerance"] = pi_b, d
        n[f"{name}_black_poverty"], n[f"{name}_white_poverty"] = black_rate, white_rate
        n[f"{name}_district_poverty"] = pi_b * black_rate + (1 - pi_b) * white_rate
        n[f"{name}_eq4"] = vmax_tolerance_approx(black_rate, white_rate, d)
        population = Population.dichotomous(pi_b, black_rate, white_rate)
        result = maximum_segregation(population, Policy(d))
        n[f"{name}_lp"] = result.lower
        n[f"{name}_school_types"] = float(len(result.witness.schools))
        n[f"{name}_best"] = three_school_construction(pi_b, black_rate, white_rate, d).value
        try:
            literature = three_school_construction(
                pi_b, black_rate, white_rate, d, school_rates="literature"
            )
        except ConstructionNotApplicableError:
            n[f"{name}_literature"], n[f"{name}_case_1"] = np.nan, 0.0
        else:
            n[f"{name}_literature"] = literature.value
            n[f"{name}_case_1"] = float("case 1" in literature.method)
    return n


def printed_numbers_markdown(n: dict[str, float], cases: pd.DataFrame) -> str:
    """A paragraph per printed number of the literature that the exact computation revises.

    Parameters
    ----------
    n : dict
        :func:`literature_numbers`.
    cases : pandas.DataFrame
        The verification cases (for the footnote's claim over the grid).
    """
    cases = _cases(cases)
    eq4 = cases[(cases["family"] == TOLERANCE_FAMILY) & (cases["closed_form"] == EQ4)]
    other = eq4[~np.isclose(eq4["black_share"], 0.5)]
    _, o_below, o_above, _, o_excess = _counts(other["shortfall"])
    _, _, all_above, _, _ = _counts(eq4["shortfall"])
    paragraphs = [
        f"**Continuous income, perfect balance: the literature prints 0.56.** For the urban "
        f"reference means (White \\${n['white_mean']:,.0f}, Black \\${n['black_mean']:,.0f}, "
        f"a ratio of {n['ratio']:.3f}) and gamma incomes of shape {LITERATURE_SHAPE}, the "
        f"supremum over any number of schools is {n['continuous']:.4f} (`vmax_continuous`, "
        f"a closed form: twice the chance that a White family is poorer than a Black one). "
        f"At a ratio of exactly 2.1 it is {n['continuous_ratio_2_1']:.4f}. Finite schools "
        f"cannot raise it: the supremum ({n['continuous']:.5f}) bounds every arrangement, and "
        f"the literature's greedy construction (1,000 income classes) approaches it from "
        f"below: {n['greedy_J4']:.5f} with 4 schools, {n['greedy_J20']:.5f} with 20 and "
        f"{n['greedy_J100']:.5f} with 100. A supremum of "
        f"0.56 at these means needs a gamma shape of {n['shape_for_0_56']:.3f} instead of "
        f"{LITERATURE_SHAPE}.",
        f"**The optimal poverty threshold: the literature prints \\$34,700.** The two groups' "
        f"densities cross at \\${n['threshold']:,.0f} with the scale the literature's footnote "
        f"gives (0.64 x mean), and at \\${n['threshold_mean_preserving']:,.0f} with a "
        f"mean-preserving scale (mean / {LITERATURE_SHAPE}). The bound is flat there: "
        f"V_max = {n['v_threshold']:.4f} at the crossing and {n['v_34700']:.4f} at \\$34,700, "
        f"{n['v_34700'] - n['v_threshold']:.1e} higher (mean-preserving: "
        f"{n['v_threshold_mean_preserving']:.4f} and {n['v_34700_mean_preserving']:.4f}), so "
        f"the printed threshold changes no printed V.",
        f"**Footnote 16: Eq 4 outside half-Black districts.** The footnote says "
        f"`V_max / (1 - 2d)` underestimates the maximum when a district is not half Black. "
        f"The LP shows that it often overstates it: outside half-Black districts "
        f"({len(other)} of "
        f"the {len(eq4)} grid cases) Eq 4 overstates the maximum in {o_above} (by up to "
        f"{o_excess:.3f}) and understates it in {o_below}; all {all_above} overstatements "
        f"of the grid are there. For example, with a Black share of "
        f"{n['fn16_black_share']:g}, poverty rates {n['fn16_black_poverty']:g} (Black) and "
        f"{n['fn16_white_poverty']:g} (White) and d = {n['fn16_tolerance']:g}, Eq 4 gives "
        f"{n['fn16_eq4']:.3f} and the LP maximum is {n['fn16_lp']:.3f}. Outside half-Black "
        f"districts Eq 4 is neither a lower nor an upper bound.",
        f"**The worked example with a tolerance.** Poverty rates "
        f"{n['worked_black_poverty']:g} (Black) and {n['worked_white_poverty']:g} (White), a "
        f"half-Black district, d = {n['worked_tolerance']:g}: Eq 4 gives "
        f"{n['worked_eq4']:.3f}, the literature's three schools {n['worked_literature']:.3f} "
        f"and the LP maximum {n['worked_lp']:.3f}, with {n['worked_school_types']:.0f} school "
        f"types.",
        f"**Ten points of tolerance at the urban means.** At the optimal threshold (Black "
        f"poverty rate {n['readme_black_poverty']:.4f}, White {n['readme_white_poverty']:.4f}) "
        f"in a half-Black district with d = {n['readme_tolerance']:g}, Eq 4 gives "
        f"{n['readme_eq4']:.4f}, the best three-school construction "
        f"{n['readme_best']:.4f} and the LP maximum {n['readme_lp']:.4f}.",
    ]
    return "\n\n".join(paragraphs) + "\n"


def narrow_gap_markdown(n: dict[str, float]) -> str:
    """The approximation against three schools where the income gap is narrow (ratio 1.1)."""
    lo = n["narrow_district_poverty"] - n["narrow_tolerance"]
    hi = n["narrow_district_poverty"] + n["narrow_tolerance"]
    inside = lo <= min(n["narrow_black_poverty"], n["narrow_white_poverty"]) and hi >= max(
        n["narrow_black_poverty"], n["narrow_white_poverty"]
    )
    verdict = (
        "both lie inside the band, so two schools, one per race, meet the policy: the "
        "literature's construction is in its case 1"
        if inside and n["narrow_case_1"]
        else "they do not both lie inside the band"
    )
    return (
        f"With a White-Black mean ratio of 1.1 at the optimal threshold, the poverty rates are "
        f"{n['narrow_black_poverty']:.4f} (Black) and {n['narrow_white_poverty']:.4f} (White); "
        f"with d = {n['narrow_tolerance']:g} the band is [{lo:.4f}, {hi:.4f}] and {verdict}. "
        f"There V = {n['narrow_literature']:.4f}, the approximation gives "
        f"{n['narrow_eq4']:.4f} and the LP maximum is {n['narrow_lp']:.4f}.\n"
    )


def generated_blocks(cases: pd.DataFrame, numbers: dict[str, float]) -> dict[str, str]:
    """The generated blocks of the docs, by name: ``findings``, ``printed``, ``narrow-gap``."""
    return {
        "findings": findings_markdown(cases),
        "printed": printed_numbers_markdown(numbers, cases),
        "narrow-gap": narrow_gap_markdown(numbers),
    }


_BLOCK = re.compile(r"(<!-- verify:([\w-]+) -->\n)(.*?)(<!-- /verify:\2 -->)", re.DOTALL)


def sync_blocks(text: str, blocks: dict[str, str]) -> str:
    """Replace every generated block of a document by its current text.

    Parameters
    ----------
    text : str
        A Markdown document with blocks ``<!-- verify:NAME -->`` ... ``<!-- /verify:NAME -->``.
    blocks : dict
        Text by block name (:func:`generated_blocks`).

    Returns
    -------
    str
        The document with each block's content replaced.

    Raises
    ------
    KeyError
        If the document names a block that ``blocks`` does not have.
    """
    return _BLOCK.sub(lambda m: m.group(1) + blocks[m.group(2)] + m.group(4), text)
