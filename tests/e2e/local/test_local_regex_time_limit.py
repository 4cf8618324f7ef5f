"""A custom identifier's regex cannot hold up the local endpoint.

A pattern with nested repeats is refused when it is tested or created; one that slips
past that check but still backtracks is stopped by the time limit with a 400, and other
calls made meanwhile (S3 included) are answered at once, not after it.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

import pytest
from botocore.exceptions import ClientError

ClientFactory = Callable[..., Any]
SLOW = r"(?:a|aa)+b"  # overlapping alternatives: accepted, yet exponential to fail


@pytest.mark.parametrize("regex", [r"(?:\w+\s?)+X", r"(?:a+)+b"])
def test_nested_repeats_are_refused_with_the_reason(macie: Any, regex: str) -> None:
    with pytest.raises(ClientError) as info:
        macie.test_custom_data_identifier(regex=regex, sampleText="a" * 43 + "!")
    error = info.value.response["Error"]
    assert error["Code"] == "ValidationException"
    assert "nested repeats over the same characters" in error["Message"]


def test_a_runaway_test_request_is_a_400_and_starves_nothing(
    macie: Any, client: ClientFactory
) -> None:
    s3 = client("s3")
    outcome: dict[str, Any] = {}

    def runaway() -> None:
        try:
            macie.test_custom_data_identifier(regex=SLOW, sampleText="a" * 1000)
            outcome["answer"] = "matched"
        except ClientError as exc:
            outcome["answer"] = exc.response["Error"]

    worker = threading.Thread(target=runaway)
    worker.start()
    time.sleep(0.3)  # the server is inside the match by now
    answered: list[bool] = []
    for _ in range(5):
        s3.list_buckets()
        answered.append(worker.is_alive())  # S3 answered while the match still ran
    worker.join(timeout=60)
    assert not worker.is_alive()
    assert any(answered), "every S3 call waited for the regex to finish"
    error = outcome["answer"]
    assert error["Code"] == "ValidationException"
    assert "matching took longer than" in error["Message"]
