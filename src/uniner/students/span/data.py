"""Examples -> training features, negative types, and padded batches.

Each example becomes one or more *chunks* of at most ``train_max_tokens`` encoder
tokens (whole words; a chunk boundary never cuts an entity if it can be avoided,
and long passages are split, never truncated).  The collator samples negative
types per batch:

* fully labelled (``labelled_types is None``): the types of the example's label
  set that are absent, plus ``global_negatives`` types drawn from the whole type
  vocabulary, skipping normalised duplicates of the example's own types;
* partially labelled: only the vouched-for types are asked; the loss of every
  other type is masked (``type_mask``), so their absence teaches nothing.
"""

from __future__ import annotations

import dataclasses
import random
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import torch
from torch.utils.data import Dataset

from uniner.students.span.config import SpanConfig
from uniner.students.span.features import (
    CASE_LOWER,
    CASE_MIXED,
    CASE_TITLE,
    CASE_UPPER,
    TokenizerLike,
    Words,
    align_entity,
    encode_words,
    split_words,
    text_pieces,
)
from uniner.types import Example

_PUNCT = re.compile(r"[^\w\s]")
#: Case classes that lower-casing turns into CASE_LOWER (digits and symbols keep theirs).
_CASED = frozenset({CASE_TITLE, CASE_UPPER, CASE_MIXED})

#: A dataset with more distinct types than this is treated as open-vocabulary:
#: absent types of its vocabulary are not negatives for a passage (an LLM
#: teacher may have called a person a "politician").
OPEN_VOCABULARY = 100


def normalise_type(name: str) -> str:
    """Lower-case, no punctuation, single spaces, a trailing plural 's' dropped."""
    words = _PUNCT.sub(" ", name.lower()).split()
    text = " ".join(words)
    return text[:-1] if text.endswith("s") and len(text) > 3 else text


@dataclass
class Chunk:
    """One training sequence: pieces per word, gold spans, the types it may be asked."""

    input_ids: list[int]
    case_ids: list[int]
    word_first: list[int]
    word_last: list[int]
    spans: list[tuple[int, int, str]]  # (start word, width - 1, type)
    positive_types: list[str]
    label_set: list[str]  # absent types here are negatives (empty: none)
    partial: bool
    allowed: frozenset[str] | None = None  # partial: the vouched-for types
    dropped: int = 0  # entities longer than max_width words
    withheld: tuple[str, ...] = ()  # held-out types labelled here: never asked, but no negative may be close to them

    def as_feature(self) -> dict[str, Any]:
        # ``input_ids`` is what the Trainer's length-grouped sampler measures.
        return {"input_ids": self.input_ids, "chunk": self}


def label_sets(examples: Iterable[Example]) -> dict[str | None, list[str]]:
    """Per dataset: its closed label set (types seen), or [] for an open vocabulary."""
    seen: dict[str | None, dict[str, None]] = {}
    for ex in examples:
        bucket = seen.setdefault(ex.dataset, {})
        for e in ex.entities:
            bucket.setdefault(e.type, None)
    return {name: (list(types) if len(types) <= OPEN_VOCABULARY else []) for name, types in seen.items()}


def example_chunks(
    example: Example, tokenizer: TokenizerLike, config: SpanConfig, label_set: Sequence[str],
    held: frozenset[str] = frozenset(),
) -> list[Chunk]:
    """The example as training chunks; types whose normalised name is in ``held`` are left out of it
    (``holdout_types``): not positives, not in its label set, but kept as ``withheld`` so that
    no vocabulary negative close to them is asked of it ("aspirin is no medication")."""
    words = split_words(example.text)
    if not len(words):
        return []
    withheld: tuple[str, ...] = ()
    allowed = example.labelled_types
    if held:
        withheld = tuple(sorted({e.type for e in example.entities if normalise_type(e.type) in held}))
        example = dataclasses.replace(
            example, entities=tuple(e for e in example.entities if normalise_type(e.type) not in held))
        label_set = [t for t in label_set if normalise_type(t) not in held]
        if allowed is not None:
            allowed = frozenset(t for t in allowed if normalise_type(t) not in held)
    pieces = text_pieces(tokenizer, example.text, words)
    spans, dropped = _word_spans(example, words, config.max_width)
    bounds = _chunk_bounds([len(p) for p in pieces], spans, config.train_max_tokens - 2)
    chunks = []
    for start, end in bounds:
        enc = encode_words(pieces[start:end], words.cases[start:end], tokenizer.cls_token_id, tokenizer.sep_token_id)
        local = [(s - start, w, t) for s, w, t in spans if start <= s and s + w < end]
        positives = list(dict.fromkeys(t for _, _, t in local))
        chunks.append(
            Chunk(enc.input_ids, enc.case_ids, enc.word_first, enc.word_last, local, positives,
                  list(label_set) if allowed is None else [], allowed is not None,
                  frozenset(allowed) if allowed is not None else None, dropped, withheld)
        )
    return chunks


