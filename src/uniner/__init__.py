"""uniner: open named-entity recognition by targeted distillation (after UniversalNER)."""

from typing import TYPE_CHECKING

from uniner.errors import (
    ConfigError,
    DataFormatError,
    RegistryError,
    TeacherOutputError,
    UninerError,
    UninerWarning,
)
from uniner.types import Entity, Example

if TYPE_CHECKING:
    from uniner.api import Model, load


def __getattr__(name: str) -> object:
    # ``load``/``Model`` live with the engine, whose backends pull in torch and
    # transformers; resolving them on first use keeps ``import uniner`` fast.
    if name in ("load", "Model"):
        from uniner import api

        return getattr(api, name)
    raise AttributeError(f"module 'uniner' has no attribute {name!r}")


__all__ = [
    "ConfigError",
    "DataFormatError",
    "Entity",
    "Example",
    "Model",
    "RegistryError",
    "TeacherOutputError",
    "UninerError",
    "UninerWarning",
    "load",
]
