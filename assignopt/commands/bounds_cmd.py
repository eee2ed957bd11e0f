"""``assignopt bounds``: the literature's closed forms for given incomes or poverty rates."""

from __future__ import annotations

from typing import Any

import click

from assignopt.bounds import (
    three_school_construction,
    validate_tolerance,
    vmax_continuous,
    vmax_dichotomous,
    vmax_tolerance_approx,
)
from assignopt.cli import computing, emit_json
from assignopt.errors import InputError
from assignopt.income import LITERATURE_SHAPE, GammaIncome, optimal_poverty_threshold


def closed_form_bounds(
    *,
    white_mean: float | None,
    black_mean: float | None,
    shape: float,
    black_share: float,
    threshold: float | None,
    tolerance: float | None,
    white_poverty: float | None,
    black_poverty: float | None,
) -> dict[str, Any]:
    """Every closed form that the inputs allow, with the inputs echoed.

    Either both group means (gamma incomes) or both group poverty rates must be given.
    """
    means = (white_mean, black_mean)
    rates = (white_poverty, black_poverty)
    if any(v is not None for v in means) and any(v is not None for v in rates):
        raise InputError(
            "give either --white-mean and --black-mean (gamma incomes) or --white-poverty and "
            "--black-poverty (dichotomous), not both"
        )
    if tolerance is not None:
        tolerance = validate_tolerance(tolerance)
    out: dict[str, Any] = {
        "inputs": {
            "white_mean": white_mean,
            "black_mean": black_mean,
            "shape": shape,
            "black_share": black_share,
            "threshold": threshold,
            "tolerance": tolerance,
            "white_poverty": white_poverty,
            "black_poverty": black_poverty,
        },
        "optimal_threshold": None,
        "vmax_continuous": None,
        "vmax_tolerance_approx": None,
        "vmax_three_school": None,
        "notes": [],
    }
    if all(v is not None for v in means):
        if threshold is not None and threshold <= 0:
            raise InputError(f"--threshold must be a positive income in dollars, got {threshold}")
        black = GammaIncome.from_mean(black_mean, shape)
        white = GammaIncome.from_mean(white_mean, shape)
        out["black_scale"], out["white_scale"] = black.scale, white.scale
        out["vmax_continuous"] = vmax_continuous(black, white, black_share)
        if black.scale == white.scale:
            out["notes"].append("equal income distributions: every threshold gives V_max = 1")
            at = threshold if threshold is not None else black.mean
        else:
            out["optimal_threshold"] = optimal_poverty_threshold(black, white)
            at = threshold if threshold is not None else out["optimal_threshold"]
        out["threshold_used"] = at
        black_poverty, white_poverty = float(black.cdf(at)), float(white.cdf(at))
    elif all(v is not None for v in rates):
        if threshold is not None:
            raise InputError("--threshold needs group mean incomes (--white-mean, --black-mean)")
        out["notes"].append(
            "dichotomous input: no income distribution, so no optimal threshold and no "
            "continuous-income bound"
        )
    else:
        raise InputError(
            "give both --white-mean and --black-mean, or both --white-poverty and --black-poverty"
        )
    out["black_poverty"], out["white_poverty"] = black_poverty, white_poverty
    out["vmax_dichotomous"] = vmax_dichotomous(black_poverty, white_poverty)
    if tolerance is not None:
        out["vmax_tolerance_approx"] = vmax_tolerance_approx(
            black_poverty, white_poverty, tolerance
        )
        construction = three_school_construction(
            black_share, black_poverty, white_poverty, tolerance
        )
        out["vmax_three_school"] = construction.value
        out["three_school_schools"] = [
            {
                "school": name,
                "black_poor": s[0, 0],
                "black_nonpoor": s[0, 1],
                "white_poor": s[1, 0],
                "white_nonpoor": s[1, 1],
            }
            for name, s in zip("ABC", construction.schools)
        ]
        if abs(black_share - 0.5) > 1e-9:
            out["notes"].append(
                "the V/(1-2d) approximation is stated for a 50/50 district; "
                "vmax_three_school is the construction at the given black share"
            )
    return out


@click.command()
@click.option("--white-mean", type=float, help="White mean family income (dollars).")
@click.option("--black-mean", type=float, help="Black mean family income (dollars).")
@click.option(
    "--shape",
    type=float,
    default=LITERATURE_SHAPE,
    show_default=True,
    help="Common gamma shape of both groups' incomes.",
)
@click.option(
    "--black-share",
    type=float,
    default=0.5,
    show_default=True,
    help="District Black share pi_b (for the three-school construction).",
)
@click.option(
    "--threshold", type=float, help="Poverty threshold (dollars); the optimal one when omitted."
)
@click.option("--tolerance", type=float, help="Income-balance tolerance d in [0, 0.5).")
@click.option("--white-poverty", type=float, help="White poverty rate (dichotomous input).")
@click.option("--black-poverty", type=float, help="Black poverty rate (dichotomous input).")
@computing
def bounds(as_json: bool, **kwargs: Any) -> None:
    """Closed-form maxima of racial segregation under an income-balance policy.

    Give group mean incomes (gamma model) or group poverty rates (dichotomous).
    """
    result = closed_form_bounds(**kwargs)
    if as_json:
        emit_json(result)
        return
    labels = {
        "optimal_threshold": "optimal poverty threshold ($)",
        "black_poverty": "Black poverty rate",
        "white_poverty": "White poverty rate",
        "vmax_dichotomous": "max V, poverty status, perfect balance",
        "vmax_continuous": "max V, continuous income, perfect balance",
        "vmax_tolerance_approx": "max V, tolerance band (V/(1-2d) approximation)",
        "vmax_three_school": "V of the three-school construction",
    }
    for key, label in labels.items():
        value = result.get(key)
        if value is not None:
            text = f"{value:,.0f}" if key == "optimal_threshold" else f"{value:.4f}"
            click.echo(f"{label:<48} {text}")
    for note in result["notes"]:
        click.echo(f"note: {note}")
