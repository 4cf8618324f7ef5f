"""The one place that makes boto3 sessions and clients.

Profile, Region, endpoint, retries and user agent are decided here, the way the AWS CLI
decides them, and every other module *receives* clients from an :class:`Aws`. Errors that
mean "your AWS setup is not usable" (no credentials, expired token, unreachable endpoint)
are translated once, in :func:`translate_error`, into one-line messages with a hint.
"""

from __future__ import annotations

import os
import re
import threading
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from macie_notify import __version__
from macie_notify.errors import AwsError, MacieNotifyError, UsageError

if TYPE_CHECKING:
    import boto3

LOCAL_ENDPOINT = "http://127.0.0.1:4566"
LOCAL_REGION = "us-east-1"
# moto's default account; any 12-digit id works against the local endpoint.
LOCAL_ACCESS_KEY = "testing"
LOCAL_SECRET_KEY = "testing"

_NO_CREDENTIALS_HINT = (
    "run `aws configure`, set AWS_PROFILE (or --profile), "
    "or try the embedded local AWS with --local"
)


def resolve_endpoint(endpoint_url: str | None, local: bool) -> str | None:
    """--endpoint-url wins, --local means the embedded local AWS, else None (real AWS)."""
    return endpoint_url or (LOCAL_ENDPOINT if local else None)


@dataclass(frozen=True)
class AwsSettings:
    """What the user asked for; :class:`Aws` resolves it."""

    profile: str | None = None
    region: str | None = None
    config_region: str | None = None
    endpoint_url: str | None = None
    local: bool = False
    # Always the dummy credentials (the embedded endpoint `demo` starts): never read the
    # credential chain, whose instance-metadata probe would leave the machine.
    dummy_credentials: bool = False
    max_attempts: int = 5
    connect_timeout: float = 10.0
    read_timeout: float = 60.0
    # botocore's default is 10; parallel transfers (upload-samples) use up to 64 threads,
    # and a thread without a pooled connection opens and drops one per request.
    max_pool_connections: int = 64


class Aws:
    """A boto3 session plus cached clients for one profile / Region / endpoint.

    boto3 is imported on first use, so merely constructing this costs nothing.
    """

    def __init__(self, settings: AwsSettings, session: boto3.Session | None = None) -> None:
        self.settings = settings
        self._session = session
        self._clients: dict[str, Any] = {}
        self._lock = threading.Lock()
        self._account_id: str | None = None
        self._region: str | None = None

    # -- resolution ---------------------------------------------------------------
    @property
    def endpoint_url(self) -> str | None:
        return resolve_endpoint(self.settings.endpoint_url, self.settings.local)

    @property
    def session(self) -> boto3.Session:
        if self._session is None:
            self._session = self._make_session()
        return self._session

    def _make_session(self) -> boto3.Session:
        import boto3
        import botocore.exceptions

        if self.settings.dummy_credentials:
            return boto3.Session(
                aws_access_key_id=LOCAL_ACCESS_KEY, aws_secret_access_key=LOCAL_SECRET_KEY
            )
        try:
            session = boto3.Session(profile_name=self.settings.profile)
        except botocore.exceptions.ProfileNotFound as exc:
            raise UsageError(
                f"AWS profile {self.settings.profile!r} is not configured.",
                "check `aws configure list-profiles`, or drop --profile / AWS_PROFILE.",
            ) from exc
        if self.settings.local and session.get_credentials() is None:
            # The local endpoint accepts any credentials; AWS never sees these.
            session = boto3.Session(
                aws_access_key_id=LOCAL_ACCESS_KEY,
                aws_secret_access_key=LOCAL_SECRET_KEY,
            )
        return session

    @property
    def region(self) -> str:
        """--region flag > config stack.region > AWS_REGION / AWS_DEFAULT_REGION > profile."""
        if self._region is None:
            s = self.settings
            region = s.region or s.config_region or _env_region() or self.session.region_name
            if not region and (s.local or self.endpoint_url):
                region = LOCAL_REGION
            if not region:
                raise UsageError(
                    "No AWS Region is set.",
                    "pass --region, set stack.region in the config, export AWS_REGION, "
                    "or set a region in your AWS profile.",
                )
            _check_region(region)
            self._region = region
        return self._region

    @property
    def partition(self) -> str:
        return str(self.session._session.get_partition_for_region(self.region))

    # -- clients ------------------------------------------------------------------
    def client(self, service: str) -> Any:
        """A cached client for ``service`` (thread-safe; clients themselves are too)."""
        with self._lock:
            client = self._clients.get(service)
            if client is None:
                client = self._make_client(service)
                self._clients[service] = client
            return client

    def _make_client(self, service: str) -> Any:
        from botocore.config import Config

        config = Config(
            retries={"mode": "standard", "max_attempts": self.settings.max_attempts},
            user_agent_extra=f"macie-notify/{__version__}",
            connect_timeout=self.settings.connect_timeout,
            read_timeout=self.settings.read_timeout,
            max_pool_connections=self.settings.max_pool_connections,
        )
        _check_endpoint_scheme(self.endpoint_url)
        try:
            return self.session.client(
                service,  # type: ignore[call-overload]
                region_name=self.region,
                endpoint_url=self.endpoint_url,
                config=config,
            )
        except ValueError as exc:
            raise _bad_client_setting(exc, self.region, self.endpoint_url) from exc

    @property
    def account_id(self) -> str:
        """The caller's account id (one STS call, then cached)."""
        if self._account_id is None:
            identity = self.client("sts").get_caller_identity()
            self._account_id = str(identity["Account"])
        return self._account_id


