"""Domain errors and the CLI's exit codes; the only place exit codes live.

Every error a user can meet is a :class:`MacieNotifyError` carrying a one-line message,
an optional hint (what to do) and the exit code the CLI returns for it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

EXIT_OK = 0
EXIT_ERROR = 1
EXIT_USAGE = 2
EXIT_FINDINGS = 3
EXIT_CHANGES = 4
EXIT_INTERRUPTED = 130


class MacieNotifyError(Exception):
    """An error with a readable message, a hint and an exit code."""

    exit_code = EXIT_ERROR

    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def lines(self) -> list[str]:
        """The one or two lines the CLI prints on stderr."""
        out = [f"Error: {self.message}"]
        if self.hint:
            out.append(f"Hint: {self.hint}")
        return out


class UsageError(MacieNotifyError):
    """Bad flags or arguments (Click's convention: exit 2)."""

    exit_code = EXIT_USAGE


class ConfigProblem(NamedTuple):
    """One rule violation in the config file."""

    path: str
    message: str
    line: int | None = None

    def __str__(self) -> str:
        where = self.path or "(document)"
        if self.line is not None:
            where = f"{where} (line {self.line})"
        return f"{where}: {self.message}"


class ConfigError(MacieNotifyError):
    """The config file is missing, unreadable or breaks one or more rules."""

    exit_code = EXIT_USAGE

    def __init__(
        self,
        message: str,
        problems: Sequence[ConfigProblem] = (),
        hint: str | None = None,
    ) -> None:
        super().__init__(message, hint)
        self.problems = tuple(problems)

    def lines(self) -> list[str]:
        out = [f"Error: {self.message}"]
        out.extend(f"  {p}" for p in self.problems)
        if self.hint:
            out.append(f"Hint: {self.hint}")
        return out


class AwsError(MacieNotifyError):
    """An AWS call failed: credentials, network, permissions or the service itself."""

    exit_code = EXIT_ERROR


class PartialFailure(MacieNotifyError):
    """Some steps succeeded before one failed; ``done`` lists what was done."""

    exit_code = EXIT_ERROR

    def __init__(self, message: str, done: Sequence[str] = (), hint: str | None = None) -> None:
        super().__init__(message, hint)
        self.done = tuple(done)

    def lines(self) -> list[str]:
        out = [f"Error: {self.message}"]
        if self.done:
            out.append("Completed before the failure: " + ", ".join(self.done))
        if self.hint:
            out.append(f"Hint: {self.hint}")
        return out


class FindingsAtThreshold(MacieNotifyError):
    """``--fail-on``: findings at or above the threshold exist (exit 3)."""

    exit_code = EXIT_FINDINGS


class ChangesPending(MacieNotifyError):
    """``plan --detailed-exitcode``: the plan has changes (exit 4)."""

    exit_code = EXIT_CHANGES
