"""``assignopt run``: run scenario model files and write their reports."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from assignopt.commands.common import EXIT_PARTIAL, computing, emit_json, out_option


@click.command()
@click.argument("models", type=click.Path(path_type=Path), nargs=-1, required=True)
@out_option(
    "out",
    "Output folder (report.html and its files; one subfolder per model when several are given).",
)
@click.option("--quick", is_flag=True, help="Small settings (for trying a model quickly).")
@click.option(
    "--workers",
    type=int,
    default=None,
    help="Local processes when several models are given (default: all cores).",
)
@click.option("--scheduler", default=None, help="Dask scheduler address for several models.")
@computing
def run(
    models: tuple[Path, ...],
    out_dir: Path,
    quick: bool,
    workers: int | None,
    scheduler: str | None,
    as_json: bool,
) -> None:
    """Run the scenario(s) in MODELS (TOML files in models/) and write report.html.

    With several models, each runs as a job of a batch (in parallel, with a progress bar) into
    OUT/<model name>/; a rerun reuses a model's result only when the model file, its data files,
    --quick and the package version are unchanged, and a failing model is reported without
    stopping the others (exit status 3).
    """
    from assignopt.scenario import load_scenario
    from assignopt.workflows.scenario import run_scenario, run_scenarios

    if len(models) == 1:
        scenario = load_scenario(models[0])
        result = run_scenario(scenario, out_dir, quick=quick)
        if as_json:
            emit_json({"scenario": scenario.name, **result})
        else:
            click.echo(f"{scenario.name}: {len(result['files'])} files in {out_dir}")
            click.echo(f"report: {result['report']}")
        return
    outcome = run_scenarios(
        list(models),
        out_dir,
        quick=quick,
        workers=workers,
        scheduler=scheduler,
        progress=not as_json,
    )
    if as_json:
        emit_json(
            {
                "reports": {k: v["report"] for k, v in outcome.items()},
                "failures": outcome.failures,
                "reused": outcome.reused,
            }
        )
        if outcome.failures:
            sys.exit(EXIT_PARTIAL)
        return
    for name, value in outcome.items():
        click.echo(f"{name}: report {value['report']}")
    for name, message in outcome.failures.items():
        click.echo(f"failed: {name}: {message}", err=True)
    if outcome.failures:
        sys.exit(EXIT_PARTIAL)
