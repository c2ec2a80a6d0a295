"""The teacher annotation JSONL reader."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from uniner.data.annotations import read_annotations
from uniner.data.formats.base import LoadStats
from uniner.errors import DataFormatError, UninerWarning


def _record(id_: object, text: str, entities: list[tuple[str, str, int, int]], **extra: object) -> dict[str, object]:
    return {
        "id": id_,
        "text": text,
        "entities": [{"text": t, "type": ty, "start": s, "end": e} for t, ty, s, e in entities],
        "raw": "[...]",
        "model": "teacher",
        "usage": {"prompt_tokens": 10, "completion_tokens": 5},
        **extra,
    }


def _write(path: Path, records: list[object], tail: str = "") -> Path:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records) + tail, encoding="utf-8")
    return path


def test_read_annotations_fully_labelled_examples(tmp_path: Path) -> None:
    path = _write(
        tmp_path / "ann.jsonl",
        [
            _record(
                "doc-0",
                "Ada Lovelace met Babbage in London.",
                [("London", "city", 28, 34), ("Ada Lovelace", "person", 0, 12)],
            ),
            _record(7, "Zürich is calm.", [("Zürich", "city", 0, 6)]),
        ],
    )
    examples = list(read_annotations(path, stats=LoadStats()))
    assert [e.id for e in examples] == ["doc-0", "7"]
    assert [(e.text, e.type, e.start) for e in examples[0].entities] == [
        ("Ada Lovelace", "person", 0),
        ("London", "city", 28),
    ]
    assert all(e.labelled_types is None and e.dataset == "ann" for e in examples)


def test_read_annotations_skips_failures_and_repeats(tmp_path: Path) -> None:
    stats = LoadStats()
    path = _write(
        tmp_path / "ann.jsonl",
        [
            {"id": "a", "status": "failed", "error": "timeout", "attempts": 3},
            _record("a", "Rome.", [("Rome", "city", 0, 4)]),
            _record("a", "Rome.", []),
            {"id": "b", "status": "failed", "error": "HTTP 500"},
        ],
    )
    examples = list(read_annotations(path, stats=stats))
    assert [(e.id, len(e.entities)) for e in examples] == [("a", 1)]
    assert stats.records == 4
    assert stats.dropped == {"failed annotation record": 2, "repeated id (first record kept)": 1}


def test_read_annotations_warns_without_stats(tmp_path: Path) -> None:
    path = _write(tmp_path / "ann.jsonl", [{"id": "a", "status": "failed"}, _record("b", "x", [])])
    with pytest.warns(UninerWarning, match="1 failed annotation record"):
        assert len(list(read_annotations(path))) == 1


def test_read_annotations_torn_last_line_is_skipped(tmp_path: Path) -> None:
    stats = LoadStats()
    path = _write(tmp_path / "ann.jsonl", [_record("a", "Rome.", [])], tail='{"id": "b", "text": "Par')
    assert [e.id for e in read_annotations(path, stats=stats)] == ["a"]
    assert stats.dropped == {"torn last line (interrupted write)": 1}


def test_read_annotations_invalid_json_inside_file_raises(tmp_path: Path) -> None:
    path = tmp_path / "ann.jsonl"
    path.write_text('{"id": "a", "text": "x", "entities": []}\n{"id": \n{"id": "c", "text": "y", "entities": []}\n')
    with pytest.raises(DataFormatError, match="invalid JSON") as err:
        list(read_annotations(path, stats=LoadStats()))
    assert (err.value.path, err.value.line) == (str(path), 2)


def test_read_annotations_offset_mismatch_names_line(tmp_path: Path) -> None:
    path = _write(
        tmp_path / "ann.jsonl", [_record("a", "x", []), _record("b", "Rome is old.", [("Rome", "city", 1, 5)])]
    )
    with pytest.raises(
        DataFormatError, match=r"entity 0: 'Rome' at \[1, 5\) does not match the passage there \('ome '\)"
    ) as err:
        list(read_annotations(path, stats=LoadStats()))
    assert err.value.line == 2
    assert str(err.value).startswith(f"{path}:2: ")


@pytest.mark.parametrize(
    ("record", "message"),
    [
        ({"text": "x", "entities": []}, "missing field 'id'"),
        ({"id": "a", "entities": []}, "missing field 'text'"),
        (
            {"id": "a", "text": "x", "entities": [{"text": "x", "type": "t", "start": "0", "end": 1}]},
            "field 'start' must be an integer",
        ),
        ({"id": "a", "text": "x", "entities": [{"text": "x", "type": " ", "start": 0, "end": 1}]}, "empty type"),
        ({"id": "a", "text": "xy", "entities": [{"text": "xy", "type": "t", "start": 0, "end": 3}]}, "does not match"),
        ({"id": "a", "text": "x", "entities": [], "types": "t"}, "'types' must be a list of strings"),
        (["not", "an", "object"], "expected a JSON object"),
    ],
)
def test_read_annotations_malformed_records(tmp_path: Path, record: object, message: str) -> None:
    path = _write(tmp_path / "ann.jsonl", [record])
    with pytest.raises(DataFormatError, match=message) as err:
        list(read_annotations(path, stats=LoadStats()))
    assert err.value.line == 1


def test_read_annotations_asked_types_make_it_partial(tmp_path: Path) -> None:
    path = _write(tmp_path / "ann.jsonl", [_record("a", "Rome.", [("Rome", "city", 0, 4)], types=["city", "person"])])
    (example,) = read_annotations(path, stats=LoadStats())
    assert example.labelled_types == frozenset({"city", "person"})


def test_read_annotations_missing_and_non_utf8(tmp_path: Path) -> None:
    with pytest.raises(DataFormatError, match="cannot open"):
        list(read_annotations(tmp_path / "nope.jsonl", stats=LoadStats()))
    bad = tmp_path / "bad.jsonl"
    bad.write_bytes(b'{"id": "a", "text": "\xff", "entities": []}\n')
    with pytest.raises(DataFormatError, match="not UTF-8") as err:
        list(read_annotations(bad, stats=LoadStats()))
    assert err.value.line == 1
