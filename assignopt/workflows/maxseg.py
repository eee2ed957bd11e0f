"""Job ``maxseg``: the true maximum (and minimum) segregation an income-balance policy allows."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from assignopt.errors import InputError
from assignopt.workflows.base import Result, check_output_file
from assignopt.workflows.requests import MaxsegOptions, MaxsegRequest

__all__ = [
    "MaxsegResult",
    "bound_of",
    "default_pair",
    "over_splits",
    "policy_of",
    "population_of",
    "run",
]


@dataclass
class MaxsegResult(Result):
    """The bound (``bound``: a SegregationBound), the minimum, and the witness check."""

    bound: Any = None
    minimum: Any = None
    population: Any = None
    policy: Any = None

    def write(self, folder: str | Path) -> dict[str, Path]:
        """Write the witness schools as ``witness.csv`` into ``folder``."""
        path = Path(folder) / "witness.csv"
        self.bound.witness.table().to_csv(path, index=False)
        self.files = {"witness": path}
        return self.files


def population_of(request: MaxsegRequest) -> tuple[Any, dict[str, Any]]:
    """The population the request describes, and what was used to build it."""
    from assignopt.income import GammaIncome, optimal_poverty_threshold
    from assignopt.population import Population

    if request.counts is not None:
        from assignopt.tables import read_units

        frame = read_units(request.counts)
        if frame.empty:
            raise InputError(f"{request.counts}: the counts table has a header but no rows")
        population = Population.from_long_frame(frame, attribute=request.attribute)
        return population, {"counts": str(request.counts)}
    if request.synthetic is not None:
        from assignopt.workflows.synth import run as synthesize

        return synthesize(request.synthetic).city.population(), {"synthetic": True}
    if request.district is not None:
        from assignopt.spatial.district import read_district

        return read_district(request.district).population(), {"district": str(request.district)}
    if request.white_poverty is not None:
        population = Population.dichotomous(
            request.black_share, request.black_poverty, request.white_poverty
        )
        return population, {
            "black_poverty": request.black_poverty,
            "white_poverty": request.white_poverty,
        }
    black = GammaIncome.from_mean(request.black_mean, request.shape)
    white = GammaIncome.from_mean(request.white_mean, request.shape)
    if request.classes is not None:
        population = Population.gamma(black, white, request.black_share, request.classes)
        return population, {"classes": request.classes}
    at = request.threshold or optimal_poverty_threshold(black, white)
    black_poverty, white_poverty = float(black.cdf(at)), float(white.cdf(at))
    population = Population.dichotomous(request.black_share, black_poverty, white_poverty)
    return population, {
        "threshold_used": at,
        "black_poverty": black_poverty,
        "white_poverty": white_poverty,
    }


def policy_of(options: MaxsegOptions) -> Any:
    """The Policy the options describe."""
    from assignopt.policy import Policy

    return Policy(
        options.tolerance,
        attribute_tolerance=options.attribute_tolerance,
        min_school_share=options.min_school_share,
        max_school_share=options.max_school_share,
    )


def _pair(options: MaxsegOptions) -> dict[str, Any]:
    return {"pair": options.pair} if options.pair is not None else {}


def bound_of(population: Any, options: MaxsegOptions, **extra: Any) -> Any:
    """The maximum bracket (a SegregationBound with its witness) under ``options``."""
    from assignopt.maxseg import maximum_segregation

    return maximum_segregation(
        population,
        policy_of(options),
        options.objective,
        gap=options.gap,
        solver=options.solver,
        method=options.method,
        **_pair(options),
        **extra,
    )


def default_pair(population: Any, options: MaxsegOptions) -> MaxsegOptions:
    """With more than two groups, a two-group objective is between the first two (b and w)."""
    if options.pair is None and options.objective != "R" and len(population.groups) > 2:
        return options.model_copy(update={"pair": tuple(population.groups[:2])})
    return options


def run(request: MaxsegRequest, progress: bool = False, out: Path | None = None) -> MaxsegResult:
    """Compute the maximum bracket, the minimum and the witness check of the request."""
    from assignopt.maxseg import minimum_segregation

    if request.witness is not None:
        check_output_file(request.witness)
    population, used = population_of(request)
    if request.district is not None or request.synthetic is not None:
        request = default_pair(population, request)
    policy = policy_of(request)
    extra: dict[str, Any] = {}
    if request.split == "unknown":
        split = _over_splits(request, policy)
        bound = split.maximum
        extra = split.to_dict()
    else:
        bound = bound_of(population, request)
    low = minimum_segregation(population, policy, request.objective, **_pair(request))
    witness = bound.witness
    problems = policy.violations(witness.schools, witness.population, witness.n_schools)
    if request.witness is not None:
        witness.table().to_csv(request.witness, index=False)
    inputs = {
        k: v
        for k, v in request.model_dump(mode="json").items()
        if v is not None and k in _INPUT_FIELDS
    }
    data = {
        **bound.to_dict(),
        **extra,
        "minimum": low.lower,
        "policy": policy.describe(),
        "groups": list(population.groups),
        "income_classes": list(population.class_labels),
        "inputs": {**inputs, **used, "tolerance": request.tolerance},
        "witness_check": problems or "ok",
        "witness_file": str(request.witness) if request.witness else None,
    }
    return MaxsegResult(data, bound=bound, minimum=low, population=population, policy=policy)


def _over_splits(request: MaxsegRequest, policy: Any) -> Any:
    from assignopt.spatial.district import read_district

    return over_splits(read_district(request.district), request, policy)


def over_splits(district: Any, options: MaxsegOptions, policy: Any = None) -> Any:
    """The maximum over every race x class split with the district's neighborhood margins.

    Each neighborhood's group totals and class totals are kept; how its groups divide among
    the classes is free (a SplitMaximum, with the proportional split's maximum beside it).
    """
    from assignopt.maxseg import maximum_over_splits

    counts = district.counts()
    options = default_pair(district.population(), options)
    return maximum_over_splits(
        counts.sum(axis=2),
        counts.sum(axis=1),
        district.groups,
        district.classes,
        policy if policy is not None else policy_of(options),
        options.objective,
        pair=options.pair,
        units=list(district.neighborhood_ids),
        method="auto" if options.method in ("auto", "extreme") else "bracket",
        gap=options.gap,
        solver=options.solver,
    )


# The request fields echoed under "inputs" (the description of the district).
_INPUT_FIELDS = (
    "counts",
    "district",
    "attribute",
    "white_mean",
    "black_mean",
    "shape",
    "black_share",
    "threshold",
    "classes",
    "white_poverty",
    "black_poverty",
    "pair",
)
