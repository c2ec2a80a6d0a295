"""``uniner extract``: formats, stdin, batches, and one-line errors with exit code 2."""

from __future__ import annotations

import io
import json
import re
import subprocess
import sys
from collections.abc import Sequence

import pytest

from uniner import registrations
from uniner.cli import main
from uniner.engine.base import BACKENDS
from uniner.types import Entity

TEXT = "Ada Lovelace met Charles Babbage in London."


class CapitalsPredictor:
    """``person`` = two capitalised words in a row, ``location`` = 'London'; honours a threshold."""

    name = "capitals"

    def predict(self, texts: Sequence[str], types: Sequence[str], threshold: float | None = None):
        out = []
        for text in texts:
            ents = []
            if "person" in types:
                for m in re.finditer(r"[A-Z]\w+ [A-Z]\w+", text):
                    ents.append(Entity.from_source(text, m.start(), m.end(), "person", 0.9))
            if "location" in types:
                for m in re.finditer("London", text):
                    if threshold is None or threshold <= 0.6:
                        ents.append(Entity.from_source(text, m.start(), m.end(), "location", 0.6))
            out.append(ents[::-1])
        return out


@pytest.fixture(autouse=True)
def fake_model(monkeypatch):
    # Registry marked as filled so the real backends' heavy imports stay out of these
    # tests; the shipped-model entry is imported so error messages list it.
    import uniner.engine.backends.default  # noqa: F401

    monkeypatch.setattr(registrations, "_populated", set(registrations.MODULES))
    monkeypatch.setitem(BACKENDS._entries, "fake", lambda model, **options: CapitalsPredictor())


def _stdin(monkeypatch, data: bytes) -> None:
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data), encoding="utf-8"))


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_extract_json_sorted_by_start(capsys):
    code, out, err = run(capsys, "extract", TEXT, "--types", "person,location", "--model", "fake")
    assert code == 0, err
    assert out.splitlines()[1] == '  {"text": "Ada Lovelace", "type": "person", "start": 0, "end": 12, "score": 0.9},'
    assert json.loads(out) == [
        {"text": "Ada Lovelace", "type": "person", "start": 0, "end": 12, "score": 0.9},
        {"text": "Charles Babbage", "type": "person", "start": 17, "end": 32, "score": 0.9},
        {"text": "London", "type": "location", "start": 36, "end": 42, "score": 0.6},
    ]


def test_extract_threshold_reaches_the_predictor(capsys):
    code, out, _ = run(capsys, "extract", TEXT, "-t", "person,location", "-m", "fake", "--threshold", "0.8")
    assert code == 0
    assert [e["type"] for e in json.loads(out)] == ["person", "person"]


def test_extract_jsonl_one_entity_per_line(capsys):
    code, out, _ = run(capsys, "extract", TEXT, "-t", "location", "-m", "fake", "--format", "jsonl")
    assert code == 0
    assert out == '{"text": "London", "type": "location", "start": 36, "end": 42, "score": 0.6}\n'


def test_extract_html_to_file(capsys, tmp_path):
    target = tmp_path / "out.html"
    code, out, _ = run(capsys, "extract", "A <b> Ada Lovelace", "-t", "person", "-m", "fake", "-f", "html", "-o",
                       str(target))
    assert code == 0 and out == ""
    page = target.read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>")
    assert "A &lt;b&gt; <mark" in page and 'title="person: Ada Lovelace (0.90)"' in page


def test_extract_reads_utf8_stdin_with_exact_offsets(capsys, monkeypatch):
    _stdin(monkeypatch, "Zoë met Ada Lovelace.\n".encode())
    code, out, _ = run(capsys, "extract", "-t", "person", "-m", "fake")
    assert code == 0
    assert json.loads(out) == [{"text": "Ada Lovelace", "type": "person", "start": 8, "end": 20, "score": 0.9}]


def test_extract_non_utf8_stdin_one_line_error(capsys, monkeypatch):
    _stdin(monkeypatch, b"caf\xe9 Ada Lovelace")
    code, out, err = run(capsys, "extract", "-t", "person", "-m", "fake")
    assert (code, out) == (2, "")
    assert err == "error: stdin is not valid UTF-8 (invalid continuation byte at byte 3)\n"


