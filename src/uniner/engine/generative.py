"""Generative extraction: one question per entity type, answers located in the text.

``GenerativeNER`` is the ``Predictor`` of every causal-LM backend (``hf``,
``vllm``, ``openai``).  A backend only produces raw completions (an
``AnswerGenerator``): for each passage and each type, the model's answer to
``What describes {type} in the text?`` after the ``Text: {passage}`` /
``I've read this text.`` exchange, greedy, stopped at the end of the turn.
Everything after that is pure and shared here: the first JSON list of strings
is parsed out of the answer (anything else counts as a malformed answer and
yields no mentions), and each returned string is located in the passage with
``uniner.data.offsets.locate_mentions`` (case-sensitive first, then
case-insensitive; a string that is not in the text is dropped and counted).
Every occurrence of a located string becomes an ``Entity`` of that type.
"""

from __future__ import annotations

import json
import warnings
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any, Protocol

from uniner.data.offsets import locate_mentions
from uniner.engine.base import validate_types
from uniner.errors import ConfigError, UninerWarning
from uniner.types import Entity


@dataclass(frozen=True)
class Completion:
    """One raw answer and how many tokens the model generated for it (0 if unknown)."""

    text: str
    tokens: int = 0


class AnswerGenerator(Protocol):
    """What a backend provides: raw answers, ``[passage][type]``, in input order."""

    name: str

    def complete(self, passages: Sequence[str], types: Sequence[str]) -> list[list[Completion]]: ...


@dataclass
class ExtractionStats:
    """Running counts since the predictor was made (or ``reset_stats``)."""

    passages: int = 0
    queries: int = 0
    generated_tokens: int = 0
    #: Answers with no parseable JSON list of strings (they yield no mentions).
    malformed_answers: int = 0
    #: Answers that were a list without its brackets (``"a", "b"``), parsed all the same.
    bare_lists: int = 0
    #: Distinct strings returned per query.
    mentions: int = 0
    #: Returned strings found nowhere in the passage (dropped).
    mentions_not_found: int = 0
    entities: int = 0

    def as_dict(self) -> dict[str, int]:
        return asdict(self)


_DECODER = json.JSONDecoder()


def parse_answer(raw: str) -> list[str] | None:
    """The first JSON list in ``raw`` if it is a list of strings, else ``None``.

    Text before the list (``Answer: [...]``) and after it is ignored; a list that
    does not parse (cut off, single quotes) or holds anything but strings is
    malformed, as in the UniversalNER scoring rule.  An answer with no ``[`` at
    all that is a comma-separated run of JSON strings is read as that list.  Blank and repeated strings
    are dropped, order kept.
    """
    at = raw.find("[")
    if at < 0:
        return _bare_list(raw)
    try:
        value, _ = _DECODER.raw_decode(raw, at)
    except json.JSONDecodeError:
        return None
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        return None
    return list(dict.fromkeys(item.strip() for item in value if item.strip()))


def _bare_list(raw: str) -> list[str] | None:
    """``"a", "b"`` without brackets (no ``[`` anywhere): the list's items, else None.

    Small or briefly tuned students often drop the brackets but keep the JSON
    strings; the items are unambiguous, so they are kept (and counted as
    ``bare_lists``).  Anything else without a ``[`` stays malformed.
    """
    text = raw.strip()
    if not text.startswith('"'):
        return None
    try:
        value = json.loads(f"[{text}]")
    except json.JSONDecodeError:
        return None
    if not all(isinstance(item, str) for item in value):
        return None
    return list(dict.fromkeys(item.strip() for item in value if item.strip()))


def locate(text: str, type_name: str, mentions: Sequence[str]) -> tuple[list[Entity], int]:
    """Entities for every occurrence of each mention, and how many mentions were not found."""
    entities: list[Entity] = []
    missing = 0
    for mention in mentions:
        spans = locate_mentions(text, mention)
        if not spans:
            missing += 1
        entities.extend(Entity.from_source(text, start, end, type_name) for start, end in spans)
    return entities, missing


def warn_threshold(threshold: float | None) -> None:
    """Backends take ``threshold`` like every predictor; generated answers carry no score."""
    if threshold is not None:
        warnings.warn("generative models give no scores; the threshold is ignored", UninerWarning, stacklevel=3)


def check_texts(texts: Sequence[str]) -> list[str]:
    if isinstance(texts, str):
        raise ConfigError("texts must be a list of strings, not a single string")
    out = list(texts)
    for i, text in enumerate(out):
        if not isinstance(text, str):
            raise ConfigError(f"text {i} is a {type(text).__name__}, not a string")
        if not text.strip():
            raise ConfigError(f"text {i} is empty; give a passage to extract from")
    return out


class GenerativeNER:
    """A ``Predictor`` over any ``AnswerGenerator``; ``stats`` counts what was dropped."""

    def __init__(self, generator: AnswerGenerator, name: str | None = None, info: dict[str, Any] | None = None):
        self.generator = generator
        self.name = name or generator.name
        #: Facts about the loaded model (template, base, backend), for reports.
        self.info = dict(info or {})
        self.stats = ExtractionStats()

    def reset_stats(self) -> ExtractionStats:
        """Return the counts so far and start again from zero."""
        done, self.stats = self.stats, ExtractionStats()
        return done

    def answers(self, texts: Sequence[str], types: Sequence[str]) -> list[list[list[str]]]:
        """Parsed answers ``[text][type] -> strings`` (``[]`` for a malformed answer)."""
        texts = check_texts(texts)
        types = validate_types(types)
        if not texts:
            return []
        completions = self.generator.complete(texts, types)
        if len(completions) != len(texts) or any(len(row) != len(types) for row in completions):
            raise RuntimeError(f"generator {self.generator.name!r} returned a wrongly shaped answer table")
        out: list[list[list[str]]] = []
        for row in completions:
            parsed_row = []
            for completion in row:
                parsed = parse_answer(completion.text)
                self.stats.queries += 1
                self.stats.generated_tokens += completion.tokens
                if parsed is None:
                    self.stats.malformed_answers += 1
                    parsed = []
                elif "[" not in completion.text:
                    self.stats.bare_lists += 1
                parsed_row.append(parsed)
            out.append(parsed_row)
        self.stats.passages += len(texts)
        return out

    def predict(self, texts: Sequence[str], types: Sequence[str]) -> list[list[Entity]]:
        types = validate_types(types)
        texts = check_texts(texts)
        results: list[list[Entity]] = []
        for text, row in zip(texts, self.answers(texts, types)):
            found: list[Entity] = []
            for type_name, mentions in zip(types, row):
                entities, missing = locate(text, type_name, mentions)
                self.stats.mentions += len(mentions)
                self.stats.mentions_not_found += missing
                found.extend(entities)
            found.sort(key=lambda e: (e.start, e.end, e.type))
            self.stats.entities += len(found)
            results.append(found)
        return results

    def extract(self, text: str, types: Sequence[str]) -> list[Entity]:
        """Entities of ``types`` in one text."""
        return self.predict([text], types)[0]
