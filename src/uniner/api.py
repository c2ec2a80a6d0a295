"""The Python entry point: ``uniner.load()`` -> a ``Model`` that extracts entities.

``Model`` wraps any ``Predictor`` that ``uniner.engine.load_predictor`` builds, so
``uniner extract``, ``uniner evaluate`` and library users all run the same code::

    import uniner

    model = uniner.load()                 # the shipped default model (models/default)
    model.extract("Ada Lovelace wrote the first program.", ["person"])
    # [Entity(text='Ada Lovelace', type='person', start=0, end=12, score=0.93)]

``load(name_or_path)`` accepts ``None``/``"default"`` (the shipped model), any
registered backend name (``spacy``, ``gold`` ...) or a saved model directory (its
``uniner.json`` names the backend that loads it).
"""

from __future__ import annotations

import inspect
import warnings
from collections.abc import Callable, Sequence
from typing import Any

from uniner.engine.base import Predictor, load_predictor, validate_types
from uniner.errors import ConfigError, UninerWarning
from uniner.types import Entity

#: What ``load()`` means by "no model named": the shipped model (engine/backends/default.py).
DEFAULT_MODEL = "default"


class Model:
    """A loaded extractor: ``extract`` one text or ``extract_batch`` many.

    ``threshold`` (set at load time, overridable per call) is the minimum score of
    a returned entity.  Predictors whose ``predict`` takes a ``threshold`` apply it
    themselves (the span model decodes with it); for others the scores they return
    are filtered here, and entities without a score cannot be filtered (a
    ``UninerWarning`` says so once).
    """

    def __init__(self, predictor: Predictor, threshold: float | None = None, batch_size: int = 8):
        if batch_size < 1:
            raise ConfigError(f"batch_size must be at least 1, got {batch_size}")
        self.predictor = predictor
        self.threshold = _check_threshold(threshold)
        self.batch_size = batch_size
        self._native_threshold = _accepts_keyword(predictor.predict, "threshold")
        self._warned_unscored = False

    @property
    def name(self) -> str:
        return self.predictor.name

    def __repr__(self) -> str:
        return f"Model(name={self.name!r}, threshold={self.threshold!r})"

    def extract(self, text: str, types: Sequence[str], threshold: float | None = None) -> list[Entity]:
        """Entities of ``types`` in ``text``, sorted by position; ``[]`` for an empty text."""
        return self.extract_batch([text], types, threshold)[0]

    def extract_batch(
        self, texts: Sequence[str], types: Sequence[str], threshold: float | None = None
    ) -> list[list[Entity]]:
        """One sorted entity list per text; texts go to the predictor ``batch_size`` at a time."""
        if isinstance(texts, str):
            raise ConfigError("extract_batch takes a list of texts; use extract() for one text")
        for index, text in enumerate(texts):
            if not isinstance(text, str):
                raise ConfigError(f"text {index} is a {type(text).__name__}, not a str")
        clean_types = validate_types(types)
        limit = _check_threshold(threshold if threshold is not None else self.threshold)
        results: list[list[Entity]] = [[] for _ in texts]
        # Empty and blank texts never reach the model: there is nothing to find.
        todo = [i for i, text in enumerate(texts) if text.strip()]
        for first in range(0, len(todo), self.batch_size):
            chunk = todo[first:first + self.batch_size]
            predicted = self._predict([texts[i] for i in chunk], clean_types, limit)
            if len(predicted) != len(chunk):
                # A broken backend, not a user error: let it show a traceback.
                raise RuntimeError(
                    f"predictor {self.name!r} returned {len(predicted)} results for {len(chunk)} texts"
                )
            for i, entities in zip(chunk, predicted):
                results[i] = sorted(entities, key=_position)
        return results

    def predict(
        self, texts: Sequence[str], types: Sequence[str], threshold: float | None = None
    ) -> list[list[Entity]]:
        """The ``Predictor`` protocol, so a ``Model`` can go wherever a predictor goes (evaluate)."""
        return self.extract_batch(texts, types, threshold)

    def _predict(self, texts: list[str], types: list[str], limit: float | None) -> list[list[Entity]]:
        if self._native_threshold:
            return self.predictor.predict(texts, types, threshold=limit)  # type: ignore[call-arg]
        predicted = self.predictor.predict(texts, types)
        if limit is None:
            return predicted
        return [self._filter(entities, limit) for entities in predicted]

    def _filter(self, entities: list[Entity], limit: float) -> list[Entity]:
        unscored = [e for e in entities if e.score is None]
        if unscored and not self._warned_unscored:
            self._warned_unscored = True
            warnings.warn(
                f"model {self.name!r} gives no scores; the threshold does not apply to its entities",
                UninerWarning,
                stacklevel=4,
            )
        return [e for e in entities if e.score is None or e.score >= limit]


def load(
    name_or_path: str | None = None,
    *,
    backend: str | None = None,
    device: str = "cpu",
    threshold: float | None = None,
    batch_size: int = 8,
    **options: Any,
) -> Model:
    """Load a model by name or path; ``None`` or ``"default"`` is the shipped default model.

    ``device`` ("cpu", "cuda", "cuda:1", "mps") and ``threshold`` go to backends
    that take them; ``options`` are passed to the backend's factory unchanged.
    Raises ``ConfigError``/``RegistryError`` naming the valid choices.
    """
    model = DEFAULT_MODEL if name_or_path is None else str(name_or_path)
    if not model.strip():
        raise ConfigError("the model name is empty; give a registered name or a path")
    _check_threshold(threshold)
    from uniner.engine.base import BACKENDS, backend_for

    factory = BACKENDS.get(backend or backend_for(model))
    kwargs = dict(options)
    # A factory that names ``device`` always gets it; one that only takes **options
    # gets it when it is not the default, so CPU-only backends (spaCy, gold) load
    # unchanged and a GPU request still reaches a backend that may refuse it.
    if _names_keyword(factory, "device") or (device != "cpu" and _accepts_keyword(factory, "device")):
        kwargs["device"] = device
    elif device != "cpu":
        raise ConfigError(f"model {model!r} runs on the CPU only; it does not take device={device!r}")
    if threshold is not None and _names_keyword(factory, "threshold"):
        kwargs["threshold"] = threshold
    predictor = load_predictor(model, backend=backend, **kwargs)
    return Model(predictor, threshold=threshold, batch_size=batch_size)


def _position(entity: Entity) -> tuple[int, int, str]:
    return (entity.start, entity.end, entity.type)


def _check_threshold(threshold: float | None) -> float | None:
    if threshold is not None and not 0.0 <= threshold <= 1.0:
        raise ConfigError(f"threshold must be between 0 and 1, got {threshold}")
    return threshold


def _names_keyword(function: Callable[..., Any], name: str) -> bool:
    """Whether ``function`` has a parameter called ``name`` that can be passed by keyword."""
    try:
        parameters = inspect.signature(function).parameters.values()
    except (TypeError, ValueError):
        return False
    return any(p.name == name and p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY) for p in parameters)


def _accepts_keyword(function: Callable[..., Any], name: str) -> bool:
    """Whether ``function`` takes ``name`` as a keyword (named or through ``**kwargs``)."""
    try:
        parameters = inspect.signature(function).parameters.values()
    except (TypeError, ValueError):
        return False
    return any(
        p.name == name and p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY) or p.kind is p.VAR_KEYWORD
        for p in parameters
    )
