"""The ``uniner train --student NAME`` registry.

Every student registers one function ``train(request) -> TrainResult`` under its
name.  ``TrainRequest`` carries the options common to all students; anything
student-specific comes from ``config_file`` (JSON) and ``overrides``
(``--set key=value``), which the student validates against its own config
dataclass (an unknown key is an error).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from uniner.registry import Registry


@dataclass(frozen=True)
class TrainRequest:
    student: str
    data: tuple[str, ...]
    output: Path
    base: str | None = None
    resume: bool = False
    epochs: float | None = None
    max_steps: int | None = None
    learning_rate: float | None = None
    batch_size: int | None = None
    grad_accum: int | None = None
    max_length: int | None = None
    seed: int = 0
    data_dir: Path | None = None
    config_file: Path | None = None
    overrides: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class TrainResult:
    output: Path
    steps: int
    metrics: dict[str, Any] = field(default_factory=dict)


TRAINERS: Registry[Callable[[TrainRequest], TrainResult]] = Registry("student")
