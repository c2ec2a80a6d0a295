"""Placing a teacher's mention strings in their passage: the one policy every loader uses.

A teacher answers "which X are in this text?" with strings, not offsets.  Every
occurrence of such a string is taken as a mention, because the teacher (and the
UniversalNER metric, which compares strings) does not say which occurrence it
meant.  Three rules keep the resulting spans honest:

1. **Whole words only.**  An occurrence that starts or ends inside a word is
   not a mention (``art`` in ``heart``, ``cancer`` in ``cancers``).
2. **Case-sensitive first.**  Only if no whole-word occurrence matches exactly
   are case-insensitive ones taken (``Surgery`` answered for ``surgery``);
   this is ``uniner.data.offsets.locate_mentions`` with rule 1 added.
3. **No same-type nesting.**  An occurrence lying inside a longer mention of the
   same type is dropped (``cancer`` inside ``breast cancer``, both diseases):
   it is an artefact of string matching, and would teach a span model two
   answers for one phrase.  Nesting across types (``neck`` as body part inside
   ``neck pain`` as condition) is kept.

A string found nowhere (a paraphrase, ``None``, a hallucination) is dropped and
counted.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from uniner.data.formats.base import LoadStats
from uniner.data.offsets import find_all
from uniner.types import Entity

NOT_FOUND = "mention not found in passage"
INSIDE_WORD = "mention found only inside longer words"
EMPTY = "empty mention or type"
NESTED = "occurrences nested in a longer mention of the same type"


def is_word_bounded(text: str, start: int, end: int) -> bool:
    """No letter or digit continues the span on either side (where the span itself ends in one)."""
    if text[start].isalnum() and start > 0 and text[start - 1].isalnum():
        return False
    return not (text[end - 1].isalnum() and end < len(text) and text[end].isalnum())


def fold(text: str) -> str:
    """Lower-case character by character, keeping a character whose lower case is longer
    (``İ``), so offsets in the folded text are offsets in the original."""
    lower = text.lower()
    if len(lower) == len(text):  # no character grew, so they align one to one (the usual case, fast)
        return lower
    return "".join(c if len(low := c.lower()) != 1 else low for c in text)


def locate(text: str, mention: str, folded: str | None = None) -> tuple[list[tuple[int, int]], bool]:
    """Whole-word occurrences of ``mention`` (case-sensitive, else case-insensitive).

    Returns the spans and whether the string occurs at all (inside words too),
    so callers can tell "not in the text" from "only inside other words".
    ``folded`` is ``fold(text)``, passed by callers locating many mentions in one text.
    """
    mention = mention.strip()
    exact = find_all(text, mention)
    bounded = [(s, e) for s, e in exact if is_word_bounded(text, s, e)]
    if bounded:
        return bounded, True
    loose = find_all(folded if folded is not None else fold(text), fold(mention))
    bounded = [(s, e) for s, e in loose if is_word_bounded(text, s, e)]
    return bounded, bool(exact or loose)


def drop_nested_same_type(spans: Iterable[tuple[int, int, str]]) -> tuple[list[tuple[int, int, str]], int]:
    """Remove spans strictly inside another span of the same type; return (kept, removed count)."""
    by_type: dict[str, list[tuple[int, int]]] = defaultdict(list)
    for start, end, type_ in set(spans):
        by_type[type_].append((start, end))
    kept: list[tuple[int, int, str]] = []
    removed = 0
    for type_, pairs in by_type.items():
        # Longest first among equal starts: a span is nested iff an earlier one reaches at least as far.
        pairs.sort(key=lambda p: (p[0], -p[1]))
        reach = -1
        for start, end in pairs:
            if end <= reach:
                removed += 1
                continue
            reach = end
            kept.append((start, end, type_))
    kept.sort(key=lambda s: (s[0], s[1], s[2]))
    return kept, removed


def entities_from_mentions(text: str, mentions: Iterable[tuple[str, str]], stats: LoadStats) -> tuple[Entity, ...]:
    """Entities for ``(mention string, type)`` pairs: every whole-word occurrence, one per type."""
    spans: set[tuple[int, int, str]] = set()
    folded: str | None = None
    for mention, type_ in mentions:
        stats.mentions += 1
        if not mention.strip() or not type_.strip():
            stats.drop(EMPTY)
            continue
        if folded is None:
            folded = fold(text)
        found, anywhere = locate(text, mention, folded)
        if not found:
            stats.drop(INSIDE_WORD if anywhere else NOT_FOUND)
            continue
        spans.update((s, e, type_.strip()) for s, e in found)
    return spans_to_entities(text, spans, stats)


def spans_to_entities(text: str, spans: Iterable[tuple[int, int, str]], stats: LoadStats) -> tuple[Entity, ...]:
    """Sorted, de-duplicated entities after the same-type nesting rule."""
    kept, removed = drop_nested_same_type(spans)
    if removed:
        stats.ignored[NESTED] += removed
    return tuple(Entity.from_source(text, s, e, t) for s, e, t in kept)
