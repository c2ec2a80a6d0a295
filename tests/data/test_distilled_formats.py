"""Each distilled-data loader on small files written by the test, good and bad."""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import pytest

from uniner.data.formats.base import LoadStats
from uniner.data.formats.conversation_json import read_conversation_examples
from uniner.data.formats.gliner import read_gliner
from uniner.data.formats.medquad import NEGATIVES, load_medquad_folder, read_medquad
from uniner.data.formats.mentions import NOT_FOUND
from uniner.data.formats.pile_ner import BAD_ANSWER, load_pile_ner_folder, read_pile_ner_bio, read_pile_ner_queries
from uniner.data.formats.sentences import read_sentences
from uniner.errors import DataFormatError, UninerWarning
from uniner.types import Example


def _write_json(path: Path, data: object) -> Path:
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def _write_lines(path: Path, records: list[object]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return path


def _triples(example: Example) -> list[tuple[str, str, int, int]]:
    return [(e.text, e.type, e.start, e.end) for e in example.entities]


# --- MedQuAD -----------------------------------------------------------------------


MEDQUAD = [
    {
        "text": "Neck pain is common. Pain may come from the neck or the jaw.",
        "entities": [
            {"entity": "Neck pain", "types": ["symptom", "condition"]},
            {"entity": "neck", "types": ["body part"]},
            {"entity": "jaw bone", "types": ["body part"]},
        ],
        "negative_entities": [{"entity": "neck", "types": ["event"]}],
    },
    {"text": "Aspirin helps.", "entities": [], "negative_entities": []},
]


def test_read_medquad_one_entity_per_type_per_occurrence(tmp_path: Path) -> None:
    stats = LoadStats()
    examples = list(read_medquad(_write_json(tmp_path / "json_outputs1.json", MEDQUAD), stats=stats))
    assert [e.id for e in examples] == ["medquad_gemini-json_outputs1-0", "medquad_gemini-json_outputs1-1"]
    # "neck" occurs case-sensitively (in "the neck"), so "Neck" at 0 is not taken for it.
    assert _triples(examples[0]) == [
        ("Neck pain", "condition", 0, 9),
        ("Neck pain", "symptom", 0, 9),
        ("neck", "body part", 44, 48),
    ]
    assert examples[0].labelled_types is None and examples[1].entities == ()
    assert stats.dropped == {NOT_FOUND: 1}
    assert stats.ignored[NEGATIVES] == 1


def test_read_medquad_warns_without_stats(tmp_path: Path) -> None:
    path = _write_json(tmp_path / "m.json", MEDQUAD)
    with pytest.warns(UninerWarning, match="1 mention not found in passage"):
        assert len(list(read_medquad(path))) == 2


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"text": "x"}, "expected a JSON array"),
        ([{"text": "x"}], "element 0: missing field 'entities'"),
        (
            [{"text": "x", "entities": [{"entity": "x", "types": "t"}]}],
            "element 0: entity 0: field 'types' must be a list",
        ),
    ],
)
def test_read_medquad_malformed(tmp_path: Path, data: object, message: str) -> None:
    path = _write_json(tmp_path / "m.json", data)
    with pytest.raises(DataFormatError, match=message) as err:
        list(read_medquad(path, stats=LoadStats()))
    assert err.value.path == str(path)


def test_read_medquad_invalid_json_names_line(tmp_path: Path) -> None:
    path = tmp_path / "m.json"
    path.write_text('[\n{"text": "x",\n "entities": [}\n]', encoding="utf-8")
    with pytest.raises(DataFormatError) as err:
        list(read_medquad(path, stats=LoadStats()))
    assert err.value.line == 3 and str(path) in str(err.value)


def test_medquad_folder_reads_files_in_numeric_order(tmp_path: Path) -> None:
    _write_json(tmp_path / "json_outputs10.json", [{"text": "Ten.", "entities": []}])
    _write_json(tmp_path / "json_outputs2.json", [{"text": "Two.", "entities": []}])
    assert [e.text for e in load_medquad_folder(tmp_path, stats=LoadStats())] == ["Two.", "Ten."]


