"""Timing helpers shared by ``throughput.py`` (uniner's venv) and ``gliner_throughput.py``.

Standard library only: the GLiNER script runs in a separate virtual environment
(``gliner`` pins transformers < 5.17) and imports this file from its own folder.
"""

from __future__ import annotations

import json
import os
import platform
import resource
import sys
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

Batch = Callable[[Sequence[str]], int]  # runs the model on some texts, returns the number of entities


def read_inputs(path: str | Path) -> dict[str, Any]:
    """``{"dataset", "split", "types", "texts"}`` as written by ``throughput.py --write-inputs``."""
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    if not data.get("texts") or not data.get("types"):
        raise SystemExit(f"{path}: no texts or no types")
    return data


def rss_mib() -> float:
    """Current resident set size in MiB (Linux /proc)."""
    with open("/proc/self/statm", encoding="ascii") as handle:
        pages = int(handle.read().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE") / 2**20


def peak_rss_mib() -> float:
    """Peak resident set size of this process so far, in MiB (``ru_maxrss`` is KiB on Linux)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _timed(run: Batch, texts: Sequence[str], per_call: int) -> tuple[float, int]:
    found = 0
    start = time.perf_counter()
    for first in range(0, len(texts), per_call):
        found += run(texts[first:first + per_call])
    return time.perf_counter() - start, found


def measure(run: Batch, texts: Sequence[str], batch_sizes: Sequence[int], repeats: int) -> dict[str, Any]:
    """Best-of-``repeats`` sentences/s for each batch size, after one warm-up batch."""
    run(texts[: max(batch_sizes)])  # first call pays for lazy initialisation and allocator growth
    results: dict[str, Any] = {}
    for size in batch_sizes:
        times, found = [], 0
        for _ in range(repeats):
            seconds, found = _timed(run, texts, size)
            times.append(seconds)
        best = min(times)
        results[f"batch_{size}"] = {
            "batch_size": size,
            "seconds": [round(t, 3) for t in times],
            "best_seconds": round(best, 3),
            "sentences_per_s": round(len(texts) / best, 2),
            "entities": found,
        }
    return results


def machine() -> dict[str, Any]:
    import torch  # both environments have torch 2.13

    return {
        "platform": platform.platform(),
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
        "torch": torch.__version__,
        "torch_threads": torch.get_num_threads(),
        "load_average": [round(x, 2) for x in os.getloadavg()],
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
    }


def run_record(
    system: dict[str, Any], *, threshold: float | None, texts: Sequence[str], types: Sequence[str],
    load_seconds: float, rss_start: float, rss_loaded: float, timings: dict[str, Any],
) -> dict[str, Any]:
    """One system's result: its own fields, then the measurements both scripts record alike."""
    return {
        **system,
        "threshold": threshold,
        "sentences": len(texts),
        "types": list(types),
        "load_seconds": round(load_seconds, 2),
        "rss_mib": {"start": round(rss_start), "after_load": round(rss_loaded), "peak": round(peak_rss_mib())},
        "results": timings,
        "machine": machine(),
        "argv": sys.argv,
    }


def write_result(path: str | Path | None, result: dict[str, Any]) -> None:
    text = json.dumps(result, indent=2)
    if path:
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        Path(path).write_text(text + "\n", encoding="utf-8")
    print(text)
