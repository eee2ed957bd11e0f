"""Districts per second for the district bounds table on 1,000 synthetic districts.

Run: ``python benchmarks/bench_districts.py``. Each district has 4 to 12 schools with random
Black and White counts and poor students (seeded); the bounds of every district (today's V, the
race-proportional reassignment, the LP interval at tolerance 0.1) are computed with 1 and 2 local
processes, into a fresh folder each time (no resumed results). Median of 3 runs.
"""

from __future__ import annotations

import statistics
import tempfile
import time

import numpy as np
import pandas as pd

from assignopt.districts import district_table


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


def main() -> None:
    table = school_table()
    for workers in (1, 2):
        runs = []
        for _ in range(3):
            with tempfile.TemporaryDirectory() as folder:
                start = time.perf_counter()
                frame, outcome = district_table(
                    table, ["black", "white"], 0.1, folder, workers=workers, progress=False
                )
                runs.append(time.perf_counter() - start)
        wall = statistics.median(runs)
        print(
            f"{workers} process(es): {wall:.2f} s for {len(frame)} districts, "
            f"{len(frame) / wall:.0f} districts/s, {len(outcome.failures)} failures"
        )


if __name__ == "__main__":
    main()
