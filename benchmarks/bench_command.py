"""Time the whole ``assign`` command beside its two solves, 10,000 x 300 by default.

Run: ``python benchmarks/bench_command.py [repeats] [--grid 100] [--schools 300]
[--before DIR]``. Builds a seeded synthetic district once (``assignopt synth``, capacities
then set equal so they sum to enrolment: fixed seats, the network path), then runs
``assignopt assign FILE --tolerance 0.05 --fixed-enrolment --out DIR --json`` in fresh
processes. Each process is the real command (read, distances, the nearest-school and the
balanced solve, GeoPackage, CSVs, map, report) with ``transport_assignment`` wrapped to
record the wall time of its two calls ("solves"). The figure to watch is the ratio of the
whole command's wall time to its solves (goal <= 2); medians over ``repeats``.

With ``--before DIR`` (another checkout of assignopt, e.g. the main branch) the same command
is also run from that checkout, alternating A, B so a drift of the machine's speed hits both.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

# The command, run by a fresh interpreter, with both solves timed from outside the solver.
DRIVER = """
import atexit, json, sys, time
import assignopt.spatial.assign as assign
spent = []
inner = assign.transport_assignment
def timed(*args, **kwargs):
    start = time.perf_counter()
    try:
        return inner(*args, **kwargs)
    finally:
        spent.append(time.perf_counter() - start)
assign.transport_assignment = timed
atexit.register(lambda: sys.stderr.write("SOLVES " + json.dumps(spent) + "\\n"))
from assignopt.cli import main
main(sys.argv[1:])
"""


def make_district(path: Path, grid: int, schools: int) -> None:
    """A seeded synthetic district whose capacities sum to its enrolment."""
    import geopandas as gpd
    import numpy as np

    subprocess.run(
        [
            sys.executable,
            "-c",
            "from assignopt.cli import main; main()",
            "synth",
            "--out",
            str(path),
            "--grid",
            str(grid),
            "--schools",
            str(schools),
            "--seed",
            "0",
        ],
        check=True,
        capture_output=True,
    )
    hoods = gpd.read_file(path, layer="neighborhoods")
    sites = gpd.read_file(path, layer="schools")
    total = int(round(hoods.drop(columns="geometry").select_dtypes("number").to_numpy().sum()))
    capacity = np.full(len(sites), total // len(sites))
    capacity[: total - capacity.sum()] += 1
    sites["capacity"] = capacity.astype(float)
    path.unlink()
    hoods.to_file(path, layer="neighborhoods", driver="GPKG")
    sites.to_file(path, layer="schools", driver="GPKG")


def run_once(district: Path, out: Path, checkout: str | None) -> tuple[float, float, float]:
    """(whole command s, solves s, balanced solver s as the command reports it)."""
    env = dict(os.environ)
    if checkout:
        env["PYTHONPATH"] = checkout
    command = [sys.executable, "-c", DRIVER, "assign", str(district), "--tolerance", "0.05"]
    command += ["--fixed-enrolment", "--out", str(out), "--json"]
    start = time.perf_counter()
    # From the output folder's parent: ``python -c`` puts the working folder ahead of
    # PYTHONPATH, which would otherwise import whichever checkout the shell stands in.
    done = subprocess.run(
        command, check=True, capture_output=True, text=True, env=env, cwd=out.parent
    )
    whole = time.perf_counter() - start
    summary = json.loads(done.stdout)
    if "error" in summary:
        raise RuntimeError(summary["error"])
    solves = [line for line in done.stderr.splitlines() if line.startswith("SOLVES ")]
    spent = json.loads(solves[-1].removeprefix("SOLVES "))
    return whole, float(sum(spent)), float(summary["seconds"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("repeats", nargs="?", type=int, default=5)
    parser.add_argument("--grid", type=int, default=100)
    parser.add_argument("--schools", type=int, default=300)
    parser.add_argument("--before", help="another checkout of assignopt, run alternately")
    args = parser.parse_args()
    here = str(Path(__file__).resolve().parents[1])
    runs = {"this checkout": here}
    if args.before:
        runs = {"before": str(Path(args.before).resolve()), **runs}
    with tempfile.TemporaryDirectory() as tmp:
        district = Path(tmp) / "district.gpkg"
        make_district(district, args.grid, args.schools)
        print(
            f"{platform.node()} {platform.processor() or platform.machine()}, "
            f"Python {platform.python_version()}, {args.grid**2:,} neighborhoods x "
            f"{args.schools} schools, {args.repeats} repeats"
        )
        times: dict[str, list[tuple[float, float, float]]] = {name: [] for name in runs}
        for _ in range(args.repeats):
            for name, checkout in runs.items():
                times[name].append(run_once(district, Path(tmp) / name, checkout))
        print("| code | whole command s | two solves s | balanced solve s (JSON) | ratio |")
        print("|---|---|---|---|---|")
        for name, rows in times.items():
            whole, solves, balanced = (statistics.median(c) for c in zip(*rows))
            ratios = statistics.median(w / s for w, s, _ in rows)
            print(f"| {name} | {whole:.2f} | {solves:.2f} | {balanced:.2f} | {ratios:.2f} |")


if __name__ == "__main__":
    main()
