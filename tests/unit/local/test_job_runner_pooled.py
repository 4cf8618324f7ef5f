"""JobRunner with a pool that reads ahead (as ScanPool does): pause, resume, cancel and a
failing record leave every object analysed exactly once, and one run per job run."""

from __future__ import annotations

import datetime as dt
import io
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from typing import Any, ClassVar

import pytest

from macie_notify.local.macie2 import jobs as jobs_module
from macie_notify.local.macie2.job_objects import S3Object

OBJECTS = 10


class _NoSuchKey(Exception):
    pass


class _Client:
    class exceptions:  # boto3's shape
        NoSuchKey = _NoSuchKey
        ClientError = Exception

    def get_object(self, Bucket: str, Key: str) -> dict[str, Any]:
        return {"Body": io.BytesIO(b"data")}


class _Pool:
    """Takes ``ahead`` items before giving the first result, like ScanPool.map."""

    made: ClassVar[list[_Pool]] = []

    def __init__(self, scanner: Any, jobs: int) -> None:
        self.closed = self.terminated = False
        _Pool.made.append(self)

    def __enter__(self) -> _Pool:
        return self

    def __exit__(self, kind: object, *rest: object) -> None:
        if kind is None:
            self.closed = True
        else:
            self.terminated = True

    def scan_objects(self, items: Iterable[tuple[str, bytes]], ahead: int) -> Iterator[str]:
        window: list[str] = []
        for name, _ in items:
            window.append(name)
            if len(window) >= ahead:
                yield window.pop(0)
        yield from window


class _Scanner:
    def scan_bytes(self, data: bytes, name: str) -> str:
        return name


class _Backend:
    account_id = "123456789012"
    region = "us-east-1"
    export_configuration = None

    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.job: dict[str, Any] = {
            "jobId": "j",
            "jobType": "ONE_TIME",
            "jobStatus": "RUNNING",
            "name": "n",
            "customDataIdentifierIds": [],
            "managedDataIdentifierSelector": "ALL",
            "managedDataIdentifierIds": [],
            "allowListIds": [],
            "s3JobDefinition": {},
        }
        self.allow_lists = self
        self.runs: list[dict[str, Any]] = []

    def matchers(self, *args: Any) -> list[Any]:
        return []

    def get_job(self, job_id: str) -> dict[str, Any]:
        return self.job

    def object_reader(self) -> None:
        return None

    def record_job_run(self, job_id: str, **facts: Any) -> None:
        self.runs.append(facts)

    def record_progress(self, job_id: str, left: int) -> None:
        pass

    def set_job_status(self, job_id: str, status: str) -> None:
        self.job["jobStatus"] = status

    def status(self, runner: jobs_module.JobRunner, status: str) -> None:
        """What UpdateClassificationJob does: the status, then the runner's hook."""
        self.job["jobStatus"] = status
        runner.job_changed(self, dict(self.job), "status")


Hook = Callable[[jobs_module.JobRunner, _Backend, str], None]


