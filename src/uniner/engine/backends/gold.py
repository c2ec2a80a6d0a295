"""The ``gold`` backend: an oracle that answers with a dataset's own annotation.

It checks the evaluation pipeline end to end (it must score 100 on every
metric).  It knows nothing until it is handed the annotated passages through
``set_reference`` (the evaluation harness does this for any predictor that has
the method, before asking about a dataset); asked about a text it was not given,
it raises.  Identical texts with different annotation are answered in the order
they were handed over, which is the order the harness asks in.
"""

from __future__ import annotations

from collections import defaultdict, deque
from collections.abc import Sequence
from typing import Any

from uniner.engine.base import BACKENDS, validate_types
from uniner.errors import ConfigError
from uniner.types import Entity, Example


class GoldOracle:
    """``predict`` returns the reference entities of each text, restricted to the asked types."""

    name = "gold"

    def __init__(self) -> None:
        self._answers: dict[str, deque[tuple[Entity, ...]]] = {}

    def set_reference(self, examples: Sequence[Example]) -> None:
        """Replace what the oracle knows with ``examples`` (one dataset's gold passages)."""
        answers: dict[str, deque[tuple[Entity, ...]]] = defaultdict(deque)
        for example in examples:
            answers[example.text].append(example.entities)
        self._answers = dict(answers)

    def _next(self, text: str) -> tuple[Entity, ...]:
        queue = self._answers.get(text)
        if not queue:
            raise ConfigError(
                "the gold oracle only answers about passages the evaluation harness handed it "
                f"(uniner evaluate --model gold); unknown or exhausted text: {text[:60]!r}"
            )
        # A text seen once keeps its answer (it may be asked again); repeats are consumed in order.
        return queue.popleft() if len(queue) > 1 else queue[0]

    def predict(self, texts: Sequence[str], types: Sequence[str]) -> list[list[Entity]]:
        asked = {t.casefold(): t for t in validate_types(types)}
        out = []
        for text in texts:
            entities = self._next(text)
            out.append(
                [
                    Entity(e.text, asked[e.type.casefold()], e.start, e.end)
                    for e in entities
                    if e.type.casefold() in asked
                ]
            )
        return out


def load_gold(model: str = "gold", **options: Any) -> GoldOracle:
    """Factory for ``--model gold``; the oracle takes no options."""
    if options:
        raise ConfigError(f"the gold backend takes no options, got: {', '.join(sorted(options))}")
    return GoldOracle()


BACKENDS.register("gold", load_gold)