# --- GLiNER ------------------------------------------------------------------------


def test_read_gliner_inclusive_token_spans(tmp_path: Path) -> None:
    data = [
        {
            "tokenized_text": ["State", "University", "of", "New", "York", "Press", ",", "1997", "."],
            "ner": [[0, 5, "Publisher"], [7, 7, "Date"], [7, 7, "Date"]],
        },
        {"tokenized_text": ["Hi", "…"], "ner": []},
    ]
    examples = list(read_gliner(_write_json(tmp_path / "sample.json", data), stats=LoadStats()))
    assert examples[0].text == "State University of New York Press , 1997 ."
    assert _triples(examples[0]) == [
        ("State University of New York Press", "Publisher", 0, 34),
        ("1997", "Date", 37, 41),
    ]
    assert examples[0].labelled_types is None and examples[0].id == "sample-0"
    assert examples[1].text == "Hi …" and examples[1].entities == ()


@pytest.mark.parametrize(
    ("ner", "message"),
    [
        ([[0, 3, "x"]], r"token span \[0, 3\] \(inclusive\) is invalid for 2 tokens"),
        ([[1, 0, "x"]], r"token span \[1, 0\] \(inclusive\) is invalid"),
        ([[0, 1]], r"expected \[start_token, end_token, type\]"),
        ([["0", 1, "x"]], "expected"),
    ],
)
def test_read_gliner_bad_spans(tmp_path: Path, ner: list[object], message: str) -> None:
    path = _write_json(
        tmp_path / "g.json", [{"tokenized_text": ["a", "b"], "ner": []}, {"tokenized_text": ["a", "b"], "ner": ner}]
    )
    with pytest.raises(DataFormatError, match="element 1: ner 0: " + message):
        list(read_gliner(path, stats=LoadStats()))


# --- one-type sentences ------------------------------------------------------------


def test_read_sentences_partial_one_type(tmp_path: Path) -> None:
    path = _write_lines(
        tmp_path / "sentences.jsonl",
        [
            {
                "text": "Zimmerman had an MRI.",
                "entity_type": "abbreviation",
                "mentions": ["MRI"],
                "example_kind": "positive",
            },
            {"text": "Zimmerman had an MRI.", "entity_type": "person", "mentions": [], "example_kind": "negative"},
        ],
    )
    examples = list(read_sentences(path, stats=LoadStats()))
    assert [e.labelled_types for e in examples] == [frozenset({"abbreviation"}), frozenset({"person"})]
    assert _triples(examples[0]) == [("MRI", "abbreviation", 17, 20)]
    assert examples[1].entities == () and examples[1].is_partial
    assert [e.id for e in examples] == ["pile_ner_sentences-1", "pile_ner_sentences-2"]


def test_read_sentences_drops_contradictions_and_unlocatable_positives(tmp_path: Path) -> None:
    stats = LoadStats()
    path = _write_lines(
        tmp_path / "s.jsonl",
        [
            {"text": "No match here.", "entity_type": "drug", "mentions": ["aspirin"], "example_kind": "positive"},
            {"text": "Aspirin.", "entity_type": "drug", "mentions": ["Aspirin"], "example_kind": "negative"},
        ],
    )
    assert list(read_sentences(path, stats=stats)) == []
    assert stats.dropped["positive sentence with no locatable mention"] == 1
    assert stats.dropped["sentence whose example_kind contradicts its mentions"] == 1