@pytest.fixture
def make(
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[Callable[[Hook | None], tuple[jobs_module.JobRunner, _Backend, list[str]]]]:
    monkeypatch.setattr(jobs_module, "POOL_MIN_BYTES", 0)
    monkeypatch.setattr(jobs_module, "default_jobs", lambda: 2)
    monkeypatch.setattr(jobs_module, "ScanPool", _Pool)
    monkeypatch.setattr(jobs_module, "default_scanner", lambda *args: _Scanner())
    monkeypatch.setattr(jobs_module, "bucket_details", lambda *args: {})
    _Pool.made.clear()
    runners: list[jobs_module.JobRunner] = []

    def build(hook: Hook | None) -> tuple[jobs_module.JobRunner, _Backend, list[str]]:
        when = dt.datetime(2026, 1, 1, tzinfo=dt.timezone.utc)
        objects = [S3Object("b", f"k{i}", 10, when, etag=f"e{i}") for i in range(OBJECTS)]
        backend = _Backend()
        runner = jobs_module.JobRunner(lambda account, region: _Client())  # type: ignore[arg-type,return-value]
        runners.append(runner)
        recorded: list[str] = []

        def eligible(client: Any, backend_: Any, job: Any, state: Any) -> Iterator[S3Object]:
            seen = state.analysed
            return iter([o for o in objects if (o.bucket, o.key, o.etag) not in seen])

        def record(run: Any, backend_: Any, obj: S3Object, *rest: Any) -> None:
            recorded.append(obj.key)
            if hook is not None:
                hook(runner, backend, obj.key)

        monkeypatch.setattr(runner, "_eligible", eligible)
        monkeypatch.setattr(runner, "_record", record)
        runner._track(backend, "j")
        return runner, backend, recorded

    yield build
    for runner in runners:
        runner.stop(5)


def _at(*changes: tuple[str, str]) -> Hook:
    """A hook that sets the job's status (as UpdateClassificationJob does) once the given
    object is recorded."""
    when = dict(changes)

    def hook(runner: jobs_module.JobRunner, backend: _Backend, key: str) -> None:
        if key in when:
            backend.status(runner, when[key])

    return hook


def _wait(predicate: Callable[[], bool]) -> None:
    deadline = time.monotonic() + 10
    while not predicate():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.01)


def test_pause_records_what_was_read_and_resume_finishes_once(make: Any) -> None:
    runner, backend, recorded = make(_at(("k1", "USER_PAUSED")))
    runner._run(backend, "j")
    assert backend.job["jobStatus"] == "USER_PAUSED"
    assert recorded == ["k0", "k1", "k2", "k3", "k4"]  # k2-k4 were in the workers
    assert _Pool.made[-1].closed
    backend.status(runner, "RUNNING")
    _wait(lambda: backend.job["jobStatus"] == "COMPLETE")
    assert recorded == [f"k{i}" for i in range(OBJECTS)]
    assert len(backend.runs) == 1


def test_resumed_while_the_pause_drains_the_run_carries_on(make: Any) -> None:
    """RUNNING arrives while the paused run still records what it read: that run (not a
    second one, which finds it running and leaves) goes on to the end."""

    runner, backend, recorded = make(_at(("k1", "USER_PAUSED"), ("k3", "RUNNING")))
    runner._run(backend, "j")
    _wait(lambda: backend.job["jobStatus"] == "COMPLETE")
    assert recorded == [f"k{i}" for i in range(OBJECTS)]
    assert len(backend.runs) == 1


def test_a_pause_after_the_last_object_was_read_completes_on_resume(make: Any) -> None:
    runner, backend, recorded = make(_at(("k8", "USER_PAUSED")))  # k9 is read already
    runner._run(backend, "j")
    assert backend.job["jobStatus"] == "USER_PAUSED"  # not completed while paused
    assert len(recorded) == OBJECTS
    backend.status(runner, "RUNNING")
    _wait(lambda: backend.job["jobStatus"] == "COMPLETE")
    assert len(recorded) == OBJECTS and len(backend.runs) == 1  # no second listing


def test_cancel_drops_what_is_in_the_workers(make: Any) -> None:
    runner, backend, recorded = make(_at(("k1", "CANCELLED")))
    runner._run(backend, "j")
    assert recorded == ["k0", "k1"]
    assert _Pool.made[-1].terminated


def test_a_failed_run_leaves_the_next_one_to_list_again(make: Any) -> None:
    def fail(runner: jobs_module.JobRunner, backend: _Backend, key: str) -> None:
        if key == "k1":
            raise RuntimeError("record failed")

    runner, backend, _ = make(fail)
    runner._run_safely("j")
    assert runner._states["j"].pending is None  # the unread objects are not kept as done
    assert backend.runs[-1] == {"objects": 0, "error": True}