def _word_spans(example: Example, words: Words, max_width: int) -> tuple[list[tuple[int, int, str]], int]:
    spans: dict[tuple[int, int, str], None] = {}
    dropped = 0
    for e in example.entities:
        aligned = align_entity(words, e.start, e.end)
        if aligned is None:
            continue
        first, last = aligned
        if last - first >= max_width:
            dropped += 1
            continue
        spans.setdefault((first, last - first, e.type), None)
    return list(spans), dropped


def _chunk_bounds(counts: Sequence[int], spans: Sequence[tuple[int, int, str]], budget: int) -> list[tuple[int, int]]:
    """Consecutive word ranges of at most ``budget`` tokens, not cutting an entity where avoidable."""
    inside = [False] * (len(counts) + 1)  # inside[i]: a boundary before word i would cut an entity
    for s, w, _ in spans:
        for i in range(s + 1, s + w + 1):
            inside[i] = True
    bounds, start = [], 0
    while start < len(counts):
        end, used = start, 0
        while end < len(counts) and used + counts[end] <= budget:
            used += counts[end]
            end += 1
        end = max(end, start + 1)
        if end < len(counts):
            cut = end
            while cut > start + 1 and inside[cut]:
                cut -= 1
            end = cut if not inside[cut] else end
        bounds.append((start, end))
        start = end
    return bounds


@dataclass
class ChunkDataset(Dataset):
    chunks: list[Chunk]

    def __len__(self) -> int:
        return len(self.chunks)

    def __getitem__(self, index: int) -> dict[str, Any]:
        return self.chunks[index].as_feature()


class TypeVectors:
    """Pooled vectors of type names from the frozen type tower, computed once per name."""

    def __init__(self, model: Any, tokenizer: Any, batch_size: int = 256):
        self.model, self.tokenizer, self.batch_size = model, tokenizer, batch_size
        self._cache: dict[str, torch.Tensor] = {}

    def __call__(self, names: Sequence[str]) -> torch.Tensor:
        missing = list(dict.fromkeys(n for n in names if n not in self._cache))
        device = next(self.model.parameters()).device
        for start in range(0, len(missing), self.batch_size):
            chunk = missing[start : start + self.batch_size]
            ids = self.tokenizer(chunk, truncation=True, max_length=32)["input_ids"]
            batch = pad_types(ids, self.tokenizer.pad_token_id)
            pooled = self.model.pool_types(batch["type_input_ids"].to(device), batch["type_attention_mask"].to(device))
            self._cache.update(zip(chunk, pooled.float().cpu()))
        return torch.stack([self._cache[n] for n in names])


def unit_type_vectors(
    type_vectors: Callable[[Sequence[str]], torch.Tensor], names: Sequence[str], limit: float
) -> torch.Tensor | None:
    """Normalised type-tower vectors of ``names``, the anchors of ``far_types``; None when nothing is
    filtered (``limit`` >= 1, or no names)."""
    if limit >= 1.0 or not names:
        return None
    return torch.nn.functional.normalize(type_vectors(names), dim=-1)


def far_types(
    type_vectors: Callable[[Sequence[str]], torch.Tensor], names: list[str], anchors: torch.Tensor | None,
    limit: float,
) -> list[str]:
    """The ``names`` whose type-tower cosine with every anchor is below ``limit`` (all of them when
    ``anchors`` is None: no filter). The rule for negatives, in training and in the unseen-type dev."""
    if anchors is None or not names:
        return names
    vectors = torch.nn.functional.normalize(type_vectors(names), dim=-1)
    close = (vectors @ anchors.T).max(dim=1).values >= limit
    return [name for name, near in zip(names, close.tolist()) if not near]


