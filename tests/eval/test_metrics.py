"""Metric strategies: the uniner metric against an independent implementation (on
hand-made and, with UNINER_DATA, on the official gold answers), strict properties."""

from __future__ import annotations

import json
import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from uniner_reference import gold_lists, perturbed_prediction, reference_counts

from uniner.eval.metrics import METRICS, Counts, MetricResult, score_strict, score_uniner
from uniner.eval.sets import AnswerQuery, GoldSet, PredictionSet
from uniner.types import Entity


def reference_prf(pairs: list[tuple[str, str]]) -> tuple[float, float, float]:
    """Micro P/R/F1 over (prediction, gold) raw answers, straight from the rule."""
    correct = n_pred = n_gold = 0
    for pred, gold in pairs:
        c, p, g = reference_counts(pred, gold)
        correct, n_pred, n_gold = correct + c, n_pred + p, n_gold + g
    precision = correct / n_pred if n_pred else 0.0
    recall = correct / n_gold if n_gold else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1


def answer_gold(golds: list[str], types: tuple[str, ...] = ("t",)) -> GoldSet:
    queries = tuple(AnswerQuery(f"q{i}", i, types[i % len(types)], g) for i, g in enumerate(golds))
    return GoldSet("d", "general", types, tuple("p" for _ in golds), queries, None)


def test_counts_zero_division_guards():
    assert Counts().precision == Counts().recall == Counts().f1 == 0.0
    assert Counts(0, 3, 0).f1 == 0.0
    c = Counts(2, 4, 8)
    assert (c.precision, c.recall) == (0.5, 0.25)
    assert c.f1 == pytest.approx(2 * 0.5 * 0.25 / 0.75)


def test_metric_result_macro_skips_labels_without_items():
    result = MetricResult("x", {"a": Counts(1, 1, 1), "b": Counts(0, 1, 1), "c": Counts()}, 3)
    assert result.micro == Counts(1, 2, 2)
    assert result.macro_f1 == 0.5
    assert result.f1 == 0.5


def test_metrics_registry_lists_both_strategies():
    assert {"uniner", "strict"} <= set(METRICS.names())
    assert METRICS.get("strict").needs == "entities"
    assert METRICS.get("uniner").needs == "answers"


def test_score_uniner_missing_answer_is_empty():
    gold = answer_gold(['["x", "y"]', "[]"])
    result = score_uniner(gold, PredictionSet(answers={"q0": '["X"]'}))
    assert result.micro == Counts(1, 1, 2)
    assert result.units == 2


@given(data=st.data(), golds=st.lists(gold_lists, min_size=1, max_size=8))
@settings(max_examples=200, deadline=None)
def test_score_uniner_equals_independent_micro_prf(data, golds):
    gold_raw = [json.dumps(g) for g in golds]
    preds = [data.draw(perturbed_prediction(g)) for g in golds]
    gold = answer_gold(gold_raw, types=("a", "b"))
    result = score_uniner(gold, PredictionSet(answers={f"q{i}": p for i, p in enumerate(preds)}))
    expected = reference_prf(list(zip(preds, gold_raw)))
    assert (result.precision, result.recall, result.f1) == pytest.approx(expected, abs=1e-12)


ZERO_SHOT_OFFICIAL = [
    "crossner_ai",
    "crossner_literature",
    "crossner_music",
    "crossner_politics",
    "crossner_science",
    "mit_restaurant",
]


@pytest.fixture(scope="module")
def official_answers(data_dir) -> list[str]:
    answers: list[str] = []
    for name in ZERO_SHOT_OFFICIAL:
        records = json.loads((data_dir / "benchmark" / name / "uniner_test.json").read_text(encoding="utf-8"))
        answers += [r["conversations"][-1]["value"] for r in records if r["conversations"][-1]["value"] != "[]"]
    return answers


def test_score_uniner_on_perturbed_official_gold_answers(official_answers):
    # Hypothesis draws the perturbations; the gold answers are the official files' own.
    @given(data=st.data(), picks=st.lists(st.sampled_from(official_answers), min_size=1, max_size=10))
    @settings(max_examples=150, deadline=None)
    def check(data, picks):
        preds = [data.draw(perturbed_prediction(json.loads(g))) for g in picks]
        gold = answer_gold(picks)
        result = score_uniner(gold, PredictionSet(answers={f"q{i}": p for i, p in enumerate(preds)}))
        assert (result.precision, result.recall, result.f1) == pytest.approx(
            reference_prf(list(zip(preds, picks))), abs=1e-12
        )

    check()


# --- strict ---------------------------------------------------------------------------------------

TEXT = "abcdefghijklmnopqrstuvwxyz"
span = st.tuples(st.integers(0, 24), st.integers(1, 4), st.sampled_from(["per", "loc"])).map(
    lambda t: Entity.from_source(TEXT, t[0], min(t[0] + t[1], len(TEXT)), t[2])
)
passages = st.lists(st.lists(span, max_size=5), min_size=1, max_size=4)


def strict_sets(gold: list[list[Entity]], pred: list[list[Entity]]) -> tuple[GoldSet, PredictionSet]:
    g = GoldSet("d", "general", ("per", "loc"), tuple(TEXT for _ in gold), (), tuple(map(tuple, gold)))
    return g, PredictionSet(entities=tuple(map(tuple, pred)))


def reference_strict(gold: list[list[Entity]], pred: list[list[Entity]]) -> tuple[int, int, int]:
    correct = 0
    for g, p in zip(gold, pred):
        remaining = [(e.start, e.end, e.type) for e in g]
        for e in p:
            key = (e.start, e.end, e.type)
            if key in remaining:
                remaining.remove(key)
                correct += 1
    return correct, sum(map(len, pred)), sum(map(len, gold))


@given(gold=passages, data=st.data())
@settings(max_examples=200, deadline=None)
def test_score_strict_equals_independent_count(gold, data):
    pred = [data.draw(st.lists(span, max_size=5)) for _ in gold]
    result = score_strict(*strict_sets(gold, pred))
    assert (result.micro.correct, result.micro.predicted, result.micro.gold) == reference_strict(gold, pred)
    assert result.units == len(gold)


@given(gold=passages)
def test_score_strict_gold_against_itself_is_perfect_and_order_free(gold):
    shuffled = [random.Random(0).sample(p, len(p)) for p in gold]
    result = score_strict(*strict_sets(gold, shuffled))
    total = sum(map(len, gold))
    assert result.micro == Counts(total, total, total)
    assert result.f1 == (1.0 if total else 0.0)


@given(gold=passages)
def test_score_strict_counts_duplicates(gold):
    doubled = [p + p for p in gold]
    result = score_strict(*strict_sets(gold, doubled))
    total = sum(map(len, gold))
    assert result.micro == Counts(total, 2 * total, total)


def test_score_strict_type_and_boundary_must_match():
    gold = [[Entity.from_source(TEXT, 0, 3, "per")]]
    wrong = [[Entity.from_source(TEXT, 0, 3, "loc"), Entity.from_source(TEXT, 0, 4, "per")]]
    result = score_strict(*strict_sets(gold, wrong))
    assert result.micro == Counts(0, 2, 1)
    assert result.per_label["loc"] == Counts(0, 1, 0)
    assert result.per_label["per"] == Counts(0, 1, 1)
