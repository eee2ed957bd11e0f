"""Scenario model files (TOML): a list of requests plus report settings.

A scenario names its data (a district GeoPackage, a synthetic city, the gamma income model, group
poverty rates, or a table of schools), its policies (tolerances), its methods and its outputs.
The file is checked by the same request models as the command line (one validation), and every
mistake is reported with its key, its line in the file and the fix; ``load_scenario`` returns
the :class:`Scenario` with its requests, which :func:`assignopt.workflows.scenario.run_scenario`
runs and hands to the report.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any

import tomllib
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from assignopt.errors import InputError
from assignopt.solver_names import ASSIGNMENT_SOLVERS
from assignopt.workflows.requests import (
    AssignOptions,
    AssignRequest,
    BoundsRequest,
    ChoiceOptions,
    DistrictsRequest,
    Dollars,
    FiguresRequest,
    MaxsegRequest,
    Positive,
    Rate,
    Request,
    Share,
    SynthRequest,
    VerifyRequest,
    ZonesRequest,
)

__all__ = ["Scenario", "load_scenario", "scenario_requests"]

DATA_KINDS = ("district", "synthetic", "gamma", "poverty", "schools_table")
METHODS = ("closed_forms", "lp", "reassignment", "spatial", "figures", "verify", "districts")
# Methods each kind of data runs unless the file says otherwise.
DEFAULT_METHODS = {
    "district": ("spatial", "lp", "reassignment", "closed_forms"),
    "synthetic": ("spatial", "lp", "reassignment", "closed_forms"),
    "gamma": ("closed_forms", "lp"),
    "poverty": ("closed_forms", "lp"),
    "schools_table": ("districts",),
}
# The methods that mean something for each kind of data.
KIND_METHODS = {
    "district": ("spatial", "lp", "reassignment", "closed_forms"),
    "synthetic": ("spatial", "lp", "reassignment", "closed_forms"),
    "gamma": ("closed_forms", "lp", "figures", "verify"),
    "poverty": ("closed_forms", "lp", "figures", "verify"),
    "schools_table": ("districts",),
}


class _Table(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class _ScenarioSection(_Table):
    name: str | None = None
    description: str = ""


class _Gamma(_Table):
    white_mean: Dollars
    black_mean: Dollars
    shape: Positive = 1.56
    black_share: Share = 0.5
    classes: Annotated[int, Field(ge=2)] | None = None


class _Poverty(_Table):
    white: Rate
    black: Rate
    black_share: Share = 0.5


class _Synthetic(SynthRequest):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class _Data(_Table):
    district: str | None = None
    schools_table: str | None = None
    groups: list[str] | None = None
    classes: list[str] | None = None
    gamma: _Gamma | None = None
    poverty: _Poverty | None = None
    synthetic: _Synthetic | None = None


def _tolerance(value: float) -> float:
    if not 0.0 <= value < 0.5:
        raise ValueError(f"{value} is outside [0, 0.5)")
    return value


class _Policy(_Table):
    tolerances: Annotated[list[float], Field(min_length=1)] = [0.0]

    @field_validator("tolerances")
    @classmethod
    def _in_range(cls, values: list[float]) -> list[float]:
        return [_tolerance(v) for v in values]


class _Methods(_Table):
    closed_forms: bool | None = None
    lp: bool | None = None
    reassignment: bool | None = None
    spatial: bool | None = None
    figures: bool | None = None
    verify: bool | None = None
    districts: bool | None = None


class _Outputs(_Table):
    title: str | None = None
    map: bool = True


class _Assignment(AssignOptions):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)
    road_network: str | None = None  # type: ignore[assignment]

    @field_validator("tolerance", "possible")
    @classmethod
    def _elsewhere(cls, value: Any, info: Any) -> Any:
        where = {"tolerance": "[policy].tolerances", "possible": "[methods].lp"}[info.field_name]
        raise ValueError(f"set in {where}, not in [assignment]")


class _Choice(ChoiceOptions):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)
    preferences: str | None = None  # type: ignore[assignment]


class _Zones(ZonesRequest):
    """``[zones]``: contiguous attendance zones for every tolerance (the zones job's options)."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)

    @field_validator(
        "district",
        "synthetic",
        "schools",
        "groups",
        "classes",
        "tolerance",
        "possible",
        "travel_cap_km",
        "extra_km_cap",
        "points",
        "road_network",
    )
    @classmethod
    def _elsewhere(cls, value: Any, info: Any) -> Any:
        where = {"tolerance": "[policy].tolerances", "possible": "[methods].lp"}.get(
            info.field_name, "[data] or [assignment]"
        )
        raise ValueError(f"set in {where}, not in [zones]")

    def _one_source(self) -> _Zones:  # the data come from [data]
        return self


class _ScenarioFile(_Table):
    scenario: _ScenarioSection = _ScenarioSection()
    data: _Data = _Data()
    policy: _Policy = _Policy()
    methods: _Methods = _Methods()
    outputs: _Outputs = _Outputs()
    assignment: _Assignment = _Assignment()
    choice: _Choice | None = None
    zones: _Zones | None = None


@dataclass(frozen=True)
class Scenario:
    """A validated scenario: its requests plus what the report needs.

    Attributes
    ----------
    path : Path
        The model file (relative data paths are resolved against its folder).
    name, description : str
        Shown in the report.
    data_kind : str
        One of ``district``, ``synthetic``, ``gamma``, ``poverty``, ``schools_table``.
    data : dict
        The ``[data]`` table (paths resolved).
    tolerances : tuple of float
        Policies to compare.
    methods : dict
        Which methods run.
    outputs : dict
        Output options (``title``, ``map``).
    assignment : dict
        The ``[assignment]`` keys that were given, as keyword arguments of
        :func:`assignopt.spatial.assign.assign_district`.
    options : AssignOptions
        The spatial assignment's validated options (without the tolerance).
    requests : tuple of Request
        What the scenario runs: for a district or synthetic city one assignment per tolerance;
        for income models the closed forms and maxima per tolerance, and the figures and the
        verification when asked; for a table of schools one districts run per tolerance.
    choice : ChoiceOptions, optional
        The ``[choice]`` table (its preferences file resolved): controlled-choice lotteries
        at every tolerance beside the assignments.
    """

    path: Path
    name: str
    description: str
    data_kind: str
    data: dict
    tolerances: tuple[float, ...]
    methods: dict
    outputs: dict
    assignment: dict = field(default_factory=dict)
    options: AssignOptions = field(default_factory=AssignOptions)
    requests: tuple[Request, ...] = ()
    choice: ChoiceOptions | None = None
    zones: dict | None = None


# --- where a mistake is ---------------------------------------------------------------------


def _sections(text: str) -> list[tuple[str, int, int]]:
    """``(name, start, end)`` character spans of every ``[section]`` of the file."""
    headers = list(re.finditer(r"^[ \t]*\[\s*([^\]\s]+)\s*\]", text, re.M))
    spans = []
    for k, match in enumerate(headers):
        end = headers[k + 1].start() if k + 1 < len(headers) else len(text)
        spans.append((match.group(1), match.start(), end))
    return spans


def _line_at(text: str, position: int) -> str:
    return f"line {text[:position].count(chr(10)) + 1}"


def _line_of(text: str, path: tuple[str, ...]) -> str:
    """The line of the key at ``path`` (section first), searched inside its own section."""
    if not path:
        return "(line unknown)"
    spans = [s for s in _sections(text) if s[0] == path[0]]
    if not spans:
        return "(line unknown)"
    name, start, end = spans[0]
    if len(path) == 1:
        return _line_at(text, start)
    position = start
    for key in path[1:]:
        pattern = re.compile(rf"(?:^|[{{,])\s*{re.escape(key)}\s*=", re.M)
        match = pattern.search(text, position, end)
        if match is None:
            break
        position = match.start() + (1 if text[match.start()] in "{," else 0)
    return _line_at(text, position)


def _did_you_mean(word: str, choices: Any, style: str) -> str:
    """``"; did you mean X?"`` with the closest of ``choices`` (formatted by ``style``), or ""."""
    close = difflib.get_close_matches(word, list(choices), n=1)
    return f"; did you mean {style.format(close[0])}?" if close else ""


_TYPE_NAMES = {
    "list_type": "list",
    "float_type": "float",
    "float_parsing": "float",
    "int_type": "int",
    "int_parsing": "int",
    "bool_type": "bool",
    "string_type": "str",
    "dict_type": "a table",
    "model_type": "a table",
    "model_attributes_type": "a table",
}


def _message(error: dict, where: str, text: str) -> str:
    """One pydantic error as the file's words: the key, its line and the fix."""
    loc = tuple(str(p) for p in error["loc"] if not isinstance(p, int))
    index = [p for p in error["loc"] if isinstance(p, int)]
    kind, value = error["type"], error.get("input")
    line = _line_of(text, loc)
    key = ".".join(loc[1:]) if len(loc) > 1 else loc[0] if loc else ""
    at = f"{where} [{loc[0]}].{key}" if len(loc) > 1 else where
    ctx = error.get("ctx", {})
    if kind == "extra_forbidden":
        if len(loc) == 1:
            hint = _did_you_mean(loc[0], _ScenarioFile.model_fields, "[{}]")
            return f"{where}: unknown section [{loc[0]}] at {line}{hint}"
        model = _model_at(loc[:-1])
        allowed = list(model.model_fields) if model else []
        hint = _did_you_mean(loc[-1], allowed, "{!r}")
        parent = f"{where} [{loc[0]}]" + (f".{'.'.join(loc[1:-1])}" if len(loc) > 2 else "")
        return f"{parent}: unknown key {loc[-1]!r} at {line}{hint} (allowed: {', '.join(allowed)})"
    if kind in _TYPE_NAMES:
        item = f" item {index[0] + 1}" if index else ""
        return (
            f"{at}{item} at {line} must be {_TYPE_NAMES[kind]}, got {type(value).__name__} "
            f"{value!r}"
        )
    if kind == "literal_error" and loc[-1] == "solver":
        hint = _did_you_mean(str(value), ASSIGNMENT_SOLVERS, "{!r}")
        return (
            f"{at} at {line}: unknown solver {value!r}{hint} "
            f"(allowed: {', '.join(ASSIGNMENT_SOLVERS)})"
        )
    if kind == "literal_error":
        return f"{at} at {line} must be {ctx.get('expected')}, got {value!r}"
    if kind == "greater_than" and ctx.get("gt") == 0:
        return f"{at} at {line} must be positive, got {value}"
    if kind == "value_error":
        return f"{at} at {line}: {str(ctx.get('error', error['msg']))}"
    return f"{at} at {line}: {error['msg'].lower()} (got {value!r})"


def _model_at(path: tuple[str, ...]) -> type[BaseModel] | None:
    model: Any = _ScenarioFile
    for key in path:
        info = model.model_fields.get(key)
        if info is None:
            return None
        annotation = info.annotation
        args = getattr(annotation, "__args__", ())
        candidates = [a for a in (annotation, *args) if isinstance(a, type)]
        model = next((c for c in candidates if issubclass(c, BaseModel)), None)
        if model is None:
            return None
    return model


def scenario_requests(scenario: Any) -> tuple[Request, ...]:
    """The requests a scenario runs, in order.

    - district or synthetic city: one :class:`AssignRequest` per tolerance (its possible
      interval when ``lp``), or with ``spatial = false`` one :class:`MaxsegRequest` per
      tolerance (the possible interval of the named pair over the whole district);
    - gamma incomes or poverty rates: a :class:`BoundsRequest` and, with ``lp``, a
      :class:`MaxsegRequest` per tolerance; then :class:`FiguresRequest` and
      :class:`VerifyRequest` when asked;
    - a table of schools: one :class:`DistrictsRequest` per tolerance.
    """
    data, methods, kind = scenario.data, scenario.methods, scenario.data_kind
    out: list[Request] = []
    if kind in ("district", "synthetic"):
        source: dict[str, Any]
        if kind == "district":
            source = {"district": Path(data["district"])}
        else:
            source = {"synthetic": SynthRequest(**data["synthetic"])}
        options = scenario.options.model_dump(exclude={"tolerance", "possible"})
        for tol in scenario.tolerances:
            if methods["spatial"]:
                out.append(
                    AssignRequest(
                        **source,
                        **options,
                        groups=data.get("groups"),
                        classes=data.get("classes", ["poor", "nonpoor"]),
                        tolerance=tol,
                        possible=methods["lp"],
                    )
                )
            elif methods["lp"] or methods["closed_forms"]:
                out.append(MaxsegRequest(**source, tolerance=tol))
        zones = getattr(scenario, "zones", None)
        if zones is not None and methods["spatial"]:
            reach = scenario.options.model_dump(
                include={"travel_cap_km", "extra_km_cap", "points", "road_network"}
            )
            for tol in scenario.tolerances:
                out.append(
                    ZonesRequest(
                        **source,
                        **reach,
                        **zones,
                        groups=data.get("groups"),
                        classes=data.get("classes", ["poor", "nonpoor"]),
                        tolerance=tol,
                        possible=methods["lp"],
                    )
                )
        return tuple(out)
    if kind == "schools_table":
        if methods["districts"]:
            groups = data.get("groups", ["black", "white"])
            for tol in scenario.tolerances:
                out.append(
                    DistrictsRequest(
                        schools=Path(data["schools_table"]), groups=groups, tolerance=tol, workers=1
                    )
                )
        return tuple(out)
    if kind == "gamma":
        g = data["gamma"]
        base = {k: g[k] for k in ("white_mean", "black_mean", "shape", "black_share") if k in g}
        lp_base = {**base, "classes": g["classes"]} if "classes" in g else base
    else:
        p = data["poverty"]
        base = {"white_poverty": p["white"], "black_poverty": p["black"]}
        base["black_share"] = p.get("black_share", 0.5)
        lp_base = base
    for tol in scenario.tolerances:
        out.append(BoundsRequest(**base, tolerance=tol))
        if methods["lp"]:
            out.append(MaxsegRequest(**lp_base, tolerance=tol))
    if methods["figures"]:
        out.append(FiguresRequest())
    if methods["verify"]:
        out.append(VerifyRequest())
    return tuple(out)


# --- loading ----------------------------------------------------------------------------------


def _resolve(path: Path, value: str, where: str, key: str, text: str, section: str) -> str:
    resolved = (path.parent / value).resolve()
    if not resolved.exists():
        raise InputError(
            f"{where} [{section}].{key} at {_line_of(text, (section, key))}: file {value!r} not "
            f"found (looked for {resolved}); paths are relative to the scenario file"
        )
    return str(resolved)


def load_scenario(path: str | Path) -> Scenario:
    """Read and validate a scenario model file.

    Raises
    ------
    InputError
        For a file that is missing, not UTF-8 or not TOML, unknown sections or keys (with the
        closest allowed one), wrong types, a missing or ambiguous data source, bad tolerances,
        methods that do not apply to the data, or missing data files; each message names the
        key and its line.
    """
    path = Path(path)
    if not path.is_file():
        raise InputError(f"{path}: no such scenario file")
    try:
        text = path.read_bytes().decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(
            f"{path}: not a UTF-8 text file (byte {exc.start}); save it as UTF-8"
        ) from None
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise InputError(f"{path}: not valid TOML ({exc})") from None
    where = path.name
    try:
        model = _ScenarioFile.model_validate(raw)
    except ValidationError as exc:
        first = exc.errors(include_url=False)[0]
        raise InputError(_message(first, where, text)) from None
    data = model.data.model_dump(exclude_none=True)
    kinds = [k for k in DATA_KINDS if k in data]
    if len(kinds) != 1:
        raise InputError(
            f"{where} [data]: give exactly one of {', '.join(DATA_KINDS)} "
            f"(found {', '.join(kinds) or 'none'})"
        )
    kind = kinds[0]
    for key in ("district", "schools_table"):
        if key in data:
            data[key] = _resolve(path, data[key], where, key, text, "data")
    methods = {m: m in DEFAULT_METHODS[kind] for m in METHODS}
    given = model.methods.model_dump(exclude_none=True)
    for method, on in given.items():
        if on and method not in KIND_METHODS[kind]:
            raise InputError(
                f"{where} [methods].{method} at {_line_of(text, ('methods', method))}: does not "
                f"apply to {kind} data (methods for it: {', '.join(KIND_METHODS[kind])})"
            )
    methods.update(given)
    if not any(methods[m] for m in KIND_METHODS[kind]):
        raise InputError(
            f"{where} [methods]: every method is off; nothing to run (methods for {kind} data: "
            f"{', '.join(KIND_METHODS[kind])})"
        )
    assignment = model.assignment.model_dump(exclude_unset=True)
    if "road_network" in assignment:
        assignment["road_network"] = _resolve(
            path, assignment["road_network"], where, "road_network", text, "assignment"
        )
    options = AssignOptions(**assignment)
    choice = _choice_options(model, path, where, text, kind, methods)
    tolerances = tuple(float(t) for t in model.policy.tolerances)
    names = {"integer": "whole_neighborhoods"}
    scenario = Scenario(
        path,
        model.scenario.name or path.stem,
        model.scenario.description,
        kind,
        data,
        tolerances,
        methods,
        model.outputs.model_dump(),
        {names.get(k, k): v for k, v in assignment.items()},
        options,
        zones=model.zones.model_dump(exclude_unset=True) if model.zones is not None else None,
    )
    return Scenario(
        **{**scenario.__dict__, "requests": scenario_requests(scenario), "choice": choice}
    )


def _choice_options(
    model: _ScenarioFile, path: Path, where: str, text: str, kind: str, methods: dict
) -> ChoiceOptions | None:
    """The ``[choice]`` table as options (preferences file resolved and checked), or None."""
    if model.choice is None:
        return None
    line = _line_of(text, ("choice",))
    if kind not in ("district", "synthetic"):
        raise InputError(
            f"{where} [choice] at {line}: controlled choice needs a district or a synthetic "
            f"city in [data] (found {kind})"
        )
    if not methods["spatial"]:
        raise InputError(
            f"{where} [choice] at {line}: controlled choice is compared with the spatial "
            "assignment; set [methods].spatial = true"
        )
    values = model.choice.model_dump(exclude_unset=True)
    if "preferences" in values:
        from assignopt.workflows.preferences import read_preferences

        values["preferences"] = _resolve(
            path, values["preferences"], where, "preferences", text, "choice"
        )
        read_preferences(values["preferences"])
    return ChoiceOptions(**values)