def test_extract_non_utf8_stdin_exit_code_in_a_real_process():
    done = subprocess.run(
        [sys.executable, "-m", "uniner", "extract", "--types", "person"],
        input=b"\xff\xfe bad", capture_output=True, timeout=120, check=False,
    )
    assert done.returncode == 2
    assert done.stderr.decode().strip().splitlines() == [
        "error: stdin is not valid UTF-8 (invalid start byte at byte 0)"
    ]


def test_extract_empty_text_gives_empty_list(capsys):
    code, out, _ = run(capsys, "extract", "", "-t", "person", "-m", "fake")
    assert (code, out) == (0, "[]\n")


@pytest.mark.parametrize(
    ("types", "message"),
    [
        ("", "error: no entity types: give --types"),
        (" , ", "error: an entity type name is empty"),
        ("person,Person", "error: entity type 'Person' is given twice"),
    ],
)
def test_extract_bad_types_one_line_error(capsys, types, message):
    code, out, err = run(capsys, "extract", TEXT, "--types", types, "-m", "fake")
    assert (code, out) == (2, "")
    assert err.startswith(message) and err.count("\n") == 1


def test_extract_unknown_model_lists_available(capsys):
    code, _, err = run(capsys, "extract", TEXT, "-t", "person", "-m", "no-such-model")
    assert code == 2
    assert err.startswith("error: unknown model 'no-such-model'") and "default" in err and "fake" in err


def test_extract_batch_input_output_and_resume(capsys, tmp_path):
    src = tmp_path / "docs.jsonl"
    src.write_text('{"id": "d1", "text": "Ada Lovelace"}\n{"id": "d2", "text": "in London"}\n', encoding="utf-8")
    out = tmp_path / "out.jsonl"
    argv = ["extract", "--input", str(src), "--output", str(out), "-t", "person,location", "-m", "fake"]
    code, _, err = run(capsys, *argv)
    assert code == 0, err
    assert "2 documents extracted, 0 already done" in err
    records = [json.loads(line) for line in out.read_text().splitlines()]
    assert [(r["id"], [e["text"] for e in r["entities"]]) for r in records] == [("d1", ["Ada Lovelace"]),
                                                                                ("d2", ["London"])]
    code, _, err = run(capsys, *argv, "--no-progress")
    assert code == 0 and "0 documents extracted, 2 already done" in err


def test_extract_batch_bad_line_names_file_and_line(capsys, tmp_path):
    src = tmp_path / "docs.jsonl"
    src.write_text('{"id": "d1", "text": "x"}\n{"id": "d2"}\n', encoding="utf-8")
    code, _, err = run(capsys, "extract", "-i", str(src), "-o", str(tmp_path / "o.jsonl"), "-t", "person", "-m",
                       "fake")
    assert code == 2
    assert err == f"error: {src}:2: missing field(s) text\n"


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["TEXT"], "give either TEXT or --input"),
        (["--format", "html", "-o", "x.html"], "--input writes JSONL"),
        ([], "--input needs --output"),
    ],
)
def test_extract_batch_option_conflicts(capsys, tmp_path, extra, message):
    src = tmp_path / "docs.jsonl"
    src.write_text('{"id": "d1", "text": "x"}\n', encoding="utf-8")
    code, _, err = run(capsys, "extract", "-i", str(src), "-t", "person", "-m", "fake", *extra)
    assert code == 2 and message in err


def test_extract_threads_sets_torchs_thread_count(capsys):
    import torch

    before = torch.get_num_threads()
    try:
        torch.set_num_threads(2)
        code, out, err = run(capsys, "extract", TEXT, "-t", "person", "-m", "fake", "--threads", "1")
        assert code == 0, err
        assert torch.get_num_threads() == 1 and json.loads(out)
    finally:
        torch.set_num_threads(before)
    code, _, err = run(capsys, "extract", TEXT, "-t", "person", "-m", "fake", "--threads", "0")
    assert code == 2 and "--threads" in err
