"""Job ``districts``: today's V, reassignment and the possible interval of each district."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from assignopt.workflows.base import Result
from assignopt.workflows.requests import DistrictsRequest

__all__ = ["DistrictsResult", "run"]


@dataclass
class DistrictsResult(Result):
    """The district table (``frame``), failures by district id, and the files written."""

    frame: Any = None
    failures: dict = field(default_factory=dict)

    def write(self, folder: str | Path) -> dict[str, Path]:
        """The table and figures are written as the districts are computed (see :func:`run`)."""
        return self.files


def run(
    request: DistrictsRequest, progress: bool = False, out: Path | None = None
) -> DistrictsResult:
    """Bounds for every district of the request's school table, written into ``out``.

    Per-district results are kept in ``out/districts/`` so that a rerun reuses those whose
    inputs, settings and package version still match; without ``out`` everything goes to a
    temporary folder.
    """
    import tempfile

    from assignopt.districts import run_districts

    with tempfile.TemporaryDirectory() as scratch:
        done = run_districts(
            request.schools,
            request.relative_tolerance or request.tolerance,
            out if out is not None else scratch,
            groups=request.groups,
            district=request.district,
            poor=request.poor,
            school=request.school,
            solver=request.solver,
            workers=request.workers,
            scheduler=request.scheduler,
            scheduler_timeout=request.scheduler_timeout,
            figure6=request.figure6,
            progress=progress,
            relative=request.relative_tolerance is not None,
        )
    data = {
        "districts": len(done.table),
        "failures": dict(done.failures),
        "reused": done.reused,
        "computed": done.computed,
        "source": done.source,
    }
    files = dict(done.files) if out is not None else {}
    return DistrictsResult(data, files, frame=done.table, failures=dict(done.failures))
