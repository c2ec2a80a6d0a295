"""What every loader of a training-data format shares: drop accounting and the registries.

A loader turns one file (or one distilled-set folder) into a stream of
``Example``s.  Teacher output is noisy, so loaders drop what they cannot use
(a mention that is not in its passage, an answer that is not a list) — but
never silently: every drop is counted by reason in a ``LoadStats``.  Whoever
owns the ``LoadStats`` reports it; a loader called without one reports its
drops itself, as one ``UninerWarning`` when the stream ends.

Structural damage (invalid JSON, a missing field, offsets that do not match
the text) is not noise: it raises ``DataFormatError`` naming ``path:line`` or
the JSON element index.
"""

from __future__ import annotations

import functools
import json
import warnings
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ParamSpec

from uniner.data.jsonl import iter_lines
from uniner.errors import DataFormatError, UninerWarning
from uniner.registry import Registry
from uniner.types import Example


@dataclass
class LoadStats:
    """Counts of one load.

    ``records``, ``mentions`` and ``dropped`` are filled by the loaders (input
    side); ``examples`` and ``entities`` by whoever consumes the stream through
    ``counted`` (output side), because merging passages changes them.
    """

    records: int = 0
    mentions: int = 0
    examples: int = 0
    entities: int = 0
    partial: int = 0
    merged: int = 0
    dropped: Counter[str] = field(default_factory=Counter)
    ignored: Counter[str] = field(default_factory=Counter)

    def drop(self, reason: str, count: int = 1) -> None:
        self.dropped[reason] += count

    def observe(self, example: Example) -> None:
        self.examples += 1
        self.entities += len(example.entities)
        self.partial += example.is_partial

    def add(self, other: LoadStats) -> None:
        for name in ("records", "mentions", "examples", "entities", "partial", "merged"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.dropped.update(other.dropped)
        self.ignored.update(other.ignored)

    def summary(self) -> str:
        """One line: ``2217 examples, 30978 entities; dropped: 12 mention not found in passage``."""
        line = f"{self.examples} examples ({self.partial} partially labelled), {self.entities} entities"
        if self.merged:
            line += f", {self.merged} duplicate passages merged"
        if self.dropped:
            line += "; dropped: " + ", ".join(f"{n} {reason}" for reason, n in sorted(self.dropped.items()))
        if self.ignored:
            line += "; not used: " + ", ".join(f"{n} {what}" for what, n in sorted(self.ignored.items()))
        return line

    def warn(self, source: str) -> None:
        if self.dropped:
            warnings.warn(f"{source}: {self.summary()}", UninerWarning, stacklevel=3)


def counted(examples: Iterable[Example], stats: LoadStats) -> Iterator[Example]:
    for example in examples:
        stats.observe(example)
        yield example


P = ParamSpec("P")


def reporting(loader: Callable[P, Iterator[Example]]) -> Callable[P, Iterator[Example]]:
    """Give a loader a ``stats=None`` default that warns about drops at the end.

    The decorated loader always receives a ``LoadStats``; when the caller passed
    none, the wrapper owns it, counts the output and emits one warning if
    anything was dropped.
    """

    @functools.wraps(loader)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> Iterator[Example]:
        if kwargs.get("stats") is not None:
            yield from loader(*args, **kwargs)
            return
        own = LoadStats()
        kwargs["stats"] = own
        yield from counted(loader(*args, **kwargs), own)
        own.warn(str(args[0]) if args else loader.__name__)

    return wrapper


# --- reading JSON files -----------------------------------------------------------


def read_json(path: Path) -> Any:
    """A whole JSON document; every I/O or syntax error becomes ``DataFormatError``."""
    try:
        raw = path.read_bytes()
    except OSError as err:
        raise DataFormatError(f"cannot read ({err.strerror})", path) from None
    try:
        return json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError as err:
        raise DataFormatError(f"not UTF-8 ({err.reason} at byte {err.start})", path) from None
    except json.JSONDecodeError as err:
        raise DataFormatError(f"invalid JSON: {err.msg} (column {err.colno})", path, err.lineno) from None


def read_json_array(path: Path) -> list[Any]:
    data = read_json(path)
    if not isinstance(data, list):
        raise DataFormatError(f"expected a JSON array of records, got a JSON {type(data).__name__}", path)
    return data


def iter_json_lines(path: Path) -> Iterator[tuple[int, Any]]:
    """``(line number, record)`` of a JSON-lines file, streamed; blank lines skipped."""
    for number, line in iter_lines(path):
        try:
            yield number, json.loads(line)
        except json.JSONDecodeError as err:
            raise DataFormatError(f"invalid JSON: {err.msg} (column {err.colno})", path, number) from None


def require(
    record: Any, fields: dict[str, type | tuple[type, ...]], path: Path, line: int | None, where: str = ""
) -> dict[str, Any]:
    """Check that ``record`` is an object whose ``fields`` have the given JSON types."""
    if not isinstance(record, dict):
        raise DataFormatError(f"{where}expected a JSON object, got {type(record).__name__}", path, line)
    for name, kind in fields.items():
        if name not in record:
            raise DataFormatError(f"{where}missing field {name!r}", path, line)
        if not isinstance(record[name], kind):
            raise DataFormatError(
                f"{where}field {name!r} must be {_kind_name(kind)}, got {type(record[name]).__name__}", path, line
            )
    return record


def _kind_name(kind: type | tuple[type, ...]) -> str:
    kinds = kind if isinstance(kind, tuple) else (kind,)
    names = {str: "a string", list: "a list", dict: "an object", int: "an integer"}
    return " or ".join(names.get(k, k.__name__) for k in kinds)


# --- registries -------------------------------------------------------------------


@dataclass(frozen=True)
class FileHead:
    """The start of a file, enough to recognise its format without reading it all."""

    path: Path
    shape: str  # "json-array", "json-lines" or "text"
    first: Any = None  # the first JSON record, when the shape is JSON
    lines: tuple[str, ...] = ()  # the first non-blank lines, when the shape is text


@dataclass(frozen=True)
class Format:
    """A file format a training source can come in.

    ``read(path, stats=...)`` streams Examples; ``sniff(head)`` says whether a
    file looks like this format; ``repeats_passages`` marks formats whose
    records each label one slice of a passage (one type per sentence), so that
    ``load_source`` merges records of the same passage.
    """

    name: str
    description: str
    read: Callable[..., Iterator[Example]]
    sniff: Callable[[FileHead], bool]
    repeats_passages: bool = False


@dataclass(frozen=True)
class DistilledSet:
    """One folder of ``<data_dir>/distilled``: where it is and how it is labelled."""

    name: str
    folder: str
    description: str
    labelling: str
    licence: str
    marker: str  # a file inside the folder that identifies it
    load: Callable[..., Iterator[Example]]  # load(folder, stats=...)


FORMATS: Registry[Format] = Registry("data format")
DISTILLED: Registry[DistilledSet] = Registry("distilled set")
