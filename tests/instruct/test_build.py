import json

import pytest

from uniner.data.conversations import Query, conversation_to_record, write_conversations
from uniner.errors import ConfigError
from uniner.instruct.build import (
    DROP_BLANK,
    DROP_NO_QUERY,
    DROP_OVER_MAX,
    BuildConfig,
    answer_json,
    build_conversations,
    positive_queries,
    summary_lines,
)
from uniner.types import Entity, Example


def ex(id, text, spans=(), labelled=None, dataset="d"):
    """Entities as (mention, type, occurrence) or (mention, type); offsets found in the text."""
    entities = []
    for item in spans:
        mention, type_ = item[0], item[1]
        start = -1
        for _ in range(item[2] if len(item) > 2 else 1):
            start = text.index(mention, start + 1)
        entities.append(Entity.from_source(text, start, start + len(mention), type_))
    return Example(id, text, tuple(entities), dataset, frozenset(labelled) if labelled is not None else None)


def test_answer_json_keeps_non_ascii():
    assert answer_json(["Zürich", "東京"]) == '["Zürich", "東京"]'
    assert answer_json([]) == "[]"


def test_positive_queries_first_appearance_deduplicated():
    text = "Bob met Anna. Anna met Bob and Cy in Rome."
    example = ex("a", text, [("Anna", "person", 2), ("Bob", "person", 1), ("Anna", "person", 1),
                             ("Rome", "city"), ("Bob", "Person", 2), ("Cy", "PERSON")])
    assert positive_queries(example) == [Query("person", '["Bob", "Anna", "Cy"]'), Query("city", '["Rome"]')]


def test_build_conversation_golden_without_negatives():
    example = ex("p1", "Anna flew to Zürich.", [("Anna", "person"), ("Zürich", "city")])
    [conv], stats = build_conversations([example], BuildConfig(negatives="none", seed=0))
    record = conversation_to_record(conv)
    assert record["id"] == "p1"
    turns = record["conversations"]
    assert turns[0] == {"from": "human", "value": "Text: Anna flew to Zürich."}
    assert turns[1] == {"from": "gpt", "value": "I've read this text."}
    pairs = {(turns[i]["value"], turns[i + 1]["value"]) for i in range(2, len(turns), 2)}
    assert pairs == {
        ("What describes person in the text?", '["Anna"]'),
        ("What describes city in the text?", '["Zürich"]'),
    }
    assert (stats.conversations, stats.positive_queries, stats.negative_queries, stats.types) == (1, 2, 0, 2)


def test_build_dataset_tag_first_turn():
    example = ex("p1", "Anna.", [("Anna", "person")], dataset="conll2003")
    [conv], _ = build_conversations([example], BuildConfig(negatives="none", dataset_tag=True))
    assert conversation_to_record(conv)["conversations"][0]["value"] == "Dataset: conll2003\nText: Anna."


def _corpus():
    types = ["person", "city", "date", "org", "drug", "disease"]
    out = []
    for i in range(40):
        t1, t2 = types[i % 6], types[(i * 7 + 1) % 6]
        out.append(ex(f"s{i}", f"Alpha{i} and Beta{i}.", [(f"Alpha{i}", t1), (f"Beta{i}", t2)]))
    return out


def test_build_same_seed_same_bytes(tmp_path):
    config = BuildConfig(negatives="frequency", num_negatives=2, seed=5)
    first, _ = build_conversations(_corpus(), config)
    second, _ = build_conversations(_corpus(), config)
    write_conversations(tmp_path / "a.jsonl", first)
    write_conversations(tmp_path / "b.jsonl", second)
    assert (tmp_path / "a.jsonl").read_bytes() == (tmp_path / "b.jsonl").read_bytes()
    other, _ = build_conversations(_corpus(), BuildConfig(negatives="frequency", num_negatives=2, seed=6))
    write_conversations(tmp_path / "c.jsonl", other)
    assert (tmp_path / "a.jsonl").read_bytes() != (tmp_path / "c.jsonl").read_bytes()


def test_build_question_order_is_shuffled():
    example = ex("p", "a b c d e f g h", [(w, f"type {w}") for w in "abcdefgh"])
    orders = set()
    for seed in range(6):
        [conv], _ = build_conversations([example], BuildConfig(negatives="none", seed=seed))
        orders.add(tuple(q.type for q in conv.queries))
    assert len(orders) > 1


