from hypothesis import given
from hypothesis import strategies as st

from uniner.data.offsets import find_all, locate_mentions


def test_find_all_every_non_overlapping_occurrence():
    assert find_all("aaaa", "aa") == [(0, 2), (2, 4)]
    assert find_all("New York and new york", "New York") == [(0, 8)]


def test_find_all_ignore_case_keeps_original_offsets():
    text = "New York and new york"
    assert find_all(text, "new york", ignore_case=True) == [(0, 8), (13, 21)]


def test_find_all_empty_mention_finds_nothing():
    assert find_all("abc", "") == []


def test_locate_mentions_prefers_exact_case():
    assert locate_mentions("Apple sells apple pie", "apple") == [(12, 17)]
    assert locate_mentions("APPLE pie", "apple") == [(0, 5)]
    assert locate_mentions("pear", "apple") == []


@given(st.text(max_size=40), st.text(min_size=1, max_size=4))
def test_find_all_spans_index_the_text(text, mention):
    for start, end in find_all(text, mention):
        assert text[start:end] == mention
    for start, end in find_all(text, mention, ignore_case=True):
        assert len(text[start:end]) == len(mention)
