"""Split documents into passages of at most N tokens, on sentence boundaries.

The paper chunks articles into passages of at most 256 tokens.  What a *token*
is here: by default a regex token, a run of word characters or one other
non-space character (``\\w+|[^\\w\\s]``, so ``U.S.`` is four tokens), which needs
no model and is additive over text; or, with ``hf_token_counter``, the
sub-word tokens of a Hugging Face tokenizer (without special tokens).

Nothing is dropped: each passage is an exact slice of its document, passages
are in document order, and every non-whitespace character of the document lies
in exactly one passage; only the whitespace between passages is left out.  A
sentence longer than the limit is split at word boundaries, and a single word
longer than the limit (a long URL, say) at character boundaries.

Passage ids are ``{document id}#{passage index}`` (index from 0), so they are
stable for a given document, limit and token counter.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from itertools import pairwise
from pathlib import Path

from uniner.errors import ConfigError

TokenCounter = Callable[[str], int]

_TOKEN = re.compile(r"\w+|[^\w\s]")
_WORD = re.compile(r"\S+")
_NON_SPACE = re.compile(r"\S")
# A sentence ends after . ! ? (or an ellipsis), optionally followed by closing
# quotes/brackets, where whitespace follows; a blank line always ends one.
_SENTENCE_END = re.compile(r"[.!?\u2026]+[\"'\u201d\u2019)\]]*(?=\s)|\n[ \t]*\n")
# Words after which a period rarely ends a sentence.
_ABBREVIATIONS = frozenset(
    ["mr", "mrs", "ms", "dr", "prof", "sr", "jr", "st", "vs", "etc", "e.g", "i.e", "inc", "ltd", "co", "corp", "no", "fig", "approx", "dept", "est", "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec", "u.s", "u.k", "gen", "col", "lt", "sgt", "capt", "rev", "mt", "ft", "vol", "pp"]
)


@dataclass(frozen=True, slots=True)
class Passage:
    """``text == document[start:start + len(text)]``; ``id`` is ``{doc_id}#{index}``."""

    id: str
    doc_id: str
    index: int
    start: int
    text: str


def passage_id(doc_id: str, index: int) -> str:
    return f"{doc_id}#{index}"


def regex_token_count(text: str) -> int:
    """The default token count: word runs and single punctuation characters."""
    return sum(1 for _ in _TOKEN.finditer(text))


def hf_token_counter(tokenizer: str | Path) -> TokenCounter:
    """Count sub-word tokens of a local Hugging Face tokenizer (no special tokens)."""
    from transformers import AutoTokenizer  # heavy: only when asked for

    try:
        tok = AutoTokenizer.from_pretrained(str(tokenizer))
    except (OSError, ValueError) as err:
        raise ConfigError(f"cannot load tokenizer {tokenizer!s}: {err}") from None

    def count(text: str) -> int:
        return len(tok(text, add_special_tokens=False)["input_ids"])

    return count


def split_sentences(text: str) -> list[tuple[int, int]]:
    """Half-open spans of the sentences of ``text``, without surrounding whitespace."""
    cuts = [0]
    for match in _SENTENCE_END.finditer(text):
        if match.group().startswith("\n") or _ends_sentence(text, match.start(), match.end()):
            cuts.append(match.end())
    cuts.append(len(text))
    spans = []
    for a, b in pairwise(cuts):
        span = _trim(text, a, b)
        if span is not None:
            spans.append(span)
    return spans


def _ends_sentence(text: str, punct_start: int, punct_end: int) -> bool:
    nxt = _NON_SPACE.search(text, punct_end)
    if nxt is not None and nxt.group().islower():
        return False  # "e.g. the", "3 p.m. and": the sentence goes on
    if text[punct_start] != ".":
        return True
    word = re.search(r"(\S+)$", text[:punct_start])
    if word is None:
        return True
    prev = word.group(1).lstrip("(\"'").lower()
    # "J. Smith": a single initial; "Dr. Who": a known abbreviation.
    return not (len(prev) == 1 and prev.isalpha()) and prev not in _ABBREVIATIONS


def _trim(text: str, a: int, b: int) -> tuple[int, int] | None:
    while a < b and text[a].isspace():
        a += 1
    while b > a and text[b - 1].isspace():
        b -= 1
    return (a, b) if a < b else None


def split_passages(
    doc_id: str, text: str, max_tokens: int = 256, count_tokens: TokenCounter = regex_token_count
) -> list[Passage]:
    """The passages of one document; an empty or blank document gives one empty passage.

    The empty passage keeps the document visible downstream (it is recorded as
    failed, not silently skipped).
    """
    if max_tokens < 1:
        raise ConfigError(f"max passage tokens must be >= 1, got {max_tokens}")
    units: list[tuple[int, int]] = []
    for a, b in split_sentences(text):
        if count_tokens(text[a:b]) <= max_tokens:
            units.append((a, b))
        else:
            units.extend(_split_long(text, a, b, max_tokens, count_tokens))
    spans: list[tuple[int, int]] = []
    for a, b in units:
        if spans and count_tokens(text[spans[-1][0]:b]) <= max_tokens:
            spans[-1] = (spans[-1][0], b)
        else:
            spans.append((a, b))
    if not spans:
        return [Passage(passage_id(doc_id, 0), doc_id, 0, 0, "")]
    return [Passage(passage_id(doc_id, i), doc_id, i, a, text[a:b]) for i, (a, b) in enumerate(spans)]


def _split_long(text: str, a: int, b: int, max_tokens: int, count: TokenCounter) -> list[tuple[int, int]]:
    """Cut an over-long sentence at word boundaries (characters for a huge word)."""
    pieces: list[tuple[int, int]] = []
    for word in _WORD.finditer(text, a, b):
        ws, we = word.span()
        if count(text[ws:we]) > max_tokens:
            pieces.extend(_split_chars(text, ws, we, max_tokens, count))
        elif pieces and count(text[pieces[-1][0]:we]) <= max_tokens:
            pieces[-1] = (pieces[-1][0], we)
        else:
            pieces.append((ws, we))
    return pieces


def _split_chars(text: str, a: int, b: int, max_tokens: int, count: TokenCounter) -> list[tuple[int, int]]:
    pieces = []
    while a < b:
        # The longest prefix within the limit, by binary search; at least one
        # character so the loop always advances.
        lo, hi = a + 1, b
        while lo < hi:
            mid = (lo + hi + 1) // 2
            if count(text[a:mid]) <= max_tokens:
                lo = mid
            else:
                hi = mid - 1
        pieces.append((a, lo))
        a = lo
    return pieces
