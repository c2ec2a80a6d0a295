"""SFT data for the causal student: reading, seeded split, cap, rendering with the loss mask."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from uniner.data.conversations import Conversation, Query
from uniner.errors import DataFormatError
from uniner.students.causal.config import CausalConfig
from uniner.students.causal.data import prepare_data, read_sft, split_conversations


def convs(n: int) -> list[Conversation]:
    return [Conversation(f"c{i}", f"passage {i}", [Query("person", "[]")]) for i in range(n)]


def test_split_is_seeded_and_holds_out_at_most_a_tenth() -> None:
    train, held = split_conversations(convs(50), eval_size=20, seed=3)
    assert len(held) == 5 and len(train) == 45
    assert {c.id for c in train} | {c.id for c in held} == {f"c{i}" for i in range(50)}
    again = split_conversations(convs(50), eval_size=20, seed=3)
    assert (train, held) == again
    assert split_conversations(convs(50), eval_size=20, seed=4)[1] != held


def test_split_without_eval() -> None:
    train, held = split_conversations(convs(5), eval_size=0, seed=0)
    assert held == [] and len(train) == 5


def test_read_sft_errors_name_the_file(tmp_path: Path) -> None:
    with pytest.raises(DataFormatError, match="missing.jsonl"):
        read_sft([tmp_path / "missing.jsonl"])
    empty = tmp_path / "empty.jsonl"
    empty.write_text("")
    with pytest.raises(DataFormatError, match="empty"):
        read_sft([empty])
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"id": 1, "conversations": [{"from": "human", "value": "no text prefix"}, {"from": "gpt", "value": "x"}]}\n')
    with pytest.raises(DataFormatError, match="bad.jsonl:1"):
        read_sft([bad])


def test_prepare_data_labels_only_answers(sft_file: Path, smollm2_tokenizer_path: Path) -> None:
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(str(smollm2_tokenizer_path))
    config = CausalConfig(eval_size=4, max_conversations=10, max_length=512, seed=0)
    data = prepare_data([sft_file], tokenizer, config)
    assert len(data.train) == 10 and len(data.eval) == 4
    assert data.stats["conversations_read"] == 40
    example = data.train[0]
    assert len(example["input_ids"]) == len(example["labels"]) == len(example["attention_mask"])
    trained = tokenizer.decode([t for t in example["labels"] if t != -100])
    assert "Text:" not in trained and "I've read" not in trained and "What describes" not in trained
    assert trained.count("<|im_end|>") >= 1 and "[" in trained


def test_prepare_data_counts_dropped_questions(tmp_path: Path, smollm2_tokenizer_path: Path) -> None:
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(str(smollm2_tokenizer_path))
    record = {"id": "long", "conversations": [
        {"from": "human", "value": "Text: " + "word " * 20}, {"from": "gpt", "value": "I've read this text."},
        *[turn for i in range(30) for turn in (
            {"from": "human", "value": f"What describes type{i} in the text?"}, {"from": "gpt", "value": "[]"})],
    ]}
    path = tmp_path / "long.jsonl"
    path.write_text(json.dumps(record) + "\n")
    data = prepare_data([path], tokenizer, CausalConfig(eval_size=0, max_length=150))
    assert len(data.train) == 1 and len(data.train[0]["input_ids"]) <= 150
    assert data.stats["train"]["dropped_queries"] > 0
    with pytest.raises(DataFormatError, match="max_length"):
        prepare_data([path], tokenizer, CausalConfig(eval_size=0, max_length=20))
