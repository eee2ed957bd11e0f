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
    docs: tuple[Path, ...] = ()

    def write(self, folder: str | Path) -> dict[str, Path]:
        """Write ``cases.csv``, ``summary.md`` and ``verification.png`` into ``folder``.

        The documents named by the request's ``docs`` get their generated blocks rewritten.
        """
        from assignopt.verify import write_verification_files

        self.files = write_verification_files(self.cases, folder, self.docs)
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
    return VerifyResult(cases=cases, summary=summarize(cases), docs=tuple(request.docs))
