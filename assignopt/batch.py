"""Run many independent jobs (districts, scenarios) in parallel, resumably.

Each job's result is written to its own JSON file as soon as it finishes, so a rerun reuses
finished jobs, and a failing job is recorded with its id and message without stopping or
corrupting the others. A stored result is reused only when its *key* matches: a SHA-256 of the
job's payload (its input data), of the contents of the input files it names, of every setting
passed in ``settings``, of the function that computes it and of the package version. A changed
key, or a truncated or unreadable file, is recomputed.

Jobs run on local processes by default (in chunks, so a thousand small jobs cost a few pickles,
not a thousand), or on a Dask cluster when a scheduler address is given
(``pip install "assignopt[dask]"``).
"""

from __future__ import annotations

import gc
import hashlib
import json
import math
import os
import re
import traceback
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path
from typing import Any

import numpy as np
from tqdm import tqdm

from assignopt.errors import AssignoptError, InputError
from assignopt.outputs import check_output_dir
from assignopt.version import __version__

__all__ = ["BatchOutcome", "cache_file_name", "job_key", "run_batch"]

# Jobs go to local processes or Dask workers in chunks of falling size: each chunk takes
# 1 / (_GUIDED x workers) of the jobs still unsent, so the first chunks are large (a thousand
# small jobs cost a few pickles) and the last are small (no worker waits long at the end for
# another one's big chunk); no chunk is smaller than 1 / _MOST_CHUNKS_PER_WORKER of a worker's
# share.
_GUIDED = 2
_MOST_CHUNKS_PER_WORKER = 32


class BatchOutcome(dict):
    """Results by job id.

    Attributes
    ----------
    failures : dict of str to str
        Failed job ids and the first line of their messages.
    reused : int
        Results taken from ``out_dir`` because their stored key matched.
    computed : int
        Results computed in this run (successes only).
    """

    failures: dict[str, str]
    reused: int
    computed: int

    def __init__(self) -> None:
        super().__init__()
        self.failures = {}
        self.reused = 0
        self.computed = 0


def cache_file_name(job_id: str) -> str:
    """The file stem of a job's result: readable prefix plus a hash of the exact id.

    Ids that differ only in characters unsafe in file names (``A/B``, ``A_B``, ``A?B``), or in
    leading zeros (``01``, ``1``), get different names.
    """
    digest = hashlib.sha256(job_id.encode("utf-8")).hexdigest()[:16]
    readable = re.sub(r"[^A-Za-z0-9_.-]+", "_", job_id)[:40].lstrip(".")
    return f"{readable}-{digest}"


def _feed(h: Any, value: Any, files: dict[str, bool] | None = None) -> None:
    """Feed a canonical, type-tagged encoding of ``value`` into the hash ``h``.

    ``files`` remembers which strings name files, so that a thousand payloads holding the same
    column names ask the file system once (a named file's bytes are still read every time).
    """
    if value is None or isinstance(value, (bool, int, float, complex)):
        h.update(f"{type(value).__name__}:{value!r};".encode())
    elif isinstance(value, str):
        h.update(f"str:{len(value)}:".encode())
        h.update(value.encode("utf-8", "surrogatepass"))
        is_file = files.get(value) if files is not None else None
        if is_file is None:
            is_file = len(value) < 4096 and "\0" not in value and _is_file(Path(value))
            if files is not None:
                files[value] = is_file
        if is_file:
            _feed_file(h, Path(value))
    elif isinstance(value, Path):
        h.update(f"path:{value}".encode())
        if _is_file(value):
            _feed_file(h, value)
    elif isinstance(value, bytes):
        h.update(f"bytes:{len(value)}:".encode())
        h.update(value)
    elif isinstance(value, np.ndarray):
        array = np.ascontiguousarray(value)
        h.update(f"ndarray:{array.dtype.str}:{array.shape};".encode())
        if array.dtype.hasobject:
            for item in array.ravel().tolist():
                _feed(h, item, files)
        else:
            h.update(array.tobytes())
    elif isinstance(value, np.generic):
        _feed(h, value.item(), files)
    elif isinstance(value, Mapping):
        h.update(f"map:{len(value)}{{".encode())
        for k in sorted(value, key=repr):
            _feed(h, k, files)
            _feed(h, value[k], files)
        h.update(b"}")
    elif isinstance(value, (list, tuple)):
        h.update(f"{type(value).__name__}:{len(value)}[".encode())
        for item in value:
            _feed(h, item, files)
        h.update(b"]")
    elif isinstance(value, (set, frozenset)):
        _feed(h, sorted(value, key=repr), files)
    else:
        import pandas as pd

        if isinstance(value, (pd.DataFrame, pd.Series)):
            h.update(f"{type(value).__name__}:".encode())
            hashed = pd.util.hash_pandas_object(value, index=True).to_numpy()
            _feed(h, hashed)
            _feed(h, [str(c) for c in getattr(value, "columns", [value.name])])
        else:
            import pickle

            h.update(f"pickle:{type(value).__qualname__}:".encode())
            h.update(pickle.dumps(value, protocol=4))


