"""Fixtures for the causal student: SmolLM2's real tokenizer, a tiny random Llama, small SFT files."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from uniner.errors import ConfigError


@pytest.fixture(scope="session")
def smollm2_tokenizer_path() -> Path:
    from uniner.students.causal.models import smollm2_tokenizer_dir

    try:
        return smollm2_tokenizer_dir()
    except ConfigError as err:
        pytest.skip(str(err))


@pytest.fixture(scope="session")
def tiny_base(tmp_path_factory: pytest.TempPathFactory, smollm2_tokenizer_path: Path) -> Path:
    """A 2-layer, 16-wide Llama with SmolLM2's tokenizer and chat template, saved as a base directory."""
    import torch
    from transformers import AutoTokenizer, LlamaConfig, LlamaForCausalLM

    tokenizer = AutoTokenizer.from_pretrained(str(smollm2_tokenizer_path))
    config = LlamaConfig(
        vocab_size=len(tokenizer), hidden_size=16, intermediate_size=32, num_hidden_layers=2,
        num_attention_heads=2, num_key_value_heads=1, max_position_embeddings=512, tie_word_embeddings=True,
        bos_token_id=tokenizer.bos_token_id, eos_token_id=tokenizer.eos_token_id,
        pad_token_id=tokenizer.pad_token_id,
    )
    torch.manual_seed(0)
    path = tmp_path_factory.mktemp("tiny_base")
    LlamaForCausalLM(config).save_pretrained(path)
    tokenizer.save_pretrained(path)
    return path


def conversation(i: int, types: int = 2) -> dict:
    turns = [{"from": "human", "value": f"Text: Person{i} met Ann in Paris on day {i}."},
             {"from": "gpt", "value": "I've read this text."}]
    answers = [("person", [f"Person{i}", "Ann"]), ("location", ["Paris"]), ("date", [])]
    for type_name, mentions in answers[:types]:
        turns.append({"from": "human", "value": f"What describes {type_name} in the text?"})
        turns.append({"from": "gpt", "value": json.dumps(mentions)})
    return {"id": f"c{i}", "conversations": turns}


@pytest.fixture()
def sft_file(tmp_path: Path) -> Path:
    path = tmp_path / "sft.jsonl"
    path.write_text("".join(json.dumps(conversation(i, 1 + i % 3)) + "\n" for i in range(40)), encoding="utf-8")
    return path
