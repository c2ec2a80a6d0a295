"""Span scores -> entities: pure functions, tested on hand-built scores.

A candidate is ``(first_word, last_word, type_index, score)`` with inclusive word
indices.  The overlap policy is two predicates (after GLiNER's
``decoding/utils.py``): **flat** keeps no two overlapping spans; **nested** keeps
spans that are disjoint or strictly contain one another, never crossing ones.
In both, one span of words gets at most one type, unless ``multi_label``.  Candidates are taken greedily
by descending score; ties break by position, then width, then type order, so the
result never depends on input order.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True, slots=True, order=True)
class Candidate:
    first: int
    last: int
    type_index: int
    score: float


def candidates_from_scores(scores: np.ndarray, threshold: float, n_words: int | None = None) -> list[Candidate]:
    """Every (start, width, type) cell of ``scores[start, width, type]`` at or above ``threshold``.

    Cells whose span runs past ``n_words`` (padding) are ignored.
    """
    if scores.ndim != 3:
        raise ValueError(f"scores must be [words, widths, types], got shape {scores.shape}")
    limit = scores.shape[0] if n_words is None else n_words
    starts, widths, types = np.nonzero(scores >= threshold)
    out = []
    for s, w, t in zip(starts.tolist(), widths.tolist(), types.tolist()):
        if s + w < limit:
            out.append(Candidate(s, s + w, t, float(scores[s, w, t])))
    return out


def _overlaps(a: Candidate, b: Candidate) -> bool:
    return a.first <= b.last and b.first <= a.last


def _crosses(a: Candidate, b: Candidate) -> bool:
    """Overlapping without one containing the other (or the very same span)."""
    if not _overlaps(a, b):
        return False
    a_in_b = b.first <= a.first and a.last <= b.last
    b_in_a = a.first <= b.first and b.last <= a.last
    same = a.first == b.first and a.last == b.last
    return same or not (a_in_b or b_in_a)


def decode(candidates: Iterable[Candidate], flat: bool = True, multi_label: bool = False) -> list[Candidate]:
    """Greedy selection by score under the flat or nested policy; result sorted by position.

    ``multi_label``: the spans are chosen the same way (by their best type), then each
    kept span also keeps its other types at or above the threshold -- "Labour Party"
    as both *organization* and *political party* when both were asked and both score.
    """
    conflict = _overlaps if flat else _crosses
    pool = list(candidates)
    by_span: dict[tuple[int, int], list[Candidate]] = {}
    for cand in pool:
        by_span.setdefault((cand.first, cand.last), []).append(cand)
    ordered = sorted(pool, key=lambda c: (-c.score, c.first, c.last, c.type_index))
    kept: list[Candidate] = []
    for cand in ordered:
        if not any(conflict(cand, k) for k in kept):
            kept.append(cand)
    if multi_label:
        kept = [other for k in kept for other in by_span[(k.first, k.last)]]
    return sorted(kept, key=lambda c: (c.first, c.last, c.type_index))


def prefer_specific(candidates: Iterable[Candidate], kinds: Mapping[int, Collection[int]]) -> list[Candidate]:
    """Drop a generic type's candidate from every span where one of its asked kinds also scores.

    ``kinds[g]``: the asked types that are kinds of the generic type ``g`` (*politician*,
    *writer* for *person*).  Why: the training data label every person *person* (CoNLL,
    OntoNotes, WikiANN, Pile-NER's most frequent type), so on a politician the model scores
    *person* above *politician*, and one type per span then answers *person* whenever both
    are asked -- while a user (and every fine-grained benchmark) asking for both wants the
    specific one.  The kind still has to pass the threshold on its own; the span then
    competes with the kind's score.  Candidates are assumed to be above the threshold.
    A generic type is never a kind (so a span never loses all its types).
    """
    pool = list(candidates)
    specific = {g: set(ks) - set(kinds) for g, ks in kinds.items()}
    if not specific:
        return pool
    types_of: dict[tuple[int, int], set[int]] = {}
    for cand in pool:
        types_of.setdefault((cand.first, cand.last), set()).add(cand.type_index)
    return [c for c in pool
            if not (c.type_index in specific and types_of[(c.first, c.last)] & specific[c.type_index])]


def best_per_span(candidates: Sequence[Candidate]) -> list[Candidate]:
    """Drop duplicates of one (span, type) -- e.g. from overlapping windows -- keeping the top score."""
    best: dict[tuple[int, int, int], Candidate] = {}
    for cand in candidates:
        key = (cand.first, cand.last, cand.type_index)
        if key not in best or cand.score > best[key].score:
            best[key] = cand
    return list(best.values())
