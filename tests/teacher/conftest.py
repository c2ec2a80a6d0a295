"""Fixtures for the teacher tests: a scripted OpenAI-compatible server on 127.0.0.1."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from uniner.teacher.mock_server import MockServer, MockTeacher

DATA = Path(__file__).parent / "data"


def recorded_answers() -> dict[str, str]:
    """Recorded teacher outputs, keyed by passage text."""
    answers = {}
    for line in (DATA / "recorded.jsonl").read_text(encoding="utf-8").splitlines():
        record = json.loads(line)
        answers[record["passage"]] = record["answer"]
    return answers


def document_texts() -> dict[str, str]:
    docs = {}
    for line in (DATA / "documents.jsonl").read_text(encoding="utf-8").splitlines():
        record = json.loads(line)
        docs[record["id"]] = record["text"]
    return docs


@pytest.fixture
def documents_path() -> Path:
    return DATA / "documents.jsonl"


@pytest.fixture
def teacher() -> MockTeacher:
    return MockTeacher(answers=recorded_answers(), slow_seconds=1.0)


@pytest.fixture
def server(teacher: MockTeacher) -> Iterator[MockServer]:
    with MockServer(teacher) as running:
        yield running


@pytest.fixture
def fast_backoff(monkeypatch: pytest.MonkeyPatch) -> None:
    """Shrink the SDK's exponential backoff (0.5 s doubling) so retry tests stay fast.

    The retry logic itself stays the SDK's; only its base delay changes.
    """
    import openai._base_client as base

    monkeypatch.setattr(base, "INITIAL_RETRY_DELAY", 0.01)
    monkeypatch.setattr(base, "MAX_RETRY_DELAY", 0.05)
