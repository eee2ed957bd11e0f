"""Job ``verify``: every closed form against the linear programs."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from assignopt.workflows.base import Result
from assignopt.workflows.requests import VerifyRequest

__all__ = ["VerifyResult", "run"]


@dataclass
class VerifyResult(Result):
    """The verification cases (a DataFrame) and their summary."""

    cases: Any = None
    summary: Any = None

    def write(self, folder: str | Path) -> dict[str, Path]:
        """Write ``cases.csv``, ``summary.md`` and ``verification.png`` into ``folder``."""
        from assignopt.verify import plot_verification, summary_markdown

        out = Path(folder)
        out.mkdir(parents=True, exist_ok=True)
        self.files = {
            "cases": out / "cases.csv",
            "summary": out / "summary.md",
            "plot": out / "verification.png",
        }
        self.cases.to_csv(self.files["cases"], index=False)
        self.files["summary"].write_text(summary_markdown(self.summary))
        plot_verification(self.cases, self.files["plot"])
        self.data["out"] = str(folder)
        return self.files


def run(request: VerifyRequest, progress: bool = False, out: Path | None = None) -> VerifyResult:
    """Compute every verification case (a small grid with ``quick``)."""
    from assignopt.verify import summarize, verification_cases

    bar = None
    if progress:
        from tqdm import tqdm

        def bar(items):
            return tqdm(items, desc="case families", unit="family")

    cases = verification_cases(request.quick, bar)
    return VerifyResult(cases=cases, summary=summarize(cases))
