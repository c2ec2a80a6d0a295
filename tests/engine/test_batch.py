"""Resumable JSONL batch extraction: output shape, resume, torn lines, bad input, settings guard."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import pytest

from uniner.engine.batch import extract_file, repair_output
from uniner.errors import ConfigError, DataFormatError
from uniner.types import Entity


class WordModel:
    """Marks every capitalised word as ``person``; counts the texts it sees; can crash on demand."""

    name = "words"

    def __init__(self, fail_on: str | None = None):
        self.seen: list[str] = []
        self.fail_on = fail_on

    def extract_batch(
        self, texts: Sequence[str], types: Sequence[str], threshold: float | None = None
    ) -> list[list[Entity]]:
        out = []
        for text in texts:
            if self.fail_on is not None and self.fail_on in text:
                raise KeyboardInterrupt  # stands in for a crash part-way through a run
            self.seen.append(text)
            ents, pos = [], 0
            for word in text.split(" "):
                if word[:1].isupper():
                    ents.append(Entity.from_source(text, pos, pos + len(word), types[0], 0.5))
                pos += len(word) + 1
            out.append(ents)
        return out


def _write_jsonl(path: Path, records: list[object]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return path


def _read_jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


DOCS = [{"id": "a", "text": "Ada met Bob"}, {"id": 2, "text": "no one"}, {"id": "c", "text": "Cy"}]


def test_extract_file_writes_one_record_per_document(tmp_path):
    src = _write_jsonl(tmp_path / "in.jsonl", DOCS)
    out = tmp_path / "out.jsonl"
    result = extract_file(WordModel(), src, out, ["person"], batch_size=2, progress=False)
    assert (result.total, result.skipped, result.processed) == (3, 0, 3)
    assert _read_jsonl(out) == [
        {"id": "a", "entities": [
            {"text": "Ada", "type": "person", "start": 0, "end": 3, "score": 0.5},
            {"text": "Bob", "type": "person", "start": 8, "end": 11, "score": 0.5},
        ]},
        {"id": 2, "entities": []},
        {"id": "c", "entities": [{"text": "Cy", "type": "person", "start": 0, "end": 2, "score": 0.5}]},
    ]
    meta = json.loads((tmp_path / "out.jsonl.meta.json").read_text())
    assert meta["config"] == {"model": "words", "types": ["person"], "threshold": None}


def test_extract_file_rerun_skips_done_ids(tmp_path):
    src = _write_jsonl(tmp_path / "in.jsonl", DOCS)
    out = tmp_path / "out.jsonl"
    extract_file(WordModel(), src, out, ["person"], progress=False)
    again = WordModel()
    result = extract_file(again, src, out, ["person"], progress=False)
    assert (result.skipped, result.processed) == (3, 0)
    assert again.seen == []
    assert len(_read_jsonl(out)) == 3


def test_extract_file_resumes_after_a_crash(tmp_path):
    src = _write_jsonl(tmp_path / "in.jsonl", [{"id": i, "text": f"Doc {i}"} for i in range(7)])
    out = tmp_path / "out.jsonl"
    with pytest.raises(KeyboardInterrupt):
        extract_file(WordModel(fail_on="Doc 5"), src, out, ["person"], batch_size=2, progress=False)
    assert [r["id"] for r in _read_jsonl(out)] == [0, 1, 2, 3]  # whole batches only
    model = WordModel()
    result = extract_file(model, src, out, ["person"], batch_size=2, progress=False)
    assert model.seen == ["Doc 4", "Doc 5", "Doc 6"]
    assert (result.skipped, result.processed) == (4, 3)
    assert [r["id"] for r in _read_jsonl(out)] == list(range(7))


def test_repair_output_cuts_torn_last_line(tmp_path):
    out = tmp_path / "out.jsonl"
    out.write_bytes(b'{"id": "a", "entities": []}\n{"id": "b", "entit')
    assert repair_output(out) == {'"a"'}
    assert out.read_bytes() == b'{"id": "a", "entities": []}\n'


def test_extract_file_after_torn_line_redoes_that_document(tmp_path):
    src = _write_jsonl(tmp_path / "in.jsonl", DOCS)
    out = tmp_path / "out.jsonl"
    extract_file(WordModel(), src, out, ["person"], progress=False)
    data = out.read_bytes()
    out.write_bytes(data[: data.rfind(b"\n", 0, len(data) - 1) + 5])  # tear the last record
    model = WordModel()
    extract_file(model, src, out, ["person"], progress=False)
    assert model.seen == ["Cy"]
    assert [r["id"] for r in _read_jsonl(out)] == ["a", 2, "c"]


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("{not json", "invalid JSON"),
        ('["a", "b"]', "expected an object"),
        ('{"id": "x"}', "missing field(s) text"),
        ('{"id": true, "text": "t"}', '"id" must be a string or an integer'),
        ('{"id": "x", "text": 3}', '"text" must be a string'),
        ('{"id": "a", "text": "again"}', 'id "a" is used twice (first at line 1)'),
    ],
)
def test_extract_file_bad_input_line_names_file_and_line(tmp_path, line, message):
    src = tmp_path / "in.jsonl"
    src.write_text(json.dumps(DOCS[0]) + "\n\n" + line + "\n", encoding="utf-8")
    model = WordModel()
    with pytest.raises(DataFormatError) as caught:
        extract_file(model, src, tmp_path / "out.jsonl", ["person"], progress=False)
    assert str(caught.value).startswith(f"{src}:3: ")
    assert message in str(caught.value)
    assert model.seen == []  # checked before any model call


def test_extract_file_non_utf8_input_line(tmp_path):
    src = tmp_path / "in.jsonl"
    src.write_bytes(b'{"id": "a", "text": "ok"}\n{"id": "b", "text": "caf\xe9"}\n')
    with pytest.raises(DataFormatError, match=r"in\.jsonl:2: not UTF-8"):
        extract_file(WordModel(), src, tmp_path / "out.jsonl", ["person"], progress=False)


def test_extract_file_missing_input_is_a_data_error(tmp_path):
    with pytest.raises(DataFormatError, match="cannot read input"):
        extract_file(WordModel(), tmp_path / "nope.jsonl", tmp_path / "out.jsonl", ["person"], progress=False)


def test_extract_file_refuses_to_resume_with_other_types(tmp_path):
    src = _write_jsonl(tmp_path / "in.jsonl", DOCS)
    out = tmp_path / "out.jsonl"
    extract_file(WordModel(), src, out, ["person"], progress=False)
    with pytest.raises(ConfigError, match=r"other settings \(types: was \['person'\], now \['location'\]\)"):
        extract_file(WordModel(), src, out, ["location"], progress=False)


def test_extract_file_foreign_output_file_is_refused(tmp_path):
    src = _write_jsonl(tmp_path / "in.jsonl", DOCS)
    out = tmp_path / "out.jsonl"
    out.write_text("some unrelated notes\n", encoding="utf-8")
    with pytest.raises(DataFormatError, match=r"out\.jsonl:1: not an output record"):
        extract_file(WordModel(), src, out, ["person"], progress=False)


def test_extract_file_same_input_and_output_refused(tmp_path):
    src = _write_jsonl(tmp_path / "in.jsonl", DOCS)
    with pytest.raises(ConfigError, match="same file"):
        extract_file(WordModel(), src, src, ["person"], progress=False)


def test_extract_file_empty_types_refused(tmp_path):
    src = _write_jsonl(tmp_path / "in.jsonl", DOCS)
    with pytest.raises(ConfigError, match="empty"):
        extract_file(WordModel(), src, tmp_path / "out.jsonl", [], progress=False)
