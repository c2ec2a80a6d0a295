"""The result of an evaluation, its JSON form and its Markdown table.

Percentages are computed here, once; the JSON keeps them at full precision.
The benchmark average of a metric is the unweighted mean of per-dataset F1 over
the datasets that have that metric (UniversalNER protocol).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from statistics import fmean
from typing import Any

from uniner.eval.metrics import MetricResult


@dataclass(frozen=True)
class DatasetResult:
    name: str
    domain: str
    split: str
    #: metric name -> result; a metric that does not apply (no offsets) is absent.
    scores: Mapping[str, MetricResult]
    passages: int
    total_passages: int
    queries: int
    #: Queries with no answer in a predictions file (scored as empty answers).
    missing_answers: int = 0
    source: str = ""
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class EvaluationReport:
    model: str
    split: str
    metrics: tuple[str, ...]
    datasets: tuple[DatasetResult, ...]
    #: (max_sentences, seed) when a subsample was asked for.
    subsample: tuple[int, int] | None = None
    provenance: Mapping[str, Any] = field(default_factory=dict)

    def average(self, metric: str) -> float | None:
        """Unweighted mean of per-dataset micro F1 (a fraction), over datasets scored with ``metric``."""
        values = [d.scores[metric].f1 for d in self.datasets if metric in d.scores]
        return fmean(values) if values else None

    def domain_averages(self, metric: str) -> dict[str, float]:
        by_domain: dict[str, list[float]] = {}
        for d in self.datasets:
            if metric in d.scores:
                by_domain.setdefault(d.domain, []).append(d.scores[metric].f1)
        return {domain: fmean(values) for domain, values in by_domain.items()}

    @property
    def missing_answers(self) -> int:
        return sum(d.missing_answers for d in self.datasets)


def _percent(value: float) -> float:
    return 100.0 * value


def _metric_json(result: MetricResult) -> dict[str, Any]:
    micro = result.micro
    return {
        "precision": _percent(result.precision),
        "recall": _percent(result.recall),
        "f1": _percent(result.f1),
        "macro_f1": _percent(result.macro_f1),
        "correct": micro.correct,
        "predicted": micro.predicted,
        "gold": micro.gold,
        "units": result.units,
        "per_label": {
            label: {
                "precision": _percent(c.precision),
                "recall": _percent(c.recall),
                "f1": _percent(c.f1),
                "correct": c.correct,
                "predicted": c.predicted,
                "gold": c.gold,
            }
            for label, c in result.per_label.items()
        },
    }


def report_to_json(report: EvaluationReport) -> dict[str, Any]:
    """``{"datasets": {name: {metric: {precision, recall, f1, ...} | None}}, "average": {metric: {f1}}}``
    in percent, plus counts, notes, the subsample and provenance."""
    datasets: dict[str, Any] = {}
    for d in report.datasets:
        entry: dict[str, Any] = {m: (_metric_json(d.scores[m]) if m in d.scores else None) for m in report.metrics}
        entry.update(
            domain=d.domain,
            split=d.split,
            passages=d.passages,
            total_passages=d.total_passages,
            queries=d.queries,
            missing_answers=d.missing_answers,
            source=d.source,
            notes=list(d.notes),
        )
        datasets[d.name] = entry
    average: dict[str, Any] = {}
    domains: dict[str, Any] = {}
    for m in report.metrics:
        value = report.average(m)
        if value is not None:
            average[m] = {"f1": _percent(value)}
        for domain, f1 in report.domain_averages(m).items():
            domains.setdefault(domain, {})[m] = {"f1": _percent(f1)}
    out: dict[str, Any] = {
        "datasets": datasets,
        "average": average,
        "domain_average": domains,
        "model": report.model,
        "split": report.split,
    }
    if report.subsample is not None:
        out["subsample"] = {"max_sentences": report.subsample[0], "seed": report.subsample[1]}
    if report.provenance:
        out["provenance"] = dict(report.provenance)
    return out


def _cell(value: float | None) -> str:
    return "n/a" if value is None else f"{_percent(value):.2f}"


def _metric_table(report: EvaluationReport, metric: str) -> list[str]:
    unit = "#queries/#gold" if metric == "uniner" else "#sentences/#gold"
    lines = [f"| dataset | domain | P | R | F1 | {unit} |", "|---|---|---:|---:|---:|---:|"]
    for d in report.datasets:
        result = d.scores.get(metric)
        if result is None:
            lines.append(f"| {d.name} | {d.domain} | n/a | n/a | n/a | n/a |")
            continue
        lines.append(
            f"| {d.name} | {d.domain} | {_cell(result.precision)} | {_cell(result.recall)} | {_cell(result.f1)} "
            f"| {result.units}/{result.micro.gold} |"
        )
    lines.append(f"| **Average** | | | | **{_cell(report.average(metric))}** | |")
    domains = report.domain_averages(metric)
    if len(domains) > 1:
        for domain, f1 in domains.items():
            lines.append(f"| average: {domain} | {domain} | | | {_cell(f1)} | |")
    return lines


def render_markdown(report: EvaluationReport) -> str:
    """One table per metric: a row per dataset, the Average row, per-domain averages; then notes."""
    out = [f"Model: {report.model} · split: {report.split}"]
    if report.subsample is not None:
        n, seed = report.subsample
        out.append(f"Subsample: at most {n} sentences per dataset (seeded sample, seed {seed}; same for every model)")
    for metric in report.metrics:
        out += ["", f"### {metric}", ""] + _metric_table(report, metric)
    notes = [
        f"- {d.name}: " + "; ".join(([f"queries from {d.source}"] if d.source else []) + list(d.notes))
        for d in report.datasets
        if d.source or d.notes
    ]
    if report.missing_answers:
        notes.append(f"- {report.missing_answers} queries had no prediction and were scored as empty answers")
    if notes:
        out += ["", "Notes:"] + notes
    return "\n".join(out) + "\n"
