"""The gold oracle backend: answers only what it was handed, restricted to the asked types."""

from __future__ import annotations

import pytest

from uniner.engine.backends.gold import GoldOracle, load_gold
from uniner.engine.base import BACKENDS, load_predictor
from uniner.errors import ConfigError
from uniner.types import Entity, Example

TEXT = "Ada Lovelace met Babbage in London"


def example(example_id: str, *spans: tuple[int, int, str]) -> Example:
    return Example(example_id, TEXT, tuple(Entity.from_source(TEXT, s, e, t) for s, e, t in spans))


def test_gold_oracle_answers_reference_entities_of_asked_types():
    oracle = GoldOracle()
    oracle.set_reference([example("e", (0, 12, "person"), (17, 24, "person"), (28, 34, "location"))])
    (entities,) = oracle.predict([TEXT], ["Location"])
    assert entities == [Entity("London", "Location", 28, 34)]  # spelled as asked
    (entities,) = oracle.predict([TEXT], ["person", "location"])
    assert [e.text for e in entities] == ["Ada Lovelace", "Babbage", "London"]


def test_gold_oracle_repeated_text_answered_in_handed_order():
    oracle = GoldOracle()
    oracle.set_reference([example("a", (0, 12, "person")), example("b", (28, 34, "location"))])
    first, second, again = oracle.predict([TEXT, TEXT, TEXT], ["person", "location"])
    assert [e.text for e in first] == ["Ada Lovelace"]
    assert [e.text for e in second] == ["London"] == [e.text for e in again]


def test_gold_oracle_unknown_text_raises():
    oracle = GoldOracle()
    with pytest.raises(ConfigError, match="only answers about passages the evaluation harness handed it"):
        oracle.predict(["never seen"], ["person"])
    oracle.set_reference([example("a")])
    with pytest.raises(ConfigError, match="empty"):
        oracle.predict([TEXT], [])


def test_gold_backend_is_registered_and_takes_no_options():
    assert "gold" in BACKENDS
    assert isinstance(load_predictor("gold"), GoldOracle)
    with pytest.raises(ConfigError, match="takes no options"):
        load_gold("gold", threshold=0.5)
