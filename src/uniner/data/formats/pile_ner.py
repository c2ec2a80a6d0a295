"""Pile-NER restricted to its 391 most frequent types (``distilled/pile_ner_391``).

Two views of the same ChatGPT labels:

- ``passages_bio.txt``: 2,217 passages, regex-tokenised, BIO-tagged for the 391
  types of ``labels.txt``.  Types outside those 391 were removed from the tags,
  so a passage is vouched for the 391 types only: ``labelled_types`` = the 391
  types (not ``None``: an "other" entity of an unlisted type may be untagged).
- ``queries.jsonl``: 1,320 (passage, type) questions with the raw passage text,
  ``{"doc_question_pairID": "<passage>:<n>", "tagName", "input", "output"}``;
  ``output`` is the JSON list of mentions.  Grouped by passage, each passage is
  labelled for the types asked of it only.  ``queries_with_definitions.jsonl``
  has the same inputs and outputs (three fewer questions) and only a longer
  instruction, so the folder loader reads ``queries.jsonl``.

The folder loader merges the two views (see ``uniner.data.merge``): 868 of the
882 query passages are BIO passages; each merged Example keeps the raw text of
the query file, the BIO entities moved onto it, the query answers added, and is
labelled for the 391 types plus the asked ones.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from pathlib import Path

from uniner.data.bio import read_bio, read_labels
from uniner.data.conversations import parse_answer_list
from uniner.data.formats.base import (
    DISTILLED,
    FORMATS,
    DistilledSet,
    FileHead,
    Format,
    LoadStats,
    iter_json_lines,
    reporting,
    require,
)
from uniner.data.formats.mentions import entities_from_mentions
from uniner.data.merge import merge_group, passage_key
from uniner.errors import DataFormatError
from uniner.types import Example

DATASET = "pile_ner_391"
BAD_ANSWER = "answer that is not a JSON list of strings (type not counted as labelled)"


@reporting
def read_pile_ner_bio(
    path: str | Path, labels_path: str | Path | None = None, *, stats: LoadStats | None = None
) -> Iterator[Example]:
    """Passages of ``passages_bio.txt``, labelled for the types of ``labels.txt`` beside it."""
    assert stats is not None  # supplied by @reporting
    path = Path(path)
    labels_file = Path(labels_path) if labels_path is not None else path.parent / "labels.txt"
    labels = frozenset(read_labels(labels_file))
    for example in read_bio(path, dataset=DATASET, id_prefix=f"{DATASET}-bio"):
        stats.records += 1
        unknown = {e.type for e in example.entities} - labels
        if unknown:
            raise DataFormatError(f"example {example.id}: tags {sorted(unknown)} are not in {labels_file}", path)
        stats.mentions += len(example.entities)
        yield dataclasses.replace(example, labelled_types=labels)


@reporting
def read_pile_ner_queries(path: str | Path, *, stats: LoadStats | None = None) -> Iterator[Example]:
    """One Example per passage of a queries file, labelled for the types asked of it.

    Questions of one passage need not be adjacent, so the (small) file is
    grouped in memory, passages in order of first appearance.
    """
    assert stats is not None  # supplied by @reporting
    path = Path(path)
    passages: dict[str, tuple[str, int]] = {}
    asked: dict[str, list[tuple[str, list[str]]]] = {}
    for number, record in iter_json_lines(path):
        require(record, {"doc_question_pairID": str, "tagName": str, "input": str, "output": str}, path, number)
        stats.records += 1
        passage_id = record["doc_question_pairID"].partition(":")[0]
        text = record["input"]
        seen = passages.setdefault(passage_id, (text, number))
        if seen[0] != text:
            raise DataFormatError(f"passage {passage_id} has a different text than on line {seen[1]}", path, number)
        answer = parse_answer_list(record["output"])
        if answer is None:
            stats.drop(BAD_ANSWER)
            continue
        asked.setdefault(passage_id, []).append((record["tagName"].strip(), answer))
    for passage_id, (text, _) in passages.items():
        questions = asked.get(passage_id, [])
        if not text.strip() or not questions:
            stats.drop("passage with no usable question" if text.strip() else "empty passage")
            continue
        pairs = [(mention, type_) for type_, answer in questions for mention in answer]
        entities = entities_from_mentions(text, pairs, stats)
        types = frozenset(type_ for type_, _ in questions)
        yield Example(f"{DATASET}-q{passage_id}", text, entities, DATASET, types)


@reporting
def load_pile_ner_folder(folder: Path, *, stats: LoadStats | None = None) -> Iterator[Example]:
    """BIO passages merged with the query answers about them, then the query-only passages."""
    assert stats is not None  # supplied by @reporting
    bio_path, queries_path = folder / "passages_bio.txt", folder / "queries.jsonl"
    if not bio_path.is_file():
        raise DataFormatError("Pile-NER BIO file is missing", bio_path)
    queries: dict[str, Example] = {}
    if queries_path.is_file():
        queries = {passage_key(e.text): e for e in read_pile_ner_queries(queries_path, stats=stats)}
    for example in read_pile_ner_bio(bio_path, stats=stats):
        extra = queries.pop(passage_key(example.text), None)
        if extra is None:
            yield example
            continue
        stats.merged += 1
        yield merge_group([example, extra], stats)
    yield from queries.values()


def _sniff_queries(head: FileHead) -> bool:
    first = head.first
    return head.shape == "json-lines" and isinstance(first, dict) and {"doc_question_pairID", "tagName"} <= set(first)


FORMATS.register(
    "pile_ner_queries.v1",
    Format(
        "pile_ner_queries.v1",
        'JSON lines {"doc_question_pairID", "tagName", "input", "output"}: one (passage, type) question each',
        read_pile_ner_queries,
        _sniff_queries,
    ),
)
DISTILLED.register(
    DATASET,
    DistilledSet(
        DATASET,
        "pile_ner_391",
        "2,217 Pile-NER passages BIO-tagged for its 391 most frequent types, merged with 1,320 type queries",
        "partial: labelled_types = the 391 types (+ types asked in queries.jsonl)",
        "CC BY-NC 4.0 (Pile-NER)",
        "passages_bio.txt",
        load_pile_ner_folder,
    ),
)
