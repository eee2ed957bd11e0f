"""Districts per second for the district bounds table on 1,000 synthetic districts.

Run: ``python benchmarks/bench_districts.py [runs]``. Each district has 4 to 12 schools with
random Black and White counts and poor students (seeded); the bounds of every district (today's V,
the race-proportional reassignment, the LP interval at tolerance 0.1) are computed with 1 and 2
local processes, into a fresh folder each time (no reused results), runs of 1 and 2 processes
interleaved so that load from elsewhere falls on both alike. Reports the median wall time, the
speed-up of 2 processes over 1, a rerun that reuses every stored result, and the time to draw the
forest plot of all 1,000 districts.

On a shared machine wall times measure the neighbours as much as the code, so each run also
reports CPU seconds of this process (the serial part: splitting the table, hashing keys,
collecting results) and of its worker processes; ``serial + workers / 2`` is the wall time the
run needs on two free cores.
"""

from __future__ import annotations

import resource
import statistics
import sys
import tempfile
import time

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


def main(runs: int = 5) -> None:
    table = school_table()
    walls: dict[int, list[float]] = {1: [], 2: []}
    cpus: dict[int, list[tuple[float, float]]] = {1: [], 2: []}
    reruns = []
    for _ in range(runs):
        for workers in (1, 2):
            with tempfile.TemporaryDirectory() as folder:
                start, before, children = time.perf_counter(), _cpu(), _cpu(children=True)
                frame, outcome = district_table(
                    table, ["black", "white"], 0.1, folder, workers=workers, progress=False
                )
                walls[workers].append(time.perf_counter() - start)
                cpus[workers].append((_cpu() - before, _cpu(children=True) - children))
                start = time.perf_counter()
                _, again = district_table(
                    table, ["black", "white"], 0.1, folder, workers=workers, progress=False
                )
                reruns.append(time.perf_counter() - start)
                assert again.reused == len(frame)
    for workers, times in walls.items():
        wall = statistics.median(times)
        print(
            f"{workers} process(es): median {wall:.2f} s of {runs} "
            f"({', '.join(f'{t:.2f}' for t in times)}) for {len(frame)} districts, "
            f"{len(frame) / wall:.0f} districts/s, {len(outcome.failures)} failures"
        )
        serial = statistics.median(c[0] for c in cpus[workers])
        spread = statistics.median(c[1] for c in cpus[workers])
        print(f"  CPU seconds: this process {serial:.2f}, worker processes {spread:.2f}")
    one = statistics.median(c[0] for c in cpus[1])
    two = statistics.median(s + w / 2 for s, w in cpus[2])
    print(f"CPU model: 1 process {one:.2f} s, 2 on two free cores {two:.2f} s, {one / two:.2f}x")
    print(
        f"speed-up of 2 processes: {statistics.median(walls[1]) / statistics.median(walls[2]):.2f}x"
    )
    print(f"rerun reusing every result: median {statistics.median(reruns):.2f} s")
    draws = []
    with tempfile.TemporaryDirectory() as folder:
        for _ in range(3):
            start = time.perf_counter()
            plot_district_table(frame, f"{folder}/forest.png")
            draws.append(time.perf_counter() - start)
    print(f"forest plot of {len(frame)} districts: median {statistics.median(draws):.2f} s")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 5)
