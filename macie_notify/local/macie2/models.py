"""In-memory macie2 state per account and Region (no HTTP), laid out like moto's models.

Seams for the rest of ``macie_notify.local`` (kept stable):

- ``Macie2Backends.add_listener(callback)``: ``callback(finding, account_id, region)`` runs
  for every published finding that is not suppressed, after the backend lock is released
  (EventBridge delivery hangs off it): new findings at once, updates of policy findings
  when ``Macie2Backends.flush_due`` (or ``flush``) publishes them.
- ``Macie2Backend.findings.put(doc)`` / ``findings.record_policy(doc)``: create findings from
  Python (job results, bucket posture).
- ``Macie2Backends.job_observer``: an object with ``job_changed(backend, job, reason)``,
  told when a job is created (``"created"``) or its status changes (``"status"``); jobs
  report progress back with ``set_job_status`` / ``record_job_run``.
- ``Macie2Backends.bucket_source``: ``(account_id, region) -> [BucketMetadata dicts]`` for
  DescribeBuckets, provided by the server from the local S3.
- ``Macie2Backends.s3_client``: ``(account_id, region) -> boto3 S3 client`` of the local S3,
  for what Macie reads itself (allow list words, revealed occurrences, bucket statistics).
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING, Any, Protocol

from macie_notify.local.macie2 import validation
from macie_notify.local.macie2.accounts import Organization
from macie_notify.local.macie2.allow_lists import AllowLists
from macie_notify.local.macie2.discovery import Discovery, Scan
from macie_notify.local.macie2.exceptions import (
    ALREADY_ENABLED,
    NOT_ENABLED,
    AccessDeniedException,
    ConflictException,
    ResourceNotFoundException,
    ServiceQuotaExceededException,
    ValidationException,
)
from macie_notify.local.macie2.findings import Findings
from macie_notify.render import iso8601

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

Listener = Callable[[dict[str, Any], str, str], None]
BucketSource = Callable[[str, str], list[dict[str, Any]]]
S3ClientFactory = Callable[[str, str], "S3Client"]

CDI_QUOTA = 10_000
FILTER_QUOTA = 1_000
# UpdateClassificationJob: target status -> statuses it may be reached from.
TRANSITIONS = {
    "CANCELLED": {"IDLE", "PAUSED", "RUNNING", "USER_PAUSED"},
    "USER_PAUSED": {"IDLE", "PAUSED", "RUNNING"},
    "RUNNING": {"USER_PAUSED"},
}


# findingPublishingFrequency -> seconds between publications of policy finding updates.
PUBLISHING_SECONDS = {"FIFTEEN_MINUTES": 900.0, "ONE_HOUR": 3600.0, "SIX_HOURS": 21600.0}


class JobObserver(Protocol):
    """Told about job changes; runs the jobs (``macie_notify.local.macie2.jobs.JobRunner``)."""

    def job_changed(self, backend: Macie2Backend, job: dict[str, Any], reason: str) -> None: ...


class Macie2Backends:
    """Every account's and Region's backend, plus the hooks shared by all of them."""

    def __init__(self, clock: Callable[[], float] = time.time) -> None:
        self.clock = clock
        self._lock = threading.Lock()
        self._backends: dict[tuple[str, str], Macie2Backend] = {}
        self.listeners: list[Listener] = []
        self.job_observer: JobObserver | None = None
        self.bucket_source: BucketSource | None = None
        self.s3_client: S3ClientFactory | None = None
        self._organizations: dict[str, Organization] = {}

    def organization(self, region: str) -> Organization:
        """Administrator and member relations of one Region."""
        with self._lock:
            return self._organizations.setdefault(region, Organization())

    def get(self, account_id: str, region: str) -> Macie2Backend:
        with self._lock:
            backend = self._backends.get((account_id, region))
            if backend is None:
                backend = Macie2Backend(account_id, region, self)
                self._backends[(account_id, region)] = backend
            return backend

    def all(self) -> list[Macie2Backend]:
        with self._lock:
            return list(self._backends.values())

    def add_listener(self, callback: Listener) -> None:
        self.listeners.append(callback)

    def remove_listener(self, callback: Listener) -> None:
        if callback in self.listeners:
            self.listeners.remove(callback)

    def reset(self) -> None:
        with self._lock:
            self._backends.clear()
            self._organizations.clear()

    def read_object(self, account_id: str, region: str, bucket: str, key: str) -> bytes:
        """An object's bytes from the local S3 (KeyError when it or its bucket is missing)."""
        if self.s3_client is None:
            raise KeyError(key)
        client = self.s3_client(account_id, region)
        try:
            return bytes(client.get_object(Bucket=bucket, Key=key)["Body"].read())
        except client.exceptions.ClientError as exc:
            raise KeyError(key) from exc

    def flush_due(self, now: float | None = None) -> int:
        """Publish queued policy finding updates whose publishing interval has passed."""
        at = self.clock() if now is None else now
        return sum(b.flush_queued(at) for b in self.all())

    def flush(self) -> int:
        """Publish every queued update now (the ``/_local/`` control; tests and the demo)."""
        now = self.clock()
        return sum(b.flush_queued(now, force=True) for b in self.all())


