"""Which way dependencies may point (STYLE.md), checked over the AST of every module.

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
    "findings": {"findings", "aws", "errors", "render", "notifier"},
    "jobs": {"aws", "errors", "config", "findings"},
    "identifiers": {"aws", "errors", "config", "detect"},
    "samples": {"aws", "errors"},
    # render.iso8601 is the one writer of the API's timestamps (render imports rich lazily);
    # aws holds the one set of dummy credentials for the local endpoint (aws imports no boto3).
    "local": {"local", "detect", "errors", "render", "aws", ""},
    "detect": {"detect", "errors"},
    "packaging": {"errors"},
    "config": {"config", "errors", "detect.catalog", "detect.macie_regex"},
    "errors": set(),
    "aws": {"errors", ""},
    # The offline demo drives the whole pipeline on the embedded local AWS.
    # (notifier: the demo judges delivery with the function's own filters)
    "demo": {
        "demo",
        "aws",
        "config",
        "local",
        "packaging",
        "detect",
        "errors",
        "render",
        "notifier",
        "",
    },
    "notifier": {"notifier"},  # relative imports inside the package only
    "": {"cli"},
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
