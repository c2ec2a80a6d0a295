"""Pile-NER sentences labelled for ONE type each (``pile_ner_sentences/sentences.jsonl``).

A line is ``{"text", "entity_type", "mentions": [...], "example_kind":
"positive"|"negative", "source"}``.  Only ``entity_type`` is vouched for: other
types in the sentence are unlabelled, not absent.  So every Example is partial,
``labelled_types={entity_type}``; a negative sentence is a real negative for
that one type only.  The same sentence appears once per type it was chosen for;
``load_source`` merges those lines into one Example labelled for all of them.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

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
from uniner.errors import DataFormatError
from uniner.types import Example

DATASET = "pile_ner_sentences"
KINDS = ("positive", "negative")


@reporting
def read_sentences(path: str | Path, *, stats: LoadStats | None = None, dataset: str = DATASET) -> Iterator[Example]:
    assert stats is not None  # supplied by @reporting
    path = Path(path)
    for number, record in iter_json_lines(path):
        require(record, {"text": str, "entity_type": str, "mentions": list, "example_kind": str}, path, number)
        if record["example_kind"] not in KINDS:
            raise DataFormatError(
                f"example_kind must be one of {', '.join(KINDS)}, got {record['example_kind']!r}", path, number
            )
        if not all(isinstance(m, str) for m in record["mentions"]):
            raise DataFormatError("'mentions' must be a list of strings", path, number)
        stats.records += 1
        text, type_ = record["text"], record["entity_type"].strip()
        if not text.strip() or not type_:
            stats.drop("empty sentence or type")
            continue
        positive = record["example_kind"] == "positive"
        if positive != bool(record["mentions"]):
            # A "positive" without mentions (or a "negative" with some) contradicts itself.
            stats.drop("sentence whose example_kind contradicts its mentions")
            continue
        entities = entities_from_mentions(text, [(m, type_) for m in record["mentions"]], stats)
        if positive and not entities:
            # Loading it would turn a positive into a negative for its one type.
            stats.drop("positive sentence with no locatable mention")
            continue
        yield Example(f"{dataset}-{number}", text, entities, dataset, frozenset({type_}))


@reporting
def load_sentences_folder(folder: Path, *, stats: LoadStats | None = None) -> Iterator[Example]:
    path = folder / "sentences.jsonl"
    if not path.is_file():
        raise DataFormatError("sentences file is missing", path)
    yield from read_sentences(path, stats=stats)


def _sniff(head: FileHead) -> bool:
    first = head.first
    return head.shape == "json-lines" and isinstance(first, dict) and {"entity_type", "mentions", "text"} <= set(first)


FORMATS.register(
    "pile_ner_sentences.v1",
    Format(
        "pile_ner_sentences.v1",
        'JSON lines {"text", "entity_type", "mentions", "example_kind"}: one type labelled per sentence',
        read_sentences,
        _sniff,
        repeats_passages=True,
    ),
)
DISTILLED.register(
    DATASET,
    DistilledSet(
        DATASET,
        "pile_ner_sentences",
        "3,091 Pile-NER sentences, each labelled for one type (SLIMER / MSEQA examples)",
        "partial: labelled_types={entity_type}",
        "CC BY-NC 4.0 + OpenAI terms",
        "sentences.jsonl",
        load_sentences_folder,
    ),
)
