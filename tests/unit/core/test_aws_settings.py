from __future__ import annotations

import pytest
from botocore.exceptions import (
    ClientError,
    EndpointConnectionError,
    NoCredentialsError,
)

from macie_notify.aws import LOCAL_ENDPOINT, Aws, AwsSettings, translate_error
from macie_notify.errors import AwsError, UsageError


@pytest.mark.usefixtures("no_local_config")
class TestRegion:
    def test_flag_wins_over_config_and_environment(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setenv("AWS_REGION", "ap-south-1")
        aws = Aws(AwsSettings(region="eu-west-1", config_region="us-west-2"))
        assert aws.region == "eu-west-1"

    def test_config_wins_over_environment(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setenv("AWS_REGION", "ap-south-1")
        assert Aws(AwsSettings(config_region="us-west-2")).region == "us-west-2"

    def test_environment_used_when_nothing_else(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setenv("AWS_DEFAULT_REGION", "eu-central-1")
        assert Aws(AwsSettings()).region == "eu-central-1"

    def test_profile_region_used_last(
        self, monkeypatch: pytest.MonkeyPatch, tmp_path: object
    ) -> None:
        from pathlib import Path

        cfg = Path(str(tmp_path)) / "config"
        cfg.write_text("[profile team]\nregion = sa-east-1\n")
        monkeypatch.setenv("AWS_CONFIG_FILE", str(cfg))
        assert Aws(AwsSettings(profile="team")).region == "sa-east-1"

    def test_missing_region_is_a_usage_error_with_hint(self) -> None:
        with pytest.raises(UsageError) as info:
            _ = Aws(AwsSettings()).region
        assert "No AWS Region" in info.value.message
        assert info.value.hint is not None and "--region" in info.value.hint

    def test_local_mode_defaults_region_and_endpoint(self) -> None:
        aws = Aws(AwsSettings(local=True))
        assert aws.region == "us-east-1"
        assert aws.endpoint_url == LOCAL_ENDPOINT

    def test_explicit_endpoint_beats_local(self) -> None:
        aws = Aws(AwsSettings(local=True, endpoint_url="http://127.0.0.1:9999"))
        assert aws.endpoint_url == "http://127.0.0.1:9999"

    def test_cli_names_the_same_local_endpoint(self) -> None:
        from macie_notify.cli import context

        assert context.LOCAL_ENDPOINT == LOCAL_ENDPOINT

    def test_unknown_profile_is_a_usage_error(self) -> None:
        with pytest.raises(UsageError, match="nope"):
            _ = Aws(AwsSettings(profile="nope", region="eu-west-1")).session


class TestClients:
    def test_clients_are_cached_and_carry_user_agent(self) -> None:
        aws = Aws(AwsSettings(region="eu-west-1", endpoint_url="http://127.0.0.1:1"))
        client = aws.client("macie2")
        assert aws.client("macie2") is client
        assert client.meta.region_name == "eu-west-1"
        assert client.meta.endpoint_url == "http://127.0.0.1:1"
        assert "macie-notify/" in client.meta.config.user_agent_extra
        assert client.meta.config.retries["mode"] == "standard"

    def test_local_mode_uses_dummy_credentials_when_none(
        self, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.delenv("AWS_ACCESS_KEY_ID")
        monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")
        aws = Aws(AwsSettings(local=True))
        creds = aws.session.get_credentials()
        assert creds is not None and creds.access_key == "testing"


class TestTranslate:
    def test_no_credentials(self) -> None:
        err = translate_error(NoCredentialsError())
        assert isinstance(err, AwsError)
        assert err.hint is not None and "aws configure" in err.hint

    def test_expired_token(self) -> None:
        exc = ClientError(
            {"Error": {"Code": "ExpiredTokenException", "Message": "expired"}}, "ListFindings"
        )
        err = translate_error(exc)
        assert err is not None and "expired" in err.message

    def test_unreachable_local_endpoint_suggests_local_serve(self) -> None:
        err = translate_error(EndpointConnectionError(endpoint_url="http://127.0.0.1:4566/"))
        assert err is not None and err.hint is not None
        assert "macie-notify local serve" in err.hint

    def test_unreachable_aws_suggests_network(self) -> None:
        err = translate_error(
            EndpointConnectionError(endpoint_url="https://macie2.eu-west-1.amazonaws.com/")
        )
        assert err is not None and "Could not reach AWS" in err.message

    def test_other_client_error_names_operation_and_code(self) -> None:
        exc = ClientError(
            {"Error": {"Code": "ValidationException", "Message": "bad"}}, "CreateClassificationJob"
        )
        err = translate_error(exc)
        assert err is not None
        assert err.message == "CreateClassificationJob failed: ValidationException: bad"

    def test_unrelated_exception_is_not_translated(self) -> None:
        assert translate_error(ValueError("x")) is None


def test_closed_local_endpoint_gives_one_line_error_with_hint() -> None:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    aws = Aws(AwsSettings(local=True, endpoint_url=f"http://127.0.0.1:{port}", max_attempts=1))
    with pytest.raises(EndpointConnectionError) as info:
        _ = aws.account_id
    # What cli.main does with any exception that reaches it.
    err = translate_error(info.value)
    assert isinstance(err, AwsError)
    assert err.message.startswith("Could not reach the local endpoint")
    assert err.hint == "start it with `macie-notify local serve` in another terminal."
