"""The ``default`` backend: the model shipped in the repository, loaded through ``span``.

``uniner.load()``, ``uniner.load("default")`` and ``--model default`` resolve here.
The model lives in ``<repo>/models/default`` (a saved span-student directory with
its ``uniner.json``), found relative to this file, which works for a source
checkout and an editable install.  ``UNINER_DEFAULT_MODEL=/some/dir`` points it
elsewhere (a wheel install, or an experiment with another trained model).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from uniner.engine.base import BACKENDS, MODEL_MANIFEST, Predictor
from uniner.errors import ConfigError

#: The environment variable that overrides where the default model is read from.
DEFAULT_MODEL_ENV = "UNINER_DEFAULT_MODEL"

#: The backend that loads the shipped model's files.
SHIPPED_BACKEND = "span"


def default_model_dir() -> Path:
    """``$UNINER_DEFAULT_MODEL`` if set, else ``<repo>/models/default``."""
    override = os.environ.get(DEFAULT_MODEL_ENV)
    if override:
        return Path(override)
    # backends/ -> engine/ -> uniner/ -> src/ -> repository root
    return Path(__file__).resolve().parents[4] / "models" / "default"


def load_default(
    model: str = "default", device: str = "cpu", threshold: float | None = None, **options: Any
) -> Predictor:
    """Build the shipped model's predictor; ``model`` is the registered name and is ignored."""
    from uniner.engine.base import load_predictor

    path = default_model_dir()
    if not (path / MODEL_MANIFEST).is_file():
        raise ConfigError(
            f"the default model is not installed: no {MODEL_MANIFEST} in {path}; "
            f"train it (see docs/extract.md), set {DEFAULT_MODEL_ENV}, or pass a model directory"
        )
    if threshold is not None:
        options["threshold"] = threshold
    return load_predictor(str(path), backend=SHIPPED_BACKEND, device=device, **options)


BACKENDS.register("default", load_default)
