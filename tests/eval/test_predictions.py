"""System output -> PredictionSet: predictor entities and predictions JSONL files."""

from __future__ import annotations

from pathlib import Path

import pytest

from uniner.errors import ConfigError, DataFormatError
from uniner.eval.predictions import (
    answers_for,
    answers_from_entities,
    canonical_types,
    predict_passages,
    read_answer_file,
)
from uniner.eval.sets import AnswerQuery, GoldSet
from uniner.types import Entity

TEXT = "Bob met Ann in Rome"


def gold_set() -> GoldSet:
    queries = (AnswerQuery("q0", 0, "person", '["Bob", "Ann"]'), AnswerQuery("q1", 0, "location", '["Rome"]'))
    return GoldSet("d", "general", ("person", "location"), (TEXT,), queries, ((),))


def ent(start: int, end: int, type_name: str) -> Entity:
    return Entity.from_source(TEXT, start, end, type_name)


def test_answers_from_entities_surface_strings_in_text_order():
    entities = [(ent(8, 11, "person"), ent(0, 3, "person"), ent(15, 19, "location"))]
    assert answers_from_entities(gold_set(), entities) == {"q0": '["Bob", "Ann"]', "q1": '["Rome"]'}


def test_canonical_types_case_insensitive_and_drops_unasked():
    out = canonical_types([ent(0, 3, "PERSON"), ent(15, 19, "city")], ["person", "location"])
    assert [(e.text, e.type) for e in out] == [("Bob", "person")]


def test_predict_passages_batches_and_checks_the_predictor():
    calls: list[int] = []

    def predict(texts, types):
        calls.append(len(texts))
        return [[Entity.from_source(t, 0, 3, "Person")] for t in texts]

    gold = GoldSet("d", "g", ("person",), (TEXT,) * 5, (), None)
    out = predict_passages(predict, gold, batch_size=2)
    assert calls == [2, 2, 1]
    assert all(e.type == "person" for entities in out for e in entities)
    with pytest.raises(ConfigError, match="returned 0 results for 2 texts"):
        predict_passages(lambda texts, types: [], gold, batch_size=2)
    with pytest.raises(DataFormatError, match="d passage 0: entity 'xyz'"):
        predict_passages(lambda texts, types: [[Entity("xyz", "person", 0, 3)] for _ in texts], gold, 2)


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "preds.jsonl"
    path.write_text(text, encoding="utf-8")
    return path


def test_read_answer_file_reads_ids_and_raw_outputs(tmp_path: Path):
    path = write(tmp_path, '{"id": "q0", "output": "[\\"Bob\\"] and more"}\n\n{"id": 7, "output": ""}\n')
    answers = read_answer_file(path)
    assert answers.answers == {"q0": '["Bob"] and more', "7": ""}
    assert answers.lines == {"q0": 1, "7": 3}


@pytest.mark.parametrize(
    "content, message",
    [
        ('{"id": "q0", "output": "[]"}\n{"id": "q1", "output": \n', r"preds\.jsonl:2: invalid JSON"),
        ('{"id": "q0"}\n', r"preds\.jsonl:1: expected \{\"id\""),
        ('{"id": "q0", "output": ["Bob"]}\n', r"preds\.jsonl:1: 'output' must be a string"),
        ('{"id": null, "output": "[]"}\n', r"preds\.jsonl:1: 'id' must be a string or an integer"),
        ('{"id": "q0", "output": "[]"}\n{"id": "q0", "output": "[]"}\n', r"preds\.jsonl:2: id 'q0' already"),
        ("[1, 2]\n", r"preds\.jsonl:1: expected"),
    ],
)
def test_read_answer_file_malformed_line_names_file_and_line(tmp_path: Path, content: str, message: str):
    with pytest.raises(DataFormatError, match=message):
        read_answer_file(write(tmp_path, content))


def test_read_answer_file_missing_file(tmp_path: Path):
    with pytest.raises(DataFormatError, match="cannot read predictions file"):
        read_answer_file(tmp_path / "nope.jsonl")


def test_answers_for_counts_missing_and_rejects_unknown_ids(tmp_path: Path):
    path = write(tmp_path, '{"id": "q0", "output": "[]"}\n')
    predicted, missing = answers_for(gold_set(), read_answer_file(path), path, Path("gold.json"))
    assert missing == 1 and predicted.answers == {"q0": "[]"}
    path = write(tmp_path, '{"id": "q0", "output": "[]"}\n{"id": "zz", "output": "[]"}\n')
    with pytest.raises(DataFormatError, match=r"preds\.jsonl:2: id 'zz' is not a query id of the gold file gold"):
        answers_for(gold_set(), read_answer_file(path), path, Path("gold.json"))
