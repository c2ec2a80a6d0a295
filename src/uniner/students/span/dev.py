"""The dev checks during training: exact-span F1 on a held-out slice of the training sources,
and on *transfer* dev sets (``dev_sets``: registry sets never trained on, asked all their types,
as the zero-shot benchmark asks), which is what selects the checkpoint when given.

Each dev example is asked a fixed list of types (chosen once, seeded, so scores
are comparable across checkpoints): its gold types plus negatives by the same
rules as training -- the rest of its label set, the other vouched-for types of a
partial example, or a few vocabulary types for an open-type example.  Gold
mentions of types not asked are not scored.  The zero-shot benchmark sets are
never in the training sources, so they never steer model selection.
"""

from __future__ import annotations

import dataclasses
import random
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import torch

from uniner.errors import ConfigError
from uniner.students.span.config import SpanConfig
from uniner.students.span.data import far_types, normalise_type, unit_type_vectors
from uniner.students.span.sources import Source, cap_and_split, load_sources
from uniner.types import Entity, Example

_OPEN_NEGATIVES = 5

Pair = tuple[Example, list[str]]  # an example and the label set of its source


@dataclass
class RunData:
    """A run's examples, split the way training split them: export rebuilds the same dev data from the config."""

    sources: list[Source]  # the training sources, holdout examples removed
    train: list[Pair]
    dev: list[Pair]  # the held-out slice of the training sources
    transfer: list[Pair]  # the transfer dev sets and the holdout examples
    vocabulary: list[str]  # every type of a training entity, held-out types excepted
    held: frozenset[str] = frozenset()  # normalised names of the held-out types (``holdout_types``)
    unseen: list[Pair] = field(default_factory=list)  # the unseen-type dev: passages of the held-out types
    unseen_context: dict[str, tuple[str, ...]] = field(default_factory=dict)  # dev passage id -> its other types

    def type_counts(self) -> dict[str, int]:
        """Training mentions per normalised type name (held-out types have none)."""
        counts = Counter(normalise_type(e.type) for example, _ in self.train for e in example.entities)
        return {name: n for name, n in sorted(counts.items()) if name not in self.held}

    @property
    def held_names(self) -> list[str]:
        """The held-out types as the unseen-type dev asks them."""
        return sorted({name for _, label_set in self.unseen for name in label_set})


def run_data(config: SpanConfig, data: Sequence[str], data_dir: Any) -> RunData:
    """Read ``data`` and split it by ``config``; every choice is seeded, so the same config gives the same split."""
    sources, open_dev = split_holdout(load_sources(data, data_dir), config)
    transfer = transfer_pairs(config, data_dir, [s.spec for s in sources]) + open_dev  # its checks fail fast
    sources, held, unseen, context = split_held_types(sources, config)
    train, dev = cap_and_split(sources, config.max_per_source, config.dev_fraction, config.dev_max, config.seed,
                               config.caps())
    vocabulary = sorted({e.type for example, _ in train for e in example.entities if normalise_type(e.type) not in held})
    return RunData(sources, train, dev, transfer, vocabulary, held, unseen, context)


def unseen_dev(data: RunData, config: SpanConfig, type_vectors: Callable[[Sequence[str]], torch.Tensor]) -> DevSet:
    """The unseen-type dev, asked by the training rule for negatives (``type_vectors``: the frozen type tower).

    A passage labelled for a list of types (partial) is asked the held types of that list. A
    fully labelled open passage is not asked a held type close to one of its own types or its
    other types (cosine >= ``negative_max_similarity``): its teacher may have called its medical
    problems "disease", and its "device" is no negative "electronic device".
    """
    names = data.held_names
    limit = config.negative_max_similarity
    pairs: list[Pair] = []
    for example, label_set in data.unseen:
        if example.labelled_types is None:
            own = example.types_present()
            context = data.unseen_context.get(example.id.removesuffix(":lower"), ())
            far = set(far_types(type_vectors, names, unit_type_vectors(type_vectors, [*own, *context], limit), limit))
            # its own types stay in: an empty label set would mean "open" to asked_types
            label_set = [name for name in names if name in far or name in own]
        pairs.append((example, label_set))
    return DevSet.build(pairs, config, names, UNSEEN_ASKED)


