"""``uniner train``: fine-tune a student (``--student causal`` or ``--student span``)."""

from __future__ import annotations

from pathlib import Path

import typer

from uniner.cli import app
from uniner.errors import ConfigError
from uniner.students.trainers import TRAINERS, TrainRequest


def _parse_overrides(pairs: list[str]) -> dict[str, str]:
    out: dict[str, str] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise ConfigError(f"--set expects key=value, got {pair!r}")
        out[key.strip()] = value
    return out


@app.command()
def train(
    student: str = typer.Option(..., help="Which student to train: causal or span."),
    data: list[str] = typer.Option(
        ..., "--data", "--input", help="Training data: SFT JSONL (causal); files, dataset names or folders (span)."
    ),
    output: Path = typer.Option(..., help="Output directory (checkpoints, final model, logs)."),
    base: str | None = typer.Option(None, help="Base model name or path (default: the student's own)."),
    resume: bool = typer.Option(False, help="Resume from the last checkpoint in --output."),
    epochs: float | None = typer.Option(None, help="Training epochs."),
    max_steps: int | None = typer.Option(None, help="Stop after this many optimiser steps."),
    lr: float | None = typer.Option(None, "--lr", help="Peak learning rate."),
    batch_size: int | None = typer.Option(None, help="Per-device batch size."),
    grad_accum: int | None = typer.Option(None, help="Gradient accumulation steps."),
    max_length: int | None = typer.Option(None, help="Maximum sequence length in tokens."),
    seed: int = typer.Option(0, help="Random seed."),
    data_dir: Path | None = typer.Option(None, envvar="UNINER_DATA", help="Where registry datasets live."),
    config: Path | None = typer.Option(None, help="JSON file with student-specific settings."),
    set_: list[str] = typer.Option([], "--set", help="Student-specific setting, key=value (repeatable)."),
) -> None:
    """Train a student model."""
    request = TrainRequest(
        student=student,
        data=tuple(data),
        output=output,
        base=base,
        resume=resume,
        epochs=epochs,
        max_steps=max_steps,
        learning_rate=lr,
        batch_size=batch_size,
        grad_accum=grad_accum,
        max_length=max_length,
        seed=seed,
        data_dir=data_dir,
        config_file=config,
        overrides=_parse_overrides(set_),
    )
    result = TRAINERS.get(student)(request)
    typer.echo(f"trained {student} student: {result.steps} steps -> {result.output}")
    for key, value in result.metrics.items():
        typer.echo(f"  {key}: {value}")