class Macie2Backend:
    """One account's Macie in one Region."""

    def __init__(self, account_id: str, region: str, registry: Macie2Backends) -> None:
        self.account_id = account_id
        self.region = region
        self.registry = registry
        self.lock = threading.RLock()
        self._pending: list[dict[str, Any]] = []
        self._queued: dict[str, dict[str, Any]] = {}
        self.last_publication = registry.clock()
        self._wipe()

    def _wipe(self) -> None:
        self.session: dict[str, Any] | None = None
        self.publication = {"publishClassificationFindings": False, "publishPolicyFindings": True}
        self.identifiers: dict[str, dict[str, Any]] = {}
        self.jobs: dict[str, dict[str, Any]] = {}
        self.filters: dict[str, dict[str, Any]] = {}
        self.tokens: dict[tuple[str, str], Any] = {}
        self.allow_lists = AllowLists(self.arn)
        self.export_configuration: dict[str, Any] = {}
        self.reveal: dict[str, Any] = {
            "configuration": {"status": "DISABLED"},
            "retrievalConfiguration": {"retrievalMode": "CALLER_CREDENTIALS"},
        }
        self.discovery = Discovery()
        self._queued = {}
        self.findings = Findings(
            self.account_id, self.region, self._publish, self.sorted_filters, self.now_iso
        )

    def load_synthetic(self, count: int, seed: int = 0, publish: bool = False) -> int:
        """Benchmark data for the ``/_local/findings/synthetic`` control."""
        return self.findings.load_synthetic(count, seed, publish)

    def now_iso(self) -> str:
        """The registry clock's time as Macie writes it (tests inject the clock)."""
        return iso8601(datetime.fromtimestamp(self.registry.clock(), timezone.utc))

    def arn(self, kind: str, resource_id: str) -> str:
        return f"arn:aws:macie2:{self.region}:{self.account_id}:{kind}/{resource_id}"

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """Hold the lock; publish the findings queued meanwhile once it is released.

        A member's findings also go to its administrator's event bus, as Macie sends them.
        """
        with self.lock:
            yield
            pending, self._pending = self._pending, []
        if not pending:
            return
        administrator = self.registry.organization(self.region).administrator_of(self.account_id)
        accounts = [self.account_id]
        if administrator is not None:
            accounts.append(str(administrator["accountId"]))
        for doc in pending:
            for account in accounts:
                for listener in list(self.registry.listeners):
                    listener(doc, account, self.region)

    def _publish(self, doc: dict[str, Any], at_once: bool) -> None:
        # Suppressed (auto-archived) findings are never published.
        if doc.get("archived"):
            self._queued.pop(doc["id"], None)
        elif at_once:
            self._pending.append(doc)
        else:
            self._queued[doc["id"]] = doc  # the latest state of the finding wins

    def flush_queued(self, now: float, force: bool = False) -> int:
        """Publish this account's queued updates when the publishing interval has passed."""
        with self.transaction():
            frequency = (self.session or {}).get("findingPublishingFrequency")
            interval = PUBLISHING_SECONDS.get(str(frequency), 900.0)
            if not force and now - self.last_publication < interval:
                return 0
            self.last_publication = now
            queued, self._queued = list(self._queued.values()), {}
            self._pending.extend(queued)
            return len(queued)

    @property
    def queued_updates(self) -> int:
        return len(self._queued)

    def idempotent(self, op: str, token: str | None, make: Callable[[], Any]) -> Any:
        """Same clientToken, same answer (boto3 fills the token when the caller omits it)."""
        if token and (op, token) in self.tokens:
            return self.tokens[(op, token)]
        result = make()
        if token:
            self.tokens[(op, token)] = result
        return result

    # -- session ---------------------------------------------------------------------

    def require_enabled(self) -> dict[str, Any]:
        if self.session is None:
            raise AccessDeniedException(NOT_ENABLED)
        return self.session

    def enable(self, params: Mapping[str, Any]) -> None:
        if self.session is not None:
            raise ConflictException(ALREADY_ENABLED)
        stamp = self.now_iso()
        self.session = {
            "createdAt": stamp,
            "updatedAt": stamp,
            "findingPublishingFrequency": params.get("findingPublishingFrequency")
            or "FIFTEEN_MINUTES",
            "serviceRole": f"arn:aws:iam::{self.account_id}:role/aws-service-role/"
            "macie.amazonaws.com/AWSServiceRoleForAmazonMacie",
            "status": params.get("status") or "ENABLED",
        }

    def update_session(self, params: Mapping[str, Any]) -> None:
        """Suspending Macie (PAUSED) cancels every job that has not ended, for good."""
        session = self.require_enabled()
        for key in ("findingPublishingFrequency", "status"):
            if params.get(key):
                session[key] = params[key]
        session["updatedAt"] = self.now_iso()
        if session["status"] == "PAUSED":
            for job in list(self.jobs.values()):
                if job["jobStatus"] not in ("COMPLETE", "CANCELLED"):
                    job["jobStatus"] = "CANCELLED"
                    job["userPausedDetails"] = None
                    self._notify_observer(job, "status")

    def require_active(self) -> None:
        """A suspended account performs no activities: no new jobs."""
        if self.require_enabled().get("status") == "PAUSED":
            raise ValidationException("Macie is suspended for this account: re-enable it first.")

    def disable(self) -> None:
        """DisableMacie deletes findings, jobs, identifiers, filters and settings.

        A run still going is cancelled first, so it stops writing findings: they would
        otherwise land in the wiped account and reappear once Macie is enabled again.
        """
        self.require_enabled()
        for job in list(self.jobs.values()):
            if job["jobStatus"] not in ("COMPLETE", "CANCELLED"):
                job["jobStatus"] = "CANCELLED"
                self._notify_observer(job, "status")
        self._wipe()

    # -- custom data identifiers -----------------------------------------------------

    def create_identifier(self, params: Mapping[str, Any]) -> str:
        from macie_notify.detect.custom import DEFAULT_MATCH_DISTANCE
        from macie_notify.local.macie2.identifiers import check_regex

        validation.custom_data_identifier(params)
        check_regex(params["regex"])
        if sum(1 for c in self.identifiers.values() if not c["deleted"]) >= CDI_QUOTA:
            raise ServiceQuotaExceededException(
                "The account already has 10,000 custom data identifiers."
            )
        cid = str(uuid.uuid4())
        self.identifiers[cid] = {
            "arn": self.arn("custom-data-identifier", cid),
            "createdAt": self.now_iso(),
            "deleted": False,
            "description": params.get("description"),
            "id": cid,
            "ignoreWords": list(params.get("ignoreWords") or []),
            "keywords": list(params.get("keywords") or []),
            "maximumMatchDistance": params.get("maximumMatchDistance") or DEFAULT_MATCH_DISTANCE,
            "name": params["name"],
            "regex": params["regex"],
            "severityLevels": list(params.get("severityLevels") or [])
            or [{"occurrencesThreshold": 1, "severity": "MEDIUM"}],
            "tags": dict(params.get("tags") or {}),
        }
        return cid

    def get_identifier(self, cid: str) -> dict[str, Any]:
        found = self.identifiers.get(cid)
        if found is None:
            raise ResourceNotFoundException(f"The custom data identifier {cid} doesn't exist.")
        return found

    def delete_identifier(self, cid: str) -> None:
        # Soft delete: Get and BatchGet keep answering with deleted=true.
        self.get_identifier(cid)["deleted"] = True

    def live_identifiers(self) -> list[dict[str, Any]]:
        live = [c for c in self.identifiers.values() if not c["deleted"]]
        return sorted(live, key=lambda c: (c["createdAt"], c["id"]))

    # -- classification jobs ---------------------------------------------------------

    def create_job(self, params: Mapping[str, Any]) -> dict[str, Any]:
        self.require_active()
        validation.classification_job(params)
        for cid in params.get("customDataIdentifierIds") or []:
            if cid not in self.identifiers or self.identifiers[cid]["deleted"]:
                raise ResourceNotFoundException(f"The custom data identifier {cid} doesn't exist.")
        for list_id in params.get("allowListIds") or []:
            self.allow_lists.get(list_id)
        job_id = uuid.uuid4().hex
        stamp = self.now_iso()
        scheduled = params["jobType"] == "SCHEDULED"
        initial = bool(params.get("initialRun")) if scheduled else False
        job = {
            "allowListIds": list(params.get("allowListIds") or []),
            "clientToken": params.get("clientToken"),
            "createdAt": stamp,
            "customDataIdentifierIds": list(params.get("customDataIdentifierIds") or []),
            "description": params.get("description"),
            "initialRun": initial,
            "jobArn": self.arn("classification-job", job_id),
            "jobId": job_id,
            "jobStatus": "RUNNING" if (not scheduled or initial) else "IDLE",
            "jobType": params["jobType"],
            "lastRunErrorStatus": {"code": "NONE"},
            "lastRunTime": stamp,
            "managedDataIdentifierIds": list(params.get("managedDataIdentifierIds") or []),
            "managedDataIdentifierSelector": params.get("managedDataIdentifierSelector")
            or "RECOMMENDED",
            "name": params["name"],
            "s3JobDefinition": params["s3JobDefinition"],
            "samplingPercentage": params.get("samplingPercentage") or 100,
            "scheduleFrequency": params.get("scheduleFrequency"),
            "statistics": {"approximateNumberOfObjectsToProcess": 0.0, "numberOfRuns": 0.0},
            "tags": dict(params.get("tags") or {}),
            "userPausedDetails": None,
        }
        self.jobs[job_id] = job
        self._notify_observer(job, "created")
        return job

    def get_job(self, job_id: str) -> dict[str, Any]:
        job = self.jobs.get(job_id)
        if job is None:
            raise ResourceNotFoundException(f"The classification job {job_id} doesn't exist.")
        return job

    def update_job(self, job_id: str, status: str) -> None:
        """Only the transitions AWS allows; job definitions are immutable."""
        job = self.get_job(job_id)
        current = job["jobStatus"]
        if current not in TRANSITIONS.get(status, set()):
            raise ValidationException(f"A job in status {current} can't be changed to {status}.")
        now = datetime.fromtimestamp(self.registry.clock(), timezone.utc)
        if status == "USER_PAUSED":
            job["_pausedFrom"] = current
            job["userPausedDetails"] = {
                "jobPausedAt": iso8601(now),
                "jobExpiresAt": iso8601(now + timedelta(days=30)),
            }
            job["jobStatus"] = status
        elif status == "RUNNING":
            was = job.pop("_pausedFrom", "RUNNING")
            job["jobStatus"] = "RUNNING" if was in ("RUNNING", "PAUSED") else "IDLE"
            job["userPausedDetails"] = None
        else:
            job["jobStatus"] = status
            job["userPausedDetails"] = None
        self._notify_observer(job, "status")

    def set_job_status(self, job_id: str, status: str) -> None:
        """For the job runner: move a job (RUNNING -> COMPLETE / IDLE) without user rules."""
        with self.lock:
            self.get_job(job_id)["jobStatus"] = status

    def record_job_run(
        self, job_id: str, *, objects: int, error: bool = False, started: str | None = None
    ) -> None:
        """For the job runner: statistics and last-run fields after a run."""
        with self.lock:
            job = self.get_job(job_id)
            stats = job["statistics"]
            stats["numberOfRuns"] = float(stats["numberOfRuns"]) + 1
            stats["approximateNumberOfObjectsToProcess"] = float(objects)
            job["lastRunTime"] = started or self.now_iso()
            job["lastRunErrorStatus"] = {"code": "ERROR" if error else "NONE"}

    def object_reader(self) -> Callable[[str, str], bytes]:
        """``(bucket, key) -> bytes`` of this account's local S3 objects."""
        return lambda bucket, key: self.registry.read_object(
            self.account_id, self.region, bucket, key
        )

    def jobs_using_allow_list(self, list_id: str) -> list[str]:
        active = ("RUNNING", "IDLE", "PAUSED", "USER_PAUSED")
        return [
            j["jobId"]
            for j in self.jobs.values()
            if list_id in j["allowListIds"] and j["jobStatus"] in active
        ]

    def record_scan(self, scan: Scan) -> None:
        """For the job runner: one analysed object (resource profiles, statistics, usage)."""
        with self.lock:
            self.discovery.scans.append(scan)

    def record_progress(self, job_id: str, remaining: int) -> None:
        """For the job runner: objects the current run still has to analyse (0 at the end)."""
        with self.lock:
            self.get_job(job_id)["statistics"]["approximateNumberOfObjectsToProcess"] = float(
                remaining
            )

    def _notify_observer(self, job: dict[str, Any], reason: str) -> None:
        observer = self.registry.job_observer
        if observer is not None:
            observer.job_changed(self, job, reason)

    # -- tags ------------------------------------------------------------------------

    def taggable(self, arn: str) -> dict[str, Any]:
        """The resource an ARN names, for Tag/Untag/ListTagsForResource."""
        prefix = f"arn:aws:macie2:{self.region}:{self.account_id}:"
        kind, _, rid = arn[len(prefix) :].partition("/") if arn.startswith(prefix) else ("", "", "")
        if kind == "member":
            return self.registry.organization(self.region).member(self.account_id, rid)
        table = {
            "custom-data-identifier": self.identifiers,
            "classification-job": self.jobs,
            "findings-filter": self.filters,
            "allow-list": self.allow_lists.items,
        }.get(kind)
        if table is None or rid not in table:
            raise ResourceNotFoundException(f"The resource {arn} doesn't exist.")
        return table[rid]

    def tag(self, arn: str, tags: Mapping[str, str]) -> None:
        resource = self.taggable(arn)
        merged = {**resource["tags"], **tags}
        validation.tags(merged)
        resource["tags"] = merged

    def untag(self, arn: str, keys: list[str]) -> None:
        resource = self.taggable(arn)
        resource["tags"] = {k: v for k, v in resource["tags"].items() if k not in keys}

    # -- findings filters ------------------------------------------------------------

    def create_filter(self, params: Mapping[str, Any]) -> dict[str, Any]:
        from macie_notify.local.macie2.filters import parse_criteria

        validation.findings_filter(params)
        parse_criteria(params["findingCriteria"])
        if len(self.filters) >= FILTER_QUOTA:
            raise ServiceQuotaExceededException("The account already has 1,000 findings filters.")
        fid = str(uuid.uuid4())
        item = {
            "action": params["action"],
            "arn": self.arn("findings-filter", fid),
            "description": params.get("description"),
            "findingCriteria": params["findingCriteria"],
            "id": fid,
            "name": params["name"],
            "position": params.get("position") or len(self.filters) + 1,
            "tags": dict(params.get("tags") or {}),
        }
        self.filters[fid] = item
        return item

    def get_filter(self, fid: str) -> dict[str, Any]:
        found = self.filters.get(fid)
        if found is None:
            raise ResourceNotFoundException(f"The findings filter {fid} doesn't exist.")
        return found

    def update_filter(self, params: Mapping[str, Any]) -> dict[str, Any]:
        from macie_notify.local.macie2.filters import parse_criteria

        item = self.get_filter(params["id"])
        validation.findings_filter(params)
        if params.get("findingCriteria") is not None:
            parse_criteria(params["findingCriteria"])
        for key in ("action", "description", "findingCriteria", "name", "position"):
            if params.get(key) is not None:
                item[key] = params[key]
        return item

    def delete_filter(self, fid: str) -> None:
        # Findings it suppressed stay archived; later findings are no longer suppressed.
        self.get_filter(fid)
        del self.filters[fid]

    def sorted_filters(self) -> list[dict[str, Any]]:
        return sorted(self.filters.values(), key=lambda f: (f["position"], f["name"], f["id"]))
