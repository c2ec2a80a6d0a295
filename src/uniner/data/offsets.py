"""Locating mention strings in a text.

Teachers and generative students return surface strings, not offsets; these
functions turn them back into half-open character spans.  Pure functions.
"""

from __future__ import annotations


def find_all(text: str, mention: str, ignore_case: bool = False) -> list[tuple[int, int]]:
    """Every non-overlapping occurrence of ``mention`` in ``text``, left to right.

    ``ignore_case`` compares with ``str.casefold`` only where that keeps lengths
    equal character by character (e.g. German sharp s would not), so the spans
    returned always index the original text.
    """
    if not mention:
        return []
    haystack, needle = text, mention
    if ignore_case:
        haystack, needle = _fold(text), _fold(mention)
    spans: list[tuple[int, int]] = []
    start = haystack.find(needle)
    while start != -1:
        spans.append((start, start + len(mention)))
        start = haystack.find(needle, start + len(mention))
    return spans


def _fold(s: str) -> str:
    # Per-character lower() keeps one output character per input character, so
    # offsets in the folded string are offsets in the original.
    return "".join(c.lower() if len(c.lower()) == 1 else c for c in s)


def locate_mentions(text: str, mention: str) -> list[tuple[int, int]]:
    """Case-sensitive occurrences of ``mention``; if none, case-insensitive ones."""
    mention = mention.strip()
    return find_all(text, mention) or find_all(text, mention, ignore_case=True)
