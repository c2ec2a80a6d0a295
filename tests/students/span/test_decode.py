from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from uniner.students.span.decode import Candidate, best_per_span, candidates_from_scores, decode, prefer_specific


def scores(n_words=5, width=3, types=2, cells=()):
    grid = np.zeros((n_words, width, types), dtype=np.float32)
    for (s, w, t), value in cells:
        grid[s, w, t] = value
    return grid


def test_candidates_respect_threshold_and_text_length():
    grid = scores(cells=[((0, 1, 0), 0.9), ((1, 0, 1), 0.5), ((2, 0, 0), 0.49), ((4, 2, 0), 0.99)])
    cands = candidates_from_scores(grid, 0.5, n_words=5)
    assert sorted(cands) == [Candidate(0, 1, 0, pytest.approx(0.9)), Candidate(1, 1, 1, 0.5)]  # (4,+2) runs past word 4


def test_flat_decoding_keeps_no_overlap():
    cands = [Candidate(0, 2, 0, 0.8), Candidate(1, 1, 1, 0.9), Candidate(3, 4, 0, 0.7)]
    assert decode(cands, flat=True) == [Candidate(1, 1, 1, 0.9), Candidate(3, 4, 0, 0.7)]


def test_nested_decoding_keeps_containment_but_not_crossing():
    cands = [Candidate(0, 2, 0, 0.8), Candidate(1, 1, 1, 0.9), Candidate(2, 3, 1, 0.85)]
    # Taken by score: (1,1), then (2,3) (disjoint from it), then (0,2) contains (1,1) but crosses (2,3).
    kept = decode(cands, flat=False)
    assert Candidate(1, 1, 1, 0.9) in kept and Candidate(2, 3, 1, 0.85) in kept
    assert Candidate(0, 2, 0, 0.8) not in kept  # crosses (2,3), which scored higher


def test_nested_decoding_gives_one_type_per_span():
    kept = decode([Candidate(0, 1, 0, 0.8), Candidate(0, 1, 1, 0.7), Candidate(0, 3, 1, 0.6)], flat=False)
    assert kept == [Candidate(0, 1, 0, 0.8), Candidate(0, 3, 1, 0.6)]


def test_ties_break_by_position_then_width_then_type_regardless_of_order():
    cands = [Candidate(2, 3, 1, 0.7), Candidate(2, 2, 0, 0.7), Candidate(1, 2, 0, 0.7)]
    assert decode(cands) == decode(list(reversed(cands))) == [Candidate(1, 2, 0, 0.7)]
    assert decode([Candidate(0, 0, 1, 0.5), Candidate(0, 0, 0, 0.5)]) == [Candidate(0, 0, 0, 0.5)]


def test_best_per_span_drops_duplicates_keeping_top_score():
    merged = best_per_span([Candidate(0, 1, 0, 0.6), Candidate(0, 1, 0, 0.9), Candidate(0, 1, 1, 0.5)])
    assert sorted(merged) == [Candidate(0, 1, 0, 0.9), Candidate(0, 1, 1, 0.5)]


def test_candidates_reject_wrong_shape():
    with pytest.raises(ValueError, match="words, widths, types"):
        candidates_from_scores(np.zeros((3, 2)), 0.5)


@settings(max_examples=200, deadline=None)
@given(
    raw=st.lists(st.tuples(st.integers(0, 8), st.integers(0, 3), st.integers(0, 2), st.floats(0.0, 1.0)), max_size=25),
    threshold=st.floats(0.05, 0.95),
    flat=st.booleans(),
    multi=st.booleans(),
)
def test_decoding_at_a_higher_threshold_equals_filtering_a_lower_one(raw, threshold, flat, multi):
    """Greedy decoding decides a span only against higher-scored spans (``prefer_specific``, which runs
    before it, is what makes the predictor decode every threshold on its own)."""
    cands = best_per_span([Candidate(s, s + w, t, score) for s, w, t, score in raw])
    direct = decode([c for c in cands if c.score >= threshold], flat=flat, multi_label=multi)
    filtered = [c for c in decode(cands, flat=flat, multi_label=multi) if c.score >= threshold]
    assert direct == filtered


def test_multi_label_keeps_every_type_of_a_kept_span_and_nothing_else():
    cands = [Candidate(0, 1, 0, 0.9), Candidate(0, 1, 2, 0.6), Candidate(1, 2, 1, 0.8), Candidate(4, 4, 1, 0.7)]
    single = decode(cands, flat=True)
    multi = decode(cands, flat=True, multi_label=True)
    assert single == [Candidate(0, 1, 0, 0.9), Candidate(4, 4, 1, 0.7)]
    assert multi == [Candidate(0, 1, 0, 0.9), Candidate(0, 1, 2, 0.6), Candidate(4, 4, 1, 0.7)]  # (1, 2) still overlaps


def test_prefer_specific_drops_the_generic_type_only_where_a_kind_of_it_scores():
    person, politician, award = 0, 1, 2
    cands = [Candidate(0, 1, person, 0.9), Candidate(0, 1, politician, 0.6),  # a politician: person gives way
             Candidate(3, 3, person, 0.8),  # a person: no kind of it scores here
             Candidate(5, 5, person, 0.7), Candidate(5, 5, award, 0.6)]  # award is no kind of person
    kept = prefer_specific(cands, {person: {politician}})
    assert sorted(kept) == sorted([Candidate(0, 1, politician, 0.6), Candidate(3, 3, person, 0.8),
                                   Candidate(5, 5, person, 0.7), Candidate(5, 5, award, 0.6)])
    assert decode(kept) == [Candidate(0, 1, politician, 0.6), Candidate(3, 3, person, 0.8), Candidate(5, 5, person, 0.7)]
    assert prefer_specific(cands, {}) == cands


@settings(max_examples=200, deadline=None)
@given(
    raw=st.lists(st.tuples(st.integers(0, 6), st.integers(0, 2), st.integers(0, 3), st.floats(0.0, 1.0)), max_size=25),
    kinds=st.dictionaries(st.integers(0, 3), st.sets(st.integers(0, 3), max_size=3), max_size=3),
)
def test_prefer_specific_keeps_every_span_and_only_drops_generic_types(raw, kinds):
    cands = best_per_span([Candidate(s, s + w, t, score) for s, w, t, score in raw])
    kept = prefer_specific(cands, kinds)
    assert set(kept) <= set(cands)
    assert {(c.first, c.last) for c in kept} == {(c.first, c.last) for c in cands}  # a kind is left on the span
    for dropped in set(cands) - set(kept):
        assert dropped.type_index in kinds
        assert any(c.type_index in kinds[dropped.type_index] - set(kinds) and (c.first, c.last) == (dropped.first, dropped.last)
                   for c in kept)
