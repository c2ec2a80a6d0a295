"""The annotation pipeline end to end against a real HTTP server with injected faults."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from uniner.errors import ConfigError, TeacherOutputError
from uniner.teacher.annotate import AnnotateConfig, annotate
from uniner.teacher.client import TeacherConfig
from uniner.teacher.mock_server import MockServer, MockTeacher
from uniner.teacher.passages import regex_token_count

from .conftest import document_texts

pytestmark = pytest.mark.usefixtures("fast_backoff")

FAULTS = {
    "wiki-1": ["429", "500"],  # retried by the SDK
    "news-2": ["drop"],  # connection dropped, retried
    "bio-3": ["slow"],  # slower than the timeout, retried
    "code-4": ["malformed"],  # prose: asked again
    "law-5": ["truncated"],  # complete tuples kept
    "music-6": ["500", "500", "500"],  # fails after the last retry
    "sport-7": ["badbody"],  # 200 with a non-JSON body: asked again
    "none-8": ["malformed", "malformed"],  # prose twice: recorded failed
}


def _config(server: MockServer, **options) -> AnnotateConfig:
    teacher = TeacherConfig(base_url=server.base_url, model="gpt-mock", timeout=0.3, max_retries=2)
    return AnnotateConfig(teacher=teacher, concurrency=4, **options)


def _records(path: Path) -> dict[str, dict]:
    records: dict[str, dict] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        record = json.loads(line)
        assert record["id"] not in records, f"{record['id']} written twice"
        records[record["id"]] = record
    return records


def _inject(teacher: MockTeacher) -> None:
    texts = document_texts()
    for doc_id, faults in FAULTS.items():
        teacher.faults[texts[doc_id]] = list(faults)


def test_annotate_faults_end_annotated_or_failed_exactly_once(
    server: MockServer, teacher: MockTeacher, documents_path: Path, tmp_path: Path
) -> None:
    _inject(teacher)
    output = tmp_path / "ann.jsonl"
    summary = annotate([documents_path], output, _config(server))
    records = _records(output)
    assert set(records) == {f"{doc_id}#0" for doc_id in FAULTS}
    failed = {pid for pid, r in records.items() if r.get("status") == "failed"}
    assert failed == {"music-6#0", "none-8#0"}
    assert records["music-6#0"]["error"] == "HTTP 500: injected 500" and records["music-6#0"]["attempts"] == 3
    assert records["none-8#0"]["error"].startswith("no list of tuples") and records["none-8#0"]["attempts"] == 2
    assert records["none-8#0"]["raw"].startswith("I am sorry")
    assert (summary.passages, summary.annotated, summary.failed, summary.skipped) == (8, 6, 2, 0)
    # law-5 lost its last tuple to truncation but kept a duplicate; bio-3 has an N/A type.
    assert summary.drops == {"truncated": 1, "duplicate": 1, "none_type": 1}
    wiki = records["wiki-1#0"]
    assert wiki["model"] == "gpt-mock" and wiki["usage"]["prompt_tokens"] > 0
    assert {(e["text"], e["type"], e["start"], e["end"]) for e in wiki["entities"]} >= {
        ("Eiffel Tower", "landmark", 4, 16), ("Paris", "city", 73, 78), ("Gustave Eiffel", "person", 119, 133)}
    for record in records.values():
        for e in record.get("entities", []):
            assert record["text"][e["start"]:e["end"]] == e["text"]
    assert summary.entities == sum(len(r.get("entities", [])) for r in records.values())


def test_annotate_resume_skips_done_and_retry_failed_finishes(
    server: MockServer, teacher: MockTeacher, documents_path: Path, tmp_path: Path
) -> None:
    _inject(teacher)
    output = tmp_path / "ann.jsonl"
    annotate([documents_path], output, _config(server))
    asked = sum(teacher.requests.values())
    again = annotate([documents_path], output, _config(server))
    assert (again.skipped, again.annotated, again.failed) == (8, 0, 0)
    assert sum(teacher.requests.values()) == asked  # nothing asked twice
    retried = annotate([documents_path], output, _config(server, retry_failed=True))
    assert (retried.failures_retried, retried.annotated, retried.failed, retried.skipped) == (2, 2, 0, 6)
    records = _records(output)
    assert len(records) == 8 and not any(r.get("status") == "failed" for r in records.values())
    meta = json.loads((tmp_path / "ann.jsonl.meta.json").read_text(encoding="utf-8"))
    assert len(meta["runs"]) == 3 and meta["identity"]["model"] == "gpt-mock"
    assert {"uniner_version", "git_hash", "created", "config", "finished", "summary"} <= set(meta["runs"][0])


def test_annotate_resume_with_other_settings_or_text_is_refused(
    server: MockServer, documents_path: Path, tmp_path: Path
) -> None:
    output = tmp_path / "ann.jsonl"
    annotate([documents_path], output, _config(server))
    with pytest.raises(ConfigError, match="other settings \\(prompt: 'type' -> 'definition'\\)"):
        annotate([documents_path], output, _config(server, prompt="definition"))
    changed = tmp_path / "docs.jsonl"
    changed.write_text('{"id": "wiki-1", "text": "Different text now."}\n', encoding="utf-8")
    with pytest.raises(ConfigError, match="passage 'wiki-1#0' with other text"):
        annotate([changed], output, _config(server))
    output.write_text("", encoding="utf-8")  # no records left: any settings may start afresh
    assert annotate([documents_path], output, _config(server, prompt="definition")).annotated == 8


def test_annotate_long_document_is_split_into_stable_passages(server: MockServer, tmp_path: Path) -> None:
    doc = tmp_path / "long.txt"
    doc.write_text(" ".join(f"Sentence number {i} mentions Alice." for i in range(40)), encoding="utf-8")
    output = tmp_path / "ann.jsonl"
    summary = annotate([doc], output, _config(server, max_passage_tokens=20))
    records = _records(output)
    # 6 regex tokens per sentence: 3 sentences per passage, 14 passages.
    assert summary.passages == len(records) == 14
    assert set(records) == {f"long#{i}" for i in range(14)}
    assert all(regex_token_count(r["text"]) <= 20 for r in records.values())
    assert " ".join(records[f"long#{i}"]["text"] for i in range(14)) == doc.read_text(encoding="utf-8")


def test_annotate_empty_passage_is_recorded_failed_without_a_request(
    server: MockServer, teacher: MockTeacher, tmp_path: Path
) -> None:
    docs = tmp_path / "docs.jsonl"
    docs.write_text('{"id": "blank", "text": "  \\n "}\n{"id": "ok", "text": "Hello Bob."}\n', encoding="utf-8")
    output = tmp_path / "ann.jsonl"
    summary = annotate([docs], output, _config(server))
    records = _records(output)
    assert records["blank#0"]["status"] == "failed" and records["blank#0"]["attempts"] == 0
    assert records["blank#0"]["error"] == "empty passage: nothing to annotate"
    assert summary.annotated == 1 and sum(teacher.requests.values()) == 1


def test_annotate_wrong_key_stops_with_clear_error_and_loses_nothing(
    server: MockServer, teacher: MockTeacher, documents_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    teacher.api_key = "sk-right"
    monkeypatch.setenv("TEACHER_KEY", "sk-wrong")
    output = tmp_path / "ann.jsonl"
    config = AnnotateConfig(TeacherConfig(base_url=server.base_url, model="m", api_key_env="TEACHER_KEY"))
    with pytest.raises(ConfigError, match="refused the API key"):
        annotate([documents_path], output, config)
    assert output.read_text(encoding="utf-8") == ""  # nothing written, so nothing to repair: a re-run does all
    monkeypatch.setenv("TEACHER_KEY", "sk-right")
    assert annotate([documents_path], output, config).annotated == 8


def test_annotate_unreachable_endpoint_stops_after_consecutive_failures(documents_path: Path, tmp_path: Path) -> None:
    with MockServer() as probe:
        base_url = probe.base_url  # a port that was free a moment ago and is closed now
    output = tmp_path / "ann.jsonl"
    config = AnnotateConfig(TeacherConfig(base_url=base_url, model="m", max_retries=1), concurrency=2,
                            max_consecutive_failures=3)
    with pytest.raises(TeacherOutputError, match="3 passages failed in a row .*connection failed.*--retry-failed"):
        annotate([documents_path], output, config)
    records = _records(output)
    assert 3 <= len(records) <= 4 and all(r["status"] == "failed" and r["attempts"] == 2 for r in records.values())


def test_annotate_cost_from_prices(server: MockServer, documents_path: Path, tmp_path: Path) -> None:
    summary = annotate([documents_path], tmp_path / "a.jsonl", _config(server, price_in=2.0, price_out=10.0))
    assert summary.tokens_in > 0 and summary.tokens_out > 0
    assert summary.cost == pytest.approx((summary.tokens_in * 2.0 + summary.tokens_out * 10.0) / 1e6)


@pytest.mark.parametrize(
    ("options", "message"),
    [({"concurrency": 0}, "concurrency must be >= 1"), ({"prompt": "nope"}, "unknown teacher prompt 'nope'"),
     ({"price_in": -1.0}, "price_in must be >= 0")],
)
def test_annotate_config_rejects_bad_values(options: dict, message: str) -> None:
    with pytest.raises(Exception, match=message):
        AnnotateConfig(TeacherConfig(base_url="http://x/v1", model="m"), **options)
