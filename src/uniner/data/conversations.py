"""UniversalNER conversation JSON, both shapes, read and written.

A record is ``{"id", "conversations": [{"from": "human"|"gpt", "value": ...}]}``:
human ``Text: {passage}`` (``Dataset: {name}\\nText: {passage}`` in the supervised
setting), gpt ``I've read this text.``, then for each type a human
``What describes {type} in the text?`` and a gpt answer (a JSON list).  The
official evaluation files hold one question per record; the Pile-NER training
file holds all questions of a passage in one record.  Files are a JSON array or
JSON lines of such records.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from uniner.errors import DataFormatError

READ_REPLY = "I've read this text."
TEXT_PREFIX = "Text: "
DATASET_PREFIX = "Dataset: "
_QUESTION = re.compile(r"^What describes (?P<type>.+) in the text\?$", re.DOTALL)


def question_for(type_name: str) -> str:
    return f"What describes {type_name} in the text?"


@dataclass(frozen=True, slots=True)
class Query:
    """One question: the entity type asked for and the raw answer string."""

    type: str
    answer: str


@dataclass(frozen=True, slots=True)
class Conversation:
    id: str
    passage: str
    queries: list[Query] = field(default_factory=list)
    dataset_tag: str | None = None


def first_turn(passage: str, dataset_tag: str | None = None) -> str:
    text = f"{TEXT_PREFIX}{passage}"
    return f"{DATASET_PREFIX}{dataset_tag}\n{text}" if dataset_tag is not None else text


def conversation_to_record(conv: Conversation) -> dict[str, Any]:
    turns = [
        {"from": "human", "value": first_turn(conv.passage, conv.dataset_tag)},
        {"from": "gpt", "value": READ_REPLY},
    ]
    for query in conv.queries:
        turns.append({"from": "human", "value": question_for(query.type)})
        turns.append({"from": "gpt", "value": query.answer})
    return {"id": conv.id, "conversations": turns}


def record_to_conversation(record: Any, where: str = "") -> Conversation:
    """Validate one record; ``where`` prefixes error messages (``record 12: ``)."""
    if not isinstance(record, dict) or not isinstance(record.get("conversations"), list):
        raise DataFormatError(f"{where}expected an object with a 'conversations' list")
    turns = record["conversations"]
    if len(turns) < 2 or len(turns) % 2:
        raise DataFormatError(f"{where}expected an even number (>= 2) of turns, got {len(turns)}")
    values: list[str] = []
    for i, turn in enumerate(turns):
        expected = "human" if i % 2 == 0 else "gpt"
        if not isinstance(turn, dict) or turn.get("from") != expected or not isinstance(turn.get("value"), str):
            raise DataFormatError(f"{where}turn {i} must be {{'from': '{expected}', 'value': <string>}}")
        values.append(turn["value"])
    dataset_tag, passage = _parse_first_turn(values[0], where)
    queries = []
    for i in range(2, len(values), 2):
        match = _QUESTION.match(values[i])
        if not match:
            raise DataFormatError(f"{where}turn {i} is not 'What describes <type> in the text?': {values[i][:80]!r}")
        queries.append(Query(match.group("type"), values[i + 1]))
    conv_id = record.get("id")
    return Conversation(str(conv_id) if conv_id is not None else "", passage, queries, dataset_tag)


def _parse_first_turn(value: str, where: str) -> tuple[str | None, str]:
    dataset_tag = None
    if value.startswith(DATASET_PREFIX):
        head, sep, rest = value.partition("\n")
        if not sep:
            raise DataFormatError(f"{where}'Dataset:' turn has no 'Text:' line")
        dataset_tag, value = head[len(DATASET_PREFIX):], rest
    if not value.startswith(TEXT_PREFIX):
        raise DataFormatError(f"{where}first turn must start with 'Text: ', got {value[:40]!r}")
    passage = value[len(TEXT_PREFIX):]
    if not passage.strip():
        raise DataFormatError(f"{where}conversation has an empty passage")
    return dataset_tag, passage


def read_conversations(path: str | Path) -> Iterator[Conversation]:
    """Records of a JSON array or JSON-lines file, validated, in file order."""
    path = Path(path)
    for where, record in _records(path):
        yield record_to_conversation(record, where)


def _records(path: Path) -> Iterator[tuple[str, Any]]:
    try:
        raw = path.read_bytes()
    except OSError as err:
        raise DataFormatError(f"cannot read ({err.strerror})", path) from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as err:
        raise DataFormatError(f"not UTF-8 ({err.reason} at byte {err.start})", path) from None
    if not text.strip():
        raise DataFormatError("file is empty", path)
    if text.lstrip().startswith("["):
        try:
            records = json.loads(text)
        except json.JSONDecodeError as err:
            raise DataFormatError(f"invalid JSON: {err.msg}", path, err.lineno) from None
        for index, record in enumerate(records):
            yield f"{path}: record {index}: ", record
        return
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as err:
            raise DataFormatError(f"invalid JSON: {err.msg}", path, number) from None
        yield f"{path}:{number}: ", record


def write_conversations(path: str | Path, conversations: Iterable[Conversation]) -> int:
    """Write records as JSON lines (``.jsonl``) or a JSON array (anything else).

    Non-ASCII is kept as is and key order is fixed, so equal inputs give equal bytes.
    """
    path = Path(path)
    count = 0
    with path.open("w", encoding="utf-8", newline="\n") as out:
        if path.suffix == ".jsonl":
            for conv in conversations:
                out.write(json.dumps(conversation_to_record(conv), ensure_ascii=False) + "\n")
                count += 1
            return count
        out.write("[")
        for conv in conversations:
            out.write(("," if count else "") + "\n" + json.dumps(conversation_to_record(conv), ensure_ascii=False))
            count += 1
        out.write("\n]\n")
    return count


def parse_answer_list(raw: str) -> list[str] | None:
    """A training answer as a list of strings, or ``None`` if it is not one.

    Lenient only about surrounding whitespace; the scoring rule of the official
    evaluation is stricter and lives in ``uniner.eval``.
    """
    try:
        value = json.loads(raw.strip())
    except (json.JSONDecodeError, ValueError):
        return None
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        return None
    return value
