"""Reading the documents to annotate, and the errors bad input gives."""

from __future__ import annotations

from pathlib import Path

import pytest

from uniner.errors import DataFormatError
from uniner.teacher.documents import read_documents


def test_read_documents_jsonl_text_files_and_folders(tmp_path: Path) -> None:
    (tmp_path / "a.jsonl").write_text('{"id": "x", "text": "one"}\n\n{"id": 7, "text": "two"}\n', encoding="utf-8")
    (tmp_path / "note.txt").write_text("plain text\n", encoding="utf-8")
    folder = tmp_path / "folder"
    (folder / "sub").mkdir(parents=True)
    (folder / "sub" / "b.txt").write_text("bee", encoding="utf-8")
    (folder / "c.txt").write_text("sea", encoding="utf-8")
    (folder / "ignored.md").write_text("no", encoding="utf-8")
    docs = read_documents([tmp_path / "a.jsonl", tmp_path / "note.txt", folder])
    assert [(d.id, d.text) for d in docs] == [
        ("x", "one"), ("7", "two"), ("note", "plain text\n"), ("c", "sea"), ("sub/b", "bee"),
    ]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b'{"id": "a", "text": "x"}\n{"id": "a", "text": "y"}\n', r"in\.jsonl:2: duplicate document id 'a'"),
        (b'{"id": "a", "text": "x"}\n{not json\n', r"in\.jsonl:2: invalid JSON"),
        (b'{"text": "x"}\n', r'in\.jsonl:1: "id" must be'),
        (b'{"id": "a", "text": 5}\n', r'in\.jsonl:1: document \'a\': "text" must be a string'),
        (b'["a"]\n', r"in\.jsonl:1: expected an object"),
        (b'{"id": "a", "text": "ok"}\n{"id": "b", "text": "caf\xe9"}\n', r"in\.jsonl:2: not UTF-8"),
    ],
)
def test_read_documents_bad_jsonl_names_file_and_line(tmp_path: Path, content: bytes, message: str) -> None:
    path = tmp_path / "in.jsonl"
    path.write_bytes(content)
    with pytest.raises(DataFormatError, match=message):
        read_documents([path])


def test_read_documents_missing_file_and_empty_folder(tmp_path: Path) -> None:
    with pytest.raises(DataFormatError, match="nope.txt: no such file or folder"):
        read_documents([tmp_path / "nope.txt"])
    (tmp_path / "empty").mkdir()
    with pytest.raises(DataFormatError, match="folder has no"):
        read_documents([tmp_path / "empty"])
