"""``assignopt run``: run scenario model files and write their reports."""

from __future__ import annotations

from pathlib import Path

import click

from assignopt.commands.common import computing, emit_json, out_option


def _run_one(payload: tuple[str, str, bool]) -> dict:
    from assignopt.scenario import load_scenario
    from assignopt.workflows.scenario import run_scenario

    model, out_dir, quick = payload
    scenario = load_scenario(model)
    result = run_scenario(scenario, out_dir, quick=quick)
    return {
        "scenario": scenario.name,
        "report": str(result["report"]),
        "headline": result["headline"],
    }


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
    OUT/<model name>/; finished models are skipped on a rerun and a failing model is reported
    without stopping the others.
    """
    from assignopt.batch import run_batch
    from assignopt.scenario import load_scenario
    from assignopt.workflows.scenario import run_scenario

    if len(models) == 1:
        scenario = load_scenario(models[0])
        result = run_scenario(scenario, out_dir, quick=quick)
        if as_json:
            emit_json({"scenario": scenario.name, **result})
        else:
            click.echo(f"{scenario.name}: {len(result['files'])} files in {out_dir}")
            click.echo(f"report: {result['report']}")
        return
    for model in models:
        load_scenario(model)  # refuse a bad file before any work starts
    jobs = [(m.stem, (str(m), str(out_dir / m.stem), quick)) for m in models]
    outcome = run_batch(
        jobs,
        _run_one,
        out_dir / ".results",
        workers=workers,
        scheduler=scheduler,
        progress=not as_json,
        desc="scenarios",
    )
    if as_json:
        emit_json(
            {"reports": {k: v["report"] for k, v in outcome.items()}, "failures": outcome.failures}
        )
        return
    for name, value in outcome.items():
        click.echo(f"{name}: report {value['report']}")
    for name, message in outcome.failures.items():
        click.echo(f"failed: {name}: {message}", err=True)
