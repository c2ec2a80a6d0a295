"""Read the documents to annotate: JSON lines ``{"id", "text"}``, text files, or folders.

A ``.jsonl`` file holds one document per line; any other file is one document
whose id is its file name without the suffix (for files found in a folder:
the path relative to that folder, without the suffix).  Folders are searched
recursively for ``*.txt`` and ``*.jsonl``, in sorted order.  Every problem is a
``DataFormatError`` naming the file (and line): a missing file, bytes that are
not UTF-8, invalid JSON, a missing or non-string field, a duplicate id.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from uniner.errors import DataFormatError

FOLDER_PATTERNS = ("*.txt", "*.jsonl")


@dataclass(frozen=True, slots=True)
class Document:
    id: str
    text: str


def read_documents(inputs: Iterable[str | Path]) -> list[Document]:
    """All documents of ``inputs``, in order; ids must be unique across all of them."""
    docs: list[Document] = []
    seen: dict[str, str] = {}
    for source in inputs:
        for where, doc in _documents(Path(source)):
            if doc.id in seen:
                raise DataFormatError(f"duplicate document id {doc.id!r} (first seen at {seen[doc.id]})", where)
            seen[doc.id] = where
            docs.append(doc)
    return docs


def _documents(path: Path) -> Iterator[tuple[str, Document]]:
    if path.is_dir():
        files = sorted({f for pattern in FOLDER_PATTERNS for f in path.rglob(pattern) if f.is_file()})
        if not files:
            raise DataFormatError(f"folder has no {' or '.join(FOLDER_PATTERNS)} files", path)
        for file in files:
            yield from _file_documents(file, file.relative_to(path).with_suffix("").as_posix())
        return
    if not path.exists():
        raise DataFormatError("no such file or folder", path)
    yield from _file_documents(path, path.stem)


def _file_documents(path: Path, text_id: str) -> Iterator[tuple[str, Document]]:
    text = _read_text(path)
    if path.suffix != ".jsonl":
        yield str(path), Document(text_id, text)
        return
    for number, line in enumerate(text.splitlines(), start=1):
        if line.strip():
            yield f"{path}:{number}", _json_document(line, path, number)


def _read_text(path: Path) -> str:
    try:
        raw = path.read_bytes()
    except OSError as err:
        raise DataFormatError(f"cannot read ({err.strerror})", path) from None
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as err:
        line = raw[: err.start].count(b"\n") + 1
        raise DataFormatError(f"not UTF-8 ({err.reason} at byte {err.start})", path, line) from None


def _json_document(line: str, path: Path, number: int) -> Document:
    try:
        record = json.loads(line)
    except json.JSONDecodeError as err:
        raise DataFormatError(f"invalid JSON: {err.msg}", path, number) from None
    if not isinstance(record, dict):
        raise DataFormatError('expected an object {"id": ..., "text": ...}', path, number)
    doc_id, text = record.get("id"), record.get("text")
    if isinstance(doc_id, int) and not isinstance(doc_id, bool):
        doc_id = str(doc_id)
    if not isinstance(doc_id, str) or not doc_id:
        raise DataFormatError('"id" must be a non-empty string or an integer', path, number)
    if not isinstance(text, str):
        raise DataFormatError(f'document {doc_id!r}: "text" must be a string', path, number)
    return Document(doc_id, text)
