"""Entry point: run the Click group, map errors to exit codes, no tracebacks unless --verbose."""

from __future__ import annotations

import gc
import sys
from collections.abc import Sequence

import click

from macie_notify.errors import (
    EXIT_ERROR,
    EXIT_INTERRUPTED,
    EXIT_USAGE,
    MacieNotifyError,
    UsageError,
)


def main(argv: Sequence[str] | None = None) -> None:
    """Console script ``macie-notify``; exits with the documented code."""
    code = run(argv)
    # Whatever is left lives until the exit: frozen, it is skipped by the collector's passes
    # during interpreter shutdown (after a scan, ~15 ms over click and the compiled engine).
    gc.freeze()
    sys.exit(code)


def run(argv: Sequence[str] | None = None) -> int:
    from macie_notify.cli import cli

    args = list(sys.argv[1:] if argv is None else argv)
    verbose = any(a in ("-v", "--verbose") for a in args)
    try:
        result = cli.main(args=args, prog_name="macie-notify", standalone_mode=False)
    except click.exceptions.Exit as exc:
        return int(exc.exit_code)
    except click.Abort:
        # Click turns Ctrl-C (and EOF at a prompt) into Abort.
        _echo_err("Interrupted.")
        return EXIT_INTERRUPTED
    except click.ClickException as exc:
        exc.show()
        return exc.exit_code
    except KeyboardInterrupt:
        _echo_err("Interrupted.")
        return EXIT_INTERRUPTED
    except MacieNotifyError as exc:
        return _report(exc, verbose)
    except BrokenPipeError:
        # `macie-notify ... | head` closed stdout early: not an error of ours.
        sys.stderr.close()
        return 0
    except Exception as exc:  # the last line of defence: one readable line, not a traceback
        return _report_unexpected(exc, verbose)
    return result if isinstance(result, int) else 0


def _report(exc: MacieNotifyError, verbose: bool) -> int:
    if verbose:
        _print_traceback()
    for line in exc.lines():
        _echo_err(line)
    return exc.exit_code


def _report_unexpected(exc: Exception, verbose: bool) -> int:
    translated = _missing_extra(exc) or _translate_aws(exc)
    if translated is not None:
        return _report(translated, verbose)
    if verbose:
        _print_traceback()
    _echo_err(f"Error: unexpected {type(exc).__name__}: {exc}")
    if not verbose:
        _echo_err("Hint: run again with --verbose for the traceback, and report it as a bug.")
    return EXIT_ERROR


# Top-level modules of the optional extras (pyproject.toml) -> the extra that installs them.
_EXTRAS = {"moto": "local", "werkzeug": "local", "flask": "local", "flask_cors": "local"}


def _missing_extra(exc: Exception) -> MacieNotifyError | None:
    """A plain `pip install .` has no moto: `demo` and `local serve` say what to install."""
    if not isinstance(exc, ModuleNotFoundError) or not exc.name:
        return None
    module = exc.name.split(".")[0]
    extra = _EXTRAS.get(module)
    if extra is None:
        return None
    return UsageError(
        f"this command needs the embedded local AWS, which is not installed ({module} is missing).",
        f"install the '{extra}' extra: pip install 'macie-notify[{extra}]' "
        f"(from a clone: pip install -e '.[{extra}]').",
    )


def _translate_aws(exc: Exception) -> MacieNotifyError | None:
    # Only botocore can have raised a botocore error; avoid importing it otherwise.
    if "botocore" not in sys.modules:
        return None
    from macie_notify.aws import translate_error

    return translate_error(exc)


def _print_traceback() -> None:
    import traceback  # only --verbose needs it (~1.5 ms of every command's start-up)

    traceback.print_exc()


def _echo_err(line: str) -> None:
    click.echo(line, err=True)


__all__ = ["EXIT_USAGE", "main", "run"]
