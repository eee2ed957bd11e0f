"""Scenario model files (TOML): data, policies, methods and outputs, run end to end.

A scenario names its data (a district GeoPackage, a synthetic city, the gamma income model, group
poverty rates, or a table of schools), its policies (tolerances), its methods and its outputs.
``run_scenario`` composes the public API and writes ``report.html`` with the machine-readable
files beside it. Validation names the key, its line in the file and the fix.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import tomllib

from assignopt.errors import InputError

__all__ = ["Scenario", "load_scenario"]

# section -> key -> expected type(s); nested tables are dicts of key -> type.
SCHEMA: dict[str, dict[str, Any]] = {
    "scenario": {"name": str, "description": str},
    "data": {
        "district": str,
        "schools_table": str,
        "groups": list,
        "classes": list,
        "gamma": {
            "white_mean": (int, float),
            "black_mean": (int, float),
            "shape": (int, float),
            "black_share": (int, float),
            "classes": int,
        },
        "poverty": {"white": (int, float), "black": (int, float), "black_share": (int, float)},
        "synthetic": {
            "grid": int,
            "racial_segregation": (int, float),
            "income_segregation": (int, float),
            "income_axis": str,
            "black_share": (int, float),
            "black_poverty": (int, float),
            "white_poverty": (int, float),
            "schools": int,
            "seed": int,
        },
    },
    "policy": {"tolerances": list},
    "methods": {
        "closed_forms": bool,
        "lp": bool,
        "reassignment": bool,
        "spatial": bool,
        "figures": bool,
        "verify": bool,
        "districts": bool,
    },
    "outputs": {"title": str, "map": bool},
    "assignment": {
        "solver": str,
        "fixed_enrolment": bool,
        "travel_cap_km": (int, float),
        "extra_km_cap": (int, float),
        "integer": bool,
        "time_limit": (int, float),
        "points": str,
        "road_network": str,
    },
}
DATA_KINDS = ("district", "synthetic", "gamma", "poverty", "schools_table")


@dataclass(frozen=True)
class Scenario:
    """A validated scenario.

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
        Output options.
    assignment : dict
        Options of the spatial assignment (``[assignment]``): keyword arguments of
        :func:`assignopt.spatial.assign.assign_district`.
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


def _line_of(text: str, key: str) -> str:
    # A key at the start of a line, inside an inline table, or a [section] header.
    name = re.escape(key)
    pattern = re.compile(rf"(?:^|[{{,])\s*{name}\s*=|^\s*\[\s*{name}\s*\]", re.M)
    match = pattern.search(text)
    return f"line {text[: match.start()].count(chr(10)) + 1}" if match else "(line unknown)"


def _did_you_mean(word: str, choices, style: str) -> str:
    """``"; did you mean X?"`` with the closest of ``choices`` (formatted by ``style``), or ""."""
    close = difflib.get_close_matches(word, list(choices), n=1)
    return f"; did you mean {style.format(close[0])}?" if close else ""


def _check_table(table: dict, schema: dict, where: str, text: str) -> None:
    for key, value in table.items():
        if key not in schema:
            hint = _did_you_mean(key, schema, "{!r}")
            raise InputError(
                f"{where}: unknown key {key!r} at {_line_of(text, key)}{hint} "
                f"(allowed: {', '.join(schema)})"
            )
        expected = schema[key]
        if isinstance(expected, dict):
            if not isinstance(value, dict):
                raise InputError(
                    f"{where}.{key} at {_line_of(text, key)} must be a table, e.g. "
                    f"{key} = {{ ... }}"
                )
            _check_table(value, expected, f"{where}.{key}", text)
            continue
        if isinstance(value, bool) and expected in ((int, float), int):
            ok = False
        else:
            ok = isinstance(value, expected)
        if not ok:
            names = (
                expected.__name__
                if isinstance(expected, type)
                else " or ".join(t.__name__ for t in expected)
            )
            raise InputError(
                f"{where}.{key} at {_line_of(text, key)} must be {names}, got "
                f"{type(value).__name__} {value!r}"
            )


