"""Build ``sample_districts/synthetic_schools.csv``: a SYNTHETIC table of schools of 40 districts.

Run from the repository root: ``python sample_districts/build_school_table.py``. Each district
is a seeded synthetic city (``assignopt.spatial.synth``) with its own residential racial and
income segregation, poverty sorted along or across the racial gradient; its schools' students
are those of the nearest-school assignment with capacities. Columns: ``district``, ``school``,
``black``, ``white``, ``poor`` (rounded to whole students). No real school is described.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from assignopt.policy import Policy
from assignopt.spatial.assign import assign_district, school_compositions
from assignopt.spatial.synth import synthetic_city


def build(n_districts: int = 40, seed: int = 1998) -> pd.DataFrame:
    """The synthetic school table: one row per school of ``n_districts`` seeded districts."""
    rng = np.random.default_rng(seed)
    rows = []
    for d in range(n_districts):
        city = synthetic_city(
            grid=int(rng.integers(5, 9)),
            racial_segregation=float(rng.uniform(0, 1)),
            income_segregation=float(rng.uniform(0, 1)),
            black_share=float(rng.uniform(0.15, 0.6)),
            black_poverty=float(rng.uniform(0.25, 0.5)),
            white_poverty=float(rng.uniform(0.05, 0.2)),
            n_schools=int(rng.integers(4, 13)),
            income_axis=str(rng.choice(["independent", "aligned"])),
            seed=d,
        )
        result = assign_district(city, Policy(0.49), possible=False)
        comp = school_compositions(city.counts(), result.nearest.flows)
        for j, school in enumerate(comp):
            if school.sum() > 0:
                rows.append(
                    {
                        "district": f"D{d + 1:02d}",
                        "school": f"D{d + 1:02d}-S{j + 1}",
                        "black": round(school[0].sum()),
                        "white": round(school[1].sum()),
                        "poor": round(school[:, 0].sum()),
                    }
                )
    return pd.DataFrame(rows)


if __name__ == "__main__":
    path = Path(__file__).resolve().parent / "synthetic_schools.csv"
    build().to_csv(path, index=False)
    print(f"wrote {path}")
