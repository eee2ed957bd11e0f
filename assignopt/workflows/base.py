"""The workflow layer's front door: ``run(request) -> Result`` for every job.

A job module (``assignopt.workflows.<job>``) defines ``run(request, progress, out)`` that
computes and returns a :class:`Result`; :func:`execute` checks the output folder *before* any
computing, runs the job and writes its files. The command line, scenario files and notebooks
all come in here.
"""

from __future__ import annotations

import contextlib
import importlib
import logging
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from assignopt.errors import InputError
from assignopt.outputs import check_output_dir, check_output_file
from assignopt.workflows.requests import Request

__all__ = [
    "Result",
    "check_output_dir",
    "check_output_file",
    "execute",
    "progress_messages",
    "run",
]

#: job name -> module defining ``run(request, progress=False, out=None) -> Result``
JOBS: dict[str, str] = {
    "index": "assignopt.workflows.index",
    "bounds": "assignopt.workflows.bounds",
    "maxseg": "assignopt.workflows.maxseg",
    "assign": "assignopt.workflows.assign",
    "districts": "assignopt.workflows.districts",
    "sweep": "assignopt.workflows.sweep",
    "synth": "assignopt.workflows.synth",
    "verify": "assignopt.workflows.verify",
    "figures": "assignopt.workflows.figures",
    "choice": "assignopt.workflows.choice",
    "zones": "assignopt.workflows.zones",
}


@dataclass
class Result:
    """What a job hands on: ``to_dict()`` (the ``--json`` keys) and ``write(folder)``.

    Subclasses fill ``data`` (JSON-ready values) and override :meth:`write`; ``files`` holds the
    paths written, keyed by what they are.
    """

    data: dict[str, Any] = field(default_factory=dict)
    files: dict[str, Path] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """The job's answer as JSON-ready values (the command line's ``--json`` object)."""
        out = dict(self.data)
        if self.files:
            out["files"] = {k: str(v) for k, v in self.files.items()}
        return out

    def write(self, folder: str | Path) -> dict[str, Path]:
        """Write the job's files into ``folder``; returns them by kind (none by default)."""
        return self.files


@contextlib.contextmanager
def progress_messages(enabled: bool) -> Iterator[None]:
    """Show the library's progress messages (logger ``assignopt``, INFO) on standard error."""
    if not enabled:
        yield
        return
    logger = logging.getLogger("assignopt")
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("  %(message)s"))
    old_level = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    try:
        yield
    finally:
        logger.removeHandler(handler)
        logger.setLevel(old_level)


def run(request: Request, progress: bool = False, out: str | Path | None = None) -> Result:
    """Run the job ``request`` describes and return its :class:`Result` (nothing written).

    Parameters
    ----------
    request : Request
        A validated request (:mod:`assignopt.workflows.requests`).
    progress : bool
        Show progress of long work on standard error.
    out : str or Path, optional
        The folder the result will be written to: jobs that can resume keep their per-job
        results there.
    """
    module = JOBS.get(request.job)
    if module is None:
        raise InputError(f"no workflow for request {type(request).__name__}")
    return importlib.import_module(module).run(
        request, progress=progress, out=Path(out) if out is not None else None
    )


def execute(request: Request, out: str | Path | None = None, progress: bool = False) -> Result:
    """Check ``out``, run ``request`` and write its files into ``out`` (when given)."""
    if out is not None:
        check_output_dir(out)
    with progress_messages(progress):
        result = run(request, progress=progress, out=out)
        if out is not None:
            result.write(out)
    return result
