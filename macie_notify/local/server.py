"""The one local endpoint: a WSGI dispatcher in front of moto and the macie2 emulator.

Requests go by path prefix and SigV4 credential scope:
``/_local/...`` -> :class:`ControlApp` (and its mounted sub-apps); scope service
``macie2`` -> this project's emulator (so moto's partial macie2 never answers); scope
``lambda`` + Invoke's route -> the local Lambda runner when installed (moto would start
docker; :mod:`macie_notify.local.lambda_invoke`); everything else -> moto's server
application (``DomainDispatcherApplication``, exactly what ``moto_server`` runs). This
is the only module that imports moto's server. moto keeps its state in process-wide
backends, so two servers in one process share S3, IAM, ...; each server has its own
macie2 state.
"""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Callable, Iterable
from typing import Any

from macie_notify.local.control import PREFIX, ControlApp, WSGIApp
from macie_notify.local.lambda_invoke import INVOKE_PATH
from macie_notify.local.macie2 import ENV_ACCOUNT, ENV_REGION, Macie2App, Macie2Backends
from macie_notify.local.sigv4 import CredentialScope, parse_authorization, parse_query_credential

StartResponse = Callable[..., Any]


class LocalApp:
    """The WSGI application behind :class:`macie_notify.local.LocalServer`."""

    def __init__(self, latency_ms: int = 0, backends: Macie2Backends | None = None) -> None:
        self.latency_ms = latency_ms
        self.macie2_backends = backends or Macie2Backends()
        self.macie2_backends.bucket_source = s3_buckets
        self.macie2 = Macie2App(self.macie2_backends)
        self.control = ControlApp(
            self.macie2_backends, self.reset, lambda: self.latency_ms, self._set_latency
        )
        # Set by the lambda_invoke extension; without it Invoke goes to moto.
        self.lambda_invoke: WSGIApp | None = None
        self._moto: WSGIApp | None = None
        self._moto_lock = threading.Lock()

    def register_local_app(self, prefix: str, app: WSGIApp) -> None:
        """Mount a sub-app under ``/_local/<prefix>`` (e.g. the Slack sink at ``slack``)."""
        self.control.register(prefix, app)

    def _set_latency(self, value: int) -> None:
        if value < 0:
            raise ValueError("latencyMs must be >= 0")
        self.latency_ms = value

    @property
    def moto(self) -> WSGIApp:
        with self._moto_lock:
            if self._moto is None:
                from moto.moto_server.werkzeug_app import (
                    DomainDispatcherApplication,
                    create_backend_app,
                )

                self._moto = DomainDispatcherApplication(create_backend_app)
            return self._moto

    def reset(self) -> None:
        """Forget every resource: macie2 state and moto's backends."""
        from moto.moto_api._internal.models import moto_api_backend

        self.macie2_backends.reset()
        moto_api_backend.reset()

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        path = str(environ.get("PATH_INFO", ""))
        if path == PREFIX or path.startswith(PREFIX + "/"):
            return self.control(environ, start_response)
        if self.latency_ms:
            time.sleep(self.latency_ms / 1000)
        scope = request_scope(environ)
        if scope is not None and scope.service == "macie2":
            environ[ENV_ACCOUNT] = account_id(environ, scope)
            environ[ENV_REGION] = scope.region
            return self.macie2(environ, start_response)
        if scope is not None and self.lambda_invoke is not None and _is_invoke(scope, environ):
            environ[ENV_ACCOUNT] = account_id(environ, scope)
            environ[ENV_REGION] = scope.region
            return self.lambda_invoke(environ, start_response)
        return self.moto(environ, start_response)


def _is_invoke(scope: CredentialScope, environ: dict[str, Any]) -> bool:
    return (
        scope.service == "lambda"
        and environ.get("REQUEST_METHOD") == "POST"
        and INVOKE_PATH.match(str(environ.get("PATH_INFO", ""))) is not None
    )


def request_scope(environ: dict[str, Any]) -> CredentialScope | None:
    """The SigV4 scope from the Authorization header or a presigned URL's query."""
    scope = parse_authorization(environ.get("HTTP_AUTHORIZATION"))
    if scope is None and "X-Amz-Credential" in str(environ.get("QUERY_STRING", "")):
        from urllib.parse import parse_qs

        values = parse_qs(str(environ["QUERY_STRING"])).get("X-Amz-Credential")
        scope = parse_query_credential(values[0] if values else None)
    return scope


