"""Time the maximum-segregation LPs.

Run: ``python benchmarks/bench_maxseg.py``. Medians of repeated runs in one process (after a
warm-up) of: the exact dichotomous LP; K equal-share gamma income classes (urban reference
means) under perfect balance and under a tolerance of a fifth of each class's share
(d = 0.2 / K), to gap 1e-4, by column generation (perfect balance) and by the cell bracket.
Build and solve times are reported apart, and CPU seconds (``time.process_time``) beside the
wall seconds with the load average (the machine is shared). ``python
benchmarks/bench_maxseg.py 100`` times only the named K values (the growth fit needs at least
two); the package timed is the one first on ``PYTHONPATH``, so an older checkout can be timed
by the same script.
"""

from __future__ import annotations

import os
import platform
import statistics
import sys
import time

import numpy as np

from assignopt.income import GammaIncome
from assignopt.maxseg import maximum_segregation
from assignopt.policy import Policy
from assignopt.population import Population


def timed(func, repeats):
    """Median wall and CPU seconds of ``repeats`` calls after a warm-up, and the last result."""
    func()
    runs = []
    for _ in range(repeats):
        start, cpu = time.perf_counter(), time.process_time()
        result = func()
        runs.append((time.perf_counter() - start, time.process_time() - cpu, result))
    wall = statistics.median(r[0] for r in runs)
    timed.cpu = statistics.median(r[1] for r in runs)
    return wall, runs[-1][2]


def main(ks: tuple[int, ...] = (20, 50, 100, 200)) -> None:
    print(f"python {platform.python_version()}, {platform.machine()}")
    dich = Population.dichotomous(0.5, 0.5, 0.2)
    wall, r = timed(lambda: maximum_segregation(dich, Policy(0.1)), 21)
    print(f"dichotomous d=0.1, extreme-point LP: {wall * 1e3:.1f} ms, V = {r.lower:.6f}")
    black, white = GammaIncome.from_mean(24_600), GammaIncome.from_mean(52_100)
    print("K, policy, method, median s, CPU s, build s, solve s, iterations, gap, V, load")
    rows = []
    for k in ks:
        pop = Population.gamma(black, white, 0.5, k)
        for d in (0.0, 0.2 / k):
            for method in ("colgen", "bracket"):
                if (method == "bracket" and d == 0 and k > 100) or (method == "colgen" and d > 0):
                    continue  # column generation tails off with bands (K=50: 56 s)
                repeats = 5 if method == "colgen" else 3
                wall, r = timed(
                    lambda pop=pop, d=d, method=method: maximum_segregation(
                        pop, Policy(d), method=method, gap=1e-4
                    ),
                    repeats,
                )
                rows.append((k, d > 0, method, wall))
                print(
                    f"{k}, d={d:.4f}, {method}, {wall:.3f}, {timed.cpu:.3f}, "
                    f"{r.build_seconds:.3f}, {r.solve_seconds:.3f}, {r.iterations}, "
                    f"{r.gap:.1e}, {r.lower:.6f}, {os.getloadavg()[0]:.2f}"
                )
    for d, method in ((False, "colgen"), (False, "bracket"), (True, "bracket")):
        ks = [k for k, dd, m, _ in rows if dd == d and m == method]
        ts = [t for k, dd, m, t in rows if dd == d and m == method]
        if len(ks) < 2:
            continue
        slope = np.polyfit(np.log(ks), np.log(ts), 1)[0]
        label = "d = 0.2/K" if d else "perfect balance"
        print(f"{method}, {label}: time grows as K^{slope:.2f}")


if __name__ == "__main__":
    main(tuple(int(k) for k in sys.argv[1:]) or (20, 50, 100, 200))
