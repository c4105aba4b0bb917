"""Helpers shared by the GUI tests (import them with ``from .helpers import ...``)."""


def wait_for_dataset(w, qtbot, timeout: int = 60_000) -> None:
    """File datasets load on a background task: wait until the window's lab has its data (or its error)."""
    qtbot.waitUntil(lambda: not w.lab.dataset_loading, timeout=timeout)
