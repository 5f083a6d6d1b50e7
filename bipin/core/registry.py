"""A small registry for the pluggable kinds (scoring methods, alert rules, bulletin renderers,
notification channels, derived indicators, demo steps, linkable models).

A lower app offers a registry; a higher app registers into it (DESIGN.md, "Apps and their
direction"), so the lower app never imports the higher one.
"""

from collections.abc import Callable, Iterator
from typing import Generic, TypeVar

T = TypeVar("T")


class Registry(Generic[T]):
    """Named entries of one kind, kept in the order they were registered."""

    def __init__(self, kind: str) -> None:
        self.kind = kind
        self._entries: dict[str, T] = {}

    def register(self, key: str) -> Callable[[T], T]:
        """Decorator: `@rules.register("milestone_overdue")`. A key registers once."""

        def add(entry: T) -> T:
            self.add(key, entry)
            return entry

        return add

    def add(self, key: str, entry: T) -> None:
        if key in self._entries:
            raise KeyError(f"{self.kind} {key!r} is already registered")
        self._entries[key] = entry

    def get(self, key: str) -> T:
        try:
            return self._entries[key]
        except KeyError:
            known = ", ".join(self._entries) or "none"
            raise KeyError(f"unknown {self.kind} {key!r}; known: {known}") from None

    def __contains__(self, key: object) -> bool:
        return key in self._entries

    def __iter__(self) -> Iterator[str]:
        return iter(self._entries)

    def __len__(self) -> int:
        return len(self._entries)

    def items(self) -> list[tuple[str, T]]:
        return list(self._entries.items())
