"""Print uniner vs GLiNER throughput side by side, with the speed-up ratio per batch size.

    python benchmarks/compare_throughput.py --ours r1/uniner.json r2/uniner.json --gliner r1/gliner.json r2/gliner.json

With several runs per system (interleaved rounds on a shared machine), each
system's best time per batch size counts, and the largest peak RSS.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any


def _load(paths: list[Path]) -> list[dict[str, Any]]:
    return [json.loads(p.read_text(encoding="utf-8")) for p in paths]


def best(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """Best sentences/s per batch size over runs; peak RSS = the largest of the runs."""
    out = dict(runs[0])
    out["results"] = {
        key: max((run["results"][key] for run in runs), key=lambda r: r["sentences_per_s"])
        for key in runs[0]["results"]
    }
    out["rss_mib"] = {k: max(run["rss_mib"][k] for run in runs) for k in runs[0]["rss_mib"]}
    out["all_sentences_per_s"] = {
        key: [run["results"][key]["sentences_per_s"] for run in runs] for key in runs[0]["results"]
    }
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--ours", type=Path, nargs="+", required=True)
    parser.add_argument("--gliner", type=Path, nargs="+", required=True)
    args = parser.parse_args()
    ours, theirs = best(_load(args.ours)), best(_load(args.gliner))
    if ours["types"] != theirs["types"] or ours["sentences"] != theirs["sentences"]:
        print("error: the two systems did not use the same inputs", file=sys.stderr)
        return 2
    print(f"{ours['sentences']} sentences, {len(ours['types'])} types, threshold {ours['threshold']}; "
          f"best of {len(args.ours)} run(s) x {len(ours['results']['batch_1']['seconds'])} repeat(s)")
    print(f"uniner: {ours['model']} ({ours['predictor']}, {ours.get('parameters')} parameters)")
    print(f"gliner: {theirs['model']} ({theirs.get('parameters')} parameters)")
    print("| sentences per call | uniner sent/s | GLiNER sent/s | ratio | uniner runs | GLiNER runs |")
    print("|---|---|---|---|---|---|")
    for key, mine in ours["results"].items():
        other = theirs["results"][key]
        ratio = mine["sentences_per_s"] / other["sentences_per_s"]
        print(f"| {mine['batch_size']} | {mine['sentences_per_s']:.1f} | {other['sentences_per_s']:.1f} | "
              f"{ratio:.2f}x | {ours['all_sentences_per_s'][key]} | {theirs['all_sentences_per_s'][key]} |")
    print(f"| peak RSS (MiB) | {ours['rss_mib']['peak']} | {theirs['rss_mib']['peak']} | | | |")
    print(f"| RSS after load (MiB) | {ours['rss_mib']['after_load']} | {theirs['rss_mib']['after_load']} | | | |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
