"""Classification job runs for the local macie2 emulator: local S3 -> detect -> findings.

The emulator's models keep job definitions and status; this module runs them, as Macie
does (https://docs.aws.amazon.com/macie/latest/user/discovery-jobs.html):

- a ONE_TIME job runs right after creation and ends COMPLETE; a SCHEDULED job runs at
  creation when ``initialRun`` is true, then on its daily / weekly / monthly schedule
  (00:00 UTC), and waits IDLE between runs; later runs (and the first one when
  ``initialRun`` is false) only analyse objects created or changed since the previous run;
- a run lists the objects of the job's buckets (``bucketDefinitions`` or
  ``bucketCriteria``) through the S3 API, applies ``scoping`` (extension, key prefix,
  size, last-modified date, object tags) and ``samplingPercentage``, reads each object and
  scans it with :mod:`macie_notify.detect` using the job's managed identifier selection
  and custom identifiers (a run with tens of megabytes to read in the detection worker
  pool, every core at work, as ``scan`` does); every object with a detection becomes one
  sensitive-data finding in Macie's shape, published like any other finding;
- USER_PAUSED stops a run between objects and RUNNING resumes it where it stopped;
  CANCELLED ends it for good;
- job events go to the log group ``/aws/macie/classificationjobs``
  (https://docs.aws.amazon.com/macie/latest/user/discovery-jobs-monitor-cw-logs.html).

Runs execute on a small pool and the schedule on one timer thread; both start on first
use and are joined by :meth:`JobRunner.stop`, so the server never leaks a thread.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import random
import threading
import time
from collections import deque
from collections.abc import Callable, Generator, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from contextlib import closing
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from macie_notify.detect import CustomIdentifierSpec, FileResult, IdentifierSelection
from macie_notify.detect.pool import ScanPool, default_jobs
from macie_notify.detect.scanner import default_scanner
from macie_notify.local.lambda_.runner import LogWriter
from macie_notify.local.macie2.allow_lists import mask
from macie_notify.local.macie2.discovery import Scan
from macie_notify.local.macie2.job_objects import (
    S3Object,
    affected_resources,
    bucket_details,
    bucket_tags,
    custom_arns,
    finding_doc,
    list_objects,
)
from macie_notify.local.macie2.results import (
    NOT_SET,
    result_key,
    result_record,
    write_results,
)
from macie_notify.local.macie2.scoping import (
    bucket_selected,
    matches_scoping,
    needs_object_tags,
    next_run_after,
)
from macie_notify.render import iso8601

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

__all__ = ["JobRunner", "S3Object"]

JOB_LOG_GROUP = "/aws/macie/classificationjobs"
POOL_MIN_BYTES = 64 * 1024 * 1024
"""A run with at least this much to read (and two objects or more) scans in worker
processes. Below it, starting them (each rebuilds the scanner) and reading the objects in
one thread while they scan cost more than they save: ``bench/local_job.py`` measured a
42 MB run slower in the pool on two cores, and a 168 MB run 1.3 times faster."""


@dataclass
class _RunState:
    """One job's progress: what the current run still has to do, pause/cancel flags."""

    job_id: str
    account_id: str
    region: str
    pending: list[S3Object] | None = None
    since: dt.datetime | None = None
    previous_run: dt.datetime | None = None
    started: dt.datetime | None = None
    """When the current run listed its objects (a resumed run keeps it: the next run looks
    for what changed since then, not since the resume)."""
    # (bucket, key, ETag) already analysed: S3's LastModified has whole-second precision, so
    # an object written in the second a run started is eligible again and this keeps it
    # from being analysed twice.
    analysed: set[tuple[str, str, str]] = field(default_factory=set)
    # Buckets of this run that could not be read (NoSuchBucket, AccessDenied): the run
    # scans the others and ends with lastRunErrorStatus ERROR, as Macie does.
    errors: list[str] = field(default_factory=list)
    paused: bool = False
    cancelled: bool = False
    running: bool = False
    next_run: float | None = None


