"""A small generic registry: one instance per kind of pluggable thing.

Duplicates raise; unknown names raise with the list of what is available
(STYLE rule 4).  Registries are filled lazily by ``uniner.registrations``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Generic, TypeVar

from uniner.errors import RegistryError

T = TypeVar("T")

_NAME = re.compile(r"^[a-z0-9][a-z0-9_.\-]*$")


class Registry(Generic[T]):
    def __init__(self, kind: str):
        self.kind = kind
        self._entries: dict[str, T] = {}

    def register(self, name: str, entry: T) -> T:
        if not _NAME.match(name):
            raise RegistryError(f"{self.kind} name {name!r} must be lower-case letters, digits, '_', '.', '-'")
        if name in self._entries:
            raise RegistryError(f"{self.kind} {name!r} is already registered")
        self._entries[name] = entry
        return entry

    def decorator(self, name: str) -> Callable[[T], T]:
        def wrap(entry: T) -> T:
            return self.register(name, entry)

        return wrap

    def get(self, name: str) -> T:
        _populate(self.kind)
        try:
            return self._entries[name]
        except KeyError:
            raise RegistryError(
                f"unknown {self.kind} {name!r}; available: {', '.join(sorted(self._entries)) or '(none)'}"
            ) from None

    def __contains__(self, name: object) -> bool:
        _populate(self.kind)
        return name in self._entries

    def names(self) -> list[str]:
        _populate(self.kind)
        return sorted(self._entries)

    def __iter__(self) -> Iterator[str]:
        return iter(self.names())


def _populate(kind: str) -> None:
    # Imported here, not at module level: registrations imports the modules that
    # import this one.
    from uniner.registrations import populate_registry

    populate_registry(kind)
