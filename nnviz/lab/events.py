"""Plain change events for the lab (no Qt): ``event.connect(fn)``, ``event.emit(*args)``.

The lab tells whoever listens what changed; the GUI connects its widgets,
a test connects a list's ``append``. Callbacks run in the thread that
emits, which for the lab is always the thread that owns it.
"""

from __future__ import annotations

from typing import Callable


class Event:
    """A list of callbacks called in connection order."""

    def __init__(self, name: str):
        self.name = name
        self._callbacks: list[Callable] = []

    def connect(self, callback: Callable) -> None:
        self._callbacks.append(callback)

    def disconnect(self, callback: Callable) -> None:
        self._callbacks = [c for c in self._callbacks if c is not callback]

    def emit(self, *args) -> None:
        for callback in list(self._callbacks):
            callback(*args)


class Events:
    """A namespace of :class:`Event` objects, one per name given."""

    def __init__(self, *names: str):
        for name in names:
            setattr(self, name, Event(name))
