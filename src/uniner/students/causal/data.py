"""SFT conversations -> tokenised training and held-out examples.

Conversations are read with ``uniner.data.conversations.read_conversations``
(our ``build-sft`` output and the official Pile-NER-type file alike) and
rendered by ``uniner.instruct.render`` (template, loss mask, whole-question
truncation), so training sees exactly the prompt the engine builds at
inference.  The held-out slice is drawn before any cap, with the run's seed.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from uniner.data.conversations import Conversation, read_conversations
from uniner.errors import DataFormatError
from uniner.instruct.render import RenderStats, render_conversations
from uniner.students.causal.config import CausalConfig

Example = dict[str, list[int]]


@dataclass
class PreparedData:
    train: list[Example]
    eval: list[Example]
    stats: dict[str, Any] = field(default_factory=dict)


def read_sft(paths: Sequence[str | Path]) -> list[Conversation]:
    """Every conversation of every file, in order; empty input is an error."""
    conversations: list[Conversation] = []
    for path in paths:
        conversations.extend(read_conversations(path))
    if not conversations:
        raise DataFormatError("no conversations in the training data", ", ".join(map(str, paths)))
    return conversations


def split_conversations(
    conversations: Sequence[Conversation], eval_size: int, seed: int
) -> tuple[list[Conversation], list[Conversation]]:
    """(train, held-out): a seeded shuffle; at most a tenth of the data is held out."""
    order = list(conversations)
    random.Random(seed).shuffle(order)
    held = min(eval_size, len(order) // 10)
    return order[held:], order[:held]


def _render(conversations: Sequence[Conversation], tokenizer: Any, config: CausalConfig) -> tuple[list[Example], RenderStats]:
    stats = RenderStats()
    examples = [
        {"input_ids": r.input_ids, "attention_mask": r.attention_mask, "labels": r.labels}
        for r in render_conversations(
            conversations, tokenizer, config.template, config.max_length, config.train_on_first_turn, stats
        )
    ]
    return examples, stats


def prepare_data(paths: Sequence[str | Path], tokenizer: Any, config: CausalConfig) -> PreparedData:
    """Read, split, cap (``max_conversations``) and render the SFT data."""
    conversations = read_sft(paths)
    train, held = split_conversations(conversations, config.eval_size, config.seed)
    if config.max_conversations:
        train = train[: config.max_conversations]
    train_examples, train_stats = _render(train, tokenizer, config)
    eval_examples, eval_stats = _render(held, tokenizer, config)
    if not train_examples:
        raise DataFormatError(
            f"no conversation fits in max_length={config.max_length} tokens", ", ".join(map(str, paths))
        )
    stats = {
        "conversations_read": len(conversations),
        "train": asdict(train_stats),
        "eval": asdict(eval_stats),
    }
    return PreparedData(train_examples, eval_examples, stats)
