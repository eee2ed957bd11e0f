"""Job ``districts``: today's V, reassignment and the possible interval of each district."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from assignopt.workflows.base import Result
from assignopt.workflows.requests import DistrictsRequest

__all__ = ["DistrictsResult", "run"]


@dataclass
class DistrictsResult(Result):
    """The district table (``frame``) and the batch outcome (failures by district id)."""

    frame: Any = None
    outcome: Any = None

    @property
    def failures(self) -> dict[str, str]:
        """Messages of the districts that failed, by district id."""
        return dict(self.outcome.failures)

    def write(self, folder: str | Path) -> dict[str, Path]:
        """Write ``district_bounds.csv`` and its forest plot ``district_bounds.png``."""
        from assignopt.districts import plot_district_table

        out = Path(folder)
        csv, png = out / "district_bounds.csv", out / "district_bounds.png"
        self.frame.to_csv(csv, index=False)
        plot_district_table(self.frame, png)
        self.files = {"csv": csv, "png": png}
        return self.files


def run(
    request: DistrictsRequest, progress: bool = False, out: Path | None = None
) -> DistrictsResult:
    """Bounds for every district of the request's school table.

    With ``out``, per-district results are kept in ``out/districts/`` so that a rerun reuses
    those that still belong to the same inputs; otherwise they go to a temporary folder.
    """
    import tempfile

    from assignopt.districts import district_table
    from assignopt.tables import read_units

    schools = read_units(request.schools, text_columns=[request.district])
    with tempfile.TemporaryDirectory() as scratch:
        frame, outcome = district_table(
            schools,
            request.groups,
            request.tolerance,
            out if out is not None else scratch,
            district=request.district,
            poor=request.poor,
            solver=request.solver,
            workers=request.workers,
            scheduler=request.scheduler,
            progress=progress,
        )
    data = {"districts": len(frame), "failures": dict(outcome.failures)}
    return DistrictsResult(data, frame=frame, outcome=outcome)
