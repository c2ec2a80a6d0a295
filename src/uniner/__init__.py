"""uniner: open named-entity recognition by targeted distillation (after UniversalNER)."""

from uniner.errors import (
    ConfigError,
    DataFormatError,
    RegistryError,
    TeacherOutputError,
    UninerError,
    UninerWarning,
)
from uniner.types import Entity, Example

__all__ = [
    "ConfigError",
    "DataFormatError",
    "Entity",
    "Example",
    "RegistryError",
    "TeacherOutputError",
    "UninerError",
    "UninerWarning",
]
