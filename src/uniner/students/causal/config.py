"""Settings of a causal-student training run: one frozen dataclass, JSON round-trip.

Precedence, lowest first: the defaults below (a CPU LoRA run on SmolLM2), the
``--config`` JSON file, ``--set key=value`` overrides, then the common
``uniner train`` flags (``--base``, ``--epochs``, ``--lr``, ...) when given.
An unknown key anywhere is a ``ConfigError`` listing the valid ones; a saved
``causal_config.json`` from a newer uniner loads with a warning instead.
"""

from __future__ import annotations

import json
import warnings
from dataclasses import MISSING, asdict, dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from uniner.errors import ConfigError, UninerWarning

CONFIG_FILE = "causal_config.json"
#: Versioned name stored in every saved config and manifest (STYLE rule 4).
ARCHITECTURE = "uniner.causal_lm.v1"
METHODS = ("lora", "full")
PRECISIONS = ("fp32", "bf16", "fp16")
SCHEDULERS = ("cosine", "linear", "constant_with_warmup")


def _h(text: str) -> dict[str, str]:
    return {"help": text}


@dataclass(frozen=True)
class CausalConfig:
    architecture: str = field(default=ARCHITECTURE, metadata=_h("Versioned architecture name."))
    base: str = field(default="smollm2", metadata=_h("Base causal LM: 'smollm2' (bundled), a directory or a hub id."))
    template: str = field(default="chat", metadata=_h("Prompt template: uniner (official), chat, chat-nosystem."))
    method: str = field(default="lora", metadata=_h("lora (peft adapter) or full fine-tuning."))
    precision: str = field(default="fp32", metadata=_h("fp32, or bf16/fp16 mixed precision."))
    tf32: bool = field(default=False, metadata=_h("Allow TF32 matmuls (Ampere+ GPUs)."))
    lora_r: int = field(default=16, metadata=_h("LoRA rank."))
    lora_alpha: int = field(default=32, metadata=_h("LoRA scaling alpha."))
    lora_dropout: float = field(default=0.05, metadata=_h("Dropout on the LoRA path."))
    lora_target: str = field(default="all-linear", metadata=_h("Modules to adapt: 'all-linear' or comma-separated names."))
    epochs: float = field(default=3.0, metadata=_h("Training epochs (max_steps wins when > 0)."))
    max_steps: int = field(default=-1, metadata=_h("Stop after this many optimiser steps (-1: use epochs)."))
    max_minutes: float = field(
        default=0.0, metadata=_h("Stop after this much training wall time and save as usual (0: no limit).")
    )
    learning_rate: float = field(default=2e-4, metadata=_h("Peak learning rate."))
    lr_scheduler: str = field(default="cosine", metadata=_h("cosine, linear or constant_with_warmup."))
    warmup_ratio: float = field(default=0.04, metadata=_h("Linear warm-up as a fraction of all steps."))
    weight_decay: float = field(default=0.0, metadata=_h("AdamW weight decay."))
    max_grad_norm: float = field(default=1.0, metadata=_h("Gradient clipping norm."))
    batch_size: int = field(default=4, metadata=_h("Conversations per device per micro-batch."))
    grad_accum: int = field(default=4, metadata=_h("Micro-batches per optimiser step (ignored if conversations_per_step)."))
    conversations_per_step: int = field(
        default=0, metadata=_h("Global batch in conversations; sets grad_accum from batch_size x devices (0: off).")
    )
    max_length: int = field(default=1024, metadata=_h("Token limit; trailing questions that do not fit are dropped."))
    train_on_first_turn: bool = field(default=False, metadata=_h("Also train on \"I've read this text.\"."))
    gradient_checkpointing: bool = field(default=False, metadata=_h("Recompute activations to save memory."))
    group_by_length: bool = field(default=True, metadata=_h("Batch conversations of similar length."))
    max_conversations: int = field(default=0, metadata=_h("Use at most this many training conversations (0: all)."))
    eval_size: int = field(default=200, metadata=_h("Conversations held out for the eval loss (0: none)."))
    eval_steps: int = field(default=200, metadata=_h("Eval loss every N steps."))
    save_steps: int = field(default=200, metadata=_h("Checkpoint every N steps."))
    save_total_limit: int = field(default=2, metadata=_h("Checkpoints kept."))
    logging_steps: int = field(default=10, metadata=_h("Log every N steps."))
    dataloader_workers: int = field(default=0, metadata=_h("DataLoader worker processes."))
    threads: int = field(default=0, metadata=_h("torch CPU threads (0: torch's default)."))
    seed: int = field(default=0, metadata=_h("Random seed (data split, shuffling, init)."))

    def __post_init__(self) -> None:
        _choice("method", self.method, METHODS)
        _choice("precision", self.precision, PRECISIONS)
        _choice("lr_scheduler", self.lr_scheduler, SCHEDULERS)
        positive = ("batch_size", "grad_accum", "max_length", "lora_r", "lora_alpha", "eval_steps", "save_steps",
                    "save_total_limit", "logging_steps")
        for name in positive:
            if getattr(self, name) < 1:
                raise ConfigError(f"{name} must be >= 1, got {getattr(self, name)}")
        for name in ("conversations_per_step", "max_conversations", "eval_size", "dataloader_workers", "threads"):
            if getattr(self, name) < 0:
                raise ConfigError(f"{name} must be >= 0, got {getattr(self, name)}")
        if not 0.0 <= self.warmup_ratio < 1.0:
            raise ConfigError(f"warmup_ratio must be in [0, 1), got {self.warmup_ratio}")
        if not 0.0 <= self.lora_dropout < 1.0:
            raise ConfigError(f"lora_dropout must be in [0, 1), got {self.lora_dropout}")
        if self.max_minutes < 0:
            raise ConfigError(f"max_minutes must be >= 0, got {self.max_minutes}")
        if self.learning_rate <= 0 or self.epochs <= 0:
            raise ConfigError("learning_rate and epochs must be > 0")
        if self.max_steps == 0 or self.max_steps < -1:
            raise ConfigError(f"max_steps must be -1 (use epochs) or >= 1, got {self.max_steps}")

    def grad_accum_for(self, world_size: int) -> int:
        """Micro-batches per step: from ``conversations_per_step`` when set, else ``grad_accum``."""
        if not self.conversations_per_step:
            return self.grad_accum
        per_micro = self.batch_size * world_size
        if self.conversations_per_step % per_micro:
            raise ConfigError(
                f"conversations_per_step={self.conversations_per_step} is not a multiple of "
                f"batch_size x devices = {self.batch_size} x {world_size}"
            )
        return self.conversations_per_step // per_micro

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def save(self, directory: Path) -> Path:
        path = Path(directory) / CONFIG_FILE
        path.write_text(json.dumps(self.to_dict(), indent=2) + "\n", encoding="utf-8")
        return path

    @classmethod
    def load(cls, directory: Path) -> CausalConfig:
        """A saved config; keys from a newer uniner are dropped with a warning."""
        path = Path(directory) / CONFIG_FILE
        data = _read_json(path)
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            warnings.warn(f"{path}: ignoring unknown keys {unknown} (newer uniner?)", UninerWarning, stacklevel=2)
        return cls(**{k: v for k, v in data.items() if k in known})


