"""Corpus statistics and the paper's head/tail table."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from uniner.errors import DataFormatError
from uniner.teacher.stats import corpus_stats, head_tail, normalise_type, sniff_format, to_markdown
from uniner.teacher.store import failure_record, success_record
from uniner.types import Entity


def test_head_tail_paper_cut_points() -> None:
    # The paper: 13,020 types -> 130 head, 1,172 middle, 11,718 rest.
    counts = Counter({f"t{i:05d}": 20000 - i for i in range(13020)})
    assert [b.unique_types for b in head_tail(counts)] == [130, 1172, 11718]


def test_head_tail_buckets_share_mentions() -> None:
    counts = Counter({f"t{i:03d}": 1000 - i for i in range(200)})  # 200 types: 2 head, 18 middle, 180 tail
    head, middle, tail = head_tail(counts, examples=3)
    total = sum(counts.values())
    assert (head.unique_types, middle.unique_types, tail.unique_types) == (2, 18, 180)
    assert head.example_types == ["t000", "t001"] and middle.example_types == ["t002", "t003", "t004"]
    assert head.share_of_mentions == pytest.approx((1000 + 999) / total)
    assert head.mentions + middle.mentions + tail.mentions == total


def test_head_tail_few_types_still_has_a_head() -> None:
    head, middle, tail = head_tail(Counter({"person": 5, "place": 3, "thing": 1}))
    assert (head.unique_types, middle.unique_types, tail.unique_types) == (1, 0, 2)
    assert head.example_types == ["person"] and tail.example_types == ["place", "thing"]


def test_head_tail_empty_counts() -> None:
    assert [b.unique_types for b in head_tail(Counter())] == [0, 0, 0]


def test_normalise_type_case_and_spaces() -> None:
    assert normalise_type("  Programming\tLanguage ") == "programming language"


def _annotations(path: Path) -> Path:
    text = "Apple and apple. Apple!"
    ents = [Entity.from_source(text, 0, 5, "Company"), Entity.from_source(text, 17, 22, "company "),
            Entity.from_source(text, 10, 15, "fruit")]
    lines = [success_record("a#0", text, ents, "", "m", None), failure_record("b#0", "x", "boom", 3),
             success_record("c#0", "Paris", [Entity.from_source("Paris", 0, 5, "City")], "", "m", None)]
    path.write_text("".join(json.dumps(r) + "\n" for r in lines), encoding="utf-8")
    return path


def test_corpus_stats_annotations_counts_distinct_mentions(tmp_path: Path) -> None:
    stats = corpus_stats([_annotations(tmp_path / "a.jsonl")])
    assert (stats.passages, stats.failed, stats.mentions, stats.distinct_types) == (2, 1, 3, 3)
    # "Company" and "company " are one type; the two "Apple" of that type are one mention.
    assert stats.top_types == [("city", 1), ("company", 1), ("fruit", 1)]


def _conversation(passage: str, qa: list[tuple[str, str]], cid: str) -> dict:
    turns = [{"from": "human", "value": f"Text: {passage}"}, {"from": "gpt", "value": "I've read this text."}]
    for type_name, answer in qa:
        turns += [{"from": "human", "value": f"What describes {type_name} in the text?"},
                  {"from": "gpt", "value": answer}]
    return {"id": cid, "conversations": turns}


def test_corpus_stats_conversations_and_repeated_passages(tmp_path: Path) -> None:
    path = tmp_path / "conv.json"
    records = [
        _conversation("Obama met Merkel in Berlin.", [("person", '["Obama", "Merkel"]'), ("Location", '["Berlin"]')], "0"),
        _conversation("Obama met Merkel in Berlin.", [("location", '["Berlin"]')], "1"),  # eval-style repeat
        _conversation("Nothing here.", [("person", "[]"), ("date", "not a list")], "2"),
    ]
    path.write_text(json.dumps(records), encoding="utf-8")
    stats = corpus_stats([path])
    assert stats.files == {str(path): "conversations"}
    assert (stats.passages, stats.mentions, stats.distinct_types, stats.unparseable_answers) == (2, 3, 2, 1)
    assert stats.buckets[0].example_types == ["person"]


def test_corpus_stats_entity_list_and_bio(tmp_path: Path) -> None:
    ents = tmp_path / "gemini.json"
    ents.write_text(json.dumps([{"text": "Flu causes fever.", "entities": [
        {"entity": "Flu", "types": ["disease", "Illness"]}, {"entity": "fever", "types": ["symptom"]}]}]),
        encoding="utf-8")
    bio = tmp_path / "train.txt"
    bio.write_text("Flu\tB-disease\ncauses\tO\nfever\tB-symptom\n\n", encoding="utf-8")
    stats = corpus_stats([ents, bio])
    assert stats.files == {str(ents): "entity-list", str(bio): "bio"}
    assert (stats.passages, stats.mentions, stats.distinct_types) == (2, 5, 3)


def test_to_markdown_golden(tmp_path: Path) -> None:
    path = _annotations(tmp_path / "a.jsonl")
    assert to_markdown(corpus_stats([path], examples=2)) == (
        f"- {path} (annotations)\n"
        "\n"
        "passages: 2 (+1 failed records)\n"
        "mentions: 3 (distinct passage, mention, type)\n"
        "distinct types: 3 (lower-cased, spaces collapsed)\n"
        "\n"
        "| Frequency | Share of mentions | Unique types | Example types |\n"
        "|---|---:|---:|---|\n"
        "| Top 1% | 33.3% | 1 | city |\n"
        "| Top 1%-10% | 0.0% | 0 |  |\n"
        "| All the rest | 66.7% | 2 | company, fruit |\n"
    )


def test_corpus_stats_bad_files(tmp_path: Path) -> None:
    with pytest.raises(DataFormatError, match="no such file"):
        corpus_stats([tmp_path / "missing.jsonl"])
    odd = tmp_path / "odd.json"
    odd.write_text("hello", encoding="utf-8")
    with pytest.raises(DataFormatError, match="not annotation JSONL"):
        sniff_format(odd)


@pytest.mark.integration
def test_corpus_stats_sec10k_conversations(data_dir: Path) -> None:
    stats = corpus_stats([data_dir / "distilled" / "sec10k_gpt35" / "sec10k_uniner_conversations.json"])
    assert stats.passages == 2728 and stats.mentions > 10000
    assert sum(b.unique_types for b in stats.buckets) == stats.distinct_types
    assert stats.buckets[0].example_types[0] == "date"
