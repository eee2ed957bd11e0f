"""``assignopt maxseg``: the true maximum segregation an income-balance policy allows."""

from __future__ import annotations

from pathlib import Path

import click

from assignopt.cli import computing, emit_json, tolerance_option
from assignopt.errors import InputError
from assignopt.income import LITERATURE_SHAPE, GammaIncome, optimal_poverty_threshold
from assignopt.lp import SOLVERS
from assignopt.maxseg import maximum_segregation, minimum_segregation
from assignopt.policy import Policy
from assignopt.population import Population
from assignopt.tables import read_units


def build_population(
    *,
    counts: Path | None,
    white_mean: float | None,
    black_mean: float | None,
    shape: float,
    black_share: float,
    threshold: float | None,
    classes: int | None,
    white_poverty: float | None,
    black_poverty: float | None,
    attribute: str | None,
) -> tuple[Population, dict]:
    """The population described by the command-line inputs, and what was used to build it."""
    given = [
        counts is not None,
        white_mean is not None or black_mean is not None,
        white_poverty is not None or black_poverty is not None,
    ]
    if sum(given) != 1:
        raise InputError(
            "describe the district one way: --counts FILE, or --white-mean and --black-mean "
            "(gamma incomes), or --white-poverty and --black-poverty (poverty status)"
        )
    if counts is not None:
        frame = read_units(counts)
        return Population.from_long_frame(frame, attribute=attribute), {"counts": str(counts)}
    if white_poverty is not None or black_poverty is not None:
        if white_poverty is None or black_poverty is None:
            raise InputError("give both --white-poverty and --black-poverty")
        pop = Population.dichotomous(black_share, black_poverty, white_poverty)
        return pop, {"black_poverty": black_poverty, "white_poverty": white_poverty}
    if white_mean is None or black_mean is None:
        raise InputError("give both --white-mean and --black-mean")
    black = GammaIncome.from_mean(black_mean, shape)
    white = GammaIncome.from_mean(white_mean, shape)
    if classes is not None:
        return Population.gamma(black, white, black_share, classes), {"classes": classes}
    at = threshold if threshold is not None else optimal_poverty_threshold(black, white)
    if at <= 0:
        raise InputError(f"--threshold must be a positive income in dollars, got {at}")
    pop = Population.dichotomous(black_share, float(black.cdf(at)), float(white.cdf(at)))
    return pop, {
        "threshold_used": at,
        "black_poverty": float(black.cdf(at)),
        "white_poverty": float(white.cdf(at)),
    }


@click.command()
@click.option(
    "--counts",
    type=click.Path(path_type=Path),
    help="CSV of students by cell: columns group, income_class, count "
    "(classes listed poorest first) [and the --attribute column].",
)
@click.option(
    "--attribute",
    default=None,
    help="Column of --counts flagging a second balanced attribute (true/false).",
)
@click.option("--white-mean", type=float, help="White mean family income (dollars).")
@click.option("--black-mean", type=float, help="Black mean family income (dollars).")
@click.option(
    "--shape", type=float, default=LITERATURE_SHAPE, show_default=True, help="Common gamma shape."
)
@click.option(
    "--black-share", type=float, default=0.5, show_default=True, help="District Black share pi_b."
)
@click.option(
    "--threshold",
    type=float,
    help="Poverty threshold (dollars) for poverty status; optimal when omitted.",
)
@click.option(
    "--classes",
    type=int,
    help="Bin the gamma incomes into this many equal-share classes instead of poverty status.",
)
@click.option("--white-poverty", type=float, help="White poverty rate.")
@click.option("--black-poverty", type=float, help="Black poverty rate.")
@tolerance_option
@click.option(
    "--attribute-tolerance", type=float, help="Tolerance on the second attribute's share."
)
@click.option("--min-school-share", type=float, help="Smallest school, share of the district.")
@click.option("--max-school-share", type=float, help="Largest school, share of the district.")
@click.option(
    "--objective",
    type=click.Choice(["V", "H", "D", "R"]),
    default="V",
    show_default=True,
    help="Index to maximize (R: multigroup normalized exposure).",
)
@click.option(
    "--gap",
    type=float,
    default=1e-4,
    show_default=True,
    help="Target width of the certified bracket.",
)
@click.option("--solver", type=click.Choice(list(SOLVERS)), default="highs", show_default=True)
@click.option(
    "--method",
    type=click.Choice(["auto", "extreme", "colgen", "bracket"]),
    default="auto",
    show_default=True,
)
@click.option(
    "--witness",
    "witness_path",
    type=click.Path(path_type=Path),
    help="Write the witness schools as CSV.",
)
@computing
def maxseg(
    as_json: bool,
    tolerance: float,
    attribute_tolerance: float | None,
    min_school_share: float | None,
    max_school_share: float | None,
    objective: str,
    gap: float,
    solver: str,
    method: str,
    witness_path: Path | None,
    **inputs,
) -> None:
    """Maximum (and minimum) segregation any set of schools can have under a policy."""
    population, used = build_population(**inputs)
    policy = Policy(
        tolerance,
        attribute_tolerance=attribute_tolerance,
        min_school_share=min_school_share,
        max_school_share=max_school_share,
    )
    result = maximum_segregation(
        population, policy, objective, gap=gap, solver=solver, method=method
    )
    low = minimum_segregation(population, policy, objective)
    problems = policy.violations(result.witness.schools, population, result.witness.n_schools)
    if witness_path is not None:
        result.witness.table().to_csv(witness_path, index=False)
    payload = {
        **result.to_dict(),
        "minimum": low.lower,
        "policy": policy.describe(),
        "groups": list(population.groups),
        "income_classes": list(population.class_labels),
        "inputs": {
            **{k: v for k, v in inputs.items() if v is not None},
            **used,
            "tolerance": tolerance,
        },
        "witness_check": problems or "ok",
        "witness_file": str(witness_path) if witness_path else None,
    }
    if as_json:
        emit_json(payload)
        return
    click.echo(f"policy: {payload['policy']}")
    click.echo(
        f"possible {objective}: between {low.lower:.4f} and "
        f"{result.upper:.6f} (maximum bracket [{result.lower:.6f}, {result.upper:.6f}])"
    )
    click.echo(
        f"method: {result.method}; solver {result.solver}, status {result.status}, "
        f"{result.seconds:.2f} s"
    )
    click.echo(
        f"witness: {len(result.witness.schools)} school types; policy check: "
        f"{'ok' if not problems else '; '.join(problems)}"
    )
    if witness_path is not None:
        click.echo(f"wrote {witness_path}")
