"""The main window's frame: where it opens, and presentation mode for a projector.

Presentation mode is a choice for this session (F11, or ``NNVIZ_PRESENTATION=1``
at start): it is never remembered. It goes full screen and leaving it gives
back the window state, panel and sizes it had before; what is saved at exit
is always the normal-mode geometry and splitter.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QFont, QGuiApplication
from PySide6.QtWidgets import QApplication, QGraphicsLayout, QGraphicsView, QSplitter

from .style import style_for

#: the most the view tabs insist on (px): a tab whose contents ask for more (a long label in presentation
#: fonts) is squeezed inside its own page instead of pushing the window, controls included, off a 1280 screen
VIEWS_MIN_WIDTH = 720


def restore_geometry(window) -> None:
    """The saved geometry if it fits the screen, else most of the screen (at most 1500×950), centred;
    then the saved splitter sizes, unless they would hide the settings panel."""
    window.viewTabs.setMinimumWidth(VIEWS_MIN_WIDTH)
    screen = window.screen() or QGuiApplication.primaryScreen()
    avail = screen.availableGeometry() if screen is not None else None
    geometry = window.settings.get("geometry")
    restored = not geometry.isEmpty() and window.restoreGeometry(geometry)
    if restored:
        # a window closed in full screen by an older version opens as a normal window
        window.setWindowState(window.windowState() & ~Qt.WindowFullScreen)
        if avail is not None and (not avail.contains(window.frameGeometry().center())
                                  or window.width() > avail.width() or window.height() > avail.height()):
            restored = False
    if not restored:
        if avail is None:
            window.resize(1400, 900)
        else:
            w, h = min(1500, int(avail.width() * 0.96)), min(950, int(avail.height() * 0.94))
            window.resize(w, h)
            side = window.settingsPanel.preferred_width(w)
            window.splitter.setSizes([side, w - side])
            window.move(avail.x() + (avail.width() - w) // 2, avail.y() + (avail.height() - h) // 2)
    splitter = window.settings.get("splitter")
    if not splitter.isEmpty() and window.splitter.restoreState(splitter):
        sizes = window.splitter.sizes()
        if sizes and sizes[0] < window.settingsPanel.minimumWidth():      # collapsed or hidden: show it
            side = window.settingsPanel.preferred_width(window.width())
            window.splitter.setSizes([side, max(1, sum(sizes) - side)])
    window.settingsPanel.show()


class Presentation:
    """Large fonts and thick lines for a projector, full screen; the settings panel steps aside (F9 brings it
    back). Leaving restores the window state, the panel and the splitter sizes of before."""

    def __init__(self, window):
        self.window = window
        self.on = False
        self._panel_before = True
        self._state_before = Qt.WindowNoState
        self._saved = None          # (geometry, splitter state) of normal mode, while presenting
        self._splitters = []        # the other dividers' states, while presenting
        self._geometry_before = None

    def frame_state(self):
        """(geometry, splitter state) to remember at exit: those of normal mode, even while presenting."""
        window = self.window
        if self.on and self._saved is not None:
            return self._saved
        return window.saveGeometry(), window.splitter.saveState()

    def set(self, on: bool) -> None:
        window = self.window
        on = bool(on)
        entering, leaving = on and not self.on, not on and self.on
        if entering:
            self._saved = (window.saveGeometry(), window.splitter.saveState())
            # every divider (training views, comparison, ...) goes back where it was
            self._splitters = [(sp, sp.saveState()) for sp in window.findChildren(QSplitter)
                               if sp is not window.splitter]
            self._state_before = window.windowState() & ~Qt.WindowFullScreen
            self._geometry_before = window.geometry()
            self._panel_before = window.settingsPanelAction.isChecked()
        style = style_for(on)
        font = QFont(QApplication.font())
        if style.app_pt:
            font.setPointSize(style.app_pt)
        window.setFont(font)
        window.menuBar().setFont(font)
        window.statusBar().setFont(font)
        tabs = QFont(font)          # tab names are chrome: a little smaller, so all six fit beside the panel
        if style.app_pt:
            tabs.setPointSize(style.app_pt - 3)
        window.viewTabs.set_tab_font(tabs)
        window.banner.set_view_style(style)
        window.controls.set_view_style(style)
        for view in window.views:
            view.set_view_style(style)
        window.settingsPanel.set_view_style(style)
        table = window.builder.table
        table.resizeColumnsToContents()
        table.fit_rows()
        window.settingsPanel.fit_contents()
        self.on = on
        if entering:
            window.settingsPanelAction.setChecked(False)
            window.setWindowState(self._state_before | Qt.WindowFullScreen)
            QTimer.singleShot(300, window, lambda: self._ensure_full_screen(10))
        elif leaving:
            window.setWindowState(self._state_before)
            if self._saved is not None:     # the size of before, also where no window manager keeps it
                window.restoreGeometry(self._saved[0])
            window.settingsPanelAction.setChecked(self._panel_before)
            if self._saved is not None:
                splitter = self._saved[1]
                window.splitter.restoreState(splitter)
                window.settingsPanel.setVisible(self._panel_before)
                # again once the window has its normal size and fonts back (the window manager answers later)
                for ms in (0, 100):
                    QTimer.singleShot(ms, window, lambda: self._settle(splitter))
            self._saved = None
        relayout(window)
        # once the new fonts are laid out
        QTimer.singleShot(0, window.settingsPanel, window.settingsPanel.fit_contents)
        if window.presentationAction.isChecked() != on:
            window.presentationAction.setChecked(on)

    def _ensure_full_screen(self, tries: int) -> None:
        """Without a window manager (a bare X server, a kiosk) nobody acts on the full-screen state: then
        the window covers the screen itself. Under a window manager the geometry already matches."""
        window = self.window
        if not self.on or not (window.windowState() & Qt.WindowFullScreen):
            return
        if not window.isVisible():
            if tries > 0:
                QTimer.singleShot(300, window, lambda: self._ensure_full_screen(tries - 1))
            return
        screen = window.screen()
        if screen is not None and window.frameGeometry() != screen.geometry():
            window.setGeometry(screen.geometry())

    def _settle(self, splitter) -> None:
        if not self.on:
            if self.window.windowState() == Qt.WindowNoState and self._geometry_before is not None \
                    and self.window.geometry() != self._geometry_before:
                self.window.setGeometry(self._geometry_before)
            self.window.settingsPanel.fit_contents()
            self.window.splitter.restoreState(splitter)
            for inner, state in self._splitters:
                inner.restoreState(state)


def relayout(window) -> None:
    """Make legends and plots recompute their sizes for the new fonts: a pyqtgraph legend measures its
    labels' current sizes, so without this it keeps the room its largest (presentation) labels took."""
    import pyqtgraph as pg

    for view in window.findChildren(QGraphicsView):
        scene = view.scene()
        if scene is None:
            continue
        for item in scene.items():
            if isinstance(item, pg.LegendItem):
                item.setGeometry(0, 0, 1, 1)          # squeeze: the labels fall back to their own size
                item.layout.invalidate()
                item.layout.activate()
                item.updateSize()                     # then the legend measures them (pyqtgraph's own sizing)
            elif isinstance(item, pg.GraphicsLayout) or hasattr(item, "layout") and \
                    isinstance(getattr(item, "layout", None), QGraphicsLayout):
                item.layout.invalidate()
    window.controls.updateGeometry()
