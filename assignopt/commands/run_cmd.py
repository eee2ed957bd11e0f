"""``assignopt run``: run a scenario model file and write its report."""

from __future__ import annotations

from pathlib import Path

import click

from assignopt.cli import computing, emit_json, out_option


@click.command()
@click.argument("model", type=click.Path(path_type=Path))
@out_option("out", "Output folder (report.html and its files).")
@click.option("--quick", is_flag=True, help="Small settings (for trying a model quickly).")
@computing
def run(model: Path, out_dir: Path, quick: bool, as_json: bool) -> None:
    """Run the scenario in MODEL (a TOML file in models/) and write report.html."""
    from assignopt.scenario import load_scenario
    from assignopt.scenario_run import run_scenario

    scenario = load_scenario(model)
    result = run_scenario(scenario, out_dir, quick=quick)
    if as_json:
        emit_json({"scenario": scenario.name, **result})
        return
    click.echo(f"{scenario.name}: {len(result['files'])} files in {out_dir}")
    click.echo(f"report: {result['report']}")
