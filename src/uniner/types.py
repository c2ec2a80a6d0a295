"""Value types shared by every stage: ``Entity`` and ``Example``.

Offsets are half-open character offsets into the original text, so
``source[e.start:e.end] == e.text`` always holds; the constructors below are the
only places entities are made from a source text, and they check it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from uniner.errors import DataFormatError


@dataclass(frozen=True, slots=True)
class Entity:
    """One mention: ``text == source[start:end]`` (half-open character offsets)."""

    text: str
    type: str
    start: int
    end: int
    score: float | None = None

    def __post_init__(self) -> None:
        if self.start < 0 or self.end <= self.start:
            raise ValueError(f"Entity offsets must satisfy 0 <= start < end, got [{self.start}, {self.end})")
        if len(self.text) != self.end - self.start:
            raise ValueError(
                f"Entity text {self.text!r} has length {len(self.text)}, "
                f"but its offsets [{self.start}, {self.end}) span {self.end - self.start} characters"
            )

    @classmethod
    def from_source(cls, source: str, start: int, end: int, type: str, score: float | None = None) -> Entity:
        """Slice the mention from ``source`` so text and offsets cannot disagree."""
        if not 0 <= start < end <= len(source):
            raise ValueError(f"span [{start}, {end}) is outside a text of length {len(source)}")
        return cls(source[start:end], type, start, end, score)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"text": self.text, "type": self.type, "start": self.start, "end": self.end}
        if self.score is not None:
            out["score"] = self.score
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Entity:
        return cls(data["text"], data["type"], int(data["start"]), int(data["end"]), data.get("score"))


def check_entities(source: str, entities: Iterable[Entity], where: str = "") -> None:
    """Raise ``DataFormatError`` if any entity's text is not ``source[start:end]``."""
    for e in entities:
        if source[e.start:e.end] != e.text:
            raise DataFormatError(
                f"{where}entity {e.text!r} at [{e.start}, {e.end}) does not match the text there "
                f"({source[e.start:e.end]!r})"
            )


@dataclass(frozen=True, slots=True)
class Example:
    """A labelled passage.

    ``labelled_types`` is ``None`` when the passage is fully labelled (every type of
    its dataset that occurs is annotated).  For partially labelled data, e.g. the
    Pile-NER sentences labelled for one type only, it lists the types whose
    annotation can be trusted; absence of any other type says nothing.
    """

    id: str
    text: str
    entities: tuple[Entity, ...] = ()
    dataset: str | None = None
    labelled_types: frozenset[str] | None = field(default=None)

    def __post_init__(self) -> None:
        check_entities(self.text, self.entities, where=f"example {self.id}: ")

    @property
    def is_partial(self) -> bool:
        return self.labelled_types is not None

    def types_present(self) -> list[str]:
        """Entity types in order of first appearance."""
        return list(dict.fromkeys(e.type for e in sorted(self.entities, key=lambda e: (e.start, e.end))))

    def mentions(self, type: str) -> list[str]:
        """Surface strings of ``type``, in text order, de-duplicated."""
        ordered = sorted((e for e in self.entities if e.type == type), key=lambda e: (e.start, e.end))
        return list(dict.fromkeys(e.text for e in ordered))
