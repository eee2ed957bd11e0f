"""Time the command line's start-up: ``assignopt --help`` and every subcommand's ``--help``.

Run: ``python benchmarks/bench_cli.py [repeats]``. Each figure is the median wall time of fresh
processes, measured beside the anchor ``python -c "import click"`` in the same run (alternating
A, B so a drift of the machine's speed hits both), and the ratio of medians.
"""

from __future__ import annotations

import platform
import shutil
import statistics
import subprocess
import sys
import time


def wall(command: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(command, check=True, capture_output=True)
    return time.perf_counter() - start


def main() -> None:
    repeats = int(sys.argv[1]) if len(sys.argv) > 1 else 15
    exe = shutil.which("assignopt") or "assignopt"
    anchor = [sys.executable, "-c", "import click"]
    cases = [[exe, "--help"]] + [
        [exe, name, "--help"]
        for name in (
            "index",
            "bounds",
            "figures",
            "maxseg",
            "verify",
            "assign",
            "districts",
            "run",
            "synth",
            "sweep-residential",
        )
    ]
    print(
        f"{platform.node()} {platform.processor() or platform.machine()}, "
        f"Python {platform.python_version()}, {repeats} repeats"
    )
    print("| command | median s | anchor median s | ratio |")
    print("|---|---|---|---|")
    for command in cases:
        wall(command), wall(anchor)  # warm-up
        a, b = [], []
        for _ in range(repeats):
            a.append(wall(command))
            b.append(wall(anchor))
        ma, mb = statistics.median(a), statistics.median(b)
        label = " ".join(["assignopt", *command[1:]])
        print(f"| `{label}` | {ma:.3f} | {mb:.3f} | {ma / mb:.2f} |")


if __name__ == "__main__":
    main()
