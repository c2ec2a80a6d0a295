"""The UniversalNER answer rule: golden cases and property tests against an
independent, straightforward implementation written here (no shared code)."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from uniner_reference import gold_lists, perturbed_prediction, reference_counts, reference_items

from uniner.eval.answers import format_answer, normalize_answer, parse_answer, score_answer

# --- golden cases -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw, expected",
    [
        ('["Gaussian mixture model", "LREC"]', ["gaussian mixture model", "lrec"]),
        ("[]", []),
        ("", []),
        ('  \n ["x"] ', ["x"]),  # stripped first, as the official inference strips model output
        ('The answer: ["x"]', []),  # must start with '['
        ('["x"] and also ["y"]', ["x"]),  # text after the list is ignored
        ('["x", "y"]\nThese are the entities.', ["x", "y"]),
        ('["x",\n "y"]', []),  # the list must close on its first line
        ('["a]b", "c"]', []),  # cut at the first ']' -> invalid JSON -> empty
        ('["x", 3]', []),  # a non-string item empties the whole list
        ('["x", null]', []),
        ('["x", {"y": 1}]', []),
        ('["x", ["y", "Z"]]', []),  # a nested list is cut at its own ']' -> invalid JSON
        ("[[]]", []),
        ("['x']", []),  # single quotes are not JSON
        ('["x",]', []),
        ('["The Beatles", "the beatles", "Beatles"]', ["beatles"]),
        ('["U.S.", "US"]', ["us"]),
        ('["an Apple a day"]', ["apple day"]),
        ("[\"Rock 'n' roll\"]", ["rock n roll"]),
        ('["the"]', [""]),  # normalised to empty, still an item
    ],
)
def test_parse_answer_official_cases(raw, expected):
    assert parse_answer(raw) == expected


def test_normalize_answer_order_of_steps():
    # Punctuation goes before articles: "the-end" -> "theend", not an article.
    assert normalize_answer("The-End") == "theend"
    assert normalize_answer("A.I. at the  Top") == "ai at top"
    # Non-ASCII punctuation is kept (string.punctuation is ASCII), so it bounds words.
    assert normalize_answer("«the» Café") == "« » café"


def test_score_answer_counts_deduplicated_hits():
    assert score_answer('["LREC", "lrec", "ELRA", "foo"]', '["LREC", "ELRA", "ELRA"]') == (2, 3, 2)
    assert score_answer("no list", '["x"]') == (0, 0, 1)
    assert score_answer('[["x"]]', '["x"]') == (0, 0, 1)


def test_format_answer_round_trips_through_the_rule():
    mentions = ["Naïve Bayes", 'say "hi"', "C++"]
    assert json.loads(format_answer(mentions)) == mentions
    assert parse_answer(format_answer(mentions)) == ["naïve bayes", "say hi", "c"]


# --- property tests: perturbed gold answers ---------------------------------------------------


@given(data=st.data(), gold=gold_lists)
@settings(max_examples=400, deadline=None)
def test_score_answer_matches_independent_implementation(data, gold):
    gold_raw = json.dumps(gold)
    pred_raw = data.draw(perturbed_prediction(gold))
    assert parse_answer(pred_raw) == reference_items(pred_raw)
    assert score_answer(pred_raw, gold_raw) == reference_counts(pred_raw, gold_raw)


@given(
    raw=st.lists(st.sampled_from(list('[]",\n abAtheTHE1.{}:') + ["null", "\\u00e9", " the "]), max_size=30).map(
        "".join
    )
)
@settings(max_examples=400, deadline=None)
def test_parse_answer_matches_independent_implementation_on_noise(raw):
    assert parse_answer(raw) == reference_items(raw)


@given(gold=gold_lists)
def test_score_answer_gold_against_itself_is_perfect(gold):
    raw = json.dumps(gold)
    correct, predicted, n_gold = score_answer(raw, raw)
    assert correct == predicted == n_gold == len(reference_items(raw))