#: Types asked per unseen-type dev passage: the zero-shot sets ask 8-16 per sentence.
UNSEEN_ASKED = 12
#: Mention counts between which a type may be held out: frequent enough to have been learnt
#: (the zero-shot sets' types have 0-5 training mentions), not so frequent that losing it hurts.
HELD_TYPE_MENTIONS = (10, 300)


def split_held_types(
    sources: Sequence[Source], config: SpanConfig
) -> tuple[list[Source], frozenset[str], list[Pair], dict[str, tuple[str, ...]]]:
    """Choose ``config.holdout_types`` types to keep out of training and take passages of them into a dev.

    Returns (the sources without those passages, the held types' normalised names, the
    unseen-type dev pairs, each dev passage's other types by id, which ``unseen_dev`` keeps
    its negatives away from).

    Why: the transfer dev asks types the model trained on, and its best threshold (0.25) is
    higher than the one the zero-shot sets want, whose types it hardly saw (docs/benchmarks.md,
    Session 7). A dev passage keeps only its held-out mentions, is asked them and other
    held-out types (``unseen_dev``), and is copied lower-cased when ``holdout_lower`` is set.
    Training never sees the held types: ``example_chunks`` drops them from every other passage.
    """
    if not config.holdout_types:
        return list(sources), frozenset(), [], {}
    counts: Counter[str] = Counter(normalise_type(e.type) for s in sources for x in s.examples for e in x.entities)
    low, high = HELD_TYPE_MENTIONS
    eligible = sorted(t for t, n in counts.items() if low <= n <= high)
    if len(eligible) < config.holdout_types:
        raise ConfigError(f"holdout_types: only {len(eligible)} types have {low}-{high} mentions; "
                          f"cannot hold out {config.holdout_types}")
    rng = random.Random(config.seed + 5)
    held = frozenset(rng.sample(eligible, config.holdout_types))
    having: dict[str, list[tuple[int, int]]] = defaultdict(list)  # held type -> (source, example) positions
    for s, source in enumerate(sources):
        for i, example in enumerate(source.examples):
            for name in {normalise_type(e.type) for e in example.entities} & held:
                having[name].append((s, i))
    taken: dict[tuple[int, int], None] = {}
    for name in sorted(held):
        places = [p for p in having[name] if p not in taken]
        rng.shuffle(places)
        taken.update(dict.fromkeys(places[: config.holdout_type_passages]))
    spellings = Counter(e.type for s, i in taken for e in sources[s].examples[i].entities if normalise_type(e.type) in held)
    spelling: dict[str, str] = {}  # one name per held type ("Drug", "drugs" -> "drug"): a dev asks no type twice
    for name, _ in sorted(spellings.items(), key=lambda item: (-item[1], item[0])):
        spelling.setdefault(normalise_type(name), name)
    label_set = sorted(spelling.values())
    pairs: list[Pair] = []
    context: dict[str, tuple[str, ...]] = {}
    for s, i in taken:
        example = sources[s].examples[i]
        only = tuple(dataclasses.replace(e, type=spelling[normalise_type(e.type)])
                     for e in example.entities if normalise_type(e.type) in held)
        vouched = None if example.labelled_types is None else frozenset(
            spelling[normalise_type(t)] for t in example.labelled_types if normalise_type(t) in spelling)
        kept = Example(f"{example.dataset}/{example.id}", example.text, only, f"unseen_{example.dataset}", vouched)
        context[kept.id] = tuple(dict.fromkeys(e.type for e in example.entities if normalise_type(e.type) not in held))
        pairs.append((kept, label_set))
        low_copy = lowercased(kept) if config.holdout_lower else None
        if low_copy is not None:
            pairs.append((low_copy, label_set))
    remaining = [Source(source.spec, [x for i, x in enumerate(source.examples) if (s, i) not in taken], source.label_set)
                 for s, source in enumerate(sources)]
    return remaining, held, pairs, context


