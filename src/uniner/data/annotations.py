"""Reader of the teacher's annotation JSONL (written by ``uniner annotate``).

One line per passage: ``{"id", "text", "entities": [{"text", "type", "start",
"end"}], "raw", "model", "usage"}``, or a failure record with ``"status":
"failed"``.  The writer appends, so a later success for an id may follow its
failure (``--retry-failed``); failures are skipped and counted, and an id seen
twice keeps its first successful record.  A torn last line (a run killed
mid-write, no final newline) is skipped with a count; anywhere else invalid
JSON is an error.  Offsets are checked: ``text[start:end]`` must equal the
entity text, else ``DataFormatError`` with ``path:line``.

The open-type teacher is asked for *all* entities of a passage, so Examples are
fully labelled (``labelled_types=None``) — unless a record lists the ``types``
it was asked about, in which case only those are vouched for.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from uniner.data.formats.base import FORMATS, FileHead, Format, LoadStats, reporting, require
from uniner.data.jsonl import iter_lines
from uniner.errors import DataFormatError
from uniner.types import Entity, Example

FAILED = "failed"


@reporting
def read_annotations(
    path: str | Path, *, stats: LoadStats | None = None, dataset: str | None = None
) -> Iterator[Example]:
    """Stream the successful annotation records of ``path`` as Examples."""
    assert stats is not None  # supplied by @reporting
    path = Path(path)
    name = dataset or path.stem
    seen: set[str] = set()
    for number, record in _lines(path, stats):
        require(record, {"id": (str, int)}, path, number)
        stats.records += 1
        if record.get("status") == FAILED:
            stats.drop("failed annotation record")
            continue
        require(record, {"text": str, "entities": list}, path, number)
        example_id = str(record["id"])
        if example_id in seen:
            stats.drop("repeated id (first record kept)")
            continue
        seen.add(example_id)
        entities = tuple(_entity(record["text"], item, path, number, i) for i, item in enumerate(record["entities"]))
        stats.mentions += len(entities)
        yield Example(
            example_id,
            record["text"],
            tuple(sorted(set(entities), key=lambda e: (e.start, e.end, e.type))),
            record.get("dataset") if isinstance(record.get("dataset"), str) else name,
            _labelled_types(record, path, number),
        )


def _lines(path: Path, stats: LoadStats) -> Iterator[tuple[int, Any]]:
    """``(line number, record)``, streamed; binary lines split on ``\\n`` only, as the writer wrote them."""
    for number, line in iter_lines(path):
        try:
            yield number, json.loads(line)
        except json.JSONDecodeError as err:
            if not line.endswith("\n"):  # the last line, unfinished: torn by a kill mid-write
                stats.drop("torn last line (interrupted write)")
                continue
            raise DataFormatError(f"invalid JSON: {err.msg} (column {err.colno})", path, number) from None


def _entity(text: str, item: Any, path: Path, number: int, index: int) -> Entity:
    where = f"entity {index}: "
    require(item, {"text": str, "type": str, "start": int, "end": int}, path, number, where)
    start, end = item["start"], item["end"]
    if not item["type"].strip():
        raise DataFormatError(f"{where}empty type", path, number)
    if not 0 <= start < end <= len(text) or text[start:end] != item["text"]:
        raise DataFormatError(
            f"{where}{item['text']!r} at [{start}, {end}) does not match the passage there ({text[start:end]!r})",
            path,
            number,
        )
    return Entity.from_source(text, start, end, item["type"])


def _labelled_types(record: dict[str, Any], path: Path, number: int) -> frozenset[str] | None:
    types = record.get("types")
    if types is None:
        return None
    if not isinstance(types, list) or not all(isinstance(t, str) for t in types):
        raise DataFormatError("'types' must be a list of strings", path, number)
    return frozenset(types)


def _sniff(head: FileHead) -> bool:
    first = head.first
    return (
        head.shape == "json-lines"
        and isinstance(first, dict)
        and "id" in first
        and (isinstance(first.get("entities"), list) or first.get("status") == FAILED)
        and "conversations" not in first
    )


FORMATS.register(
    "annotations.v1",
    Format(
        "annotations.v1",
        'annotation JSON lines {"id", "text", "entities": [{"text","type","start","end"}]} from `uniner annotate`',
        read_annotations,
        _sniff,
    ),
)
