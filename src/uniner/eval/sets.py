"""What a metric scores: one dataset's gold and one system's predictions, normalised.

Every input format (BIO examples, an official ``uniner_test.json``, a predictions
JSONL file, a predictor's entities) is turned into these two shapes first, so the
metrics never see a raw format (the nervaluate lesson, STYLE rule 10).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from uniner.types import Entity, Example


@dataclass(frozen=True, slots=True)
class AnswerQuery:
    """One (passage, type) question of the UniversalNER protocol with its raw gold answer."""

    id: str
    passage: int
    type: str
    gold: str


@dataclass(frozen=True)
class GoldSet:
    """The gold of one dataset split, as the metrics see it.

    ``entities`` holds the offset annotation per passage (``None`` when only
    surface strings are known, e.g. a bare ``uniner_test.json``: no strict score).
    ``reference`` is what an oracle may be handed: the annotated passages.
    """

    name: str
    domain: str
    types: tuple[str, ...]
    passages: tuple[str, ...]
    queries: tuple[AnswerQuery, ...]
    entities: tuple[tuple[Entity, ...], ...] | None
    reference: tuple[Example, ...] = ()
    #: Where the queries come from, for the report ("official ..." or "BIO ...").
    source: str = ""
    #: Passages of the full split before any subsample.
    total_passages: int = 0
    #: Things the report must state (subsample, annotation left out to match an official file).
    notes: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.entities is not None and len(self.entities) != len(self.passages):
            raise ValueError(f"{self.name}: {len(self.entities)} entity lists for {len(self.passages)} passages")


@dataclass(frozen=True)
class PredictionSet:
    """One system's output for a ``GoldSet``.

    ``answers`` maps a query id to the raw answer string; a missing id is an
    empty answer.  ``entities`` is per passage (``None`` when the system gave raw
    answers only).
    """

    answers: Mapping[str, str] = field(default_factory=dict)
    entities: tuple[tuple[Entity, ...], ...] | None = None
