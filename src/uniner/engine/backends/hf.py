"""The ``hf`` backend: any transformers causal LM (CPU or GPU) as a ``GenerativeNER``.

``--model`` is a saved causal student (full model or LoRA adapter directory with
its ``uniner.json``), a plain checkpoint directory such as a local copy of
``Universal-NER/UniNER-7B-type``, a hub id (when the user has access; uniner
runs with ``HF_HUB_OFFLINE=1`` by default, so set it to 0 to download), or the
alias ``smollm2``.  The prompt template comes from ``template=`` if given, else
from the manifest, else ``uniner`` for a tokenizer without a chat template (the
official checkpoints) and ``chat`` for one with.

Also registers ``smollm2-uniner``: the LoRA student shipped in
``<repo>/models/smollm2-uniner`` (``$UNINER_SMOLLM2_UNINER`` points elsewhere).

torch and transformers are imported when a model is loaded, not when this
module registers its factories.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from uniner.engine.base import BACKENDS, MODEL_MANIFEST
from uniner.engine.generative import GenerativeNER, warn_threshold
from uniner.errors import ConfigError

SHIPPED_NAME = "smollm2-uniner"
SHIPPED_ENV = "UNINER_SMOLLM2_UNINER"


def check_device(device: str) -> str:
    import torch

    if device.startswith("cuda") and not torch.cuda.is_available():
        raise ConfigError(f"device {device!r} requested but CUDA is not available; use device='cpu'")
    if device == "mps" and not torch.backends.mps.is_available():
        raise ConfigError("device 'mps' requested but MPS is not available; use device='cpu'")
    return device


def choose_template(template: str | None, manifest: dict[str, Any], tokenizer: Any) -> str:
    from uniner.instruct.templates import PROMPT_TEMPLATES

    chosen = template or manifest.get("template")
    if not chosen:
        chosen = "chat" if getattr(tokenizer, "chat_template", None) else "uniner"
    PROMPT_TEMPLATES.get(str(chosen))  # unknown names raise, listing the valid ones
    return str(chosen)


def load_hf(
    model: str,
    device: str = "cpu",
    template: str | None = None,
    dtype: str = "fp32",
    max_new_tokens: int | None = None,
    batch_size: int | None = None,
    reuse_prefix: bool = True,
    compact: bool = True,
    merge_adapter: bool = True,
    threshold: float | None = None,
) -> GenerativeNER:
    """Load ``model`` and wrap it as a predictor (see the module docstring).

    ``max_new_tokens`` and ``batch_size`` default to the manifest's
    ``generation`` entry, else 128 and 64.
    """
    warn_threshold(threshold)
    from uniner.engine.backends.hf_generate import GenerationSettings, HFGenerator
    from uniner.students.causal.models import check_model_exists, load_student, read_manifest

    check_model_exists(model)
    check_device(device)
    manifest = read_manifest(model) if Path(model).is_dir() else {}
    generation = manifest.get("generation")
    saved: dict[str, Any] = generation if isinstance(generation, dict) else {}
    settings = GenerationSettings(
        max_new_tokens=int(max_new_tokens or saved.get("max_new_tokens") or 128),
        batch_size=int(batch_size or saved.get("batch_size") or 64),
        reuse_prefix=reuse_prefix,
        compact=compact,
    )
    lm, tokenizer = load_student(model, dtype=dtype, device=device, merge=merge_adapter)
    chosen = choose_template(template, manifest, tokenizer)
    name = manifest.get("name") or Path(model).name or model
    generator = HFGenerator(lm, tokenizer, chosen, settings, name=str(name))
    info = {"backend": "hf", "model": model, "template": chosen, "base": manifest.get("base")}
    return GenerativeNER(generator, info=info)


def shipped_dir() -> Path:
    override = os.environ.get(SHIPPED_ENV)
    if override:
        return Path(override)
    # backends/ -> engine/ -> uniner/ -> src/ -> repository root
    return Path(__file__).resolve().parents[4] / "models" / SHIPPED_NAME


def load_shipped(model: str = SHIPPED_NAME, device: str = "cpu", **options: Any) -> GenerativeNER:
    """The shipped SmolLM2 LoRA student; ``model`` is the registered name and is ignored."""
    path = shipped_dir()
    if not (path / MODEL_MANIFEST).is_file():
        raise ConfigError(
            f"the {SHIPPED_NAME} model is not installed: no {MODEL_MANIFEST} in {path}; "
            f"set {SHIPPED_ENV} or pass a model directory"
        )
    return load_hf(str(path), device=device, **options)


BACKENDS.register("hf", load_hf)
BACKENDS.register(SHIPPED_NAME, load_shipped)
