"""Time of controlled-choice lotteries on a seeded synthetic district of 300,000 students.

Run: ``python benchmarks/bench_choice.py [--draws 100] [--repeats 3] [--workers 2]``, or with
``--command`` to time the whole ``assignopt choice`` command on the Sacramento county sample
(``sample_districts/sacramento_county_2000.gpkg``: 301,602 students, 279 tracts, 30 schools):
reading the district, distances, the nearest-school and minimum-travel assignments, the draws
and every file and the report, as a user runs it (a fresh process each repeat; wall time, CPU
time of the process and its workers, and the load average before each run).

Instance: 1,000 neighborhoods uniform in a 30 km square, about 300 students each (two groups,
the Black share rising west to east from 5% to 95%; poverty 45% among Black and 15% among
White families), 40 schools uniform in the square with 10% spare capacity, band d = 0.10,
default logit preferences (0.5 per km, Gumbel taste shocks), every school ranked.

Prints, per reserve form: the median over ``--repeats`` of one draw's wall and CPU time in this
process (with the DA rounds), then the wall time of ``--draws`` draws spread over ``--workers``
processes (median of ``--repeats``) and the CPU seconds the workers used, with V's mean and
5-95% range. On a shared machine the wall time depends on the load; the CPU time much less.

Measured 2026-11-25 on the 2-core development machine, shared with other jobs (load average
4-6, so wall times vary run to run): 100 draws, 3 repeats, 296,854 students, d = 0.10, full
lists. Median CPU seconds for all 100 draws: band 27.5, minimum 26.3, none 26.0 (0.22-0.30 s
per draw; in a profile deferred acceptance takes about half, in 18-20 rounds, and the
utilities with their taste shocks a quarter). Median wall: band 55.8 s, minimum 24.5 s (best
19.7 s), none 48.6 s; about 15 s expected on two idle cores. With d = 0.05 and lists of three
schools (47,000 students a draw placed by the nearest-school fallback): 0.44 s CPU per draw.
Students drawn uniformly inside 24-vertex polygons instead of at points: 0.5 s CPU per draw.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np

from assignopt.choice import ChoiceProblem, LogitPreferences, run_draw, simulate_choice


def instance(n_nb: int = 1000, n_schools: int = 40, per_nb: int = 300, seed: int = 0):
    rng = np.random.default_rng(seed)
    pts = rng.uniform(0, 30_000, (n_nb, 2))
    schools = rng.uniform(0, 30_000, (n_schools, 2))
    share = np.clip(pts[:, 0] / 30_000, 0.05, 0.95)
    tot = rng.integers(per_nb // 2, 3 * per_nb // 2 + 1, n_nb)
    b = rng.binomial(tot, share)
    w = tot - b
    bp, wp = rng.binomial(b, 0.45), rng.binomial(w, 0.15)
    counts = np.stack([np.stack([bp, b - bp], 1), np.stack([wp, w - wp], 1)], 1)
    dist = np.linalg.norm(pts[:, None] - schools[None], axis=2)
    cap = np.full(n_schools, int(np.ceil(counts.sum() * 1.1 / n_schools)))
    return counts, cap, dist


COUNTY = Path(__file__).resolve().parent.parent / "sample_districts" / "sacramento_county_2000.gpkg"


def time_command(args: argparse.Namespace) -> None:
    """Time ``assignopt choice`` on the county sample, end to end, ``--repeats`` times."""
    exe = shutil.which("assignopt") or "assignopt"
    walls, cpus, loads = [], [], []
    for r in range(args.repeats):
        with tempfile.TemporaryDirectory() as out:
            command = [
                exe, "choice", str(COUNTY), "--tolerance", str(args.tolerance),
                "--draws", str(args.draws), "--seed", str(r), "--workers", str(args.workers),
                "--reserve", args.reserves.split(",")[0], "--out", out, "--json",
            ]  # fmt: skip
            if args.list_length:
                command += ["--list-length", str(args.list_length)]
            loads.append(os.getloadavg()[0])
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            t = time.perf_counter()
            done = subprocess.run(command, capture_output=True, text=True, check=True)
            walls.append(time.perf_counter() - t)
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            cpus.append(after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime)
            s = json.loads(done.stdout)
            print(
                f"run {r}: {walls[-1]:.1f} s wall ({s['seconds']:.1f} s inside, lotteries "
                f"{s['draw_seconds']:.1f} s), {cpus[-1]:.1f} s CPU, load before {loads[-1]:.1f}; "
                f"V {s['v_mean']:.4f} [{s['v_p05']:.4f}, {s['v_p95']:.4f}] vs nearest "
                f"{s['v_nearest']:.4f}, min-travel {s['v_min_travel']:.4f}; first choice "
                f"{s['first_choice_share']:.3f}; unassigned {s['unassigned']:.0f}",
                flush=True,
            )
    print(
        f"median of {args.repeats}: {statistics.median(walls):.1f} s wall, "
        f"{statistics.median(cpus):.1f} s CPU ({s['students']:,} students, {s['schools']} "
        f"schools, {args.draws} draws, {args.workers} workers, load {min(loads):.1f}-"
        f"{max(loads):.1f})"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--draws", type=int, default=100)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--reserves", default="band,minimum,none")
    parser.add_argument("--list-length", type=int, default=None)
    parser.add_argument("--tolerance", type=float, default=0.10)
    parser.add_argument(
        "--command", action="store_true", help="time `assignopt choice` on the county sample"
    )
    args = parser.parse_args()
    if args.command:
        time_command(args)
        return
    counts, cap, dist = instance()
    print(f"students {counts.sum():,}, schools {cap.size}, draws {args.draws}")
    for reserve in args.reserves.split(","):
        problem = ChoiceProblem(
            counts,
            cap,
            args.tolerance,
            reserve,
            LogitPreferences(list_length=args.list_length),
            neighborhood_distance=dist,
            distance_scale=0.001,
        )
        single, single_cpu = [], []
        for r in range(args.repeats):
            t, c = time.perf_counter(), time.process_time()
            outcome = run_draw(problem, r)
            single.append(time.perf_counter() - t)
            single_cpu.append(time.process_time() - c)
        full, full_cpu = [], []
        for r in range(args.repeats):
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            t = time.perf_counter()
            with ProcessPoolExecutor(args.workers) as pool:
                summary = simulate_choice(
                    problem,
                    args.draws,
                    seed=r,
                    map_function=lambda f, xs, pool=pool: pool.map(f, xs, chunksize=4),
                )
            full.append(time.perf_counter() - t)
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            full_cpu.append(after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime)
        stats = summary.stats()
        print(
            f"{reserve:8s} one draw {statistics.median(single):5.2f} s wall, "
            f"{statistics.median(single_cpu):5.2f} s CPU (DA rounds {outcome.rounds}); "
            f"{args.draws} draws on {args.workers} processes "
            f"{statistics.median(full):6.1f} s wall (runs: {', '.join(f'{x:.1f}' for x in full)}), "
            f"{statistics.median(full_cpu):6.1f} s CPU; "
            f"V {stats['v_mean']:.4f} [{stats['v_p05']:.4f}, {stats['v_p95']:.4f}], "
            f"first choice {stats['first_choice_share']:.3f}, "
            f"unassigned {stats['unassigned']:.1f} (fallback {stats['fallback']:.0f}, "
            f"removed for the band {stats['removed_for_band']:.1f})",
            flush=True,
        )


if __name__ == "__main__":
    main()
