"""Resumable batch extraction: ``{"id", "text"}`` JSONL in, ``{"id", "entities"}`` JSONL out.

Output lines are appended and flushed one batch at a time, so an interrupted run
loses at most the batch in flight.  Running again with the same output skips the
ids already there; a last line torn by a crash is cut off first.  Beside the
output, ``<output>.meta.json`` records the model, types and threshold (with the
usual provenance); resuming with different settings is refused rather than
silently mixing two kinds of results in one file.

The input is checked in full (JSON, fields, duplicate ids) before any model
call, so a bad line 90,000 fails in seconds, not after an hour of work.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from tqdm import tqdm

from uniner.data.jsonl import iter_lines
from uniner.engine.base import validate_types
from uniner.errors import ConfigError, DataFormatError
from uniner.provenance import provenance
from uniner.types import Entity


class BatchExtractor(Protocol):
    """What batch extraction needs from a model (``uniner.api.Model`` is one)."""

    @property
    def name(self) -> str: ...

    def extract_batch(
        self, texts: Sequence[str], types: Sequence[str], threshold: float | None = None
    ) -> list[list[Entity]]: ...


@dataclass(frozen=True)
class BatchResult:
    """Counts of one run: documents in the input, already done before, processed now."""

    total: int
    skipped: int
    processed: int
    output: Path


def entity_record(entity: Entity) -> dict[str, Any]:
    """The JSON shape of an entity in every uniner output: score always present (may be null)."""
    return {"text": entity.text, "type": entity.type, "start": entity.start, "end": entity.end, "score": entity.score}


def _id_key(value: Any) -> str:
    # "7" and 7 are different ids; the JSON spelling keeps them apart.
    return json.dumps(value)


def read_documents(path: Path) -> Iterator[tuple[int, Any, str]]:
    """``(line number, id, text)`` for each non-blank line; bad lines raise with ``path:line``."""
    for number, line in iter_lines(path, action="read input"):
        yield (number, *_parse_document(line, path, number))


def _parse_document(line: str, path: Path, number: int) -> tuple[Any, str]:
    try:
        record = json.loads(line)
    except json.JSONDecodeError as err:
        raise DataFormatError(f"invalid JSON ({err.msg} at column {err.colno})", path, number) from None
    if not isinstance(record, dict):
        raise DataFormatError(f'expected an object {{"id", "text"}}, got {type(record).__name__}', path, number)
    missing = [key for key in ("id", "text") if key not in record]
    if missing:
        raise DataFormatError(f"missing field(s) {', '.join(missing)}", path, number)
    doc_id, text = record["id"], record["text"]
    if isinstance(doc_id, bool) or not isinstance(doc_id, (str, int)):
        raise DataFormatError(f'"id" must be a string or an integer, got {json.dumps(doc_id)}', path, number)
    if not isinstance(text, str):
        raise DataFormatError(f'"text" must be a string, got {type(text).__name__}', path, number)
    return doc_id, text


def _check_input(path: Path) -> dict[str, int]:
    """First pass: every line valid and every id unique; returns id key -> line."""
    lines: dict[str, int] = {}
    for number, doc_id, _ in read_documents(path):
        key = _id_key(doc_id)
        if key in lines:
            raise DataFormatError(f"id {key} is used twice (first at line {lines[key]})", path, number)
        lines[key] = number
    return lines


def repair_output(path: Path) -> set[str]:
    """Cut a torn last line off ``path`` and return the id keys it already holds."""
    if not path.exists():
        return set()
    done: set[str] = set()
    complete = 0  # bytes up to the end of the last line that has its newline
    with path.open("rb") as handle:
        for number, raw in enumerate(handle, start=1):
            if not raw.endswith(b"\n"):
                break  # a crash mid-write leaves a line without its newline: it never finished
            complete += len(raw)
            if raw.strip():
                done.add(_output_id(raw, path, number))
    if complete < path.stat().st_size:
        with path.open("r+b") as handle:
            handle.truncate(complete)
    return done


def _output_id(raw: bytes, path: Path, number: int) -> str:
    try:
        record = json.loads(raw)
        return _id_key(record["id"])
    except (ValueError, KeyError, TypeError):
        raise DataFormatError(
            "not an output record of uniner extract; use another --output or delete this file", path, number
        ) from None


def _settings(model: str, types: list[str], threshold: float | None) -> dict[str, Any]:
    return {"model": model, "types": types, "threshold": threshold}


def _meta_path(output: Path) -> Path:
    return output.with_name(output.name + ".meta.json")


def _check_meta(output: Path, settings: dict[str, Any], resuming: bool) -> None:
    """Refuse to resume an output made with other settings; record them on a fresh start."""
    meta = _meta_path(output)
    if resuming and meta.is_file():
        try:
            before = json.loads(meta.read_text(encoding="utf-8"))["config"]
        except (ValueError, KeyError, TypeError, OSError):
            raise DataFormatError("unreadable settings file of a previous run", meta) from None
        changed = [key for key in settings if before.get(key) != settings[key]]
        if changed:
            detail = "; ".join(f"{k}: was {before.get(k)!r}, now {settings[k]!r}" for k in changed)
            raise ConfigError(
                f"{output} was started with other settings ({detail}); "
                "use another --output, or delete it to start again"
            )
        return
    meta.write_text(json.dumps(provenance(settings), indent=2) + "\n", encoding="utf-8")


def extract_file(
    model: BatchExtractor,
    input_path: str | Path,
    output_path: str | Path,
    types: Sequence[str],
    threshold: float | None = None,
    batch_size: int = 8,
    progress: bool = True,
) -> BatchResult:
    """Extract ``types`` from every document of ``input_path`` into ``output_path`` (resumable)."""
    input_path, output_path = Path(input_path), Path(output_path)
    if batch_size < 1:
        raise ConfigError(f"batch size must be at least 1, got {batch_size}")
    if input_path.resolve() == output_path.resolve():
        raise ConfigError(f"--input and --output are the same file ({input_path})")
    clean_types = validate_types(types)
    expected = _check_input(input_path)
    done = repair_output(output_path)
    _check_meta(output_path, _settings(model.name, clean_types, threshold), resuming=bool(done))
    skipped = len(done & expected.keys())
    pending = len(expected) - skipped
    processed = 0
    with output_path.open("a", encoding="utf-8") as out, tqdm(
        total=pending, unit="doc", desc="extract", disable=not progress, file=sys.stderr
    ) as bar:
        batch: list[tuple[Any, str]] = []
        for _, doc_id, text in read_documents(input_path):
            if _id_key(doc_id) in done:
                continue
            batch.append((doc_id, text))
            if len(batch) == batch_size:
                processed += _write_batch(model, batch, clean_types, threshold, out)
                bar.update(len(batch))
                batch = []
        if batch:
            processed += _write_batch(model, batch, clean_types, threshold, out)
            bar.update(len(batch))
    return BatchResult(total=len(expected), skipped=skipped, processed=processed, output=output_path)


def _write_batch(
    model: BatchExtractor, batch: list[tuple[Any, str]], types: list[str], threshold: float | None, out: Any
) -> int:
    results = model.extract_batch([text for _, text in batch], types, threshold)
    lines = [
        json.dumps({"id": doc_id, "entities": [entity_record(e) for e in entities]}, ensure_ascii=False) + "\n"
        for (doc_id, _), entities in zip(batch, results)
    ]
    # One write per batch, then flush and fsync: a crash tears at most this batch.
    out.write("".join(lines))
    out.flush()
    os.fsync(out.fileno())
    return len(batch)