@dataclass
class SpanCollator:
    """Pads a batch, samples negative types, builds ``type_mask`` and ``positives``."""

    type_vectors: TypeVectors
    pad_id: int
    config: SpanConfig
    vocabulary: list[str]  # every type seen in training (global negatives)
    seed: int = 0
    rng: random.Random = field(init=False)

    def __post_init__(self) -> None:
        self.rng = random.Random(self.seed)

    def asked_types(self, chunk: Chunk) -> list[str]:
        """Positives, then negatives: the rest of the label set / vouched-for types, then vocabulary types.

        A closed-label-set example gets at most ``global_negatives`` vocabulary types; an
        open-vocabulary one (empty label set) is filled up to the cap with them.  A vocabulary
        type close to a type of the example's label set (type-tower cosine of at least
        ``negative_max_similarity``) is skipped: "country" is no negative for a sentence whose
        locations are labelled "location".
        """
        own = list(chunk.positive_types)
        taken = {normalise_type(t) for t in own}
        room = max(self.config.max_types_per_example - len(own), 0)
        if chunk.partial:
            pool = sorted(t for t in chunk.allowed or () if normalise_type(t) not in taken)
            if self.config.filter_partial_negatives:
                pool = self._far_ones(pool, self._unit_vectors(own))
            return own + self.rng.sample(pool, min(room, len(pool)))
        budget = min(self.config.global_negatives, room) if chunk.label_set else room
        pool = [t for t in chunk.label_set if normalise_type(t) not in taken]
        negatives = self.rng.sample(pool, min(len(pool), room - budget))
        taken.update(normalise_type(t) for t in negatives)
        anchors = self._unit_vectors(list(dict.fromkeys([*own, *chunk.label_set, *chunk.withheld])))
        wanted, tries = len(negatives) + budget, 0
        while len(negatives) < wanted and self.vocabulary and tries < 4 * budget:
            tries += 1
            candidate = self.rng.choice(self.vocabulary)
            if normalise_type(candidate) not in taken and self._far_ones([candidate], anchors):
                taken.add(normalise_type(candidate))
                negatives.append(candidate)
        return own + negatives

    def _unit_vectors(self, names: Sequence[str]) -> torch.Tensor | None:
        """Normalised type-tower vectors of ``names``, once per example; None when nothing is filtered."""
        return unit_type_vectors(self.type_vectors, names, self.config.negative_max_similarity)

    def _far_ones(self, names: list[str], anchors: torch.Tensor | None) -> list[str]:
        """``far_types`` by this run's ``negative_max_similarity``.

        Why it can also run on partial examples (``filter_partial_negatives``): a passage
        labelled with one type per mention (BIO) calls a party "organization" and never
        "political party", so asking it "political party" may teach that the party is none.
        Run x8 found no gain from it (docs/benchmarks.md, Session 6), hence off by default.
        """
        return far_types(self.type_vectors, names, anchors, self.config.negative_max_similarity)

    def case_view(self, chunk: Chunk) -> Chunk:
        """With probability ``lowercase_prob``, the chunk as all-lower-case text would give it.

        The base is uncased, so only the case ids change: the model must also find entities
        in lower-case text (MIT Movie / Restaurant queries), not rely on capitals alone.
        """
        if self.config.lowercase_prob <= 0.0 or self.rng.random() >= self.config.lowercase_prob:
            return chunk
        lowered = [CASE_LOWER if c in _CASED else c for c in chunk.case_ids]
        return dataclasses.replace(chunk, case_ids=lowered)

    def __call__(self, features: Sequence[dict[str, Any]]) -> dict[str, torch.Tensor]:
        chunks: list[Chunk] = [self.case_view(f["chunk"]) for f in features]
        asked = [self.asked_types(c) for c in chunks]
        type_names = list(dict.fromkeys(t for types in asked for t in types)) or ["entity"]
        type_index = {t: i for i, t in enumerate(type_names)}
        batch = pad_text(chunks, self.pad_id)
        type_mask = torch.zeros(len(chunks), len(type_names), dtype=torch.bool)
        positives = []
        for b, (chunk, types) in enumerate(zip(chunks, asked)):
            type_mask[b, [type_index[t] for t in types]] = True
            wanted = set(types)
            positives += [(b, s, w, type_index[t]) for s, w, t in chunk.spans if t in wanted]
        batch["type_pooled"] = self.type_vectors(type_names)
        batch["type_mask"] = type_mask
        batch["positives"] = torch.tensor(positives, dtype=torch.long).reshape(-1, 4)
        return batch


def pad_text(chunks: Sequence[Any], pad_id: int) -> dict[str, torch.Tensor]:
    """Pad sequences (``input_ids``/``case_ids``) and word indices of a batch of chunks or ``Encoded``."""
    length = max(len(c.input_ids) for c in chunks)
    n_words = max(len(c.word_first) for c in chunks)
    ids = torch.full((len(chunks), length), pad_id, dtype=torch.long)
    cases = torch.zeros((len(chunks), length), dtype=torch.long)
    mask = torch.zeros((len(chunks), length), dtype=torch.long)
    first = torch.zeros((len(chunks), n_words), dtype=torch.long)
    last = torch.zeros((len(chunks), n_words), dtype=torch.long)
    for b, c in enumerate(chunks):
        ids[b, : len(c.input_ids)] = torch.tensor(c.input_ids)
        cases[b, : len(c.case_ids)] = torch.tensor(c.case_ids)
        mask[b, : len(c.input_ids)] = 1
        first[b, : len(c.word_first)] = torch.tensor(c.word_first)
        last[b, : len(c.word_last)] = torch.tensor(c.word_last)
    n = torch.tensor([len(c.word_first) for c in chunks], dtype=torch.long)
    return {"input_ids": ids, "attention_mask": mask, "case_ids": cases, "word_first": first, "word_last": last,
            "n_words": n}


def pad_types(token_lists: Sequence[Sequence[int]], pad_id: int) -> dict[str, torch.Tensor]:
    length = max(len(t) for t in token_lists)
    ids = torch.full((len(token_lists), length), pad_id, dtype=torch.long)
    mask = torch.zeros((len(token_lists), length), dtype=torch.long)
    for i, toks in enumerate(token_lists):
        ids[i, : len(toks)] = torch.tensor(toks)
        mask[i, : len(toks)] = 1
    return {"type_input_ids": ids, "type_attention_mask": mask}
