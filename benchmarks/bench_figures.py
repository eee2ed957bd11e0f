"""Time the literature's figure (b) grid: 4 policies x 201 income ratios.

Run: ``python benchmarks/bench_figures.py``. Prints the median of repeated timings (seconds)
for the four policies alone and with the three-school construction columns added.
"""

from __future__ import annotations

import platform
import statistics
import time

import numpy as np

from assignopt.figures import ratio_curves, threshold_curve


def median_seconds(func, repeats: int = 15) -> float:
    func()  # warm-up: imports, first-call caches
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        func()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    ratios = np.linspace(1.0, 3.0, 201)
    rows = [
        (
            "figure (b): 4 policies x 201 ratios",
            lambda: ratio_curves(ratios=ratios, black_share=None),
        ),
        (
            "figure (b) + three-school construction (2 tolerances)",
            lambda: ratio_curves(ratios=ratios),
        ),
        ("figure (a): 231 thresholds x 3 policies", threshold_curve),
    ]
    print(f"python {platform.python_version()}, {platform.machine()}")
    for name, func in rows:
        print(f"{name:<58} {median_seconds(func):.4f} s")


if __name__ == "__main__":
    main()
