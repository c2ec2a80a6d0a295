"""Corpus statistics of teacher data and the paper's head/tail table of entity types.

Reads annotation JSON lines (``uniner annotate`` output), UniversalNER
conversation JSON (the Pile-NER release and the eval files), entity-list JSON
(``[{"text", "entities": [{"entity", "types": [...]}]}]``, e.g. the MedQuAD
Gemini set) and BIO files (``.txt``/``.bio``/``.conll``).

Counting rules, so numbers compare across formats:
- a *passage* is a distinct passage text (eval files repeat a passage once per
  question: it counts once);
- a *mention* is a distinct (passage, mention string, type) triple, so an
  annotation that locates "Apple" three times counts once, as the teacher said it once;
- types are normalised before counting: lower-cased, whitespace collapsed.

The head/tail table follows the paper (UniversalNER, Table 1): types sorted by
mention count, the top 1 % of types, the next 1-10 %, and the rest (cut after
floor(1 %) and floor(10 %) of the types, as the paper's 130 and 1,302 of 13,020;
the head keeps at least one type), each with its share of mentions, its number
of types and its most frequent types as examples.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from uniner.data.bio import read_bio
from uniner.data.conversations import parse_answer_list, read_conversations
from uniner.errors import DataFormatError
from uniner.teacher.store import read_annotations

BIO_SUFFIXES = (".txt", ".bio", ".conll")
BUCKETS = (("Top 1%", 0.0, 0.01), ("Top 1%-10%", 0.01, 0.10), ("All the rest", 0.10, 1.0))  # name, from, to


def normalise_type(name: str) -> str:
    return " ".join(name.lower().split())


@dataclass(frozen=True, slots=True)
class Bucket:
    name: str
    share_of_mentions: float
    mentions: int
    unique_types: int
    example_types: list[str]


@dataclass
class CorpusStats:
    files: dict[str, str] = field(default_factory=dict)  # path -> format
    passages: int = 0
    failed: int = 0
    unparseable_answers: int = 0
    mentions: int = 0
    distinct_types: int = 0
    buckets: list[Bucket] = field(default_factory=list)
    top_types: list[tuple[str, int]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["top_types"] = [{"type": t, "mentions": n} for t, n in self.top_types]
        return out


# One (passage text, [(mention, raw type), ...]) per labelled passage.
_Labelled = tuple[str, list[tuple[str, str]]]


def sniff_format(path: Path) -> str:
    """``annotations``, ``conversations``, ``entity-list`` or ``bio``, from the content."""
    if path.suffix in BIO_SUFFIXES:
        return "bio"
    try:
        with path.open("rb") as f:
            head = f.read(1 << 16).decode("utf-8", errors="replace")
    except OSError as err:
        raise DataFormatError(f"cannot read ({err.strerror})", path) from None
    stripped = head.lstrip()
    if stripped.startswith("["):
        return "entity-list" if '"conversations"' not in head and '"entities"' in head else "conversations"
    first = stripped.split("\n", 1)[0]
    if '"conversations"' in first:
        return "conversations"
    if stripped.startswith("{"):
        return "annotations"
    raise DataFormatError("not annotation JSONL, conversation JSON, entity-list JSON or BIO", path)


def _from_annotations(path: Path, stats: CorpusStats) -> Iterator[_Labelled]:
    for record in read_annotations(path, include_failed=True):
        if record.get("status") == "failed":
            stats.failed += 1
            continue
        yield record["text"], [(e["text"], e["type"]) for e in record["entities"]]


def _from_conversations(path: Path, stats: CorpusStats) -> Iterator[_Labelled]:
    for conv in read_conversations(path):
        pairs: list[tuple[str, str]] = []
        for query in conv.queries:
            mentions = parse_answer_list(query.answer)
            if mentions is None:
                stats.unparseable_answers += 1
                continue
            pairs.extend((m, query.type) for m in mentions)
        yield conv.passage, pairs


def _from_entity_list(path: Path, stats: CorpusStats) -> Iterator[_Labelled]:
    try:
        records = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as err:
        raise DataFormatError(f"cannot read entity-list JSON ({err})", path) from None
    for index, record in enumerate(records if isinstance(records, list) else []):
        if not isinstance(record, dict) or not isinstance(record.get("text"), str):
            raise DataFormatError(f"record {index}: expected {{'text': str, 'entities': [...]}}", path)
        pairs: list[tuple[str, str]] = []
        for ent in record.get("entities") or []:
            types = ent.get("types") or ([ent["type"]] if "type" in ent else [])
            pairs.extend((str(ent.get("entity", ent.get("text", ""))), str(t)) for t in types)
        yield record["text"], pairs


def _from_bio(path: Path, stats: CorpusStats) -> Iterator[_Labelled]:
    for example in read_bio(path):
        yield example.text, [(e.text, e.type) for e in example.entities]


_READERS = {"annotations": _from_annotations, "conversations": _from_conversations,
            "entity-list": _from_entity_list, "bio": _from_bio}


def corpus_stats(paths: Sequence[str | Path], examples: int = 5, top: int = 20) -> CorpusStats:
    """Statistics over all ``paths`` together (shards of one corpus)."""
    if not paths:
        raise DataFormatError("no files given")
    stats = CorpusStats()
    passages: set[bytes] = set()
    seen: set[tuple[bytes, str, str]] = set()
    type_counts: Counter[str] = Counter()
    for raw_path in paths:
        path = Path(raw_path)
        if not path.is_file():
            raise DataFormatError("no such file", path)
        fmt = sniff_format(path)
        stats.files[str(path)] = fmt
        for text, pairs in _READERS[fmt](path, stats):
            key = hashlib.sha1(text.encode("utf-8")).digest()
            passages.add(key)
            for mention, type_name in pairs:
                norm = normalise_type(type_name)
                triple = (key, mention.strip(), norm)
                if norm and triple[1] and triple not in seen:
                    seen.add(triple)
                    type_counts[norm] += 1
    stats.passages = len(passages)
    stats.mentions = sum(type_counts.values())
    stats.distinct_types = len(type_counts)
    stats.buckets = head_tail(type_counts, examples)
    stats.top_types = _ranked(type_counts)[:top]
    return stats


def _ranked(counts: Counter[str]) -> list[tuple[str, int]]:
    return sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))


def head_tail(counts: Counter[str], examples: int = 5) -> list[Bucket]:
    """The paper's three frequency buckets over ``counts`` (type -> mentions)."""
    ranked = _ranked(counts)
    n, total = len(ranked), sum(counts.values())
    # The paper's cut points are floor(1%) and floor(10%) of the types (130 and
    # 1,302 of 13,020); the head keeps at least one type so small sets have one.
    cuts = [0, min(n, max(1, math.floor(n * 0.01))), 0, n]
    cuts[2] = max(cuts[1], math.floor(n * 0.10))
    buckets = []
    for i, (name, _, _) in enumerate(BUCKETS):
        chunk = ranked[cuts[i]:cuts[i + 1]]
        mentions = sum(c for _, c in chunk)
        buckets.append(Bucket(name, mentions / total if total else 0.0, mentions, len(chunk),
                              [t for t, _ in chunk[:examples]]))
    return buckets


def to_markdown(stats: CorpusStats) -> str:
    lines = [f"- {path} ({fmt})" for path, fmt in stats.files.items()]
    lines += [
        "",
        f"passages: {stats.passages:,}" + (f" (+{stats.failed:,} failed records)" if stats.failed else ""),
        f"mentions: {stats.mentions:,} (distinct passage, mention, type)",
        f"distinct types: {stats.distinct_types:,} (lower-cased, spaces collapsed)",
    ]
    if stats.unparseable_answers:
        lines.append(f"unparseable answers skipped: {stats.unparseable_answers:,}")
    lines += ["", "| Frequency | Share of mentions | Unique types | Example types |", "|---|---:|---:|---|"]
    lines += [f"| {b.name} | {100 * b.share_of_mentions:.1f}% | {b.unique_types:,} | {', '.join(b.example_types)} |"
              for b in stats.buckets]
    return "\n".join(lines) + "\n"


def to_json(stats: CorpusStats) -> str:
    return json.dumps(stats.to_dict(), indent=2, ensure_ascii=False)

