"""The ``vllm`` backend: GPU serving of a causal student with automatic prefix caching.

An optional extra (``pip install 'uniner[vllm]'``): ``vllm`` is imported only when
a model is loaded with this backend, and a clear ``ConfigError`` says how to
install it when it is missing.  Prompts are the same token ids the ``hf``
backend builds (``render_prompt_text`` tokenised with the template's BOS rule),
sent as ``TokensPrompt`` so vLLM adds no second BOS; all T questions of every
passage go to one ``LLM.generate`` call, and vLLM's automatic prefix caching
(``enable_prefix_caching=True``) reuses each passage's KV blocks across its
questions.  Greedy (``temperature=0``), stopped at the template's end of turn.

A LoRA adapter directory is served on top of its base model through vLLM's
LoRA support (``enable_lora=True`` and a ``LoRARequest``) rather than merged.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from uniner.engine.base import BACKENDS
from uniner.engine.generative import Completion, GenerativeNER, warn_threshold
from uniner.errors import ConfigError

INSTALL_HINT = "the vllm backend needs vLLM and a CUDA GPU: pip install 'uniner[vllm]' (or pip install vllm)"


def import_vllm() -> Any:
    """The ``vllm`` module, or a ConfigError saying how to get it."""
    if importlib.util.find_spec("vllm") is None:
        raise ConfigError(INSTALL_HINT)
    import vllm

    return vllm


class VLLMGenerator:
    """``AnswerGenerator`` over a ``vllm.LLM``."""

    def __init__(self, llm: Any, tokenizer: Any, template: str, max_new_tokens: int = 128,
                 lora_request: Any = None, name: str = "vllm"):
        from uniner.data.conversations import Conversation, Query
        from uniner.instruct.render import render_text, stop_strings

        self.llm = llm
        self.tokenizer = tokenizer
        self.template = template
        self.lora_request = lora_request
        self.name = name
        self.max_new_tokens = max_new_tokens
        probe = Conversation("", "x", [Query("t", "[]")])
        self._add_special = render_text(probe, template, tokenizer).add_special_tokens
        self._stop = stop_strings(template, tokenizer)

    def sampling_params(self) -> Any:
        from vllm import SamplingParams

        return SamplingParams(temperature=0.0, max_tokens=self.max_new_tokens, stop=self._stop,
                              skip_special_tokens=True)

    def prompts(self, passages: Sequence[str], types: Sequence[str]) -> list[list[int]]:
        from uniner.instruct.render import render_prompt_text

        return [
            self.tokenizer(render_prompt_text(p, t, self.template, self.tokenizer),
                           add_special_tokens=self._add_special)["input_ids"]
            for p in passages for t in types
        ]

    def complete(self, passages: Sequence[str], types: Sequence[str]) -> list[list[Completion]]:
        from vllm.inputs import TokensPrompt

        prompts = [TokensPrompt(prompt_token_ids=ids) for ids in self.prompts(passages, types)]
        outputs = self.llm.generate(prompts, self.sampling_params(), use_tqdm=False,
                                    lora_request=self.lora_request)
        # LLM.generate returns outputs in the order of its inputs.
        flat = [Completion(out.outputs[0].text.strip(), len(out.outputs[0].token_ids)) for out in outputs]
        width = len(types)
        return [flat[i:i + width] for i in range(0, len(flat), width)]


def load_vllm(
    model: str,
    device: str = "cuda",
    template: str | None = None,
    dtype: str = "auto",
    max_new_tokens: int = 128,
    tensor_parallel_size: int = 1,
    gpu_memory_utilization: float = 0.9,
    max_model_len: int | None = None,
    max_lora_rank: int = 64,
    threshold: float | None = None,
) -> GenerativeNER:
    """Load ``model`` (directory, hub id or adapter directory) into vLLM."""
    warn_threshold(threshold)
    if not device.startswith("cuda"):
        raise ConfigError(f"the vllm backend runs on CUDA GPUs, not {device!r}; use --backend hf on the CPU")
    vllm = import_vllm()
    from uniner.engine.backends.hf import choose_template
    from uniner.students.causal.models import (
        adapter_base,
        check_model_exists,
        is_adapter,
        load_tokenizer,
        read_manifest,
        resolve_base,
    )

    check_model_exists(model)
    manifest = read_manifest(model) if Path(model).is_dir() else {}
    lora_request = None
    base = model
    if is_adapter(model):
        from vllm.lora.request import LoRARequest

        base = adapter_base(model)
        lora_request = LoRARequest(Path(model).name or "adapter", 1, str(Path(model).resolve()))
    engine_args: dict[str, Any] = {
        "model": resolve_base(base), "dtype": dtype, "enable_prefix_caching": True,
        "tensor_parallel_size": tensor_parallel_size, "gpu_memory_utilization": gpu_memory_utilization,
    }
    if max_model_len is not None:
        engine_args["max_model_len"] = max_model_len
    if lora_request is not None:
        engine_args.update(enable_lora=True, max_lora_rank=max_lora_rank)
    llm = vllm.LLM(**engine_args)
    tokenizer = load_tokenizer(model if (Path(model) / "tokenizer_config.json").is_file() else base)
    chosen = choose_template(template, manifest, tokenizer)
    name = str(manifest.get("name") or Path(model).name or model)
    generator = VLLMGenerator(llm, tokenizer, chosen, max_new_tokens, lora_request, name=name)
    return GenerativeNER(generator, info={"backend": "vllm", "model": model, "template": chosen})


BACKENDS.register("vllm", load_vllm)
