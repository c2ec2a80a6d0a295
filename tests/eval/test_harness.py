"""The harness end to end on a hand-written dataset: evaluate() and score_predictions()."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import pytest

from uniner.data.datasets import dataset_from_path
from uniner.engine.backends.gold import GoldOracle
from uniner.errors import ConfigError, DataFormatError
from uniner.eval.harness import ReferenceAware, evaluate, score_predictions
from uniner.eval.report import render_markdown, report_to_json
from uniner.types import Entity


class FirstWordPredictor:
    """Tags the first word of every text as a person (wrong for 'Ada Lovelace', right for 'Bob')."""

    name = "first-word"

    def predict(self, texts: Sequence[str], types: Sequence[str]) -> list[list[Entity]]:
        return [[Entity.from_source(t, 0, t.index(" "), "person")] for t in texts]


def test_evaluate_gold_oracle_scores_100_on_both_metrics(toy_dir: Path):
    oracle = GoldOracle()
    assert isinstance(oracle, ReferenceAware)
    for split in ("test", "dev"):
        report = evaluate(oracle, [dataset_from_path(toy_dir)], split=split, progress=False)
        result = report.datasets[0]
        assert set(result.scores) == {"uniner", "strict"}
        assert all(s.f1 == s.precision == s.recall == 1.0 for s in result.scores.values())
        assert report.average("uniner") == report.average("strict") == 1.0


def test_evaluate_counts_a_real_predictor(toy_dir: Path):
    report = evaluate(FirstWordPredictor(), [dataset_from_path(toy_dir)], progress=False)
    uniner, strict = report.datasets[0].scores["uniner"], report.datasets[0].scores["strict"]
    # Official test: gold person lists ["Ada Lovelace", "Babbage"], ["Bob"]; location ["London"], [].
    assert (uniner.micro.correct, uniner.micro.predicted, uniner.micro.gold) == (1, 2, 4)
    # Strict gold: Ada Lovelace, Babbage, London | Bob (Rome left out with the official file).
    assert (strict.micro.correct, strict.micro.predicted, strict.micro.gold) == (1, 2, 4)
    assert report.datasets[0].scores["uniner"].per_label["location"].gold == 1


def test_evaluate_metric_selection_and_unknown_metric(toy_dir: Path):
    report = evaluate(GoldOracle(), [dataset_from_path(toy_dir)], metrics=("strict",), progress=False)
    assert report.metrics == ("strict",) and set(report.datasets[0].scores) == {"strict"}
    with pytest.raises(Exception, match="unknown metric 'nope'; available: strict, uniner"):
        evaluate(GoldOracle(), [dataset_from_path(toy_dir)], metrics=("nope",), progress=False)


def test_evaluate_bare_official_file_has_no_strict_score(toy_dir: Path):
    report = evaluate(GoldOracle(), str(toy_dir / "uniner_test.json"), progress=False)
    result = report.datasets[0]
    assert set(result.scores) == {"uniner"} and result.scores["uniner"].f1 == 1.0
    assert report.average("strict") is None
    assert "| uniner_test | custom | n/a | n/a | n/a | n/a |" in render_markdown(report)
    assert report_to_json(report)["datasets"]["uniner_test"]["strict"] is None


def test_evaluate_accepts_selectors_and_specs(toy_dir: Path):
    report = evaluate(GoldOracle(), [str(toy_dir), dataset_from_path(toy_dir / "uniner_test.json")], progress=False)
    assert [d.name for d in report.datasets] == ["toy", "uniner_test"]


def test_evaluate_subsample_is_stated(toy_dir: Path):
    report = evaluate(GoldOracle(), [dataset_from_path(toy_dir)], split="dev", max_sentences=2, progress=False)
    assert report.subsample == (2, 0) and report.datasets[0].passages == 2
    text = render_markdown(report)
    assert "Subsample: at most 2 sentences per dataset (seeded sample, seed 0" in text
    assert report_to_json(report)["subsample"] == {"max_sentences": 2, "seed": 0}


def write_predictions(tmp_path: Path, lines: list[dict]) -> Path:
    path = tmp_path / "preds.jsonl"
    path.write_text("".join(json.dumps(line) + "\n" for line in lines), encoding="utf-8")
    return path


def test_score_predictions_scores_raw_answers(toy_dir: Path, tmp_path: Path):
    gold_path = toy_dir / "uniner_test.json"
    preds = write_predictions(
        tmp_path,
        [
            {"id": "toy_0", "output": '["ada lovelace", "The Babbage", "Turing"]\nThese are people.'},
            {"id": "toy_1", "output": "London"},  # not a list: empty
            {"id": "toy_3", "output": '["Bob"]'},
        ],
    )
    report = score_predictions(preds, gold_path)
    result = report.datasets[0]
    assert result.name == "uniner_test" and result.missing_answers == 1
    micro = result.scores["uniner"].micro
    assert (micro.correct, micro.predicted, micro.gold) == (3, 4, 4)
    data = report_to_json(report)
    assert data["datasets"]["uniner_test"]["uniner"]["precision"] == 75.0
    assert data["average"] == {"uniner": {"f1": 75.0}}
    assert "1 queries had no prediction and were scored as empty answers" in render_markdown(report)


def test_score_predictions_errors(toy_dir: Path, tmp_path: Path):
    gold_path = toy_dir / "uniner_test.json"
    preds = write_predictions(tmp_path, [{"id": "toy_9", "output": "[]"}])
    with pytest.raises(DataFormatError, match=r"preds\.jsonl:1: id 'toy_9' is not a query id"):
        score_predictions(preds, gold_path)
    with pytest.raises(ConfigError, match="strict metric needs entity offsets"):
        score_predictions(preds, gold_path, metrics=("uniner", "strict"))
    with pytest.raises(DataFormatError, match="gold file does not exist"):
        score_predictions(preds, tmp_path / "missing.json")
