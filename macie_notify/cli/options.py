"""Global options (valid before or after the command name, as with the AWS CLI) and
shared parameter types.

Global options are attached to the root group and to every command. Their callbacks write
into the one :class:`AppContext`, so ``macie-notify findings list --region eu-west-1`` and
``macie-notify --region eu-west-1 findings list`` mean the same thing.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

import click
from click.core import ParameterSource

from macie_notify.cli.context import LOCAL_ENDPOINT, AppContext

if TYPE_CHECKING:
    _DateParam = click.ParamType[datetime]
    _StrParam = click.ParamType[str]
else:  # click < 8.2 ParamType is not generic at run time
    _DateParam = _StrParam = click.ParamType

OUTPUT_FORMATS = ("table", "json", "yaml")
SEVERITIES = ("Low", "Medium", "High")


def _app(ctx: click.Context) -> AppContext:
    return ctx.ensure_object(AppContext)


def _explicit(ctx: click.Context, param: click.Parameter) -> bool:
    assert param.name is not None
    return ctx.get_parameter_source(param.name) in (
        ParameterSource.COMMANDLINE,
        ParameterSource.ENVIRONMENT,
    )


def _setter(attr: str) -> Callable[[click.Context, click.Parameter, Any], None]:
    def callback(ctx: click.Context, param: click.Parameter, value: Any) -> None:
        if value is None or value is False or not _explicit(ctx, param):
            return
        settings = _app(ctx).settings
        setattr(settings, attr, value)
        if attr == "config_path":
            settings.config_explicit = True

    return callback


def _global_option_specs() -> list[tuple[tuple[str, ...], dict[str, Any]]]:
    return [
        (
            ("-c", "--config"),
            dict(
                type=click.Path(dir_okay=False),
                help="Config file [default: ./macie-notify.yaml; env MACIE_NOTIFY_CONFIG].",
                callback=_setter("config_path"),
            ),
        ),
        (
            ("--profile",),
            dict(help="AWS named profile [env AWS_PROFILE].", callback=_setter("profile")),
        ),
        (
            ("--region",),
            dict(
                help="AWS Region (overrides the config's stack.region).", callback=_setter("region")
            ),
        ),
        (
            ("--endpoint-url",),
            dict(help="AWS endpoint URL [env AWS_ENDPOINT_URL].", callback=_setter("endpoint_url")),
        ),
        (
            ("--local",),
            dict(
                is_flag=True,
                default=None,
                help=f"Use the embedded local AWS at {LOCAL_ENDPOINT} [env MACIE_NOTIFY_LOCAL=1].",
                callback=_setter("local"),
            ),
        ),
        (
            ("-o", "--output"),
            dict(
                type=click.Choice(OUTPUT_FORMATS, case_sensitive=False),
                help="Output format: table (people), json or yaml (scripts).",
                callback=_lower_setter("output"),
            ),
        ),
        (
            ("-v", "--verbose"),
            dict(
                is_flag=True,
                default=None,
                help="Show debug logs and tracebacks.",
                callback=_setter("verbose"),
            ),
        ),
        (
            ("-q", "--quiet"),
            dict(
                is_flag=True, default=None, help="Only errors and data.", callback=_setter("quiet")
            ),
        ),
        (
            ("--no-color",),
            dict(
                is_flag=True,
                default=None,
                help="Plain output [env NO_COLOR].",
                callback=_setter("no_color"),
            ),
        ),
    ]


def _lower_setter(attr: str) -> Callable[[click.Context, click.Parameter, Any], None]:
    inner = _setter(attr)

    def callback(ctx: click.Context, param: click.Parameter, value: Any) -> None:
        inner(ctx, param, value.lower() if isinstance(value, str) else value)

    return callback


def make_global_options(existing: set[str]) -> list[click.Option]:
    """Global options for one command, leaving out any flag the command already owns."""
    params: list[click.Option] = []
    for decls, attrs in _global_option_specs():
        free = [d for d in decls if d not in existing]
        if not any(d.startswith("--") for d in free):
            continue
        name = "global_" + decls[-1].lstrip("-").replace("-", "_")
        params.append(click.Option([name, *free], expose_value=False, is_eager=True, **attrs))
    return params


def attach_global_options(cmd: click.Command) -> click.Command:
    """Append the global options to ``cmd`` (and, for groups, to every subcommand later)."""
    if getattr(cmd, "_macie_globals", False):
        return cmd
    existing = {opt for p in cmd.params for opt in (*p.opts, *p.secondary_opts)}
    cmd.params.extend(make_global_options(existing))
    cmd._macie_globals = True  # type: ignore[attr-defined]
    return cmd


# -- shared parameter types -----------------------------------------------------------


class SeverityType(_StrParam):
    """Low / Medium / High, case-insensitive, returned in Macie's spelling."""

    name = "severity"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> str:
        text = str(value).strip().lower()
        for sev in SEVERITIES:
            if sev.lower() == text:
                return sev
        self.fail(f"{value!r} is not a severity; use one of Low, Medium, High.", param, ctx)


SEVERITY = SeverityType()


class SinceType(_DateParam):
    """A relative duration (``90m``, ``2h``, ``7d``) or an ISO 8601 time -> aware datetime."""

    name = "since"

    def __init__(self, now: Callable[[], datetime] | None = None) -> None:
        self._now = now or (lambda: datetime.now(timezone.utc))

    def convert(
        self, value: Any, param: click.Parameter | None, ctx: click.Context | None
    ) -> datetime:
        # findings.criteria is pure (no boto3): importing it keeps --help fast.
        from macie_notify.findings.criteria import parse_since

        if isinstance(value, datetime):
            return value
        try:
            return parse_since(str(value), self._now())
        except ValueError as exc:
            self.fail(f"{exc}.", param, ctx)


def pass_app(f: Callable[..., Any]) -> Callable[..., Any]:
    """Like ``click.pass_obj`` but always an :class:`AppContext`."""

    @click.pass_context
    def wrapper(ctx: click.Context, *args: Any, **kwargs: Any) -> Any:
        return ctx.invoke(f, _app(ctx), *args, **kwargs)

    wrapper.__name__ = getattr(f, "__name__", "command")
    wrapper.__doc__ = f.__doc__
    return wrapper