def _choice(name: str, value: str, choices: tuple[str, ...]) -> None:
    if value not in choices:
        raise ConfigError(f"{name} must be one of {', '.join(choices)}, got {value!r}")


def _read_json(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as err:
        raise ConfigError(f"{path}: cannot read config ({err.strerror})") from None
    except (ValueError, UnicodeDecodeError) as err:
        raise ConfigError(f"{path}: not valid JSON ({err})") from None
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: a config must be a JSON object")
    return data


def _field_types() -> dict[str, type]:
    defaults = {f.name: f.default for f in fields(CausalConfig) if f.default is not MISSING}
    return {name: type(value) for name, value in defaults.items()}


def _coerce(key: str, value: Any, where: str) -> Any:
    """``value`` as the type of field ``key`` (strings from --set are parsed)."""
    types = _field_types()
    if key not in types:
        raise ConfigError(f"{where}unknown causal setting {key!r}; valid: {', '.join(sorted(types))}")
    kind = types[key]
    try:
        if kind is bool:
            if isinstance(value, bool):
                return value
            if isinstance(value, str) and value.lower() in ("true", "1", "yes", "false", "0", "no"):
                return value.lower() in ("true", "1", "yes")
            raise ValueError(value)
        if kind is int and isinstance(value, float) and not value.is_integer():
            raise ValueError(value)
        if kind in (int, float) and isinstance(value, bool):
            raise ValueError(value)
        return kind(float(value)) if kind is int and isinstance(value, str) and "e" in value.lower() else kind(value)
    except (TypeError, ValueError):
        raise ConfigError(f"{where}{key} must be a {kind.__name__}, got {value!r}") from None


def resolve_config(
    config_file: Path | None = None,
    overrides: dict[str, str] | None = None,
    start: CausalConfig | None = None,
    **flags: Any,
) -> CausalConfig:
    """``start`` (default: the defaults) < ``config_file`` < ``overrides`` < ``flags`` that are not None."""
    values: dict[str, Any] = {}
    if config_file is not None:
        for key, value in _read_json(Path(config_file)).items():
            values[key] = _coerce(key, value, f"{config_file}: ")
    for key, value in (overrides or {}).items():
        values[key] = _coerce(key, value, "--set: ")
    for key, value in flags.items():
        if value is not None:
            values[key] = _coerce(key, value, "")
    return replace(start or CausalConfig(), **values)
