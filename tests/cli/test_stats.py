"""``uniner stats`` from the command line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from uniner.cli import main
from uniner.teacher.store import success_record
from uniner.types import Entity


def _file(tmp_path: Path) -> Path:
    path = tmp_path / "ann.jsonl"
    text = "Ada Lovelace wrote about the Analytical Engine."
    ents = [Entity.from_source(text, 0, 12, "person"), Entity.from_source(text, 29, 46, "machine")]
    path.write_text(json.dumps(success_record("a#0", text, ents, "", "m", None)) + "\n", encoding="utf-8")
    return path


def test_stats_cli_markdown_table(tmp_path: Path, capsys) -> None:
    assert main(["stats", str(_file(tmp_path))]) == 0
    out = capsys.readouterr().out
    assert "passages: 1\nmentions: 2" in out
    assert "| Top 1% | 50.0% | 1 | machine |" in out and "| All the rest | 50.0% | 1 | person |" in out


def test_stats_cli_json(tmp_path: Path, capsys) -> None:
    assert main(["stats", "--json", str(_file(tmp_path))]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["mentions"] == 2 and data["distinct_types"] == 2
    assert [b["name"] for b in data["buckets"]] == ["Top 1%", "Top 1%-10%", "All the rest"]


def test_stats_cli_missing_file_is_one_line_error(tmp_path: Path, capsys) -> None:
    assert main(["stats", str(tmp_path / "nope.jsonl")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and "nope.jsonl: no such file" in err and err.count("\n") == 1


@pytest.mark.integration
def test_stats_cli_on_distilled_sec10k(data_dir: Path, capsys) -> None:
    path = data_dir / "distilled" / "sec10k_gpt35" / "sec10k_uniner_conversations.json"
    assert main(["stats", str(path)]) == 0
    out = capsys.readouterr().out
    assert "passages: 2,728" in out and "| Top 1% |" in out and "| All the rest |" in out
