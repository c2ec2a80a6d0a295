"""GLiNER training format: ``[{"tokenized_text": [...], "ner": [[start_tok, end_tok, type], ...]}]``.

Token indices are *inclusive* at both ends (GLiNER's convention).  The text is
the tokens joined by single spaces, as for BIO files, so a token's character
offsets follow from the lengths of the tokens before it.  GLiNER data is
open-type and labelled for every entity the teacher found: ``labelled_types=None``.
"""

from __future__ import annotations

from collections.abc import Iterator
from itertools import accumulate
from pathlib import Path
from typing import Any

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
from uniner.data.formats.mentions import spans_to_entities
from uniner.errors import DataFormatError
from uniner.types import Example

DATASET = "gliner_sample"


@reporting
def read_gliner(path: str | Path, *, stats: LoadStats | None = None, dataset: str | None = None) -> Iterator[Example]:
    assert stats is not None  # supplied by @reporting
    path = Path(path)
    name = dataset or path.stem
    for index, record in enumerate(read_json_array(path)):
        where = f"element {index}: "
        require(record, {"tokenized_text": list, "ner": list}, path, None, where)
        tokens = record["tokenized_text"]
        if not all(isinstance(t, str) for t in tokens):
            raise DataFormatError(f"{where}'tokenized_text' must be a list of strings", path)
        stats.records += 1
        text = " ".join(tokens)
        if not text.strip():
            stats.drop("empty passage")
            continue
        # starts[i] / ends[i]: character offsets of token i in the joined text.
        ends = list(accumulate((len(t) + 1 for t in tokens), initial=-1))[1:]
        starts = [end - len(token) for token, end in zip(tokens, ends)]
        spans = set()
        for number, item in enumerate(record["ner"]):
            first, last, type_ = _span(item, len(tokens), path, f"{where}ner {number}: ")
            stats.mentions += 1
            start, end = starts[first], ends[last]
            if end <= start or not type_.strip() or not text[start:end].strip():
                stats.drop("empty span or type")
                continue
            spans.add((start, end, type_.strip()))
        yield Example(f"{name}-{index}", text, spans_to_entities(text, spans, stats), name, None)


def _span(item: Any, n_tokens: int, path: Path, where: str) -> tuple[int, int, str]:
    valid = (
        isinstance(item, list)
        and len(item) == 3
        and all(isinstance(i, int) and not isinstance(i, bool) for i in item[:2])
        and isinstance(item[2], str)
    )
    if not valid:
        raise DataFormatError(f"{where}expected [start_token, end_token, type], got {item!r}", path)
    first, last, type_ = item
    if not 0 <= first <= last < n_tokens:
        raise DataFormatError(
            f"{where}token span [{first}, {last}] (inclusive) is invalid for {n_tokens} tokens "
            f"(need 0 <= start <= end < {n_tokens})",
            path,
        )
    return first, last, type_


@reporting
def load_gliner_folder(folder: Path, *, stats: LoadStats | None = None) -> Iterator[Example]:
    path = folder / "sample_data.json"
    if not path.is_file():
        raise DataFormatError("GLiNER sample file is missing", path)
    yield from read_gliner(path, stats=stats, dataset=DATASET)


def _sniff(head: FileHead) -> bool:
    return head.shape == "json-array" and isinstance(head.first, dict) and "tokenized_text" in head.first


FORMATS.register(
    "gliner.v1",
    Format(
        "gliner.v1",
        'JSON array of {"tokenized_text": [...], "ner": [[first_token, last_token, type]]} (GLiNER, inclusive)',
        read_gliner,
        _sniff,
    ),
)
DISTILLED.register(
    DATASET,
    DistilledSet(
        DATASET,
        "gliner_sample",
        "64 sentences with 144 free-form types in GLiNER's training format",
        "fully labelled (open types): labelled_types=None",
        "Apache-2.0 repo",
        "sample_data.json",
        load_gliner_folder,
    ),
)
