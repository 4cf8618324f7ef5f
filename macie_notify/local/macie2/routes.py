"""(METHOD, path) -> macie2 operation, built from botocore's service model.

As in moto's ``_get_method_urls``: every operation's ``http.requestUri`` becomes a
regex; candidates are tried longest literal first so that ``/findings/describe`` wins
over ``/findings/{findingId}``-style templates. Label values are URL-decoded (botocore
percent-encodes ``/`` and ``:`` in non-greedy labels such as ``resourceArn``).
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import unquote

if TYPE_CHECKING:
    from botocore.model import OperationModel, ServiceModel

_LABEL = re.compile(r"\{([^}]+?)(\+?)\}")


@dataclass(frozen=True)
class Route:
    """One operation's compiled request URI."""

    method: str
    operation: str
    pattern: re.Pattern[str]
    literal_length: int
    labels: tuple[str, ...]


@functools.lru_cache(maxsize=1)
def service_model() -> ServiceModel:
    """The macie2 model shipped with the installed botocore (loaded once)."""
    import botocore.session

    return botocore.session.get_session().get_service_model("macie2")


def operation_model(name: str) -> OperationModel:
    return service_model().operation_model(name)


def compile_uri(uri: str) -> tuple[re.Pattern[str], int, tuple[str, ...]]:
    """Regex, literal length and label names of a model request URI (query part dropped)."""
    path = uri.split("?", 1)[0]
    regex, labels, literal, pos = "", [], 0, 0
    for match in _LABEL.finditer(path):
        chunk = path[pos : match.start()]
        regex += re.escape(chunk)
        literal += len(chunk)
        labels.append(match.group(1))
        regex += "(.+)" if match.group(2) else "([^/]+)"
        pos = match.end()
    tail = path[pos:]
    regex += re.escape(tail)
    literal += len(tail)
    return re.compile(f"^{regex}/?$"), literal, tuple(labels)


@functools.lru_cache(maxsize=1)
def route_table() -> tuple[Route, ...]:
    """Every macie2 operation's route, longest literal first."""
    model = service_model()
    routes = []
    for name in model.operation_names:
        http = model.operation_model(name).http
        pattern, literal, labels = compile_uri(http["requestUri"])
        routes.append(Route(http["method"].upper(), name, pattern, literal, labels))
    routes.sort(key=lambda r: (-r.literal_length, len(r.labels)))
    return tuple(routes)


def match(method: str, path: str) -> tuple[str, dict[str, str]] | None:
    """The operation name and URL-decoded label values for a request, or None."""
    method = method.upper()
    for route in route_table():
        if route.method != method:
            continue
        found = route.pattern.match(path)
        if found:
            values = {
                label: unquote(v) for label, v in zip(route.labels, found.groups(), strict=True)
            }
            return route.operation, values
    return None
