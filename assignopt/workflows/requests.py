"""Typed requests: one per job, validated once for the command line, scenario files and Python.

Every way in builds one of these models; a request that does not validate raises
:class:`RequestError`, whose ``problems`` name the *field* (``tolerance``, ``travel_cap_km``).
The command line and the scenario loader translate field names into their own words (a flag,
or a key with its line), so the core never sees either.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, ClassVar, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from assignopt.defaults import LITERATURE_SHAPE
from assignopt.errors import InputError
from assignopt.solver_names import ASSIGNMENT_SOLVERS, LP_SOLVERS

__all__ = [
    "AssignOptions",
    "AssignRequest",
    "BoundsRequest",
    "ChoiceOptions",
    "ChoiceRequest",
    "DistrictSource",
    "DistrictsRequest",
    "FiguresRequest",
    "IndexRequest",
    "MaxsegOptions",
    "MaxsegRequest",
    "PreferenceOptions",
    "Request",
    "RequestError",
    "SweepRequest",
    "SynthRequest",
    "VerifyRequest",
    "ZonesRequest",
    "build",
]

Tolerance = Annotated[float, Field(ge=0.0, lt=0.5, allow_inf_nan=False)]
Rate = Annotated[float, Field(ge=0.0, le=1.0, allow_inf_nan=False)]
Share = Annotated[float, Field(gt=0.0, lt=1.0, allow_inf_nan=False)]
Positive = Annotated[float, Field(gt=0.0, allow_inf_nan=False)]
Dollars = Annotated[float, Field(gt=0.0, allow_inf_nan=False)]


class RequestError(InputError):
    """A request that does not validate; ``problems`` holds ``(field, message)`` pairs."""

    def __init__(self, job: str, problems: list[tuple[str, str]], fields: tuple[str, ...] = ()):
        self.job = job
        self.problems = problems
        self.fields = fields
        super().__init__(self.render(lambda field: field))

    def render(self, name_of: Callable[[str], str]) -> str:
        """The message with every field named by ``name_of(field)`` (a flag, a TOML key).

        Fields named inside a message as ``{field}`` (``give both {white_mean} and
        {black_mean}``) are renamed too.
        """

        def rename(text: str) -> str:
            return re.sub(r"\{(\w+)\}", lambda m: name_of(m.group(1)), text)

        return "; ".join(
            f"{name_of(field)}: {rename(message)}" if field else rename(message)
            for field, message in self.problems
        )


def _split_list(value: Any) -> Any:
    """``"black, white"`` -> ``["black", "white"]``; lists pass through."""
    if isinstance(value, str):
        return [part.strip() for part in value.split(",") if part.strip()]
    return value


class Request(BaseModel):
    """Base of every request: unknown fields are refused, values are checked once."""

    model_config = ConfigDict(
        extra="forbid", frozen=True, arbitrary_types_allowed=True, defer_build=True
    )
    job: ClassVar[str] = ""


class IndexRequest(Request):
    """Segregation indices of a table of units (``assignopt index``)."""

    job: ClassVar[str] = "index"
    table: Path
    groups: Annotated[list[str], Field(min_length=2)]
    by: str | None = None
    layer: str | None = None

    _split = field_validator("groups", mode="before")(_split_list)


class BoundsRequest(Request):
    """The literature's closed forms (``assignopt bounds``)."""

    job: ClassVar[str] = "bounds"
    white_mean: Dollars | None = None
    black_mean: Dollars | None = None
    shape: Positive = LITERATURE_SHAPE
    black_share: Share = 0.5
    threshold: Dollars | None = None
    tolerance: Tolerance | None = None
    white_poverty: Rate | None = None
    black_poverty: Rate | None = None

    @model_validator(mode="after")
    def _one_description(self) -> BoundsRequest:
        means = (self.white_mean, self.black_mean)
        rates = (self.white_poverty, self.black_poverty)
        if any(v is not None for v in means) and any(v is not None for v in rates):
            raise ValueError(
                "give either {white_mean} and {black_mean} (gamma incomes) or {white_poverty} and "
                "{black_poverty} (poverty status), not both"
            )
        for pair, names in (
            (means, "white_mean and black_mean"),
            (rates, "white_poverty and black_poverty"),
        ):
            if sum(v is not None for v in pair) == 1:
                raise ValueError(f"give both {names}")
        if all(v is None for v in (*means, *rates)):
            raise ValueError(
                "describe the district: {white_mean} and {black_mean} (gamma incomes) or "
                "{white_poverty} and {black_poverty} (poverty status)"
            )
        return self