def _is_file(path: Path) -> bool:
    try:
        return path.is_file()
    except OSError:
        return False


def _feed_file(h: Any, path: Path) -> None:
    h.update(b"file-content:")
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            h.update(block)


def job_key(
    func: Callable[..., Any],
    payload: Any,
    settings: Mapping[str, Any] | None = None,
    inputs: Sequence[str | Path] = (),
) -> str:
    """The key under which a job's result may be reused.

    Parameters
    ----------
    func : callable
        The job function (its module and qualified name enter the key).
    payload : object
        The job's input; arrays, frames, numbers, strings and containers are hashed by content.
        A string or :class:`~pathlib.Path` naming an existing file also contributes the file's
        bytes, so editing a model file changes the key.
    settings : mapping, optional
        Further settings that change the result (column names, modes, ...).
    inputs : sequence of path
        Files whose contents the result depends on (e.g. data a model file points to).

    Returns
    -------
    str
        A SHA-256 hex digest, also covering ``assignopt.version.__version__``.
    """
    h = _key_prefix(func, settings, inputs)
    _feed(h, payload)
    return h.hexdigest()


def _key_prefix(
    func: Callable[..., Any], settings: Mapping[str, Any] | None, inputs: Sequence[str | Path]
) -> Any:
    """The hash of everything in a key but the payload: copied, not recomputed, per job."""
    h = hashlib.sha256()
    _feed(h, ["assignopt", __version__])
    _feed(h, [getattr(func, "__module__", ""), getattr(func, "__qualname__", repr(func))])
    _feed(h, dict(settings or {}))
    _feed(h, [Path(p) for p in inputs])
    return h


def _call(func: Callable[[Any], dict], payload: Any) -> tuple[dict | None, str]:
    try:
        return func(payload), ""
    except AssignoptError as exc:
        return None, str(exc)
    except Exception as exc:  # any failure of one job is reported, never fatal to the batch
        return None, f"{type(exc).__name__}: {exc}\n{traceback.format_exc(limit=3)}"


def _write_bytes(path: str, data: bytes) -> None:
    """Write a whole file with three system calls (no text layer: thousands of small files)."""
    handle = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o666)
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(handle, view) :]
    finally:
        os.close(handle)


def _write(out: Path, name: str, job_id: str, key: str, result: dict | None, error: str) -> None:
    folder = os.fspath(out)
    if result is None:
        entry = {"id": job_id, "key": key, "error": error}
        _write_bytes(f"{folder}/{name}.error.json", json.dumps(entry).encode())
        return
    entry = {"id": job_id, "key": key, "version": __version__, "result": result}
    tmp = f"{folder}/.{name}.json.tmp{os.getpid()}"
    _write_bytes(tmp, json.dumps(entry, default=float).encode())
    os.replace(tmp, f"{folder}/{name}.json")  # atomic: a killed run never leaves half a file