@dataclass
class DevSet:
    groups: dict[tuple[str, ...], list[Example]]

    @classmethod
    def build(cls, pairs: Sequence[Pair], config: SpanConfig, vocabulary: Sequence[str], cap: int | None = None) -> DevSet:
        """``cap``: types asked per example (default ``max_types_per_example``)."""
        rng = random.Random(config.seed + 1)
        groups: dict[tuple[str, ...], list[Example]] = defaultdict(list)
        for example, label_set in pairs:
            asked = asked_types(example, label_set, cap or config.max_types_per_example, vocabulary, rng)
            groups[tuple(asked)].append(example)
        return cls(dict(groups))

    def evaluate(self, model: Any, tokenizer: Any, threshold: float = 0.5,
                 also: Sequence[float] = (0.3,)) -> dict[str, float]:
        """Micro P/R/F1 overall and F1 per source at ``threshold``; overall F1 at the ``also`` thresholds.

        One scoring pass serves every threshold (``SpanPredictor.predict_decodings``).
        """
        multi_label = model.span_config.multi_label  # the model's own decoding
        scored = self.predictions(model, tokenizer, [threshold, *also], (multi_label,))
        out = _scores(scored[(multi_label, threshold)], per_source=True)
        for other in also:
            out[f"f1@{other:g}"] = _scores(scored[(multi_label, other)])["f1"]
        out["best_f1"] = max(out["f1"], *(out[f"f1@{other:g}"] for other in also))
        return out

    def best_thresholds(self, model: Any, tokenizer: Any, grid: Sequence[float],
                        multi_labels: Sequence[bool] = (False, True)) -> dict[bool, tuple[float, dict[float, float]]]:
        """Per decoding (single- / multi-label): the threshold of ``grid`` with the best overall dev F1, and every F1.

        One scoring pass serves every threshold and decoding.
        """
        scored = self.predictions(model, tokenizer, grid, multi_labels)
        out = {}
        for multi_label in multi_labels:
            f1 = {t: _scores(scored[(multi_label, t)])["f1"] for t in grid}
            out[multi_label] = (max(grid, key=lambda t: (f1[t], -abs(t - 0.5))), f1)
        return out

    def predictions(self, model: Any, tokenizer: Any, thresholds: Sequence[float],
                    multi_labels: Sequence[bool]) -> dict[tuple[bool, float | None], list[tuple[Example, set, set]]]:
        """Per (decoding, threshold): (example, gold keys, predicted keys), from one scoring pass."""
        from uniner.students.span.predictor import SpanPredictor

        device = str(next(model.parameters()).device)
        predictor = SpanPredictor(model, tokenizer, threshold=min(thresholds), batch_size=16, device=device)
        out: dict[tuple[bool, float | None], list[tuple[Example, set, set]]] = defaultdict(list)
        for types, examples in self.groups.items():
            gold = [{(e.start, e.end, e.type) for e in example.entities if e.type in types} for example in examples]
            decoded = predictor.predict_decodings([e.text for e in examples], list(types), thresholds, multi_labels)
            for key, predicted in decoded.items():
                out[key] += [(example, wanted, {(e.start, e.end, e.type) for e in entities})
                             for example, wanted, entities in zip(examples, gold, predicted)]
        return out


def transfer_pairs(config: SpanConfig, data_dir: Any, training_specs: Sequence[str]) -> list[Pair]:
    """A seeded sample of ``dev_sets_max`` sentences of each transfer dev set, with its label set.

    A transfer set must not also be a training source: it would measure fit, not transfer.
    A spec ending in ``:lower`` is the same sample lower-cased (MIT Movie / Restaurant
    queries are all lower-case; a dev of capitalised text alone picks a threshold that
    finds nothing there).
    """
    trained = {spec.partition(":")[0] for spec in training_specs}
    for spec in config.dev_set_specs():  # checked before anything is read
        if spec.partition(":")[0] in trained:
            raise ConfigError(f"dev_sets: {spec} is also a training source; a transfer dev set must be held out")
    samples: dict[str, tuple[list[Example], list[str]]] = {}  # a set and its :lower view share one read
    pairs: list[Pair] = []
    for spec in config.dev_set_specs():
        base = spec.removesuffix(":lower")
        if base not in samples:
            source = load_sources([base], data_dir)[0]
            examples = [e for e in source.examples if e.text.strip()]
            random.Random(config.seed + 2).shuffle(examples)
            samples[base] = (examples[: config.dev_sets_max], source.label_set)
        chosen, label_set = samples[base]
        if spec != base:
            chosen = [low for low in map(lowercased, chosen) if low is not None]
        pairs += [(e, label_set) for e in chosen]
    return pairs