def load_scenario(path: str | Path) -> Scenario:
    """Read and validate a scenario model file.

    Raises
    ------
    InputError
        For a file that does not parse, unknown keys (with the closest allowed one), wrong
        types, a missing or ambiguous data source, bad tolerances or missing data files; each
        message names the key and its line.
    """
    path = Path(path)
    if not path.exists():
        raise InputError(f"{path}: no such scenario file")
    text = path.read_text()
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise InputError(f"{path}: not valid TOML ({exc})") from None
    where = path.name
    for section, table in raw.items():
        if section not in SCHEMA:
            hint = _did_you_mean(section, SCHEMA, "[{}]")
            raise InputError(
                f"{where}: unknown section [{section}] at {_line_of(text, section)}{hint}"
            )
        if not isinstance(table, dict):
            raise InputError(f"{where}: {section} must be a [table]")
        _check_table(table, SCHEMA[section], f"{where} [{section}]", text)
    data = dict(raw.get("data", {}))
    kinds = [k for k in DATA_KINDS if k in data]
    if len(kinds) != 1:
        raise InputError(
            f"{where} [data]: give exactly one of {', '.join(DATA_KINDS)} "
            f"(found {', '.join(kinds) or 'none'})"
        )
    kind = kinds[0]
    for key in ("district", "schools_table"):
        if key in data:
            resolved = (path.parent / data[key]).resolve()
            if not resolved.exists():
                raise InputError(
                    f"{where} [data].{key} at {_line_of(text, key)}: file "
                    f"{data[key]!r} not found (looked for {resolved}); paths are "
                    "relative to the scenario file"
                )
            data[key] = str(resolved)
    tolerances = tuple(float(t) for t in raw.get("policy", {}).get("tolerances", [0.0]))
    for t in tolerances:
        if not 0.0 <= t < 0.5:
            raise InputError(
                f"{where} [policy].tolerances at {_line_of(text, 'tolerances')}: "
                f"{t} is outside [0, 0.5)"
            )
    if not tolerances:
        raise InputError(f"{where} [policy].tolerances: give at least one tolerance")
    defaults = {
        "district": ("spatial", "lp", "reassignment", "closed_forms"),
        "synthetic": ("spatial", "lp", "reassignment", "closed_forms"),
        "gamma": ("closed_forms", "lp"),
        "poverty": ("closed_forms", "lp"),
        "schools_table": ("districts",),
    }[kind]
    methods = {m: m in defaults for m in SCHEMA["methods"]}
    methods.update(raw.get("methods", {}))
    assignment = _assignment_options(raw.get("assignment", {}), where, text)
    if "road_network" in assignment:
        resolved = (path.parent / assignment["road_network"]).resolve()
        if not resolved.exists():
            raise InputError(
                f"{where} [assignment].road_network at {_line_of(text, 'road_network')}: file "
                f"{assignment['road_network']!r} not found (looked for {resolved}); paths are "
                "relative to the scenario file"
            )
        assignment["road_network"] = str(resolved)
    scen = raw.get("scenario", {})
    return Scenario(
        path,
        scen.get("name", path.stem),
        scen.get("description", ""),
        kind,
        data,
        tolerances,
        methods,
        {"map": True, **raw.get("outputs", {})},
        assignment,
    )


def _assignment_options(table: dict, where: str, text: str) -> dict:
    """``[assignment]`` as keyword arguments of ``assign_district``, checked."""
    from assignopt.spatial.transport import ASSIGNMENT_SOLVERS

    solver = table.get("solver", "highs")
    if solver not in ASSIGNMENT_SOLVERS:
        hint = _did_you_mean(solver, ASSIGNMENT_SOLVERS, "{!r}")
        raise InputError(
            f"{where} [assignment].solver at {_line_of(text, 'solver')}: unknown solver "
            f"{solver!r}{hint} (allowed: {', '.join(ASSIGNMENT_SOLVERS)})"
        )
    for key in ("travel_cap_km", "extra_km_cap", "time_limit"):
        if key in table and table[key] <= 0:
            raise InputError(
                f"{where} [assignment].{key} at {_line_of(text, key)} must be positive, got "
                f"{table[key]}"
            )
    if table.get("points", "representative") not in ("representative", "centroid"):
        raise InputError(
            f"{where} [assignment].points at {_line_of(text, 'points')} must be "
            f"'representative' or 'centroid', got {table['points']!r}"
        )
    names = {"integer": "whole_neighborhoods"}
    return {names.get(key, key): value for key, value in table.items()}
