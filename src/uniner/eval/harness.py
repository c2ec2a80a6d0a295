"""The benchmark harness: a predictor (or a file of raw answers) against datasets.

Library code: returns an ``EvaluationReport``, never prints (a progress bar on
stderr is the one exception, and ``progress=False`` turns it off).  One
prediction pass per dataset serves every metric: the predictor is asked every
type of the dataset for every passage; its entities are scored offset-exactly
(``strict``) and, as surface strings per (passage, type) query, by the
UniversalNER rule (``uniner``).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Protocol, runtime_checkable

from tqdm.auto import tqdm

from uniner.data.datasets import DatasetSpec, dataset_from_path, resolve_datasets
from uniner.engine.base import Predictor
from uniner.errors import ConfigError, DataFormatError
from uniner.eval.benchmark import load_gold
from uniner.eval.metrics import METRICS, Metric
from uniner.eval.predictions import answers_for, answers_from_entities, predict_passages, read_answer_file
from uniner.eval.report import DatasetResult, EvaluationReport
from uniner.eval.sets import GoldSet, PredictionSet
from uniner.provenance import provenance
from uniner.types import Example


@runtime_checkable
class ReferenceAware(Protocol):
    """A predictor that wants the annotated passages before it is asked (the gold oracle).

    The harness hands every such predictor the same thing, whatever the metric:
    the dataset's gold passages, in the order it will ask about them.
    """

    def set_reference(self, examples: Sequence[Example]) -> None: ...


DEFAULT_METRICS = ("uniner", "strict")


def _metrics(names: Sequence[str]) -> list[Metric]:
    if not names:
        raise ConfigError("no metric asked for; available: " + ", ".join(METRICS.names()))
    return [METRICS.get(name) for name in dict.fromkeys(names)]


def _specs(datasets: str | Sequence[str | DatasetSpec], data_dir: Path | None) -> list[DatasetSpec]:
    if isinstance(datasets, str):
        datasets = [datasets]
    specs: list[DatasetSpec] = []
    for item in datasets:
        for spec in resolve_datasets(item, data_dir) if isinstance(item, str) else [item]:
            if all(spec.name != seen.name for seen in specs):
                specs.append(spec)
    if not specs:
        raise ConfigError("no dataset to evaluate on")
    return specs


def _score(gold: GoldSet, predicted: PredictionSet, metrics: Sequence[Metric]) -> dict[str, object]:
    return {m.name: m.score(gold, predicted) for m in metrics if m.applies_to(gold, predicted)}


def evaluate(
    predictor: Predictor,
    datasets: str | Sequence[str | DatasetSpec],
    split: str = "test",
    data_dir: Path | None = None,
    max_sentences: int | None = None,
    metrics: Sequence[str] = DEFAULT_METRICS,
    progress: bool = True,
    batch_size: int = 16,
    seed: int = 0,
) -> EvaluationReport:
    """Score ``predictor`` on ``datasets``: selectors (``zero-shot``, ``a,b``, a path) or specs.

    ``max_sentences`` takes the same seeded sample of each dataset for every model.
    """
    chosen = _metrics(metrics)
    specs = _specs(datasets, data_dir)
    golds = [load_gold(spec, split, data_dir, max_sentences, seed) for spec in specs]
    results = []
    total = sum(len(g.passages) for g in golds)
    with tqdm(total=total, desc="evaluating", unit="sentence", disable=None if progress else True) as bar:
        for gold in golds:
            bar.set_postfix_str(gold.name)
            if isinstance(predictor, ReferenceAware):
                predictor.set_reference(gold.reference)
            entities = predict_passages(predictor.predict, gold, batch_size, on_batch=bar.update)
            predicted = PredictionSet(answers=answers_from_entities(gold, entities), entities=entities)
            results.append(_result(gold, split, _score(gold, predicted, chosen)))
    return EvaluationReport(
        model=getattr(predictor, "name", type(predictor).__name__),
        split=split,
        metrics=tuple(m.name for m in chosen),
        datasets=tuple(results),
        subsample=None if max_sentences is None else (max_sentences, seed),
        provenance=provenance(
            {
                "model": getattr(predictor, "name", None),
                "datasets": [s.name for s in specs],
                "split": split,
                "max_sentences": max_sentences,
                "seed": seed,
                "metrics": [m.name for m in chosen],
                "batch_size": batch_size,
            }
        ),
    )


def _result(gold: GoldSet, split: str, scores: dict[str, object], missing: int = 0) -> DatasetResult:
    return DatasetResult(
        name=gold.name,
        domain=gold.domain,
        split=split,
        scores=scores,  # type: ignore[arg-type]
        passages=len(gold.passages),
        total_passages=gold.total_passages,
        queries=len(gold.queries),
        missing_answers=missing,
        source=gold.source,
        notes=gold.notes,
    )


def score_predictions(
    predictions_jsonl: str | Path, gold_uniner_json: str | Path, metrics: Sequence[str] = ("uniner",)
) -> EvaluationReport:
    """Score raw answers (``{"id", "output"}`` lines) against an official-format gold file.

    Only the ``uniner`` metric applies (raw answers carry no offsets).  Missing ids
    count as empty answers and are reported; an id the gold file lacks is an error.
    """
    predictions_path, gold_path = Path(predictions_jsonl), Path(gold_uniner_json)
    chosen = _metrics(metrics)
    for metric in chosen:
        if metric.needs != "answers":
            raise ConfigError(
                f"the {metric.name} metric needs entity offsets; a predictions file holds raw "
                "answers only: use the uniner metric"
            )
    if not gold_path.is_file():
        raise DataFormatError("gold file does not exist", gold_path)
    spec = dataset_from_path(gold_path)
    gold = load_gold(spec, "test", None)
    answer_file = read_answer_file(predictions_path)
    predicted, missing = answers_for(gold, answer_file, predictions_path, gold_path)
    result = _result(gold, "test", _score(gold, predicted, chosen), missing)
    return EvaluationReport(
        model=predictions_path.name,
        split="test",
        metrics=tuple(m.name for m in chosen),
        datasets=(result,),
        provenance=provenance({"predictions": str(predictions_path), "gold": str(gold_path)}),
    )
