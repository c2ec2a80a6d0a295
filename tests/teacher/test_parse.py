"""Parsing teacher output without eval, and cleaning it into located entities."""

from __future__ import annotations

import json

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from uniner.teacher.parse import clean_pairs, extract_entities, parse_tuples


@pytest.mark.parametrize(
    ("raw", "pairs"),
    [
        ('[("Apple", "company"), ("Tim Cook", "person")]', [("Apple", "company"), ("Tim Cook", "person")]),
        ("```python\n[('Apple', 'company')]\n```", [("Apple", "company")]),
        ('Sure! Here they are (see below):\n[["x", "y"], ["z", "w"]]\nHope this helps.', [("x", "y"), ("z", "w")]),
        ("[('McDonald's', 'company')]", [("McDonald's", "company")]),
        (r'[("say \"hi\"", "quote"), ("a\\b", "path"), ("caf\u00e9", "place")]',
         [('say "hi"', "quote"), ("a\\b", "path"), ("café", "place")]),
        ('1. ("a", "b")\n2. ("c", "d")', [("a", "b"), ("c", "d")]),
        ("[(Apple, company), (Google, company)]", [("Apple", "company"), ("Google", "company")]),
        ('[("a", "b"),\n ("c", "d"),]', [("a", "b"), ("c", "d")]),
    ],
)
def test_parse_tuples_lenient_formats(raw: str, pairs: list[tuple[str, str]]) -> None:
    parsed = parse_tuples(raw)
    assert parsed.pairs == pairs
    assert parsed.found_list


def test_parse_tuples_truncated_keeps_complete_tuples() -> None:
    parsed = parse_tuples('[("a", "b"), ("c", "d"), ("e", "f')
    assert parsed.pairs == [("a", "b"), ("c", "d")]
    assert parsed.drops["truncated"] == 1


def test_parse_tuples_malformed_tuples_are_counted() -> None:
    parsed = parse_tuples('[("a", "b", "c"), ("d",), ("e", ["f", "g"]), ("h", "i")]')
    assert parsed.pairs == [("h", "i")]
    assert parsed.drops["malformed"] == 3


def test_parse_tuples_prose_only_has_no_list() -> None:
    parsed = parse_tuples("I'm sorry (truly), I cannot help with that.")
    assert parsed.pairs == [] and not parsed.found_list


def test_parse_tuples_empty_list_is_a_valid_answer() -> None:
    parsed = parse_tuples("[]")
    assert parsed.pairs == [] and parsed.found_list


def test_parse_tuples_never_evaluates_code() -> None:
    parsed = parse_tuples('[(__import__("os").system("echo pwned"), "x")]')
    assert parsed.pairs == []  # a call is not a string tuple; nothing runs


def test_clean_pairs_drops_by_reason_and_locates_every_occurrence() -> None:
    text = "Paris is big. I love Paris and paris."
    pairs = [("Paris", "city"), ("paris", "City"), ("Paris", "None"), ("Rome", "city"),
             ("big", "n/a"), ("big", "Misc."), ("", "x"), ("love", "unknown"), ("I", "ELSE")]
    entities, drops = clean_pairs(text, pairs)
    assert [(e.text, e.type, e.start, e.end) for e in entities] == [("Paris", "city", 0, 5), ("Paris", "city", 21, 26)]
    assert drops == {"duplicate": 1, "none_type": 5, "not_in_passage": 1, "malformed": 1}


def test_clean_pairs_case_insensitive_fallback_and_type_spaces() -> None:
    entities, drops = clean_pairs("the EIFFEL tower", [("Eiffel Tower", "  famous   landmark ")])
    assert [(e.text, e.type) for e in entities] == [("EIFFEL tower", "famous landmark")]
    assert not drops


def test_extract_entities_counts_parse_and_clean_drops_together() -> None:
    result = extract_entities("Apple and Google", '[("Apple", "company"), ("Google", "NA"), ("Microsoft", "company"), ("x')
    assert [e.text for e in result.entities] == ["Apple"]
    assert result.drops == {"none_type": 1, "not_in_passage": 1, "truncated": 1}


# --- property tests over generated tuple lists --------------------------------------------

_TEXT = st.text(alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), min_size=1, max_size=12)
_PAIRS = st.lists(st.tuples(_TEXT, _TEXT), max_size=8)


def _render(pairs: list[tuple[str, str]], quote: str, brackets: str, sep: str) -> str:
    def lit(s: str) -> str:
        if quote == '"':
            return json.dumps(s, ensure_ascii=False)
        return "'" + s.replace("\\", "\\\\").replace("'", "\\'") + "'"

    opener, closer = brackets
    return "[" + sep.join(f"{opener}{lit(a)}, {lit(b)}{closer}" for a, b in pairs) + "]"


@settings(max_examples=300, deadline=None)
@given(
    pairs=_PAIRS,
    quote=st.sampled_from(['"', "'"]),
    brackets=st.sampled_from(["()", "[]"]),
    sep=st.sampled_from([", ", ",\n", ",", " ,  "]),
    prefix=st.sampled_from(["", "Here is the list:\n", "```python\n", "Output (as asked): "]),
    suffix=st.sampled_from(["", "\n```", "\nLet me know if you need more.", " Done."]),
)
def test_parse_tuples_property_round_trip(pairs, quote, brackets, sep, prefix, suffix) -> None:
    raw = prefix + _render(pairs, quote, brackets, sep) + suffix
    parsed = parse_tuples(raw)
    assert parsed.pairs == pairs
    assert parsed.found_list
    assert not parsed.drops


@settings(max_examples=300, deadline=None)
@given(pairs=_PAIRS, quote=st.sampled_from(['"', "'"]), cut=st.floats(min_value=0.0, max_value=1.0))
def test_parse_tuples_property_truncation_keeps_a_prefix(pairs, quote, cut) -> None:
    full = _render(pairs, quote, "()", ", ")
    raw = full[: int(len(full) * cut)]
    parsed = parse_tuples(raw)
    # Whatever is kept is exactly the tuples that were complete before the cut.
    complete = sum(1 for i in range(len(pairs)) if _render(pairs[: i + 1], quote, "()", ", ")[:-1] in raw)
    assert parsed.pairs == pairs[:complete]


@settings(max_examples=200, deadline=None)
@given(raw=st.text(max_size=200))
def test_parse_tuples_property_never_raises_and_pairs_are_strings(raw: str) -> None:
    parsed = parse_tuples(raw)
    assert all(isinstance(a, str) and isinstance(b, str) for a, b in parsed.pairs)


@settings(max_examples=200, deadline=None)
@given(passage=st.text(min_size=1, max_size=80), pairs=st.lists(st.tuples(st.text(max_size=6), _TEXT), max_size=6))
def test_clean_pairs_property_offsets_match_text(passage, pairs) -> None:
    assume(passage.strip())
    entities, drops = clean_pairs(passage, pairs)
    for e in entities:
        assert passage[e.start:e.end] == e.text
    keys = [(e.start, e.end, e.type.casefold()) for e in entities]
    assert len(keys) == len(set(keys))
    assert sum(drops.values()) <= len(pairs)
