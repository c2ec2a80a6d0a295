"""The span student's configuration: one frozen dataclass, JSON round-trip.

Architecture and training settings live together because a checkpoint must be
reloadable from its own ``span_config.json`` alone.  An unknown key in a user's
config is a ``ConfigError``; in a saved artefact from a newer uniner it is a
warning (STYLE rule 6).
"""

from __future__ import annotations

import json
import warnings
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any

from uniner.errors import ConfigError, UninerWarning

CONFIG_FILE = "span_config.json"
#: Versioned architecture name stored in every config (STYLE rule 4).
ARCHITECTURE = "uniner.span_biencoder.v1"
#: Settings that shape the weights: a resumed run must keep them, averaged checkpoints must share them.
WEIGHT_SHAPING = ("architecture", "base", "freeze_layers", "max_width", "hidden_size", "type_projection")


def _h(text: str) -> dict[str, str]:
    return {"help": text}


@dataclass(frozen=True)
class SpanConfig:
    architecture: str = field(default=ARCHITECTURE, metadata=_h("Versioned architecture name."))
    base: str = field(default="all-MiniLM-L6-v2", metadata=_h("Encoder: 'all-MiniLM-L6-v2' (bundled) or a HF path."))
    max_width: int = field(default=12, metadata=_h("Longest candidate span, in words."))
    hidden_size: int = field(default=384, metadata=_h("Width of the span/type projection space."))
    freeze_layers: int = field(default=0, metadata=_h("Freeze embeddings + this many lower encoder layers (CPU speed)."))
    dropout: float = field(default=0.1, metadata=_h("Dropout inside the projection MLPs."))
    init_scale: float = field(default=10.0, metadata=_h("Initial cosine-similarity temperature."))
    init_bias: float = field(default=-5.0, metadata=_h("Initial logit bias (prior: few spans are entities)."))
    type_projection: str = field(default="mlp", metadata=_h("Type-side projection: 'mlp' (linear + residual MLP) or 'linear'."))
    threshold: float = field(default=0.5, metadata=_h("Default decision threshold of a saved model (tuned on dev at export)."))
    multi_label: bool = field(default=False, metadata=_h(
        "Default decoding of a saved model: a kept span also gets its other types above the threshold."))
    unseen_threshold: float = field(default=0.0, metadata=_h(
        "Threshold for asked types the model trained on fewer than known_min_mentions times (its type_counts.json); "
        "0: the threshold for every type. An explicit threshold at load or call time applies to every type."))
    known_min_mentions: int = field(default=10, metadata=_h(
        "Training mentions from which a type is known to the model and gets threshold, not unseen_threshold."))
    generic_types: str = field(default="person", metadata=_h(
        "Comma-separated types that give way, on a span, to an asked kind of them that also passes the "
        "threshold (person -> politician); '' turns it off."))
    kind_min_similarity: float = field(default=0.35, metadata=_h(
        "Type-tower cosine from which an asked type counts as a kind of a generic type."))
    # Inference windows over encoder tokens (specials included).
    window_tokens: int = field(default=256, metadata=_h("Encoder tokens per window (<= the encoder's maximum)."))
    window_overlap: int = field(default=64, metadata=_h("Tokens shared by consecutive windows."))
    # Training.
    train_max_tokens: int = field(default=256, metadata=_h("Training chunks: encoder tokens per chunk."))
    max_types_per_example: int = field(default=25, metadata=_h("Cap on asked types (positives first) per example."))
    global_negatives: int = field(default=4, metadata=_h("Types sampled from the vocabulary as extra negatives of a closed-label-set example."))
    negative_max_similarity: float = field(default=0.3, metadata=_h(
        "A vocabulary negative must have type-tower cosine below this with every type of the example's label set "
        "(1.0: no filter)."))
    filter_partial_negatives: bool = field(default=False, metadata=_h(
        "Apply negative_max_similarity to a partially labelled example's negatives too, against its own "
        "types: a Pile-NER passage whose parties are labelled 'organization' is not asked 'political party'."))
    lowercase_prob: float = field(default=0.3, metadata=_h("Share of training chunks shown without casing (as all-lower-case text)."))
    encoder_lr: float = field(default=5e-5, metadata=_h("Peak learning rate of the encoder."))
    head_lr: float = field(default=1e-3, metadata=_h("Peak learning rate of the heads (larger: they start random)."))
    warmup_ratio: float = field(default=0.03, metadata=_h("Linear warm-up fraction."))
    weight_decay: float = field(default=0.01, metadata=_h("AdamW weight decay."))
    batch_size: int = field(default=8, metadata=_h("Examples per batch."))
    grad_accum: int = field(default=1, metadata=_h("Gradient accumulation steps."))
    epochs: float = field(default=3.0, metadata=_h("Training epochs (max_steps wins when set)."))
    max_steps: int = field(default=-1, metadata=_h("Stop after this many steps (-1: use epochs)."))
    save_minutes: float = field(default=15.0, metadata=_h("Save a checkpoint at least this often (minutes)."))
    eval_steps: int = field(default=500, metadata=_h("Dev evaluation every N steps (also a checkpoint)."))
    save_total_limit: int = field(default=3, metadata=_h("Keep this many checkpoints (the best is kept too)."))
    dev_fraction: float = field(default=0.02, metadata=_h("Held-out share of each source for the dev check."))
    dev_max: int = field(default=400, metadata=_h("At most this many dev examples in all."))
    dev_sets: str = field(default="", metadata=_h(
        "Transfer dev: registry sets never trained on, e.g. 'multinerd:dev,ontonotes5:dev'; selects the best checkpoint."))
    dev_sets_max: int = field(default=200, metadata=_h("Sentences per transfer dev set (seeded sample)."))
    holdout: str = field(default="", metadata=_h(
        "Open-type transfer dev: 'source=N,...' takes N seeded examples out of a training source "
        "(e.g. pile_ner_391=150) and adds them to the transfer dev, asked their types plus negatives."))
    holdout_lower: bool = field(default=False, metadata=_h(
        "Also add a lower-cased copy of the holdout examples to the transfer dev."))
    holdout_types: int = field(default=0, metadata=_h(
        "Hold this many types with 10-300 training mentions (seeded) out of training: never asked, never a "
        "negative. Passages of them form the unseen-type dev (eval_unseen_*), which tunes the exported unseen_threshold."))
    holdout_type_passages: int = field(default=4, metadata=_h("Passages per held-out type taken into the unseen-type dev."))
    max_per_source: int = field(default=0, metadata=_h("Cap examples per source (0: no cap)."))
    source_caps: str = field(default="", metadata=_h("Per-source caps overriding max_per_source: 'name=N,name=N'."))
    threads: int = field(default=0, metadata=_h("torch CPU threads (0: torch's default)."))
    seed: int = field(default=0, metadata=_h("Random seed."))

    def __post_init__(self) -> None:
        if self.architecture != ARCHITECTURE:
            raise ConfigError(f"architecture {self.architecture!r} is not supported; expected {ARCHITECTURE!r}")
        for name in ("max_width", "hidden_size", "batch_size", "grad_accum", "eval_steps"):
            if getattr(self, name) < 1:
                raise ConfigError(f"{name} must be >= 1, got {getattr(self, name)}")
        if self.freeze_layers < 0:
            raise ConfigError(f"freeze_layers must be >= 0, got {self.freeze_layers}")
        if not 0.0 < self.threshold < 1.0:
            raise ConfigError(f"threshold must be in (0, 1), got {self.threshold}")
        if not 0.0 <= self.unseen_threshold < 1.0:
            raise ConfigError(f"unseen_threshold must be in [0, 1), got {self.unseen_threshold}")
        if self.known_min_mentions < 1:
            raise ConfigError(f"known_min_mentions must be >= 1, got {self.known_min_mentions}")
        if not 0.0 <= self.dropout < 1.0:
            raise ConfigError(f"dropout must be in [0, 1), got {self.dropout}")
        if not 0 <= self.window_overlap < self.window_tokens // 2:
            raise ConfigError(
                f"window_overlap must be in [0, window_tokens/2), got {self.window_overlap} for {self.window_tokens}"
            )
        if self.window_tokens < 16 or self.train_max_tokens < 16:
            raise ConfigError("window_tokens and train_max_tokens must be >= 16")
        self.caps()
        self.holdouts()
        if self.type_projection not in ("mlp", "linear"):
            raise ConfigError(f"type_projection must be 'mlp' or 'linear', got {self.type_projection!r}")
        if not 0.0 <= self.lowercase_prob <= 1.0:
            raise ConfigError(f"lowercase_prob must be in [0, 1], got {self.lowercase_prob}")
        if not -1.0 <= self.negative_max_similarity <= 1.0:
            raise ConfigError(f"negative_max_similarity must be in [-1, 1], got {self.negative_max_similarity}")
        if not -1.0 <= self.kind_min_similarity <= 1.0:
            raise ConfigError(f"kind_min_similarity must be in [-1, 1], got {self.kind_min_similarity}")
        if self.holdout_types < 0 or self.holdout_type_passages < 1:
            raise ConfigError("holdout_types must be >= 0 and holdout_type_passages >= 1")
        if self.dev_sets_max < 1:
            raise ConfigError(f"dev_sets_max must be >= 1, got {self.dev_sets_max}")
        if not 0.0 <= self.dev_fraction < 0.5:
            raise ConfigError(f"dev_fraction must be in [0, 0.5), got {self.dev_fraction}")

    def caps(self) -> dict[str, int]:
        """``source_caps`` parsed: source spec -> maximum number of examples."""
        return _counts("source_caps", self.source_caps)

    def holdouts(self) -> dict[str, int]:
        """``holdout`` parsed: source spec -> number of examples held out of training."""
        return _counts("holdout", self.holdout)

    def dev_set_specs(self) -> list[str]:
        """``dev_sets`` as a list of source specs."""
        return [part.strip() for part in self.dev_sets.split(",") if part.strip()]

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any], strict: bool = True) -> SpanConfig:
        """``strict``: unknown keys raise (user config); otherwise they warn (a newer artefact)."""
        if not isinstance(data, dict):
            raise ConfigError(f"span config must be a JSON object, got {type(data).__name__}")
        known = {f.name: f for f in fields(cls)}
        unknown = sorted(set(data) - set(known))
        if unknown:
            message = f"unknown span config key(s) {unknown}; valid keys: {', '.join(known)}"
            if strict:
                raise ConfigError(message)
            warnings.warn(message + " (ignored)", UninerWarning, stacklevel=2)
        values = {k: _coerce(k, v, known[k].type) for k, v in data.items() if k in known}
        return cls(**values)

    def replace(self, **changes: Any) -> SpanConfig:
        return SpanConfig.from_dict({**self.to_dict(), **changes})

    def save(self, directory: str | Path) -> Path:
        path = Path(directory) / CONFIG_FILE
        path.write_text(json.dumps(self.to_dict(), indent=2) + "\n", encoding="utf-8")
        return path

    @classmethod
    def load(cls, path: str | Path, strict: bool = False) -> SpanConfig:
        path = Path(path)
        if path.is_dir():
            path = path / CONFIG_FILE
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except OSError as err:
            raise ConfigError(f"{path}: cannot read span config ({err.strerror})") from None
        except ValueError as err:
            raise ConfigError(f"{path}: not valid JSON ({err})") from None
        return cls.from_dict(data, strict=strict)


def _coerce(key: str, value: Any, annotation: Any) -> Any:
    """Accept strings for numbers (``--set max_width=10``) and check types."""
    if str(annotation) == "bool":
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.lower() in ("true", "false", "1", "0", "yes", "no"):
            return value.lower() in ("true", "1", "yes")
        raise ConfigError(f"span config {key}: expected true or false, got {value!r}")
    kind = {"int": int, "float": float, "str": str}.get(str(annotation))
    if kind is None:
        return value
    if isinstance(value, bool) or (kind is int and isinstance(value, float) and not value.is_integer()):
        raise ConfigError(f"span config {key}: expected {kind.__name__}, got {value!r}")
    try:
        return kind(value)
    except (TypeError, ValueError):
        raise ConfigError(f"span config {key}: expected {kind.__name__}, got {value!r}") from None


def _counts(field_name: str, text: str) -> dict[str, int]:
    """'name=N,name=N' -> {name: N}."""
    out: dict[str, int] = {}
    for item in filter(None, (part.strip() for part in text.split(","))):
        name, sep, value = item.rpartition("=")
        if not sep or not name or not value.isdigit():
            raise ConfigError(f"{field_name} item {item!r} is not name=N")
        out[name.strip()] = int(value)
    return out
