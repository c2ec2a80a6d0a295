"""``uniner evaluate``: score a model on benchmark datasets, or score a file of raw answers.

    uniner evaluate --model gold --datasets zero-shot --metric both
    uniner evaluate --model spacy --datasets supervised --max-sentences 500 --json spacy.json
    uniner evaluate --predictions preds.jsonl --gold $UNINER_DATA/benchmark/crossner_ai/uniner_test.json

Prints a Markdown table per metric (P, R, F1 in percent); ``--json`` also writes
the numbers at full precision.
"""

from __future__ import annotations

import json
from enum import Enum
from pathlib import Path
from typing import Annotated, Any

import typer

from uniner.cli import THREADS_HELP, app, set_threads
from uniner.errors import ConfigError


class MetricChoice(str, Enum):
    uniner = "uniner"
    strict = "strict"
    both = "both"


class SplitChoice(str, Enum):
    test = "test"
    dev = "dev"


def _metric_names(choice: MetricChoice | None, default: MetricChoice) -> tuple[str, ...]:
    chosen = choice or default
    return ("uniner", "strict") if chosen is MetricChoice.both else (chosen.value,)


def _check_sources(
    model: str | None, predictions: Path | None, gold: Path | None, datasets: str | None, max_sentences: int | None
) -> None:
    if (model is None) == (predictions is None):
        raise ConfigError("give either --model (run a model) or --predictions with --gold (score a file)")
    if predictions is not None:
        if gold is None:
            raise ConfigError("--predictions needs --gold (the official-format uniner_test.json it answers)")
        if datasets is not None or max_sentences is not None:
            raise ConfigError("--datasets and --max-sentences apply to --model; --gold names the queries")
    elif gold is not None:
        raise ConfigError("--gold goes with --predictions; with --model use --datasets")


def _load(model: str, backend: str | None, device: str, threshold: float | None) -> Any:
    from uniner.engine.base import load_predictor

    options: dict[str, Any] = {}
    if device != "cpu":
        options["device"] = device
    if threshold is not None:
        options["threshold"] = threshold
    return load_predictor(model, backend=backend, **options)


def _write_json(path: Path, content: dict[str, Any]) -> None:
    try:
        path.write_text(json.dumps(content, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    except OSError as err:
        raise ConfigError(f"cannot write {path} ({err.strerror})") from None


@app.command()
def evaluate(
    model: Annotated[
        str | None, typer.Option("--model", "-m", help="Model name (gold, spacy, default) or directory.")
    ] = None,
    backend: Annotated[str | None, typer.Option(help="Backend that loads --model (default: its uniner.json).")] = None,
    predictions: Annotated[
        Path | None, typer.Option(help='JSONL of {"id": <query id in --gold>, "output": "<raw answer>"}.')
    ] = None,
    gold: Annotated[
        Path | None, typer.Option(help="Official-format gold file (uniner_test.json) for --predictions.")
    ] = None,
    datasets: Annotated[
        str | None, typer.Option(help="zero-shot, supervised, all, names (a,b) or a path (default: zero-shot).")
    ] = None,
    split: Annotated[SplitChoice, typer.Option(help="Which split to score.")] = SplitChoice.test,
    data_dir: Annotated[Path | None, typer.Option(envvar="UNINER_DATA", help="Data directory ($UNINER_DATA).")] = None,
    max_sentences: Annotated[
        int | None, typer.Option(min=1, help="Seeded sample of at most N sentences per dataset (same for every model).")
    ] = None,
    seed: Annotated[int, typer.Option(help="Seed of the --max-sentences sample.")] = 0,
    metric: Annotated[
        MetricChoice | None, typer.Option(help="uniner, strict or both (default: both; uniner for --predictions).")
    ] = None,
    json_path: Annotated[Path | None, typer.Option("--json", help="Also write the results as JSON here.")] = None,
    batch_size: Annotated[int, typer.Option(min=1, help="Sentences per model call.")] = 32,
    device: Annotated[str, typer.Option(help="cpu, cuda, cuda:N or mps.")] = "cpu",
    threshold: Annotated[
        float | None, typer.Option(min=0.0, max=1.0, help="Minimum entity score (if the model takes one).")
    ] = None,
    progress: Annotated[bool, typer.Option(help="Show a progress bar.")] = True,
    threads: Annotated[int | None, typer.Option(min=1, help=THREADS_HELP)] = None,
) -> None:
    """Evaluate a model (UniversalNER protocol and strict offsets) or score raw answers."""
    set_threads(threads)
    from uniner.eval.harness import evaluate as run_evaluation
    from uniner.eval.harness import score_predictions
    from uniner.eval.report import render_markdown, report_to_json

    _check_sources(model, predictions, gold, datasets, max_sentences)
    if data_dir is not None and not data_dir.is_dir():
        raise ConfigError(f"--data-dir {data_dir} is not a directory")
    if predictions is not None:
        assert gold is not None
        report = score_predictions(predictions, gold, _metric_names(metric, MetricChoice.uniner))
    else:
        assert model is not None
        predictor = _load(model, backend, device, threshold)
        report = run_evaluation(
            predictor,
            datasets or "zero-shot",
            split=split.value,
            data_dir=data_dir,
            max_sentences=max_sentences,
            metrics=_metric_names(metric, MetricChoice.both),
            progress=progress,
            batch_size=batch_size,
            seed=seed,
        )
    typer.echo(render_markdown(report), nl=False)
    if json_path is not None:
        _write_json(json_path, report_to_json(report))
