"""``uniner annotate`` from the command line: summary, one-line errors, kill -9 and resume."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from uniner.cli import main
from uniner.teacher.mock_server import MockServer, MockTeacher

DOCS = Path(__file__).parent.parent / "teacher" / "data" / "documents.jsonl"


@pytest.fixture
def server() -> Iterator[MockServer]:
    with MockServer(MockTeacher()) as running:
        yield running


def _args(server: MockServer, output: Path, *extra: str, inputs: tuple[Path, ...] = (DOCS,)) -> list[str]:
    args = ["annotate", "--output", str(output), "--base-url", server.base_url, "--model", "mock", "--no-progress"]
    for path in inputs:
        args += ["--input", str(path)]
    return args + list(extra)


def _one_line_error(capsys: pytest.CaptureFixture[str]) -> str:
    err = capsys.readouterr().err
    assert err.startswith("error: ") and err.count("\n") == 1, err
    return err


def test_annotate_cli_prints_summary_with_drops_and_cost(server: MockServer, tmp_path: Path, capsys) -> None:
    code = main(_args(server, tmp_path / "a.jsonl", "--price-in", "1", "--price-out", "2"))
    out = capsys.readouterr().out
    assert code == 0
    assert "8 passages; 0 already done, 8 annotated, 0 failed this run" in out
    assert "cost: " in out and "dropped tuples: malformed 0, truncated 0, none_type 0" in out
    assert len((tmp_path / "a.jsonl").read_text(encoding="utf-8").splitlines()) == 8


def test_annotate_cli_missing_and_non_utf8_input_are_one_line_errors(server: MockServer, tmp_path: Path, capsys) -> None:
    assert main(_args(server, tmp_path / "a.jsonl", inputs=(tmp_path / "missing.jsonl",))) == 2
    assert "missing.jsonl: no such file or folder" in _one_line_error(capsys)
    bad = tmp_path / "bad.txt"
    bad.write_bytes(b"caf\xe9 au lait")
    assert main(_args(server, tmp_path / "a.jsonl", inputs=(bad,))) == 2
    assert "bad.txt:1: not UTF-8" in _one_line_error(capsys)
    assert not (tmp_path / "a.jsonl").exists()


def test_annotate_cli_wrong_key_is_one_line_without_key(tmp_path: Path, capsys, monkeypatch) -> None:
    monkeypatch.setenv("CLI_TEACHER_KEY", "sk-wrong-0123456789")
    with MockServer(MockTeacher(api_key="sk-right")) as server:
        assert main(_args(server, tmp_path / "a.jsonl", "--api-key-env", "CLI_TEACHER_KEY")) == 2
    err = _one_line_error(capsys)
    assert "refused the API key (HTTP 401); check CLI_TEACHER_KEY" in err and "sk-wrong" not in err


def test_annotate_cli_bad_options_are_one_line_errors(server: MockServer, tmp_path: Path, capsys) -> None:
    assert main(_args(server, tmp_path / "a.jsonl", "--prompt", "nope")) == 2
    assert "unknown teacher prompt 'nope'; available: definition, type" in _one_line_error(capsys)
    assert main(_args(server, tmp_path / "a.jsonl", "--api-key-env", "SURELY_UNSET_VAR_42")) == 2
    assert "SURELY_UNSET_VAR_42 (named by --api-key-env) is not set" in _one_line_error(capsys)


def _records(path: Path) -> dict[str, dict]:
    out: dict[str, dict] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        record = json.loads(line)
        assert record["id"] not in out, f"{record['id']} written twice"
        out[record["id"]] = record
    return out


def _run_cli(args: list[str]) -> subprocess.Popen:
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    return subprocess.Popen([sys.executable, "-m", "uniner", *args], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=env)


def test_annotate_cli_kill_9_then_resume_equals_uninterrupted_run(tmp_path: Path, capsys) -> None:
    docs = tmp_path / "docs.jsonl"
    with docs.open("w", encoding="utf-8") as f:
        for i in range(60):
            f.write(json.dumps({"id": f"d{i}", "text": f"Alice Smith met Bob Jones {i} times in Paris. Then Carol left."})
                    + "\n")
    teacher = MockTeacher(latency=0.1)
    with MockServer(teacher) as server:
        killed = tmp_path / "killed.jsonl"
        proc = _run_cli(_args(server, killed, "--concurrency", "2", inputs=(docs,)))
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and proc.poll() is None:
            if killed.exists() and killed.read_bytes().count(b"\n") >= 5:
                break
            time.sleep(0.02)
        assert proc.poll() is None, "the run finished before it could be killed"
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)
        done_before = killed.read_bytes().count(b"\n")
        assert 5 <= done_before < 60
        # A death inside a write leaves a partial last line: simulate one.
        with killed.open("ab") as f:
            f.write(b'{"id": "d59#0", "text": "Alice Smi')
        teacher.latency = 0.0
        assert main(_args(server, killed, inputs=(docs,))) == 0  # resume (in-process: only the kill needs a child)
        out = capsys.readouterr().out
        assert f"{done_before} already done, {60 - done_before} annotated" in out
        assert "repaired a torn last line" in out
        straight = tmp_path / "straight.jsonl"
        assert main(_args(server, straight, inputs=(docs,))) == 0
    resumed, uninterrupted = _records(killed), _records(straight)
    assert set(resumed) == {f"d{i}#0" for i in range(60)}
    assert resumed == uninterrupted
