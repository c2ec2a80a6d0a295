"""Long-document check: ~1 MB of text in one ``Model.extract`` call, through ``uniner.load``.

Reports wall time, RSS after loading and peak RSS (so the growth caused by the
document), the number of entities, whether every entity's text equals its slice
of the document, and whether a name placed at the very end (far beyond any
encoder window) comes back with its exact global offsets.

    .venv/bin/python benchmarks/long_document.py --model default
    .venv/bin/python benchmarks/long_document.py --untrained   # speed/memory only: untrained heads find nothing useful
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

from bench_common import machine, peak_rss_mib, rss_mib, write_result
from throughput import build_untrained

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

FILLER = "The committee met on a rainy day and discussed the budget for the coming year. "
TAIL = "Later that evening, Barack Obama spoke in Chicago."
TARGET = "Barack Obama"


def document(size_bytes: int) -> tuple[str, int]:
    """Filler up to ``size_bytes``, then the tail; returns the text and the target's offset."""
    head = FILLER * (size_bytes // len(FILLER) + 1)
    return head + TAIL, len(head) + TAIL.index(TARGET)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", default="default")
    parser.add_argument("--untrained", action="store_true")
    parser.add_argument("--size", type=int, default=1_000_000, help="Bytes of filler before the target.")
    parser.add_argument("--threshold", type=float, default=0.5)
    parser.add_argument("--output", type=Path)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="uniner-untrained-") as scratch:
        model_ref = str(build_untrained(Path(scratch) / "span")) if args.untrained else args.model
        result = run(model_ref, args)
    result["model"] = "untrained span student (default SpanConfig)" if args.untrained else args.model
    write_result(args.output, result)


def run(model_ref: str, args: argparse.Namespace) -> dict:
    import uniner

    model = uniner.load(model_ref, threshold=args.threshold)
    text, target_start = document(args.size)
    rss_loaded = rss_mib()
    started = time.perf_counter()
    entities = model.extract(text, ["person", "location"])
    seconds = time.perf_counter() - started
    hits = [e for e in entities if e.start == target_start and e.end == target_start + len(TARGET)]
    return {
        "predictor": model.name,
        "threshold": args.threshold,
        "characters": len(text),
        "bytes": len(text.encode("utf-8")),
        "seconds": round(seconds, 2),
        "characters_per_s": round(len(text) / seconds),
        "rss_mib": {"after_load": round(rss_loaded), "peak": round(peak_rss_mib())},
        "entities": len(entities),
        "offsets_match_text": all(text[e.start:e.end] == e.text for e in entities),
        "target": {"text": TARGET, "start": target_start, "found": [e.type for e in hits],
                   "score": hits[0].score if hits else None},
        "last_entities": [e.to_dict() for e in entities[-3:]],
        "machine": machine(),
        "argv": sys.argv,
    }


if __name__ == "__main__":
    main()
