"""Conversations -> token ids and loss labels for a causal student.

The text comes from a prompt template (``templates.py``); it is tokenised once,
whole, with character offsets, and a token is trained on (label = its id) when
its characters overlap an assistant answer or that answer's end-of-turn marker;
every other token gets -100.  Tokenising the whole text, rather than pieces,
keeps the ids identical to what the model sees at inference even where the
tokenizer merges across a boundary (``": ["`` in byte-level BPE): such a token is
trained on, because generating it is how the answer starts.

Too long a conversation loses whole trailing questions; the passage and every
kept answer stay whole.  If not even one question fits, the conversation is
dropped (an empty ``RenderedExample`` with ``dropped=True``).
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from uniner.data.conversations import Conversation, Query, conversation_to_record
from uniner.errors import ConfigError
from uniner.instruct.templates import ASSISTANT, PROMPT_TEMPLATES, USER, RenderedText, Turn

IGNORE_INDEX = -100


@dataclass(frozen=True)
class RenderedExample:
    input_ids: list[int]
    labels: list[int]
    attention_mask: list[int]
    #: Trailing questions cut to fit ``max_length`` (all of them if dropped).
    dropped_queries: int = 0
    #: True when nothing fitted: the lists are empty and the example must be skipped.
    dropped: bool = False


@dataclass
class RenderStats:
    conversations: int = 0
    dropped_conversations: int = 0
    dropped_queries: int = 0
    tokens: int = 0
    label_tokens: int = 0
    longest: int = 0


def conversation_turns(conv: Conversation) -> list[Turn]:
    """The turns of ``conv`` exactly as its official record spells them."""
    record = conversation_to_record(conv)
    return [(USER if t["from"] == "human" else ASSISTANT, t["value"]) for t in record["conversations"]]


def render_text(conv: Conversation, template: str = "uniner", tokenizer: Any = None) -> RenderedText:
    """The full training string of ``conv`` and its label spans (no tokenisation)."""
    return PROMPT_TEMPLATES.get(template).render(conversation_turns(conv), tokenizer)


def render_prompt_text(
    passage: str,
    entity_type: str,
    template: str = "uniner",
    tokenizer: Any = None,
    dataset_tag: str | None = None,
    history: Sequence[Query] = (),
) -> str:
    """The inference prompt asking for ``entity_type``, after any answered ``history``.

    With the ``uniner`` template and no history this is exactly the official
    ``preprocess_instance`` prompt: ``... USER: What describes {type} in the text? ASSISTANT:``.
    """
    conv = Conversation("", passage, [*history, Query(entity_type, "")], dataset_tag)
    turns = conversation_turns(conv)[:-1]
    return PROMPT_TEMPLATES.get(template).prompt(turns, tokenizer)


def stop_strings(template: str = "uniner", tokenizer: Any = None) -> list[str]:
    """Strings that end a generated answer under ``template``."""
    return PROMPT_TEMPLATES.get(template).stop_strings(tokenizer)


def _encode(tokenizer: Any, rendered: RenderedText) -> tuple[list[int], list[tuple[int, int]]]:
    if not getattr(tokenizer, "is_fast", False):
        raise ConfigError("rendering needs a fast tokenizer (character offsets); load it with use_fast=True")
    enc = tokenizer(
        rendered.text, add_special_tokens=rendered.add_special_tokens, return_offsets_mapping=True, verbose=False
    )
    return list(enc["input_ids"]), [tuple(o) for o in enc["offset_mapping"]]


def _labels(
    ids: list[int], offsets: list[tuple[int, int]], spans: Sequence[tuple[int, int]]
) -> list[int]:
    """``ids`` where a token overlaps a span, -100 elsewhere (spans sorted, disjoint)."""
    labels = [IGNORE_INDEX] * len(ids)
    span_i = 0
    for i, (start, end) in enumerate(offsets):
        if end <= start:  # tokens the tokenizer added (BOS): no characters
            continue
        while span_i < len(spans) and spans[span_i][1] <= start:
            span_i += 1
        if span_i < len(spans) and spans[span_i][0] < end:
            labels[i] = ids[i]
    return labels


def _queries_that_fit(offsets: list[tuple[int, int]], turn_ends: Sequence[int], max_length: int) -> int:
    """How many questions fit, estimated from the full tokenisation (re-checked by the caller)."""
    ends = [end for _, end in offsets]
    fit = -1
    for q, char_end in enumerate(turn_ends):
        if bisect.bisect_right(ends, char_end) > max_length:
            break
        fit = q
    return fit  # turn_ends[0] is the first turn: q questions fit when turn q fits


def render_conversation(
    conv: Conversation,
    tokenizer: Any,
    template: str = "uniner",
    max_length: int = 1024,
    train_on_first_turn: bool = False,
) -> RenderedExample:
    """Token ids, labels and attention mask of one conversation under ``template``.

    Labels are the ids of assistant answers and their end-of-turn marker, -100
    elsewhere; ``train_on_first_turn`` also trains on ``I've read this text.``
    (the official training did).  Trailing questions that do not fit in
    ``max_length`` tokens are dropped whole and counted.
    """
    if max_length < 1:
        raise ConfigError(f"max_length must be >= 1, got {max_length}")
    tmpl = PROMPT_TEMPLATES.get(template)
    turns = conversation_turns(conv)
    total = len(conv.queries)
    keep = total
    while True:
        rendered = tmpl.render(turns[: 2 + 2 * keep], tokenizer)
        ids, offsets = _encode(tokenizer, rendered)
        if len(ids) <= max_length:
            break
        fit = _queries_that_fit(offsets, rendered.turn_ends, max_length)
        # The estimate can be one too generous where tokens merge across the cut.
        keep = min(keep - 1, fit)
        if keep < 1:
            return RenderedExample([], [], [], dropped_queries=total, dropped=True)
    if keep < 1:  # a conversation with no question teaches nothing
        return RenderedExample([], [], [], dropped_queries=total, dropped=True)
    spans = rendered.label_spans if train_on_first_turn else rendered.label_spans[1:]
    labels = _labels(ids, offsets, spans)
    return RenderedExample(ids, labels, [1] * len(ids), dropped_queries=total - keep)


def render_conversations(
    conversations: Iterable[Conversation],
    tokenizer: Any,
    template: str = "uniner",
    max_length: int = 1024,
    train_on_first_turn: bool = False,
    stats: RenderStats | None = None,
) -> Iterator[RenderedExample]:
    """Render each conversation, skipping dropped ones; counts go into ``stats``."""
    stats = stats if stats is not None else RenderStats()
    for conv in conversations:
        out = render_conversation(conv, tokenizer, template, max_length, train_on_first_turn)
        stats.conversations += 1
        stats.dropped_queries += out.dropped_queries
        if out.dropped:
            stats.dropped_conversations += 1
            continue
        stats.tokens += len(out.input_ids)
        stats.label_tokens += sum(1 for label in out.labels if label != IGNORE_INDEX)
        stats.longest = max(stats.longest, len(out.input_ids))
        yield out
