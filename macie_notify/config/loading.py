"""macie-notify.yaml -> typed, validated :class:`Config`; every problem with field path and line.

``load(path)`` / ``loads(text)`` read the YAML keeping each value's line (PyYAML nodes,
:mod:`.yaml_nodes`), check every rule in one pass (:mod:`.sections`, :mod:`.identifiers`,
:mod:`.job`) and either return a frozen :class:`Config` (with ``config.warnings``) or
raise one :class:`~macie_notify.errors.ConfigError` listing all problems as
``path (line N): message``. The contract is written out in docs/config.md. Offline and
stdlib + PyYAML only: ``validate`` must not pay for boto3.
"""

from __future__ import annotations

import os

import yaml
from yaml.nodes import MappingNode, Node

from macie_notify.config.identifiers import read_custom_identifiers
from macie_notify.config.job import JOB_KEYS, read_job
from macie_notify.config.model import Config
from macie_notify.config.sections import (
    BUCKET_KEYS,
    MACIE_KEYS,
    NOTIFICATIONS_KEYS,
    ROOT_KEYS,
    SAMPLES_KEYS,
    STACK_KEYS,
    read_bucket,
    read_macie,
    read_notifications,
    read_samples,
    read_stack,
)
from macie_notify.config.yaml_nodes import Issues, Section, is_null, line_of
from macie_notify.errors import ConfigError, ConfigProblem

INIT_HINT = "run `macie-notify init` to write a starter config, or pass -c PATH"
FIX_HINT = "fix the values above; `macie-notify init` writes a commented example"
MAX_CONFIG_BYTES = 1_000_000
"""A config is a few kilobytes; past 1 MB it is the wrong file (or an attack on the parser)."""
MAX_DEPTH = 50
"""Deepest nesting of mappings and lists read (a valid config nests five levels at most)."""


def _too_large(source: str, size: str) -> ConfigError:
    return ConfigError(
        f"{source} is {size}; a config may be at most 1 MB",
        hint="check that -c names the config file (YAML, usually a few kilobytes)",
    )


def load(path: str) -> Config:
    """Read and validate the config file at ``path``.

    Relative paths inside it (``samples.source``) are relative to the file's folder.
    """
    try:
        with open(path, "rb") as handle:
            data = handle.read(MAX_CONFIG_BYTES + 1)
    except FileNotFoundError:
        raise ConfigError(f"config file {path} not found", hint=INIT_HINT) from None
    except IsADirectoryError:
        raise ConfigError(f"config file {path} is a directory", hint=INIT_HINT) from None
    except OSError as exc:
        raise ConfigError(f"cannot read config file {path}: {exc.strerror}") from None
    if len(data) > MAX_CONFIG_BYTES:
        raise _too_large(f"config file {path}", "larger than 1 MB")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ConfigError(f"config file {path} is not UTF-8 text ({exc.reason})") from None
    return loads(text, source=path, base_dir=os.path.dirname(os.path.abspath(path)))


class _Loader(yaml.SafeLoader):
    """SafeLoader that refuses nesting deeper than :data:`MAX_DEPTH`.

    PyYAML composes nested nodes recursively: thousands of ``[`` would otherwise end in a
    RecursionError instead of a problem with a line.
    """

    def __init__(self, text: str) -> None:
        super().__init__(text)
        self._depth = 0

    def compose_node(self, parent: Node | None, index: int) -> Node | None:
        self._depth += 1
        try:
            if self._depth > MAX_DEPTH:
                mark = self.peek_event().start_mark  # type: ignore[no-untyped-call]
                raise yaml.composer.ComposerError(
                    None, None, f"nested more than {MAX_DEPTH} levels deep", mark
                )
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1


def loads(text: str, source: str = "<string>", base_dir: str | None = None) -> Config:
    """Validate config text; ``source`` names it in messages.

    ``base_dir`` is the folder relative paths are resolved against; without it (text
    that came from nowhere) the existence of ``samples.source`` is not checked.
    """
    if len(text) > MAX_CONFIG_BYTES:  # characters: a lower bound of the UTF-8 size
        raise _too_large(source, "larger than 1 MB")
    try:
        loader = _Loader(text)
    except yaml.reader.ReaderError as exc:
        line = text.count("\n", 0, exc.position) + 1
        message = f"character #x{exc.character:04x} is not allowed in YAML"
        raise ConfigError(
            f"{source} is not valid YAML:", [ConfigProblem("", message, line)], FIX_HINT
        ) from None
    try:
        root = _compose(loader, source)
        issues = Issues(loader)
        config = _read(issues, root, source, base_dir)
    finally:
        loader.dispose()
    if issues.problems:
        # One pass reads section by section; people read the file top to bottom.
        problems = sorted(issues.problems, key=lambda p: (p.line is None, p.line or 0))
        count = len(problems)
        noun = "problem" if count == 1 else "problems"
        raise ConfigError(f"{source} is not valid ({count} {noun}):", problems, FIX_HINT)
    return config


def _compose(loader: yaml.SafeLoader, source: str) -> MappingNode:
    try:
        root: Node | None = loader.get_single_node()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else None
        message = " ".join(str(m) for m in (exc.context, exc.problem) if m) or str(exc)
        if "'\\t'" in message:
            message += " (YAML indents with spaces, not tabs)"
        raise ConfigError(
            f"{source} is not valid YAML:", [ConfigProblem("", message, line)], FIX_HINT
        ) from None
    except yaml.YAMLError as exc:
        raise ConfigError(f"{source} is not valid YAML: {exc}") from None
    if root is None or is_null(root):
        raise ConfigError(
            f"{source} is empty:",
            [ConfigProblem("", "expected a mapping with at least stack: {name: ...}", 1)],
            INIT_HINT,
        )
    if not isinstance(root, MappingNode):
        raise ConfigError(
            f"{source} is not a config:",
            [
                ConfigProblem(
                    "", "the document must be a mapping (stack:, job:, ...)", line_of(root)
                )
            ],
            FIX_HINT,
        )
    return root


def _read(issues: Issues, root: MappingNode, source: str, base_dir: str | None) -> Config:
    doc = Section(issues, "", root, ROOT_KEYS)
    stack = read_stack(doc.section("stack", STACK_KEYS))
    cdis = read_custom_identifiers(doc)
    return Config(
        stack=stack,
        macie=read_macie(doc.section("macie", MACIE_KEYS)),
        bucket=read_bucket(doc.section("bucket", BUCKET_KEYS), stack),
        samples=read_samples(doc.section("samples", SAMPLES_KEYS), base_dir),
        custom_data_identifiers=cdis,
        job=read_job(doc.section("job", JOB_KEYS), stack.name, cdis),
        notifications=read_notifications(doc.section("notifications", NOTIFICATIONS_KEYS)),
        warnings=tuple(issues.warnings),
        source=source,
        base_dir=base_dir,
    )


__all__ = ["MAX_CONFIG_BYTES", "MAX_DEPTH", "load", "loads"]