class SynthRequest(Request):
    """One seeded synthetic city (``assignopt synth``).

    Either the realized segregation (``residential_v`` and the within-race income V of each
    group, met exactly) or the blend weights of the sorted patterns (``racial_segregation``,
    ``income_segregation``).
    """

    job: ClassVar[str] = "synth"
    grid: Annotated[int, Field(ge=2, le=500)] = 10
    racial_segregation: Rate = 0.5
    income_segregation: Rate = 0.5
    residential_v: Rate | None = None
    income_v_black: Rate | None = None
    income_v_white: Rate | None = None
    noise: Annotated[float, Field(ge=0.0, le=1.0)] = 0.3
    income_axis: Literal["independent", "aligned"] = "independent"
    black_share: Share = 0.4
    black_poverty: Rate = 0.4
    white_poverty: Rate = 0.15
    schools: Annotated[int, Field(ge=1)] = 9
    seed: int = 0

    @model_validator(mode="after")
    def _one_kind_of_knob(self) -> SynthRequest:
        blend = {"racial_segregation", "income_segregation"} & self.model_fields_set
        realized = {"residential_v", "income_v_black", "income_v_white"} & self.model_fields_set
        if blend and realized:
            raise ValueError(
                "give the city's realized segregation ({residential_v}, {income_v_black}, "
                "{income_v_white}) or the blend weights ({racial_segregation}, "
                "{income_segregation}), not both"
            )
        if realized and self.residential_v is None:
            raise ValueError("{income_v_black} and {income_v_white} need {residential_v}")
        return self


class MaxsegOptions(Request):
    """The policy and method of a maximum, shared by ``maxseg``, scenario files and Python."""

    job: ClassVar[str] = "maxseg"
    tolerance: Tolerance = 0.0
    attribute_tolerance: Tolerance | None = None
    min_school_share: Share | None = None
    max_school_share: Annotated[float, Field(gt=0.0, le=1.0)] | None = None
    objective: Literal["V", "H", "D", "R"] = "V"
    pair: tuple[str, str] | None = None
    gap: Annotated[float, Field(gt=0.0, lt=1.0)] = 1e-4
    solver: Literal[LP_SOLVERS] = "highs"  # type: ignore[valid-type]
    method: Literal["auto", "extreme", "colgen", "bracket"] = "auto"

    @field_validator("pair", mode="before")
    @classmethod
    def _pair(cls, value: Any) -> Any:
        value = _split_list(value)
        if isinstance(value, list) and len(value) != 2:
            raise ValueError(f"name exactly two groups, e.g. black,white (got {value})")
        return value


class MaxsegRequest(MaxsegOptions):
    """The true maximum (and minimum) segregation a policy allows (``assignopt maxseg``)."""

    counts: Path | None = None
    district: Path | None = None
    synthetic: SynthRequest | None = None
    attribute: str | None = None
    white_mean: Dollars | None = None
    black_mean: Dollars | None = None
    shape: Positive = LITERATURE_SHAPE
    black_share: Share = 0.5
    threshold: Dollars | None = None
    classes: Annotated[int, Field(ge=2)] | None = None
    white_poverty: Rate | None = None
    black_poverty: Rate | None = None
    split: Literal["proportional", "unknown"] = "proportional"
    witness: Path | None = None

    @model_validator(mode="after")
    def _one_description(self) -> MaxsegRequest:
        given = [
            self.counts is not None or self.district is not None or self.synthetic is not None,
            self.white_mean is not None or self.black_mean is not None,
            self.white_poverty is not None or self.black_poverty is not None,
        ]
        files = sum(v is not None for v in (self.counts, self.district, self.synthetic))
        if sum(given) != 1 or files > 1:
            raise ValueError(
                "describe the district one way: {counts} (a table of cells), {district} (a "
                "district file), {white_mean} and {black_mean} (gamma incomes), or "
                "{white_poverty} and {black_poverty} (poverty status)"
            )
        if sum(v is not None for v in (self.white_mean, self.black_mean)) == 1:
            raise ValueError("give both {white_mean} and {black_mean}")
        if sum(v is not None for v in (self.white_poverty, self.black_poverty)) == 1:
            raise ValueError("give both {white_poverty} and {black_poverty}")
        if self.split == "unknown" and self.district is None:
            raise ValueError("{split} 'unknown' needs a district file ({district})")
        if self.attribute is not None and self.counts is None:
            raise ValueError("{attribute} names a column of the counts table ({counts})")
        return self