def _run_chunk(
    func: Callable[[Any], dict],
    chunk: list[tuple[str, str, str, Any]],
    out_dir: str | None,
    stale_errors: frozenset[str],
) -> list[tuple[str, dict | None, str]]:
    """Run a chunk of jobs; with ``out_dir`` each result is written here, as it finishes."""
    done = []
    for job_id, key, name, payload in chunk:
        result, error = _call(func, payload)
        if out_dir is not None:
            out = Path(out_dir)
            _write(out, name, job_id, key, result, error)
            if result is not None and name in stale_errors:
                (out / f"{name}.error.json").unlink(missing_ok=True)
        done.append((job_id, result, error))
    return done


def _stored(path: Path, job_id: str, key: str) -> dict | None:
    """A stored result if its file is whole and its id and key match; otherwise None."""
    try:
        entry = json.loads(path.read_text())
    except (OSError, ValueError, UnicodeDecodeError):
        return None
    if not isinstance(entry, dict) or entry.get("id") != job_id or entry.get("key") != key:
        return None
    result = entry.get("result")
    return result if isinstance(result, dict) else None


def _check_workers(workers: int | None) -> None:
    if workers is None:
        return
    if isinstance(workers, bool) or not isinstance(workers, (int, np.integer)) or workers < 1:
        raise InputError(f"workers must be a whole number of at least 1, got {workers!r}")