def split_holdout(sources: Sequence[Source], config: SpanConfig) -> tuple[list[Source], list[Pair]]:
    """Take ``config.holdout`` examples out of their training sources: (the sources without them, their dev pairs).

    The open-type transfer dev: a registry set such as MultiNERD asks a handful of coarse,
    capitalised name types, while the zero-shot sets also ask non-name, lower-case types
    (MIT: genre, plot, amenity, price). Held-out teacher passages asked their own types
    plus negatives from the teacher's type list are closer to that, and never trained on.
    The choice is seeded and made before any cap, so training and export agree on it.
    """
    wanted = config.holdouts()
    unknown = sorted(set(wanted) - {s.spec for s in sources})
    if unknown:
        raise ConfigError(f"holdout: {', '.join(unknown)} is not a training source (--data)")
    kept: list[Source] = []
    pairs: list[Pair] = []
    for source in sources:
        count = wanted.get(source.spec, 0)
        if not count:
            kept.append(source)
            continue
        examples = [e for e in source.examples if e.text.strip()]
        random.Random(config.seed + 3).shuffle(examples)
        if count >= len(examples):
            raise ConfigError(f"holdout: {source.spec} has {len(examples)} examples; holding out {count} leaves none to train on")
        chosen = examples[:count]
        kept.append(Source(source.spec, examples[count:], source.label_set))
        pairs += [(e, source.label_set) for e in chosen]
        if config.holdout_lower:
            pairs += [(low, source.label_set) for low in map(lowercased, chosen) if low is not None]
    return kept, pairs


def lowercased(example: Example) -> Example | None:
    """The example as lower-case text, offsets unchanged; None where lower-casing changes the length."""
    text = example.text.lower()
    if len(text) != len(example.text):
        return None
    entities = tuple(Entity.from_source(text, e.start, e.end, e.type) for e in example.entities)
    return Example(f"{example.id}:lower", text, entities, f"{example.dataset}_lower", example.labelled_types)


def _scores(scored: Sequence[tuple[Example, set, set]], per_source: bool = False) -> dict[str, float]:
    counts: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])  # tp, predicted, gold
    for example, gold, found in scored:
        for key in ("all", example.dataset or "unknown") if per_source else ("all",):
            counts[key][0] += len(gold & found)
            counts[key][1] += len(found)
            counts[key][2] += len(gold)
    out = {}
    for key, (tp, n_pred, n_gold) in counts.items():
        prefix = "" if key == "all" else f"{key}_"
        p = tp / n_pred if n_pred else 0.0
        r = tp / n_gold if n_gold else 0.0
        out[f"{prefix}f1"] = round(100 * (2 * p * r / (p + r) if p + r else 0.0), 2)
        if key == "all":
            out["precision"], out["recall"] = round(100 * p, 2), round(100 * r, 2)
    return out


def asked_types(
    example: Example, label_set: Sequence[str], cap: int, vocabulary: Sequence[str], rng: random.Random
) -> list[str]:
    own = example.types_present()
    taken = {normalise_type(t) for t in own}
    if example.labelled_types is not None:
        pool = sorted(t for t in example.labelled_types if normalise_type(t) not in taken)
    elif label_set:
        pool = [t for t in label_set if normalise_type(t) not in taken]
    else:
        pool = [t for t in rng.sample(list(vocabulary), min(len(vocabulary), 4 * _OPEN_NEGATIVES))
                if normalise_type(t) not in taken][:_OPEN_NEGATIVES]
    room = max(cap - len(own), 0)
    negatives = rng.sample(pool, min(room, len(pool)))
    return sorted(own + negatives)
