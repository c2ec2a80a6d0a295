"""The one predictor interface that every model and backend implements.

Evaluation, the CLI and the server see only ``Predictor``.  Backends register a
factory under a name in ``BACKENDS``; ``load_predictor`` resolves a user's
``--model`` value through that registry.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

from uniner.errors import ConfigError
from uniner.registry import Registry
from uniner.types import Entity


@runtime_checkable
class Predictor(Protocol):
    """``predict(texts, types)`` returns, for each text, its entities of the asked types."""

    name: str

    def predict(self, texts: Sequence[str], types: Sequence[str]) -> list[list[Entity]]: ...


PredictorFactory = Callable[..., Predictor]

#: name -> factory(model: str, **options) -> Predictor
BACKENDS: Registry[PredictorFactory] = Registry("backend")


def validate_types(types: Sequence[str]) -> list[str]:
    """Strip type names; reject an empty list, blank names and duplicates."""
    if isinstance(types, str):
        raise ConfigError("types must be a list of names, not a single string")
    cleaned = [t.strip() for t in types]
    if not cleaned:
        raise ConfigError("the list of entity types is empty; give at least one type")
    if any(not t for t in cleaned):
        raise ConfigError("an entity type name is empty")
    seen: set[str] = set()
    for t in cleaned:
        key = t.lower()
        if key in seen:
            raise ConfigError(f"entity type {t!r} is given twice")
        seen.add(key)
    return cleaned


#: A saved uniner model directory names the backend that loads it in this file.
MODEL_MANIFEST = "uniner.json"


def backend_for(model: str) -> str:
    """Which backend loads ``model``: a registered name, or a directory's manifest."""
    if model in BACKENDS:
        return model
    manifest = Path(model) / MODEL_MANIFEST
    if manifest.is_file():
        try:
            backend = json.loads(manifest.read_text(encoding="utf-8"))["backend"]
        except (ValueError, KeyError, TypeError) as err:
            raise ConfigError(f"{manifest}: not a valid model manifest ({err})") from None
        return str(backend)
    if Path(model).exists():
        raise ConfigError(
            f"{model}: no {MODEL_MANIFEST} in it; pass --backend (one of: {', '.join(BACKENDS.names())})"
        )
    raise ConfigError(
        f"unknown model {model!r}: not a registered model ({', '.join(BACKENDS.names())}) nor an existing path"
    )


def load_predictor(model: str, backend: str | None = None, **options: Any) -> Predictor:
    """Build a predictor from a registered name (``gold``, ``spacy``, ``default``) or a path.

    ``backend`` picks the factory explicitly (e.g. ``hf`` for a plain transformers
    checkpoint); otherwise a directory's ``uniner.json`` names it.
    """
    factory = BACKENDS.get(backend or backend_for(model))
    return factory(model, **options)
