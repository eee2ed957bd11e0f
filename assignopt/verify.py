"""Verification of the literature's closed forms against the linear programs.

Every closed form or construction is compared with the LP maximum on a grid of cases. A
construction can never exceed the LP maximum (it is feasible); an approximation can. The
result is a table of every case, a Markdown summary and a figure.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from assignopt.bounds import (
    ConstructionNotApplicableError,
    greedy_construction,
    three_school_construction,
    vmax_continuous,
    vmax_dichotomous,
    vmax_tolerance_approx,
)
from assignopt.income import REFERENCE_MEANS, GammaIncome, optimal_poverty_threshold
from assignopt.maxseg import maximum_segregation
from assignopt.plotting import save_figure
from assignopt.policy import Policy
from assignopt.population import Population
from assignopt.verify_report import (
    EXACT,
    findings_markdown,
    generated_blocks,
    literature_numbers,
    printed_numbers_markdown,
    summarize,
    summary_markdown,
    sync_blocks,
)

__all__ = [
    "EXACT",
    "findings_markdown",
    "generated_blocks",
    "literature_numbers",
    "plot_verification",
    "printed_numbers_markdown",
    "summarize",
    "summary_markdown",
    "sync_blocks",
    "verification_cases",
    "write_verification",
    "write_verification_files",
]


def _row(family, closed_form, value, result, case="", **params) -> dict:
    return {
        "family": family,
        "closed_form": closed_form,
        "case": case,
        **params,
        "closed_form_value": value,
        "lp_lower": result.lower,
        "lp_upper": result.upper,
        "lp_method": result.method,
        "lp_status": result.status,
        "shortfall": result.lower - value,  # > 0: the closed form is below the true maximum
    }


def verification_cases(quick: bool = False, progress: Callable | None = None) -> pd.DataFrame:
    """Compare every closed form with the LP maximum on a grid of cases.

    Parameters
    ----------
    quick : bool
        A small grid (for tests); the full grid otherwise.
    progress : callable, optional
        Wraps the list of case families (e.g. ``tqdm``) to show progress.

    Returns
    -------
    pandas.DataFrame
        One row per (case, closed form): parameters, the closed form's value, the LP bracket
        and ``shortfall = lp_lower - closed_form_value``.
    """
    step = 0.4 if quick else 0.2
    share_grid = np.round(np.arange(0.1, 0.91, step), 2)
    rate_grid = np.round(np.arange(0.1, 0.91, step), 2)
    tolerances = (0.0, 0.1, 0.25) if quick else (0.0, 0.05, 0.1, 0.15, 0.2, 0.25)
    ratios = (1.5, 3.0) if quick else tuple(np.round(np.arange(1.0, 3.01, 0.25), 2))
    class_counts = (10, 40) if quick else (10, 50, 200)
    white_mean = REFERENCE_MEANS["urban"]["white"]
    families = [
        ("dichotomous, perfect balance", lambda: _dichotomous(share_grid, rate_grid)),
        ("dichotomous, tolerance band", lambda: _tolerance(share_grid, rate_grid, tolerances)),
        (
            "continuous income, perfect balance",
            lambda: _continuous(ratios, class_counts, white_mean),
        ),
        ("greedy J schools", lambda: _greedy(ratios, white_mean, quick)),
        (
            "optimal threshold along the income ratio",
            lambda: _along_ratio(
                ratios if quick else np.round(np.arange(1.1, 3.01, 0.1), 2), white_mean
            ),
        ),
    ]
    rows: list[dict] = []
    for _, build in progress(families) if progress else families:
        rows.extend(build())
    return pd.DataFrame(rows)


def _dichotomous(shares, rates):
    rows = []
    for pi_b, bp, wp in itertools.product(shares, rates, rates):
        result = maximum_segregation(Population.dichotomous(pi_b, bp, wp), Policy(0.0))
        rows.append(
            _row(
                "dichotomous, perfect balance",
                "1 - abs(pi_bp - pi_wp)",
                vmax_dichotomous(bp, wp),
                result,
                black_share=pi_b,
                black_poverty=bp,
                white_poverty=wp,
                tolerance=0.0,
            )
        )
    return rows


def _tolerance(shares, rates, tolerances):
    rows = []
    for pi_b, bp, wp, d in itertools.product(shares, rates, rates, tolerances):
        result = maximum_segregation(Population.dichotomous(pi_b, bp, wp), Policy(d))
        params = dict(black_share=pi_b, black_poverty=bp, white_poverty=wp, tolerance=d)
        family = "dichotomous, tolerance band"
        rows.append(
            _row(family, "V_max / (1 - 2d)", vmax_tolerance_approx(bp, wp, d), result, **params)
        )
        rows.append(_literature_row(family, pi_b, bp, wp, d, result, **params))
        value = three_school_construction(pi_b, bp, wp, d, school_rates="best").value
        rows.append(_row(family, "three-school (best)", value, result, **params))
    return rows


def _literature_row(family, pi_b, bp, wp, d, result, **params) -> dict:
    """The literature's construction, labelled by its case; NaN where it does not apply."""
    try:
        construction = three_school_construction(pi_b, bp, wp, d, school_rates="literature")
    except ConstructionNotApplicableError as error:
        return _row(
            family,
            "three-school (literature)",
            np.nan,
            result,
            case=f"does not apply: {error.reason}",
            **params,
        )
    case = "case 1" if "case 1" in construction.method else "three schools"
    return _row(
        family, "three-school (literature)", construction.value, result, case=case, **params
    )


