"""A scripted OpenAI-compatible chat-completions server, for tests, benchmarks and dry runs.

It answers ``POST .../chat/completions`` from recorded teacher outputs (keyed
by passage text, with a deterministic fallback), after an optional simulated
latency, and injects faults on request: each passage can carry a queue of
fault names consumed one per request (see ``FAULTS``).  HTTP/1.1 with
keep-alive, parsed by ``h11``; runs on its own event loop in a background
thread, so synchronous tests and other processes can talk to it.

    python -m uniner.teacher.mock_server --port 8765 --latency 0.05
"""

from __future__ import annotations

import argparse
import asyncio
import json
import re
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Self

import h11

#: What a fault does to one request:
FAULTS = {
    "429": "HTTP 429 with a short Retry-After",
    "500": "HTTP 500 with a short retry-after-ms",
    "slow": "answer after slow_seconds (longer than the client's timeout)",
    "drop": "close the connection without answering",
    "malformed": "HTTP 200 whose answer is prose without a list",
    "truncated": "HTTP 200 whose answer is cut off inside a tuple (finish_reason length)",
    "badbody": "HTTP 200 whose body is not JSON",
    "400": "HTTP 400 (not retried)",
}

_PASSAGE = re.compile(r"(?:Passage|Paragraph): (.*)\Z", re.DOTALL)
_CAPITALISED = re.compile(r"\b[A-Z][\w&-]*(?: [A-Z][\w&-]*)*")


def default_answer(passage: str) -> str:
    """A deterministic stand-in teacher: every capitalised phrase, typed ``entity``."""
    names = list(dict.fromkeys(m.group() for m in _CAPITALISED.finditer(passage)))
    return "[" + ", ".join(f'("{name}", "entity")' for name in names) + "]"


@dataclass
class MockTeacher:
    """Server state: answers, fault queues and what was asked."""

    answers: dict[str, str] = field(default_factory=dict)
    faults: dict[str, list[str]] = field(default_factory=dict)
    fallback: Callable[[str], str] = default_answer
    latency: float = 0.0
    slow_seconds: float = 2.0
    api_key: str | None = None
    requests: Counter[str] = field(default_factory=Counter)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def next_fault(self, passage: str) -> str | None:
        with self._lock:
            self.requests[passage] += 1
            queue = self.faults.get(passage)
            return queue.pop(0) if queue else None

    def answer(self, passage: str) -> str:
        return self.answers.get(passage) or self.fallback(passage)


class MockServer:
    """Run a ``MockTeacher`` on 127.0.0.1 in a thread: ``with MockServer(t) as s: s.base_url``."""

    def __init__(self, teacher: MockTeacher | None = None, host: str = "127.0.0.1", port: int = 0):
        self.teacher = teacher or MockTeacher()
        self.host, self.port = host, port
        self._loop = asyncio.new_event_loop()
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._run, name="mock-teacher", daemon=True)
        self._server: asyncio.base_events.Server | None = None

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}/v1"

    def start(self) -> Self:
        self._thread.start()
        if not self._ready.wait(10):
            raise RuntimeError("mock teacher server did not start")
        return self

    def stop(self) -> None:
        if not self._thread.is_alive():
            return
        asyncio.run_coroutine_threadsafe(self._shutdown(), self._loop).result(10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)
        self._loop.close()

    async def _shutdown(self) -> None:
        if self._server is not None:
            self._server.close()
        current = asyncio.current_task()
        tasks = [t for t in asyncio.all_tasks() if t is not current]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)
        self._server = self._loop.run_until_complete(asyncio.start_server(self._serve, self.host, self.port))
        self.port = self._server.sockets[0].getsockname()[1]
        self._ready.set()
        self._loop.run_forever()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        conn = h11.Connection(h11.SERVER)
        try:
            while True:
                request, body = await _read_request(conn, reader)
                if request is None:
                    break
                keep = await self._respond(conn, writer, request, body)
                if not keep or conn.our_state is h11.MUST_CLOSE:
                    break
                conn.start_next_cycle()
        except (ConnectionError, h11.ProtocolError, asyncio.IncompleteReadError):
            pass
        except asyncio.CancelledError:
            # Shutdown while a request was pending (a "slow" fault): end quietly;
            # re-raising would make asyncio's stream callback log a traceback.
            pass
        finally:
            writer.transport.abort()

    async def _respond(self, conn: h11.Connection, writer: asyncio.StreamWriter, request: h11.Request, body: bytes) -> bool:
        """Answer one request; ``False`` to drop the connection."""
        teacher = self.teacher
        if teacher.api_key is not None and dict(request.headers).get(b"authorization") != f"Bearer {teacher.api_key}".encode():
            await _send(conn, writer, 401, {"error": {"message": "Incorrect API key provided", "type": "invalid_request_error"}})
            return True
        if not request.target.decode().rstrip("/").endswith("/v1/chat/completions"):
            await _send(conn, writer, 404, {"error": {"message": f"no route {request.target.decode()}"}})
            return True
        try:
            payload = json.loads(body)
            passage = _passage_of(payload)
        except (ValueError, KeyError, TypeError, IndexError):
            await _send(conn, writer, 400, {"error": {"message": "not a chat completion request"}})
            return True
        fault = teacher.next_fault(passage)
        if teacher.latency:
            await asyncio.sleep(teacher.latency)
        if fault == "drop":
            return False
        if fault == "slow":
            await asyncio.sleep(teacher.slow_seconds)
        if fault in ("429", "500", "400"):
            headers = {"429": [("retry-after", "0.05")], "500": [("retry-after-ms", "20")], "400": []}[fault]
            await _send(conn, writer, int(fault), {"error": {"message": f"injected {fault}"}}, headers)
            return True
        if fault == "badbody":
            await _send_raw(conn, writer, 200, b"{not json", [])
            return True
        content, finish = teacher.answer(passage), "stop"
        if fault == "malformed":
            content = "I am sorry, but I cannot identify entities in this passage."
        elif fault == "truncated":
            content, finish = _truncate(content), "length"
        await _send(conn, writer, 200, _completion_body(payload, content, finish))
        return True