class DistrictSource(Request):
    """Where a spatial job's district comes from: a district file or a synthetic city.

    Exactly one; a district file may come with a schools file, groups and income classes.
    """

    district: Path | None = None
    synthetic: SynthRequest | None = None
    schools: Path | None = None
    groups: list[str] | None = None
    classes: Annotated[list[str], Field(min_length=1)] = ["poor", "nonpoor"]

    _split = field_validator("groups", "classes", mode="before")(_split_list)

    @model_validator(mode="after")
    def _one_source(self) -> DistrictSource:
        if (self.district is None) == (self.synthetic is None):
            raise ValueError("give the district: a district file ({district}) or a synthetic city")
        return self


class AssignOptions(Request):
    """Options of the spatial assignment, shared by ``assign``, scenario files and Python."""

    job: ClassVar[str] = "assign"
    tolerance: Tolerance = 0.0
    solver: Literal[ASSIGNMENT_SOLVERS] = "highs"  # type: ignore[valid-type]
    fixed_enrolment: bool = False
    integer: bool = False
    travel_cap_km: Positive | None = None
    extra_km_cap: Positive | None = None
    time_limit: Positive | None = None
    points: Literal["representative", "centroid"] = "representative"
    road_network: Path | None = None
    possible: bool = True
    split_range: bool = False
    split_time_limit: Positive = 60.0


class AssignRequest(AssignOptions, DistrictSource):
    """Assign a district's students (``assignopt assign``): a district file or a synthetic city."""


class DistrictsRequest(Request):
    """Bounds for every district of a table of schools (``assignopt districts``).

    The NCES EDGE school file is recognised by its columns (district ``LEAID``, poor
    ``TOTFRL``, every race column); for other tables ``district`` defaults to ``district``,
    ``poor`` to ``poor`` and ``groups`` to ``black, white``.
    """

    job: ClassVar[str] = "districts"
    schools: Path
    groups: Annotated[list[str], Field(min_length=2)] | None = None
    district: str | None = None
    poor: str | None = None
    school: str | None = None
    tolerance: Tolerance = 0.0
    relative_tolerance: Annotated[float, Field(gt=0.0, lt=1.0, allow_inf_nan=False)] | None = None
    solver: Literal[LP_SOLVERS] = "highs"  # type: ignore[valid-type]
    workers: Annotated[int, Field(ge=1)] | None = None
    scheduler: str | None = None
    scheduler_timeout: Annotated[float, Field(gt=0.0)] = 5.0
    figure6: bool = False

    _split = field_validator("groups", mode="before")(_split_list)

    @model_validator(mode="after")
    def _one_tolerance(self) -> DistrictsRequest:
        if self.relative_tolerance is not None and "tolerance" in self.model_fields_set:
            raise ValueError("give {tolerance} or {relative_tolerance}, not both")
        return self


def _pairs(value: Any) -> Any:
    """``"0/0,0.12/0.09"`` -> ``[(0, 0), (0.12, 0.09)]`` (Black/White pairs)."""
    if isinstance(value, str):
        pairs = []
        for part in _split_list(value):
            black, sep, white = part.partition("/")
            if not sep:
                raise ValueError(f"write each pair as BLACK/WHITE, e.g. 0.12/0.09 (got {part!r})")
            pairs.append((black.strip(), white.strip()))
        return pairs
    return value


class SweepRequest(Request):
    """The residential experiment (``assignopt sweep-residential``).

    Cities are built to the realized residential racial V and the within-race income V of
    each group; ``levels`` replaces ``residential_v`` by that many evenly spaced values from
    0.1 to 1.0.
    """

    job: ClassVar[str] = "sweep"
    tolerance: Tolerance
    residential_v: Annotated[list[Rate], Field(min_length=1)] = [
        0.1,
        0.2,
        0.31,
        0.45,
        0.62,
        0.8,
        1.0,
    ]
    income_v: Annotated[list[tuple[Rate, Rate]], Field(min_length=1)] = [
        (0.0, 0.0),
        (0.06, 0.045),
        (0.12, 0.09),
        (0.24, 0.18),
        (0.5, 0.5),
        (0.9, 0.9),
    ]
    levels: Annotated[int, Field(ge=1, le=50)] | None = None
    arrangements: Annotated[list[Literal["independent", "aligned"]], Field(min_length=1)] = [
        "independent",
        "aligned",
    ]
    noise: Annotated[list[Annotated[float, Field(ge=0.0, le=1.0)]], Field(min_length=1)] = [
        0.1,
        0.3,
    ]
    schools: Annotated[list[Annotated[int, Field(ge=1)]], Field(min_length=1)] = [9]
    seeds: Annotated[int, Field(ge=1)] = 20
    grid: Annotated[int, Field(ge=2, le=200)] = 10
    black_share: Share = 0.4
    black_poverty: Rate = 0.4
    white_poverty: Rate = 0.15
    tie_break: Annotated[float, Field(ge=0.0)] = 1e-3

    _split = field_validator("residential_v", "arrangements", "noise", "schools", mode="before")(
        _split_list
    )
    _split_pairs = field_validator("income_v", mode="before")(_pairs)