class JobRunner:
    """The macie2 backends' ``job_runner``: runs jobs against the local S3."""

    def __init__(
        self,
        s3_client: Callable[[str, str], S3Client],
        logs: LogWriter | None = None,
        clock: Callable[[], float] = time.time,
        workers: int = 2,
    ) -> None:
        self._s3_client = s3_client
        self._logs = logs
        self._clock = clock
        self._workers = workers
        self._lock = threading.Lock()
        self._wake = threading.Condition(self._lock)
        self._states: dict[str, _RunState] = {}
        self._backends: dict[str, Any] = {}
        self._pool: ThreadPoolExecutor | None = None
        self._timer: threading.Thread | None = None
        self._stopping = False

    def _now(self) -> dt.datetime:
        """The injected clock as a UTC datetime (run starts, result records, job events)."""
        return dt.datetime.fromtimestamp(self._clock(), dt.timezone.utc)

    # --- hook from the models --------------------------------------------------------------

    def job_changed(self, backend: Any, job: dict[str, Any], reason: str) -> None:
        """Called with the backend lock held: only record and schedule, never run here."""
        job_id = job["jobId"]
        state = self._track(backend, job_id)
        status = job["jobStatus"]
        if reason == "created":
            self._log(backend, job, "JOB_CREATED", "The job was created.")
            if job["jobType"] == "SCHEDULED":
                if not job.get("initialRun"):
                    state.since = _parse_time(job["createdAt"])
                self._schedule(state, job)
            if status == "RUNNING":
                self._submit(job_id)
            return
        if status == "USER_PAUSED":
            state.paused = True
            self._log(backend, job, "JOB_PAUSED", "The job was paused.")
        elif status == "CANCELLED":
            state.cancelled = True
            self._log(backend, job, "JOB_CANCELLED", "The job was cancelled.")
        elif status == "RUNNING":
            state.paused = False
            self._log(backend, job, "JOB_RESUMED", "The job was resumed.")
            self._submit(job_id)
        elif status == "IDLE":
            state.paused = False

    def run_now(self, backend: Any, job_id: str) -> None:
        """The control call: start the job's next scheduled run now."""
        job = backend.get_job(job_id)
        if job["jobType"] != "SCHEDULED" or job["jobStatus"] != "IDLE":
            raise ValueError(
                f"job {job_id} is {job['jobStatus']}; only an IDLE scheduled job can run now"
            )
        self._track(backend, job_id)
        backend.set_job_status(job_id, "RUNNING")
        self._submit(job_id)

    def _track(self, backend: Any, job_id: str) -> _RunState:
        """The job's run state (new on first sight), and the backend that holds the job."""
        with self._lock:
            self._backends[job_id] = backend
            return self._states.setdefault(
                job_id, _RunState(job_id, backend.account_id, backend.region)
            )

    def stop(self, timeout: float = 30.0) -> None:
        """Stop the timer, ask running jobs to stop between objects, join every thread."""
        with self._lock:
            self._stopping = True
            self._wake.notify_all()
        timer, self._timer = self._timer, None
        if timer is not None:
            timer.join(timeout)
        pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)

    # --- threads ---------------------------------------------------------------------------

    def _submit(self, job_id: str) -> None:
        with self._lock:
            if self._stopping:
                return
            if self._pool is None:
                self._pool = ThreadPoolExecutor(self._workers, "macie-notify-job")
            pool = self._pool
        pool.submit(self._run_safely, job_id)

    def _schedule(self, state: _RunState, job: Mapping[str, Any]) -> None:
        frequency = job.get("scheduleFrequency") or {}
        state.next_run = next_run_after(frequency, self._clock())
        with self._lock:
            if self._timer is None and not self._stopping:
                self._timer = threading.Thread(
                    target=self._timer_loop, name="macie-notify-job-timer", daemon=True
                )
                self._timer.start()
            self._wake.notify_all()

    def _timer_loop(self) -> None:
        while True:
            with self._lock:
                if self._stopping:
                    return
                now = self._clock()
                due = [s for s in self._states.values() if s.next_run and s.next_run <= now]
                for state in due:
                    state.next_run = None
                upcoming = [s.next_run for s in self._states.values() if s.next_run]
                if not due:
                    wait = min(upcoming) - now if upcoming else 3600.0
                    self._wake.wait(timeout=max(0.05, min(wait, 3600.0)))
                    continue
            # The backend lock is taken outside ours: job_changed takes them the other way.
            for state in due:
                self._scheduled_run(state.job_id)

    def _scheduled_run(self, job_id: str) -> None:
        backend = self._backends[job_id]
        job = backend.get_job(job_id)
        if job["jobStatus"] == "IDLE":
            backend.set_job_status(job_id, "RUNNING")
            self._submit(job_id)
        if job["jobStatus"] != "CANCELLED":
            self._schedule(self._states[job_id], job)

    def _run_safely(self, job_id: str) -> None:
        backend = self._backends[job_id]
        try:
            self._run(backend, job_id)
        except Exception as exc:  # a broken run must not kill the pool; Macie reports ERROR
            # The next run lists its objects again: what this one did not analyse is still
            # changed since the previous run.
            self._states[job_id].pending = None
            job = backend.get_job(job_id)
            self._log(backend, job, "JOB_ERROR", f"The run failed: {type(exc).__name__}: {exc}")
            backend.record_job_run(job_id, objects=0, error=True)
            self._finish(backend, job)

    # --- one run ---------------------------------------------------------------------------

    def _run(self, backend: Any, job_id: str) -> None:
        state = self._states[job_id]
        with self._lock:
            if state.running:
                return  # that run carries on (see below)
            state.running = True
        try:
            self._run_objects(backend, state)
        except BaseException:
            with self._lock:
                state.running = False
            raise
        with self._lock:
            state.running = False
            # A RUNNING that came while this run was stopping for a pause found it still
            # running and left: the objects still pending are this run's to go on with.
            again = bool(state.pending) and not self._interrupted(state) and not self._stopping
        if again:
            self._submit(job_id)

    def _run_objects(self, backend: Any, state: _RunState) -> None:
        client = self._s3_client(state.account_id, state.region)
        with backend.lock:
            job = json.loads(json.dumps(backend.get_job(state.job_id)))
            identifiers = [backend.get_identifier(cid) for cid in job["customDataIdentifierIds"]]
            run = _RunContext(
                job=job,
                client=client,
                selection=IdentifierSelection(
                    job["managedDataIdentifierSelector"], tuple(job["managedDataIdentifierIds"])
                ),
                custom=[CustomIdentifierSpec.from_api(c) for c in identifiers],
                arns={c["id"]: c["arn"] for c in identifiers},
                allowed=backend.allow_lists.matchers(job["allowListIds"], backend.object_reader()),
                export=dict((backend.export_configuration or {}).get("s3Destination") or {}),
            )
        if state.pending is None and job["jobStatus"] != "RUNNING":
            return  # a resume queued behind the run it resumed, which has ended since
        if state.pending is None:
            state.started = self._now()
            one_time = job["jobType"] == "ONE_TIME"
            kind = "ONE_TIME_JOB_STARTED" if one_time else "SCHEDULED_RUN_STARTED"
            self._log(backend, job, kind, "The job run started.")
            state.errors = []
            state.pending = list(self._eligible(client, backend, job, state))
            backend.record_job_run(
                state.job_id,
                objects=len(state.pending),
                started=iso8601(state.started),
                error=bool(state.errors),
            )
        buckets: dict[str, dict[str, Any]] = {}
        while True:
            with closing(self._scanned(run, state, buckets)) as scanned:
                for obj, got, result, left in scanned:
                    if state.cancelled or self._stopping:
                        return  # the run is over: objects still in the workers are dropped
                    if got is not None and result is not None:
                        self._record(run, backend, obj, buckets[obj.bucket], got, result)
                    state.analysed.add((obj.bucket, obj.key, obj.etag))
                    backend.record_progress(state.job_id, left)
            if self._interrupted(state):
                # Paused: what was read is recorded, RUNNING goes on from here (with no
                # object left, it only completes the run).
                return
            if not state.pending:
                break
            # Resumed while the objects in flight were being recorded (that RUNNING found
            # this run still going and left it to carry on): carry on.
        state.pending = None
        state.previous_run = state.since = state.started
        self._finish(backend, job)

    def _finish(self, backend: Any, job: Mapping[str, Any]) -> None:
        one_time = job["jobType"] == "ONE_TIME"
        if backend.get_job(job["jobId"])["jobStatus"] == "RUNNING":
            backend.set_job_status(job["jobId"], "COMPLETE" if one_time else "IDLE")
        kind = "JOB_COMPLETED" if one_time else "SCHEDULED_RUN_COMPLETED"
        self._log(backend, job, kind, "The job run completed.")

    def _eligible(
        self, client: S3Client, backend: Any, job: Mapping[str, Any], state: _RunState
    ) -> Iterator[S3Object]:
        definition = job["s3JobDefinition"]
        scoping = definition.get("scoping") or {}
        with_tags = needs_object_tags(scoping)
        objects = []
        for bucket in self._buckets(client, definition, state.account_id, backend):
            try:
                listed = list(list_objects(client, bucket, with_tags))
            except client.exceptions.ClientError as exc:
                code = str(exc.response.get("Error", {}).get("Code", ""))
                kind = "BUCKET_DOES_NOT_EXIST" if code == "NoSuchBucket" else "BUCKET_ACCESS_DENIED"
                state.errors.append(bucket)
                self._log(backend, job, kind, f"The bucket {bucket} could not be read: {code}.")
                continue
            for obj in listed:
                if state.since and obj.last_modified < state.since.replace(microsecond=0):
                    continue
                if (obj.bucket, obj.key, obj.etag) in state.analysed:
                    continue
                if matches_scoping(scoping, obj):
                    objects.append(obj)
        percent = float(job.get("samplingPercentage") or 100)
        if percent < 100:
            rng = random.Random(f"{job['jobId']}:{job['statistics']['numberOfRuns']}")
            keep = math.ceil(len(objects) * percent / 100)
            objects = sorted(rng.sample(objects, keep), key=lambda o: (o.bucket, o.key))
        yield from objects

    def _buckets(
        self, client: S3Client, definition: Mapping[str, Any], account_id: str, backend: Any = None
    ) -> list[str]:
        if definition.get("bucketDefinitions"):
            return [
                name
                for item in definition["bucketDefinitions"]
                if item.get("accountId") in (None, account_id)
                for name in item.get("buckets") or []
            ]
        criteria = definition.get("bucketCriteria") or {}
        names = [b["Name"] for b in client.list_buckets().get("Buckets", [])]
        source = backend.registry.bucket_source if backend is not None else None
        metadata = source(account_id, backend.region) if source is not None else []
        facts = {
            m["bucketName"]: {
                "effectivePermission": str(m["publicAccess"]["effectivePermission"]),
                "sharedAccess": str(m["sharedAccess"]),
            }
            for m in metadata
        }
        return [
            n
            for n in names
            if bucket_selected(criteria, n, account_id, bucket_tags(client, n), facts.get(n))
        ]

    def _interrupted(self, state: _RunState) -> bool:
        return state.paused or state.cancelled or self._stopping

    def _fetched(
        self, run: _RunContext, state: _RunState, buckets: dict[str, dict[str, Any]]
    ) -> Iterator[tuple[S3Object, Any, bytes]]:
        """The run's pending objects, read and masked, until it is paused or cancelled (or
        the server stops); ``got`` is None for an object deleted since the listing, which
        Macie skips too."""
        client = run.client
        while state.pending and not self._interrupted(state):
            obj = state.pending.pop(0)
            if obj.bucket not in buckets:
                buckets[obj.bucket] = bucket_details(client, obj.bucket, state.account_id)
            try:
                got = client.get_object(Bucket=obj.bucket, Key=obj.key)
            except client.exceptions.NoSuchKey:
                yield obj, None, b""
                continue
            yield obj, got, mask(got["Body"].read(), run.allowed)

    def _scanned(
        self, run: _RunContext, state: _RunState, buckets: dict[str, dict[str, Any]]
    ) -> Generator[tuple[S3Object, Any, FileResult | None, int], None, None]:
        """Each fetched object with its scan and the objects left after it, in order. A
        run with tens of megabytes to read scans them in worker processes
        (:class:`~macie_notify.detect.pool.ScanPool`), one per CPU, as ``scan`` does; a
        smaller one scans here."""
        scanner = default_scanner(run.selection, run.custom)
        fetched = self._fetched(run, state, buckets)
        pending = state.pending or []
        jobs = default_jobs()
        if jobs < 2 or len(pending) < 2 or sum(o.size for o in pending) < POOL_MIN_BYTES:
            for obj, got, data in fetched:
                result = scanner.scan_bytes(data, name=obj.key) if got is not None else None
                yield obj, got, result, len(state.pending or ())
            return
        sent: deque[tuple[S3Object, Any]] = deque()

        def objects() -> Iterator[tuple[str, bytes]]:
            for obj, got, data in fetched:
                sent.append((obj, got))
                yield obj.key, data

        # At most two objects per worker are held in memory beyond the one being recorded.
        with ScanPool(scanner, jobs) as pool:
            for result in pool.scan_objects(objects(), ahead=2 * jobs):
                obj, got = sent.popleft()
                left = len(state.pending or ()) + len(sent)  # in the workers: still to do
                yield obj, got, result if got is not None else None, left

    def _record(
        self,
        run: _RunContext,
        backend: Any,
        obj: S3Object,
        bucket: Mapping[str, Any],
        got: Mapping[str, Any],
        result: FileResult,
    ) -> None:
        """One analysed object: its scan record, detailed result and finding, if any."""
        client, job = run.client, run.job
        classification = custom_arns(result.classification_result(), run.arns)
        sensitive = bool(
            result.has_findings and result.finding_type is not None and result.severity
        )
        resources = affected_resources(obj, bucket, got)
        now = iso8601(self._now())
        folder = run.export or {"bucketName": NOT_SET.removeprefix("s3://")}
        key = result_key(folder, backend.account_id, backend.region, job["jobId"])
        location = f"{NOT_SET}/{key}"
        if run.export:
            # Every analysed object gets a result record, with or without sensitive data.
            record = result_record(
                job, backend.account_id, backend.region, now, classification, resources
            )
            location = write_results(client, run.export, key, [record])
        backend.record_scan(
            Scan(
                bucket=obj.bucket,
                key=obj.key,
                size=obj.size,
                job_id=job["jobId"],
                at=now,
                detections=_detections(classification),
            )
        )
        if sensitive:
            doc = finding_doc(job, resources, result, classification, location)
            with backend.transaction():
                if job["jobId"] in backend.jobs:  # not deleted (DisableMacie) meanwhile
                    backend.findings.put(doc)

    def _log(self, backend: Any, job: Mapping[str, Any], kind: str, text: str) -> None:
        if self._logs is None:
            return
        event = {
            "adminAccountId": backend.account_id,
            "jobId": job["jobId"],
            "eventType": kind,
            "occurredAt": iso8601(self._now()),
            "description": text,
            "jobName": job["name"],
        }
        arn = f"arn:aws:logs:{backend.region}:{backend.account_id}:log-group:{JOB_LOG_GROUP}"
        try:
            stamp = int(self._clock() * 1000)
            self._logs.put_log_events(arn, backend.account_id, [(stamp, json.dumps(event))])
        except Exception:  # logging must never break a run
            return


@dataclass
class _RunContext:
    """What one run reads once: the job, identifiers, allow lists and export destination."""

    job: dict[str, Any]
    client: S3Client
    selection: IdentifierSelection
    custom: list[CustomIdentifierSpec]
    arns: dict[str, str]
    allowed: list[Any]
    export: dict[str, Any]


def _detections(classification: Mapping[str, Any]) -> tuple[tuple[str, str, str, int], ...]:
    """(MANAGED|CUSTOM, id, name, count) of a classification result, for resource profiles."""
    out = [
        ("MANAGED", str(d["type"]), str(d["type"]), int(d["count"]))
        for group in classification.get("sensitiveData") or []
        for d in group.get("detections") or []
    ]
    for d in (classification.get("customDataIdentifiers") or {}).get("detections") or []:
        arn = str(d.get("arn") or "")
        out.append(("CUSTOM", arn.rsplit("/", 1)[-1], str(d.get("name")), int(d["count"])))
    return tuple(out)


def _parse_time(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
