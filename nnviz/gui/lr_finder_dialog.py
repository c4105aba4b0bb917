"""Run → Find learning rate…: the LR finder in a window of its own (objectName ``lrFinderDialog``).

The finder is a tool used between runs, not a live view, so it does not take
a tab (the tab bar is full at 1280 px with presentation fonts). The dialog
holds an :class:`~nnviz.gui.views.lr_finder.LRFinderView` and keeps it in step
with the lab's events (a new network, a run starting or ending); closing the
main window stops and joins its task.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject
from PySide6.QtWidgets import QDialog, QVBoxLayout

from .views.lr_finder import LRFinderView


class LRFinderDialog(QDialog):
    def __init__(self, window):
        super().__init__(window)
        self.setObjectName("lrFinderDialog")
        self.setWindowTitle("Learning-rate finder")
        self.window_, self.lab = window, window.lab
        self.view = LRFinderView(self)
        self.view.connect_lab(self.lab)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addWidget(self.view)
        self.resize(900, 560)
        events = self.lab.events
        events.model_changed.connect(self._on_model_changed)
        events.state_changed.connect(self._on_state)
        events.run_finished.connect(lambda _result: self.view.update_model(self.lab.view_context()))
        events.config_applied.connect(lambda _config: self.view.update_model(self.lab.view_context()))
        self.view.reset(self.lab.view_context())
        self.view.set_running(self.lab.state != "idle")
        self.view.set_view_style(getattr(window.views[0], "view_style", self.view.view_style))
        window.installEventFilter(self)

    def _on_model_changed(self) -> None:
        self.view.reset(self.lab.view_context())

    def _on_state(self, state: str) -> None:
        self.view.set_running(state != "idle")

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.window_ and event.type() == QEvent.Close:
            self.view.shutdown()
            self.close()
        return False


def open_lr_finder(window) -> LRFinderDialog:
    """Show the window's LR finder (created on first use)."""
    dialog = getattr(window, "lrFinderDialog", None)
    if dialog is None:
        dialog = window.lrFinderDialog = LRFinderDialog(window)
    dialog.show()
    dialog.raise_()
    dialog.activateWindow()
    return dialog


__all__ = ["LRFinderDialog", "open_lr_finder"]
