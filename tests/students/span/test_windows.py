from __future__ import annotations

import itertools

from hypothesis import given, settings
from hypothesis import strategies as st

from uniner.students.span.decode import Candidate
from uniner.students.span.windows import merge_window_candidates, plan_windows


@settings(max_examples=200, deadline=None)
@given(
    counts=st.lists(st.integers(1, 6), min_size=1, max_size=300),
    max_tokens=st.integers(16, 80),
    overlap_share=st.floats(0.0, 0.49),
    max_width=st.integers(1, 6),
)
def test_plan_windows_partitions_ownership_and_fits_every_owned_span(counts, max_tokens, overlap_share, max_width):
    overlap = int(max_tokens * overlap_share)
    windows = plan_windows(counts, max_tokens, overlap, max_width)
    # every word owned exactly once, in order
    assert windows[0].own_start == 0 and windows[-1].own_end == len(counts)
    for a, b in itertools.pairwise(windows):
        assert a.own_end == b.own_start and a.start < b.start
    for w in windows:
        assert w.start <= w.own_start <= w.own_end <= w.end
        assert sum(counts[w.start : w.end]) + 2 <= max_tokens  # no window over budget (no word here is too long)
        # a span starting at an owned word lies inside the window, unless the text ends first
        if w.own_end > w.own_start:
            last_start = w.own_end - 1
            assert min(last_start + max_width, len(counts)) <= w.end or w.end - w.start < 2 * max_width


def test_plan_windows_empty_and_single_long_word():
    assert plan_windows([], 32, 8, 4) == []
    (only,) = plan_windows([100], 32, 8, 4)  # one word longer than the window still gets one
    assert (only.start, only.end, only.own_start, only.own_end) == (0, 1, 0, 1)


def test_merge_keeps_owned_spans_only_and_shifts_to_global_words():
    windows = plan_windows([1] * 40, 22, 10, 3)  # 20 words per window
    assert len(windows) >= 2
    w0, w1 = windows[0], windows[1]
    shared = w1.start + 1  # a word both windows see
    per_window = [[] for _ in windows]
    per_window[0].append(Candidate(shared - w0.start, shared - w0.start, 0, 0.8))
    per_window[1].append(Candidate(shared - w1.start, shared - w1.start, 0, 0.7))
    merged = merge_window_candidates(windows, per_window)
    assert len(merged) == 1 and merged[0].first == shared  # predicted twice, kept once
    owner = 0 if shared < w0.own_end else 1
    assert merged[0].score == [0.8, 0.7][owner]
