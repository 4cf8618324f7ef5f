"""``findings --tail`` against the local endpoint, with an injected clock and sleep.

Findings "arrive while the tail sleeps": the fake sleep creates them on the endpoint
with CreateSampleFindings. Nothing here really waits. (Many findings sharing one
millisecond exactly is pinned with a hand-written fake in tests/unit/findings.)
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError
from findings_e2e import Run, all_findings, invoke_with, make_app

from macie_notify.findings.criteria import Filters
from macie_notify.findings.tail import Checkpoint, Tailer
from macie_notify.local import LocalServer
from macie_notify.local.client import local_call
from tests.conftest import FakeClock

START = datetime(2026, 1, 1, tzinfo=timezone.utc)
POLICY_TYPES = [
    "Policy:IAMUser/S3BucketEncryptionDisabled",
    "Policy:IAMUser/S3BlockPublicAccessDisabled",
]


class Arrivals:
    """A fake sleep: advances the clock, then runs the next planned arrival (if any)."""

    def __init__(self, clock: FakeClock, plan: list[Callable[[], None]], limit: int = 5000):
        self.clock = clock
        self.plan = list(plan)
        self.calls: list[float] = []
        self.limit = limit

    def __call__(self, seconds: float) -> None:
        self.calls.append(seconds)
        assert len(self.calls) < self.limit, "the tail never got every finding"
        self.clock.advance(seconds)
        if self.plan:
            self.plan.pop(0)()


def tailer(client: Any, clock: FakeClock, sleep: Callable[[float], None], **kw: Any) -> Tailer:
    notes: list[str] = kw.pop("notes", [])
    return Tailer(
        client,
        Filters().criteria(),
        since=kw.pop("since", datetime(2020, 1, 1, tzinfo=timezone.utc)),
        interval=30,
        clock=clock,
        sleep=sleep,
        note=notes.append,
        **kw,
    )


def samples(macie: Any, types: list[str] | None = None) -> Callable[[], None]:
    return lambda: macie.create_sample_findings(**({"findingTypes": types} if types else {}))


def test_backlog_then_arrivals_between_polls_each_printed_once(macie: Any) -> None:
    macie.create_sample_findings()  # the backlog: 11 findings, one timestamp
    clock = FakeClock(START)
    sleep = Arrivals(clock, [samples(macie), samples(macie, POLICY_TYPES), lambda: None])
    printed: list[str] = []
    t = tailer(macie, clock, sleep, duration=120)
    assert t.run(lambda f: printed.append(f["id"])) == 11 + 11 + 2
    assert sorted(printed) == sorted(f["id"] for f in all_findings(macie))
    assert len(set(printed)) == len(printed)
    assert sleep.calls == [30, 30, 30, 30]  # polls at 0, 30, 60, 90 and 120 s


def test_restart_from_checkpoint_inside_a_shared_timestamp(macie: Any, tmp_path: Path) -> None:
    macie.create_sample_findings()  # 11 findings created within a few milliseconds
    path = tmp_path / "cursor.json"
    clock = FakeClock(START)
    first: list[str] = []
    t1 = tailer(macie, clock, Arrivals(clock, []), checkpoint=Checkpoint(path), max_findings=4)
    assert t1.run(lambda f: first.append(f["id"])) == 4
    saved = json.loads(path.read_text())
    assert saved["version"] == 1
    # The ids printed at the cursor's millisecond (the fourth one's, and any sharing it).
    newest = max(v[0] for v in saved["seen"].values())
    assert saved["cursor"] == newest and set(saved["seen"]) <= set(first)
    assert first[-1] in saved["seen"]
    assert [p.name for p in tmp_path.iterdir()] == ["cursor.json"]  # no temp file left

    second: list[str] = []
    sleep = Arrivals(clock, [samples(macie, ["SensitiveData:S3Object/Personal"])])
    t2 = tailer(macie, clock, sleep, checkpoint=Checkpoint(path), duration=30)
    assert t2.resumed
    t2.run(lambda f: second.append(f["id"]))
    assert len(second) == 7 + 1
    assert not set(first) & set(second)
    assert sorted(first + second) == sorted(f["id"] for f in all_findings(macie))

    # A nightly run later: nothing new, nothing printed again.
    third: list[str] = []
    tailer(macie, clock, Arrivals(clock, []), checkpoint=Checkpoint(path), duration=0).run(
        lambda f: third.append(f["id"])
    )
    assert third == []


def test_since_bounds_the_backlog(macie: Any) -> None:
    macie.create_sample_findings()
    clock = FakeClock(datetime.now(timezone.utc))
    printed: list[str] = []
    later = datetime(2100, 1, 1, tzinfo=timezone.utc)
    tailer(macie, clock, Arrivals(clock, []), since=later, duration=0).run(
        lambda f: printed.append(f["id"])
    )
    assert printed == []


BUCKET = "tail-policy-bucket"
SSE_S3 = {"Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]}


def test_an_updated_policy_finding_is_printed_once_per_update(
    server: LocalServer, macie: Any
) -> None:
    s3 = server.client("s3")
    s3.create_bucket(Bucket=BUCKET)
    s3.put_bucket_encryption(Bucket=BUCKET, ServerSideEncryptionConfiguration=SSE_S3)

    def check() -> None:
        local_call(server.endpoint_url, "POST", "/_local/posture/check")

    def weaken() -> None:
        s3.delete_bucket_encryption(Bucket=BUCKET)
        check()

    def secure_then_weaken() -> None:
        s3.put_bucket_encryption(Bucket=BUCKET, ServerSideEncryptionConfiguration=SSE_S3)
        check()
        weaken()

    check()  # the baseline
    weaken()  # count 1
    clock = FakeClock(START)
    plan = [secure_then_weaken, lambda: None, secure_then_weaken]
    printed: list[tuple[str, int]] = []
    tailer(macie, clock, Arrivals(clock, plan), duration=90).run(
        lambda f: printed.append((f["id"], f["count"]))
    )
    (finding,) = all_findings(macie)
    assert finding["type"] == "Policy:IAMUser/S3BucketEncryptionDisabled"
    assert printed == [(finding["id"], 1), (finding["id"], 2), (finding["id"], 3)]


class Flaky:
    """A macie2 client whose ListFindings and GetFindings fail ``rate`` of the time."""

    def __init__(self, client: Any, rate: float, seed: int = 3, code: str = "ThrottlingException"):
        self.client = client
        self.meta = client.meta
        self.rate = rate
        self.random = random.Random(seed)
        self.code = code
        self.failures = 0

    def _flaky(self, name: str) -> Callable[..., Any]:
        method = getattr(self.client, name)

        def call(**params: Any) -> Any:
            if self.random.random() < self.rate:
                self.failures += 1
                status = 429 if self.code == "ThrottlingException" else 403
                error = {
                    "Error": {"Code": self.code, "Message": "Rate exceeded"},
                    "ResponseMetadata": {"HTTPStatusCode": status},
                }
                raise ClientError(error, name)  # type: ignore[arg-type]
            return method(**params)

        call.__name__ = name
        return call

    def __getattr__(self, name: str) -> Any:
        if name in ("list_findings", "get_findings"):
            return self._flaky(name)
        return getattr(self.client, name)


def test_a_thousand_arrivals_with_20_percent_throttling_each_printed_once(macie: Any) -> None:
    flaky = Flaky(macie, rate=0.2)
    clock = FakeClock(START)
    # 91 CreateSampleFindings calls (11 findings each) spread over the sleeps, backoff
    # sleeps included: findings also arrive while the tail waits out a throttle.
    plan = [samples(macie) for _ in range(91)]
    notes: list[str] = []
    printed: list[str] = []
    t = tailer(flaky, clock, Arrivals(clock, plan), max_findings=1001, notes=notes)
    t.run(lambda f: printed.append(f["id"]))
    assert len(printed) == 1001
    assert sorted(printed) == sorted(f["id"] for f in all_findings(macie))
    assert flaky.failures > 0 and len(notes) == flaky.failures
    assert all("ThrottlingException; retrying in" in n for n in notes)


def test_persistent_access_denied_ends_the_tail(macie: Any, tmp_path: Path) -> None:
    flaky = Flaky(macie, rate=1.0, code="AccessDeniedException")
    clock = FakeClock(START)
    sleep = Arrivals(clock, [])
    t = tailer(flaky, clock, sleep, checkpoint=Checkpoint(tmp_path / "c.json"))
    with pytest.raises(ClientError, match="AccessDeniedException"):
        t.run(lambda f: None)
    assert sleep.calls == [1.0, 2.0]  # three attempts, then it gives up
    assert (tmp_path / "c.json").exists()  # the cursor is kept for the next run


def test_ctrl_c_keeps_the_checkpoint(macie: Any, tmp_path: Path) -> None:
    macie.create_sample_findings()
    clock = FakeClock(START)

    def interrupt(seconds: float) -> None:
        raise KeyboardInterrupt

    path = tmp_path / "c.json"
    printed: list[str] = []
    with pytest.raises(KeyboardInterrupt):
        tailer(macie, clock, interrupt, checkpoint=Checkpoint(path)).run(
            lambda f: printed.append(f["id"])
        )
    assert len(printed) == 11
    assert printed[-1] in json.loads(path.read_text())["seen"]


def test_cli_tail_prints_json_lines_and_findings_dash_dash_tail_is_the_same(
    server: LocalServer, macie: Any
) -> None:
    macie.create_sample_findings()
    outputs = []
    for args in (["findings", "tail"], ["findings", "--tail"]):
        app = make_app(server, output="json")
        clock = FakeClock(datetime.now(timezone.utc))
        app.clock, app.sleep = clock, Arrivals(clock, [])
        result = invoke_with(app, *args, "--duration", "60", "--interval", "20")
        assert result.exit_code == 0, result.output
        lines = result.stdout.splitlines()
        assert len(lines) == 11
        outputs.append([json.loads(line)["id"] for line in lines])
        assert app.sleep.calls == [20, 20, 20]  # type: ignore[attr-defined]
    assert outputs[0] == outputs[1]
    assert sorted(outputs[0]) == sorted(f["id"] for f in all_findings(macie))


def test_cli_tail_fail_on_exits_3(invoke: Run, macie: Any) -> None:
    macie.create_sample_findings(findingTypes=["Policy:IAMUser/S3BucketPublic"])  # High
    result = invoke("findings", "tail", "--duration", "0", "--fail-on", "High", "-o", "json")
    assert result.exit_code == 3
    assert result.stderr == "Error: 1 finding at or above High\n"
    assert json.loads(result.stdout)["type"] == "Policy:IAMUser/S3BucketPublic"


def test_cli_tail_table_rows(invoke: Run, macie: Any) -> None:
    macie.create_sample_findings(findingTypes=["SensitiveData:S3Object/Financial"])
    result = invoke("findings", "tail", "--duration", "0", "--max-findings", "5")
    assert result.exit_code == 0, result.output
    (finding,) = all_findings(macie)
    assert result.stdout == (
        f"{finding['updatedAt']}  {finding['severity']['description']:<6}  "
        f"SensitiveData:S3Object/Financial  macie-sample-finding-bucket/1/sample-records.csv  "
        f"{finding['id']}\n"
    )


def test_tail_with_a_subcommand_is_a_usage_error(invoke: Run) -> None:
    result = invoke("findings", "--tail", "list")
    assert result.exit_code == 2
    assert "--tail follows findings by itself" in result.stderr
