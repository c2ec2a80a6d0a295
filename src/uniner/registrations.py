"""Fills every registry, once, on first use.

Each module listed here registers its entries at its own end.  Importing them
here, on demand, rather than at package import keeps start-up fast and avoids
import cycles (the lesson of spaCy PR #13823).  ``tests/test_registrations.py``
pins the resulting contents.
"""

from __future__ import annotations

import importlib

MODULES: list[str] = [
    "uniner.data.datasets",
    "uniner.data.annotations",
    "uniner.data.formats.conll",
    "uniner.data.formats.conversation_json",
    "uniner.data.formats.gliner",
    "uniner.data.formats.medquad",
    "uniner.data.formats.pile_ner",
    "uniner.data.formats.sentences",
    "uniner.engine.backends.default",
    "uniner.engine.backends.gold",
    "uniner.engine.backends.hf",
    "uniner.engine.backends.openai_backend",
    "uniner.engine.backends.vllm",
    "uniner.engine.backends.spacy_baseline",
    "uniner.students.span.predictor",
    "uniner.students.span.train",
    "uniner.eval.metrics",
    "uniner.instruct.negatives",
    "uniner.instruct.templates",
    "uniner.teacher.prompts",
]

_populated = False
_populating = False


def populate_registry() -> None:
    global _populated, _populating
    if _populated or _populating:
        return
    _populating = True
    try:
        for module in MODULES:
            importlib.import_module(module)
        _populated = True
    finally:
        _populating = False
