"""The teacher client against a real HTTP server on 127.0.0.1, with injected faults."""

from __future__ import annotations

import asyncio
import time

import pytest

from uniner.errors import ConfigError
from uniner.teacher.client import Completion, TeacherClient, TeacherConfig, TeacherRequestError
from uniner.teacher.mock_server import MockServer, MockTeacher
from uniner.teacher.prompts import TYPE_PROMPT

PASSAGE = "Barack Obama visited Berlin."


def _complete(server: MockServer, passage: str = PASSAGE, **options) -> Completion:
    config = TeacherConfig(base_url=server.base_url, model="mock-teacher", **options)

    async def go() -> Completion:
        async with TeacherClient(config) as client:
            return await client.complete(TYPE_PROMPT.messages(passage))

    return asyncio.run(go())


def test_client_completion_has_content_usage_and_one_attempt(server: MockServer) -> None:
    result = _complete(server)
    assert result.content == '[("Barack Obama", "entity"), ("Berlin", "entity")]'
    assert result.model == "mock-teacher" and result.finish_reason == "stop" and result.attempts == 1
    assert result.usage is not None and result.usage["prompt_tokens"] > 0


def test_client_honours_retry_after_on_429(server: MockServer, teacher: MockTeacher) -> None:
    teacher.faults[PASSAGE] = ["429", "429"]
    started = time.monotonic()
    result = _complete(server, max_retries=2)
    assert result.attempts == 3 and teacher.requests[PASSAGE] == 3
    assert time.monotonic() - started >= 2 * 0.05 * 0.9  # the server's Retry-After: 0.05 s, twice


@pytest.mark.usefixtures("fast_backoff")
@pytest.mark.parametrize("fault", ["500", "drop", "slow"])
def test_client_retries_transient_faults(server: MockServer, teacher: MockTeacher, fault: str) -> None:
    teacher.faults[PASSAGE] = [fault]
    result = _complete(server, timeout=0.3, max_retries=2)
    assert result.content.startswith('[("Barack Obama"')
    assert result.attempts == 2


@pytest.mark.usefixtures("fast_backoff")
@pytest.mark.parametrize(
    ("fault", "error"),
    [("500", "HTTP 500: injected 500"), ("drop", "connection failed"), ("slow", "timed out after 0.3 s"),
     ("429", "HTTP 429")],
)
def test_client_gives_up_after_last_retry(server: MockServer, teacher: MockTeacher, fault: str, error: str) -> None:
    teacher.faults[PASSAGE] = [fault] * 3
    with pytest.raises(TeacherRequestError, match=error) as caught:
        _complete(server, timeout=0.3, max_retries=2)
    assert caught.value.attempts == 3 and teacher.requests[PASSAGE] == 3


@pytest.mark.parametrize(("fault", "error", "reask"), [("400", "HTTP 400", False), ("badbody", "invalid response", True)])
def test_client_bad_request_and_bad_body_are_not_retried(
    server: MockServer, teacher: MockTeacher, fault: str, error: str, reask: bool
) -> None:
    teacher.faults[PASSAGE] = [fault]
    with pytest.raises(TeacherRequestError, match=error) as caught:
        _complete(server, max_retries=3)
    assert caught.value.attempts == 1 and caught.value.reask is reask


def test_client_wrong_key_is_a_clear_error_without_the_key(
    server: MockServer, teacher: MockTeacher, monkeypatch: pytest.MonkeyPatch
) -> None:
    teacher.api_key = "sk-right"
    monkeypatch.setenv("MY_TEACHER_KEY", "sk-wrong-secret-123")
    with pytest.raises(ConfigError, match="refused the API key \\(HTTP 401\\); check MY_TEACHER_KEY") as caught:
        _complete(server, api_key_env="MY_TEACHER_KEY", max_retries=3)
    assert "sk-wrong" not in str(caught.value)
    assert teacher.requests == {}  # refused before any passage was looked at; not retried
    monkeypatch.setenv("MY_TEACHER_KEY", "sk-right")
    assert _complete(server, api_key_env="MY_TEACHER_KEY").attempts == 1


def test_client_named_key_variable_must_be_set(server: MockServer, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("UNSET_KEY_VAR", raising=False)
    with pytest.raises(ConfigError, match="UNSET_KEY_VAR .* is not set"):
        _complete(server, api_key_env="UNSET_KEY_VAR")


def test_client_wrong_path_is_a_clear_error(server: MockServer) -> None:
    config = TeacherConfig(base_url=server.base_url.removesuffix("/v1"), model="m")

    async def go() -> None:
        async with TeacherClient(config) as client:
            await client.complete(TYPE_PROMPT.messages(PASSAGE))

    with pytest.raises(ConfigError, match="answered 404 for model 'm'.*--base-url"):
        asyncio.run(go())


@pytest.mark.usefixtures("fast_backoff")
def test_client_counts_attempts_per_concurrent_request(server: MockServer, teacher: MockTeacher) -> None:
    teacher.faults["Second passage."] = ["500", "drop"]
    config = TeacherConfig(base_url=server.base_url, model="m", max_retries=3)

    async def go() -> list[Completion]:
        async with TeacherClient(config) as client:
            return await asyncio.gather(*(client.complete(TYPE_PROMPT.messages(p))
                                          for p in ["First passage.", "Second passage.", "Third one."]))

    assert [c.attempts for c in asyncio.run(go())] == [1, 3, 1]


@pytest.mark.parametrize(
    ("options", "message"),
    [({"base_url": "localhost:8000"}, "must start with http"), ({"model": " "}, "model name is empty"),
     ({"timeout": 0}, "timeout must be > 0"), ({"max_retries": -1}, "max retries must be >= 0")],
)
def test_teacher_config_rejects_bad_values(options: dict, message: str) -> None:
    values = {"base_url": "http://x/v1", "model": "m", **options}
    with pytest.raises(ConfigError, match=message):
        TeacherConfig(**values)
