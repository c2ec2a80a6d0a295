"""Fills each registry, once, on its first use.

Each module listed here registers its entries at its own end.  Importing them
here, on demand and per kind, rather than at package import keeps start-up fast
(looking up a dataset must not import torch or spaCy) and avoids import cycles
(the lesson of spaCy PR #13823).  ``tests/test_registrations.py`` pins the
resulting contents.
"""

from __future__ import annotations

import importlib

_FORMAT_MODULES = [
    "uniner.data.formats.conll",
    "uniner.data.formats.conversation_json",
    "uniner.data.formats.gliner",
    "uniner.data.formats.medquad",
    "uniner.data.formats.pile_ner",
    "uniner.data.formats.sentences",
]

#: registry kind (``Registry.kind``) -> the modules that register into it.
MODULES: dict[str, list[str]] = {
    "dataset": ["uniner.data.datasets"],
    "data format": ["uniner.data.annotations", *_FORMAT_MODULES],
    "distilled set": _FORMAT_MODULES,
    "backend": [
        "uniner.engine.backends.default",
        "uniner.engine.backends.gold",
        "uniner.engine.backends.hf",
        "uniner.engine.backends.openai_backend",
        "uniner.engine.backends.vllm",
        "uniner.engine.backends.spacy_baseline",
        "uniner.students.span.predictor",
    ],
    "student": ["uniner.students.causal.train", "uniner.students.span.train"],
    "metric": ["uniner.eval.metrics"],
    "negative sampler": ["uniner.instruct.negatives"],
    "prompt template": ["uniner.instruct.templates"],
    "teacher prompt": ["uniner.teacher.prompts"],
}

_populated: set[str] = set()
_populating: set[str] = set()


def populate_registry(kind: str | None = None) -> None:
    """Import the modules of one registry kind, or of every kind when ``kind`` is None."""
    kinds = list(MODULES) if kind is None else [kind]
    for name in kinds:
        if name in _populated or name in _populating or name not in MODULES:
            continue
        _populating.add(name)
        try:
            for module in MODULES[name]:
                importlib.import_module(module)
            _populated.add(name)
        finally:
            _populating.discard(name)
