"""The vllm backend without vLLM: lazy import, clear errors, and its calls against a stand-in module.

vLLM needs a CUDA GPU and is not installed here; a fake ``vllm`` package with
the documented API shape (``LLM(...).generate(prompts, sampling_params, ...)``
returning ``RequestOutput``-like objects in input order, ``SamplingParams``,
``vllm.inputs.TokensPrompt``, ``vllm.lora.request.LoRARequest``) checks what
the backend sends.  A real run is marked ``gpu``.
"""

from __future__ import annotations

import importlib
import json
import subprocess
import sys
import types
from pathlib import Path
from typing import Any, ClassVar

import pytest

from uniner.engine.base import load_predictor
from uniner.errors import ConfigError


def test_vllm_backend_registers_without_importing_vllm() -> None:
    code = (
        "import sys; from uniner.engine.base import BACKENDS; assert 'vllm' in BACKENDS.names(); "
        "assert 'vllm' not in sys.modules, sorted(sys.modules)"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_vllm_missing_is_a_clear_config_error(monkeypatch: pytest.MonkeyPatch) -> None:
    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "vllm" else real(name, *a))
    with pytest.raises(ConfigError, match="pip install 'uniner\\[vllm\\]'"):
        load_predictor("some/model", backend="vllm", device="cuda")


def test_vllm_refuses_cpu() -> None:
    with pytest.raises(ConfigError, match="CUDA"):
        load_predictor("some/model", backend="vllm", device="cpu")


class FakeLLM:
    instances: ClassVar[list[FakeLLM]] = []

    def __init__(self, **kwargs: Any):
        self.kwargs = kwargs
        self.calls: list[tuple[list[Any], Any, Any]] = []
        FakeLLM.instances.append(self)

    def generate(self, prompts: list[Any], params: Any, use_tqdm: bool = True, lora_request: Any = None) -> list[Any]:
        self.calls.append((prompts, params, lora_request))
        answer = types.SimpleNamespace(text=' ["Bob"] ', token_ids=[1, 2, 3])
        return [types.SimpleNamespace(outputs=[answer]) for _ in prompts]


@pytest.fixture()
def fake_vllm(monkeypatch: pytest.MonkeyPatch) -> types.ModuleType:
    root = types.ModuleType("vllm")
    root.LLM = FakeLLM  # type: ignore[attr-defined]
    root.SamplingParams = lambda **kw: types.SimpleNamespace(**kw)  # type: ignore[attr-defined]
    inputs = types.ModuleType("vllm.inputs")
    inputs.TokensPrompt = lambda **kw: dict(kw)  # type: ignore[attr-defined]
    lora = types.ModuleType("vllm.lora")
    request = types.ModuleType("vllm.lora.request")
    request.LoRARequest = lambda *a: ("lora", *a)  # type: ignore[attr-defined]
    for name, module in {"vllm": root, "vllm.inputs": inputs, "vllm.lora": lora, "vllm.lora.request": request}.items():
        monkeypatch.setitem(sys.modules, name, module)
    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: object() if name == "vllm" else real(name, *a))
    FakeLLM.instances = []
    return root


@pytest.fixture(scope="module")
def tokenizer_dir() -> Path:
    from uniner.students.causal.models import smollm2_tokenizer_dir

    try:
        return smollm2_tokenizer_dir()
    except ConfigError as err:
        pytest.skip(str(err))


def test_vllm_sends_token_prompts_with_prefix_caching(fake_vllm: Any, tokenizer_dir: Path, tmp_path: Path) -> None:
    from transformers import AutoTokenizer

    tok = AutoTokenizer.from_pretrained(str(tokenizer_dir))
    tok.save_pretrained(tmp_path)
    (tmp_path / "config.json").write_text("{}")
    ner = load_predictor(str(tmp_path), backend="vllm", device="cuda", template="uniner", max_new_tokens=7)
    [entities] = ner.predict(["Bob met Ann."], ["person", "place"])
    assert [e.text for e in entities] == ["Bob", "Bob"]
    [llm] = FakeLLM.instances
    assert llm.kwargs["enable_prefix_caching"] is True and llm.kwargs["model"] == str(tmp_path)
    prompts, params, lora = llm.calls[0]
    assert len(prompts) == 2 and lora is None
    assert tok.decode(prompts[0]["prompt_token_ids"]).endswith("What describes person in the text? ASSISTANT:")
    assert params.temperature == 0.0 and params.max_tokens == 7 and params.stop == ["</s>"]
    assert ner.stats.generated_tokens == 6


def test_vllm_serves_adapter_with_lora_request(fake_vllm: Any, tokenizer_dir: Path, tmp_path: Path) -> None:
    (tmp_path / "adapter_config.json").write_text(json.dumps({"base_model_name_or_path": str(tokenizer_dir)}))
    (tmp_path / "uniner.json").write_text(json.dumps({"backend": "hf", "template": "chat", "base": str(tokenizer_dir)}))
    ner = load_predictor(str(tmp_path), backend="vllm", device="cuda")
    [llm] = FakeLLM.instances
    assert llm.kwargs["enable_lora"] is True and llm.kwargs["model"] == str(tokenizer_dir)
    ner.predict(["Bob."], ["person"])
    assert llm.calls[0][2] == ("lora", tmp_path.name, 1, str(tmp_path.resolve()))
    assert ner.info["template"] == "chat"


@pytest.mark.gpu
def test_vllm_real_model_matches_hf() -> None:  # pragma: no cover - needs a GPU and vLLM
    pytest.importorskip("vllm")
    hf = load_predictor("smollm2", backend="hf", max_new_tokens=32)
    gpu = load_predictor("smollm2", backend="vllm", device="cuda", max_new_tokens=32, dtype="float32")
    texts, kinds = ["Barack Obama visited Paris."], ["person", "location"]
    assert gpu.answers(texts, kinds) == hf.answers(texts, kinds)
