from __future__ import annotations

import dataclasses

import pytest
import torch

from uniner.students.span.config import SpanConfig
from uniner.students.span.data import (
    Chunk,
    SpanCollator,
    _chunk_bounds,
    example_chunks,
    label_sets,
    normalise_type,
)
from uniner.students.span.model import span_loss
from uniner.types import Entity, Example


class FakeTokenizer:
    """One piece per character run: enough to test chunking without a vocabulary."""

    cls_token_id, sep_token_id, pad_token_id, unk_token_id = 1, 2, 0, 3

    def __call__(self, words, add_special_tokens=False, **_):
        return {"input_ids": [[10 + len(w)] * (1 + len(w) // 4) for w in words]}


def example(text, spans, labelled=None, dataset="d"):
    ents = tuple(Entity.from_source(text, text.index(m), text.index(m) + len(m), t) for m, t in spans)
    return Example("x", text, ents, dataset, labelled)


def fake_vectors(names):
    return torch.zeros(len(names), 4)


def test_normalise_type_folds_case_punctuation_and_plural():
    assert normalise_type("Persons") == normalise_type("person") == "person"
    assert normalise_type("Restaurant-Name") == "restaurant name"


def test_label_sets_closed_for_small_vocabularies_open_for_large():
    small = [example("Ann met Bob", [("Ann", "person")], dataset="a")]
    big = [example(f"w{i}", [(f"w{i}", f"type{i}")], dataset="b") for i in range(101)]
    sets = label_sets(small + big)
    assert sets["a"] == ["person"] and sets["b"] == []


def test_example_chunks_split_long_text_without_cutting_entities():
    text = " ".join(f"w{i}" for i in range(60)) + " New York City end"
    ex = example(text, [("New York City", "city")])
    chunks = example_chunks(ex, FakeTokenizer(), SpanConfig(train_max_tokens=20, max_width=5), ["city"])
    assert sum(len(c.word_first) for c in chunks) == 64  # every word in exactly one chunk
    assert sum(len(c.spans) for c in chunks) == 1
    assert all(len(c.input_ids) <= 20 for c in chunks)


def test_chunk_bounds_move_a_cut_out_of_an_entity():
    bounds = _chunk_bounds([1] * 10, [(3, 2, "x")], budget=4)  # entity on words 3..5
    assert bounds == [(0, 3), (3, 7), (7, 10)]


def test_example_chunks_drop_entities_wider_than_max_width_and_count_them():
    ex = example("a b c d e f", [("a b c d e", "long"), ("f", "short")])
    (chunk,) = example_chunks(ex, FakeTokenizer(), SpanConfig(max_width=3), [])
    assert chunk.spans == [(5, 0, "short")] and chunk.dropped == 1


def make_chunk(partial, allowed=None, label_set=()):
    return Chunk([1, 5, 2], [0, 1, 0], [1], [1], [(0, 0, "person")], ["person"], list(label_set), partial,
                 frozenset(allowed) if allowed else None)


def test_collator_asks_partial_examples_only_vouched_types():
    config = SpanConfig(max_types_per_example=5, global_negatives=3)
    collator = SpanCollator(fake_vectors, 0, config, vocabulary=["city", "date", "animal", "food"], seed=1)
    asked = collator.asked_types(make_chunk(True, allowed={"person", "company"}))
    assert sorted(asked) == ["company", "person"]


def test_collator_samples_global_negatives_for_full_examples_but_not_duplicates():
    config = SpanConfig(max_types_per_example=4, global_negatives=2)
    collator = SpanCollator(fake_vectors, 0, config, vocabulary=["Persons", "city", "date", "food"], seed=3)
    for _ in range(20):
        asked = collator.asked_types(make_chunk(False, label_set=["person", "location"]))
        assert asked[0] == "person" and "Persons" not in asked
        assert len(asked) == len(set(asked)) <= 4


def test_collator_masks_other_examples_types_and_builds_positives():
    config = SpanConfig(max_types_per_example=2, global_negatives=0)
    collator = SpanCollator(fake_vectors, 0, config, vocabulary=[], seed=0)
    full = make_chunk(False, label_set=["person", "location"])
    partial = Chunk([1, 5, 6, 2], [0, 1, 1, 0], [1, 2], [1, 2], [(1, 0, "company")], ["company"], [], True,
                    frozenset({"company"}))
    batch = collator([{"chunk": full}, {"chunk": partial}])
    names = ["person", "location", "company"]
    assert batch["type_mask"].tolist() == [[True, True, False], [False, False, True]]
    assert sorted(batch["positives"].tolist()) == [[0, 0, 0, names.index("person")], [1, 1, 0, 2]]
    assert batch["type_pooled"].shape == (3, 4) and batch["n_words"].tolist() == [1, 2]


def test_span_loss_ignores_unvouched_types_and_padding():
    torch.manual_seed(0)
    logits = torch.randn(2, 3, 2, 3, requires_grad=True)
    n_words = torch.tensor([3, 2])
    type_mask = torch.tensor([[True, True, False], [False, False, True]])
    positives = torch.tensor([[0, 0, 0, 1], [1, 1, 0, 2]])
    loss = span_loss(logits, n_words, type_mask, positives)
    loss.backward()
    grad = logits.grad
    assert torch.all(grad[0, :, :, 2] == 0) and torch.all(grad[1, :, :, :2] == 0)  # unvouched types: no signal
    assert torch.all(grad[1, 2] == 0) and torch.all(grad[1, 1, 1] == 0)  # spans past the text
    assert grad[0, 0, 0, 1] < 0  # the positive is pushed up
    changed = logits.detach().clone()
    changed[0, :, :, 2] += 50.0
    assert span_loss(changed, n_words, type_mask, positives) == pytest.approx(loss.item())


def test_collator_is_deterministic_for_a_seed():
    config = SpanConfig(max_types_per_example=6, global_negatives=4)
    vocab = [f"t{i}" for i in range(50)]
    a = SpanCollator(fake_vectors, 0, config, vocab, seed=7).asked_types(make_chunk(False))
    b = SpanCollator(fake_vectors, 0, config, vocab, seed=7).asked_types(make_chunk(False))
    assert a == b  # same seed, same negatives


def test_collator_closed_label_set_gets_at_most_global_negatives_from_the_vocabulary():
    config = SpanConfig(max_types_per_example=25, global_negatives=2)
    vocab = [f"t{i}" for i in range(50)]
    collator = SpanCollator(fake_vectors, 0, config, vocab, seed=0)
    for _ in range(20):
        asked = collator.asked_types(make_chunk(False, label_set=["person", "location"]))
        assert asked[:1] == ["person"] and "location" in asked
        assert len([t for t in asked if t.startswith("t")]) == 2
    open_vocab = collator.asked_types(make_chunk(False, label_set=()))  # open vocabulary: filled to the cap
    assert len(open_vocab) == 25


def similar_vectors(names):
    """'city' and 'country' point the way of 'location'; everything else is orthogonal to it."""
    rows = []
    for i, name in enumerate(names):
        row = torch.zeros(64)
        row[0 if name in ("location", "city", "country") else 1 + sum(map(ord, name)) % 63] = 1.0
        rows.append(row)
    return torch.stack(rows)


def test_collator_skips_vocabulary_negatives_close_to_the_label_set():
    vocab = ["city", "country", "disease", "vehicle", "food", "planet"]
    for limit, expect_close in ((0.5, False), (1.0, True)):
        config = SpanConfig(max_types_per_example=25, global_negatives=6, negative_max_similarity=limit)
        collator = SpanCollator(similar_vectors, 0, config, vocab, seed=1)
        seen = set()
        for _ in range(30):
            seen.update(collator.asked_types(make_chunk(False, label_set=["person", "location"])))
        assert ({"city", "country"} <= seen) == expect_close
        assert {"disease", "vehicle"} <= seen


def test_collator_lowercase_view_changes_only_case_ids():
    chunk = Chunk([1, 5, 6, 7, 2], [0, 2, 3, 5, 0], [1, 2, 3], [1, 2, 3], [(0, 0, "person")], ["person"], [], False)
    always = SpanCollator(fake_vectors, 0, SpanConfig(lowercase_prob=1.0), [], seed=0)
    never = SpanCollator(fake_vectors, 0, SpanConfig(lowercase_prob=0.0), [], seed=0)
    lowered = always.case_view(chunk)
    assert lowered.case_ids == [0, 1, 1, 5, 0]  # Title, UPPER -> lower; digits and specials kept
    assert lowered.input_ids == chunk.input_ids and lowered.spans == chunk.spans
    assert never.case_view(chunk) is chunk
    assert always([{"chunk": chunk}])["case_ids"].tolist() == [[0, 1, 1, 5, 0]]


@pytest.mark.parametrize(("key", "value"), [("lowercase_prob", 1.5), ("negative_max_similarity", 2.0),
                                            ("type_projection", "deep"), ("dev_sets_max", 0)])
def test_config_rejects_bad_new_settings(key, value):
    from uniner.errors import ConfigError

    with pytest.raises(ConfigError, match=key):
        SpanConfig.from_dict({key: value})


@pytest.mark.parametrize(("raw", "expected"), [("true", True), ("False", False), ("1", True), (False, False)])
def test_config_reads_booleans_from_set_strings(raw, expected):
    assert SpanConfig.from_dict({"multi_label": raw}).multi_label is expected


def test_config_rejects_a_non_boolean_for_a_boolean_key():
    from uniner.errors import ConfigError

    with pytest.raises(ConfigError, match="multi_label"):
        SpanConfig.from_dict({"multi_label": "maybe"})


def test_collator_can_skip_a_partial_examples_negatives_close_to_its_own_types():
    allowed = {"location", "city", "country", "disease", "vehicle", "food"}
    for on in (False, True):
        config = SpanConfig(max_types_per_example=25, negative_max_similarity=0.5, filter_partial_negatives=on)
        collator = SpanCollator(similar_vectors, 0, config, [], seed=1)
        chunk = Chunk([1, 5, 2], [0, 1, 0], [1], [1], [(0, 0, "location")], ["location"], [], True, frozenset(allowed))
        asked = collator.asked_types(chunk)
        assert asked[0] == "location" and {"disease", "vehicle", "food"} <= set(asked)
        assert ({"city", "country"} & set(asked) == set()) == on  # kinds of "location" are no negatives when on


def test_example_chunks_leave_held_types_out_but_keep_them_as_withheld():
    ex = example("Ann took Aspirin in Oslo", [("Ann", "person"), ("Aspirin", "Drugs"), ("Oslo", "city")],
                 labelled=frozenset({"person", "Drugs", "city", "river"}))
    config = SpanConfig(max_width=4, train_max_tokens=64)
    (chunk,) = example_chunks(ex, FakeTokenizer(), config, ["person", "drug", "city"], held=frozenset({"drug"}))
    assert sorted(t for _, _, t in chunk.spans) == ["city", "person"]  # "Drugs" normalises to the held "drug"
    assert chunk.withheld == ("Drugs",)
    assert chunk.allowed == frozenset({"person", "city", "river"}) and chunk.label_set == []  # partial: no label set
    (full,) = example_chunks(example("Ann took Aspirin", [("Ann", "person"), ("Aspirin", "drug")]), FakeTokenizer(),
                             config, ["person", "drug", "city"], held=frozenset({"drug"}))
    assert full.label_set == ["person", "city"] and full.withheld == ("drug",)
    (unheld,) = example_chunks(ex, FakeTokenizer(), config, ["person"])
    assert len(unheld.spans) == 3 and unheld.withheld == ()


def test_collator_asks_no_vocabulary_negative_close_to_a_withheld_type():
    vocab = ["city", "country", "disease", "vehicle", "food", "planet"]
    config = SpanConfig(max_types_per_example=8, negative_max_similarity=0.5)
    collator = SpanCollator(similar_vectors, 0, config, vocab, seed=1)
    chunk = make_chunk(False)  # open vocabulary: filled up with vocabulary types
    for withheld, expect_close in (((), True), (("location",), False)):
        seen = set()
        for _ in range(30):
            seen.update(collator.asked_types(dataclasses.replace(chunk, withheld=withheld)))
        assert ({"city", "country"} & seen != set()) == expect_close
        assert "location" not in seen  # a withheld type is never asked
