"""Print the table of docs/sacramento.md: both sample districts at four tolerances.

Run: ``python docs/sacramento_table.py`` (a few minutes). Every number is the command line's
``assignopt assign ... --split-range --split-time-limit 10`` on the shipped sample files.
"""

from __future__ import annotations

from pathlib import Path

import assignopt as ao

ROOT = Path(__file__).resolve().parent.parent
TOLERANCES = (0.0, 0.05, 0.1, 0.2)


def main() -> None:
    """Print the markdown table."""
    print(
        "| district | d | V residential | V nearest | V balanced | V balanced, any split "
        "| possible max | km nearest | km balanced | moved from nearest |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|")
    for name in ("sacramento_2000", "sacramento_county_2000"):
        district = ao.read_district(ROOT / "sample_districts" / f"{name}.gpkg")
        for tolerance in TOLERANCES:
            s = ao.assign(
                district, tolerance=tolerance, split_range=True, split_time_limit=10.0
            ).summary()
            split = s["v_assigned_split_range"]
            high = f"{split['v_high']:.3f}"
            if not split["exact_high"]:
                high += f" (bound {split['v_high_bound']:.3f})"
            travel = s["travel"]
            print(
                f"| {name} | {tolerance:.2f} | {s['v_residential']:.4f} | {s['v_nearest']:.4f} "
                f"| {s['v_assigned']:.4f} | {split['v_low']:.3f} to {high} "
                f"| {s['possible']['v_max']:.4f} | {travel['nearest']['mean_km']:.2f} "
                f"| {travel['assigned']['mean_km']:.2f} "
                f"| {travel['assigned']['share_not_nearest']:.1%} |"
            )


if __name__ == "__main__":
    main()
