"""EvaluationReport: averages, the JSON shape and the Markdown table (golden)."""

from __future__ import annotations

import pytest

from uniner.eval.metrics import Counts, MetricResult
from uniner.eval.report import DatasetResult, EvaluationReport, render_markdown, report_to_json


def dataset(name: str, domain: str, uniner: Counts, strict: Counts | None) -> DatasetResult:
    scores = {"uniner": MetricResult("uniner", {"t": uniner}, 10)}
    if strict is not None:
        scores["strict"] = MetricResult("strict", {"t": strict}, 5)
    return DatasetResult(name, domain, "test", scores, passages=5, total_passages=5, queries=10)


REPORT = EvaluationReport(
    model="m",
    split="test",
    metrics=("uniner", "strict"),
    datasets=(
        dataset("a", "general", Counts(1, 2, 4), Counts(1, 1, 1)),
        dataset("b", "general", Counts(2, 2, 2), Counts(0, 1, 1)),
        dataset("c", "social media", Counts(0, 0, 3), None),
    ),
)


def test_report_averages_are_unweighted_means_of_dataset_f1():
    f1_a = 2 * 0.5 * 0.25 / 0.75
    assert REPORT.average("uniner") == (f1_a + 1.0 + 0.0) / 3
    assert REPORT.average("strict") == 0.5  # c has no strict score: mean over a and b
    assert REPORT.domain_averages("uniner") == {"general": (f1_a + 1.0) / 2, "social media": 0.0}


def test_report_to_json_has_the_documented_shape():
    data = report_to_json(REPORT)
    assert set(data["datasets"]) == {"a", "b", "c"}
    assert {k: data["datasets"]["a"]["uniner"][k] for k in ("precision", "recall", "f1")} == {
        "precision": 50.0,
        "recall": 25.0,
        "f1": pytest.approx(100 / 3),
    }
    assert data["datasets"]["c"]["strict"] is None
    assert data["average"] == {"uniner": {"f1": pytest.approx(400 / 9)}, "strict": {"f1": 50.0}}


def test_render_markdown_golden():
    assert render_markdown(REPORT) == (
        "Model: m · split: test\n"
        "\n### uniner\n\n"
        "| dataset | domain | P | R | F1 | #queries/#gold |\n"
        "|---|---|---:|---:|---:|---:|\n"
        "| a | general | 50.00 | 25.00 | 33.33 | 10/4 |\n"
        "| b | general | 100.00 | 100.00 | 100.00 | 10/2 |\n"
        "| c | social media | 0.00 | 0.00 | 0.00 | 10/3 |\n"
        "| **Average** | | | | **44.44** | |\n"
        "| average: general | general | | | 66.67 | |\n"
        "| average: social media | social media | | | 0.00 | |\n"
        "\n### strict\n\n"
        "| dataset | domain | P | R | F1 | #sentences/#gold |\n"
        "|---|---|---:|---:|---:|---:|\n"
        "| a | general | 100.00 | 100.00 | 100.00 | 5/1 |\n"
        "| b | general | 0.00 | 0.00 | 0.00 | 5/1 |\n"
        "| c | social media | n/a | n/a | n/a | n/a |\n"
        "| **Average** | | | | **50.00** | |\n"
    )
