"""Run many independent jobs (districts, scenarios) in parallel, resumably.

Each job's result is written to its own JSON file as soon as it finishes, so a rerun skips
finished jobs, and a failing job is recorded with its id and message without stopping or
corrupting the others. Jobs run on local processes by default, or on a Dask cluster when a
scheduler address is given (``pip install "assignopt[dask]"``).
"""

from __future__ import annotations

import json
import os
import re
import traceback
from collections.abc import Callable, Iterable
from concurrent.futures import ProcessPoolExecutor, as_completed
from pathlib import Path
from typing import Any

from tqdm import tqdm

from assignopt.errors import AssignoptError, InputError

__all__ = ["BatchOutcome", "run_batch"]


class BatchOutcome(dict):
    """Results by job id; ``failures`` maps failed ids to their messages."""

    failures: dict[str, str]


def _safe_name(job_id: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", str(job_id))


def _run_one(func: Callable[..., dict], job_id: str, payload: Any) -> tuple[str, dict | None, str]:
    try:
        return job_id, func(payload), ""
    except AssignoptError as exc:
        return job_id, None, str(exc)
    except Exception as exc:  # any failure of one job is reported, never fatal to the batch
        return job_id, None, f"{type(exc).__name__}: {exc}\n{traceback.format_exc(limit=3)}"


def run_batch(
    jobs: Iterable[tuple[str, Any]],
    func: Callable[[Any], dict],
    out_dir: str | Path,
    *,
    workers: int | None = None,
    scheduler: str | None = None,
    progress: bool = True,
    desc: str = "jobs",
) -> BatchOutcome:
    """Run ``func(payload)`` for every ``(job_id, payload)``, writing ``out_dir/<id>.json``.

    Parameters
    ----------
    jobs : iterable of (str, object)
        Job ids (unique) and the payloads handed to ``func``; payloads and ``func`` must be
        picklable (a module-level function).
    func : callable
        Returns a JSON-ready dict.
    out_dir : str or Path
        Where the per-job files go. Jobs whose file exists are skipped (their stored result is
        returned); failed jobs leave ``<id>.error.json`` and are retried on the next run.
    workers : int, optional
        Local processes (default: the machine's cores; 1 runs in this process).
    scheduler : str, optional
        Address of a Dask scheduler (``tcp://host:8786``) to run the jobs on instead.
    progress : bool
        Show a progress bar.
    desc : str
        Progress bar label.

    Returns
    -------
    BatchOutcome
        Results by id (new and stored), with ``failures``.
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    jobs = list(jobs)
    ids = [job_id for job_id, _ in jobs]
    if len(set(ids)) != len(ids):
        raise InputError("job ids must be unique")
    outcome = BatchOutcome()
    outcome.failures = {}
    todo = []
    for job_id, payload in jobs:
        done = out / f"{_safe_name(job_id)}.json"
        if done.exists():
            outcome[job_id] = json.loads(done.read_text())
        else:
            todo.append((job_id, payload))
    bar = tqdm(total=len(todo), desc=desc, unit="job", disable=not progress)

    def record(job_id: str, result: dict | None, error: str) -> None:
        name = _safe_name(job_id)
        if result is None:
            outcome.failures[job_id] = error.splitlines()[0] if error else "failed"
            (out / f"{name}.error.json").write_text(json.dumps({"id": job_id, "error": error}))
        else:
            outcome[job_id] = result
            tmp = out / f".{name}.json.tmp"
            tmp.write_text(json.dumps(result, default=float))
            tmp.replace(out / f"{name}.json")  # atomic: a killed run never leaves half a file
            (out / f"{name}.error.json").unlink(missing_ok=True)
        bar.update(1)

    if scheduler is not None:
        try:
            from distributed import Client
            from distributed import as_completed as dask_completed
        except ImportError:
            raise InputError('--scheduler needs Dask: pip install "assignopt[dask]"') from None
        with Client(scheduler) as client:
            futures = [
                client.submit(_run_one, func, job_id, payload, pure=False)
                for job_id, payload in todo
            ]
            for future in dask_completed(futures):
                record(*future.result())
    elif (workers or os.cpu_count() or 1) <= 1 or len(todo) <= 1:
        for job_id, payload in todo:
            record(*_run_one(func, job_id, payload))
    else:
        with ProcessPoolExecutor(max_workers=workers) as pool:
            futures = [pool.submit(_run_one, func, job_id, payload) for job_id, payload in todo]
            for future in as_completed(futures):
                record(*future.result())
    bar.close()
    return outcome
