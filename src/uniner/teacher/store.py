"""The durable annotation file: append-only JSON lines, one line per passage.

Success: ``{"id", "text", "entities": [{"text", "type", "start", "end"}], "raw", "model", "usage"}``.
Failure: ``{"id", "text", "status": "failed", "error", "attempts", "raw"}`` (``raw`` is the last
completion, or null when none arrived).

Durability rules:
- each record is one ``os.write`` of a whole line to a file opened ``O_APPEND``,
  so a kill -9 loses at most the requests still in flight;
- a torn last line (no final newline: the process died inside a write, or the
  machine lost power) is cut off when the file is next opened, and counted;
- an exclusive ``flock`` on ``<output>.lock`` keeps two runs from writing the
  same file (the kernel releases it when a process dies);
- an id is never written twice: the store refuses, and ``--retry-failed``
  first rewrites the file without its failure records (temporary file, fsync,
  atomic rename) so a retried passage's new record is its only one.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Self

from uniner.errors import ConfigError, DataFormatError
from uniner.types import Entity

FAILED = "failed"


def text_digest(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8")).hexdigest()[:16]


def success_record(pid: str, text: str, entities: list[Entity], raw: str, model: str,
                   usage: dict[str, int] | None) -> dict[str, Any]:
    return {"id": pid, "text": text, "entities": [e.to_dict() for e in entities], "raw": raw, "model": model,
            "usage": usage}


def failure_record(pid: str, text: str, error: str, attempts: int, raw: str | None = None) -> dict[str, Any]:
    return {"id": pid, "text": text, "status": FAILED, "error": error, "attempts": attempts, "raw": raw}


def is_failure(record: dict[str, Any]) -> bool:
    return record.get("status") == FAILED


@dataclass(frozen=True, slots=True)
class OpenReport:
    """What opening an existing file found."""

    annotated: int
    failed: int
    torn_bytes: int
    dropped_failures: int


class AnnotationStore:
    """Open with ``AnnotationStore(path, retry_failed)``; ``append`` records; ``close``."""

    def __init__(self, path: str | Path, retry_failed: bool = False):
        self.path = Path(path)
        self.digests: dict[str, str] = {}  # id -> digest of its passage text
        self.failed: set[str] = set()
        self._lock_fd = self._lock()
        try:
            self.report = self._load(retry_failed)
            self._fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        except BaseException:
            os.close(self._lock_fd)
            raise

    def _lock(self) -> int:
        lock_path = self.path.with_name(self.path.name + ".lock")
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as err:
            raise ConfigError(f"cannot create {lock_path} ({err.strerror})") from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            raise ConfigError(f"{self.path} is being written by another uniner annotate run") from None
        return fd

    def _load(self, retry_failed: bool) -> OpenReport:
        if not self.path.exists():
            return OpenReport(0, 0, 0, 0)
        data = self.path.read_bytes()
        torn = len(data) - (data.rfind(b"\n") + 1)
        if torn:
            # The last write never finished: cut the partial line off so appends start clean.
            os.truncate(self.path, len(data) - torn)
            data = data[: len(data) - torn]
        lines = data.splitlines(keepends=True)
        records = [_parse_line(line, self.path, number) for number, line in enumerate(lines, start=1)]
        for number, record in enumerate(records, start=1):
            if record["id"] in self.digests:
                raise DataFormatError(f"passage id {record['id']!r} appears twice", self.path, number)
            self.digests[record["id"]] = text_digest(record["text"])
            if is_failure(record):
                self.failed.add(record["id"])
        dropped = 0
        if retry_failed and self.failed:
            keep = [line for line, record in zip(lines, records) if not is_failure(record)]
            _atomic_write(self.path, b"".join(keep))
            dropped = len(self.failed)
            for pid in self.failed:
                del self.digests[pid]
            self.failed.clear()
        return OpenReport(len(self.digests) - len(self.failed), len(self.failed), torn, dropped)

    def __contains__(self, pid: object) -> bool:
        return pid in self.digests

    def append(self, record: dict[str, Any]) -> None:
        pid = record["id"]
        if pid in self.digests:
            raise ValueError(f"passage {pid!r} is already in {self.path}")  # a bug, not user input
        line = (json.dumps(record, ensure_ascii=False) + "\n").encode("utf-8")
        view = memoryview(line)
        while view:
            written = os.write(self._fd, view)
            view = view[written:]
        self.digests[pid] = text_digest(record["text"])
        if is_failure(record):
            self.failed.add(pid)

    def close(self) -> None:
        if self._fd >= 0:
            os.fsync(self._fd)
            os.close(self._fd)
            os.close(self._lock_fd)
            self._fd = -1

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _parse_line(line: bytes, path: Path, number: int) -> dict[str, Any]:
    try:
        record = json.loads(line)
    except (json.JSONDecodeError, UnicodeDecodeError) as err:
        raise DataFormatError(f"not a JSON record ({err}); the file is damaged", path, number) from None
    if not isinstance(record, dict) or not isinstance(record.get("id"), str) or not isinstance(record.get("text"), str):
        raise DataFormatError('expected a record with string "id" and "text"', path, number)
    return record


def _atomic_write(path: Path, data: bytes) -> None:
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)
    dir_fd = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)


def read_annotations(path: str | Path, include_failed: bool = False) -> Iterator[dict[str, Any]]:
    """Records of an annotation file, validated; a torn last line is skipped, not repaired."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as err:
        raise DataFormatError(f"cannot read ({err.strerror})", path) from None
    lines = data.splitlines(keepends=True)
    for number, line in enumerate(lines, start=1):
        if not line.endswith(b"\n") or not line.strip():
            continue
        record = _parse_line(line, path, number)
        if is_failure(record):
            if include_failed:
                yield record
            continue
        if not isinstance(record.get("entities"), list):
            raise DataFormatError('expected an "entities" list or "status": "failed"', path, number)
        yield record
