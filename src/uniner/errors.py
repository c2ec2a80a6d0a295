"""The one exception tree of uniner.

The library raises these; only the CLI turns them into a one-line message and
exit code 2 (STYLE rule 8).  Every message says what went wrong, where, and what
would have been valid.
"""

from __future__ import annotations

from pathlib import Path


class UninerError(Exception):
    """Root of every error uniner raises on purpose (bad input, bad config)."""


class ConfigError(UninerError):
    """A user-supplied option or config value is invalid."""


class RegistryError(UninerError):
    """An unknown or duplicate name in one of the registries."""


class DataFormatError(UninerError):
    """A data file is malformed; carries ``path:line`` when known."""

    def __init__(self, message: str, path: str | Path | None = None, line: int | None = None):
        self.path = str(path) if path is not None else None
        self.line = line
        self.reason = message
        where = ""
        if self.path is not None:
            where = f"{self.path}:{line}: " if line is not None else f"{self.path}: "
        super().__init__(f"{where}{message}")


class TeacherOutputError(UninerError):
    """A teacher (LLM) call failed for good; keeps the evidence for the audit trail."""

    def __init__(self, message: str, raw: str | None = None, attempts: int = 0):
        self.raw = raw
        self.attempts = attempts
        super().__init__(message)


class UninerWarning(UserWarning):
    """Base class of every warning uniner emits."""
