"""Training sources for the span student: names and paths -> (source, examples, label set).

Registry datasets (``name`` or ``name:split``, split ``train`` by default) and
dataset groups (``training``) are read here, member by member, so each keeps its
own label set; everything else (distilled-set names such as ``pile_ner_391`` or
``distilled``, annotation JSONL, conversation JSON, paths) goes through the
shared resolver ``uniner.data.sources.load_source``.

The label set of a source decides which absent types are true negatives for a
fully labelled example: a registry dataset's own types; for other sources the
types seen in it, unless there are more than ``OPEN_VOCABULARY`` of them (an
open-type teacher set), in which case no absent type is assumed negative.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from uniner.errors import ConfigError
from uniner.students.span.data import label_sets
from uniner.types import Example


@dataclass
class Source:
    spec: str
    examples: list[Example]
    label_set: list[str]


def load_sources(specs: Sequence[str], data_dir: Path | None) -> list[Source]:
    out: list[Source] = []
    for spec in specs:
        out.extend(_load(spec, data_dir))
    if not out:
        raise ConfigError("no training data: --data named no source")
    return out


def _load(spec: str, data_dir: Path | None) -> list[Source]:
    from uniner.data.datasets import DATASETS, groups

    name, _, split = spec.partition(":")
    if name in groups():
        return [s for member in groups()[name] for s in _load(f"{member}:{split}" if split else member, data_dir)]
    if name in DATASETS:
        dataset = DATASETS.get(name)
        chosen = split or "train"
        return [Source(spec, list(dataset.examples(chosen, data_dir)), list(dataset.types))]
    from uniner.data.sources import load_source

    examples = list(load_source(spec, data_dir))
    return [Source(spec, examples, _closed_set(examples))]


def _closed_set(examples: list[Example]) -> list[str]:
    # One source may mix datasets; a label set is only meaningful as a whole.
    sets = label_sets(Example(e.id, e.text, e.entities, "all", e.labelled_types) for e in examples)
    return sets.get("all", [])


def cap_and_split(
    sources: list[Source], max_per_source: int, dev_fraction: float, dev_max: int, seed: int,
    caps: dict[str, int] | None = None,
) -> tuple[list[tuple[Example, list[str]]], list[tuple[Example, list[str]]]]:
    """Shuffle each source, cap it, hold out a dev slice; returns (train, dev) pairs of (example, label set)."""
    rng = random.Random(seed)
    caps = caps or {}
    limit = {id(s): caps.get(s.spec, max_per_source) for s in sources}
    train: list[tuple[Example, list[str]]] = []
    dev: list[tuple[Example, list[str]]] = []
    total = sum(min(len(s.examples), limit[id(s)] or len(s.examples)) for s in sources)
    for source in sources:
        examples = [e for e in source.examples if e.text.strip()]
        rng.shuffle(examples)
        if limit[id(source)]:
            examples = examples[: limit[id(source)]]
        share = int(len(examples) * dev_fraction)
        if total and dev_max:
            share = min(share, max(1, round(dev_max * len(examples) / total)) if share else 0)
        dev += [(e, source.label_set) for e in examples[:share]]
        train += [(e, source.label_set) for e in examples[share:]]
    return train, dev
