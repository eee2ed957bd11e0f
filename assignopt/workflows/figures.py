"""Job ``figures``: the literature's two figures (data and drawings)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from assignopt.workflows.base import Result
from assignopt.workflows.requests import FiguresRequest

__all__ = ["FiguresResult", "run"]


@dataclass
class FiguresResult(Result):
    """Nothing is computed until :meth:`write` draws the figures into a folder."""

    def write(self, folder: str | Path) -> dict[str, Path]:
        """Write both figures (PNG) and their data (CSV) into ``folder``."""
        from assignopt.figures import write_figures

        self.files = write_figures(folder)
        self.data["out"] = str(folder)
        return self.files


def run(request: FiguresRequest, progress: bool = False, out: Path | None = None) -> FiguresResult:
    """The figures job: drawing happens in :meth:`FiguresResult.write`."""
    return FiguresResult()
