"""The resumable batch runner: results reused only for the inputs that made them."""

import json
import time

import pytest

import assignopt
from assignopt.batch import cache_file_name, run_batch
from assignopt.errors import InputError


def square(x):
    if x == 3:
        raise ValueError("three is refused")
    return {"value": x * x}


def scaled(payload):
    value, factor = payload
    return {"value": value * factor}


def file_length(path):
    with open(path) as handle:
        return {"value": len(handle.read())}


def test_batch_is_resumable_and_isolates_failures(tmp_path):
    jobs = [(f"job{x}", x) for x in range(5)]
    first = run_batch(jobs, square, tmp_path, workers=2, progress=False)
    assert {k: v["value"] for k, v in first.items()} == {
        "job0": 0,
        "job1": 1,
        "job2": 4,
        "job4": 16,
    }
    assert list(first.failures) == ["job3"] and "three is refused" in first.failures["job3"]
    assert (first.reused, first.computed) == (0, 4)
    error = tmp_path / f"{cache_file_name('job3')}.error.json"
    assert json.loads(error.read_text())["id"] == "job3"
    # A rerun reuses finished jobs (their files are untouched) and retries the failed one.
    stamp = (tmp_path / f"{cache_file_name('job1')}.json").stat().st_mtime_ns
    second = run_batch(jobs, square, tmp_path, workers=1, progress=False)
    assert (tmp_path / f"{cache_file_name('job1')}.json").stat().st_mtime_ns == stamp
    assert second["job2"] == {"value": 4} and list(second.failures) == ["job3"]
    assert (second.reused, second.computed) == (4, 0)


@pytest.mark.parametrize("workers", [1, 2])
def test_a_changed_payload_recomputes(tmp_path, workers):
    first = run_batch(
        [("a", (2, 10)), ("b", (3, 10))], scaled, tmp_path, workers=workers, progress=False
    )
    assert first["a"] == {"value": 20}
    # Same ids, a new factor (like a new tolerance): both recompute, nothing stale is reused.
    second = run_batch(
        [("a", (2, 30)), ("b", (3, 10))], scaled, tmp_path, workers=workers, progress=False
    )
    assert second["a"] == {"value": 60} and second["b"] == {"value": 30}
    assert (second.reused, second.computed) == (1, 1)
    third = run_batch(
        [("a", (2, 30)), ("b", (3, 10))], scaled, tmp_path, workers=workers, progress=False
    )
    assert (third.reused, third.computed) == (2, 0)


def test_a_changed_setting_or_version_recomputes(tmp_path, monkeypatch):
    jobs = [("a", (2, 10))]
    run_batch(jobs, scaled, tmp_path, workers=1, progress=False, settings={"quick": True})
    full = run_batch(jobs, scaled, tmp_path, workers=1, progress=False, settings={"quick": False})
    assert (full.reused, full.computed) == (0, 1)
    again = run_batch(jobs, scaled, tmp_path, workers=1, progress=False, settings={"quick": False})
    assert again.reused == 1
    monkeypatch.setattr("assignopt.batch.__version__", assignopt.__version__ + ".post1")
    newer = run_batch(jobs, scaled, tmp_path, workers=1, progress=False, settings={"quick": False})
    assert (newer.reused, newer.computed) == (0, 1)


def test_an_edited_input_file_recomputes(tmp_path):
    model = tmp_path / "A.toml"
    model.write_text("tolerance = 0.1\n")
    first = run_batch([("A", str(model))], file_length, tmp_path / "o", workers=1, progress=False)
    assert first["A"] == {"value": 16}  # len("tolerance = 0.1\n")
    model.write_text("tolerance = 0.25\n")
    second = run_batch([("A", str(model))], file_length, tmp_path / "o", workers=1, progress=False)
    assert second["A"] == {"value": 17} and second.reused == 0


