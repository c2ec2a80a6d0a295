"""``uniner evaluate`` through ``uniner.cli.main``: tables, JSON, and one-line errors (exit 2)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from uniner.cli import main

TOY_BIO = "Ada\tB-person\nLovelace\tI-person\nmet\tO\nBabbage\tB-person\nin\tO\nLondon\tB-location\n\n"


@pytest.fixture
def toy_dir(tmp_path: Path) -> Path:
    root = tmp_path / "toy"
    root.mkdir()
    (root / "labels.txt").write_text("person\nlocation\n", encoding="utf-8")
    (root / "test.txt").write_text(TOY_BIO, encoding="utf-8")
    return root


def gold_file(tmp_path: Path) -> Path:
    turns = [
        {"from": "human", "value": "Text: Ada met Bob"},
        {"from": "gpt", "value": "I've read this text."},
        {"from": "human", "value": "What describes person in the text?"},
        {"from": "gpt", "value": '["Ada", "Bob"]'},
    ]
    path = tmp_path / "toy_gold.json"
    path.write_text(json.dumps([{"id": "q0", "conversations": turns}]), encoding="utf-8")
    return path


def run(capsys, *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def one_line_error(code: int, err: str) -> str:
    assert code == 2
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), err
    assert "Traceback" not in err
    return lines[0]


def test_evaluate_gold_zero_shot_both_metrics_is_100_everywhere(capsys, data_dir: Path, tmp_path: Path):
    out_json = tmp_path / "r.json"
    code, out, err = run(
        capsys,
        "evaluate",
        "--model",
        "gold",
        "--datasets",
        "zero-shot",
        "--metric",
        "both",
        "--data-dir",
        str(data_dir),
        "--max-sentences",
        "25",
        "--json",
        str(out_json),
        "--no-progress",
    )
    assert code == 0, err
    rows = [line for line in out.splitlines() if re.match(r"\| (crossner|mit)_", line)]
    assert len(rows) == 14  # 7 datasets x 2 metrics
    assert all(line.count("100.00") == 3 for line in rows)
    assert out.count("| **Average** | | | | **100.00** | |") == 2
    assert "Subsample: at most 25 sentences per dataset" in out
    data = json.loads(out_json.read_text(encoding="utf-8"))
    assert len(data["datasets"]) == 7
    for scores in data["datasets"].values():
        for metric in ("uniner", "strict"):
            assert {scores[metric][k] for k in ("precision", "recall", "f1")} == {100.0}
    assert data["average"] == {"uniner": {"f1": 100.0}, "strict": {"f1": 100.0}}


def test_evaluate_model_on_a_dataset_directory(capsys, toy_dir: Path):
    code, out, _ = run(capsys, "evaluate", "--model", "gold", "--datasets", str(toy_dir), "--metric", "strict")
    assert code == 0
    assert "| toy | custom | 100.00 | 100.00 | 100.00 | 1/3 |" in out
    assert "### uniner" not in out


def test_evaluate_predictions_against_gold_file(capsys, tmp_path: Path):
    preds = tmp_path / "p.jsonl"
    preds.write_text('{"id": "q0", "output": "[\\"ada\\", \\"Carl\\"]"}\n', encoding="utf-8")
    out_json = tmp_path / "r.json"
    code, out, _ = run(
        capsys, "evaluate", "--predictions", str(preds), "--gold", str(gold_file(tmp_path)), "--json", str(out_json)
    )
    assert code == 0
    assert "| toy_gold | custom | 50.00 | 50.00 | 50.00 | 1/2 |" in out
    data = json.loads(out_json.read_text(encoding="utf-8"))
    assert data["datasets"]["toy_gold"]["uniner"]["f1"] == 50.0
    assert data["average"] == {"uniner": {"f1": 50.0}}


def test_evaluate_bad_inputs_fail_with_one_line(capsys, tmp_path: Path, toy_dir: Path):
    gold = str(gold_file(tmp_path))
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"id": "q0", "output": "[]"}\n{"id": \n', encoding="utf-8")
    unknown = tmp_path / "unknown.jsonl"
    unknown.write_text('{"id": "q7", "output": "[]"}\n', encoding="utf-8")
    cases = [
        (
            ["--model", "gold", "--datasets", "no_such_set", "--data-dir", str(tmp_path)],
            "unknown dataset 'no_such_set'",
        ),
        (["--predictions", str(tmp_path / "missing.jsonl"), "--gold", gold], "missing.jsonl: cannot read"),
        (["--predictions", str(bad), "--gold", gold], "bad.jsonl:2: invalid JSON"),
        (["--predictions", str(unknown), "--gold", gold], "unknown.jsonl:1: id 'q7' is not a query id"),
        (["--predictions", str(unknown)], "--predictions needs --gold"),
        (["--model", "gold", "--predictions", str(unknown), "--gold", gold], "give either --model"),
        (["--predictions", str(unknown), "--gold", gold, "--metric", "strict"], "strict metric needs entity"),
        (["--model", "nope", "--datasets", str(toy_dir)], "unknown model 'nope'"),
        (["--model", "gold", "--datasets", str(toy_dir), "--split", "dev"], "has no 'dev' split"),
    ]
    for args, message in cases:
        code, _, err = run(capsys, "evaluate", *args)
        assert message in one_line_error(code, err), (args, err)
