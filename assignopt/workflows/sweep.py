"""Job ``sweep``: the residential experiment over seeded synthetic cities."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from assignopt.workflows.base import Result
from assignopt.workflows.requests import SweepRequest

__all__ = ["SweepResult", "run"]


@dataclass
class SweepResult(Result):
    """One row per synthetic city (``frame``)."""

    frame: Any = None

    def write(self, folder: str | Path) -> dict[str, Path]:
        """Write ``sweep_residential.csv`` and ``sweep_residential.png`` into ``folder``."""
        from assignopt.spatial.sweep import plot_sweep

        out = Path(folder)
        csv, png = out / "sweep_residential.csv", out / "sweep_residential.png"
        self.frame.to_csv(csv, index=False)
        plot_sweep(self.frame, png)
        self.files = {"csv": csv, "png": png}
        return self.files


def run(request: SweepRequest, progress: bool = False, out: Path | None = None) -> SweepResult:
    """Run the sweep the request describes."""
    from assignopt.spatial.sweep import sweep_residential

    bar = None
    if progress:
        from tqdm import tqdm

        def bar(items):
            return tqdm(items, desc="synthetic cities", unit="city")

    frame = sweep_residential(
        request.levels, request.seeds, request.tolerance, request.grid, progress=bar
    )
    return SweepResult({"cities": len(frame)}, frame=frame)
