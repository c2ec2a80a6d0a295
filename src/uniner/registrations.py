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
