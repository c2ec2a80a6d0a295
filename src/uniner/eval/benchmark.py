"""One dataset split -> the ``GoldSet`` both metrics score against.

* A split with BIO annotation and no official file: every type of the dataset is
  asked for every sentence; the gold answer of a query is the JSON list of that
  type's mentions in text order (as the official files spell them).
* The test split of a set with an official ``uniner_test.json`` (CrossNER x5,
  MIT Restaurant): the queries are exactly the official file's records (ids,
  passages, type spellings, gold answers).  The BIO test file supplies the offsets.
  The official conversion left out the last sentence of two sets and every entity
  that ends its sentence (10 mentions in all); both metrics score the official
  benchmark, so that annotation is left out of the strict gold too and the count
  is stated in the report (``reconcile_official``).
* A bare ``uniner_test.json`` (no BIO): the official queries; no offsets, so no
  strict score; the oracle gets the gold mentions located in the passage.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from uniner.data.conversations import Conversation, parse_answer_list, read_conversations
from uniner.data.datasets import DatasetSpec
from uniner.data.offsets import locate_mentions
from uniner.errors import ConfigError, DataFormatError
from uniner.eval.answers import format_answer
from uniner.eval.sets import AnswerQuery, GoldSet
from uniner.types import Entity, Example


@dataclass(frozen=True)
class OfficialPassage:
    """The consecutive records of an official file that ask about one passage."""

    text: str
    queries: tuple[tuple[str, str, str], ...]  # (record id, type, raw gold answer)


def group_official(conversations: Sequence[Conversation], path: Path) -> list[OfficialPassage]:
    """Group one-question records by passage; a repeated type starts a new passage
    (two identical sentences in a row stay two passages)."""
    groups: list[OfficialPassage] = []
    for conv in conversations:
        if len(conv.queries) != 1:
            raise DataFormatError(f"record {conv.id}: expected one question per record, got {len(conv.queries)}", path)
        query = conv.queries[0]
        item = (conv.id, query.type, query.answer)
        last = groups[-1] if groups else None
        if last is not None and last.text == conv.passage and all(t != query.type for _, t, _ in last.queries):
            groups[-1] = OfficialPassage(last.text, last.queries + (item,))
        else:
            groups.append(OfficialPassage(conv.passage, (item,)))
    return groups


def read_official(path: Path) -> list[OfficialPassage]:
    conversations = list(read_conversations(path))
    if not conversations:
        raise DataFormatError("evaluation file has no records", path)
    ids = [c.id for c in conversations]
    if len(set(ids)) != len(ids):
        duplicate = next(i for i in ids if ids.count(i) > 1)
        raise DataFormatError(f"record id {duplicate!r} occurs more than once", path)
    return group_official(conversations, path)


@dataclass(frozen=True)
class Reconciled:
    examples: list[Example]
    queries: list[AnswerQuery]
    dropped_sentences: int
    dropped_mentions: int


def _keep_listed(entities: Sequence[Entity], listed: list[str]) -> list[Entity]:
    """The entities (one type, text order) that the official list names, matched in order."""
    kept: list[Entity] = []
    position = 0
    for entity in entities:
        if position < len(listed) and entity.text == listed[position]:
            kept.append(entity)
            position += 1
    if position < len(listed):
        raise ValueError(listed[position])
    return kept


def reconcile_official(examples: Sequence[Example], official: Sequence[OfficialPassage], path: Path) -> Reconciled:
    """Align official passages with BIO sentences (in order, sentences may be skipped)
    and keep only the BIO entities that the official gold lists name."""
    kept_examples: list[Example] = []
    queries: list[AnswerQuery] = []
    cursor = 0
    dropped_mentions = 0
    for passage in official:
        while cursor < len(examples) and examples[cursor].text != passage.text:
            cursor += 1
        if cursor == len(examples):
            raise DataFormatError(
                f"record {passage.queries[0][0]}: its passage is not a BIO test sentence (in order): "
                f"{passage.text[:80]!r}",
                path,
            )
        example = examples[cursor]
        cursor += 1
        entities: list[Entity] = []
        for record_id, type_name, answer in passage.queries:
            listed = parse_answer_list(answer)
            if listed is None:
                raise DataFormatError(f"record {record_id}: gold answer is not a JSON list of strings", path)
            of_type = sorted((e for e in example.entities if e.type == type_name), key=lambda e: (e.start, e.end))
            try:
                entities.extend(_keep_listed(of_type, listed))
            except ValueError as missing:
                raise DataFormatError(
                    f"record {record_id}: gold mention {missing.args[0]!r} ({type_name}) is not annotated "
                    f"in the BIO sentence {example.id}",
                    path,
                ) from None
            queries.append(AnswerQuery(record_id, len(kept_examples), type_name, answer))
        dropped_mentions += len(example.entities) - len(entities)
        entities.sort(key=lambda e: (e.start, e.end))
        kept_examples.append(replace(example, entities=tuple(entities)))
    return Reconciled(kept_examples, queries, len(examples) - len(kept_examples), dropped_mentions)


def derived_queries(examples: Sequence[Example], types: Sequence[str], prefix: str) -> list[AnswerQuery]:
    """Every type for every sentence; gold = that type's mentions in text order."""
    queries = []
    for index, example in enumerate(examples):
        ordered = sorted(example.entities, key=lambda e: (e.start, e.end))
        for type_name in types:
            mentions = [e.text for e in ordered if e.type == type_name]
            queries.append(AnswerQuery(f"{prefix}-{index}-{type_name}", index, type_name, format_answer(mentions)))
    return queries


