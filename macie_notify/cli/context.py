"""AppContext: the one object every command receives (``ctx.obj``).

It holds the global settings, loads the config and builds AWS clients lazily (so
``--help`` and ``validate`` never import boto3), and owns the two consoles: data on
stdout, talk on stderr.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any, NoReturn

from macie_notify.errors import MacieNotifyError

if TYPE_CHECKING:
    from rich.console import Console

    from macie_notify.aws import Aws
    from macie_notify.config import Config

DEFAULT_CONFIG = "macie-notify.yaml"
# aws.LOCAL_ENDPOINT, spelt out so that --help need not import aws.py (a test pins them).
LOCAL_ENDPOINT = "http://127.0.0.1:4566"


@dataclass
class GlobalSettings:
    """Global options after flags, environment and defaults have been applied."""

    config_path: str = DEFAULT_CONFIG
    config_explicit: bool = False
    profile: str | None = None
    region: str | None = None
    endpoint_url: str | None = None
    local: bool = False
    output: str = "table"
    verbose: bool = False
    quiet: bool = False
    no_color: bool = False

    @classmethod
    def from_environ(cls, environ: dict[str, str] | None = None) -> GlobalSettings:
        env = os.environ if environ is None else environ
        settings = cls()
        if env.get("MACIE_NOTIFY_CONFIG"):
            settings.config_path = env["MACIE_NOTIFY_CONFIG"]
            settings.config_explicit = True
        settings.profile = env.get("AWS_PROFILE") or None
        settings.endpoint_url = env.get("AWS_ENDPOINT_URL") or None
        settings.local = env.get("MACIE_NOTIFY_LOCAL", "").lower() in ("1", "true", "yes")
        settings.no_color = "NO_COLOR" in env
        return settings


@dataclass(repr=False, eq=False)  # unused; each generated method costs start-up time
class AppContext:
    """Settings, lazy config and clients, and the two consoles."""

    settings: GlobalSettings = field(default_factory=GlobalSettings.from_environ)
    # Time is injected: commands that poll or follow (tails, waits) use these, tests swap them.
    clock: Callable[[], datetime] = field(default=lambda: datetime.now(timezone.utc))
    sleep: Callable[[float], None] = field(default=time.sleep)
    _config: Config | None = None
    _aws: Aws | None = None
    _out: Console | None = None
    _err: Console | None = None

    # -- consoles ---------------------------------------------------------------
    @property
    def out(self) -> Console:
        """stdout: data only."""
        if self._out is None:
            self._out = _make_console(sys.stdout, self.settings.no_color)
        return self._out

    @property
    def err(self) -> Console:
        """stderr: progress, warnings, logs."""
        if self._err is None:
            self._err = _make_console(sys.stderr, self.settings.no_color)
        return self._err

    # soft_wrap: one message stays one line (rich would otherwise cut it at 80 columns
    # when stderr is a pipe or a log file, splitting ARNs, hashes and paths).
    def info(self, message: str) -> None:
        """A line of talk on stderr, unless --quiet."""
        if not self.settings.quiet:
            self.err.print(message, markup=False, highlight=False, soft_wrap=True)

    def warn(self, message: str) -> None:
        """A warning on stderr, unless --quiet ("only errors and data")."""
        if self.settings.quiet:
            return
        self.err.print(
            f"Warning: {message}", markup=False, highlight=False, style="yellow", soft_wrap=True
        )

    def abort(self, message: str, hint: str | None = None) -> NoReturn:
        raise MacieNotifyError(message, hint)

    # -- config -----------------------------------------------------------------
    @property
    def config(self) -> Config:
        """The validated config (ConfigError, exit 2, when it is broken or missing)."""
        if self._config is None:
            from macie_notify.config import load

            self._config = load(self.settings.config_path)
        return self._config

    def config_or_none(self) -> Config | None:
        """The config when a file exists (or was named explicitly), else None."""
        if self.settings.config_explicit or os.path.exists(self.settings.config_path):
            return self.config
        return None

    # -- AWS ----------------------------------------------------------------------
    @property
    def aws(self) -> Aws:
        """Clients for the resolved profile, region and endpoint (boto3 imported here)."""
        if self._aws is None:
            from macie_notify.aws import Aws, AwsSettings

            config = self.config_or_none()
            s = self.settings
            self._aws = Aws(
                AwsSettings(
                    profile=s.profile,
                    region=s.region,
                    config_region=config.stack.region if config else None,
                    endpoint_url=s.endpoint_url,
                    local=s.local,
                )
            )
        return self._aws

    def render(self, data: Any, *, table: Any = None) -> None:
        """Print data in the chosen output format on stdout."""
        from macie_notify.render import render, to_text

        fmt = self.settings.output
        if fmt in ("json", "yaml") and self._out is None:
            # Data needs no console: a script's `-o json` run does not import rich at all.
            sys.stdout.write(to_text(data, fmt))
            sys.stdout.flush()
            return
        render(data, fmt, self.out, table=table)

    @property
    def err_is_terminal(self) -> bool:
        """Whether stderr is a terminal, as rich decides, without importing rich for the
        common case of a pipe or a file (a CI run)."""
        # Besides isatty(), rich reads these two variables (TTY_COMPATIBLE=1 and a
        # non-empty FORCE_COLOR make a pipe a terminal): only then is rich worth asking.
        if sys.stderr.isatty() or {"TTY_COMPATIBLE", "FORCE_COLOR"} & os.environ.keys():
            return self.err.is_terminal
        return False


def _make_console(stream: Any, no_color: bool) -> Console:
    from rich.console import Console

    # emoji=False: ":secret:" inside a Secrets Manager ARN must print as text, not as an emoji.
    return Console(file=stream, no_color=no_color, highlight=False, soft_wrap=False, emoji=False)
