"""What every live view offers the main window.

A view is a QWidget that draws snapshots. It may ask the training worker
to compute something for it each time (a *probe*: an object with a
``key`` and ``compute(model)``, run in the worker thread), and it receives
the results in ``snapshot.probes[key]``. Adding a view means writing one
module here and listing it in :mod:`nnviz.gui.views`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from PySide6.QtWidgets import QWidget

from ..style import NORMAL, ViewStyle


@dataclass
class ViewContext:
    """The run a view shows: dataset (or None if it failed to load), model (or None), settings."""

    dataset: Any = None
    model: Any = None
    config: Any = None

    @property
    def count_label(self) -> str:
        return getattr(self.config, "count_label", "epochs") if self.config is not None else "epochs"


class LiveView(QWidget):
    """Base class: override what the view needs; every method has a harmless default."""

    #: tab title
    title = "View"
    #: "main" views share the first tab side by side; others get a tab of their own
    placement = "tab"

    def __init__(self, parent=None):
        super().__init__(parent)
        self.view_style: ViewStyle = NORMAL

    def probes(self, context: ViewContext) -> list:
        """Worker-side computations this view wants for ``context``."""
        return []

    def reset(self, context: ViewContext, snapshot=None) -> None:
        """A new model or dataset: clear, draw what is static, then ``snapshot`` if given."""

    def show_snapshot(self, snapshot) -> None:
        """Draw one snapshot (GUI thread; must be quick)."""

    def set_view_style(self, style: ViewStyle) -> None:
        self.view_style = style

    def export_item(self):
        """The widget File → Export plot renders to PNG/SVG, or None."""
        return None