def located_example(passage: OfficialPassage, example_id: str, dataset: str) -> Example:
    """An oracle's view of a bare official passage: gold mentions located in the text."""
    taken: set[tuple[int, int]] = set()
    entities = []
    for _, type_name, answer in passage.queries:
        for mention in parse_answer_list(answer) or []:
            spans = [s for s in locate_mentions(passage.text, mention) if s not in taken]
            if spans:
                taken.add(spans[0])
                entities.append(Entity.from_source(passage.text, *spans[0], type_name))
    entities.sort(key=lambda e: (e.start, e.end))
    return Example(example_id, passage.text, tuple(entities), dataset)


def subsample_indices(total: int, max_sentences: int | None, seed: int) -> list[int]:
    """A seeded, sorted sample of ``max_sentences`` passage indices (all when fewer)."""
    if max_sentences is None or max_sentences >= total:
        return list(range(total))
    if max_sentences < 1:
        raise ConfigError(f"--max-sentences must be at least 1, got {max_sentences}")
    return sorted(random.Random(seed).sample(range(total), max_sentences))


def _restrict(gold: GoldSet, indices: list[int], max_sentences: int | None, seed: int) -> GoldSet:
    if len(indices) == len(gold.passages):
        return gold
    new_position = {old: new for new, old in enumerate(indices)}
    queries = tuple(replace(q, passage=new_position[q.passage]) for q in gold.queries if q.passage in new_position)
    note = f"subsample of {len(indices)} of {len(gold.passages)} passages (seed {seed})"
    return replace(
        gold,
        passages=tuple(gold.passages[i] for i in indices),
        queries=queries,
        entities=None if gold.entities is None else tuple(gold.entities[i] for i in indices),
        reference=tuple(gold.reference[i] for i in indices) if gold.reference else (),
        notes=gold.notes + (note,),
    )


def load_gold(
    spec: DatasetSpec, split: str, data_dir: Path | None, max_sentences: int | None = None, seed: int = 0
) -> GoldSet:
    """The gold of ``spec``'s ``split`` as the metrics see it (see the module docstring)."""
    official_path = spec.uniner_eval_path(data_dir) if split == "test" else None
    if not spec.has_bio:
        if official_path is None:
            raise ConfigError(f"dataset {spec.name} has no {split!r} split; available: test")
        gold = _bare_official(spec, official_path)
    elif official_path is not None and official_path.is_file():
        gold = _official_with_bio(spec, split, data_dir, official_path)
    else:
        gold = _from_bio(spec, split, data_dir)
    return _restrict(gold, subsample_indices(len(gold.passages), max_sentences, seed), max_sentences, seed)


def _from_bio(spec: DatasetSpec, split: str, data_dir: Path | None) -> GoldSet:
    examples = list(spec.examples(split, data_dir))
    return _gold_set(
        spec,
        examples,
        derived_queries(examples, spec.types, f"{spec.name}-{split}"),
        source=f"BIO {split}.txt",
        notes=(),
    )


def _official_with_bio(spec: DatasetSpec, split: str, data_dir: Path | None, path: Path) -> GoldSet:
    official = read_official(path)
    _check_types(spec, official, path)
    rec = reconcile_official(list(spec.examples(split, data_dir)), official, path)
    notes: tuple[str, ...] = ()
    if rec.dropped_sentences or rec.dropped_mentions:
        notes = (
            f"the official file leaves out {rec.dropped_sentences} BIO sentence(s) and {rec.dropped_mentions} "
            + "BIO mention(s) of the sentences it keeps; both metrics follow it",
        )
    return _gold_set(spec, rec.examples, rec.queries, source=f"official {path.name}", notes=notes)


def _bare_official(spec: DatasetSpec, path: Path) -> GoldSet:
    official = read_official(path)
    reference = tuple(located_example(p, f"{spec.name}-{i}", spec.name) for i, p in enumerate(official))
    queries = tuple(
        AnswerQuery(record_id, index, type_name, answer)
        for index, passage in enumerate(official)
        for record_id, type_name, answer in passage.queries
    )
    return GoldSet(
        spec.name,
        spec.domain,
        tuple(spec.types),
        tuple(p.text for p in official),
        queries,
        None,
        reference=reference,
        source=f"official {path.name} (no offsets: no strict score)",
        total_passages=len(official),
    )


def _check_types(spec: DatasetSpec, official: Sequence[OfficialPassage], path: Path) -> None:
    asked = {type_name for passage in official for _, type_name, _ in passage.queries}
    unknown = asked - set(spec.types)
    if unknown:
        raise DataFormatError(
            f"types {sorted(unknown)} are not types of dataset {spec.name} ({', '.join(spec.types)})", path
        )


def _gold_set(
    spec: DatasetSpec, examples: list[Example], queries: Sequence[AnswerQuery], source: str, notes: tuple[str, ...]
) -> GoldSet:
    return GoldSet(
        spec.name,
        spec.domain,
        tuple(spec.types),
        tuple(e.text for e in examples),
        tuple(queries),
        tuple(e.entities for e in examples),
        reference=tuple(examples),
        source=source,
        total_passages=len(examples),
        notes=notes,
    )