def _passage_of(payload: dict) -> str:
    user = [m for m in payload["messages"] if m.get("role") == "user"][-1]["content"]
    match = _PASSAGE.search(user)
    return match.group(1) if match else user


def _truncate(content: str) -> str:
    """Cut inside the last tuple, as a max_tokens limit would."""
    cut = content.rfind('("')
    return content[: cut + 4] if cut > 0 else content[: max(1, len(content) // 2)]


def _completion_body(payload: dict, content: str, finish: str) -> dict:
    prompt_tokens = sum(len(str(m.get("content", "")).split()) for m in payload["messages"])
    completion_tokens = len(content.split())
    return {
        "id": f"chatcmpl-mock-{time.monotonic_ns()}",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": payload.get("model", "mock"),
        "choices": [{"index": 0, "message": {"role": "assistant", "content": content}, "finish_reason": finish}],
        "usage": {
            "prompt_tokens": prompt_tokens,
            "completion_tokens": completion_tokens,
            "total_tokens": prompt_tokens + completion_tokens,
        },
    }


async def _read_request(conn: h11.Connection, reader: asyncio.StreamReader) -> tuple[h11.Request | None, bytes]:
    request, chunks = None, []
    while True:
        event = conn.next_event()
        if event is h11.NEED_DATA:
            data = await reader.read(65536)
            conn.receive_data(data)
            if not data and conn.their_state is not h11.DONE:
                return None, b""
            continue
        if isinstance(event, h11.Request):
            request = event
        elif isinstance(event, h11.Data):
            chunks.append(event.data)
        elif isinstance(event, h11.EndOfMessage):
            return request, b"".join(chunks)
        elif isinstance(event, h11.ConnectionClosed) or event is h11.PAUSED:
            return None, b""


async def _send(conn: h11.Connection, writer: asyncio.StreamWriter, status: int, body: dict,
                headers: list[tuple[str, str]] | None = None) -> None:
    await _send_raw(conn, writer, status, json.dumps(body).encode(), headers or [])


async def _send_raw(conn: h11.Connection, writer: asyncio.StreamWriter, status: int, data: bytes,
                    headers: list[tuple[str, str]]) -> None:
    head = [("content-type", "application/json"), ("content-length", str(len(data))), *headers]
    writer.write(conn.send(h11.Response(status_code=status, headers=head)))
    writer.write(conn.send(h11.Data(data=data)))
    writer.write(conn.send(h11.EndOfMessage()))
    await writer.drain()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Scripted OpenAI-compatible teacher on 127.0.0.1.")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--latency", type=float, default=0.0, help="seconds before each answer")
    parser.add_argument("--answers", help="JSON lines {passage, answer} of recorded teacher outputs")
    args = parser.parse_args(argv)
    teacher = MockTeacher(latency=args.latency)
    if args.answers:
        with open(args.answers, encoding="utf-8") as f:
            for line in f:
                if line.strip():
                    record = json.loads(line)
                    teacher.answers[record["passage"]] = record["answer"]
    server = MockServer(teacher, port=args.port).start()
    print(f"mock teacher at {server.base_url} (Ctrl-C to stop)", flush=True)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        server.stop()


if __name__ == "__main__":
    main()
