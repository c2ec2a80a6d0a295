"""System output -> ``PredictionSet``: from a predictor's entities, or from a JSONL file
of raw answers (``{"id": <query id in the gold file>, "output": "<raw answer>"}``)."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from uniner.errors import ConfigError, DataFormatError
from uniner.eval.answers import format_answer
from uniner.eval.sets import GoldSet, PredictionSet
from uniner.types import Entity, check_entities


def answers_from_entities(gold: GoldSet, entities: Sequence[Sequence[Entity]]) -> dict[str, str]:
    """Each query's answer: the passage's entities of that type, surface strings in text order."""
    answers = {}
    for query in gold.queries:
        ordered = sorted(entities[query.passage], key=lambda e: (e.start, e.end))
        answers[query.id] = format_answer([e.text for e in ordered if e.type == query.type])
    return answers


def canonical_types(entities: Sequence[Entity], types: Sequence[str]) -> tuple[Entity, ...]:
    """Entities re-typed to the asked spelling (type names compare case-insensitively);
    entities of types that were not asked are dropped."""
    spelling = {t.casefold(): t for t in types}
    out = []
    for entity in entities:
        asked = spelling.get(entity.type.strip().casefold())
        if asked is not None:
            out.append(
                entity if entity.type == asked else Entity(entity.text, asked, entity.start, entity.end, entity.score)
            )
    return tuple(out)


def predict_passages(
    predict: Callable[[Sequence[str], Sequence[str]], list[list[Entity]]],
    gold: GoldSet,
    batch_size: int,
    on_batch: Callable[[int], None] = lambda n: None,
) -> tuple[tuple[Entity, ...], ...]:
    """Run ``predict`` over every passage of ``gold`` with all its types, in batches."""
    if batch_size < 1:
        raise ConfigError(f"batch size must be at least 1, got {batch_size}")
    out: list[tuple[Entity, ...]] = []
    for start in range(0, len(gold.passages), batch_size):
        batch = gold.passages[start : start + batch_size]
        result = predict(list(batch), list(gold.types))
        if len(result) != len(batch):
            raise ConfigError(f"the predictor returned {len(result)} results for {len(batch)} texts")
        for offset, (text, entities) in enumerate(zip(batch, result)):
            check_entities(text, entities, where=f"{gold.name} passage {start + offset}: ")
            out.append(canonical_types(entities, gold.types))
        on_batch(len(batch))
    return tuple(out)


@dataclass(frozen=True)
class AnswerFile:
    answers: dict[str, str]
    lines: dict[str, int]  # id -> line number, for error messages


def read_answer_file(path: Path) -> AnswerFile:
    """Parse a predictions JSONL file; a malformed line is a ``DataFormatError`` with file:line."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as err:
        raise DataFormatError(f"cannot read predictions file ({err.strerror})", path) from None
    except UnicodeDecodeError as err:
        raise DataFormatError(f"predictions file is not UTF-8 ({err.reason} at byte {err.start})", path) from None
    answers: dict[str, str] = {}
    lines: dict[str, int] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as err:
            raise DataFormatError(f"invalid JSON: {err.msg}", path, number) from None
        query_id, output = _check_record(record, path, number)
        if query_id in answers:
            raise DataFormatError(f"id {query_id!r} already answered on line {lines[query_id]}", path, number)
        answers[query_id] = output
        lines[query_id] = number
    return AnswerFile(answers, lines)


def _check_record(record: object, path: Path, number: int) -> tuple[str, str]:
    if not isinstance(record, dict) or "id" not in record or "output" not in record:
        raise DataFormatError('expected {"id": <query id>, "output": "<raw answer>"}', path, number)
    query_id, output = record["id"], record["output"]
    if isinstance(query_id, bool) or not isinstance(query_id, (str, int)):
        raise DataFormatError(f"'id' must be a string or an integer, got {query_id!r}", path, number)
    if not isinstance(output, str):
        raise DataFormatError(f"'output' must be a string (the raw answer), got {type(output).__name__}", path, number)
    return str(query_id), output


def answers_for(gold: GoldSet, answer_file: AnswerFile, path: Path, gold_path: Path) -> tuple[PredictionSet, int]:
    """The predictions for ``gold`` and the number of its queries left unanswered.

    An id that is not a query of the gold file is an error (the files do not belong together).
    """
    known = {q.id for q in gold.queries}
    for query_id, number in answer_file.lines.items():
        if query_id not in known:
            raise DataFormatError(f"id {query_id!r} is not a query id of the gold file {gold_path}", path, number)
    missing = sum(1 for q in gold.queries if q.id not in answer_file.answers)
    return PredictionSet(answers=answer_file.answers), missing
