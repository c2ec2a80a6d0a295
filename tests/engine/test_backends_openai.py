"""The openai backend against a real HTTP server on 127.0.0.1 (an OpenAI-compatible stub)."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, ClassVar

import pytest

from uniner.engine.backends.openai_backend import chat_messages, load_openai
from uniner.errors import ConfigError, UninerError
from uniner.instruct.templates import SYSTEM_PROMPT
from uniner.types import Entity

ANSWERS = {"person": '["Bob", "Ann"]', "location": "Sure! Paris is a location.", "date": '["1999", "never"]'}


class Stub(BaseHTTPRequestHandler):
    requests: ClassVar[list[dict[str, Any]]] = []
    status = 200

    def log_message(self, *args: Any) -> None:  # keep test output clean
        pass

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        Stub.requests.append({"path": self.path, "auth": self.headers.get("Authorization"), **body})
        if body["model"] == "missing":
            return self._send(404, {"error": {"message": "model not found", "type": "invalid_request_error"}})
        if Stub.status != 200:
            return self._send(Stub.status, {"error": {"message": "nope", "type": "error"}})
        question = body["messages"][-1]["content"]
        type_name = question.removeprefix("What describes ").removesuffix(" in the text?")
        content = ANSWERS.get(type_name, "[]")
        self._send(200, {
            "id": "x", "object": "chat.completion", "created": 0, "model": body["model"],
            "choices": [{"index": 0, "finish_reason": "stop", "message": {"role": "assistant", "content": content}}],
            "usage": {"prompt_tokens": 10, "completion_tokens": 5, "total_tokens": 15},
        })

    def _send(self, status: int, payload: dict[str, Any]) -> None:
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


@pytest.fixture()
def server() -> Iterator[str]:
    Stub.requests = []
    Stub.status = 200
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Stub)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}/v1"
    finally:
        httpd.shutdown()
        httpd.server_close()


def test_chat_messages_are_the_training_conversation() -> None:
    assert chat_messages("Bob ran.", "person") == [
        {"role": "system", "content": SYSTEM_PROMPT},
        {"role": "user", "content": "Text: Bob ran."},
        {"role": "assistant", "content": "I've read this text."},
        {"role": "user", "content": "What describes person in the text?"},
    ]
    assert chat_messages("Bob ran.", "person", system=False)[0]["role"] == "user"


def test_openai_extracts_over_http(server: str) -> None:
    ner = load_openai("stub-model", base_url=server, max_retries=0)
    text = "Bob met Ann in Paris in 1999."
    [entities] = ner.predict([text], ["person", "location", "date"])
    assert entities == [
        Entity("Bob", "person", 0, 3), Entity("Ann", "person", 8, 11), Entity("1999", "date", 24, 28)
    ]
    assert len(Stub.requests) == 3
    sent = Stub.requests[0]
    assert sent["path"] == "/v1/chat/completions" and sent["temperature"] == 0
    assert sent["messages"][1] == {"role": "user", "content": f"Text: {text}"}
    assert sent["auth"] == "Bearer EMPTY"
    assert ner.stats.malformed_answers == 1  # the prose answer for location
    assert ner.stats.mentions_not_found == 1  # "never"
    assert ner.stats.generated_tokens == 15


def test_openai_answers_keep_passage_and_type_order(server: str) -> None:
    ner = load_openai("stub-model", base_url=server, concurrency=3, max_retries=0)
    texts = ["Bob.", "Ann and Bob.", "nobody"]
    out = ner.answers(texts, ["person", "date"])
    assert out == [[["Bob", "Ann"], ["1999", "never"]]] * 3


def test_openai_endpoint_down_is_config_error() -> None:
    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    ner = load_openai("m", base_url=f"http://127.0.0.1:{port}/v1", max_retries=0, timeout=5)
    with pytest.raises(ConfigError, match="cannot reach"):
        ner.predict(["Bob."], ["person"])


def test_openai_unknown_model_is_config_error(server: str) -> None:
    with pytest.raises(ConfigError, match="not found"):
        load_openai("missing", base_url=server, max_retries=0).predict(["Bob."], ["person"])


@pytest.mark.parametrize(("status", "error"), [(401, ConfigError), (500, UninerError)])
def test_openai_http_errors_are_uniner_errors(server: str, status: int, error: type[Exception]) -> None:
    Stub.status = status
    with pytest.raises(error):
        load_openai("m", base_url=server, max_retries=0).predict(["Bob."], ["person"])


def test_openai_needs_a_key_or_a_url(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    monkeypatch.delenv("OPENAI_BASE_URL", raising=False)
    with pytest.raises(ConfigError, match="OPENAI_API_KEY"):
        load_openai("gpt-4o-mini")
    with pytest.raises(ConfigError, match="template"):
        load_openai("m", base_url="http://127.0.0.1:1/v1", template="vicuna")
