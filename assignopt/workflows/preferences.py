"""Families' preferences for controlled choice: a preferences file, inline values, the defaults.

A preferences file is TOML with the fields of
:class:`~assignopt.workflows.requests.PreferenceOptions`, for example::

    distance_coefficient = 0.5                      # per km, every group
    own_group_share_coefficient = {black = 0.0, white = 1.0}
    noise_scale = 1.0

    [school_effects]                                # by school name, every group
    "school 07" = 0.3

    [school_effects_by_group.black]                 # added to school_effects for one group
    "school 12" = -0.2

Unknown keys and wrong types are refused naming the key and its line. Values given inline (a
scenario's ``[choice]`` table, Python) override the file's; anything left out takes the
default of :class:`assignopt.choice.LogitPreferences`. :func:`logit_preferences` turns the
values into the model for one district, checking the group and school names against it.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import tomllib
from pydantic import ConfigDict, ValidationError

from assignopt.choice import DEFAULT_DISTANCE_COEFFICIENT, LogitPreferences
from assignopt.errors import InputError
from assignopt.workflows.requests import PreferenceOptions

__all__ = ["PREFERENCE_FIELDS", "logit_preferences", "preference_values", "read_preferences"]

#: The preference fields a file or a ``[choice]`` table may set.
PREFERENCE_FIELDS = tuple(PreferenceOptions.model_fields)

_PER_GROUP = ("distance_coefficient", "own_group_share_coefficient")


class _PreferencesFile(PreferenceOptions):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


def _dotted(name: str) -> tuple[str, ...]:
    """``school_effects_by_group."black"`` -> ``("school_effects_by_group", "black")``."""
    parts = re.findall(r'"([^"]*)"|\'([^\']*)\'|([^.\s]+)', name)
    return tuple(next(p for p in part if p) if any(part) else "" for part in parts)


def _key_line(text: str, loc: Sequence[str]) -> int | None:
    """The 1-based line of the key at ``loc`` (tables first), or of its closest parent."""
    lines = text.splitlines()
    headers = []
    for i, line in enumerate(lines):
        match = re.match(r"\s*\[\s*([^\[\]]+?)\s*\]\s*(#.*)?$", line)
        if match:
            headers.append((i, _dotted(match.group(1))))
    ends = [h for h, _ in headers[1:]] + ([len(lines)] if headers else [])
    regions: dict[tuple[str, ...], list[tuple[int, int]]] = {
        (): [(0, headers[0][0] if headers else len(lines))]
    }
    for (start, name), end in zip(headers, ends, strict=True):
        regions.setdefault(name, []).append((start + 1, end))
    loc = tuple(loc)
    for depth in range(len(loc) - 1, -1, -1):
        key = re.escape(loc[depth])
        pattern = re.compile(rf"(?:^|[{{,])\s*(?:{key}|\"{key}\"|'{key}')\s*=")
        for start, end in regions.get(loc[:depth], []):
            for i in range(start, end):
                if pattern.search(lines[i]):
                    return i + 1
    for i, name in headers:
        if name == loc[: len(name)] and name:
            return i + 1
    return None


def _file_error(error: dict, path: Path, text: str) -> str:
    loc = tuple(str(p) for p in error["loc"] if not isinstance(p, int))
    line = _key_line(text, loc)
    at = f" at line {line}" if line else ""
    key = ".".join(loc)
    if error["type"] == "extra_forbidden" and len(loc) == 1:
        close = difflib.get_close_matches(loc[0], PREFERENCE_FIELDS, n=1)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        return (
            f"preferences file {path.name}: unknown key {loc[0]!r}{at}{hint} "
            f"(allowed: {', '.join(PREFERENCE_FIELDS)})"
        )
    if loc and loc[0] in _PER_GROUP:
        return (
            f"preferences file {path.name}: {loc[0]}{at} must be a number, a list with one "
            f"number per group, or a table of numbers by group name (got {error.get('input')!r})"
        )
    message = error["msg"]
    message = message[len("Value error, ") :] if message.startswith("Value error, ") else message
    return (
        f"preferences file {path.name}: {key}{at}: {message[0].lower()}{message[1:]} "
        f"(got {error.get('input')!r})"
    )


def read_preferences(path: str | Path) -> dict[str, Any]:
    """The preference values a TOML file sets, validated.

    Raises
    ------
    InputError
        For a missing or unreadable file, invalid TOML, an unknown key or a wrong type (naming
        the key and its line).
    """
    path = Path(path)
    if not path.is_file():
        raise InputError(f"preferences file {path}: no such file")
    try:
        text = path.read_bytes().decode("utf-8")
        raw = tomllib.loads(text)
    except UnicodeDecodeError as exc:
        raise InputError(f"preferences file {path}: not UTF-8 text (byte {exc.start})") from None
    except tomllib.TOMLDecodeError as exc:
        raise InputError(f"preferences file {path}: not valid TOML ({exc})") from None
    try:
        model = _PreferencesFile.model_validate(raw)
    except ValidationError as exc:
        raise InputError(_file_error(exc.errors(include_url=False)[0], path, text)) from None
    return model.model_dump(exclude_unset=True)


def preference_values(options: Any) -> dict[str, Any]:
    """The values of ``options``'s preferences file overridden by its inline fields.

    Parameters
    ----------
    options : ChoiceOptions
        With ``preferences`` (a file, optional) and the inline fields.
    """
    values: dict[str, Any] = {}
    if options.preferences is not None:
        values.update(read_preferences(options.preferences))
    for key in PREFERENCE_FIELDS:
        if getattr(options, key) is not None:
            values[key] = getattr(options, key)
    return values


def _unknown(kind: str, name: str, known: Sequence[str], field: str) -> InputError:
    close = difflib.get_close_matches(name, list(known), n=1)
    hint = f"; did you mean {close[0]!r}?" if close else ""
    return InputError(
        f"preferences {field}: unknown {kind} {name!r}{hint} ({kind}s: {', '.join(known)})"
    )


def _per_group(value: Any, groups: Sequence[str], default: float, field: str) -> list[float]:
    if value is None:
        return [default] * len(groups)
    if isinstance(value, Mapping):
        for name in value:
            if name not in groups:
                raise _unknown("group", name, groups, field)
        return [float(value.get(g, default)) for g in groups]
    if isinstance(value, list | tuple):
        if len(value) != len(groups):
            raise InputError(
                f"preferences {field}: {len(value)} numbers for {len(groups)} groups "
                f"({', '.join(groups)}); give one number, one per group, or a table by group"
            )
        return [float(v) for v in value]
    return [float(value)] * len(groups)


def logit_preferences(
    values: Mapping[str, Any],
    groups: Sequence[str],
    schools: Sequence[str],
    list_length: int | None = None,
) -> tuple[LogitPreferences, dict[str, Any]]:
    """The logit model for one district, and the values it uses by name (for the report).

    Parameters
    ----------
    values : mapping
        Preference fields (from :func:`preference_values`); missing ones take the defaults.
    groups, schools : sequence of str
        The district's groups and school names, as written.
    list_length : int, optional
        Schools each family ranks (default: all).

    Returns
    -------
    LogitPreferences
        The model.
    dict
        ``distance_coefficient`` and ``own_group_share_coefficient`` (by group),
        ``school_effects`` (by group and school, only the non-zero ones), ``noise_scale``,
        ``list_length`` and ``defaults`` (the fields left at their default).

    Raises
    ------
    InputError
        Naming an unknown group or school, or a list of the wrong length.
    """
    groups, schools = list(groups), list(schools)
    beta = _per_group(
        values.get("distance_coefficient"),
        groups,
        DEFAULT_DISTANCE_COEFFICIENT,
        "distance_coefficient",
    )
    gamma = _per_group(
        values.get("own_group_share_coefficient"), groups, 0.0, "own_group_share_coefficient"
    )
    effects = [[0.0] * len(schools) for _ in groups]
    common = values.get("school_effects") or {}
    for name, effect in common.items():
        if name not in schools:
            raise _unknown("school", name, schools, "school_effects")
        for row in effects:
            row[schools.index(name)] += float(effect)
    for group, table in (values.get("school_effects_by_group") or {}).items():
        if group not in groups:
            raise _unknown("group", group, groups, "school_effects_by_group")
        for name, effect in table.items():
            if name not in schools:
                raise _unknown("school", name, schools, f"school_effects_by_group.{group}")
            effects[groups.index(group)][schools.index(name)] += float(effect)
    any_effect = any(e != 0 for row in effects for e in row)
    noise = values.get("noise_scale")
    noise = 1.0 if noise is None else float(noise)
    model = LogitPreferences(
        distance_coefficient=beta,
        own_group_share_coefficient=gamma,
        school_effects=effects if any_effect else None,
        noise_scale=noise,
        list_length=list_length,
    )
    used = {
        "distance_coefficient": dict(zip(groups, beta, strict=True)),
        "own_group_share_coefficient": dict(zip(groups, gamma, strict=True)),
        "school_effects": {
            g: {s: e for s, e in zip(schools, row, strict=True) if e != 0}
            for g, row in zip(groups, effects, strict=True)
            if any(e != 0 for e in row)
        },
        "noise_scale": noise,
        "list_length": list_length,
        "defaults": [k for k in PREFERENCE_FIELDS if values.get(k) is None],
    }
    return model, used