class VerifyRequest(Request):
    """The closed forms against the linear programs (``assignopt verify``)."""

    job: ClassVar[str] = "verify"
    quick: bool = False
    docs: list[Path] = []


class FiguresRequest(Request):
    """The literature's two figures (``assignopt figures``)."""

    job: ClassVar[str] = "figures"


def _problems(exc: ValidationError) -> list[tuple[str, str]]:
    problems = []
    for error in exc.errors(include_url=False):
        field = ".".join(str(p) for p in error["loc"] if not isinstance(p, int))
        message = error["msg"]
        if message.startswith("Value error, "):
            message = message[len("Value error, ") :]
        if error["type"] == "extra_forbidden":
            message = "unknown option"
        elif "input" in error and error["type"] not in ("missing",) and field:
            message = f"{message[0].lower()}{message[1:]} (got {error['input']!r})"
        problems.append((field, message))
    return problems


def build(model: type[Request], **values: Any) -> Request:
    """``model(**values)`` with validation errors raised as :class:`RequestError`.

    ``None`` values are dropped so that an option left out takes the model's default.
    """
    values = {k: v for k, v in values.items() if v is not None}
    try:
        return model(**values)
    except ValidationError as exc:
        raise RequestError(model.job, _problems(exc), tuple(model.model_fields)) from None


# --- controlled choice ------------------------------------------------------------------------

Coefficient = Annotated[float, Field(allow_inf_nan=False)]
#: One number for every group, or one per group: a list in the district's group order or a
#: table by group name.
PerGroup = Coefficient | list[Coefficient] | dict[str, Coefficient]


class PreferenceOptions(Request):
    """Families' logit preferences over schools (a preferences file, or inline).

    Every field left out takes the default of :class:`assignopt.choice.LogitPreferences`.
    Schools and groups are named as written in the district's files.
    """

    job: ClassVar[str] = "choice"
    distance_coefficient: PerGroup | None = None
    own_group_share_coefficient: PerGroup | None = None
    school_effects: dict[str, Coefficient] | None = None
    school_effects_by_group: dict[str, dict[str, Coefficient]] | None = None
    noise_scale: Annotated[float, Field(ge=0.0, allow_inf_nan=False)] | None = None

    @field_validator("distance_coefficient", "own_group_share_coefficient", mode="before")
    @classmethod
    def _per_group(cls, value: Any) -> Any:
        if isinstance(value, bool) or not isinstance(value, int | float | list | tuple | dict):
            raise ValueError(
                "give one number, a list with one number per group, or a table of numbers by "
                f"group name (got {value!r})"
            )
        return value


class ChoiceOptions(PreferenceOptions):
    """The lotteries of controlled choice, shared by ``choice`` and a scenario's ``[choice]``."""

    draws: Annotated[int, Field(ge=1)] = 100
    seed: Annotated[int, Field(ge=0)] = 0
    preferences: Path | None = None
    reserve: Literal["band", "minimum", "none"] = "band"
    list_length: Annotated[int, Field(ge=1)] | None = None
    points: Literal["point", "polygon"] = "point"
    workers: Annotated[int, Field(ge=1)] | None = None
    scheduler: str | None = None


class ChoiceRequest(ChoiceOptions, DistrictSource):
    """Controlled choice with income reserves in a district (``assignopt choice``)."""

    tolerance: Tolerance


class ZonesRequest(DistrictSource):
    """Contiguous attendance zones under an income band (``assignopt zones``)."""

    job: ClassVar[str] = "zones"
    tolerance: Tolerance = 0.0
    max_moved: Annotated[float, Field(ge=0.0, le=1.0, allow_inf_nan=False)] | None = None
    compactness: Annotated[float, Field(ge=0.0, allow_inf_nan=False)] = 0.0
    time_limit: Positive | None = None
    gap: Annotated[float, Field(gt=0.0, lt=1.0)] = 1e-4
    solver: Literal["highs", "ortools"] = "highs"
    ensemble: Annotated[int, Field(ge=0, le=10_000)] = 0
    ensemble_slack: Annotated[float, Field(gt=0.0, le=1.0)] = 0.02
    seed: int = 0
    contiguity: Literal["queen", "rook"] = "queen"
    nearest: Annotated[int, Field(ge=1)] = 6
    zone_column: str = "zone"
    travel_cap_km: Positive | None = None
    extra_km_cap: Positive | None = None
    points: Literal["representative", "centroid"] = "representative"
    road_network: Path | None = None
    possible: bool = True
