"""Lambda's deployment package limits, checked where Lambda checks them.

https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html: a .zip uploaded
through the API is at most 50 MB (the request itself at most 70,167,211 bytes, which the
endpoint's size check enforces before reading), and its contents unzipped at most 250 MB
(262,144,000 bytes). CreateFunction and UpdateFunctionCode are refused with Lambda's
``InvalidParameterValueException`` before moto stores the code; the runner checks again
before extracting, for code that reached moto another way.
"""

from __future__ import annotations

import base64
import binascii
import io
import json
import re
import zipfile
from typing import Any

from werkzeug.wrappers import Response

__all__ = ["MAX_UNZIPPED_BYTES", "CodeError", "check_unzipped_size", "code_upload_refusal"]

MAX_UNZIPPED_BYTES = 262_144_000
_CREATE = re.compile(r"^/2015-03-31/functions/?$")
_UPDATE_CODE = re.compile(r"^/2015-03-31/functions/[^/]+/code/?$")
_UNZIP_FAILED = "Could not unzip uploaded file. Please check your file, then try to upload again."


class CodeError(ValueError):
    """A deployment package Lambda refuses (message in Lambda's words)."""


def check_unzipped_size(code: bytes) -> None:
    """CodeError unless ``code`` is a zip whose members add up to at most 250 MB.

    Reads only the central directory: nothing is decompressed. zipfile's readers stop at
    each member's declared size, so a member cannot grow past what is checked here.
    """
    try:
        with zipfile.ZipFile(io.BytesIO(code)) as archive:
            total = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, ValueError, OSError):
        raise CodeError(_UNZIP_FAILED) from None
    if total > MAX_UNZIPPED_BYTES:
        raise CodeError(f"Unzipped size must be smaller than {MAX_UNZIPPED_BYTES} bytes")


def code_upload_refusal(environ: dict[str, Any]) -> Response | None:
    """Lambda's answer to a CreateFunction / UpdateFunctionCode whose zip breaks a limit.

    The body (already bounded by the endpoint's size check) is read once and put back for
    moto.
    """
    method = str(environ.get("REQUEST_METHOD", ""))
    path = str(environ.get("PATH_INFO", ""))
    create = method == "POST" and _CREATE.match(path) is not None
    if not create and not (method == "PUT" and _UPDATE_CODE.match(path)):
        return None
    body = _read_and_restore(environ)
    try:
        payload = json.loads(body)
        encoded = (payload.get("Code") or {}).get("ZipFile") if create else payload.get("ZipFile")
    except (ValueError, AttributeError):
        return None  # moto answers malformed requests itself
    if not isinstance(encoded, str):
        return None  # S3Bucket/S3Key or an image: the runner checks before extracting
    try:
        check_unzipped_size(base64.b64decode(encoded, validate=True))
    except binascii.Error:
        return _invalid(_UNZIP_FAILED)
    except CodeError as exc:
        return _invalid(str(exc))
    return None


def _read_and_restore(environ: dict[str, Any]) -> bytes:
    length = int(environ.get("CONTENT_LENGTH") or 0)
    stream = environ.get("wsgi.input")
    body = stream.read(length) if stream is not None and length > 0 else b""
    environ["wsgi.input"] = io.BytesIO(body)
    environ["CONTENT_LENGTH"] = str(len(body))
    return bytes(body)


def _invalid(message: str) -> Response:
    code = "InvalidParameterValueException"
    response = Response(
        json.dumps({"Type": "User", "message": message}),
        status=400,
        content_type="application/json",
    )
    response.headers["x-amzn-ErrorType"] = code
    return response
