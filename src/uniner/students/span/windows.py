"""Sliding windows over long texts, and merging their predictions.

A text of any length is cut into windows of whole words, each at most
``max_tokens`` encoder tokens (specials included), consecutive windows sharing
about ``overlap`` tokens -- and always at least ``2 * max_width`` words when the
window is large enough, so that every span of up to ``max_width`` words lies
wholly inside the window that *owns* its first word.  Each word is owned by
exactly one window (the boundary sits in the middle of each overlap, where both
windows have context), a window's candidates are kept only for spans whose first
word it owns, and the kept candidates are shifted to global word indices.  So no
span is predicted twice and none is cut at a window edge.  Nothing is truncated.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass

from uniner.students.span.decode import Candidate


@dataclass(frozen=True, slots=True)
class Window:
    start: int  # first word (global index)
    end: int  # one past the last word
    own_start: int  # words [own_start, own_end) belong to this window
    own_end: int


def plan_windows(piece_counts: Sequence[int], max_tokens: int, overlap: int, max_width: int) -> list[Window]:
    """Windows over words with ``piece_counts[i]`` sub-word tokens each; covers every word."""
    n = len(piece_counts)
    if n == 0:
        return []
    budget = max_tokens - 2  # [CLS] and [SEP]
    spans: list[tuple[int, int]] = []
    start = 0
    while True:
        end, used = start, 0
        while end < n and used + piece_counts[end] <= budget:
            used += piece_counts[end]
            end += 1
        end = max(end, start + 1)  # a single over-long word still gets its own window
        spans.append((start, end))
        if end >= n:
            break
        start = _next_start(piece_counts, start, end, overlap, max_width)
    return _assign_ownership(spans, n, max_width)


def _next_start(counts: Sequence[int], start: int, end: int, overlap: int, max_width: int) -> int:
    nxt, back = end, 0
    while nxt > start + 1 and back + counts[nxt - 1] <= overlap:
        back += counts[nxt - 1]
        nxt -= 1
    # Enough shared words that a whole span fits on the owning side of the boundary.
    return max(start + 1, min(nxt, end - 2 * max_width))


def _assign_ownership(spans: list[tuple[int, int]], n: int, max_width: int) -> list[Window]:
    boundaries = [0]
    for (_, end), (next_start, _) in itertools.pairwise(spans):
        middle = (next_start + end) // 2
        boundary = max(next_start, min(middle, end - max_width + 1), boundaries[-1])
        boundaries.append(boundary)
    boundaries.append(n)
    return [Window(s, e, boundaries[k], boundaries[k + 1]) for k, (s, e) in enumerate(spans)]


def merge_window_candidates(windows: Sequence[Window], per_window: Sequence[Sequence[Candidate]]) -> list[Candidate]:
    """Global candidates: each window keeps the spans whose first word it owns (local -> global words)."""
    if len(windows) != len(per_window):
        raise ValueError(f"{len(windows)} windows but {len(per_window)} candidate lists")
    merged: list[Candidate] = []
    for window, cands in zip(windows, per_window):
        for c in cands:
            first, last = c.first + window.start, c.last + window.start
            if window.own_start <= first < window.own_end and last < window.end:
                merged.append(Candidate(first, last, c.type_index, c.score))
    return merged
