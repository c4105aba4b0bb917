"""The main window's frame: where it opens, and presentation mode for a projector."""

from __future__ import annotations

from PySide6.QtGui import QFont, QGuiApplication
from PySide6.QtWidgets import QApplication

from .style import style_for


def restore_geometry(window) -> None:
    """The saved geometry if it fits the screen, else most of the screen (at most 1500×950), centred."""
    screen = window.screen() or QGuiApplication.primaryScreen()
    avail = screen.availableGeometry() if screen is not None else None
    geometry = window.settings.get("geometry")
    if not geometry.isEmpty() and window.restoreGeometry(geometry):
        if avail is None or avail.contains(window.frameGeometry().center()):
            return
    if avail is None:
        window.resize(1400, 900)
        return
    w, h = min(1500, int(avail.width() * 0.96)), min(950, int(avail.height() * 0.94))
    window.resize(w, h)
    side = window.settingsPanel.preferred_width(w)
    window.splitter.setSizes([side, w - side])
    window.move(avail.x() + (avail.width() - w) // 2, avail.y() + (avail.height() - h) // 2)


class Presentation:
    """Large fonts and thick lines for a projector; the settings panel steps aside (F9 brings it back)."""

    def __init__(self, window):
        self.window = window
        self.on = False
        self._panel_before = True

    def set(self, on: bool) -> None:
        window = self.window
        style = style_for(on)
        font = QFont(QApplication.font())
        if style.app_pt:
            font.setPointSize(style.app_pt)
        window.setFont(font)
        for view in window.views:
            view.set_view_style(style)
        table = window.builder.table
        table.resizeColumnsToContents()
        table.verticalHeader().setDefaultSectionSize(window.fontMetrics().height() + 10)
        window.settingsPanel.fit_contents()
        if on and not self.on:
            self._panel_before = window.settingsPanelAction.isChecked()
            window.settingsPanelAction.setChecked(False)
        elif not on and self.on:
            window.settingsPanelAction.setChecked(self._panel_before)
        self.on = bool(on)
        window.settings.set("presentation", bool(on))
        if window.presentationAction.isChecked() != on:
            window.presentationAction.setChecked(on)