def _continuous(ratios, class_counts, white_mean):
    rows = []
    for ratio, k, pi_b in itertools.product(ratios, class_counts, (0.2, 0.5)):
        black = GammaIncome.from_mean(white_mean / ratio)
        white = GammaIncome.from_mean(white_mean)
        result = maximum_segregation(Population.gamma(black, white, pi_b, k), Policy(0.0))
        rows.append(
            _row(
                "continuous income, perfect balance",
                f"supremum 2 P(I_w < I_b) vs LP on {k} classes",
                vmax_continuous(black, white),
                result,
                income_ratio=ratio,
                classes=k,
                black_share=pi_b,
            )
        )
    return rows


def _greedy(ratios, white_mean, quick):
    rows = []
    k = 50 if quick else 200
    for ratio in ratios:
        black = GammaIncome.from_mean(white_mean / ratio)
        white = GammaIncome.from_mean(white_mean)
        population = Population.gamma(black, white, 0.5, k)
        result = maximum_segregation(population, Policy(0.0))
        for n_schools in (4, 10, 20, 50, 100):
            value = greedy_construction(population.counts, n_schools).value
            rows.append(
                _row(
                    "greedy J schools",
                    f"greedy, J={n_schools}",
                    value,
                    result,
                    income_ratio=ratio,
                    classes=k,
                    schools=n_schools,
                )
            )
    return rows


def _along_ratio(ratios, white_mean):
    rows = []
    for ratio in ratios:
        black = GammaIncome.from_mean(white_mean / ratio)
        white = GammaIncome.from_mean(white_mean)
        if ratio == 1.0:
            continue
        threshold = optimal_poverty_threshold(black, white)
        bp, wp = float(black.cdf(threshold)), float(white.cdf(threshold))
        population = Population.dichotomous(0.5, bp, wp)
        for d in (0.0, 0.1, 0.2):
            result = maximum_segregation(population, Policy(d))
            params = dict(
                income_ratio=ratio,
                black_share=0.5,
                black_poverty=bp,
                white_poverty=wp,
                tolerance=d,
                threshold=threshold,
            )
            family = "optimal threshold along the income ratio"
            rows.append(
                _row(family, "V_max / (1 - 2d)", vmax_tolerance_approx(bp, wp, d), result, **params)
            )
            rows.append(_literature_row(family, 0.5, bp, wp, d, result, **params))
            if d == 0.0:
                rows.append(
                    _row(
                        family,
                        "continuous supremum (a stricter policy)",
                        vmax_continuous(black, white),
                        result,
                        **params,
                    )
                )
    return rows


