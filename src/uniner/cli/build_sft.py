"""``uniner build-sft``: labelled data -> UniversalNER training conversations.

    uniner build-sft --input distilled --input training --output runs/sft/train.jsonl
    uniner build-sft --input labels.jsonl --output sft.json --negatives uniform --num-negatives 3
    uniner build-sft --input supervised --exclude zero-shot --dataset-tag --max-per-dataset 10000 --output sup.jsonl

Prints the counts (conversations, positive and negative queries, types, dropped
items by reason); the config, counts and provenance go to ``OUTPUT.meta.json``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from uniner.cli import app

INPUT_HELP = (
    "Annotation JSONL, conversation JSON, dataset name or group (training, conll2003:train), "
    "distilled set (distilled, pile_ner_391, ...) or folder. Repeatable."
)


@app.command("build-sft")
def build_sft(
    input: Annotated[list[str], typer.Option("--input", "-i", help=INPUT_HELP)],
    output: Annotated[Path, typer.Option("--output", "-o", help="Output: .jsonl for JSON lines, else a JSON array.")],
    negatives: Annotated[str, typer.Option(help="Negative type sampling: frequency, uniform or none.")] = "frequency",
    num_negatives: Annotated[int, typer.Option(help="Negative types asked per passage (at most; >= 0).")] = 2,
    seed: Annotated[int, typer.Option(help="Seed of every random choice (same seed, same bytes).")] = 0,
    dataset_tag: Annotated[
        bool, typer.Option("--dataset-tag", help="Supervised setting: first turn 'Dataset: {name}\\nText: {passage}'.")
    ] = False,
    max_per_dataset: Annotated[
        int | None, typer.Option(help="Keep a seeded sample of at most N passages per dataset (the paper: 10000).")
    ] = None,
    exclude: Annotated[
        list[str] | None, typer.Option("--exclude", help="Dataset names or groups to leave out (zero-shot). Repeatable.")
    ] = None,
    data_dir: Annotated[
        Path | None, typer.Option(envvar="UNINER_DATA", help="Where benchmark/ and distilled/ live.")
    ] = None,
) -> None:
    """Build conversation-style instruction data with negative sampling."""
    from uniner.instruct.build import BuildConfig, summary_lines
    from uniner.instruct.sft import build_sft as run

    config = BuildConfig(
        negatives=negatives,
        num_negatives=num_negatives,
        seed=seed,
        dataset_tag=dataset_tag,
        max_per_dataset=max_per_dataset,
    )
    result = run(input, output, config, data_dir=data_dir, exclude=exclude or ())
    for report in result.sources:
        excluded = f"; {report.excluded} excluded" if report.excluded else ""
        typer.echo(f"{report.spec}: {report.stats.summary()}{excluded}")
    for line in summary_lines(result.stats):
        typer.echo(line)
    typer.echo(f"wrote {result.output} (+ {result.meta_path.name})")
