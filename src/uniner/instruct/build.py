"""Labelled examples -> UniversalNER training conversations.

One conversation per passage, as in the paper: ``Text: {passage}`` ->
``I've read this text.`` -> for each entity type ``What describes {type} in the
text?`` -> the JSON list of its mentions (order of first appearance,
de-duplicated, non-ASCII kept), ``[]`` for a sampled negative type.  Question
order is shuffled; every random choice comes from a generator fixed by the seed,
the dataset and the example id, so equal inputs and seed give equal bytes.
"""

from __future__ import annotations

import json
import random
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from typing import Any

from uniner.data.conversations import Conversation, Query
from uniner.errors import ConfigError
from uniner.instruct.negatives import NEGATIVE_SAMPLERS, TypePool, example_rng, normalise_type, sample_negatives
from uniner.types import Example

NO_DATASET = "unnamed"

DROP_BLANK = "blank passage"
DROP_NO_QUERY = "no entity and no negative to ask"
DROP_OVER_MAX = "over --max-per-dataset"


@dataclass(frozen=True)
class BuildConfig:
    negatives: str = field(default="frequency", metadata={"help": "Negative sampling: frequency, uniform or none."})
    num_negatives: int = field(default=2, metadata={"help": "Negative types asked per passage (at most)."})
    seed: int = field(default=0, metadata={"help": "Seed of every random choice."})
    dataset_tag: bool = field(
        default=False, metadata={"help": "First turn 'Dataset: {name}\\nText: {passage}' (supervised setting)."}
    )
    max_per_dataset: int | None = field(
        default=None, metadata={"help": "Keep a seeded sample of at most N passages per dataset."}
    )

    def __post_init__(self) -> None:
        if self.num_negatives < 0:
            raise ConfigError(f"--num-negatives must be >= 0, got {self.num_negatives}")
        if self.max_per_dataset is not None and self.max_per_dataset < 1:
            raise ConfigError(f"--max-per-dataset must be >= 1, got {self.max_per_dataset}")
        if self.negatives not in NEGATIVE_SAMPLERS:
            raise ConfigError(
                f"unknown negative sampling {self.negatives!r}; available: {', '.join(NEGATIVE_SAMPLERS.names())}"
            )


@dataclass
class BuildStats:
    conversations: int = 0
    positive_queries: int = 0
    negative_queries: int = 0
    #: Distinct (normalised) types asked, positive or negative.
    types: int = 0
    per_dataset: dict[str, int] = field(default_factory=dict)
    dropped: dict[str, int] = field(default_factory=dict)
    renamed_ids: int = 0

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def answer_json(mentions: Iterable[str]) -> str:
    """The gpt answer: a JSON list, non-ASCII kept as is (``["Zürich", "東京"]``)."""
    return json.dumps(list(mentions), ensure_ascii=False)


def positive_queries(example: Example) -> list[Query]:
    """One query per type present: mentions in order of first appearance, de-duplicated.

    Types differing only in case or spacing are one type, asked by its first spelling.
    """
    mentions: dict[str, dict[str, None]] = {}
    spelling: dict[str, str] = {}
    for e in sorted(example.entities, key=lambda e: (e.start, e.end)):
        key = normalise_type(e.type)
        spelling.setdefault(key, e.type)
        mentions.setdefault(key, {})[e.text] = None
    return [Query(spelling[key], answer_json(texts)) for key, texts in mentions.items()]


def group_by_dataset(examples: Iterable[Example]) -> dict[str, list[Example]]:
    groups: dict[str, list[Example]] = {}
    for example in examples:
        groups.setdefault(example.dataset or NO_DATASET, []).append(example)
    return groups


def cap_per_dataset(groups: dict[str, list[Example]], config: BuildConfig, stats: BuildStats) -> None:
    """Keep a seeded sample of ``max_per_dataset`` passages of each dataset, in input order."""
    limit = config.max_per_dataset
    if limit is None:
        return
    for name, members in groups.items():
        if len(members) > limit:
            keep = sorted(random.Random(f"{config.seed}:max-per-dataset:{name}").sample(range(len(members)), limit))
            _drop(stats, DROP_OVER_MAX, len(members) - limit)
            groups[name] = [members[i] for i in keep]


def build_conversations(
    examples: Iterable[Example], config: BuildConfig | None = None
) -> tuple[list[Conversation], BuildStats]:
    """Conversations for ``examples`` (kept in input order, grouped by dataset) and their counts."""
    config = config or BuildConfig()
    stats = BuildStats()
    groups = group_by_dataset(examples)
    for members in groups.values():
        blank = [m for m in members if not m.text.strip()]
        _drop(stats, DROP_BLANK, len(blank))
        members[:] = [m for m in members if m.text.strip()]
    cap_per_dataset(groups, config, stats)
    conversations: list[Conversation] = []
    asked: set[str] = set()
    used_ids: set[str] = set()
    for name, members in groups.items():
        pool = TypePool.from_examples(members)
        for example in members:
            conv = _conversation(example, name, pool, config, stats, asked)
            if conv is None:
                continue
            if conv.id in used_ids:
                conv = _rename(conv, used_ids)
                stats.renamed_ids += 1
            used_ids.add(conv.id)
            conversations.append(conv)
            stats.per_dataset[name] = stats.per_dataset.get(name, 0) + 1
    stats.conversations = len(conversations)
    stats.types = len(asked)
    return conversations, stats


def _conversation(
    example: Example, dataset: str, pool: TypePool, config: BuildConfig, stats: BuildStats, asked: set[str]
) -> Conversation | None:
    rng = example_rng(config.seed, dataset, example.id)
    positives = positive_queries(example)
    negatives = [
        Query(t, answer_json([]))
        for t in sample_negatives(example, pool, config.negatives, config.num_negatives, rng)
    ]
    queries = positives + negatives
    if not queries:
        _drop(stats, DROP_NO_QUERY)
        return None
    order = rng.permutation(len(queries))
    stats.positive_queries += len(positives)
    stats.negative_queries += len(negatives)
    asked.update(normalise_type(q.type) for q in queries)
    tag = dataset if config.dataset_tag else None
    return Conversation(example.id, example.text, [queries[int(i)] for i in order], tag)


def _rename(conv: Conversation, used: set[str]) -> Conversation:
    n = 2
    while f"{conv.id}#{n}" in used:
        n += 1
    return Conversation(f"{conv.id}#{n}", conv.passage, conv.queries, conv.dataset_tag)


def _drop(stats: BuildStats, reason: str, n: int = 1) -> None:
    if n:
        stats.dropped[reason] = stats.dropped.get(reason, 0) + n


def summary_lines(stats: BuildStats) -> list[str]:
    """The counts as the CLI prints them."""
    lines = [
        f"conversations: {stats.conversations}",
        f"positive queries: {stats.positive_queries}",
        f"negative queries: {stats.negative_queries}",
        f"types: {stats.types}",
    ]
    lines += [f"  {name}: {n} conversations" for name, n in stats.per_dataset.items()]
    dropped = sum(stats.dropped.values())
    lines.append(f"dropped: {dropped}" + "".join(f"\n  {why}: {n}" for why, n in stats.dropped.items()))
    if stats.renamed_ids:
        lines.append(f"duplicate ids renamed: {stats.renamed_ids}")
    return lines
