"""macie2 over HTTP: route -> parse (model) -> backend -> serialize (model).

A plain WSGI app. The dispatcher in ``local/server.py`` puts the caller's account and
Region (from the access key and the SigV4 scope) into the environ under ``ENV_ACCOUNT``
and ``ENV_REGION``; without them the defaults of moto apply.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterable, Mapping
from typing import Any
from urllib.parse import parse_qs

from macie_notify.local.macie2 import (
    account_responses,
    buckets,
    data_responses,
    paging,
    routes,
    validation,
)
from macie_notify.local.macie2.exceptions import (
    InternalServerException,
    MacieApiError,
    NotImplementedByEmulator,
    UnknownOperationException,
)
from macie_notify.local.macie2.handlers import Handler, Params, empty_output
from macie_notify.local.macie2.models import Macie2Backend, Macie2Backends
from macie_notify.local.macie2.shapes import parse_request, serialize

ENV_ACCOUNT = "macie_notify.account_id"
ENV_REGION = "macie_notify.region"
DEFAULT_ACCOUNT = "123456789012"
DEFAULT_REGION = "us-east-1"

log = logging.getLogger(__name__)

StartResponse = Callable[..., Any]

# Work without an enabled Macie account: enabling it, and the static identifier catalog.
OPEN_OPERATIONS = frozenset({"EnableMacie", "ListManagedDataIdentifiers"})


class RawJson:
    """A response body already encoded (GetFindings splices stored finding texts)."""

    def __init__(self, text: str) -> None:
        self.text = text


def _enable(b: Macie2Backend, p: Params) -> Any:
    def make() -> Any:
        b.enable(p)
        return {}

    return b.idempotent("EnableMacie", p.get("clientToken"), make)


def _create_cdi(b: Macie2Backend, p: Params) -> Any:
    make = lambda: {"customDataIdentifierId": b.create_identifier(p)}  # noqa: E731
    return b.idempotent("CreateCustomDataIdentifier", p.get("clientToken"), make)


def _list_cdis(b: Macie2Backend, p: Params) -> Any:
    items, token = paging.page_of(
        b.live_identifiers(), "ListCustomDataIdentifiers", [], p, default=50, cap=500
    )
    return {"items": items, "nextToken": token}


def _batch_get_cdis(b: Macie2Backend, p: Params) -> Any:
    ids = list(dict.fromkeys(p.get("ids") or []))
    validation.words(ids, "ids", most=50, low=1, high=512)
    return {
        "customDataIdentifiers": [b.identifiers[i] for i in ids if i in b.identifiers],
        "notFoundIdentifierIds": [i for i in ids if i not in b.identifiers],
    }


def _test_cdi(b: Macie2Backend, p: Params) -> Any:
    from macie_notify.local.macie2.identifiers import count_matches

    validation.text(p["regex"], "regex", low=1, high=512)
    validation.text(p["sampleText"], "sampleText", low=1, high=1000)
    validation.words(p.get("keywords"), "keywords", most=50, low=3, high=90)
    validation.words(p.get("ignoreWords"), "ignoreWords", most=10, low=4, high=90)
    validation.number(p.get("maximumMatchDistance"), "maximumMatchDistance", low=1, high=300)
    count = count_matches(
        p["regex"],
        p["sampleText"],
        p.get("keywords") or (),
        p.get("ignoreWords") or (),
        p.get("maximumMatchDistance"),
    )
    return {"matchCount": count}


def _list_managed(b: Macie2Backend, p: Params) -> Any:
    from macie_notify.detect.catalog import MANAGED_IDENTIFIER_CATEGORIES as CATALOG

    items = [{"category": CATALOG[i], "id": i} for i in sorted(CATALOG)]
    page, token = paging.paginate(items, "ListManagedDataIdentifiers", [], p.get("nextToken"), 100)
    return {"items": page, "nextToken": token}


def _create_job(b: Macie2Backend, p: Params) -> Any:
    def make() -> Any:
        job = b.create_job(p)
        return {"jobArn": job["jobArn"], "jobId": job["jobId"]}

    return b.idempotent("CreateClassificationJob", p.get("clientToken"), make)


def _list_jobs(b: Macie2Backend, p: Params) -> Any:
    jobs = buckets.filter_jobs(
        list(b.jobs.values()), p.get("filterCriteria"), p.get("sortCriteria")
    )
    query = [p.get("filterCriteria"), p.get("sortCriteria")]
    page, token = paging.page_of(jobs, "ListClassificationJobs", query, p, default=50, cap=200)
    return {"items": [buckets.job_summary(j) for j in page], "nextToken": token}


def _list_findings(b: Macie2Backend, p: Params) -> Any:
    ids, token = account_responses.merged_page(b, p)
    return {"findingIds": ids, "nextToken": token}


def _get_findings(b: Macie2Backend, p: Params) -> Any:
    return RawJson('{"findings":[' + ",".join(account_responses.merged_texts(b, p)) + "]}")


def _create_filter(b: Macie2Backend, p: Params) -> Any:
    def make() -> Any:
        item = b.create_filter(p)
        return {"arn": item["arn"], "id": item["id"]}

    return b.idempotent("CreateFindingsFilter", p.get("clientToken"), make)


def _list_filters(b: Macie2Backend, p: Params) -> Any:
    page, token = paging.page_of(
        b.sorted_filters(), "ListFindingsFilters", [], p, default=25, cap=25
    )
    return {"findingsFilterListItems": page, "nextToken": token}


def _describe_buckets(b: Macie2Backend, p: Params) -> Any:
    source = b.registry.bucket_source
    found = source(b.account_id, b.region) if source is not None else []
    selected = buckets.filter_buckets(found, p.get("criteria"), p.get("sortCriteria"))
    query = [p.get("criteria"), p.get("sortCriteria")]
    page, token = paging.page_of(selected, "DescribeBuckets", query, p, default=50, cap=50)
    return {"buckets": page, "nextToken": token}


def _update_filter(b: Macie2Backend, p: Params) -> Any:
    item = b.update_filter(p)
    return {"arn": item["arn"], "id": item["id"]}


HANDLERS: dict[str, Handler] = {
    "EnableMacie": _enable,
    "GetMacieSession": lambda b, p: b.require_enabled(),
    "UpdateMacieSession": empty_output(lambda b, p: b.update_session(p)),
    "DisableMacie": empty_output(lambda b, p: b.disable()),
    "GetFindingsPublicationConfiguration": lambda b, p: {"securityHubConfiguration": b.publication},
    "PutFindingsPublicationConfiguration": empty_output(
        lambda b, p: b.publication.update(p.get("securityHubConfiguration") or {})
    ),
    "CreateCustomDataIdentifier": _create_cdi,
    "GetCustomDataIdentifier": lambda b, p: b.get_identifier(p["id"]),
    "ListCustomDataIdentifiers": _list_cdis,
    "BatchGetCustomDataIdentifiers": _batch_get_cdis,
    "DeleteCustomDataIdentifier": empty_output(lambda b, p: b.delete_identifier(p["id"])),
    "TestCustomDataIdentifier": _test_cdi,
    "ListManagedDataIdentifiers": _list_managed,
    "CreateClassificationJob": _create_job,
    "DescribeClassificationJob": lambda b, p: b.get_job(p["jobId"]),
    "ListClassificationJobs": _list_jobs,
    "UpdateClassificationJob": empty_output(lambda b, p: b.update_job(p["jobId"], p["jobStatus"])),
    "ListFindings": _list_findings,
    "GetFindings": _get_findings,
    "GetFindingStatistics": lambda b, p: {
        "countsByGroup": account_responses.merged_statistics(b, p)
    },
    "CreateSampleFindings": empty_output(
        lambda b, p: b.findings.create_samples(p.get("findingTypes"))
    ),
    "CreateFindingsFilter": _create_filter,
    "GetFindingsFilter": lambda b, p: b.get_filter(p["id"]),
    "ListFindingsFilters": _list_filters,
    "UpdateFindingsFilter": _update_filter,
    "DeleteFindingsFilter": empty_output(lambda b, p: b.delete_filter(p["id"])),
    "DescribeBuckets": _describe_buckets,
    "TagResource": empty_output(lambda b, p: b.tag(p["resourceArn"], p["tags"])),
    "UntagResource": empty_output(lambda b, p: b.untag(p["resourceArn"], p["tagKeys"])),
    "ListTagsForResource": lambda b, p: {"tags": b.taggable(p["resourceArn"])["tags"]},
    **account_responses.HANDLERS,
    **data_responses.HANDLERS,
}


class Macie2App:
    """The macie2 emulator as a WSGI application."""

    def __init__(self, backends: Macie2Backends | None = None) -> None:
        self.backends = backends or Macie2Backends()

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        try:
            status, body = self.handle(environ)
            headers = [("Content-Type", "application/json")]
        except MacieApiError as exc:
            status, body, headers = exc.status, exc.body(), exc.headers()
        except Exception:  # an emulator bug must still answer like the service would
            log.exception("macie2 emulator failure")
            internal = InternalServerException("Internal server error.")
            status, body, headers = internal.status, internal.body(), internal.headers()
        headers.append(("Content-Length", str(len(body))))
        headers.append(("x-amzn-RequestId", _request_id()))
        start_response(f"{status} {_REASONS.get(status, 'Error')}", headers)
        return [body]

    def handle(self, environ: Mapping[str, Any]) -> tuple[int, bytes]:
        method = str(environ.get("REQUEST_METHOD", "GET"))
        path = _path(environ)
        found = routes.match(method, path)
        if found is None:
            raise UnknownOperationException(f"No macie2 operation for {method} {path}.")
        name, labels = found
        handler = HANDLERS.get(name)
        if handler is None:
            raise NotImplementedByEmulator(f"{name} is not emulated by macie-notify's local AWS.")
        op = routes.operation_model(name)
        query = parse_qs(str(environ.get("QUERY_STRING", "")), keep_blank_values=True)
        params = parse_request(op, labels, query, _read_body(environ))
        backend = self.backends.get(
            str(environ.get(ENV_ACCOUNT) or DEFAULT_ACCOUNT),
            str(environ.get(ENV_REGION) or DEFAULT_REGION),
        )
        with backend.transaction():
            if name not in OPEN_OPERATIONS:
                backend.require_enabled()
            result = handler(backend, params)
            status = int(op.http.get("responseCode", 200))
            if status == 204:
                return status, b""
            if isinstance(result, RawJson):
                return status, result.text.encode()
            return status, json.dumps(serialize(op.output_shape, result) or {}).encode()


def _path(environ: Mapping[str, Any]) -> str:
    # PATH_INFO is already percent-decoded by the WSGI server; labels need the raw form
    # so that an encoded "/" inside an ARN stays inside its label.
    raw = environ.get("RAW_URI") or environ.get("REQUEST_URI")
    if raw:
        return str(raw).split("?", 1)[0]
    return str(environ.get("PATH_INFO", "/"))


def _read_body(environ: Mapping[str, Any]) -> bytes:
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    stream = environ.get("wsgi.input")
    return stream.read(length) if stream is not None and length > 0 else b""


def _request_id() -> str:
    import uuid

    return str(uuid.uuid4())


_REASONS = {
    200: "OK",
    204: "No Content",
    400: "Bad Request",
    402: "Payment Required",
    403: "Forbidden",
    404: "Not Found",
    409: "Conflict",
    429: "Too Many Requests",
    500: "Internal Server Error",
    501: "Not Implemented",
}
