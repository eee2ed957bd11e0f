"""The ``assignopt`` command line: a thin layer over the public API.

Every computing subcommand takes ``--json`` and then prints exactly one JSON object on
standard output (``{"error": ...}`` with exit status 2 when the input is refused).
"""

from __future__ import annotations

import contextlib
import functools
import json
import logging
import math
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import click

from assignopt import __version__
from assignopt.errors import AssignoptError


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
    help="Income-balance tolerance d in [0, 0.5).",
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


@contextlib.contextmanager
def progress_messages(enabled: bool) -> Iterator[None]:
    """Show the library's progress messages (logger ``assignopt``, INFO) on standard error."""
    if not enabled:
        yield
        return
    logger = logging.getLogger("assignopt")
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("  %(message)s"))
    old_level = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    try:
        yield
    finally:
        logger.removeHandler(handler)
        logger.setLevel(old_level)


def computing(func: Callable[..., None]) -> Callable[..., None]:
    """Add ``--json`` to a subcommand and turn refused input into a clear message, not a trace."""

    @click.option("--json", "as_json", is_flag=True, help="Print exactly one JSON object.")
    @functools.wraps(func)
    def wrapper(*args: Any, as_json: bool, **kwargs: Any) -> None:
        try:
            func(*args, as_json=as_json, **kwargs)
        except AssignoptError as exc:
            if as_json:
                emit_json({"error": str(exc), "error_type": type(exc).__name__})
            else:
                click.echo(f"error: {exc}", err=True)
            sys.exit(2)

    return wrapper


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="assignopt")
def main() -> None:
    """How much racial segregation can remain when schools are balanced by family income."""


def _register() -> None:
    from assignopt.commands import (
        assign_cmd,
        bounds_cmd,
        districts_cmd,
        figures_cmd,
        index_cmd,
        maxseg_cmd,
        run_cmd,
        synth_cmd,
        verify_cmd,
    )

    main.add_command(index_cmd.index)
    main.add_command(bounds_cmd.bounds)
    main.add_command(figures_cmd.figures)
    main.add_command(maxseg_cmd.maxseg)
    main.add_command(verify_cmd.verify)
    main.add_command(assign_cmd.assign)
    main.add_command(districts_cmd.districts)
    main.add_command(run_cmd.run)
    main.add_command(synth_cmd.synth)
    main.add_command(synth_cmd.sweep_residential)


_register()