def _chunks(todo: list, n_workers: int) -> list[list]:
    """``todo`` in order, cut into chunks of falling size (guided scheduling)."""
    smallest = max(1, len(todo) // (n_workers * _MOST_CHUNKS_PER_WORKER))
    chunks, start = [], 0
    while start < len(todo):
        size = max(smallest, math.ceil((len(todo) - start) / (_GUIDED * n_workers)))
        chunks.append(todo[start : start + size])
        start += size
    return chunks


def _dask_client(scheduler: str, timeout: float) -> Any:
    try:
        from distributed import Client
    except ImportError:
        raise InputError('scheduler needs Dask: pip install "assignopt[dask]"') from None
    try:
        return Client(scheduler, timeout=timeout)
    except (OSError, TimeoutError, ValueError, TypeError) as exc:
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise InputError(
            f"scheduler {scheduler!r} cannot be reached within {timeout:g} s ({reason}); "
            "give an address such as tcp://host:8786 of a running Dask scheduler"
        ) from None


def run_batch(
    jobs: Iterable[tuple[str, Any]],
    func: Callable[[Any], dict],
    out_dir: str | Path,
    *,
    workers: int | None = None,
    scheduler: str | None = None,
    progress: bool = True,
    desc: str = "jobs",
    settings: Mapping[str, Any] | None = None,
    inputs: Sequence[str | Path] = (),
    scheduler_timeout: float = 5.0,
) -> BatchOutcome:
    """Run ``func(payload)`` for every ``(job_id, payload)``, keeping one result file per job.

    Parameters
    ----------
    jobs : iterable of (str, object)
        Job ids (unique strings, kept exactly as written) and the payloads handed to ``func``;
        payloads and ``func`` must be picklable (a module-level function).
    func : callable
        Returns a JSON-ready dict.
    out_dir : str or Path
        Where the per-job files go (``<readable id>-<hash of id>.json``, holding the id, the key
        and the result). A stored result is reused only when its key (see :func:`job_key`)
        matches; failed jobs leave ``<name>.error.json`` and are retried on the next run.
    workers : int, optional
        Local processes (default: the machine's cores; 1 runs in this process).
    scheduler : str, optional
        Address of a Dask scheduler (``tcp://host:8786``) to run the jobs on instead.
    progress : bool
        Show a progress bar.
    desc : str
        Progress bar label.
    settings : mapping, optional
        Settings that change every job's result and are not in the payloads.
    inputs : sequence of path
        Files every job's result depends on (their contents enter the key).
    scheduler_timeout : float
        Seconds to wait for the Dask scheduler before refusing it.

    Returns
    -------
    BatchOutcome
        Results by id (new and reused), with ``failures``, ``reused`` and ``computed``.

    Raises
    ------
    InputError
        If ids repeat or are not strings, ``workers`` is below 1, or the scheduler cannot be
        reached.
    """
    _check_workers(workers)
    jobs = list(jobs)
    ids = [job_id for job_id, _ in jobs]
    bad = [job_id for job_id in ids if not isinstance(job_id, str)]
    if bad:
        raise InputError(f"job ids must be text, got {bad[0]!r}")
    if len(set(ids)) != len(ids):
        seen: set[str] = set()
        repeated = next(job_id for job_id in ids if job_id in seen or seen.add(job_id))
        raise InputError(f"job ids must be unique; {repeated!r} appears more than once")
    out = check_output_dir(out_dir, "out_dir")
    existing = {entry.name for entry in os.scandir(out)}
    outcome = BatchOutcome()
    common = hashlib.sha256()
    _feed(common, [Path(p) for p in inputs])  # read the shared files once
    shared = {"settings": dict(settings or {}), "inputs": common.hexdigest()}
    todo: list[tuple[str, str, str, Any]] = []
    stale_errors: set[str] = set()
    prefix = _key_prefix(func, shared, ())  # as job_key(func, payload, shared), once
    files: dict[str, bool] = {}
    for job_id, payload in jobs:
        h = prefix.copy()
        _feed(h, payload, files)
        key = h.hexdigest()
        name = cache_file_name(job_id)
        if f"{name}.error.json" in existing:
            stale_errors.add(name)
        stored = _stored(out / f"{name}.json", job_id, key) if f"{name}.json" in existing else None
        if stored is not None:
            outcome[job_id] = stored
            outcome.reused += 1
        else:
            todo.append((job_id, key, name, payload))
    names = {job_id: (key, name) for job_id, key, name, _ in todo}
    bar = tqdm(total=len(todo), desc=desc, unit="job", disable=not progress)

    def record(done: list[tuple[str, dict | None, str]], written: bool) -> None:
        for job_id, result, error in done:
            key, name = names[job_id]
            if not written:
                _write(out, name, job_id, key, result, error)
                if result is not None and name in stale_errors:
                    (out / f"{name}.error.json").unlink(missing_ok=True)
            if result is None:
                outcome.failures[job_id] = error.splitlines()[0] if error else "failed"
            else:
                outcome[job_id] = result
                outcome.computed += 1
        bar.update(len(done))

    frozen = frozenset(stale_errors)
    if scheduler is not None:
        from distributed import as_completed as dask_completed

        with _dask_client(scheduler, scheduler_timeout) as client:
            n_workers = max(1, len(client.scheduler_info().get("workers", {})))
            futures = [
                client.submit(_run_chunk, func, chunk, None, frozen, pure=False)
                for chunk in _chunks(todo, n_workers)
            ]
            for future in dask_completed(futures):
                record(future.result(), written=False)
    else:
        n_workers = min(workers or os.cpu_count() or 1, len(todo))
        if n_workers <= 1:
            for item in todo:
                record(_run_chunk(func, [item], None, frozen), written=False)
        else:
            # Forked workers then leave the parent's objects, and their memory pages, alone.
            gc.freeze()
            try:
                with ProcessPoolExecutor(max_workers=n_workers) as pool:
                    futures = {
                        pool.submit(_run_chunk, func, chunk, str(out), frozen): chunk
                        for chunk in _chunks(todo, n_workers)
                    }
                    for future in as_completed(futures):
                        try:
                            record(future.result(), written=True)
                        except BrokenProcessPool as exc:
                            # A worker died (killed, out of memory): its jobs fail, others stand.
                            lost = [
                                (item[0], None, f"worker process died ({exc})")
                                for item in futures[future]
                                if item[0] not in outcome
                            ]
                            record(lost, written=False)
            finally:
                gc.unfreeze()
    bar.close()
    return outcome
