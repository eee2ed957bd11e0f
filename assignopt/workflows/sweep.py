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
    """One row per synthetic city and seed (``frame``)."""

    frame: Any = None

    def write(self, folder: str | Path) -> dict[str, Path]:
        """Write the per-city CSV, the summary CSV (means, 95% intervals) and the figure."""
        from assignopt.spatial.sweep import write_sweep

        self.files = write_sweep(self.frame, folder)
        return self.files


def run(request: SweepRequest, progress: bool = False, out: Path | None = None) -> SweepResult:
    """Run the sweep the request describes."""
    import numpy as np

    from assignopt.spatial.sweep import sweep_residential

    bar = None
    if progress:
        from tqdm import tqdm

        def bar(items):
            return tqdm(items, desc="synthetic cities", unit="city")

    residential_v = request.residential_v
    if request.levels is not None:
        residential_v = [round(float(v), 6) for v in np.linspace(0.1, 1.0, request.levels)]
    frame = sweep_residential(
        request.tolerance,
        residential_v=residential_v,
        income_v=request.income_v,
        arrangements=request.arrangements,
        noise=request.noise,
        n_schools=request.schools,
        seeds=request.seeds,
        grid=request.grid,
        black_share=request.black_share,
        black_poverty=request.black_poverty,
        white_poverty=request.white_poverty,
        tie_break=request.tie_break,
        progress=bar,
    )
    return SweepResult({"cities": len(frame)}, frame=frame)
