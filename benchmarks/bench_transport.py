"""Network paths side by side with their anchors, on the instances of ``bench_assign.py``.

Run: ``python benchmarks/bench_transport.py [--cases a,b] [--solvers ours,pot] [--repeats 3]
[--timeout S]``.
Each (case, size, solver) runs in a fresh process ``--repeats`` times; printed: median wall
and CPU seconds, peak resident MB, objective km. The anchors are measured in the same run:

- POT's exact transport ``ot.emd`` (network simplex; benchmark-only, ``pip install pot``; not a
  dependency of assignopt) where the problem is plain transport: no band (all students, one
  class), and perfect balance with full schools (one problem per class, seats ``share * E_s``);
- the integer network with seat bounds rounded inward (the former fixed-enrolment path: a
  slightly different problem) and HiGHS pricing, for bands;
- for a band on a free enrolment, the same district with capacities scaled to enrolment (the
  fixed-enrolment network), and plain HiGHS pricing.

The machine is shared: the load average is printed with every result; compare CPU seconds.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))
from bench_assign import instance  # noqa: E402

CASES = {
    # case: (sizes, solvers); the first solver is ours, the rest anchors
    "nearest": ([(2_000, 100), (10_000, 300), (50_000, 500)], ["ours", "pot"]),
    "balance": ([(2_000, 100), (10_000, 300), (50_000, 500)], ["ours", "pot"]),
    "band-fixed": ([(10_000, 300), (50_000, 500)], ["ours", "rounded"]),
    "band-free": ([(10_000, 300), (50_000, 500)], ["ours", "fixed"]),
    "large": ([(50_000, 2_000)], ["ours"]),
    "large-band": ([(50_000, 2_000)], ["ours"]),
    "large-band-free": ([(50_000, 2_000)], ["ours"]),
    # A segregated synthetic city (assignopt synth --grid 100 --schools 300 --seed 0:
    # fractional students, poverty clustered) with 10% spare seats and the 0.05 band.
    "city-band-free": ([(10_000, 300)], ["ours", "fixed", "pricing"]),
    # The same city on full schools (fixed seats) up to the 100M-pair size.
    "city-band-fixed": ([(10_000, 300), (19_881, 800), (50_176, 2_000)], ["ours"]),
}


def problem(case: str, n: int, s: int):
    """Students, capacities, distances and bands of a case."""
    if case.startswith("city"):
        return city(round(n**0.5), s, spare=0.0 if case == "city-band-fixed" else 0.1)
    supply, cap, km, bands = instance(n, s)
    rate = supply[:, 0].sum() / supply.sum()
    poor = np.array([True, False])
    if case in ("nearest", "large"):
        return supply, cap, km, []
    if case == "balance":
        return supply, cap, km, [(poor, rate, rate)]
    if case in ("band-free", "large-band-free"):
        return supply, np.ceil(cap * 1.1), km, bands
    return supply, cap, km, bands  # band-fixed, large-band: capacities equal to enrolment


def city(grid: int, s: int, spare: float = 0.1, d: float = 0.05):
    """The synthetic city of ``assignopt synth --grid G --schools S --seed 0`` (defaults:
    racial and income segregation 0.5), capacities scaled to enrolment times ``1 + spare``."""
    from assignopt.spatial.assign import district_distances
    from assignopt.spatial.synth import synthetic_city

    district = synthetic_city(grid=grid, n_schools=s, seed=0)
    supply = district.counts().sum(axis=1)
    total = supply.sum()
    cap = district.capacity * total / district.capacity.sum() * (1 + spare)
    rate = supply[:, 0].sum() / total
    km = district_distances(district).km
    return supply, cap, km, [(np.array([True, False]), rate - d, rate + d)]


def one(case: str, n: int, s: int, solver: str) -> dict:
    supply, cap, km, bands = problem(case, n, s)
    import highspy  # noqa: F401  (imports outside the timing)

    from assignopt.spatial.transport import transport_assignment

    if solver == "pot":
        import ot
    else:  # the lazily imported solver modules, as in a process that solved before
        import ortools.graph.python.min_cost_flow  # noqa: F401

        import assignopt.spatial.levels  # noqa: F401
        import assignopt.spatial.netflow  # noqa: F401
        import assignopt.spatial.scaled  # noqa: F401
    # OpenBLAS's threads spin for tens of milliseconds of CPU after the imports' first BLAS
    # work; let them settle so that the CPU seconds below are the solve's alone.
    time.sleep(0.3)
    wall, cpu = time.perf_counter(), time.process_time()
    extra = ""
    if solver == "ours":
        result = transport_assignment(supply, cap, km, bands)
        objective, extra = result.objective_km, f"{result.solver}; {result.formulation}"
    elif solver == "pot":
        # Histograms summing to one (as ot.emd expects; with raw student counts its network
        # simplex stopped as "infeasible" at 50,000 x 500), then scaled back.
        if bands:
            rate = bands[0][1]
            pairs = [(supply[:, k], share * cap) for k, share in enumerate((rate, 1 - rate))]
        else:
            pairs = [(supply.sum(axis=1), cap)]
        objective = 0.0
        for a, b in pairs:
            total = a.sum()
            plan = ot.emd(np.ascontiguousarray(a / total), b / b.sum(), km, numItermax=10**9)
            objective += total * float((plan * km).sum())
    elif solver == "rounded":
        from assignopt.spatial.netflow import seat_model, transport_by_network

        seats = seat_model(cap, bands, 2, True)  # whole seat bounds (rounded inward)
        result = transport_by_network(supply, km, seats)
        objective, extra = result.objective_km, result.formulation
    elif solver == "fixed":
        if case.startswith("city"):  # fractional students: capacities scaled exactly
            full = cap * supply.sum() / cap.sum()
        else:
            full = np.floor(cap * supply.sum() / cap.sum())
            full[: int(supply.sum() - full.sum())] += 1
        result = transport_assignment(supply, full, km, bands)
        objective, extra = result.objective_km, "same district, capacities scaled to enrolment"
    elif solver == "pricing":
        result = transport_assignment(supply, cap, km, bands, method="pricing")
        objective, extra = result.objective_km, result.formulation
    else:
        raise ValueError(solver)
    return {
        "wall": time.perf_counter() - wall,
        "cpu": time.process_time() - cpu,
        "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "objective_km": objective,
        "load": os.getloadavg()[0],
        "extra": extra[:300],
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", default=",".join(CASES))
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--timeout", type=float, default=900)
    parser.add_argument("--min-pairs", type=float, default=0)
    parser.add_argument("--max-pairs", type=float, default=float("inf"))
    parser.add_argument("--solvers", default="", help="only these solvers (comma-separated)")
    parser.add_argument("--child", nargs=4)
    args = parser.parse_args()
    if args.child:
        case, n, s, solver = args.child
        print(json.dumps(one(case, int(n), int(s), solver)))
        return
    print("case, neighborhoods x schools, solver, median wall s, median CPU s, peak MB, km, load")
    for case in args.cases.split(","):
        sizes, solvers = CASES[case]
        if args.solvers:
            solvers = [s for s in solvers if s in args.solvers.split(",")]
        for n, s in sizes:
            if not args.min_pairs <= n * s <= args.max_pairs:
                continue
            cpu = {}
            for solver in solvers:
                runs = []
                for _ in range(args.repeats):
                    command = [sys.executable, __file__, "--child", case, str(n), str(s), solver]
                    try:
                        out = subprocess.run(
                            command,
                            capture_output=True,
                            text=True,
                            timeout=args.timeout,
                            check=True,
                        )
                    except subprocess.TimeoutExpired:
                        print(f"{case}, {n} x {s}, {solver}: > {args.timeout:.0f} s", flush=True)
                        break
                    except subprocess.CalledProcessError as exc:
                        print(f"{case}, {n} x {s}, {solver}: failed {exc.stderr[-300:]}")
                        break
                    runs.append(json.loads(out.stdout.strip().splitlines()[-1]))
                if not runs:
                    continue
                wall = statistics.median(r["wall"] for r in runs)
                cpu[solver] = statistics.median(r["cpu"] for r in runs)
                print(
                    f"{case}, {n:,} x {s:,}, {solver}, {wall:.2f}, {cpu[solver]:.2f}, "
                    f"{max(r['peak_mb'] for r in runs):.0f}, {runs[0]['objective_km']:.6f}, "
                    f"{statistics.median(r['load'] for r in runs):.1f}",
                    flush=True,
                )
                if solver == "ours":
                    print(f"    {runs[0]['extra']}", flush=True)
            if "ours" in cpu:
                for solver, seconds in cpu.items():
                    if solver != "ours":
                        print(f"    CPU ratio ours / {solver}: {cpu['ours'] / seconds:.2f}")


if __name__ == "__main__":
    main()
