"""A bare CoNLL / BIO file given by path: fully labelled, entity types as the tags spell them.

A directory in the benchmark layout (``{train,dev,test}.txt`` + ``labels.txt``)
goes through the dataset registry instead (``uniner.data.datasets``), which
also maps coded tags to natural-language names.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from uniner.data.bio import read_bio
from uniner.data.formats.base import FORMATS, FileHead, Format, LoadStats, reporting
from uniner.types import Example


@reporting
def read_bio_file(path: str | Path, *, stats: LoadStats | None = None, dataset: str | None = None) -> Iterator[Example]:
    assert stats is not None  # supplied by @reporting
    path = Path(path)
    for example in read_bio(path, dataset=dataset or path.stem):
        stats.records += 1
        stats.mentions += len(example.entities)
        yield example


def _sniff(head: FileHead) -> bool:
    if head.shape != "text":
        return False
    rows = [line for line in head.lines if not line.startswith("-DOCSTART-")]
    if not rows:
        return False
    for line in rows:
        parts = line.split("\t") if "\t" in line else line.split()
        parts = [p for p in parts if p]
        if len(parts) < 2:
            return False
        tag = parts[-1]
        if tag != "O" and not (len(tag) > 2 and tag[:2] in ("B-", "I-")):
            return False
    return True


FORMATS.register(
    "bio.v1",
    Format("bio.v1", "CoNLL / BIO text: 'token<TAB>tag' per line, blank line between sentences", read_bio_file, _sniff),
)
