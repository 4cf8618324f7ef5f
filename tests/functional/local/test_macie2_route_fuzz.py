"""Any body, query and headers on a macie2 route get a 2xx or a 4xx, never a 5xx.

Requests go through the whole local endpoint application in process (the endpoint's own
checks, then the emulator), as a client's would; the routes are the emulator's
(every operation it serves), the bodies anything from junk bytes to JSON built from the
operation's own member names.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote, urlencode

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from werkzeug.test import Client

from macie_notify.local.macie2.responses import HANDLERS
from macie_notify.local.macie2.routes import Route, operation_model, route_table
from macie_notify.local.server import LocalServer

AUTH = (
    "AWS4-HMAC-SHA256 Credential=testing/20260101/us-east-1/macie2/aws4_request, "
    "SignedHeaders=host;x-amz-date, Signature=0123"
)
ROUTES = [route for route in route_table() if route.operation in HANDLERS]
HEADER_TEXT = st.text(
    st.characters(min_codepoint=32, max_codepoint=255, blacklist_characters="\r\n\x7f"),
    max_size=60,
)
SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=40),
    st.sampled_from(["", "ENABLED", "ONE_TIME", "SCHEDULED", "eq", "x" * 600, "1970-01-01"]),
)
JSON = st.recursive(
    SCALARS,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=12), inner, max_size=4)
    ),
    max_leaves=20,
)


def _members(route: Route) -> tuple[list[str], list[str]]:
    """(body member names, query string names) of the route's operation."""
    shape = operation_model(route.operation).input_shape
    body: list[str] = []
    query: list[str] = []
    for name, member in shape.members.items() if shape is not None else []:
        location = member.serialization.get("location")
        wire = member.serialization.get("name", name)
        if location == "querystring":
            query.append(wire)
        elif location is None:
            body.append(wire)
    return body, query


@st.composite
def requests(draw: st.DrawFn) -> dict[str, Any]:
    route = draw(st.sampled_from(ROUTES))
    body_names, query_names = _members(route)
    path = route.pattern.pattern.strip("^$").replace("/?", "")
    for _ in route.labels:
        label = draw(st.text(min_size=1, max_size=30))
        path = path.replace("(.+)", quote(label, safe=""), 1).replace(
            "([^/]+)", quote(label, safe=""), 1
        )
    path = path.replace("\\", "")
    names = st.sampled_from(body_names) if body_names else st.text(max_size=10)
    body = draw(
        st.one_of(
            st.binary(max_size=200),
            JSON.map(lambda v: json.dumps(v).encode()),
            st.dictionaries(names, JSON, max_size=6).map(lambda v: json.dumps(v).encode()),
        )
    )
    query = draw(
        st.dictionaries(
            st.sampled_from(query_names) if query_names else st.text(max_size=8),
            st.text(max_size=20),
            max_size=3,
        )
    )
    headers = draw(
        st.dictionaries(
            st.sampled_from(
                ["Content-Type", "X-Amz-Date", "Content-Encoding", "Accept", "X-Amz-Target"]
            ),
            HEADER_TEXT,
            max_size=3,
        )
    )
    headers["Authorization"] = draw(
        st.one_of(st.just(AUTH), HEADER_TEXT.map(lambda t: "AWS4-" + t))
    )
    return {
        "method": route.method,
        "path": path,
        "query_string": urlencode(query),
        "data": body,
        "headers": headers,
    }


@pytest.fixture(scope="module")
def client() -> Iterator[Client]:
    # Not started: the macie2 emulator and the endpoint's checks need no socket.
    server = LocalServer(background=False)
    app = Client(server.app)
    assert app.post("/macie", headers={"Authorization": AUTH}, json={}).status_code == 200
    yield app


@settings(
    max_examples=300,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(request=requests())
def test_a_macie2_route_never_answers_5xx(client: Client, request: dict[str, Any]) -> None:
    response = client.open(**request)
    assert response.status_code < 500, (request, response.status_code, response.get_data()[:300])


def test_the_generator_reaches_the_emulator(client: Client) -> None:
    # A well-formed request through the same path: the fuzzing is not all refused upstream.
    client.post("/macie", headers={"Authorization": AUTH}, json={})  # the fuzz may disable it
    listed = client.post("/custom-data-identifiers/list", headers={"Authorization": AUTH}, json={})
    assert listed.status_code == 200
    assert "items" in listed.json
    scope = client.patch(
        "/classification-scopes/0", headers={"Authorization": AUTH}, data=b""
    )  # the optional s3 member left out: found by the fuzzer as a 500
    assert scope.status_code < 500
