"""A tiny random BERT with the real MiniLM tokenizer: fast, offline, deterministic."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from uniner.students.span.config import SpanConfig


@pytest.fixture(scope="session")
def tiny_base(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from transformers import AutoTokenizer, BertConfig, BertModel

    from uniner.students.span.model import resolve_base

    folder = tmp_path_factory.mktemp("tiny_bert")
    tokenizer = AutoTokenizer.from_pretrained(resolve_base("all-MiniLM-L6-v2"))
    torch.manual_seed(0)
    config = BertConfig(
        vocab_size=tokenizer.vocab_size, hidden_size=32, num_hidden_layers=2, num_attention_heads=2,
        intermediate_size=64, max_position_embeddings=512,
    )
    BertModel(config, add_pooling_layer=False).save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    return folder


@pytest.fixture()
def tiny_config(tiny_base: Path) -> SpanConfig:
    # init_bias 0: a random model then scores many spans near 0.5, so predictions are not empty.
    return SpanConfig(base=str(tiny_base), hidden_size=32, max_width=4, init_bias=0.0, window_tokens=32,
                      window_overlap=8, train_max_tokens=32, batch_size=2, eval_steps=2, dropout=0.0)
