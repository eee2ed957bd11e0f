"""Contiguous attendance zones at scale: status, proven gap, rounds and time.

Run: ``python benchmarks/bench_zones.py CASE [--tolerance D] [--gap G] [--time-limit S]``
with CASE one of ``sacramento`` (the metro sample, 403 tracts, 40 schools), ``county`` (the
county sample, 279 tracts, 30 schools) or ``synthetic`` (``--grid`` x ``--grid``
neighborhoods of 200 students and ``--schools`` schools,
:func:`assignopt.spatial.synth.synthetic_city`, seed 0, ``--income-segregation`` its poverty
sorting). Prints one JSON object: the zoning's ``--json`` keys plus the candidate pairs,
rounds, lazy cuts, the time of the whole job (distances, the min-travel LP, adjacency, zoning)
and the process's peak resident memory.
"""

from __future__ import annotations

import argparse
import json
import logging
import resource
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FILES = {
    "sacramento": ROOT / "sample_districts" / "sacramento_2000.gpkg",
    "county": ROOT / "sample_districts" / "sacramento_county_2000.gpkg",
}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("case", choices=["sacramento", "county", "synthetic"])
    parser.add_argument("--tolerance", type=float, default=0.1)
    parser.add_argument("--gap", type=float, default=0.01)
    parser.add_argument("--time-limit", type=float, default=60.0)
    parser.add_argument("--grid", type=int, default=100)
    parser.add_argument("--schools", type=int, default=100)
    parser.add_argument("--income-segregation", type=float, default=0.5)
    parser.add_argument("--no-possible", action="store_true")
    parser.add_argument("--nearest", type=int, default=None)
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, stream=sys.stderr, format="  %(message)s")
    from assignopt.workflows.requests import SynthRequest, ZonesRequest
    from assignopt.workflows.zones import run

    source = (
        {"district": FILES[args.case]}
        if args.case in FILES
        else {
            "synthetic": SynthRequest(
                grid=args.grid,
                schools=args.schools,
                income_segregation=args.income_segregation,
                seed=0,
            )
        }
    )
    request = ZonesRequest(
        **source,
        tolerance=args.tolerance,
        gap=args.gap,
        time_limit=args.time_limit,
        possible=not args.no_possible,
        **({"nearest": args.nearest} if args.nearest else {}),
    )
    start = time.perf_counter()
    result = run(request, progress=True)
    total = time.perf_counter() - start
    s = result.to_dict()
    keys = (
        "status",
        "gap",
        "objective_km",
        "lp_bound_km",
        "v_zoned",
        "v_lp",
        "v_nearest",
        "v_residential",
        "moved_share",
        "seconds",
        "rounds",
        "cuts",
        "pairs",
    )
    out = {
        "case": args.case,
        "neighborhoods": s["neighborhoods"],
        "schools": s["schools"],
        "tolerance": args.tolerance,
        "requested_gap": args.gap,
        "time_limit": args.time_limit,
        **{k: s[k] for k in keys},
        "v_max": (s["possible"] or {}).get("v_max"),
        "job_seconds": total,
        "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }
    print(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
