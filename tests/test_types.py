import dataclasses

import pytest
from hypothesis import given
from hypothesis import strategies as st

from uniner.errors import DataFormatError
from uniner.types import Entity, Example


def test_entity_from_source_slices_text():
    e = Entity.from_source("Ada Lovelace lived", 0, 12, "person", 0.9)
    assert (e.text, e.start, e.end, e.score) == ("Ada Lovelace", 0, 12, 0.9)


@pytest.mark.parametrize("start,end", [(-1, 3), (3, 3), (4, 2)])
def test_entity_rejects_bad_offsets(start, end):
    with pytest.raises(ValueError):
        Entity("abc", "x", start, end)


def test_entity_rejects_text_length_mismatch():
    with pytest.raises(ValueError, match="length"):
        Entity("abc", "x", 0, 4)


def test_entity_is_frozen_and_hashable():
    e = Entity("a", "x", 0, 1)
    with pytest.raises(dataclasses.FrozenInstanceError):
        e.start = 2  # type: ignore[misc]
    assert len({e, Entity("a", "x", 0, 1)}) == 1


def test_entity_dict_round_trip():
    e = Entity("a", "x", 0, 1, 0.5)
    assert Entity.from_dict(e.to_dict()) == e
    assert "score" not in Entity("a", "x", 0, 1).to_dict()


def test_example_checks_entity_offsets():
    with pytest.raises(DataFormatError, match="example e1: entity 'Bob'"):
        Example("e1", "Alice met Bob", (Entity("Bob", "person", 0, 3),))


def test_example_mentions_in_text_order_deduplicated():
    text = "Rome, then Paris, then Rome"
    ents = tuple(Entity.from_source(text, s, e, "city") for s, e in [(23, 27), (0, 4), (11, 16)])
    ex = Example("e", text, ents)
    assert ex.mentions("city") == ["Rome", "Paris"]
    assert ex.types_present() == ["city"]
    assert not ex.is_partial
    assert Example("p", text, (), labelled_types=frozenset({"city"})).is_partial


@given(st.text(min_size=1, max_size=30), st.data())
def test_entity_from_source_invariant(source, data):
    start = data.draw(st.integers(0, len(source) - 1))
    end = data.draw(st.integers(start + 1, len(source)))
    e = Entity.from_source(source, start, end, "t")
    assert source[e.start:e.end] == e.text