def _check_region(region: str) -> None:
    """A usage error for a Region no AWS partition has (a typo), checked against
    botocore's endpoint data, with the closest Region offered."""
    from macie_notify.config.regions import NEWER_REGION_HINT, region_problem

    if not re.fullmatch(r"[a-z0-9-]+", region):
        return  # not even shaped like one: botocore refuses it (InvalidRegionError) below
    problem = region_problem(region)
    if problem is not None:
        raise UsageError(
            problem,
            f"{NEWER_REGION_HINT}; it comes from --region, stack.region, AWS_REGION or the profile",
        )


def _bad_client_setting(exc: ValueError, region: str, endpoint_url: str | None) -> Exception:
    """botocore refuses a malformed Region or endpoint with a ValueError: a usage error."""
    import botocore.exceptions as bex

    if isinstance(exc, bex.InvalidRegionError):
        return UsageError(
            f"{region!r} is not an AWS Region name.",
            "pass --region like eu-west-1 (or fix stack.region / AWS_REGION).",
        )
    if endpoint_url and "endpoint" in str(exc).lower():
        return UsageError(
            f"the endpoint URL {endpoint_url!r} is not valid.",
            "give --endpoint-url (or AWS_ENDPOINT_URL) as http(s)://host[:port].",
        )
    return exc


def _check_endpoint_scheme(endpoint_url: str | None) -> None:
    """botocore accepts ftp://x and fails on the first call; say it up front, like notaurl."""
    if endpoint_url and not endpoint_url.lower().startswith(("http://", "https://")):
        raise UsageError(
            f"the endpoint URL {endpoint_url!r} is not valid.",
            "give --endpoint-url (or AWS_ENDPOINT_URL) as http(s)://host[:port].",
        )


def _env_region() -> str | None:
    return os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or None


_CREDENTIAL_CODES = {
    "ExpiredToken": "Your AWS session token has expired.",
    "ExpiredTokenException": "Your AWS session token has expired.",
    "RequestExpired": "The request expired: check your clock, or refresh your credentials.",
    "InvalidClientTokenId": "AWS does not recognise your access key.",
    "UnrecognizedClientException": "AWS does not recognise your access key or session token.",
    "InvalidSignatureException": "AWS rejected the request signature (wrong secret key?).",
    "SignatureDoesNotMatch": "AWS rejected the request signature (wrong secret key?).",
}