def plot_verification(cases: pd.DataFrame, path: str | Path) -> Path:
    """LP maximum against the closed forms along the income ratio, for d = 0, 0.1, 0.2."""
    along = cases[cases["family"] == "optimal threshold along the income ratio"]
    fig = Figure(figsize=(8, 5))
    ax = fig.add_subplot()
    for k, d in enumerate((0.0, 0.1, 0.2)):
        part = along[along["tolerance"] == d]
        lp = part[part["closed_form"] == "V_max / (1 - 2d)"]
        ax.plot(
            lp["income_ratio"],
            lp["lp_upper"],
            color=f"C{k}",
            lw=2.2,
            label=f"LP maximum, d = {d:.1f}",
        )
        ax.plot(
            lp["income_ratio"],
            lp["closed_form_value"],
            color=f"C{k}",
            ls="--",
            lw=1.4,
            label=f"literature formula, d = {d:.1f}",
        )
        three = part[part["closed_form"] == "three-school (literature)"]
        ax.plot(
            three["income_ratio"],
            three["closed_form_value"],
            color=f"C{k}",
            ls="",
            marker="o",
            ms=3,
            label=f"three-school construction, d = {d:.1f}",
        )
    ref = along[along["closed_form"] == "continuous supremum (a stricter policy)"]
    ax.plot(
        ref["income_ratio"],
        ref["closed_form_value"],
        color="0.3",
        ls=":",
        label="continuous income, perfect balance",
    )
    ax.set_xlabel("White / Black mean family income")
    ax.set_ylabel("maximum normalized exposure V")
    ax.set_ylim(0, 1.02)
    ax.grid(alpha=0.3)
    ax.set_title(
        "LP maximum against the closed forms (poverty status at the optimal "
        "threshold,\nhalf-Black district, gamma incomes of shape 1.56)"
    )
    ax.legend(fontsize=7, ncol=2, loc="lower left")
    save_figure(fig, path, dpi=150)
    return Path(path)


def write_verification(
    out_dir: str | Path,
    quick: bool = False,
    progress: Callable | None = None,
    docs: Sequence[str | Path] = (),
) -> dict[str, Path]:
    """Run the verification and write ``cases.csv``, ``summary.md`` and ``verification.png``.

    Parameters
    ----------
    out_dir : str or Path
        Directory for the three files.
    quick : bool
        The small grid (for tests).
    progress : callable, optional
        Wraps the list of case families (e.g. ``tqdm``).
    docs : sequence of paths
        Markdown documents whose generated blocks (``<!-- verify:NAME -->``) are rewritten
        with this run's numbers (:func:`assignopt.verify_report.sync_blocks`).

    Returns
    -------
    dict
        Paths by name: ``cases``, ``summary``, ``plot`` and each document updated.
    """
    return write_verification_files(verification_cases(quick, progress), out_dir, docs)


def write_verification_files(
    cases: pd.DataFrame, out_dir: str | Path, docs: Sequence[str | Path] = ()
) -> dict[str, Path]:
    """Write computed verification ``cases`` as ``cases.csv``, ``summary.md`` and a plot.

    Parameters
    ----------
    cases : pandas.DataFrame
        From :func:`verification_cases`.
    out_dir : str or Path
        Directory for the three files.
    docs : sequence of paths
        Markdown documents whose generated blocks are rewritten with these numbers.

    Returns
    -------
    dict
        Paths by name: ``cases``, ``summary``, ``plot`` and each document updated.
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    paths = {
        "cases": out / "cases.csv",
        "summary": out / "summary.md",
        "plot": out / "verification.png",
    }
    cases.to_csv(paths["cases"], index=False)
    # The summary is written from the CSV as read back, so it is what the committed file gives.
    cases = pd.read_csv(paths["cases"])
    paths["summary"].write_text(summary_markdown(summarize(cases), cases))
    plot_verification(cases, paths["plot"])
    if docs:
        blocks = generated_blocks(cases, literature_numbers())
        for doc in map(Path, docs):
            doc.write_text(sync_blocks(doc.read_text(), blocks))
            paths[doc.stem] = doc
    return paths
