"""Districts per second for the district bounds table on 1,000 synthetic districts.

Run: ``python benchmarks/bench_districts.py [runs] [--command] [--delete-each-run]``. Each
district has 4 to 12 schools with random Black and White counts and poor students (seeded); the
bounds of every district (today's V, the race-proportional reassignment, the LP interval at
tolerance 0.1) are computed with 1 and 2 local processes, into a fresh folder each time (no
reused results), runs of 1 and 2 processes interleaved so that load from elsewhere falls on
both alike. Reports the
median wall time, the speed-up of 2 processes over 1, a rerun that reuses every stored result,
and the time to draw the forest plot of all 1,000 districts. With ``--command`` it also times
the whole ``assignopt districts`` command (a fresh process: start-up, imports, reading the CSV,
the table, the figure) with ``--workers 1`` and ``--workers 2``, interleaved.

Every run's results stay on disk until the end; with ``--delete-each-run`` each run's folder is
removed as soon as it is measured. Creating the thousand result files is most of the system
time: on this machine's ext4 a new file costs 0.01-0.05 ms at times and 0.3-0.6 ms at others,
nearly all of it, by ``perf``, in looking past recently freed inodes (``recently_deleted`` in
``find_inode_bit``), which thousands of deletions (this benchmark's own, or a neighbour's)
leave behind.

On a shared machine wall times measure the neighbours as much as the code (and where the kernel
shares the processors fairly between sessions, two processes of one run get no more processor
time than one), so each run also reports CPU seconds of this process (the serial part: splitting
the table, hashing keys, collecting results) and of its worker processes, and the load average
when it started. ``serial + workers / 2`` is the wall time the run needs on two free cores if
the workers share the work evenly and the serial part overlaps nothing; the "CPU model" speed-up
is the serial run's CPU seconds over that, taken run pair by run pair.
"""

from __future__ import annotations

import contextlib
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from assignopt.districts import district_table, plot_district_table


