"""What every live view offers the main window.

A view is a QWidget that draws snapshots. It may ask the training worker
to compute something for it each time (a *probe*: an object with a
``key`` and ``compute(model)``, run in the worker thread), and it receives
the results in ``snapshot.probes[key]``. Adding a view means writing one
module here and listing it in :mod:`nnviz.gui.views`.

A view whose probe input changes (another sample picked, a check asked
for) emits ``refreshRequested``: the main window then has the running
worker recompute the probes (a paused run too), or, with no run active,
has the lab compute this view's probes and calls ``show_snapshot``.

Views never see the network a run is training: ``reset`` gets a frozen copy
(:meth:`nnviz.lab.Lab.view_context`), and during a run everything arrives
as copies in snapshots.
"""

from __future__ import annotations

import time

from PySide6.QtCore import QTimer, Signal
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QWidget

from nnviz.lab.lab import ViewContext

from ..style import NORMAL, ViewStyle

__all__ = ["LiveView", "ViewContext", "set_heading_font"]


class LiveView(QWidget):
    """Base class: override what the view needs; every method has a harmless default."""

    #: tab title
    title = "View"
    #: "main" views share the first tab side by side; others get a tab of their own
    placement = "tab"

    #: the view's probes should be computed again now (see the module docstring)
    refreshRequested = Signal()

    def __init__(self, parent=None):
        super().__init__(parent)
        self.view_style: ViewStyle = NORMAL

    @property
    def busy(self) -> bool:
        """True while the view runs work of its own (e.g. a gradient check) that a redraw must not cancel."""
        return False

    def wanted(self, context: ViewContext) -> bool:
        """Whether a "main" view shows for ``context`` (the boundary for 2-D data, the samples for images)."""
        return True

    def probes(self, context: ViewContext) -> list:
        """Worker-side computations this view wants for ``context``."""
        return []

    def reset(self, context: ViewContext, snapshot=None) -> None:
        """A new model or dataset: clear, draw what is static, then ``snapshot`` if given.

        ``context.model`` is a frozen copy of the network (never the one a run trains).
        """

    def update_model(self, context: ViewContext) -> None:
        """The same network was trained further (a run ended); ``context.model`` is the new copy."""

    def show_snapshot(self, snapshot) -> None:
        """Draw one snapshot (GUI thread; must be quick)."""

    def set_view_style(self, style: ViewStyle) -> None:
        self.view_style = style

    def export_item(self):
        """The widget File → Export plot renders to PNG/SVG, or None."""
        return None

    def session_options(self, context: ViewContext) -> dict:
        """Extra keyword arguments for the next training run (e.g. ``gradient_fn``)."""
        return {}

    def run_notice(self, context: ViewContext) -> str:
        """A warning to show when a run starts with this view's options ("" for none)."""
        return ""

    #: True while a run trains (the window says so through :meth:`set_running`)
    running = False

    def set_running(self, running: bool) -> None:
        """A run started (True) or ended (False)."""
        self.running = bool(running)

    def shutdown(self) -> None:
        """The window is closing: stop and join any thread this view started."""

    # --- the one drawing throttle: only when seen, at most max_fps times a second ----------------
    #: a cap on redraws per second for views whose drawing is costly (None: draw every frame)
    max_fps: float | None = None
    _frame = None
    _pending = False
    _last_draw = -1e9
    _draw_timer: QTimer | None = None

    def _show_frame(self, frame, urgent: bool = True) -> None:
        """Keep ``frame`` and ask for a draw (see :meth:`_request_draw`)."""
        self._frame = frame
        self._request_draw(urgent)

    def _request_draw(self, urgent: bool = True) -> None:
        """Draw now if the view is visible and ``max_fps`` allows it (``urgent``: always allows it);
        later (a timer) if the cap does not; when the view is next shown if it is hidden."""
        self._pending = True
        if not self.isVisible():
            return
        wait = 0.0 if urgent or not self.max_fps else self._last_draw + 1.0 / self.max_fps - time.perf_counter()
        if wait <= 0:
            self._draw_now()
        elif self._draw_timer is None or not self._draw_timer.isActive():
            if self._draw_timer is None:
                self._draw_timer = QTimer(self, singleShot=True)
                self._draw_timer.timeout.connect(self._draw_now)
            self._draw_timer.start(max(1, int(wait * 1000)))

    def _draw_now(self) -> None:
        if self._draw_timer is not None:
            self._draw_timer.stop()
        self._last_draw = time.perf_counter()
        self._draw()

    def _draw_if_pending(self) -> None:
        if self._pending:
            self._draw_now()

    def _draw(self) -> None:
        """Draw ``self._frame`` and clear ``self._pending`` (views that use :meth:`_show_frame` override it)."""
        self._pending = False

    def showEvent(self, event) -> None:
        super().showEvent(event)
        self._draw_if_pending()


def set_heading_font(label: QWidget, style: ViewStyle) -> None:
    """A view's heading: bold, at the style's title size."""
    font = QFont(label.font())
    font.setPointSize(style.title_pt)
    font.setBold(True)
    label.setFont(font)
