"""Time the whole ``assign`` command beside its two solves, 10,000 x 300 by default.

Run: ``python benchmarks/bench_command.py [repeats] [--grid 100] [--schools 300]
[--before DIR] [--phases]``. Builds a seeded synthetic district once (``assignopt synth``,
capacities then set equal so they sum to enrolment: fixed seats, the network path), then runs
``assignopt assign FILE --tolerance 0.05 --fixed-enrolment --out DIR --json`` in fresh
processes. Each process is the real command (read, distances, the nearest-school and the
balanced solve, GeoPackage, CSVs, map, report) with ``transport_assignment`` wrapped to
record the wall and CPU time of its two calls ("solves"). The figure to watch is the ratio
of the whole command's wall time to its solves (goal <= 2); medians over ``repeats``, with
the command's CPU seconds (its process's) and the load average before and after.
With ``--phases`` each step is timed too (start and imports, reading, distances, the files,
the map, the page).

With ``--before DIR`` (another checkout of assignopt, e.g. the main branch) the same command
is also run from that checkout, alternating A, B so a drift of the machine's speed hits both.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

# The command, run by a fresh interpreter, with both solves timed from outside the solver
# (wall and CPU) and, with ``--phases``, the other steps too. A phase nested in another (the
# map inside the files) is counted in both.
DRIVER = """
import atexit, importlib, json, sys, time
started = time.perf_counter()
PHASES = {phases}
spent = {{"solves": [0.0, 0.0]}}
def wrap(label, module, name):
    owner = importlib.import_module(module)
    for part in name.split(".")[:-1]:
        owner = getattr(owner, part)
    attribute = name.split(".")[-1]
    inner = getattr(owner, attribute)
    def timed(*args, **kwargs):
        wall, cpu = time.perf_counter(), time.process_time()
        try:
            return inner(*args, **kwargs)
        finally:
            total = spent.setdefault(label, [0.0, 0.0])
            total[0] += time.perf_counter() - wall
            total[1] += time.process_time() - cpu
    setattr(owner, attribute, timed)
wrap("solves", "assignopt.spatial.assign", "transport_assignment")
for label, module, name in PHASES:
    wrap(label, module, name)
def report():
    spent["driver"] = [time.perf_counter() - started, time.process_time()]
    sys.stderr.write("SPENT " + json.dumps(spent) + "\\n")
atexit.register(report)
from assignopt.cli import main
spent["to main"] = [time.perf_counter() - started, time.process_time()]
main(sys.argv[1:])
"""

# Steps timed with ``--phases``: (label, module, function). Their imports are made before the
# command starts (to wrap them), so "imports" is the interpreter start and every module load.
PHASES = [
    ("read district", "assignopt.spatial.district", "read_district"),
    ("distances", "assignopt.spatial.distance", "district_distances"),
    ("assign_district (both solves and the rest)", "assignopt.spatial.assign", "assign_district"),
    ("files: gpkg, csv, png, summary", "assignopt.spatial.output", "write_assignment"),
    ("  gpkg layers", "geopandas", "GeoDataFrame.to_file"),
    ("  png map", "assignopt.spatial.output", "plot_assignment"),
    ("report.html", "assignopt.report", "write_assignment_report"),
    ("  map layers (GeoJSON)", "assignopt.report.sections", "assignment_map"),
    ("  policy bars png", "assignopt.report.sections", "policy_bars"),
    ("  html + json", "assignopt.report.sections", "write_report"),
]


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


def run_once(district: Path, out: Path, checkout: str | None, phases: bool = False) -> dict:
    """Seconds of one command: whole (wall, CPU of the process) and each timed step."""
    env = dict(os.environ)
    if checkout:
        env["PYTHONPATH"] = checkout
    driver = DRIVER.format(phases=repr(PHASES if phases else []))
    command = [sys.executable, "-c", driver, "assign", str(district), "--tolerance", "0.05"]
    command += ["--fixed-enrolment", "--out", str(out), "--json"]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    # From the output folder's parent: ``python -c`` puts the working folder ahead of
    # PYTHONPATH, which would otherwise import whichever checkout the shell stands in.
    done = subprocess.run(
        command, check=True, capture_output=True, text=True, env=env, cwd=out.parent
    )
    whole = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    summary = json.loads(done.stdout)
    if "error" in summary:
        raise RuntimeError(summary["error"])
    lines = [line for line in done.stderr.splitlines() if line.startswith("SPENT ")]
    spent = json.loads(lines[-1].removeprefix("SPENT "))
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    driver_wall, driver_cpu = spent.pop("driver")
    to_main, to_main_cpu = spent.pop("to main")
    times = {
        "whole": whole,
        "whole cpu": cpu,
        "solves": spent["solves"][0],
        "solves cpu": spent["solves"][1],
        "balanced (JSON)": float(summary["seconds"]),
        # Interpreter start and the imports made before the command runs (with ``--phases``
        # the modules of every timed step; without, little more than the solver's).
        "start + imports": whole - driver_wall + to_main,
        "start + imports cpu": cpu - (driver_cpu - to_main_cpu),
    }
    for label, (wall, cpu_s) in spent.items():
        if label != "solves":
            times[label] = wall
            times[label + " cpu"] = cpu_s
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("repeats", nargs="?", type=int, default=5)
    parser.add_argument("--grid", type=int, default=100)
    parser.add_argument("--schools", type=int, default=300)
    parser.add_argument("--before", help="another checkout of assignopt, run alternately")
    parser.add_argument(
        "--phases", action="store_true", help="also time each step (read, distances, files...)"
    )
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
            f"{os.cpu_count()} cores, Python {platform.python_version()}, "
            f"{args.grid**2:,} neighborhoods x {args.schools} schools, {args.repeats} repeats; "
            f"load average before {_load()}"
        )
        times: dict[str, list[dict]] = {name: [] for name in runs}
        for _ in range(args.repeats):
            for name, checkout in runs.items():
                times[name].append(run_once(district, Path(tmp) / name, checkout, args.phases))
        print(f"load average after {_load()}")
        print(
            "| code | whole command s (CPU s) | two solves s (CPU s) | balanced solve s (JSON) "
            "| ratio (median of runs) | outside the solves s |"
        )
        print("|---|---|---|---|---|---|")
        for name, rows in times.items():

            def med(key: str, rows: list[dict] = rows) -> float:
                return statistics.median(r[key] for r in rows)

            ratio = statistics.median(r["whole"] / r["solves"] for r in rows)
            outside = statistics.median(r["whole"] - r["solves"] for r in rows)
            print(
                f"| {name} | {med('whole'):.2f} ({med('whole cpu'):.2f}) | {med('solves'):.2f} "
                f"({med('solves cpu'):.2f}) | {med('balanced (JSON)'):.2f} | {ratio:.2f} | "
                f"{outside:.2f} |"
            )
        if args.phases:
            labels = ["start + imports"] + [label for label, _, _ in PHASES]
            print()
            print("| step | " + " | ".join(f"{name} s (CPU s)" for name in runs) + " |")
            print("|---|" + "---|" * len(runs))
            for label in labels:
                cells = []
                for rows in times.values():
                    wall = statistics.median(r.get(label, 0.0) for r in rows)
                    cpu = statistics.median(r.get(label + " cpu", 0.0) for r in rows)
                    cells.append(
                        f"{wall:.2f}" + (f" ({cpu:.2f})" if label + " cpu" in rows[0] else "")
                    )
                print(f"| {label} | " + " | ".join(cells) + " |")


def _load() -> str:
    try:
        return " ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:  # pragma: no cover - no load average on this platform
        return "n/a"


if __name__ == "__main__":
    main()
