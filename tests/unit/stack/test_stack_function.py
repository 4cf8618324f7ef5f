"""CreateFunction retried while IAM propagates (injected sleep), and nothing else retried."""

from __future__ import annotations

from typing import Any, cast

import pytest
from botocore.exceptions import ClientError

from macie_notify.stack.resources.base import Context
from macie_notify.stack.resources.function import IAM_PROPAGATION, FunctionSpec, _create


class InvalidParameterValueException(ClientError):
    pass


class FakeLambda:
    """create_function failing with the given messages first, then succeeding."""

    class exceptions:
        InvalidParameterValueException = InvalidParameterValueException

    def __init__(self, *failures: str) -> None:
        self.failures = list(failures)
        self.calls = 0

    def create_function(self, **params: Any) -> dict[str, Any]:
        self.calls += 1
        if self.failures:
            error = {"Error": {"Code": "InvalidParameterValueException", "Message": ""}}
            error["Error"]["Message"] = self.failures.pop(0)
            raise InvalidParameterValueException(error, "CreateFunction")
        return {"FunctionArn": f"arn:aws:lambda:eu-west-1:1:function:{params['FunctionName']}"}


class FakeAws:
    def __init__(self, lam: FakeLambda) -> None:
        self.lam = lam

    def client(self, name: str) -> FakeLambda:
        assert name == "lambda"
        return self.lam


def _ctx(lam: FakeLambda, sleeps: list[float]) -> Context:
    return Context(
        aws=cast(Any, FakeAws(lam)),
        stack="s",
        sleep=sleeps.append,
        zip_source=lambda: (b"zip", "sha"),
    )


def test_create_is_retried_while_the_role_propagates() -> None:
    lam = FakeLambda(f"{IAM_PROPAGATION}.", f"{IAM_PROPAGATION}.")
    sleeps: list[float] = []
    arn = _create(_ctx(lam, sleeps), FunctionSpec("fn", role_arn="arn:r", handler="h"))
    assert arn == "arn:aws:lambda:eu-west-1:1:function:fn"
    assert (lam.calls, sleeps) == (3, [2.0, 2.0])


def test_other_invalid_parameters_fail_at_once() -> None:
    lam = FakeLambda("Unzipped size must be smaller than 262144000 bytes")
    sleeps: list[float] = []
    with pytest.raises(InvalidParameterValueException):
        _create(_ctx(lam, sleeps), FunctionSpec("fn", role_arn="arn:r", handler="h"))
    assert (lam.calls, sleeps) == (1, [])


def test_propagation_that_never_ends_gives_up() -> None:
    lam = FakeLambda(*[IAM_PROPAGATION] * 50)
    sleeps: list[float] = []
    with pytest.raises(InvalidParameterValueException):
        _create(_ctx(lam, sleeps), FunctionSpec("fn", role_arn="arn:r", handler="h"))
    assert lam.calls == 12 and len(sleeps) == 11
