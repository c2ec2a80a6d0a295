"""Turn a teacher's completion into entities, without ``eval``.

``parse_tuples`` scans the text once with a small lenient grammar: groups in
``(...)`` or ``[...]`` (nested to any depth), items that are quoted strings
(single or double quotes, backslash escapes) or bare text.  A leaf group of two
strings inside a list, or a parenthesised pair of quoted strings anywhere, is a
``(mention, type)`` tuple.  So code fences, prose around the list, lists of
lists and ``1. ("a", "b")`` lines all parse; a tuple cut off by truncated
output is dropped and everything complete before it kept.  A quote closes a
string only where a delimiter (``,`` ``)`` ``]`` ``:`` or the end) follows, so
``'McDonald's'`` survives an unescaped apostrophe.

``clean_pairs`` then drops "none" types, mentions not in the passage and
duplicates, and locates every occurrence of each mention.  Each drop is
counted under a reason in ``DROP_REASONS``.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from uniner.data.offsets import locate_mentions
from uniner.types import Entity

#: Types that mean "no type" (compared case-insensitively, ignoring a final period).
NONE_TYPES = frozenset({"none", "na", "n/a", "misc", "else", "unknown"})

#: Why a tuple was dropped; every drop is counted under exactly one of these.
DROP_REASONS = ("malformed", "truncated", "none_type", "not_in_passage", "duplicate")

_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "b": "\b", "f": "\f", "0": "\0"}
_STRING_END = ",)]:"
_OPEN = "(["
_CLOSE = ")]"


@dataclass(frozen=True, slots=True)
class ParsedOutput:
    """Complete ``(mention, type)`` pairs in output order, and what was dropped.

    ``found_list`` says whether the output had any list or tuple structure at
    all; ``False`` means it was prose (worth asking again), while ``[]`` is a
    valid answer with no entities.
    """

    pairs: list[tuple[str, str]]
    drops: Counter[str] = field(default_factory=Counter)
    found_list: bool = False


@dataclass(slots=True)
class _Group:
    kind: str
    items: list[tuple[str, bool]] = field(default_factory=list)  # (value, was quoted)
    has_groups: bool = False
    bare: list[str] = field(default_factory=list)

    def end_item(self) -> None:
        value = "".join(self.bare).strip()
        self.bare.clear()
        if value:
            self.items.append((value, False))

    def at_item_start(self) -> bool:
        return not "".join(self.bare).strip()


def parse_tuples(raw: str) -> ParsedOutput:
    """All complete ``(mention, type)`` tuples in ``raw`` (see the module docstring)."""
    pairs: list[tuple[str, str]] = []
    drops: Counter[str] = Counter()
    stack: list[_Group] = []
    found = cut_off = False
    i, n = 0, len(raw)
    while i < n:
        c = raw[i]
        if not stack:
            if c in _OPEN:
                stack.append(_Group(c))
                found = found or c == "["
            i += 1
            continue
        top = stack[-1]
        if c in "\"'" and top.at_item_start():
            value, i = _read_string(raw, i)
            if value is None:  # unterminated: the output was cut off here
                cut_off = True
                break
            top.bare.clear()
            top.items.append((value, True))
            continue
        if c in _OPEN:
            top.end_item()
            top.has_groups = True
            stack.append(_Group(c))
            found = found or c == "["
        elif c in _CLOSE:
            top.end_item()
            stack.pop()
            pair = _close_group(top, stack[-1] if stack else None, drops)
            if pair is not None:
                pairs.append(pair)
                found = True
        elif c == ",":
            top.end_item()
        else:
            top.bare.append(c)
        i += 1
    if stack and (stack[-1].items or stack[-1].bare or cut_off):
        drops["truncated"] += 1
    return ParsedOutput(pairs, drops, found)


def _close_group(group: _Group, parent: _Group | None, drops: Counter[str]) -> tuple[str, str] | None:
    """The pair a just-closed group stands for, if it is a tuple; counts malformed ones."""
    quoted = all(q for _, q in group.items)
    if group.has_groups:
        # A list of tuples: stray items beside the tuples are malformed; a
        # tuple holding a group, e.g. ("a", ["b", "c"]), is one malformed tuple.
        if (group.items and (parent is not None or group.kind == "[")) or (group.kind == "(" and parent is not None):
            drops["malformed"] += 1
        return None
    if parent is None:
        if group.kind == "(" and not quoted:
            return None  # "(see below)": prose, not output
        if group.kind == "[" and group.items:
            drops["malformed"] += 1  # a flat list: no types
            return None
    elif parent.kind == "(":
        return None  # a group inside a tuple: the tuple counts as malformed when it closes
    if not group.items:
        return None
    if len(group.items) != 2:
        drops["malformed"] += 1
        return None
    return group.items[0][0], group.items[1][0]


def _read_string(raw: str, i: int) -> tuple[str | None, int]:
    """The string literal opening at ``raw[i]`` and the index after it; ``None`` if unterminated."""
    quote, out, j, n = raw[i], [], i + 1, len(raw)
    while j < n:
        c = raw[j]
        if c == "\\" and j + 1 < n:
            j, char = _escape(raw, j + 1)
            out.append(char)
            continue
        if c == quote and _delimiter_follows(raw, j + 1):
            return "".join(out), j + 1
        out.append(c)
        j += 1
    # No quote followed by a delimiter: either the output was cut off inside
    # this string (None), or the quote pair sits in prose ("('foo' bar)"), in
    # which case the first matching quote closes it.
    close = raw.find(quote, i + 1)
    if close == -1:
        return None, n
    return raw[i + 1:close], close + 1


def _escape(raw: str, j: int) -> tuple[int, str]:
    c = raw[j]
    if c == "u" and j + 5 <= len(raw):
        try:
            return j + 5, chr(int(raw[j + 1:j + 5], 16))
        except ValueError:
            pass
    return j + 1, _ESCAPES.get(c, c)


def _delimiter_follows(raw: str, j: int) -> bool:
    while j < len(raw) and raw[j] in " \t\r\n":
        j += 1
    return j == len(raw) or raw[j] in _STRING_END


@dataclass(frozen=True, slots=True)
class Extraction:
    """Entities located in a passage, drop counts by reason, and whether output had a list."""

    entities: list[Entity]
    drops: Counter[str]
    found_list: bool
    pairs: int


def is_none_type(type_name: str) -> bool:
    return type_name.strip().rstrip(".").strip().lower() in NONE_TYPES


def clean_pairs(passage: str, pairs: list[tuple[str, str]]) -> tuple[list[Entity], Counter[str]]:
    """Entities for every occurrence of each kept pair, in pair order, then text order."""
    drops: Counter[str] = Counter()
    seen_pairs: set[tuple[str, str]] = set()
    seen_spans: set[tuple[int, int, str]] = set()
    entities: list[Entity] = []
    for mention, type_name in pairs:
        mention, type_name = mention.strip(), " ".join(type_name.split())
        if not mention or not type_name:
            drops["malformed"] += 1
            continue
        if is_none_type(type_name):
            drops["none_type"] += 1
            continue
        key = (mention.casefold(), type_name.casefold())
        if key in seen_pairs:
            drops["duplicate"] += 1
            continue
        seen_pairs.add(key)
        spans = locate_mentions(passage, mention)
        if not spans:
            drops["not_in_passage"] += 1
            continue
        for start, end in spans:
            if (start, end, key[1]) not in seen_spans:
                seen_spans.add((start, end, key[1]))
                entities.append(Entity.from_source(passage, start, end, type_name))
    return entities, drops


def extract_entities(passage: str, raw: str) -> Extraction:
    """Parse ``raw`` and locate its mentions in ``passage``."""
    parsed = parse_tuples(raw)
    entities, drops = clean_pairs(passage, parsed.pairs)
    drops.update(parsed.drops)
    return Extraction(entities, drops, parsed.found_list, len(parsed.pairs))
