"""``assignopt bounds``: the literature's closed forms for given incomes or poverty rates."""

from __future__ import annotations

from typing import Any

import click

from assignopt.commands.common import build_request, computing, emit_json, execute
from assignopt.defaults import LITERATURE_SHAPE

LABELS = {
    "optimal_threshold": "optimal poverty threshold ($)",
    "black_poverty": "Black poverty rate",
    "white_poverty": "White poverty rate",
    "vmax_dichotomous": "max V, poverty status, perfect balance",
    "vmax_continuous": "max V, continuous income, perfect balance",
    "vmax_tolerance_approx": "max V, tolerance band (V/(1-2d) approximation)",
    "vmax_three_school": "V of the three-school construction",
}


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
    result = execute(build_request("BoundsRequest", **kwargs), None, as_json).to_dict()
    if as_json:
        emit_json(result)
        return
    for key, label in LABELS.items():
        value = result.get(key)
        if value is not None:
            text = f"{value:,.0f}" if key == "optimal_threshold" else f"{value:.4f}"
            click.echo(f"{label:<48} {text}")
    for note in result["notes"]:
        click.echo(f"note: {note}")