@pytest.mark.parametrize(
    ("line", "message"),
    [
        (
            '{"text": "a", "entity_type": "t", "mentions": "a", "example_kind": "positive"}',
            "field 'mentions' must be a list",
        ),
        ('{"text": "a", "entity_type": "t", "mentions": [], "example_kind": "maybe"}', "example_kind must be one of"),
        ('{"text": "a", "entity_type": "t", "mentions": [1], "example_kind": "positive"}', "list of strings"),
        ('{"text": "a", ', "invalid JSON"),
    ],
)
def test_read_sentences_malformed_names_line(tmp_path: Path, line: str, message: str) -> None:
    path = tmp_path / "s.jsonl"
    good = '{"text": "a", "entity_type": "t", "mentions": [], "example_kind": "negative"}'
    path.write_text(f"{good}\n\n{line}\n", encoding="utf-8")
    with pytest.raises(DataFormatError, match=message) as err:
        list(read_sentences(path, stats=LoadStats()))
    assert err.value.line == 3


# --- Pile-NER 391: BIO + queries ---------------------------------------------------


BIO = "196\tO\nPa\tB-court\n.\tI-court\nSuperior\tI-court\nCt\tI-court\n.\tO\n\nKen\tB-person\nwins\tO\n"


def _pile_folder(tmp_path: Path, queries: list[dict[str, str]]) -> Path:
    (tmp_path / "passages_bio.txt").write_text(BIO, encoding="utf-8")
    (tmp_path / "labels.txt").write_text("person\ncourt\n", encoding="utf-8")
    _write_lines(tmp_path / "queries.jsonl", queries)
    return tmp_path


def _query(pair: str, tag: str, text: str, output: str) -> dict[str, str]:
    return {"doc_question_pairID": pair, "tagName": tag, "input": text, "instruction": "...", "output": output}


def test_read_pile_ner_bio_labelled_for_the_391_types(tmp_path: Path) -> None:
    folder = _pile_folder(tmp_path, [])
    examples = list(read_pile_ner_bio(folder / "passages_bio.txt", stats=LoadStats()))
    assert examples[0].text == "196 Pa . Superior Ct ."
    assert _triples(examples[0]) == [("Pa . Superior Ct", "court", 4, 20)]
    assert all(e.labelled_types == frozenset({"person", "court"}) for e in examples)


def test_read_pile_ner_bio_rejects_tag_outside_labels(tmp_path: Path) -> None:
    folder = _pile_folder(tmp_path, [])
    (folder / "labels.txt").write_text("person\n", encoding="utf-8")
    with pytest.raises(DataFormatError, match=r"tags \['court'\] are not in"):
        list(read_pile_ner_bio(folder / "passages_bio.txt", stats=LoadStats()))


def test_read_pile_ner_queries_groups_by_passage(tmp_path: Path) -> None:
    stats = LoadStats()
    path = _write_lines(
        tmp_path / "queries.jsonl",
        [
            _query("7:0", "person", "Ken and Ken.", '["Ken"]'),
            _query("8:0", "city", "Rome.", "[]"),
            _query("7:1", "city", "Ken and Ken.", "[]"),
            _query("7:2", "year", "Ken and Ken.", "not a list"),
        ],
    )
    examples = list(read_pile_ner_queries(path, stats=stats))
    assert [(e.id, e.labelled_types) for e in examples] == [
        ("pile_ner_391-q7", frozenset({"person", "city"})),
        ("pile_ner_391-q8", frozenset({"city"})),
    ]
    assert _triples(examples[0]) == [("Ken", "person", 0, 3), ("Ken", "person", 8, 11)]
    assert stats.dropped == {BAD_ANSWER: 1}


def test_read_pile_ner_queries_conflicting_passage_text(tmp_path: Path) -> None:
    path = _write_lines(tmp_path / "q.jsonl", [_query("7:0", "a", "One.", "[]"), _query("7:1", "b", "Two.", "[]")])
    with pytest.raises(DataFormatError, match="passage 7 has a different text than on line 1") as err:
        list(read_pile_ner_queries(path, stats=LoadStats()))
    assert err.value.line == 2


