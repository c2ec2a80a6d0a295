"""UniversalNER conversation JSON -> Examples (the official Pile-NER file, SEC 10-K, uniner_test.json).

Each question ``What describes {type} in the text?`` is answered with a JSON
list of mention strings; the mentions are placed in the passage under the
policy of ``formats.mentions``.  Pile-NER asks each passage about its positive
types plus sampled negative types, and every asked type's answer is complete
for that passage, so an Example is labelled for exactly the asked types
(``labelled_types`` = asked types whose answer parsed).  An answer that is not a
JSON list of strings is dropped with its type, which is then not vouched for.

Evaluation files hold one question per record; consecutive records about the
same passage are grouped into one Example.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from uniner.data.conversations import Conversation, parse_answer_list, read_conversations
from uniner.data.formats.base import DISTILLED, FORMATS, DistilledSet, FileHead, Format, LoadStats, reporting
from uniner.data.formats.mentions import entities_from_mentions
from uniner.errors import DataFormatError
from uniner.types import Example

SEC10K = "sec10k_gpt35"
BAD_ANSWER = "answer that is not a JSON list of strings (type not counted as labelled)"


@reporting
def read_conversation_examples(
    path: str | Path, *, stats: LoadStats | None = None, dataset: str | None = None
) -> Iterator[Example]:
    """Examples of a conversation file; ``dataset`` defaults to each record's ``Dataset:`` tag, else the file stem."""
    assert stats is not None  # supplied by @reporting
    path = Path(path)
    group: list[Conversation] = []
    for conv in read_conversations(path):
        stats.records += 1
        if group and (conv.passage != group[0].passage or conv.dataset_tag != group[0].dataset_tag):
            yield from _example(group, dataset or group[0].dataset_tag or path.stem, stats)
            group = []
        group.append(conv)
    if group:
        yield from _example(group, dataset or group[0].dataset_tag or path.stem, stats)


def conversation_to_example(conv: Conversation, dataset: str, stats: LoadStats) -> Example | None:
    """One conversation as an Example, or ``None`` if none of its answers is usable (counted)."""
    return next(_example([conv], dataset, stats), None)


def _example(group: list[Conversation], dataset: str, stats: LoadStats) -> Iterator[Example]:
    passage = group[0].passage
    pairs: list[tuple[str, str]] = []
    types: set[str] = set()
    for conv in group:
        for query in conv.queries:
            answer = parse_answer_list(query.answer)
            if answer is None:
                stats.drop(BAD_ANSWER)
                continue
            types.add(query.type.strip())
            pairs.extend((mention, query.type) for mention in answer)
    if not types:
        stats.drop("passage with no usable question")
        return
    entities = entities_from_mentions(passage, pairs, stats)
    yield Example(group[0].id or f"{dataset}-{stats.records}", passage, entities, dataset, frozenset(types))


@reporting
def load_sec10k_folder(folder: Path, *, stats: LoadStats | None = None) -> Iterator[Example]:
    path = folder / "sec10k_uniner_conversations.json"
    if not path.is_file():
        raise DataFormatError("SEC 10-K conversation file is missing", path)
    yield from read_conversation_examples(path, stats=stats, dataset=SEC10K)


def _sniff(head: FileHead) -> bool:
    return head.shape in ("json-array", "json-lines") and isinstance(head.first, dict) and "conversations" in head.first


FORMATS.register(
    "uniner_conversations.v1",
    Format(
        "uniner_conversations.v1",
        'UniversalNER conversation JSON {"id", "conversations": [...]} (Pile-NER training file or uniner_test.json)',
        read_conversation_examples,
        _sniff,
    ),
)
DISTILLED.register(
    SEC10K,
    DistilledSet(
        SEC10K,
        "sec10k_gpt35",
        "2,728 SEC 10-K passages labelled by gpt-3.5-turbo-instruct for 15 fixed types (noisy)",
        "partial: labelled_types = the types asked of the passage (the 15 fixed ones, plus any extra)",
        "MIT repo; OpenAI terms",
        "sec10k_uniner_conversations.json",
        load_sec10k_folder,
    ),
)
