"""The mention-placing policy (formats.mentions) and passage merging (data.merge)."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from uniner.data.formats.base import LoadStats
from uniner.data.formats.mentions import (
    INSIDE_WORD,
    NESTED,
    NOT_FOUND,
    drop_nested_same_type,
    entities_from_mentions,
    is_word_bounded,
    locate,
)
from uniner.data.merge import merge_examples, merge_group, passage_key
from uniner.types import Entity, Example


def _pairs(entities: tuple[Entity, ...]) -> list[tuple[str, str, int]]:
    return [(e.text, e.type, e.start) for e in entities]


def test_locate_whole_words_only() -> None:
    text = "The art of the heart; art."
    spans, anywhere = locate(text, "art")
    assert [text[s:e] for s, e in spans] == ["art", "art"]
    assert spans == [(4, 7), (22, 25)]
    assert anywhere


def test_locate_reports_inside_word_only() -> None:
    assert locate("cancers spread", "cancer") == ([], True)
    assert locate("nothing here", "cancer") == ([], False)


def test_locate_case_sensitive_before_insensitive() -> None:
    text = "Surgery helps. surgery again."
    assert locate(text, "Surgery")[0] == [(0, 7)]
    assert locate(text, "SURGERY")[0] == [(0, 7), (15, 22)]


def test_locate_strips_mention_and_punctuation_edges_bound() -> None:
    text = "He paid $100.00 (US) today."
    assert locate(text, " $100.00 ")[0] == [(8, 15)]
    # A mention ending in punctuation needs no boundary after it.
    assert locate(text, "(US)")[0] == [(16, 20)]


def test_is_word_bounded_edges() -> None:
    assert is_word_bounded("abc", 0, 3)
    assert not is_word_bounded("abcd", 0, 3)
    assert not is_word_bounded("xabc", 1, 4)
    assert is_word_bounded("x-abc", 2, 5)


def test_entities_from_mentions_every_occurrence_and_types() -> None:
    stats = LoadStats()
    text = "Aspirin and aspirin; Aspirin is a drug."
    entities = entities_from_mentions(text, [("Aspirin", "drug"), ("Aspirin", "chemical"), ("ghost", "drug")], stats)
    assert _pairs(entities) == [
        ("Aspirin", "chemical", 0),
        ("Aspirin", "drug", 0),
        ("Aspirin", "chemical", 21),
        ("Aspirin", "drug", 21),
    ]
    assert stats.mentions == 3
    assert stats.dropped == {NOT_FOUND: 1}


def test_entities_from_mentions_drops_nested_same_type_only() -> None:
    stats = LoadStats()
    text = "breast cancer and neck pain in the neck"
    pairs = [("cancer", "disease"), ("breast cancer", "disease"), ("neck", "body part"), ("neck pain", "condition")]
    entities = entities_from_mentions(text, pairs, stats)
    assert _pairs(entities) == [
        ("breast cancer", "disease", 0),
        ("neck", "body part", 18),
        ("neck pain", "condition", 18),
        ("neck", "body part", 35),
    ]
    assert stats.ignored[NESTED] == 1
    assert not stats.dropped


def test_entities_from_mentions_counts_inside_word_and_empty() -> None:
    stats = LoadStats()
    assert entities_from_mentions("heartbeat", [("heart", "organ"), ("  ", "organ"), ("beat", "")], stats) == ()
    assert stats.dropped[INSIDE_WORD] == 1
    assert stats.dropped["empty mention or type"] == 2


words = st.sampled_from(["art", "heart", "Art", "the", "art-work", "cancer", "cancers", "x", "ART"])


@given(st.lists(words, min_size=1, max_size=12), words)
def test_locate_property_exact_bounded_spans(tokens: list[str], mention: str) -> None:
    text = " ".join(tokens)
    spans, anywhere = locate(text, mention)
    for s, e in spans:
        assert text[s:e].lower() == mention.lower()
        assert is_word_bounded(text, s, e)
    if mention in tokens:  # a whole token is a whole word
        assert spans
    assert anywhere >= bool(spans)


spans_strategy = st.lists(
    st.tuples(st.integers(0, 20), st.integers(1, 6), st.sampled_from(["a", "b"])).map(
        lambda t: (t[0], t[0] + t[1], t[2])
    ),
    max_size=15,
)


@given(spans_strategy)
def test_drop_nested_same_type_property(spans: list[tuple[int, int, str]]) -> None:
    kept, removed = drop_nested_same_type(spans)
    assert len(kept) + removed == len(set(spans))
    for s, e, t in kept:
        assert not any(t2 == t and s2 <= s and e <= e2 and (s2, e2) != (s, e) for s2, e2, t2 in kept)
    for s, e, t in set(spans) - set(kept):
        assert any(t2 == t and s2 <= s and e <= e2 for s2, e2, t2 in kept)


def test_passage_key_ignores_whitespace_only() -> None:
    assert passage_key("Superior Ct .\n x") == passage_key("Superior Ct. x")
    assert passage_key("a b") != passage_key("A b")


def _example(
    id_: str, text: str, spans: list[tuple[str, str]], labelled: frozenset[str] | None, dataset: str = "d"
) -> Example:
    entities = []
    for mention, type_ in spans:
        start = text.index(mention)
        entities.append(Entity.from_source(text, start, start + len(mention), type_))
    return Example(id_, text, tuple(entities), dataset, labelled)


def test_merge_group_prefers_raw_text_and_projects_entities() -> None:
    tokenised = _example(
        "bio-1", "196 Pa . Superior Ct . ( 1961 )", [("Superior Ct .", "court")], frozenset({"court", "date"}), "bio"
    )
    raw = _example("q-9", "196 Pa. Superior Ct. (1961)", [("1961", "year")], frozenset({"year"}), "queries")
    merged = merge_group([raw, tokenised], LoadStats())
    assert merged.text == "196 Pa. Superior Ct. (1961)"
    assert _pairs(merged.entities) == [("Superior Ct.", "court", 8), ("1961", "year", 22)]
    assert merged.labelled_types == frozenset({"court", "date", "year"})
    assert (merged.id, merged.dataset) == ("bio-1", "bio")  # the fullest labelling names it


def test_merge_group_fully_labelled_member_wins() -> None:
    partial = _example("s-1", "Ken met Rose.", [("Ken", "person")], frozenset({"person"}), "sentences")
    full = _example("m-1", "Ken met Rose.", [("Rose", "person")], None, "medquad")
    merged = merge_group([partial, full], LoadStats())
    assert merged.labelled_types is None
    assert merged.id == "m-1"
    assert _pairs(merged.entities) == [("Ken", "person", 0), ("Rose", "person", 8)]


def test_merge_examples_groups_in_first_seen_order() -> None:
    stats = LoadStats()
    a1 = _example("a1", "Alpha text.", [], frozenset({"x"}))
    b = _example("b", "Beta text.", [], frozenset({"x"}))
    a2 = _example("a2", "Alpha  text.", [("Alpha", "y")], frozenset({"y"}))
    out = list(merge_examples([a1, b, a2], stats))
    assert [e.text for e in out] == ["Alpha text.", "Beta text."]
    assert out[0].labelled_types == frozenset({"x", "y"})
    assert _pairs(out[0].entities) == [("Alpha", "y", 0)]
    assert stats.merged == 1
