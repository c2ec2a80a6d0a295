"""``uniner stats``: passages, mentions, types and the head/tail table of teacher data."""

from __future__ import annotations

from pathlib import Path

import typer

from uniner.cli import app
from uniner.teacher.stats import corpus_stats, to_json, to_markdown


@app.command("stats")
def stats_cmd(
    files: list[Path] = typer.Argument(..., help="Annotation JSONL, conversation JSON, entity-list JSON or BIO files."),
    json_: bool = typer.Option(False, "--json", help="Print JSON instead of Markdown."),
    examples: int = typer.Option(5, help="Example types per frequency bucket."),
) -> None:
    """Corpus statistics and the paper's head/tail table of entity types."""
    stats = corpus_stats(files, examples=examples)
    typer.echo(to_json(stats) if json_ else to_markdown(stats).rstrip("\n"))