def test_an_edited_shared_input_recomputes(tmp_path):
    data = tmp_path / "schools.csv"
    data.write_text("x\n1\n")
    jobs = [("a", (1, 1))]
    run_batch(jobs, scaled, tmp_path / "o", workers=1, progress=False, inputs=[data])
    data.write_text("x\n2\n")
    second = run_batch(jobs, scaled, tmp_path / "o", workers=1, progress=False, inputs=[data])
    assert second.reused == 0 and second.computed == 1


def test_ids_unsafe_in_file_names_never_share_a_file(tmp_path):
    ids = ["A/B", "A_B", "A?B", "01", "1", "..", ""]
    jobs = [(job_id, (i, 1)) for i, job_id in enumerate(ids)]
    first = run_batch(jobs, scaled, tmp_path, workers=1, progress=False)
    assert {k: v["value"] for k, v in first.items()} == {job_id: i for i, job_id in enumerate(ids)}
    assert len({cache_file_name(job_id) for job_id in ids}) == len(ids)
    assert len(list(tmp_path.glob("*.json"))) == len(ids)
    second = run_batch(jobs, scaled, tmp_path, workers=1, progress=False)
    assert second.reused == len(ids)
    assert {k: v["value"] for k, v in second.items()} == {job_id: i for i, job_id in enumerate(ids)}


def test_a_truncated_cache_file_is_recomputed(tmp_path):
    jobs = [("a", (2, 10)), ("b", (3, 10))]
    run_batch(jobs, scaled, tmp_path, workers=1, progress=False)
    path = tmp_path / f"{cache_file_name('a')}.json"
    path.write_text(path.read_text()[:10])
    (tmp_path / f"{cache_file_name('b')}.json").write_bytes(b"\xff\xfe")
    second = run_batch(jobs, scaled, tmp_path, workers=1, progress=False)
    assert second["a"] == {"value": 20} and second["b"] == {"value": 30}
    assert (second.reused, second.computed) == (0, 2)
    assert json.loads(path.read_text())["result"] == {"value": 20}


@pytest.mark.parametrize("workers", [0, -2])
def test_workers_below_one_are_refused(tmp_path, workers):
    with pytest.raises(InputError, match="workers"):
        run_batch([("a", (1, 1))], scaled, tmp_path, workers=workers, progress=False)


def test_ids_must_be_unique_text(tmp_path):
    with pytest.raises(InputError, match="'a' appears more than once"):
        run_batch([("a", (1, 1)), ("a", (2, 1))], scaled, tmp_path, progress=False)
    with pytest.raises(InputError, match="job ids must be text"):
        run_batch([(1, (1, 1))], scaled, tmp_path, progress=False)


@pytest.mark.parametrize("address", ["tcp://127.0.0.1:1", "notaurl"])
def test_an_unreachable_scheduler_is_refused_quickly(tmp_path, address):
    pytest.importorskip("distributed")
    start = time.perf_counter()
    with pytest.raises(InputError, match="scheduler"):
        run_batch(
            [("a", (1, 1))],
            scaled,
            tmp_path,
            scheduler=address,
            progress=False,
            scheduler_timeout=2,
        )
    assert time.perf_counter() - start < 15


def die_on_two(x):
    import os

    if x == 2:
        os._exit(9)  # a worker killed mid-job (as by the out-of-memory killer)
    return {"value": x}


def test_a_dead_worker_fails_its_jobs_not_the_batch(tmp_path):
    jobs = [(f"job{x}", x) for x in range(4)]
    outcome = run_batch(jobs, die_on_two, tmp_path, workers=2, progress=False)
    assert "job2" in outcome.failures and "worker process died" in outcome.failures["job2"]
    assert set(outcome) | set(outcome.failures) == {job_id for job_id, _ in jobs}


def test_an_output_folder_that_is_a_file_is_refused(tmp_path):
    taken = tmp_path / "taken"
    taken.write_text("")
    with pytest.raises(InputError, match="out_dir"):
        run_batch([("a", (1, 1))], scaled, taken / "inner", workers=1, progress=False)
