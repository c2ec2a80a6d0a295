"""The live registries must match the committed snapshot (STYLE rule 4).

A new or renamed entry is a deliberate change: regenerate the snapshot with
``python tests/test_registrations.py`` and commit it with the change.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from uniner import registrations
from uniner.registry import Registry

SNAPSHOT = Path(__file__).with_name("registry_contents.json")


def live_contents() -> dict[str, list[str]]:
    return {r.kind: r.names() for r in sorted(_all_registries(), key=lambda r: r.kind)}


def _all_registries() -> list[Registry]:
    from uniner.data.datasets import DATASETS
    from uniner.data.formats.base import DISTILLED, FORMATS
    from uniner.engine.base import BACKENDS
    from uniner.eval.metrics import METRICS
    from uniner.instruct.negatives import NEGATIVE_SAMPLERS
    from uniner.instruct.templates import PROMPT_TEMPLATES
    from uniner.students.trainers import TRAINERS
    from uniner.teacher.prompts import PROMPTS

    return [DATASETS, FORMATS, DISTILLED, BACKENDS, METRICS, NEGATIVE_SAMPLERS, PROMPT_TEMPLATES, TRAINERS, PROMPTS]


def test_registries_match_snapshot():
    assert live_contents() == json.loads(SNAPSHOT.read_text(encoding="utf-8"))


def test_every_registry_kind_has_its_modules():
    kinds = {r.kind for r in _all_registries()}
    assert kinds == set(registrations.MODULES)


if __name__ == "__main__":
    SNAPSHOT.write_text(json.dumps(live_contents(), indent=2) + "\n", encoding="utf-8")
    sys.exit(0)
