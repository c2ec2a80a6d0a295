"""CoNLL / BIO (IOB2) files -> ``Example`` stream with exact character offsets.

The text of a sentence is its tokens joined with single spaces, so a token's
offsets follow from the lengths of the tokens before it.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from uniner.errors import DataFormatError
from uniner.types import Entity, Example


def read_bio(path: str | Path, dataset: str | None = None, id_prefix: str | None = None) -> Iterator[Example]:
    """Stream sentences of a BIO file (tab- or space-separated ``token tag``).

    ``-DOCSTART-`` lines and separator-only lines end a sentence; an ``I-X`` that
    does not continue an ``X`` span starts a new span (WikiNEuRal, OntoNotes do this).
    BIOES tags (``E-X`` ends a span, ``S-X`` is a one-token span) are read too:
    FabNER's files use them although its README says BIO.
    """
    path = Path(path)
    prefix = id_prefix if id_prefix is not None else (dataset or path.stem)
    try:
        handle = path.open(encoding="utf-8")
    except OSError as err:
        raise DataFormatError(f"cannot open BIO file ({err.strerror})", path) from None
    index = 0
    with handle:
        rows: list[tuple[str, str, int]] = []
        try:
            for number, line in enumerate(handle, start=1):
                token_tag = _split_line(line, path, number)
                if token_tag is None:
                    if rows:
                        yield _sentence(rows, f"{prefix}-{index}", dataset, path)
                        index += 1
                        rows = []
                    continue
                rows.append((*token_tag, number))
        except UnicodeDecodeError as err:
            raise DataFormatError(f"not UTF-8 ({err.reason} at byte {err.start})", path) from None
        if rows:
            yield _sentence(rows, f"{prefix}-{index}", dataset, path)


def _split_line(line: str, path: Path, number: int) -> tuple[str, str] | None:
    """``(token, tag)``, or ``None`` for a sentence boundary."""
    stripped = line.rstrip("\r\n")
    if not stripped.strip() or stripped.startswith("-DOCSTART-"):
        return None
    # With a tab, the token is everything before it, kept verbatim: real files have
    # tokens with inner spaces (TweetNER7 "{@Google News@}") or a trailing one
    # (Broad Twitter Corpus emoji), and offsets stay exact either way.
    if "\t" in stripped:
        token, _, tag = stripped.partition("\t")
        tag = tag.strip().split("\t")[-1].strip()
    else:
        parts = stripped.split()
        token, tag = (parts[0], parts[-1]) if len(parts) >= 2 else ("", "")
    if not token or not tag:
        raise DataFormatError(f"expected 'token<TAB>tag', got {stripped!r}", path, number)
    if tag != "O" and not (len(tag) > 2 and tag[:2] in ("B-", "I-", "E-", "S-")):
        raise DataFormatError(f"tag {tag!r} is not O, B-X, I-X (or BIOES E-X, S-X)", path, number)
    return token, tag


def _sentence(rows: list[tuple[str, str, int]], example_id: str, dataset: str | None, path: Path) -> Example:
    text = " ".join(token for token, _, _ in rows)
    entities: list[Entity] = []
    offset = 0
    span_type: str | None = None
    span_start = span_end = 0
    for token, tag, _ in rows:
        start, end = offset, offset + len(token)
        offset = end + 1
        prefix, _, label = tag.partition("-")
        if prefix in ("I", "E") and span_type == label:
            span_end = end
        else:
            if span_type is not None:
                entities.append(Entity.from_source(text, span_start, span_end, span_type))
                span_type = None
            if prefix != "O":
                span_type, span_start, span_end = label, start, end
        if prefix in ("E", "S"):  # BIOES: the span ends on this token
            entities.append(Entity.from_source(text, span_start, span_end, label))
            span_type = None
    if span_type is not None:
        entities.append(Entity.from_source(text, span_start, span_end, span_type))
    return Example(example_id, text, tuple(entities), dataset)


def read_labels(path: str | Path) -> list[str]:
    """A ``labels.txt``: one entity type per line, as the tags spell them."""
    path = Path(path)
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as err:
        raise DataFormatError(f"cannot read labels file ({err.strerror})", path) from None
    labels = [line.strip() for line in lines if line.strip()]
    if not labels:
        raise DataFormatError("labels file is empty", path)
    return labels
