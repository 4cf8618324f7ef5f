"""Which way dependencies may point (docs/architecture.md), checked over the AST of every module.

Imports inside functions count too: a lazy import is still a dependency.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[3] / "macie_notify"

# layer -> the macie_notify layers it may import ("" = the package root, for __version__)
ALLOWED: dict[str, set[str]] = {
    "cli": {"*"},
    "render": {"stack.model", "detect.result", "errors", ""},
    "stack": {"aws", "config", "packaging", "errors", "stack", "detect.catalog", ""},
    # findings.event gives the notifier's typed view of a finding (show, preview).
    # config.rules: the finding-type enum, one copy for validate and the filters.
    "findings": {"findings", "aws", "errors", "render", "notifier", "config.rules"},
    "jobs": {"aws", "errors", "config", "findings", "stack.naming"},
    "identifiers": {"aws", "errors", "config", "detect"},
    "samples": {"samples", "aws", "errors"},
    # notify test / replay: the notifier's envelope wraps the test finding.
    "delivery": {"aws", "errors", "notifier"},
    # render.iso8601 is the one writer of the API's timestamps (render imports rich lazily);
    # aws holds the one set of dummy credentials for the local endpoint (aws imports no boto3).
    "local": {"local", "detect", "errors", "render", "aws", ""},
    "detect": {"detect", "errors"},
    "packaging": {"errors"},
    "config": {"config", "errors", "detect.catalog", "detect.macie_regex"},
    "errors": set(),
    # config.regions: botocore's Region list, read without importing botocore.
    "aws": {"errors", "config.regions", ""},
    # The offline demo drives the whole pipeline on the embedded local AWS, deploying it
    # with the stack engine (as setup does).
    # (notifier: the demo judges delivery with the function's own filters)
    "demo": {
        "demo",
        "aws",
        "config",
        "stack",
        "findings",  # reads the job's findings back as `findings list` does
        "local",
        "packaging",
        "detect",
        "errors",
        "render",
        "notifier",
        "",
    },
    "notifier": {"notifier"},  # relative imports inside the package only
    # The console script: pauses the cyclic collector while the CLI is imported.
    "launch": {"cli"},
    "": {"cli", "launch"},
}
THIRD_PARTY_FORBIDDEN: dict[str, set[str]] = {
    "detect": {"boto3", "botocore", "moto", "rich", "click", "yaml"},
    "config": {"boto3", "botocore", "moto", "rich"},
    "notifier": {"moto", "rich", "click", "yaml"},
    "render": {"boto3", "botocore", "moto"},
    "stack": {"moto", "click", "rich"},
    "findings": {"moto", "click"},
}


def _layer(module: str) -> str:
    parts = module.split(".")[1:]  # drop "macie_notify"
    if not parts or parts[0] in ("__init__", "__main__"):
        return ""
    return parts[0]


def _modules() -> list[tuple[str, Path]]:
    out = []
    for path in sorted(PACKAGE.rglob("*.py")):
        rel = path.relative_to(PACKAGE.parent).with_suffix("")
        out.append((".".join(rel.parts), path))
    return out


def _imports(module: str, path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = module if path.name == "__init__.py" else module.rsplit(".", 1)[0]
    found: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.extend(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)]
                target = ".".join([*base, node.module] if node.module else base)
            else:
                target = node.module or ""
            found.append(target)
    return found


def _allowed(layer: str, target: str) -> bool:
    allowed = ALLOWED.get(layer, set())
    if "*" in allowed:
        return True
    sub = target.split(".")[1:]
    if not sub:  # the package root itself (for __version__)
        return "" in allowed
    candidates = {".".join(sub[:i]) for i in range(1, len(sub) + 1)}
    return bool(candidates & allowed)


@pytest.mark.parametrize(("module", "path"), _modules(), ids=lambda v: str(v))
def test_imports_point_the_allowed_way(module: str, path: Path) -> None:
    layer = _layer(module)
    for target in _imports(module, path):
        top = target.split(".")[0]
        if top == "macie_notify":
            assert _allowed(layer, target), f"{module} may not import {target}"
        assert top not in THIRD_PARTY_FORBIDDEN.get(layer, set()), (
            f"{module} may not import {target}"
        )


def test_notifier_uses_only_relative_imports() -> None:
    for module, path in _modules():
        if _layer(module) != "notifier":
            continue
        text = path.read_text(encoding="utf-8")
        assert "macie_notify" not in text, f"{module} names macie_notify"


# --- import circles --------------------------------------------------------------------------


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _import_graph(typing_too: bool) -> dict[str, set[str]]:
    """module -> the macie_notify modules it imports (function-level imports included).

    ``from a import b`` points at ``a.b`` when that is a module, else at ``a``.
    ``if TYPE_CHECKING:`` blocks never run; they count only with ``typing_too``.
    """
    paths = {_module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}
    graph: dict[str, set[str]] = {}
    for name, path in paths.items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
        skipped: set[int] = set()
        if not typing_too:
            for node in ast.walk(tree):
                if isinstance(node, ast.If) and _is_type_checking(node.test):
                    skipped |= {id(n) for stmt in node.body for n in ast.walk(stmt)}
        edges: set[str] = set()
        for node in ast.walk(tree):
            if id(node) in skipped:
                continue
            if isinstance(node, ast.Import):
                edges |= {a.name for a in node.names if a.name in paths}
            elif isinstance(node, ast.ImportFrom):
                base = package.split(".")[: len(package.split(".")) - max(node.level - 1, 0)]
                target = ".".join([*base, node.module] if node.module else base)
                target = target if node.level else (node.module or "")
                for alias in node.names:
                    sub = f"{target}.{alias.name}"
                    edges.add(sub if sub in paths else target)
        graph[name] = {e for e in edges if e in paths and e != name}
    return graph


def _circles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for nxt in sorted(graph[node]):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = stack[stack.index(node) :]
            del stack[stack.index(node) :]
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_no_import_circle_anywhere() -> None:
    # A lazy import inside a function still closes a circle: it only hides it until run.
    assert _circles(_import_graph(typing_too=False)) == []


def test_no_import_circle_in_local_even_for_type_checking() -> None:
    local = {
        name: {e for e in edges if e.startswith("macie_notify.local")}
        for name, edges in _import_graph(typing_too=True).items()
        if name.startswith("macie_notify.local")
    }
    assert _circles(local) == []


def test_the_circle_finder_finds_circles() -> None:
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert _circles(graph) == [["a", "b", "c"]]


# --- the local AWS's parts keep to themselves -----------------------------------------------

LOCAL = PACKAGE / "local"
# Private by the standard library's own naming, public by its documentation.
_STDLIB_PRIVATE_API = {"os._exit"}


def _local_modules() -> list[Path]:
    return sorted(LOCAL.rglob("*.py"))


@pytest.mark.parametrize("path", _local_modules(), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_local_parts_reach_no_private_state(path: Path) -> None:
    """Parts talk through what they export: no ``other._attr``, no ``import _name``."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and node.attr.startswith("_"):
            if node.attr.startswith("__") or ast.unparse(node) in _STDLIB_PRIVATE_API:
                continue
            owner = node.value
            assert isinstance(owner, ast.Name) and owner.id in ("self", "cls"), (
                f"{path.name}:{node.lineno} reaches {ast.unparse(node)}"
            )
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("macie_notify"):
            private = [a.name for a in node.names if a.name.startswith("_")]
            assert not private, f"{path.name}:{node.lineno} imports private {private}"


@pytest.mark.parametrize("path", _local_modules(), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_local_parts_are_wired_explicitly(path: Path) -> None:
    """No self-registration hooks, no looking parts up by name on the server."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef):
            assert node.name != "install", f"{path.name}:{node.lineno} defines install()"
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
            if node.func.id in ("getattr", "setattr", "hasattr") and node.args:
                target = ast.unparse(node.args[0])
                assert "server" not in target and "app" != target, (
                    f"{path.name}:{node.lineno} looks up {ast.unparse(node)}"
                )


def test_the_private_state_check_sees_a_violation(tmp_path: Path) -> None:
    bad = tmp_path / "bad.py"
    bad.write_text("def f(router):\n    return router._queue\n", encoding="utf-8")
    with pytest.raises(AssertionError, match=r"reaches router\._queue"):
        test_local_parts_reach_no_private_state(bad)