def account_id(environ: dict[str, Any], scope: CredentialScope) -> str:
    """moto's convention: MOTO_ACCOUNT_ID, x-moto-account-id, an IAM/STS key's owner, default."""
    if os.environ.get("MOTO_ACCOUNT_ID"):
        return os.environ["MOTO_ACCOUNT_ID"]
    header = environ.get("HTTP_X_MOTO_ACCOUNT_ID")
    if header:
        return str(header)
    from moto.iam.models import get_account_id_from

    return str(get_account_id_from(scope.access_key))


def s3_buckets(account: str, region: str) -> list[dict[str, Any]]:
    """DescribeBuckets' BucketMetadata for the account's buckets in ``region`` (local S3)."""
    from moto.s3.models import s3_backends

    try:
        backend = s3_backends[account]["aws"]
    except KeyError:
        return []
    out = []
    for bucket in list(backend.buckets.values()):
        if bucket.region_name != region:
            continue
        out.append(_bucket_metadata(backend, bucket, account, region))
    return out


def _bucket_metadata(backend: Any, bucket: Any, account: str, region: str) -> dict[str, Any]:
    from macie_notify.local.macie2.shapes import now_iso
    from macie_notify.render import iso8601

    keys = [k for k in list(bucket.keys.values()) if hasattr(k, "size")]
    size = sum(int(k.size) for k in keys)
    block = bucket.public_access_block
    blocked = bool(block) and all(
        str(getattr(block, a, "false")).lower() == "true"
        for a in (
            "block_public_acls",
            "ignore_public_acls",
            "block_public_policy",
            "restrict_public_buckets",
        )
    )
    encryption = _encryption_type(bucket.encryption)
    try:
        tags = backend.get_bucket_tagging(bucket.name).get("Tags", [])
    except Exception:  # moto raises its own error for "no tags"; treat as none
        tags = []
    return {
        "accountId": account,
        "allowsUnencryptedObjectUploads": "FALSE" if encryption != "NONE" else "TRUE",
        "bucketArn": f"arn:aws:s3:::{bucket.name}",
        "bucketCreatedAt": iso8601(bucket.creation_date),
        "bucketName": bucket.name,
        "classifiableObjectCount": len(keys),
        "classifiableSizeInBytes": size,
        "lastUpdated": now_iso(),
        "objectCount": len(keys),
        "publicAccess": {"effectivePermission": "NOT_PUBLIC" if blocked else "UNKNOWN"},
        "region": region,
        "serverSideEncryption": {"type": encryption},
        "sharedAccess": "NOT_SHARED",
        "sizeInBytes": size,
        "sizeInBytesCompressed": 0,
        "tags": [{"key": t["Key"], "value": t["Value"]} for t in tags],
        "versioning": bucket.versioning_status == "Enabled",
    }


def _encryption_type(config: dict[str, Any] | None) -> str:
    # Since 2023-01-05 every bucket has SSE-S3 by default, even without a configuration.
    if not config:
        return "AES256"
    text = str(config)
    if "aws:kms:dsse" in text:
        return "aws:kms:dsse"
    if "aws:kms" in text:
        return "aws:kms"
    return "AES256"


def make_wsgi_server(app: LocalApp, host: str, port: int, log_requests: bool = False) -> Any:
    """A threaded werkzeug server with moto's request handler (keeps S3 ``x-amz-meta-a_b``).

    Raises OSError when the address cannot be bound (port taken, unknown host).
    """
    from moto.moto_server.werkzeug_app import MotoRequestHandler
    from werkzeug.serving import make_server

    class Handler(MotoRequestHandler):
        def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
            if log_requests:
                super().log_request(code, size)

    # werkzeug prints and calls sys.exit(1) when its own bind fails, which would end the
    # caller's process (a test run, `local serve`'s error handling): bind here so a taken
    # port is an OSError, and hand werkzeug the listening socket.
    sock = _listen(host, port)
    try:
        return make_server(
            host, port, app, threaded=True, request_handler=Handler, fd=sock.fileno()
        )
    finally:
        sock.close()  # werkzeug works on its own duplicate of the descriptor


def _listen(host: str, port: int) -> socket.socket:
    # The address family follows werkzeug's choice for the same host string.
    sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
        sock.listen(128)
    except BaseException:
        sock.close()
        raise
    return sock
