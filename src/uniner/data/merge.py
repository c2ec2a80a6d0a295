"""One Example per passage: merging records that label the same text.

Several sources slice one passage: Pile-NER's queries ask one type at a time,
its BIO file tokenises the same passages, its one-type sentences repeat a text
once per type.  Fed as they are, the same passage would reach a trainer twice
with different partial labellings.  Instead, records whose text is equal up to
whitespace (``passage_key``) are merged into one Example:

- **text**: the least tokenised spelling (fewest whitespace runs), so the raw
  ``Superior Ct.`` wins over the BIO file's ``Superior Ct .``; entities of the
  other spellings are carried over character by character (the non-whitespace
  characters are identical by construction);
- **entities**: the union (a mention any member vouches for is kept), with the
  same-type nesting rule of ``formats.mentions`` applied again;
- **labelled_types**: ``None`` (fully labelled) if any member is, else the union
  of the members' labelled types;
- **id, dataset**: those of the fullest member (fully labelled, else the most
  labelled types), earlier members first on ties.

Passages that merely contain one another (a sentence inside a longer passage)
are different examples and are not merged.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from uniner.data.formats.base import LoadStats
from uniner.data.formats.mentions import spans_to_entities
from uniner.types import Entity, Example


def passage_key(text: str) -> str:
    """The text without any whitespace: equal keys mean the same passage, tokenised or not."""
    return "".join(text.split())


def merge_examples(examples: Iterable[Example], stats: LoadStats) -> Iterator[Example]:
    """Merge records of the same passage; order is that of each passage's first record.

    Holds every example in memory (distilled sets are tens of MB at most).
    """
    groups: dict[str, list[Example]] = {}
    for example in examples:
        groups.setdefault(passage_key(example.text), []).append(example)
    for members in groups.values():
        stats.merged += len(members) - 1
        yield merge_group(members, stats) if len(members) > 1 else members[0]


def merge_group(members: list[Example], stats: LoadStats) -> Example:
    """One Example from records whose texts have the same ``passage_key``."""
    text = min((m.text for m in members), key=_whitespace_runs)
    fullest = min(range(len(members)), key=lambda i: (_labelling_rank(members[i]), i))
    spans = {(e.start, e.end, e.type) for member in members for e in _project(member.entities, member.text, text)}
    labelled: frozenset[str] | None = None
    if all(m.labelled_types is not None for m in members):
        labelled = frozenset().union(*(m.labelled_types or () for m in members))
    return Example(
        members[fullest].id,
        text,
        spans_to_entities(text, spans, stats),
        members[fullest].dataset,
        labelled,
    )


def _whitespace_runs(text: str) -> int:
    return len(text.split())


def _labelling_rank(example: Example) -> tuple[int, int]:
    if example.labelled_types is None:
        return (0, 0)
    return (1, -len(example.labelled_types))


def _project(entities: Iterable[Entity], source: str, target: str) -> Iterator[Entity]:
    """Move entities from ``source`` to ``target``, texts equal up to whitespace."""
    if source == target:
        yield from entities
        return
    source_rank = {pos: rank for rank, pos in enumerate(i for i, c in enumerate(source) if not c.isspace())}
    target_pos = [i for i, c in enumerate(target) if not c.isspace()]
    for e in entities:
        # An entity never starts or ends on whitespace once trimmed; trim defensively.
        start, end = e.start, e.end
        while start < end and source[start].isspace():
            start += 1
        while end > start and source[end - 1].isspace():
            end -= 1
        if start == end:
            continue
        new_start = target_pos[source_rank[start]]
        new_end = target_pos[source_rank[end - 1]] + 1
        yield Entity.from_source(target, new_start, new_end, e.type, e.score)
