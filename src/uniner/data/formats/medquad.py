"""MedQuAD passages labelled by gemini-2.5-flash-lite with free-form types.

A file is a JSON array of ``{"text", "entities": [{"entity", "types": [...]}],
"negative_entities": [...]}``.  The teacher was asked for every entity of the
passage, so an Example is fully labelled (``labelled_types=None``).  An entity
may carry several types: each occurrence becomes one ``Entity`` per type.
``negative_entities`` pairs a mention with a type it does *not* have (``neck``
is not a condition); an ``Example`` cannot say "not this type", so they are
counted as unused rather than loaded.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

from uniner.data.formats.base import (
    DISTILLED,
    FORMATS,
    DistilledSet,
    FileHead,
    Format,
    LoadStats,
    read_json_array,
    reporting,
    require,
)
from uniner.data.formats.mentions import entities_from_mentions
from uniner.errors import DataFormatError
from uniner.types import Example

DATASET = "medquad_gemini"
FILE_PATTERN = "json_outputs*.json"
NEGATIVES = "negative_entities (mention-is-not-type pairs)"


@reporting
def read_medquad(path: str | Path, *, stats: LoadStats | None = None, dataset: str = DATASET) -> Iterator[Example]:
    """Stream the passages of one ``json_outputs*.json`` file."""
    assert stats is not None  # supplied by @reporting
    path = Path(path)
    for index, record in enumerate(read_json_array(path)):
        where = f"element {index}: "
        require(record, {"text": str, "entities": list}, path, None, where)
        stats.records += 1
        if not record["text"].strip():
            stats.drop("empty passage")
            continue
        pairs = list(_mention_type_pairs(record["entities"], path, where, stats))
        negatives = len(record.get("negative_entities") or ())
        if negatives:
            stats.ignored[NEGATIVES] += negatives
        entities = entities_from_mentions(record["text"], pairs, stats)
        yield Example(f"{dataset}-{path.stem}-{index}", record["text"], entities, dataset, None)


def _mention_type_pairs(items: list[object], path: Path, where: str, stats: LoadStats) -> Iterator[tuple[str, str]]:
    for number, item in enumerate(items):
        entry = require(item, {"entity": str, "types": list}, path, None, f"{where}entity {number}: ")
        types = [t for t in entry["types"] if isinstance(t, str) and t.strip()]
        if len(types) != len(entry["types"]):
            stats.drop("empty or non-string type", len(entry["types"]) - len(types))
        for type_ in dict.fromkeys(t.strip() for t in types):
            yield entry["entity"], type_


def _file_number(path: Path) -> tuple[int, str]:
    digits = re.findall(r"\d+", path.stem)
    return (int(digits[-1]) if digits else -1, path.name)


@reporting
def load_medquad_folder(folder: Path, *, stats: LoadStats | None = None) -> Iterator[Example]:
    assert stats is not None  # supplied by @reporting
    files = sorted(folder.glob(FILE_PATTERN), key=_file_number)
    if not files:
        raise DataFormatError(f"no {FILE_PATTERN} files in the MedQuAD folder", folder)
    for path in files:
        yield from read_medquad(path, stats=stats)


def _sniff(head: FileHead) -> bool:
    first = head.first
    if head.shape != "json-array" or not isinstance(first, dict):
        return False
    entities = first.get("entities")
    return (
        isinstance(first.get("text"), str)
        and isinstance(entities, list)
        and (not entities or (isinstance(entities[0], dict) and "types" in entities[0]))
    )


FORMATS.register(
    "medquad_gemini.v1",
    Format(
        "medquad_gemini.v1",
        'JSON array of {"text", "entities": [{"entity", "types": [...]}]} (MedQuAD, gemini labels)',
        read_medquad,
        _sniff,
        repeats_passages=True,
    ),
)
DISTILLED.register(
    DATASET,
    DistilledSet(
        DATASET,
        "medquad_gemini",
        "2,993 MedQuAD answers labelled by gemini-2.5-flash-lite with free-form types",
        "fully labelled (open types): labelled_types=None",
        "texts mostly public domain; no licence file",
        "json_outputs1.json",
        load_medquad_folder,
    ),
)
