"""Finding storms on the local endpoint, through the deployed stack: the rule, the digest
queue and its mapping (or the function's async queue), the notifier and the Slack sink
with its per-channel rate."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from macie_notify.demo import storm
from macie_notify.local import LocalServer

pytestmark = [pytest.mark.e2e, pytest.mark.slow, pytest.mark.storm]


@pytest.fixture(scope="module")
def server() -> Iterator[LocalServer]:
    with LocalServer() as srv:
        yield srv
        srv.reset()


def test_digest_delivers_a_thousand_findings_in_a_few_dozen_messages(
    server: LocalServer,
) -> None:
    # Queued first: under a loaded test run EventBridge's delivery into the queue can be
    # slower than the 1 s window, which would cut batches by time (as on AWS) and make the
    # count of parents depend on the machine.
    result = storm.run(server, "digest", 1000, timeout_s=540, queued_first=True)
    assert result.counted == 1000, storm.as_json(result)
    assert result.dead_lettered == 0
    # One per batch (one job run, one bucket): 10 full batches of 100.
    assert result.parents == 10
    assert result.slack_messages <= 50  # parents and their thread replies
    assert result.max_in_flight <= 2
    # Every finding is listed once in the threads.
    listed = sum(
        block["text"]["text"].count("\n") + 1
        for m in server.slack_sink.messages(storm.CHANNEL)
        if m.get("thread_ts")
        for block in m["blocks"][1:]
    )
    assert listed == 1000


def test_half_the_posts_of_a_batch_fail_and_nothing_is_lost(server: LocalServer) -> None:
    def fail_the_next_group() -> None:
        # Three 503s: the first group's post and both of the notifier's retries.
        server.slack_sink.set_faults(outage_status=503, outage_count=3)

    result = storm.run(
        server,
        "digest",
        100,
        buckets=2,
        timeout_s=120,
        before_publish=fail_the_next_group,
        queued_first=True,
    )
    assert result.counted == 100 and result.dead_lettered == 0, storm.as_json(result)
    batches = [(r.records, r.failed) for r in server.queue_poller.results]
    assert batches[0] == (100, 50)  # only the undelivered group's records came back
    assert (50, 0) in batches[1:]
    assert result.parents == 2


def test_undelivered_findings_are_retried_then_dead_lettered(server: LocalServer) -> None:
    def slack_down() -> None:
        server.slack_sink.set_faults(outage_status=503, outage_count=None)

    result = storm.run(
        server, "digest", 40, timeout_s=180, before_publish=slack_down, queued_first=True
    )
    server.slack_sink.set_faults()
    assert result.counted == 0 and result.dead_lettered == 40, storm.as_json(result)
    # max_receives 3: three deliveries of the whole batch, then the dead-letter queue.
    assert [(r.records, r.failed) for r in server.queue_poller.results] == [(40, 40)] * 3


def test_direct_mode_loses_nothing_posts_nothing_twice_and_keeps_to_the_concurrency(
    server: LocalServer,
) -> None:
    def brisk_rate() -> None:
        # Slack's pace (one a second per channel) without a burst: the two copies' first
        # posts already meet 429s, so a short storm shows the retries as well as a long one.
        server.slack_sink.set_rate(1.0, burst=1)

    count = 20
    result = storm.run(server, "direct", count, timeout_s=300, before_publish=brisk_rate)
    assert result.counted + result.dead_lettered == count, storm.as_json(result)
    assert len(set(result.keys_posted)) == len(result.keys_posted)  # none twice
    assert result.max_in_flight <= 2  # reserved concurrency 2
    assert result.rate_limited > 0


def test_direct_mode_threshold_posts_one_summary_per_warm_copy(server: LocalServer) -> None:
    """The storm threshold counts in the function's memory, as on Lambda: each warm copy
    (two, with reserved concurrency 2) posts up to the threshold, then one summary, and
    holds the rest, which stay in Macie; nothing goes to the dead-letter queue."""
    aws = storm.deploy(server, "direct", storm_findings=5)
    storm.publish(server, 40)
    assert server.event_router.drain(240)
    _, posted, keys = storm.tally(server, "direct")
    texts = [str(m["text"]) for m in server.slack_sink.messages(storm.CHANNEL)]
    summaries = [t for t in texts if t.startswith("More than 5 Macie findings in 5 minutes")]
    assert 1 <= len(summaries) <= 2, texts
    assert 5 <= posted <= 10 and len(set(keys)) == posted
    assert storm.dead_letters(aws) == 0
