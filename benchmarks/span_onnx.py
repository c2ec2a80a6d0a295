"""Span student: torch vs ONNX fp32 vs ONNX int8 -- F1 on the same sentences, and speed.

    UNINER_DATA=/work/shared/data .venv/bin/python benchmarks/span_onnx.py --model models/default \\
        --datasets multinerd,ontonotes5 --split dev --max-sentences 500 --output span_onnx.json

MODEL is copied to a scratch directory and exported there
(``uniner.students.span.onnx_export``); MODEL itself is never written.  Each runtime
is scored by the evaluation harness (``uniner.eval.harness.evaluate``, the same
seeded ``--max-sentences`` sample for all) with both metrics.  The issue's rule for
the int8 file: kept only if its F1 is less than 1 point below torch's (on every
metric's average); the verdict is printed.  Speed is sentences/s of the ``predict``
calls alone (gold loading and scoring excluded), after one warm-up call; torch and
onnxruntime use the same number of threads (``--threads``, else torch's default).
Runtimes run one after the other, so a busy machine skews the speed comparison:
note the load average recorded in the JSON.
"""

from __future__ import annotations

import argparse
import os
import shutil
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from bench_common import machine, write_result

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

RUNTIMES = ("torch", "onnx", "onnx-int8")
METRICS = ("uniner", "strict")
#: The issue's rule: the int8 export is kept only if F1 drops by less than this many points.
MAX_DROP = 1.0


class Timed:
    """A predictor that adds up the time spent in ``predict`` (what the speed is measured on)."""

    def __init__(self, predictor: Any):
        self.predictor = predictor
        self.name = predictor.name
        self.seconds = 0.0
        self.sentences = 0

    def predict(self, texts: Sequence[str], types: Sequence[str]) -> Any:
        start = time.perf_counter()
        result = self.predictor.predict(texts, types)
        self.seconds += time.perf_counter() - start
        self.sentences += len(texts)
        return result


def score(model_dir: Path, runtime: str, args: argparse.Namespace) -> dict[str, Any]:
    from uniner.eval.harness import evaluate
    from uniner.students.span.predictor import SpanPredictor

    started = time.perf_counter()
    predictor = SpanPredictor.from_pretrained(model_dir, runtime=runtime, batch_size=args.model_batch_size)
    load_seconds = time.perf_counter() - started
    predictor.predict(["Warm-up: Ada Lovelace lived in London."], ["person", "location"])  # lazy initialisation
    timed = Timed(predictor)
    report = evaluate(timed, args.datasets, split=args.split, data_dir=args.data_dir,
                      max_sentences=args.max_sentences, metrics=METRICS, progress=False,
                      batch_size=args.batch_size, seed=args.seed)
    return {
        "runtime": runtime,
        "f1": {m: round(100 * (report.average(m) or 0.0), 2) for m in METRICS},
        "per_dataset": {d.name: {m: round(100 * d.scores[m].f1, 2) for m in METRICS if m in d.scores}
                        for d in report.datasets},
        "sentences": timed.sentences,
        "predict_seconds": round(timed.seconds, 2),
        "sentences_per_s": round(timed.sentences / timed.seconds, 2) if timed.seconds else None,
        "load_seconds": round(load_seconds, 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", type=Path, default=Path("models/default"), help="A saved span model directory.")
    parser.add_argument("--datasets", default="zero-shot", help="As for `uniner evaluate --datasets`.")
    parser.add_argument("--split", default="dev", choices=["dev", "test"])
    parser.add_argument("--max-sentences", type=int, default=None, help="Seeded sample per dataset.")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--batch-size", type=int, default=32, help="Sentences per predict call.")
    parser.add_argument("--model-batch-size", type=int, default=8, help="Windows per forward pass.")
    parser.add_argument("--threads", type=int, default=0, help="torch and onnxruntime threads (0: torch's default).")
    parser.add_argument("--runtimes", default=",".join(RUNTIMES), help="Comma-separated subset of " + ",".join(RUNTIMES))
    parser.add_argument("--data-dir", type=Path, default=os.environ.get("UNINER_DATA"))
    parser.add_argument("--output", type=Path, help="Also write the results as JSON here.")
    args = parser.parse_args()
    runtimes = [r.strip() for r in args.runtimes.split(",") if r.strip()]
    if unknown := sorted(set(runtimes) - set(RUNTIMES)):
        parser.error(f"unknown runtime(s) {unknown}; choose from {', '.join(RUNTIMES)}")
    if not (args.model / "model.safetensors").is_file():
        parser.error(f"{args.model}: not a saved span model directory")

    import torch

    from uniner.students.span.onnx_export import export_onnx

    if args.threads:
        torch.set_num_threads(args.threads)
    with tempfile.TemporaryDirectory(prefix="uniner-span-onnx-") as scratch:
        copy = Path(scratch) / args.model.name
        shutil.copytree(args.model, copy)
        started = time.perf_counter()
        files = export_onnx(copy, int8="onnx-int8" in runtimes) if set(runtimes) - {"torch"} else {}
        export_seconds = time.perf_counter() - started
        results = [score(copy, runtime, args) for runtime in runtimes]
    base = next((r for r in results if r["runtime"] == "torch"), None)
    print(f"{'runtime':<10} {'uniner F1':>9} {'strict F1':>9} {'sent/s':>8}  verdict")
    for r in results:
        verdict = ""
        if base is not None and r is not base:
            r["drop_points"] = {m: round(base["f1"][m] - r["f1"][m], 2) for m in METRICS}
            r["keep"] = max(r["drop_points"].values()) < MAX_DROP
            verdict = f"{'keep' if r['keep'] else 'drop'} (F1 drop {max(r['drop_points'].values()):+.2f} points)"
        print(f"{r['runtime']:<10} {r['f1']['uniner']:>9.2f} {r['f1']['strict']:>9.2f} "
              f"{r['sentences_per_s'] or 0:>8.2f}  {verdict}")
    if args.output:
        write_result(args.output, {
            "model": str(args.model), "datasets": args.datasets, "split": args.split,
            "max_sentences": args.max_sentences, "seed": args.seed, "batch_size": args.batch_size,
            "model_batch_size": args.model_batch_size, "threads": torch.get_num_threads(),
            "onnx_files": files, "export_seconds": round(export_seconds, 2), "results": results,
            "machine": machine(),
        })


if __name__ == "__main__":
    main()
