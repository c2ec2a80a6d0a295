"""The distilled loaders on the real files of ``$UNINER_DATA/distilled`` (skipped without it).

Counts are those of ``/work/shared/data/README.md``; each set is read once per module.
"""

from __future__ import annotations

import json
from collections import Counter
from itertools import chain
from pathlib import Path

import pytest

from uniner.data.formats.base import DISTILLED, LoadStats
from uniner.data.formats.pile_ner import read_pile_ner_bio, read_pile_ner_queries
from uniner.data.formats.sentences import read_sentences
from uniner.data.merge import merge_examples, passage_key
from uniner.data.sources import load_source
from uniner.types import Example

FIXED_SEC_TYPES = {
    "organization", "person", "product", "location", "event", "currency", "rate", "date", "law",
    "stock ticker", "indicator", "quantity", "commodity", "monetary value", "metric",
}  # fmt: skip


@pytest.fixture(scope="module")
def loaded(data_dir: Path) -> dict[str, tuple[list[Example], LoadStats]]:
    """Every distilled set through its folder loader (before the set-level merge)."""
    out = {}
    for name in DISTILLED.names():
        entry = DISTILLED.get(name)
        stats = LoadStats()
        out[name] = (list(entry.load(data_dir / "distilled" / entry.folder, stats=stats)), stats)
    return out


def _check_invariants(examples: list[Example]) -> None:
    for example in examples:
        assert example.text.strip()
        for e in example.entities:
            assert example.text[e.start : e.end] == e.text and e.type.strip()
        if example.labelled_types is not None:
            assert {e.type for e in example.entities} <= example.labelled_types


def test_real_pile_ner_bio_counts(data_dir: Path) -> None:
    path = data_dir / "distilled" / "pile_ner_391" / "passages_bio.txt"
    examples = list(read_pile_ner_bio(path, stats=LoadStats()))
    assert len(examples) == 2217
    assert sum(len(e.entities) for e in examples) == 30978
    assert len({e.type for x in examples for e in x.entities}) == 368
    assert all(e.labelled_types is not None and len(e.labelled_types) == 391 for e in examples)
    _check_invariants(examples)


def test_real_pile_ner_bio_has_156_i_without_b(data_dir: Path) -> None:
    """The data fact behind the loader's rule that a stray I-X starts a span."""
    stray, previous = 0, "O"
    for line in (data_dir / "distilled" / "pile_ner_391" / "passages_bio.txt").read_text(encoding="utf-8").splitlines():
        tag = line.rsplit("\t", 1)[-1] if line.strip() else "O"
        if tag.startswith("I-") and previous[2:] != tag[2:]:
            stray += 1
        previous = tag
    assert stray == 156


def test_real_pile_ner_queries(data_dir: Path) -> None:
    stats = LoadStats()
    examples = list(read_pile_ner_queries(data_dir / "distilled" / "pile_ner_391" / "queries.jsonl", stats=stats))
    assert (stats.records, len(examples)) == (1320, 882)
    assert sum(len(e.labelled_types or ()) for e in examples) == 1320
    assert not stats.dropped  # every answer parses and every mention is in its passage
    _check_invariants(examples)


def test_real_pile_ner_folder_merges_868_passages(loaded: dict[str, tuple[list[Example], LoadStats]]) -> None:
    examples, stats = loaded["pile_ner_391"]
    assert (len(examples), stats.merged) == (2217 + 882 - 868, 868)
    assert all(
        e.is_partial and len(e.labelled_types or ()) >= 391 for e in examples if e.id.startswith("pile_ner_391-bio")
    )
    _check_invariants(examples)


def test_real_sentences_stay_partial(data_dir: Path) -> None:
    raw = list(read_sentences(data_dir / "distilled" / "pile_ner_sentences" / "sentences.jsonl", stats=LoadStats()))
    assert len(raw) == 3091
    assert all(e.labelled_types is not None and len(e.labelled_types) == 1 for e in raw)
    assert sum(1 for e in raw if not e.entities) == 781  # the negative examples
    merged = list(merge_examples(raw, LoadStats()))
    assert len(merged) == 3026 and all(e.is_partial for e in merged)
    _check_invariants(merged)


def test_real_medquad(loaded: dict[str, tuple[list[Example], LoadStats]]) -> None:
    examples, stats = loaded["medquad_gemini"]
    assert stats.records == 2994 and len({passage_key(e.text) for e in examples}) == 2993
    assert all(e.labelled_types is None for e in examples)
    # Mentions whose string is not in the passage are few, counted, and dropped.
    assert 0 < sum(stats.dropped.values()) < 0.01 * stats.mentions
    _check_invariants(examples)


def test_real_sec10k(loaded: dict[str, tuple[list[Example], LoadStats]]) -> None:
    examples, stats = loaded["sec10k_gpt35"]
    assert stats.records == 2728 == len(examples)
    assert all(FIXED_SEC_TYPES <= (e.labelled_types or set()) for e in examples)
    _check_invariants(examples)


def test_real_gliner_sample(data_dir: Path) -> None:
    examples = list(load_source("gliner_sample", data_dir))
    assert len(examples) == 64
    assert len({e.type for x in examples for e in x.entities}) == 144
    raw = json.loads((data_dir / "distilled" / "gliner_sample" / "sample_data.json").read_text(encoding="utf-8"))
    assert [e.text for e in examples] == [" ".join(r["tokenized_text"]) for r in raw]
    _check_invariants(examples)


def test_real_all_distilled_one_example_per_passage(loaded: dict[str, tuple[list[Example], LoadStats]]) -> None:
    stats = LoadStats()
    # What load_source("distilled") does: every set's folder loader, then one merge.
    examples = list(merge_examples(chain.from_iterable(loaded[n][0] for n in DISTILLED.names()), stats))
    keys = Counter(passage_key(e.text) for e in examples)
    assert len(keys) == len(examples)
    sets = sum(len(loaded[n][0]) for n in DISTILLED.names())
    assert len(examples) == sets - stats.merged
    # 65 repeated sentences, 1 MedQuAD and 11 SEC passages given twice, 43 passages shared by two sets.
    assert (len(examples), stats.merged) == (10988, 120)
    _check_invariants(examples)
