"""Models and backends behind one ``Predictor`` protocol."""

from uniner.engine.base import BACKENDS, Predictor, load_predictor, validate_types

__all__ = ["BACKENDS", "Predictor", "load_predictor", "validate_types"]
