"""Teacher annotation throughput against the scripted local server, by concurrency.

The server (``python -m uniner.teacher.mock_server``) runs in its own process
and waits ``--latency`` seconds before every answer, standing in for a remote
LLM; this process runs ``uniner.teacher.annotate.annotate`` (the same code as
``uniner annotate``) at each concurrency on fresh outputs and reports the
request-phase throughput.  With a pure-latency server, throughput should grow
almost linearly with concurrency until this process's CPU becomes the limit.

    .venv/bin/python benchmarks/bench_teacher.py --latency 0.05 --concurrency 1 8 64
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from uniner.teacher.annotate import AnnotateConfig, annotate
from uniner.teacher.client import TeacherConfig


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait_for(port: int, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.1)
    raise SystemExit(f"mock server on port {port} did not start")


def _write_docs(path: Path, count: int) -> None:
    with path.open("w", encoding="utf-8") as f:
        for i in range(count):
            text = f"Ada Lovelace met Charles Babbage in London in 18{i % 100:02d}. Document {i} of the benchmark."
            f.write(json.dumps({"id": f"doc{i}", "text": text}) + "\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--latency", type=float, default=0.05, help="server latency per request, seconds")
    parser.add_argument("--concurrency", type=int, nargs="+", default=[1, 8, 64])
    parser.add_argument("--seconds", type=float, default=5.0, help="target ideal duration of each run")
    parser.add_argument("--max-passages", type=int, default=3000)
    args = parser.parse_args()
    import openai  # noqa: F401  (imported up front: its import is not part of any run)

    port = _free_port()
    server = subprocess.Popen([sys.executable, "-m", "uniner.teacher.mock_server", "--port", str(port),
                               "--latency", str(args.latency)], stdout=subprocess.DEVNULL)
    rows = []
    try:
        _wait_for(port)
        with tempfile.TemporaryDirectory() as tmp:
            for concurrency in args.concurrency:
                # Enough passages for about --seconds at the ideal rate (concurrency / latency).
                count = min(args.max_passages, max(50, int(args.seconds * concurrency / args.latency)))
                docs, out = Path(tmp) / f"docs{concurrency}.jsonl", Path(tmp) / f"out{concurrency}.jsonl"
                _write_docs(docs, count)
                config = AnnotateConfig(TeacherConfig(base_url=f"http://127.0.0.1:{port}/v1", model="mock"),
                                        concurrency=concurrency)
                load = os.getloadavg()[0]
                cpu = time.process_time()
                summary = annotate([docs], out, config)
                cpu_ms = 1000 * (time.process_time() - cpu) / count
                assert summary.annotated == count and summary.failed == 0, summary
                ideal = concurrency / args.latency
                rows.append((concurrency, count, summary.requests_s, summary.passages_per_s, ideal, cpu_ms, load))
    finally:
        server.terminate()
        server.wait(10)
    print(f"latency {args.latency * 1000:.0f} ms per request")
    print("| concurrency | passages | seconds | passages/s | ideal (concurrency / latency) | efficiency "
          "| client CPU ms/passage | load avg at start |")
    print("|---:|---:|---:|---:|---:|---:|---:|---:|")
    for concurrency, count, seconds, rate, ideal, cpu_ms, load in rows:
        print(f"| {concurrency} | {count} | {seconds:.2f} | {rate:.1f} | {ideal:.0f} | {100 * rate / ideal:.0f}% "
              f"| {cpu_ms:.1f} | {load:.1f} |")


if __name__ == "__main__":
    main()
