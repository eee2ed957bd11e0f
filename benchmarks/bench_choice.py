"""Time of controlled-choice lotteries on a seeded synthetic district of 300,000 students.

Run: ``python benchmarks/bench_choice.py [--draws 100] [--repeats 3] [--workers 2]``.

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
import resource
import statistics
import time
from concurrent.futures import ProcessPoolExecutor

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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--draws", type=int, default=100)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--reserves", default="band,minimum,none")
    parser.add_argument("--list-length", type=int, default=None)
    parser.add_argument("--tolerance", type=float, default=0.10)
    args = parser.parse_args()
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
