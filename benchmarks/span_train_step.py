"""Time one training step of the span student (forward, backward) on a fixed batch.

    UNINER_DATA=../shared/data .venv/bin/python benchmarks/span_train_step.py --threads 1 --freeze-layers 3

The batch: the 8 longest of the first 3,000 CoNLL-2003 training sentences, asked
their 4 types plus sampled negatives (25 types per sentence at most), exactly as
the trainer's collator builds it.  Prints the best of ``--repeats`` timings.
"""

from __future__ import annotations

import argparse
import os
import time

os.environ.setdefault("HF_HUB_OFFLINE", "1")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--freeze-layers", type=int, default=0)
    parser.add_argument("--batch-size", type=int, default=8)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()

    import torch

    from uniner.data.datasets import DATASETS
    from uniner.students.span.config import SpanConfig
    from uniner.students.span.data import SpanCollator, TypeVectors, example_chunks
    from uniner.students.span.model import load_base

    torch.set_num_threads(args.threads)
    config = SpanConfig(freeze_layers=args.freeze_layers)
    model, tokenizer = load_base(config)
    spec = DATASETS.get("conll2003")
    examples = sorted(list(spec.examples("train"))[:3000], key=lambda e: -len(e.text))[: args.batch_size]
    chunks = [c for e in examples for c in example_chunks(e, tokenizer, config, spec.types)]
    vocabulary = sorted({t for ds in ("crossner_ai", "fabner", "anatem") for t in DATASETS.get(ds).types})
    collator = SpanCollator(TypeVectors(model, tokenizer), tokenizer.pad_token_id, config, vocabulary)
    batch = collator([c.as_feature() for c in chunks])
    best: dict[str, float] = {}
    for _ in range(args.repeats):
        model.zero_grad()
        start = time.perf_counter()
        out = model(**batch)
        middle = time.perf_counter()
        out["loss"].backward()
        end = time.perf_counter()
        for key, value in (("forward", middle - start), ("backward", end - middle), ("step", end - start)):
            best[key] = min(best.get(key, value), value)
    tokens = int(batch["attention_mask"].sum())
    print(f"threads={args.threads} freeze_layers={args.freeze_layers} batch={args.batch_size} tokens={tokens} "
          f"types={batch['type_pooled'].shape[0]}: " + ", ".join(f"{k} {v:.2f} s" for k, v in best.items()))


if __name__ == "__main__":
    main()
