"""Building the gold of a dataset split: official queries, BIO-derived queries, subsamples,
and (with UNINER_DATA) the official files checked against the BIO test files."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from uniner.data.conversations import Conversation, Query
from uniner.data.datasets import DATASETS, dataset_from_path
from uniner.errors import ConfigError, DataFormatError
from uniner.eval.benchmark import (
    derived_queries,
    group_official,
    load_gold,
    read_official,
    reconcile_official,
    subsample_indices,
)
from uniner.types import Entity, Example


def test_load_gold_official_queries_and_reconciled_offsets(toy_dir: Path):
    gold = load_gold(dataset_from_path(toy_dir), "test", None)
    assert [q.id for q in gold.queries] == ["toy_0", "toy_1", "toy_2", "toy_3"]
    assert [(q.passage, q.type) for q in gold.queries] == [
        (0, "person"),
        (0, "location"),
        (1, "location"),
        (1, "person"),
    ]
    assert gold.passages == ("Ada Lovelace met Babbage in London .", "Bob flew to Rome")
    assert gold.entities is not None
    # "Rome" ends its sentence and is missing from the official list: left out of the strict gold too.
    assert [(e.text, e.type) for e in gold.entities[1]] == [("Bob", "person")]
    assert [e.text for e in gold.entities[0]] == ["Ada Lovelace", "Babbage", "London"]
    assert gold.total_passages == 2
    note = "the official file leaves out 1 BIO sentence(s) and 1 BIO mention(s) of the sentences it keeps; "
    assert gold.notes == (note + "both metrics follow it",)
    assert [e.text for e in gold.reference[1].entities] == ["Bob"]


def test_load_gold_dev_split_derives_queries_from_bio(toy_dir: Path):
    gold = load_gold(dataset_from_path(toy_dir), "dev", None)
    assert len(gold.passages) == 3 and len(gold.queries) == 6
    assert [(q.id, q.gold) for q in gold.queries[2:4]] == [
        ("toy-dev-1-person", '["Bob"]'),
        ("toy-dev-1-location", '["Rome"]'),
    ]
    assert gold.source == "BIO dev.txt"


def test_load_gold_bare_official_file_has_no_offsets(toy_dir: Path):
    gold = load_gold(dataset_from_path(toy_dir / "uniner_test.json"), "test", None)
    assert gold.entities is None
    assert gold.name == "uniner_test" and gold.domain == "custom"
    # The oracle's view: gold mentions located in the passage.
    assert [(e.text, e.start, e.type) for e in gold.reference[0].entities] == [
        ("Ada Lovelace", 0, "person"),
        ("Babbage", 17, "person"),
        ("London", 28, "location"),
    ]


def test_load_gold_unknown_split_is_a_config_error(toy_dir: Path):
    with pytest.raises(ConfigError, match="no 'train' split"):
        load_gold(dataset_from_path(toy_dir), "train", None)


def test_group_official_repeated_type_starts_a_new_passage():
    convs = [Conversation(str(i), "same text", [Query(t, "[]")]) for i, t in enumerate(["a", "b", "a", "b"])]
    groups = group_official(convs, Path("x.json"))
    assert [[q[0] for q in g.queries] for g in groups] == [["0", "1"], ["2", "3"]]


def test_reconcile_official_rejects_a_passage_missing_from_bio():
    examples = [Example("e0", "one two")]
    official = group_official([Conversation("r0", "three", [Query("t", "[]")])], Path("x.json"))
    with pytest.raises(DataFormatError, match=r"x\.json: record r0: its passage is not a BIO test sentence"):
        reconcile_official(examples, official, Path("x.json"))


def test_reconcile_official_rejects_a_gold_mention_not_annotated():
    examples = [Example("e0", "Ann met Bob", (Entity.from_source("Ann met Bob", 0, 3, "person"),))]
    official = group_official([Conversation("r0", "Ann met Bob", [Query("person", '["Bob"]')])], Path("x.json"))
    with pytest.raises(DataFormatError, match=r"gold mention 'Bob' \(person\) is not annotated"):
        reconcile_official(examples, official, Path("x.json"))


def test_read_official_rejects_duplicate_ids(tmp_path: Path):
    record = {
        "id": "a",
        "conversations": [
            {"from": "human", "value": "Text: x"},
            {"from": "gpt", "value": "ok"},
            {"from": "human", "value": "What describes t in the text?"},
            {"from": "gpt", "value": "[]"},
        ],
    }
    path = tmp_path / "u.json"
    path.write_text(json.dumps([record, record]), encoding="utf-8")
    with pytest.raises(DataFormatError, match="record id 'a' occurs more than once"):
        read_official(path)


def test_derived_queries_every_type_for_every_sentence_in_text_order():
    text = "Bob and Ann and Bob"
    ents = tuple(Entity.from_source(text, s, e, "person") for s, e in [(16, 19), (0, 3), (8, 11)])
    queries = derived_queries([Example("e", text, ents)], ["person", "location"], "d-test")
    assert [(q.id, q.type, q.gold) for q in queries] == [
        ("d-test-0-person", "person", '["Bob", "Ann", "Bob"]'),
        ("d-test-0-location", "location", "[]"),
    ]


def test_subsample_indices_seeded_sorted_and_bounded():
    first = subsample_indices(1000, 50, seed=0)
    assert first == subsample_indices(1000, 50, seed=0)
    assert first == sorted(first) and len(set(first)) == 50
    assert first != subsample_indices(1000, 50, seed=1)
    assert subsample_indices(10, 50, seed=0) == list(range(10))
    assert subsample_indices(10, None, seed=0) == list(range(10))
    with pytest.raises(ConfigError):
        subsample_indices(10, 0, seed=0)


def test_load_gold_subsample_keeps_queries_with_their_passages(toy_dir: Path):
    gold = load_gold(dataset_from_path(toy_dir), "dev", None, max_sentences=2, seed=3)
    assert len(gold.passages) == 2 and len(gold.queries) == 4
    kept = sorted({int(q.id.split("-")[2]) for q in gold.queries})
    assert [q.passage for q in gold.queries] == [0, 0, 1, 1]
    assert gold.passages == tuple(load_gold(dataset_from_path(toy_dir), "dev", None).passages[i] for i in kept)
    assert "subsample of 2 of 3 passages (seed 3)" in gold.notes


# --- the real official files against the BIO test files (needs UNINER_DATA) --------------------

#: What the upstream conversion left out: (last BIO test sentences missing, sentence-final mentions missing).
OFFICIAL_GAPS = {
    "crossner_ai": (0, 4),
    "crossner_literature": (0, 2),
    "crossner_music": (0, 2),
    "crossner_politics": (1, 1),
    "crossner_science": (0, 1),
    "mit_restaurant": (1, 0),
}


@pytest.mark.parametrize("name", sorted(OFFICIAL_GAPS))
def test_official_file_equals_bio_test_sentences_and_mentions(data_dir: Path, name: str):
    spec = DATASETS.get(name)
    official = read_official(spec.uniner_eval_path(data_dir))
    examples = list(spec.examples("test", data_dir))
    missing_sentences, missing_mentions = OFFICIAL_GAPS[name]
    # Passages: the BIO test sentences joined by spaces, in order; only the last ones are missing.
    assert [p.text for p in official] == [e.text for e in examples[: len(examples) - missing_sentences]]
    gaps = 0
    for passage, example in zip(official, examples):
        assert sorted(t for _, t, _ in passage.queries) == sorted(spec.types)  # every type, every passage
        for _, type_name, answer in passage.queries:
            ordered = sorted((e for e in example.entities if e.type == type_name), key=lambda e: e.start)
            bio = [e.text for e in ordered]
            listed = json.loads(answer)
            if listed != bio:
                # The one difference: an entity that ends the sentence is not listed.
                assert listed == bio[:-1] and ordered[-1].end == len(example.text)
                gaps += 1
    assert gaps == missing_mentions


def test_load_gold_zero_shot_official_queries_are_the_file(data_dir: Path):
    spec = DATASETS.get("crossner_ai")
    records = json.loads(spec.uniner_eval_path(data_dir).read_text(encoding="utf-8"))
    gold = load_gold(spec, "test", data_dir)
    assert [q.id for q in gold.queries] == [r["id"] for r in records]
    assert [q.gold for q in gold.queries] == [r["conversations"][3]["value"] for r in records]
    assert [f"What describes {q.type} in the text?" for q in gold.queries] == [
        r["conversations"][2]["value"] for r in records
    ]
    assert [f"Text: {gold.passages[q.passage]}" for q in gold.queries] == [
        r["conversations"][0]["value"] for r in records
    ]
