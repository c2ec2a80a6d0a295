"""GenerativeNER: answer parsing, mention location, stats, bad input; prefix reuse == naive path."""

from __future__ import annotations

import json
from collections.abc import Sequence

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from uniner.engine.generative import Completion, GenerativeNER, locate, parse_answer
from uniner.errors import ConfigError
from uniner.types import Entity

OFFICIAL_PROMPT = (
    "A virtual assistant answers questions from a user based on the provided text. "
    "USER: Text: Barack Obama visited Paris. ASSISTANT: I've read this text.</s>"
    "USER: What describes person in the text? ASSISTANT:"
)


class Canned:
    """An AnswerGenerator that answers from a table keyed by type."""

    name = "canned"

    def __init__(self, answers: dict[str, str]):
        self.answers = answers
        self.calls: list[tuple[list[str], list[str]]] = []

    def complete(self, passages: Sequence[str], types: Sequence[str]) -> list[list[Completion]]:
        self.calls.append((list(passages), list(types)))
        return [[Completion(self.answers.get(t, "[]"), 3) for t in types] for _ in passages]


# ------------------------------------------------------------------ parsing
@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ('["Paris", "London"]', ["Paris", "London"]),
        ("[]", []),
        ('  ["a"]  trailing words [x]', ["a"]),
        ('Answer: ["Bob"]', ["Bob"]),
        ('["Zürich", "Zürich", " ", "x"]', ["Zürich", "x"]),
        ('["a", "b"', None),  # cut off by max_new_tokens
        ("['a', 'b']", None),  # python quotes are not JSON
        ('["a", 3]', None),  # non-strings empty the list, as the official rule does
        ('{"a": 1}', None),
        ("no list here", None),
        ('"Barack Obama", "Ann"', ["Barack Obama", "Ann"]),  # brackets dropped, strings intact
        ('"Paris" is a city', None),
        ('"a", 3', None),
        ("", None),
    ],
)
def test_parse_answer_golden(raw: str, expected: list[str] | None) -> None:
    assert parse_answer(raw) == expected


@given(
    st.lists(st.text(min_size=1).filter(lambda s: s.strip() == s and s), max_size=6),
    st.text(alphabet=st.characters(blacklist_characters="["), max_size=10),
    st.text(max_size=10),
)
@settings(max_examples=200, deadline=None)
def test_parse_answer_recovers_any_json_list(items: list[str], before: str, after: str) -> None:
    raw = before + json.dumps(items, ensure_ascii=False) + after
    assert parse_answer(raw) == list(dict.fromkeys(items))


# ----------------------------------------------------------------- location
def test_locate_case_sensitive_first_then_insensitive() -> None:
    text = "apple pie and Apple Inc. and APPLE"
    entities, missing = locate(text, "organisation", ["Apple"])
    assert [(e.start, e.end) for e in entities] == [(14, 19)]
    entities, missing = locate(text, "food", ["aPPle"])
    assert [e.text for e in entities] == ["apple", "Apple", "APPLE"]
    assert missing == 0


def test_locate_counts_mentions_not_in_text() -> None:
    entities, missing = locate("Bob met Ann.", "person", ["Bob", "Carol"])
    assert entities == [Entity("Bob", "person", 0, 3)]
    assert missing == 1


# -------------------------------------------------------------- GenerativeNER
def test_generative_predict_offsets_and_stats() -> None:
    gen = Canned({"person": '["Bob", "Ann", "Zed"]', "location": 'oops ["paris"', "date": "[]"})
    ner = GenerativeNER(gen)
    text = "Bob met Ann in Paris."
    [entities] = ner.predict([text], ["person", "location", "date"])
    assert entities == [Entity("Bob", "person", 0, 3), Entity("Ann", "person", 8, 11)]
    assert all(text[e.start:e.end] == e.text for e in entities)
    stats = ner.stats.as_dict()
    assert stats["queries"] == 3
    assert stats["malformed_answers"] == 1
    assert stats["mentions"] == 3
    assert stats["mentions_not_found"] == 1
    assert stats["generated_tokens"] == 9
    assert ner.reset_stats().queries == 3 and ner.stats.queries == 0


def test_generative_malformed_answer_yields_empty_never_crashes() -> None:
    ner = GenerativeNER(Canned({"person": "I cannot answer that."}))
    assert ner.extract("Bob met Ann.", ["person"]) == []
    assert ner.stats.malformed_answers == 1


def test_generative_counts_bare_lists() -> None:
    ner = GenerativeNER(Canned({"person": '"Bob", "Ann"'}))
    assert [e.text for e in ner.extract("Bob met Ann.", ["person"])] == ["Bob", "Ann"]
    assert ner.stats.bare_lists == 1 and ner.stats.malformed_answers == 0


def test_generative_same_span_two_types_kept() -> None:
    ner = GenerativeNER(Canned({"person": '["Jordan"]', "location": '["Jordan"]'}))
    entities = ner.extract("Jordan", ["person", "location"])
    assert {e.type for e in entities} == {"person", "location"}


@pytest.mark.parametrize("types", [[], ["person", " "], ["person", "Person"]])
def test_generative_bad_types_raise_config_error(types: list[str]) -> None:
    gen = Canned({})
    with pytest.raises(ConfigError):
        GenerativeNER(gen).predict(["Bob."], types)
    assert gen.calls == []


@pytest.mark.parametrize("texts", [[""], ["ok", "   "], "a single string"])
def test_generative_bad_texts_raise_config_error(texts: object) -> None:
    with pytest.raises(ConfigError):
        GenerativeNER(Canned({})).predict(texts, ["person"])  # type: ignore[arg-type]


def test_generative_rejects_wrongly_shaped_generator_output() -> None:
    class Short(Canned):
        def complete(self, passages: Sequence[str], types: Sequence[str]) -> list[list[Completion]]:
            return [[Completion("[]")]]

    with pytest.raises(RuntimeError, match="wrongly shaped"):
        GenerativeNER(Short({})).predict(["a", "b"], ["person"])


def test_generative_empty_batch_calls_nothing() -> None:
    gen = Canned({})
    assert GenerativeNER(gen).predict([], ["person"]) == []
    assert gen.calls == []


# ------------------------------------------------------- official prompt golden
def test_official_prompt_is_byte_identical() -> None:
    """universal-ner/universal-ner src/utils.py preprocess_instance with the ie_as_qa template."""
    from uniner.instruct.render import render_prompt_text

    assert render_prompt_text("Barack Obama visited Paris.", "person", "uniner") == OFFICIAL_PROMPT
