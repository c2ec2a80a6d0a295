"""``build_sft``: sources in, a training-conversation file and its provenance out.

The I/O shell around ``build.build_conversations``: every ``--input`` is resolved
by ``uniner.data.sources.load_source`` (annotation JSONL, conversation JSON,
registry datasets and groups, distilled sets), the conversations are written in
the official Pile-NER-type format by ``uniner.data.conversations``, and a sidecar
``OUTPUT.meta.json`` records the config, the counts and the provenance.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from uniner.data.conversations import write_conversations
from uniner.data.datasets import DATASETS, groups
from uniner.data.formats.base import DISTILLED, LoadStats
from uniner.data.sources import ALL_DISTILLED, load_source
from uniner.errors import ConfigError, DataFormatError, RegistryError
from uniner.instruct.build import BuildConfig, BuildStats, build_conversations
from uniner.provenance import provenance
from uniner.types import Example


@dataclass(frozen=True)
class SourceReport:
    spec: str
    stats: LoadStats
    excluded: int


@dataclass(frozen=True)
class SftResult:
    output: Path
    meta_path: Path
    stats: BuildStats
    sources: list[SourceReport]


def meta_path_for(output: Path) -> Path:
    """The provenance sidecar of ``output``: ``train.jsonl`` -> ``train.jsonl.meta.json``."""
    return output.with_name(output.name + ".meta.json")


def resolve_exclude(names: Sequence[str]) -> frozenset[str]:
    """Dataset names to leave out; groups (``zero-shot``) expand to their members."""
    known_groups = groups()
    out: set[str] = set()
    for item in (part.strip() for name in names for part in name.split(",")):
        if not item:
            continue
        if item in known_groups:
            out.update(known_groups[item])
        elif item in DATASETS or item in DISTILLED:
            out.add(item)
        elif item == ALL_DISTILLED:
            out.update(DISTILLED.names())
        else:
            raise RegistryError(
                f"cannot exclude unknown dataset {item!r}; available: groups ({', '.join(known_groups)}), "
                f"datasets ({', '.join(DATASETS.names())}), distilled sets ({', '.join(DISTILLED.names())})"
            )
    return frozenset(out)


def _load(spec: str, data_dir: Path | None, exclude: frozenset[str], reports: list[SourceReport]) -> Iterator[Example]:
    stats = LoadStats()
    stream = load_source(spec, data_dir, stats=stats)
    kept = excluded = 0
    for example in stream:
        if example.dataset in exclude:
            excluded += 1
            continue
        kept += 1
        yield example
    reports.append(SourceReport(spec, stats, excluded))
    if not kept:
        why = f" (all {excluded} excluded)" if excluded else ""
        raise DataFormatError(f"input {spec!r} has no usable example{why}")


def build_sft(
    inputs: Sequence[str],
    output: Path,
    config: BuildConfig | None = None,
    data_dir: Path | None = None,
    exclude: Sequence[str] = (),
) -> SftResult:
    """Build training conversations from ``inputs`` and write them to ``output``.

    ``.jsonl`` gives JSON lines, any other suffix a JSON array (the official
    Pile-NER-type file's layout).  The file is written under a temporary name
    and renamed, so an error never leaves a half-written ``output``.
    """
    config = config or BuildConfig()
    if not inputs:
        raise ConfigError("no --input given")
    excluded = resolve_exclude(exclude)
    reports: list[SourceReport] = []
    examples = [example for spec in inputs for example in _load(spec, data_dir, excluded, reports)]
    conversations, stats = build_conversations(examples, config)
    if not conversations:
        raise DataFormatError("no conversation to write: every passage was dropped (see the counts)")
    meta_path = meta_path_for(output)
    partial = output.with_name(f".{output.stem}.partial{output.suffix}")
    try:
        output.parent.mkdir(parents=True, exist_ok=True)
        write_conversations(partial, conversations)
        os.replace(partial, output)
        meta = _meta(inputs, config, data_dir, sorted(excluded), stats, reports)
        meta_path.write_text(json.dumps(meta, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    except OSError as err:
        raise ConfigError(f"cannot write {output}: {err.strerror}") from None
    return SftResult(output, meta_path, stats, reports)


def _meta(
    inputs: Sequence[str],
    config: BuildConfig,
    data_dir: Path | None,
    exclude: list[str],
    stats: BuildStats,
    reports: list[SourceReport],
) -> dict[str, Any]:
    settings = {"inputs": list(inputs), "exclude": exclude, "data_dir": str(data_dir) if data_dir else None}
    record = provenance({**asdict(config), **settings})
    record["counts"] = stats.to_dict()
    record["sources"] = [
        {"spec": r.spec, "summary": r.stats.summary(), "examples": r.stats.examples, "excluded": r.excluded,
         "dropped": dict(r.stats.dropped)}
        for r in reports
    ]
    return record
