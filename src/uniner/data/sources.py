"""One entry point for training data: ``load_source(spec)`` for every ``--input``.

A spec is, in this order of precedence:

1. ``FORMAT:PATH`` — a file read with a named format (``annotations.v1:out.jsonl``);
2. a distilled set by name (``pile_ner_391``, ``pile_ner_sentences``,
   ``medquad_gemini``, ``sec10k_gpt35``, ``gliner_sample``) or ``distilled`` for
   all of them, found under ``<data_dir>/distilled``;
3. a registry dataset or group (``conll2003``, ``training``, ``a,b``),
   optionally ``name:split`` (types come back in natural-language names);
4. a path: a file whose format is recognised from its content, a dataset
   directory in the benchmark layout, a distilled-set folder, or a folder of them.

Records labelling the same passage are merged (``uniner.data.merge``): within a
distilled set, and across sets when several are loaded together, so one passage
reaches a trainer once with its fullest labelling.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from itertools import chain
from pathlib import Path
from typing import BinaryIO

from uniner.data.datasets import DATASETS, SPLITS, dataset_from_path, default_data_dir, groups, resolve_datasets
from uniner.data.formats.base import DISTILLED, FORMATS, FileHead, Format, LoadStats, counted
from uniner.data.merge import merge_examples
from uniner.errors import ConfigError, DataFormatError, RegistryError
from uniner.types import Example

ALL_DISTILLED = "distilled"
_PEEK_LIMIT = 1 << 24  # bytes read at most to find a JSON array's first element

Producer = Callable[[LoadStats], Iterable[Example]]


def load_source(
    spec: str, data_dir: Path | None = None, split: str = "train", stats: LoadStats | None = None
) -> Iterator[Example]:
    """Stream the Examples of one source spec (see the module docstring).

    The spec is resolved now, so an unknown name or missing file raises here,
    not at the first ``next()``.  Drops are counted in ``stats``; without one,
    they are reported as a single ``UninerWarning`` when the stream ends.
    """
    produce = _resolve(spec.strip(), data_dir, split)
    own = stats is None
    return _run(spec, produce, stats or LoadStats(), own)


def _run(spec: str, produce: Producer, stats: LoadStats, own: bool) -> Iterator[Example]:
    yield from counted(produce(stats), stats)
    if own:
        stats.warn(spec)


def _resolve(spec: str, data_dir: Path | None, split: str) -> Producer:
    if not spec:
        raise ConfigError("empty source spec")
    prefix, sep, rest = spec.partition(":")
    if sep and prefix in FORMATS:
        return _file(Path(rest), FORMATS.get(prefix))
    head, sep, tail = spec.rpartition(":")
    if sep and tail in SPLITS and head:
        spec, split = head, tail
    if "," in spec and not Path(spec).exists():
        parts = [_resolve(part.strip(), data_dir, split) for part in spec.split(",") if part.strip()]
        return lambda stats: chain.from_iterable(p(stats) for p in parts)
    if spec == ALL_DISTILLED or spec in DISTILLED:
        _check_train(spec, split)
        names = DISTILLED.names() if spec == ALL_DISTILLED else [spec]
        root = (data_dir or default_data_dir()) / "distilled"
        return _distilled([(name, root / DISTILLED.get(name).folder) for name in names])
    if spec in DATASETS or spec in groups():
        specs = resolve_datasets(spec, data_dir)
        return lambda stats: chain.from_iterable(s.examples(split, data_dir) for s in specs)
    path = Path(spec).expanduser()
    if path.is_dir():
        return _folder(path, split)
    if path.is_file():
        return _file(path, detect_format(path))
    if "/" in spec or "\\" in spec or path.suffix:
        raise DataFormatError("no such file or folder", path)
    raise RegistryError(
        f"unknown source {spec!r}; available: distilled sets ({', '.join([ALL_DISTILLED, *DISTILLED.names()])}), "
        f"datasets and groups ({', '.join([*groups(), *DATASETS.names()])}), "
        f"FORMAT:PATH with a format ({', '.join(FORMATS.names())}), or an existing file or folder"
    )


def _check_train(spec: str, split: str) -> None:
    if split != "train":
        raise ConfigError(f"distilled set {spec!r} is training data only; it has no {split!r} split")


def _file(path: Path, fmt: Format) -> Producer:
    if not path.is_file():
        raise DataFormatError(f"no such file (format {fmt.name})", path)
    if fmt.repeats_passages:
        return lambda stats: merge_examples(fmt.read(path, stats=stats), stats)
    return lambda stats: fmt.read(path, stats=stats)


def _distilled(folders: list[tuple[str, Path]]) -> Producer:
    for name, folder in folders:
        marker = folder / DISTILLED.get(name).marker
        if not marker.is_file():
            raise DataFormatError(f"distilled set {name} not found (expected {marker.name})", folder)

    def produce(stats: LoadStats) -> Iterator[Example]:
        loaded = chain.from_iterable(DISTILLED.get(name).load(folder, stats=stats) for name, folder in folders)
        return merge_examples(loaded, stats)

    return produce


def _folder(path: Path, split: str) -> Producer:
    if any((path / f"{s}.txt").is_file() for s in SPLITS):
        spec = dataset_from_path(path)
        return lambda stats: spec.examples(split, None)
    own = [name for name in DISTILLED.names() if (path / DISTILLED.get(name).marker).is_file()]
    if own:
        _check_train(str(path), split)
        return _distilled([(own[0], path)])
    children = [
        (name, path / DISTILLED.get(name).folder)
        for name in DISTILLED.names()
        if (path / DISTILLED.get(name).folder / DISTILLED.get(name).marker).is_file()
    ]
    if children:
        _check_train(str(path), split)
        return _distilled(children)
    raise DataFormatError(
        "folder is neither a dataset ({train,dev,test}.txt + labels.txt), a distilled set folder "
        f"({', '.join(DISTILLED.get(n).folder for n in DISTILLED.names())}) nor a folder holding such sets",
        path,
    )


# --- format detection -------------------------------------------------------------


def detect_format(path: Path) -> Format:
    """The one registered format whose ``sniff`` accepts the start of ``path``."""
    head = peek(path)
    matches = [FORMATS.get(name) for name in FORMATS.names() if FORMATS.get(name).sniff(head)]
    if len(matches) == 1:
        return matches[0]
    known = "; ".join(f"{name}: {FORMATS.get(name).description}" for name in FORMATS.names())
    what = "matches several formats" if matches else f"is in no known format ({head.shape})"
    raise DataFormatError(f"the file {what}; name one as FORMAT:PATH. Known formats: {known}", path)


def peek(path: Path) -> FileHead:
    """The shape of a file and its first record (JSON) or first lines (text)."""
    size = 1 << 16
    try:
        with path.open("rb") as handle:
            chunk = handle.read(size)
            text = chunk.decode("utf-8", errors="ignore").lstrip("\ufeff \t\r\n")
            if text.startswith("["):
                return FileHead(path, "json-array", _first_element(handle, chunk))
            if text.startswith("{"):
                handle.seek(0)
                return FileHead(path, "json-lines", _first_line_record(handle))
    except OSError as err:
        raise DataFormatError(f"cannot read ({err.strerror})", path) from None
    if not text:
        raise DataFormatError("file is empty", path)
    lines = text.split("\n")
    if len(chunk) == size:  # the last line may be cut off
        lines = lines[:-1] or lines
    return FileHead(path, "text", None, tuple(line for line in lines if line.strip())[:20])


def _first_line_record(handle: BinaryIO) -> object:
    for raw in handle:
        line = raw.decode("utf-8", errors="ignore").lstrip("\ufeff")
        if line.strip():
            try:
                return json.loads(line)
            except json.JSONDecodeError:
                return None
    return None


def _first_element(handle: BinaryIO, chunk: bytes) -> object:
    decoder = json.JSONDecoder()
    while True:
        text = chunk.decode("utf-8", errors="ignore").lstrip("\ufeff \t\r\n")[1:].lstrip()
        if text.startswith("]"):
            return None
        try:
            return decoder.raw_decode(text)[0]
        except json.JSONDecodeError:
            more = handle.read(len(chunk))
            if not more or len(chunk) >= _PEEK_LIMIT:
                return None
            chunk += more


# --- summaries --------------------------------------------------------------------


@dataclass(frozen=True)
class SourceSummary:
    spec: str
    stats: LoadStats
    types: int  # distinct entity types among the loaded entities


def describe_sources(specs: Iterable[str], data_dir: Path | None = None, split: str = "train") -> list[SourceSummary]:
    """Load each source once and count it: examples, partial ones, entities, types, drops."""
    out = []
    for spec in specs:
        stats = LoadStats()
        types = {e.type for example in load_source(spec, data_dir, split, stats) for e in example.entities}
        out.append(SourceSummary(spec, stats, len(types)))
    return out


def summaries_markdown(summaries: Iterable[SourceSummary]) -> str:
    """A Markdown table of ``describe_sources`` results, then each source's drops."""
    rows = [
        "| source | examples | partial | entities | types | merged | dropped |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    notes = []
    for s in summaries:
        st = s.stats
        dropped = sum(st.dropped.values())
        rows.append(
            f"| {s.spec} | {st.examples} | {st.partial} | {st.entities} | {s.types} | {st.merged} | {dropped} |"
        )
        if st.dropped or st.ignored:
            notes.append(f"- {s.spec}: {st.summary()}")
    return "\n".join(rows + ([""] + notes if notes else []))
