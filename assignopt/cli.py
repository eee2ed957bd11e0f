"""The ``assignopt`` command line: thin adapters from flags to typed requests.

Each subcommand (``assignopt.commands``) turns its options into a request
(:mod:`assignopt.workflows.requests`), runs it through the workflow layer and prints the
result. Every computing subcommand takes ``--json`` and then prints exactly one JSON object on
standard output (``{"error": ...}`` with exit status 2 when the input is refused; 3 when a
batch wrote its results but some jobs failed). The command modules import only click at
start-up, so ``--help`` is instant; the numerical stack is loaded when a command runs.
"""

from __future__ import annotations

import importlib
import json
import sys
from typing import Any

import click

from assignopt.version import __version__

__all__ = ["COMMANDS", "main"]

# Subcommand name -> (module, function). Modules import only click, so listing is instant.
COMMANDS = {
    "index": ("index_cmd", "index"),
    "bounds": ("bounds_cmd", "bounds"),
    "figures": ("figures_cmd", "figures"),
    "maxseg": ("maxseg_cmd", "maxseg"),
    "verify": ("verify_cmd", "verify"),
    "assign": ("assign_cmd", "assign"),
    "districts": ("districts_cmd", "districts"),
    "run": ("run_cmd", "run"),
    "synth": ("synth_cmd", "synth"),
    "sweep-residential": ("synth_cmd", "sweep_residential"),
    "choice": ("choice_cmd", "choice"),
    "zones": ("zones_cmd", "zones"),
}


class _Group(click.Group):
    """The command group; with ``--json``, a usage error is one ``{"error": ...}`` object too."""

    def main(self, args: Any = None, *rest: Any, **kwargs: Any) -> Any:
        argv = list(sys.argv[1:] if args is None else args)
        if "--json" not in argv or kwargs.get("standalone_mode") is False:
            return super().main(argv, *rest, **kwargs)
        try:
            return super().main(argv, *rest, standalone_mode=False, **kwargs)
        except click.UsageError as exc:
            message = exc.format_message()
            if exc.ctx is not None:
                message = f"{exc.ctx.command_path}: {message}"
            click.echo(json.dumps({"error": message, "error_type": "UsageError"}, indent=2))
            sys.exit(2)
        except click.exceptions.Exit as exc:
            sys.exit(exc.exit_code)
        except click.exceptions.Abort:
            click.echo(json.dumps({"error": "aborted", "error_type": "Abort"}, indent=2))
            sys.exit(1)


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="assignopt")
def main() -> None:
    """How much racial segregation can remain when schools are balanced by family income."""


def _register() -> None:
    for name, (module, attr) in COMMANDS.items():
        command = getattr(importlib.import_module(f"assignopt.commands.{module}"), attr)
        main.add_command(command, name)


_register()
