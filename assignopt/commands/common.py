"""What the subcommands share: options, the request builder, JSON output, refused input.

The command modules import only click and this module at start-up, so ``assignopt --help``
never loads the numerical stack.
"""

from __future__ import annotations

import functools
import json
import math
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from assignopt.errors import AssignoptError

#: Exit status of a refused input, and of a batch where some jobs failed (the rest written).
EXIT_REFUSED = 2
EXIT_PARTIAL = 3


def _clean(value: Any) -> Any:
    """JSON-safe copy: NaN and infinities become null, numpy scalars plain numbers."""
    if isinstance(value, dict):
        return {str(k): _clean(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_clean(v) for v in value]
    if hasattr(value, "item") and not isinstance(value, str | bytes):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, Path):
        return str(value)
    return value


def emit_json(payload: dict[str, Any]) -> None:
    """Print one JSON object on standard output."""
    click.echo(json.dumps(_clean(payload), indent=2, allow_nan=False))


#: The income-balance tolerance option shared by the commands that apply a policy.
tolerance_option = click.option(
    "--tolerance",
    type=float,
    default=0.0,
    show_default=True,
    help="Income-balance tolerance d in [0, 0.5): every school's poverty rate within ±d of "
    "the district's.",
)


def out_option(default: str, help: str = "Output folder.") -> Callable:
    """The ``--out`` folder option of the commands that write files (``out_dir``)."""
    return click.option(
        "--out",
        "out_dir",
        type=click.Path(path_type=Path),
        default=Path(default),
        show_default=True,
        help=help,
    )


def flag_of(field: str) -> str:
    """How the running command spells a request field: its flag, or its argument's name."""
    ctx = click.get_current_context(silent=True)
    if ctx is not None:
        for param in ctx.command.params:
            if param.name == field:
                if isinstance(param, click.Argument):
                    return param.human_readable_name
                longs = [o for o in param.opts if o.startswith("--")]
                return (longs or param.opts)[0]
    return "--" + field.replace("_", "-")


def build_request(model: str, **values: Any) -> Any:
    """Build the request ``model`` (a name in :mod:`assignopt.workflows.requests`)."""
    from assignopt.workflows import requests

    return requests.build(getattr(requests, model), **values)


def fail(message: str, as_json: bool, kind: str = "InputError") -> None:
    """Report a refused input (one line, or one JSON object) and exit with status 2."""
    if as_json:
        emit_json({"error": message, "error_type": kind})
    else:
        click.echo(f"error: {message}", err=True)
    sys.exit(EXIT_REFUSED)


def computing(func: Callable[..., None]) -> Callable[..., None]:
    """Add ``--json`` to a subcommand and turn refused input into a clear message, not a trace.

    A request that does not validate is reported with the command's own flag names.
    """

    @click.option("--json", "as_json", is_flag=True, help="Print exactly one JSON object.")
    @functools.wraps(func)
    def wrapper(*args: Any, as_json: bool, **kwargs: Any) -> None:
        try:
            func(*args, as_json=as_json, **kwargs)
        except AssignoptError as exc:
            render = getattr(exc, "render", None)
            message = render(flag_of) if render is not None else str(exc)
            fail(message, as_json, type(exc).__name__)
        except MemoryError:
            fail("out of memory: the problem is too large for this machine", as_json, "MemoryError")

    return wrapper


def execute(request: Any, out: Path | None, as_json: bool) -> Any:
    """Run ``request`` through the workflow layer, writing into ``out``.

    Progress goes to standard error, also with ``--json`` when standard error is a terminal
    (a person watching a long solve); a program reading the JSON gets a quiet standard error.
    """
    from assignopt.workflows.base import execute as run_request

    return run_request(request, out, progress=not as_json or _is_terminal(sys.stderr))


def _is_terminal(stream: Any) -> bool:
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):  # replaced or closed streams
        return False


def district_source_options(func: Callable) -> Callable:
    """The DISTRICT argument and ``--schools``, ``--groups``, ``--classes`` of spatial jobs."""
    decorators = [
        click.argument("district", type=click.Path(path_type=Path)),
        click.option(
            "--schools",
            type=click.Path(path_type=Path),
            help="Schools file, when DISTRICT holds only the neighborhoods (CSV with name, "
            "capacity and longitude/latitude, the NCES school file, or any vector file).",
        ),
        click.option(
            "--groups",
            default=None,
            help="Comma-separated groups (b, w first); inferred from <group>_<class> columns.",
        ),
        click.option(
            "--classes",
            default="poor,nonpoor",
            show_default=True,
            help="Comma-separated income classes, poorest first.",
        ),
    ]
    for decorator in reversed(decorators):
        func = decorator(func)
    return func


def travel_cap_options(func: Callable) -> Callable:
    """``--travel-cap-km`` and ``--extra-km-cap`` of the jobs that assign students."""
    decorators = [
        click.option(
            "--travel-cap-km", type=float, help="No student travels further than this (km)."
        ),
        click.option(
            "--extra-km-cap",
            type=float,
            help="No student travels more than this (km) beyond their nearest school.",
        ),
    ]
    for decorator in reversed(decorators):
        func = decorator(func)
    return func
