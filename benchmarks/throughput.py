"""Throughput of a uniner model on CrossNER-AI test (431 sentences, 13 types), through ``uniner.load``.

Runs in uniner's own venv.  ``run_throughput.sh`` runs it and ``gliner_throughput.py``
on the same inputs file in one invocation and prints the ratio.

    .venv/bin/python benchmarks/throughput.py --write-inputs /tmp/inputs.json
    .venv/bin/python benchmarks/throughput.py --inputs /tmp/inputs.json --model default --output ours.json
    .venv/bin/python benchmarks/throughput.py --inputs /tmp/inputs.json --untrained --output ours.json

``--untrained`` builds a span student of the default architecture on all-MiniLM-L6-v2
with freshly initialised heads (no training): the same computation per sentence as
the trained model, for measuring speed before the trained model exists.  Its
entity counts are meaningless.
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from pathlib import Path

from bench_common import measure, read_inputs, rss_mib, run_record, write_result

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")


def write_inputs(path: Path, dataset: str, split: str, data_dir: Path | None) -> None:
    """The sentences and the natural-language type names (UniversalNER spellings) of ``dataset``."""
    from uniner.data.datasets import DATASETS, default_data_dir

    spec = DATASETS.get(dataset)
    texts = [example.text for example in spec.examples(split, data_dir or default_data_dir())]
    data = {"dataset": dataset, "split": split, "types": spec.types, "texts": texts}
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(f"{path}: {len(texts)} sentences of {dataset}/{split}, {len(spec.types)} types: {', '.join(spec.types)}")


def build_untrained(directory: Path) -> Path:
    """Save a span student with untrained heads (default ``SpanConfig``) as a loadable model dir."""
    import torch

    from uniner.students.span.config import SpanConfig
    from uniner.students.span.model import load_base
    from uniner.students.span.predictor import save_model_dir

    torch.manual_seed(0)
    model, tokenizer = load_base(SpanConfig())
    save_model_dir(model, tokenizer, directory)
    return directory


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--write-inputs", type=Path, help="Write the inputs file and exit.")
    parser.add_argument("--dataset", default="crossner_ai")
    parser.add_argument("--split", default="test")
    parser.add_argument("--data-dir", type=Path, default=os.environ.get("UNINER_DATA"))
    parser.add_argument("--inputs", type=Path, help="Inputs file written by --write-inputs.")
    parser.add_argument("--model", default="default", help="Model name or directory for uniner.load.")
    parser.add_argument("--untrained", action="store_true", help="Measure an untrained span model instead.")
    parser.add_argument("--threshold", type=_threshold, default=0.5,
                        help="Decision threshold, or 'own' for the model's own (with its unseen_threshold).")
    parser.add_argument("--batch-sizes", default="8,1", help="Sentences per call, comma-separated.")
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--threads", type=int, help="torch CPU threads (default: torch's own choice).")
    parser.add_argument("--output", type=Path)
    args = parser.parse_args()
    if args.write_inputs:
        write_inputs(args.write_inputs, args.dataset, args.split, args.data_dir)
        return
    if args.inputs is None:
        parser.error("--inputs is required (write one with --write-inputs)")
    inputs = read_inputs(args.inputs)
    if args.threads:
        import torch

        torch.set_num_threads(args.threads)
    with tempfile.TemporaryDirectory(prefix="uniner-untrained-") as scratch:
        model_ref = str(build_untrained(Path(scratch) / "span")) if args.untrained else args.model
        result = run(model_ref, inputs, args)
    result["model"] = "untrained span student (default SpanConfig)" if args.untrained else args.model
    write_result(args.output, result)


def _threshold(text: str) -> float | None:
    return None if text == "own" else float(text)


def run(model_ref: str, inputs: dict, args: argparse.Namespace) -> dict:
    import uniner

    rss_start = rss_mib()
    started = time.perf_counter()
    model = uniner.load(model_ref, threshold=args.threshold)
    load_seconds = time.perf_counter() - started
    rss_loaded = rss_mib()
    types, texts = inputs["types"], inputs["texts"]

    def batch(chunk: list[str]) -> int:
        return sum(len(entities) for entities in model.extract_batch(chunk, types))

    sizes = [int(s) for s in args.batch_sizes.split(",")]
    model.batch_size = max(sizes)  # Model never splits a call further than its own batch size
    timings = measure(batch, texts, sizes, args.repeats)
    system = {"system": "uniner", "predictor": model.name, "parameters": _parameters(model.predictor)}
    return run_record(system, threshold=args.threshold, texts=texts, types=types, load_seconds=load_seconds,
                      rss_start=rss_start, rss_loaded=rss_loaded, timings=timings)


def _parameters(predictor: object) -> int | None:
    network = getattr(predictor, "model", None)
    return sum(p.numel() for p in network.parameters()) if hasattr(network, "parameters") else None


if __name__ == "__main__":
    main()
