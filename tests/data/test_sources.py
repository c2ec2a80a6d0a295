"""``load_source``: spec resolution, format detection, merging across sets, errors."""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import pytest

from uniner.data.formats.base import DISTILLED, FORMATS, LoadStats
from uniner.data.sources import describe_sources, detect_format, load_source, peek, summaries_markdown
from uniner.errors import ConfigError, DataFormatError, RegistryError, UninerWarning


def _lines(path: Path, records: list[object]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return path


def _json(path: Path, data: object) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def _conv(passage: str, qa: list[tuple[str, str]]) -> dict[str, object]:
    turns = [{"from": "human", "value": f"Text: {passage}"}, {"from": "gpt", "value": "I've read this text."}]
    for type_, answer in qa:
        turns += [{"from": "human", "value": f"What describes {type_} in the text?"}, {"from": "gpt", "value": answer}]
    return {"id": "c0", "conversations": turns}


@pytest.fixture()
def data_root(tmp_path: Path) -> Path:
    """A miniature ``$UNINER_DATA`` with every distilled set and one benchmark dataset."""
    root = tmp_path / "data"
    d = root / "distilled"
    (d / "pile_ner_391").mkdir(parents=True)
    (d / "pile_ner_391" / "passages_bio.txt").write_text("Ken\tB-person\nwins\tO\n.\tO\n", encoding="utf-8")
    (d / "pile_ner_391" / "labels.txt").write_text("person\n", encoding="utf-8")
    _lines(
        d / "pile_ner_sentences" / "sentences.jsonl",
        [
            {"text": "Ken wins.", "entity_type": "verb", "mentions": ["wins"], "example_kind": "positive"},
            {"text": "MRI scans.", "entity_type": "abbreviation", "mentions": ["MRI"], "example_kind": "positive"},
            {"text": "MRI scans.", "entity_type": "person", "mentions": [], "example_kind": "negative"},
        ],
    )
    _json(
        d / "medquad_gemini" / "json_outputs1.json",
        [{"text": "Flu spreads.", "entities": [{"entity": "Flu", "types": ["disease"]}]}],
    )
    _json(
        d / "sec10k_gpt35" / "sec10k_uniner_conversations.json",
        [_conv("Apple sells.", [("organization", '["Apple"]')])],
    )
    _json(d / "gliner_sample" / "sample_data.json", [{"tokenized_text": ["Oslo", "."], "ner": [[0, 0, "city"]]}])
    bench = root / "benchmark" / "conll2003"
    bench.mkdir(parents=True)
    (bench / "labels.txt").write_text("PER\nORG\nLOC\nMISC\n", encoding="utf-8")
    (bench / "train.txt").write_text("EU\tB-ORG\nrejects\tO\n\nPeter\tB-PER\n", encoding="utf-8")
    (bench / "dev.txt").write_text("Paris\tB-LOC\n", encoding="utf-8")
    return root


def test_formats_and_distilled_sets_registered() -> None:
    assert set(FORMATS.names()) == {
        "annotations.v1",
        "bio.v1",
        "gliner.v1",
        "medquad_gemini.v1",
        "pile_ner_queries.v1",
        "pile_ner_sentences.v1",
        "uniner_conversations.v1",
    }
    assert DISTILLED.names() == [
        "gliner_sample",
        "medquad_gemini",
        "pile_ner_391",
        "pile_ner_sentences",
        "sec10k_gpt35",
    ]


def test_load_source_distilled_set_by_name_merges_repeated_sentences(data_root: Path) -> None:
    examples = list(load_source("pile_ner_sentences", data_root))
    assert [(e.text, e.labelled_types) for e in examples] == [
        ("Ken wins.", frozenset({"verb"})),
        ("MRI scans.", frozenset({"abbreviation", "person"})),
    ]


def test_load_source_all_distilled_merges_across_sets(data_root: Path) -> None:
    stats = LoadStats()
    examples = list(load_source("distilled", data_root, stats=stats))
    by_text = {e.text: e for e in examples}
    assert set(by_text) == {"Oslo .", "Flu spreads.", "Ken wins.", "MRI scans.", "Apple sells."}
    ken = by_text["Ken wins."]  # the sentence's raw spelling beats the BIO file's "Ken wins ."
    assert ken.labelled_types == frozenset({"person", "verb"})
    assert [(e.text, e.type) for e in ken.entities] == [("Ken", "person"), ("wins", "verb")]
    assert ken.dataset == "pile_ner_391"
    assert stats.merged == 2 and stats.examples == 5
    assert by_text["Apple sells."].labelled_types == frozenset({"organization"})
    assert by_text["Flu spreads."].labelled_types is None


def test_load_source_distilled_folder_by_path(data_root: Path) -> None:
    assert len(list(load_source(str(data_root / "distilled")))) == 5
    assert [e.dataset for e in load_source(str(data_root / "distilled" / "gliner_sample"))] == ["gliner_sample"]


def test_load_source_registry_dataset_with_split(data_root: Path) -> None:
    train = list(load_source("conll2003", data_root))
    assert [(e.text, [(x.text, x.type) for x in e.entities]) for e in train] == [
        ("EU rejects", [("EU", "organization")]),
        ("Peter", [("Peter", "person")]),
    ]
    assert [e.text for e in load_source("conll2003:dev", data_root)] == ["Paris"]


def test_load_source_dataset_directory_by_path(data_root: Path) -> None:
    examples = list(load_source(str(data_root / "benchmark" / "conll2003"), split="dev"))
    assert [(e.text, e.entities[0].type) for e in examples] == [("Paris", "LOC")]  # a user's dir keeps its tags


def test_load_source_comma_list(data_root: Path) -> None:
    assert len(list(load_source("gliner_sample,conll2003", data_root))) == 3


def test_load_source_files_detected_by_content(tmp_path: Path) -> None:
    ann = _lines(
        tmp_path / "a.jsonl",
        [{"id": "x", "text": "Rome.", "entities": [{"text": "Rome", "type": "city", "start": 0, "end": 4}]}],
    )
    conv = _json(tmp_path / "pile.json", [_conv("Rome.", [("city", '["Rome"]')])])
    bio = tmp_path / "file.conll"
    bio.write_text("-DOCSTART-\tO\n\nRome\tB-city\n", encoding="utf-8")
    queries = _lines(
        tmp_path / "q.jsonl",
        [{"doc_question_pairID": "1:0", "tagName": "city", "input": "Rome.", "output": '["Rome"]'}],
    )
    expected = {ann: "annotations.v1", conv: "uniner_conversations.v1", bio: "bio.v1", queries: "pile_ner_queries.v1"}
    for path, name in expected.items():
        assert detect_format(path).name == name
        (example,) = load_source(str(path))
        assert [(e.text, e.type) for e in example.entities] == [("Rome", "city")]


def test_load_source_explicit_format_prefix(tmp_path: Path) -> None:
    path = _json(tmp_path / "odd.json", [{"tokenized_text": ["Rome"], "ner": [[0, 0, "city"]]}])
    assert [e.text for e in load_source(f"gliner.v1:{path}")] == ["Rome"]
    with pytest.raises(DataFormatError, match="no such file"):
        load_source(f"gliner.v1:{tmp_path / 'missing.json'}")


def test_peek_finds_first_element_beyond_the_first_chunk(tmp_path: Path) -> None:
    big = {"tokenized_text": ["w"] * 40000, "ner": []}
    path = _json(tmp_path / "big.json", [big, big])
    head = peek(path)
    assert head.shape == "json-array" and head.first == big


def test_peek_reads_a_whole_long_first_json_line(tmp_path: Path) -> None:
    text = "word " * 30000
    path = _lines(tmp_path / "long.jsonl", [{"id": "a", "text": text, "entities": []}])
    assert detect_format(path).name == "annotations.v1"


def test_detect_format_unknown_lists_known_formats(tmp_path: Path) -> None:
    path = _json(tmp_path / "x.json", [{"foo": 1}])
    with pytest.raises(DataFormatError, match="no known format.*FORMAT:PATH.*annotations.v1.*gliner.v1"):
        load_source(str(path))
    empty = tmp_path / "empty.txt"
    empty.write_text("\n\n")
    with pytest.raises(DataFormatError, match="file is empty"):
        load_source(str(empty))


def test_load_source_unknown_name_lists_choices(data_root: Path) -> None:
    with pytest.raises(RegistryError, match="unknown source 'pile_ner'.*pile_ner_391.*conll2003.*annotations.v1"):
        load_source("pile_ner", data_root)


def test_load_source_missing_path_and_set(tmp_path: Path, data_root: Path) -> None:
    with pytest.raises(DataFormatError, match="no such file or folder") as err:
        load_source(str(tmp_path / "nope.jsonl"))
    assert err.value.path == str(tmp_path / "nope.jsonl")
    (data_root / "distilled" / "medquad_gemini" / "json_outputs1.json").unlink()
    with pytest.raises(DataFormatError, match="distilled set medquad_gemini not found"):
        load_source("medquad_gemini", data_root)


def test_load_source_bad_folder_and_split(tmp_path: Path, data_root: Path) -> None:
    with pytest.raises(DataFormatError, match="folder is neither a dataset"):
        load_source(str(tmp_path))
    with pytest.raises(ConfigError, match="training data only"):
        load_source("medquad_gemini:dev", data_root)
    with pytest.raises(ConfigError, match="empty source spec"):
        load_source("  ")


def test_load_source_warns_once_about_drops(tmp_path: Path) -> None:
    path = _json(tmp_path / "pile.json", [_conv("Rome.", [("city", '["Rome", "Paris"]')])])
    with pytest.warns(UninerWarning, match="1 mention not found in passage") as record:
        list(load_source(str(path)))
    assert len([w for w in record if issubclass(w.category, UninerWarning)]) == 1
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        stats = LoadStats()
        list(load_source(str(path), stats=stats))
    assert stats.dropped == {"mention not found in passage": 1}


def test_describe_sources_counts(data_root: Path) -> None:
    (summary,) = describe_sources(["distilled"], data_root)
    assert (summary.stats.examples, summary.stats.entities, summary.types) == (5, 6, 6)
    table = summaries_markdown([summary])
    assert table.splitlines()[2] == "| distilled | 5 | 3 | 6 | 6 | 2 | 0 |"