def translate_error(exc: BaseException, *, local: bool = False) -> MacieNotifyError | None:
    """A one-line :class:`MacieNotifyError` for errors about the AWS setup; else None.

    Modeled service errors (ResourceNotFound, Conflict, ...) are *not* translated here:
    the service layer catches those by class where it expects them, and anything left
    becomes a generic AWS error with the operation name.
    """
    import botocore.exceptions as bex

    if isinstance(exc, MacieNotifyError):
        return exc
    if isinstance(exc, (bex.NoCredentialsError, bex.PartialCredentialsError)):
        return AwsError("No usable AWS credentials were found.", _NO_CREDENTIALS_HINT)
    if isinstance(exc, bex.ProfileNotFound):
        return UsageError(str(exc), "check `aws configure list-profiles`.")
    if isinstance(exc, bex.NoRegionError):
        return UsageError("No AWS Region is set.", "pass --region or export AWS_REGION.")
    if isinstance(
        exc, (bex.TokenRetrievalError, bex.SSOTokenLoadError, bex.UnauthorizedSSOTokenError)
    ):
        return AwsError("Your AWS SSO session has expired or is missing.", "run `aws sso login`.")
    if isinstance(
        exc, (bex.EndpointConnectionError, bex.ConnectTimeoutError, bex.ReadTimeoutError)
    ):
        return _connection_error(exc, local)
    if isinstance(exc, bex.ParamValidationError):
        return AwsError(f"Invalid request parameters: {exc}")
    if isinstance(exc, bex.ClientError) or _is_parser_error(exc):
        return _response_error(exc)
    if isinstance(exc, bex.BotoCoreError):
        return AwsError(f"AWS SDK error: {exc}")
    return None


def _connection_error(exc: BaseException, local: bool) -> AwsError:
    url = getattr(exc, "kwargs", {}).get("endpoint_url", "")
    where = f" {url}" if url else ""
    if local or (url and ("127.0.0.1" in url or "localhost" in url)):
        return AwsError(
            f"Could not reach the local endpoint{where}.",
            "start it with `macie-notify local serve` in another terminal.",
        )
    return AwsError(
        f"Could not reach AWS{where}: {type(exc).__name__}.",
        "check your network or proxy, --region and --endpoint-url; or try --local.",
    )


def _response_error(exc: Any) -> AwsError:
    """A modeled error answer, or an answer botocore could not parse at all."""
    if not _is_parser_error(exc):
        return _client_error(exc)
    # botocore quotes the raw body: a web page in the message is not for people.
    page = "<html" in str(exc).lower()
    return _not_aws("a web page" if page else "something botocore cannot parse", None)


def _client_error(exc: Any) -> AwsError:
    error = exc.response.get("Error", {})
    code = str(error.get("Code", "Unknown"))
    message = str(error.get("Message", "")).strip()
    operation = getattr(exc, "operation_name", "an AWS call")
    meta = exc.response.get("ResponseMetadata", {})
    kind = str(meta.get("HTTPHeaders", {}).get("content-type", "")).lower()
    if kind.startswith("text/html") or _looks_like_a_web_page(message):
        return _not_aws(f"an HTTP {meta.get('HTTPStatusCode') or code} web page", operation)
    if code in _CREDENTIAL_CODES:
        return AwsError(_CREDENTIAL_CODES[code], _NO_CREDENTIALS_HINT)
    if code in ("AccessDenied", "AccessDeniedException", "UnauthorizedOperation"):
        return AwsError(f"{operation} was denied: {message or code}", _denied_hint(message))
    if code in ("ThrottlingException", "Throttling", "TooManyRequestsException"):
        return AwsError(
            f"{operation} was throttled after retries.", "wait a little and run it again."
        )
    return AwsError(
        f"{operation} failed: {code}: {message}" if message else f"{operation} failed: {code}"
    )


def _is_parser_error(exc: BaseException) -> bool:
    from botocore.parsers import ResponseParserError

    return isinstance(exc, ResponseParserError)


def _looks_like_a_web_page(text: str) -> bool:
    head = text.lstrip()[:200].lower()
    return head.startswith(("<!doctype html", "<html")) or "<html" in head


def _not_aws(what: str, operation: str | None) -> AwsError:
    """A server that is not AWS (a web server, a proxy): one line, never the page itself."""
    call = f"{operation}: " if operation else ""
    return AwsError(
        f"{call}the endpoint answered with {what}, not an AWS response.",
        "check --endpoint-url (or AWS_ENDPOINT_URL): it must be an AWS endpoint or a "
        "`macie-notify local serve`; unset it to use AWS.",
    )


def _denied_hint(message: str) -> str:
    # Macie answers every call with AccessDeniedException "Macie is not enabled." until
    # EnableMacie, per account and Region: the wording only picks the hint, never a decision.
    if "not enabled" in message.lower():
        return (
            "Macie is not enabled for this account in this Region: enable it "
            "(`aws macie2 enable-macie`), or check --region / stack.region."
        )
    return "check that your credentials' IAM policy allows this action."
