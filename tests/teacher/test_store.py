"""The durable annotation file: torn lines, no duplicates, retry-failed, one writer."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from uniner.errors import ConfigError, DataFormatError
from uniner.teacher.store import AnnotationStore, failure_record, read_annotations, success_record
from uniner.types import Entity


def _ok(pid: str, text: str = "Apple pie") -> dict:
    return success_record(pid, text, [Entity.from_source(text, 0, 5, "company")], "[]", "m", None)


def _ids(path: Path) -> list[str]:
    return [json.loads(line)["id"] for line in path.read_text(encoding="utf-8").splitlines()]


def test_store_appends_whole_lines_and_refuses_duplicates(tmp_path: Path) -> None:
    path = tmp_path / "out.jsonl"
    with AnnotationStore(path) as store:
        store.append(_ok("a"))
        store.append(failure_record("b", "text", "HTTP 500: boom", 3))
        with pytest.raises(ValueError, match="already in"):
            store.append(_ok("a"))
    assert _ids(path) == ["a", "b"]
    assert path.read_bytes().endswith(b"\n")


def test_store_repairs_torn_last_line(tmp_path: Path) -> None:
    path = tmp_path / "out.jsonl"
    good = json.dumps(_ok("a")) + "\n"
    path.write_text(good + '{"id": "b", "text": "Appl', encoding="utf-8")
    with AnnotationStore(path) as store:
        assert store.report.torn_bytes == len('{"id": "b", "text": "Appl')
        assert "a" in store and "b" not in store
        store.append(_ok("b"))
    assert _ids(path) == ["a", "b"]


def test_store_damaged_middle_line_is_an_error_with_line(tmp_path: Path) -> None:
    path = tmp_path / "out.jsonl"
    path.write_text(json.dumps(_ok("a")) + "\n{broken\n" + json.dumps(_ok("c")) + "\n", encoding="utf-8")
    with pytest.raises(DataFormatError, match=r"out\.jsonl:2: not a JSON record"):
        AnnotationStore(path)


def test_store_existing_duplicate_id_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "out.jsonl"
    path.write_text((json.dumps(_ok("a")) + "\n") * 2, encoding="utf-8")
    with pytest.raises(DataFormatError, match=r"out\.jsonl:2: passage id 'a' appears twice"):
        AnnotationStore(path)


def test_store_retry_failed_drops_failures_first(tmp_path: Path) -> None:
    path = tmp_path / "out.jsonl"
    with AnnotationStore(path) as store:
        store.append(_ok("a"))
        store.append(failure_record("b", "t", "timed out", 6))
        store.append(_ok("c"))
    with AnnotationStore(path) as store:
        assert store.report.failed == 1 and "b" in store
    with AnnotationStore(path, retry_failed=True) as store:
        assert store.report.dropped_failures == 1
        assert "b" not in store
        assert _ids(path) == ["a", "c"]  # rewritten before anything is retried
        store.append(_ok("b"))
    assert _ids(path) == ["a", "c", "b"]


def test_store_second_writer_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "out.jsonl"
    with AnnotationStore(path), pytest.raises(ConfigError, match="another uniner annotate run"):
        AnnotationStore(path)
    with AnnotationStore(path):  # the lock is released on close
        pass


def test_read_annotations_skips_failures_and_torn_line(tmp_path: Path) -> None:
    path = tmp_path / "out.jsonl"
    lines = [json.dumps(_ok("a")), json.dumps(failure_record("b", "t", "x", 1))]
    path.write_text("\n".join(lines) + '\n{"id": "c"', encoding="utf-8")
    assert [r["id"] for r in read_annotations(path)] == ["a"]
    assert [r["id"] for r in read_annotations(path, include_failed=True)] == ["a", "b"]