def school_table(n_districts: int = 1000, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    rows = []
    for d in range(n_districts):
        for j in range(int(rng.integers(4, 13))):
            black, white = rng.integers(20, 600, size=2)
            poor = int(rng.uniform(0.05, 0.6) * (black + white))
            rows.append(
                {"district": f"D{d:04d}", "school": j, "black": black, "white": white, "poor": poor}
            )
    return pd.DataFrame(rows)


def _cpu(children: bool = False) -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN if children else resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _median(values: list[float]) -> float:
    return statistics.median(values)


def _speedups(runs: list[dict]) -> tuple[float, float]:
    """Median over run pairs of the wall speed-up and of the CPU-model speed-up."""
    ones = [r for r in runs if r["workers"] == 1]
    twos = [r for r in runs if r["workers"] == 2]
    wall = [a["wall"] / b["wall"] for a, b in zip(ones, twos)]
    model = [
        (a["self"] + a["children"]) / (b["self"] + b["children"] / 2) for a, b in zip(ones, twos)
    ]
    return _median(wall), _median(model)


def _print_runs(runs: list[dict], what: str) -> None:
    print(f"{what}:")
    print("  processes  wall s  CPU s this process  CPU s workers  load average at start")
    for r in runs:
        print(
            f"  {r['workers']:>9}  {r['wall']:6.2f}  {r['self']:19.2f}  {r['children']:13.2f}"
            f"  {r['load']:.2f}"
        )
    for workers in (1, 2):
        mine = [r for r in runs if r["workers"] == workers]
        wall, own, kids = (_median([r[k] for r in mine]) for k in ("wall", "self", "children"))
        print(
            f"  {workers} process(es), median of {len(mine)}: wall {wall:.2f} s, "
            f"CPU this process {own:.2f} s, workers {kids:.2f} s"
        )
    wall, model = _speedups(runs)
    one = _median([r["self"] for r in runs if r["workers"] == 1])
    two = _median([r["self"] + r["children"] / 2 for r in runs if r["workers"] == 2])
    print(
        f"  speed-up of 2 processes, median of run pairs: CPU model {model:.2f}x "
        f"(medians: {one:.2f} s serial against {two:.2f} s on two free cores, {one / two:.2f}x); "
        f"wall {wall:.2f}x"
    )


def _folder(scratch: Path, name: str, delete: bool) -> Any:
    """A fresh folder: kept in ``scratch`` until the end, or with ``delete`` removed at once."""
    if delete:
        return tempfile.TemporaryDirectory(dir=scratch)
    path = scratch / name
    path.mkdir()
    return contextlib.nullcontext(str(path))


def table_runs(
    table: pd.DataFrame, runs: int, scratch: Path, delete: bool
) -> tuple[pd.DataFrame, list[dict], list[float]]:
    measured, reruns = [], []
    for run in range(runs):
        for workers in (1, 2):
            with _folder(scratch, f"table-{run}-{workers}", delete) as folder:
                load = os.getloadavg()[0]
                start, before, children = time.perf_counter(), _cpu(), _cpu(children=True)
                frame, outcome = district_table(
                    table, ["black", "white"], 0.1, folder, workers=workers, progress=False
                )
                measured.append(
                    {
                        "workers": workers,
                        "wall": time.perf_counter() - start,
                        "self": _cpu() - before,
                        "children": _cpu(children=True) - children,
                        "load": load,
                    }
                )
                assert outcome.computed == len(frame) == len(table["district"].unique())
                start = time.perf_counter()
                _, again = district_table(
                    table, ["black", "white"], 0.1, folder, workers=workers, progress=False
                )
                reruns.append(time.perf_counter() - start)
                assert again.reused == len(frame)
    return frame, measured, reruns


# The command in a fresh interpreter that reports, as it exits, its own CPU seconds and those of
# the worker processes it waited for.
_COMMAND = """
import atexit, json, resource, sys
def _report():
    me = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = [me.ru_utime + me.ru_stime, kids.ru_utime + kids.ru_stime]
    sys.stderr.write("CPU " + json.dumps(cpu) + "\\n")
atexit.register(_report)
from assignopt.cli import main
sys.argv = ["assignopt"] + sys.argv[1:]
main()
"""


def command_runs(csv: Path, runs: int, scratch: Path, delete: bool) -> list[dict]:
    measured = []
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(
            [str(Path(__file__).parents[1]), os.environ.get("PYTHONPATH", "")]
        ),
    }
    for run in range(runs):
        for workers in (1, 2):
            with _folder(scratch, f"command-{run}-{workers}", delete) as folder:
                load = os.getloadavg()[0]
                args = ["districts", str(csv), "--tolerance", "0.1", "--workers", str(workers)]
                start = time.perf_counter()
                done = subprocess.run(
                    [sys.executable, "-c", _COMMAND, *args, "--out", folder, "--json"],
                    capture_output=True,
                    text=True,
                    env=env,
                    check=True,
                )
                wall = time.perf_counter() - start
                line = [x for x in done.stderr.splitlines() if x.startswith("CPU ")][-1]
                own, kids = json.loads(line[4:])
                assert json.loads(done.stdout)["computed"] == 1000
                measured.append(
                    {"workers": workers, "wall": wall, "self": own, "children": kids, "load": load}
                )
    return measured


def main(runs: int = 5, command: bool = False, delete: bool = False) -> None:
    with tempfile.TemporaryDirectory() as scratch:
        _main(school_table(), runs, command, Path(scratch), delete)


def _main(table: pd.DataFrame, runs: int, command: bool, scratch: Path, delete: bool) -> None:
    frame, measured, reruns = table_runs(table, runs, scratch, delete)
    _print_runs(measured, f"district_table of {len(frame)} districts")
    print(f"rerun reusing every result: median {_median(reruns):.2f} s")
    draws, cpus = [], []
    for k in range(4):
        start, before = time.perf_counter(), _cpu()
        plot_district_table(frame, scratch / f"forest-{k}.png")
        draws.append(time.perf_counter() - start)
        cpus.append(_cpu() - before)
    print(
        f"forest plot of {len(frame)} districts: first {draws[0]:.2f} s wall, {cpus[0]:.2f} s CPU "
        f"(loading matplotlib), then median {_median(draws[1:]):.2f} s wall, "
        f"{_median(cpus[1:]):.2f} s CPU"
    )
    if command:
        csv = scratch / "schools.csv"
        table.to_csv(csv, index=False)
        _print_runs(command_runs(csv, runs, scratch, delete), "whole command `assignopt districts`")


if __name__ == "__main__":
    numbers = [int(a) for a in sys.argv[1:] if a.isdigit()]
    main(
        numbers[0] if numbers else 5,
        command="--command" in sys.argv,
        delete="--delete-each-run" in sys.argv,
    )
