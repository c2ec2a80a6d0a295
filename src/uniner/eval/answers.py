"""The UniversalNER answer rule: how a raw answer string becomes a list of items.

A faithful re-implementation of ``parser`` and ``normalize_answer`` in the
official ``src/eval/evaluate.py`` (universal-ner/universal-ner), applied to gold
and prediction alike:

* the answer, whitespace-stripped (the official inference strips model output),
  must *start* with ``[``; the list is the text from there to the first ``]`` on
  the same line (``re.match(r"\\[(.*?)\\]")``; ``.`` does not cross a newline),
  so anything after the list is ignored and no match means an empty list;
* that text is parsed as JSON; any failure empties the whole list: invalid JSON,
  or an item that is not a string (the official code also accepts a list item,
  but one can never get through: the cut at the first ``]`` leaves any nested
  list unclosed, so the JSON is invalid);
* each string is normalised (lower-case, ASCII punctuation removed, the words
  a/an/the removed, whitespace collapsed);
* items equal after normalisation are kept once, in first-seen order.

Pure functions; no I/O.
"""

from __future__ import annotations

import json
import re
import string
from collections.abc import Sequence

_LIST_AT_START = re.compile(r"\[(.*?)\]")
_ARTICLES = re.compile(r"\b(a|an|the)\b")
_PUNCTUATION = frozenset(string.punctuation)


def normalize_answer(text: str) -> str:
    """Lower-case, drop ASCII punctuation, drop a/an/the, collapse whitespace (in that order)."""
    lowered = text.lower()
    no_punct = "".join(ch for ch in lowered if ch not in _PUNCTUATION)
    no_articles = _ARTICLES.sub(" ", no_punct)
    return " ".join(no_articles.split())


def parse_answer(raw: str) -> list[str]:
    """The de-duplicated, normalised items of one answer; ``[]`` when it is malformed."""
    match = _LIST_AT_START.match(raw.strip())
    if match is None:
        return []
    try:
        items = json.loads(match.group())
    except (ValueError, RecursionError):
        return []
    if not all(isinstance(item, str) for item in items):
        # Numbers, null, booleans and objects have no .lower(): the official parser fails.
        return []
    parsed: list[str] = []
    for item in items:
        normalised = normalize_answer(item)
        if normalised not in parsed:
            parsed.append(normalised)
    return parsed


def format_answer(mentions: Sequence[str]) -> str:
    """Serialise surface strings as the JSON list a UniversalNER model answers with."""
    return json.dumps(list(mentions), ensure_ascii=False)


def score_answer(predicted: str, gold: str) -> tuple[int, int, int]:
    """``(correct, predicted items, gold items)`` of one query under the official rule."""
    gold_items = parse_answer(gold)
    predicted_items = parse_answer(predicted)
    correct = sum(1 for item in predicted_items if item in gold_items)
    return correct, len(predicted_items), len(gold_items)
