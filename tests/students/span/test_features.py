from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from uniner.students.span.features import (
    CASE_DIGIT,
    CASE_LOWER,
    CASE_MIXED,
    CASE_NONE,
    CASE_OTHER,
    CASE_TITLE,
    CASE_UPPER,
    align_entity,
    case_class,
    encode_words,
    split_words,
)


def test_case_class_covers_each_class():
    assert [case_class(w) for w in ["paris", "Paris", "NASA", "iPhone", "2024", "-", "I", "McDonald"]] == [
        CASE_LOWER, CASE_TITLE, CASE_UPPER, CASE_MIXED, CASE_DIGIT, CASE_OTHER, CASE_TITLE, CASE_MIXED,
    ]


def test_split_words_gives_offsets_and_cases_from_original_text():
    text = "Apple's CEO met  IBM in 2024."
    words = split_words(text)
    assert [text[s:e] for s, e in zip(words.starts, words.ends)] == ["Apple", "'", "s", "CEO", "met", "IBM", "in", "2024", "."]
    assert words.cases[0] == CASE_TITLE and words.cases[3] == CASE_UPPER and words.cases[7] == CASE_DIGIT


@given(st.text(alphabet=st.sampled_from("ab C.-  é1"), max_size=40))
def test_split_words_covers_every_non_space_character(text):
    words = split_words(text)
    covered = "".join(text[s:e] for s, e in zip(words.starts, words.ends))
    assert covered == "".join(text.split())


def test_align_entity_expands_to_word_boundaries():
    text = "the U.S.-based firm"
    words = split_words(text)
    first, last = align_entity(words, text.index("U.S"), text.index("U.S") + 3)  # "U.S" cuts "." off
    assert text[words.starts[first] : words.ends[last]] == "U.S"
    first, last = align_entity(words, 5, 7)  # ".S" starts inside nothing odd
    assert (first, last) == (2, 3)
    assert align_entity(words, 3, 4) is None  # only whitespace


def test_encode_words_records_first_and_last_piece_and_case_ids():
    enc = encode_words([[7, 8], [9]], [CASE_TITLE, CASE_LOWER], cls_id=101, sep_id=102)
    assert enc.input_ids == [101, 7, 8, 9, 102]
    assert enc.word_first == [1, 3] and enc.word_last == [2, 3]
    assert enc.case_ids == [CASE_NONE, CASE_TITLE, CASE_TITLE, CASE_LOWER, CASE_NONE]


def test_text_pieces_match_per_word_pieces_beyond_the_backend_truncation():
    """Regression: MiniLM's tokenizer.json truncates to 128 tokens; text_pieces must not."""
    from transformers import AutoTokenizer

    from uniner.students.span.features import text_pieces, word_pieces
    from uniner.students.span.model import resolve_base

    tokenizer = AutoTokenizer.from_pretrained(resolve_base("all-MiniLM-L6-v2"))
    before = tokenizer.backend_tokenizer.truncation
    text = "The Zanzibar archipelago, naïve café-owners & U.S.-based firms. " * 40  # ~800 tokens
    words = split_words(text)
    pieces = text_pieces(tokenizer, text, words)
    assert tokenizer.backend_tokenizer.truncation == before  # the user's tokenizer is left as it was
    assert pieces == word_pieces(tokenizer, [text[s:e] for s, e in zip(words.starts, words.ends)])