def test_pile_ner_folder_merges_bio_and_queries(tmp_path: Path) -> None:
    raw = "196 Pa. Superior Ct.\n"
    folder = _pile_folder(
        tmp_path,
        [
            _query("5:0", "court", raw, '["Pa. Superior Ct"]'),
            _query("5:1", "year", raw, '["196"]'),
            _query("6:0", "city", "Rome.", '["Rome"]'),
        ],
    )
    stats = LoadStats()
    examples = list(load_pile_ner_folder(folder, stats=stats))
    assert [e.id for e in examples] == ["pile_ner_391-bio-0", "pile_ner_391-bio-1", "pile_ner_391-q6"]
    merged = examples[0]
    assert merged.text == raw  # the raw spelling, not the tokenised one
    assert _triples(merged) == [("196", "year", 0, 3), ("Pa. Superior Ct", "court", 4, 19)]
    assert merged.labelled_types == frozenset({"person", "court", "year"})
    assert examples[2].labelled_types == frozenset({"city"})
    assert stats.merged == 1


# --- conversation JSON (official Pile-NER, SEC 10-K, evaluation files) ------------------


def _conv(id_: str, passage: str, qa: list[tuple[str, str]]) -> dict[str, object]:
    turns = [{"from": "human", "value": f"Text: {passage}"}, {"from": "gpt", "value": "I've read this text."}]
    for type_, answer in qa:
        turns += [{"from": "human", "value": f"What describes {type_} in the text?"}, {"from": "gpt", "value": answer}]
    return {"id": id_, "conversations": turns}


def test_read_conversations_multi_turn_pile_ner(tmp_path: Path) -> None:
    stats = LoadStats()
    path = _write_json(
        tmp_path / "pile-ner.json",
        [
            _conv(
                "ner_0",
                "Apple hired Tim Cook. Apple grew.",
                [("company", '["Apple"]'), ("person", '["Tim Cook", "Steve"]'), ("city", "[]")],
            ),
            _conv("ner_1", "Nothing.", [("date", "broken")]),
        ],
    )
    examples = list(read_conversation_examples(path, stats=stats))
    assert len(examples) == 1
    example = examples[0]
    assert (example.id, example.dataset) == ("ner_0", "pile-ner")
    assert example.labelled_types == frozenset({"company", "person", "city"})
    assert _triples(example) == [
        ("Apple", "company", 0, 5),
        ("Tim Cook", "person", 12, 20),
        ("Apple", "company", 22, 27),
    ]
    assert stats.dropped == {NOT_FOUND: 1, BAD_ANSWER: 1, "passage with no usable question": 1}


def test_read_conversations_groups_one_query_records(tmp_path: Path) -> None:
    path = _write_json(
        tmp_path / "uniner_test.json",
        [
            _conv("0", "Rome is big.", [("city", '["Rome"]')]),
            _conv("1", "Rome is big.", [("person", "[]")]),
            _conv("2", "Oslo.", [("city", '["Oslo"]')]),
        ],
    )
    examples = list(read_conversation_examples(path, stats=LoadStats(), dataset="eval"))
    assert [(e.id, e.labelled_types, len(e.entities)) for e in examples] == [
        ("0", frozenset({"city", "person"}), 1),
        ("2", frozenset({"city"}), 1),
    ]


def test_read_conversations_malformed(tmp_path: Path) -> None:
    path = _write_json(
        tmp_path / "c.json", [_conv("0", "Rome.", []), {"id": "1", "conversations": [{"from": "gpt", "value": "x"}]}]
    )
    with pytest.raises(DataFormatError, match="record 1"):
        list(read_conversation_examples(path, stats=LoadStats()))


def test_loaders_emit_no_warning_when_nothing_dropped(tmp_path: Path) -> None:
    path = _write_json(tmp_path / "g.json", [{"tokenized_text": ["a"], "ner": [[0, 0, "x"]]}])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert len(list(read_gliner(path))) == 1