def test_build_negatives_are_empty_lists_and_absent_types():
    conversations, stats = build_conversations(_corpus(), BuildConfig(negatives="uniform", num_negatives=3, seed=1))
    assert stats.negative_queries == 3 * len(conversations)
    for conv in conversations:
        positives = {q.type for q in conv.queries if q.answer != "[]"}
        negatives = [q.type for q in conv.queries if q.answer == "[]"]
        assert len(negatives) == 3 and not positives & set(negatives)


def test_build_partial_examples_get_only_vouched_negatives():
    examples = [
        ex("full", "Rome and Anna", [("Rome", "city"), ("Anna", "person")]),
        ex("neg", "no drug here", labelled={"drug"}),
        ex("pos", "aspirin helps", [("aspirin", "drug")], labelled={"drug"}),
    ]
    conversations, _ = build_conversations(examples, BuildConfig(negatives="frequency", num_negatives=5))
    by_id = {c.id: c for c in conversations}
    assert by_id["neg"].queries == [Query("drug", "[]")]
    assert by_id["pos"].queries == [Query("drug", '["aspirin"]')]
    assert {q.type for q in by_id["full"].queries if q.answer == "[]"} == {"drug"}


def test_build_drops_are_counted_by_reason():
    examples = [ex("blank", "   "), ex("empty", "nothing here"), ex("ok", "Anna", [("Anna", "person")])]
    conversations, stats = build_conversations(examples, BuildConfig(negatives="none"))
    assert [c.id for c in conversations] == ["ok"]
    assert stats.dropped == {DROP_BLANK: 1, DROP_NO_QUERY: 1}
    text = "\n".join(summary_lines(stats))
    assert "dropped: 2" in text and f"{DROP_NO_QUERY}: 1" in text


def test_build_max_per_dataset_samples_each_dataset():
    examples = [ex(f"a{i}", f"A{i}", [(f"A{i}", "x")], dataset="big") for i in range(30)]
    examples += [ex(f"b{i}", f"B{i}", [(f"B{i}", "y")], dataset="small") for i in range(4)]
    config = BuildConfig(negatives="none", max_per_dataset=10, seed=3)
    conversations, stats = build_conversations(examples, config)
    assert stats.per_dataset == {"big": 10, "small": 4}
    assert stats.dropped == {DROP_OVER_MAX: 20}
    again, _ = build_conversations(examples, config)
    assert [c.id for c in conversations] == [c.id for c in again]
    other, _ = build_conversations(examples, BuildConfig(negatives="none", max_per_dataset=10, seed=4))
    assert [c.id for c in conversations] != [c.id for c in other]


def test_build_negatives_stay_within_dataset_pool():
    examples = [ex("c1", "Rome", [("Rome", "city")], dataset="geo"), ex("c2", "Anna", [("Anna", "person")], dataset="geo"),
                ex("m1", "flu", [("flu", "disease")], dataset="med"), ex("m2", "aspirin", [("aspirin", "drug")], dataset="med")]
    conversations, _ = build_conversations(examples, BuildConfig(negatives="uniform", num_negatives=5))
    negatives = {c.id: {q.type for q in c.queries if q.answer == "[]"} for c in conversations}
    assert negatives == {"c1": {"person"}, "c2": {"city"}, "m1": {"drug"}, "m2": {"disease"}}


def test_build_duplicate_ids_are_renamed():
    examples = [ex("x", "Anna", [("Anna", "person")], dataset="a"), ex("x", "Bob", [("Bob", "person")], dataset="b")]
    conversations, stats = build_conversations(examples, BuildConfig(negatives="none"))
    assert [c.id for c in conversations] == ["x", "x#2"]
    assert stats.renamed_ids == 1


@pytest.mark.parametrize(
    "kwargs, message",
    [({"num_negatives": -1}, "num-negatives"), ({"max_per_dataset": 0}, "max-per-dataset"),
     ({"negatives": "hard"}, "frequency, none, uniform")],
)
def test_build_config_rejects_bad_values(kwargs, message):
    with pytest.raises(ConfigError, match=message):
        BuildConfig(**kwargs)


def test_build_output_is_official_shape(tmp_path):
    conversations, _ = build_conversations(_corpus()[:3], BuildConfig(seed=0))
    write_conversations(tmp_path / "out.json", conversations)
    records = json.loads((tmp_path / "out.json").read_text(encoding="utf-8"))
    for record in records:
        assert list(record) == ["id", "conversations"]
        assert all(list(turn) == ["from", "value"] for turn in record["conversations"])
        assert [t["from"] for t in record["conversations"]] == ["human", "gpt"] * (len(record["conversations"]) // 2)
