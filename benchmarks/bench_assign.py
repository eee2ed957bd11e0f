"""Time and peak memory of the minimum-transport assignment on seeded synthetic instances.

Run: ``python benchmarks/bench_assign.py [--timeout SECONDS]``. Each (size, solver path) runs
in a fresh process, three times; the median wall time of the solve call and the largest peak
resident memory are printed. Instances: neighborhoods uniform in a 10 km square, two classes
(30% poor), schools uniform, capacities summing exactly to enrolment (so the fixed-seat
networkx and OR-Tools paths apply), band d = 0.05 on the poverty rate. ``--city`` uses segregated
synthetic cities (:func:`city_instance`) instead.
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import time

import numpy as np

SIZES = [(200, 20), (2_000, 100), (10_000, 300), (50_000, 500)]
PATHS = [
    ("highs", False),
    ("highs", True),
    ("networkx", True),
    ("pricing", False),
    ("ortools", True),
]


def instance(n: int, s: int, seed: int = 0):
    rng = np.random.default_rng(seed)
    supply = rng.integers(20, 80, size=(n, 1)).astype(float)
    poor = np.round(supply * rng.uniform(0.1, 0.5, size=(n, 1)))
    supply = np.hstack([poor, supply - poor])
    total = supply.sum()
    cap = np.full(s, total // s)
    cap[: int(total - cap.sum())] += 1
    xy, sxy = rng.uniform(0, 10_000, (n, 2)), rng.uniform(0, 10_000, (s, 2))
    km = np.sqrt(((xy[:, None] - sxy[None]) ** 2).sum(-1)) / 1000
    rate = supply[:, 0].sum() / total
    return supply, cap, km, [(np.array([True, False]), rate - 0.05, rate + 0.05)]


def city_instance(n: int, s: int, seed: int = 3):
    """A segregated synthetic city (``assignopt synth``): sqrt(n) x sqrt(n) neighborhoods of 200
    students, s schools on a lattice, racial and income segregation 0.9 with poverty along the
    racial gradient; capacities scaled to enrolment."""
    from assignopt.spatial.assign import district_distances
    from assignopt.spatial.synth import synthetic_city

    grid = round(n**0.5)
    city = synthetic_city(
        grid=grid,
        n_schools=s,
        racial_segregation=0.9,
        income_segregation=0.9,
        income_axis="aligned",
        slack=1.0,
        seed=seed,
    )
    supply = np.round(city.counts().sum(axis=1))
    total = supply.sum()
    cap = np.floor(city.capacity * total / city.capacity.sum())
    cap[: int(total - cap.sum())] += 1
    rate = supply[:, 0].sum() / total
    km = district_distances(city).km
    return supply, cap, km, [(np.array([True, False]), rate - 0.05, rate + 0.05)]


def one(n: int, s: int, solver: str, fixed: bool, city: bool = False) -> dict:
    from assignopt.spatial.transport import transport_assignment

    supply, cap, km, bands = (city_instance if city else instance)(n, s)
    start = time.perf_counter()
    if solver == "pricing":
        result = transport_assignment(supply, cap, km, bands, method="pricing")
    elif solver == "ortools":
        result = transport_assignment(
            supply, cap, km, bands, solver="ortools", fixed_enrolment=True
        )
    else:
        result = transport_assignment(
            supply, cap, km, bands, solver=solver, fixed_enrolment=fixed, method="dense"
        )
    seconds = time.perf_counter() - start
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {
        "seconds": seconds,
        "peak_mb": peak_mb,
        "objective_km": result.objective_km,
        "gap": result.gap,
        "formulation": result.formulation,
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--timeout", type=float, default=300)
    parser.add_argument("--child", nargs=5)
    parser.add_argument(
        "--city", action="store_true", help="Segregated synthetic cities instead of uniform."
    )
    parser.add_argument("--paths", default="highs,highs-fixed,networkx,pricing,ortools")
    parser.add_argument("--min-arcs", type=float, default=0)
    parser.add_argument(
        "--max-arcs",
        type=float,
        default=float("inf"),
        help="Skip sizes with more neighborhood-school pairs than this.",
    )
    args = parser.parse_args()
    if args.child:
        n, s, solver, fixed, city = args.child
        print(json.dumps(one(int(n), int(s), solver, fixed == "1", city == "1")))
        return
    print("neighborhoods x schools, solver, formulation, median s, peak MB, objective km")
    results = {}
    for n, s in SIZES:
        if not args.min_arcs <= n * s <= args.max_arcs:
            continue
        for solver, fixed in PATHS:
            name = solver + ("-fixed" if fixed and solver == "highs" else "")
            if name not in args.paths.split(","):
                continue
            runs = []
            for _ in range(3):
                try:
                    out = subprocess.run(
                        [
                            sys.executable,
                            __file__,
                            "--child",
                            str(n),
                            str(s),
                            solver,
                            "1" if fixed else "0",
                            "1" if args.city else "0",
                        ],
                        capture_output=True,
                        text=True,
                        timeout=args.timeout,
                        check=True,
                    )
                    runs.append(json.loads(out.stdout.strip().splitlines()[-1]))
                except subprocess.TimeoutExpired:
                    break
                except subprocess.CalledProcessError as exc:
                    # SIGKILL here is the kernel's out-of-memory killer.
                    print(
                        f"{n} x {s}, {solver}: died ({exc.returncode}), likely out of memory",
                        flush=True,
                    )
                    break
            form = ("fixed seats" if fixed else "enrolment <= capacity") + (
                ", sparse arcs + pricing" if solver in ("pricing", "ortools") else ""
            )
            if not runs:
                print(f"{n} x {s}, {solver}, {form}, > {args.timeout:.0f} (timed out), -, -")
                continue
            med = statistics.median(r["seconds"] for r in runs)
            results[(solver, fixed, n * s)] = med
            print(
                f"{n} x {s}, {solver}, {form}, {med:.3f}, "
                f"{max(r['peak_mb'] for r in runs):.0f}, {runs[0]['objective_km']:.3f}",
                flush=True,
            )
            if solver == "ortools":
                print(f"    gap {runs[0]['gap']:.1e}; {runs[0]['formulation']}", flush=True)
    for solver, fixed in PATHS:
        points = sorted(
            (arcs, t) for (sv, fx, arcs), t in results.items() if sv == solver and fx == fixed
        )
        if len(points) >= 2:
            slope = np.polyfit(np.log([a for a, _ in points]), np.log([t for _, t in points]), 1)[0]
            print(
                f"{solver} ({'fixed seats' if fixed else 'free enrolment'}): time ~ "
                f"arcs^{slope:.2f}"
            )


if __name__ == "__main__":
    main()
