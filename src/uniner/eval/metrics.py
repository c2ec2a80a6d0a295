"""Metrics as strategies: each is a registry entry with one signature (STYLE rule 10).

``score(gold: GoldSet, predicted: PredictionSet) -> MetricResult``.  A metric
states what it needs (``answers`` or ``entities``); the harness only runs it
where both sides have that.  Counts and P/R/F1 live in one result type with
zero-division guards.

* ``uniner``: the UniversalNER protocol, per (passage, type) query, with the
  official answer rule (``uniner.eval.answers``), micro-averaged over queries.
  The official code adds 1e-10 to every denominator; here a zero denominator
  gives 0 instead, which differs from it by less than 1e-8 percentage points.
* ``strict``: offset-exact ``(start, end, type)`` matches per passage;
  duplicates are counted (a span predicted twice is one hit and one miss).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Literal

from uniner.errors import ConfigError
from uniner.eval.answers import score_answer
from uniner.eval.sets import GoldSet, PredictionSet
from uniner.registry import Registry


def _ratio(numerator: float, denominator: float) -> float:
    return numerator / denominator if denominator else 0.0


def _f1(precision: float, recall: float) -> float:
    return _ratio(2 * precision * recall, precision + recall)


@dataclass(frozen=True, slots=True)
class Counts:
    """Hits, predicted and gold items; precision/recall/F1 are fractions in [0, 1]."""

    correct: int = 0
    predicted: int = 0
    gold: int = 0

    def __add__(self, other: Counts) -> Counts:
        return Counts(self.correct + other.correct, self.predicted + other.predicted, self.gold + other.gold)

    @property
    def precision(self) -> float:
        return _ratio(self.correct, self.predicted)

    @property
    def recall(self) -> float:
        return _ratio(self.correct, self.gold)

    @property
    def f1(self) -> float:
        return _f1(self.precision, self.recall)


@dataclass(frozen=True)
class MetricResult:
    """One metric on one dataset: per-label counts, micro and macro P/R/F1.

    ``units`` is what was scored: queries (``uniner``) or passages (``strict``).
    Macro averages run over labels that have gold or predicted items.
    """

    metric: str
    per_label: Mapping[str, Counts]
    units: int

    @property
    def micro(self) -> Counts:
        total = Counts()
        for counts in self.per_label.values():
            total = total + counts
        return total

    @property
    def precision(self) -> float:
        return self.micro.precision

    @property
    def recall(self) -> float:
        return self.micro.recall

    @property
    def f1(self) -> float:
        return self.micro.f1

    def _active(self) -> list[Counts]:
        return [c for c in self.per_label.values() if c.gold or c.predicted]

    @property
    def macro_precision(self) -> float:
        active = self._active()
        return _ratio(sum(c.precision for c in active), len(active))

    @property
    def macro_recall(self) -> float:
        active = self._active()
        return _ratio(sum(c.recall for c in active), len(active))

    @property
    def macro_f1(self) -> float:
        active = self._active()
        return _ratio(sum(c.f1 for c in active), len(active))


Need = Literal["answers", "entities"]


@dataclass(frozen=True)
class Metric:
    name: str
    needs: Need
    score: Callable[[GoldSet, PredictionSet], MetricResult]
    description: str = ""

    def applies_to(self, gold: GoldSet, predicted: PredictionSet | None = None) -> bool:
        """Whether both sides carry what this metric scores."""
        if self.needs == "entities":
            return gold.entities is not None and (predicted is None or predicted.entities is not None)
        return True


METRICS: Registry[Metric] = Registry("metric")


def _freeze(per_label: dict[str, Counts]) -> Mapping[str, Counts]:
    return MappingProxyType(dict(per_label))


def score_uniner(gold: GoldSet, predicted: PredictionSet) -> MetricResult:
    """Micro P/R/F1 over every (passage, type) query; a missing answer is an empty one."""
    per_type: dict[str, Counts] = {t: Counts() for t in gold.types}
    for query in gold.queries:
        correct, n_pred, n_gold = score_answer(predicted.answers.get(query.id, ""), query.gold)
        per_type[query.type] = per_type.get(query.type, Counts()) + Counts(correct, n_pred, n_gold)
    return MetricResult("uniner", _freeze(per_type), len(gold.queries))


def score_strict(gold: GoldSet, predicted: PredictionSet) -> MetricResult:
    """Offset-exact ``(start, end, type)`` matching per passage, duplicates counted."""
    if gold.entities is None or predicted.entities is None:
        raise ConfigError(f"the strict metric needs entity offsets on both sides; {gold.name} has none")
    if len(predicted.entities) != len(gold.entities):
        raise ConfigError(
            f"{gold.name}: {len(predicted.entities)} predicted entity lists for {len(gold.entities)} passages"
        )
    per_type: dict[str, Counts] = {t: Counts() for t in gold.types}
    for gold_entities, predicted_entities in zip(gold.entities, predicted.entities):
        gold_spans = Counter((e.start, e.end, e.type) for e in gold_entities)
        predicted_spans = Counter((e.start, e.end, e.type) for e in predicted_entities)
        hits = gold_spans & predicted_spans
        for label in {span[2] for span in gold_spans + predicted_spans}:
            per_type[label] = per_type.get(label, Counts()) + Counts(
                sum(n for span, n in hits.items() if span[2] == label),
                sum(n for span, n in predicted_spans.items() if span[2] == label),
                sum(n for span, n in gold_spans.items() if span[2] == label),
            )
    return MetricResult("strict", _freeze(per_type), len(gold.entities))


METRICS.register(
    "uniner", Metric("uniner", "answers", score_uniner, "UniversalNER rule: per (passage, type) query, normalised")
)
METRICS.register("strict", Metric("strict", "entities", score_strict, "offset-exact (start, end, type)"))
