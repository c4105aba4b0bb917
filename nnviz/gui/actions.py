"""The main window's menus and keyboard shortcuts, from one table.

:data:`SHORTCUTS` is the one place a key is bound: the menus use it, the
run buttons show it in their tooltips, and Help → Keyboard shortcuts
lists it. :func:`build_menus` creates the actions (kept on the window under
the names tests and the window use: ``trainAction``, ``presentationAction``…).
"""

from __future__ import annotations

import html

from PySide6.QtCore import Qt
from PySide6.QtGui import QActionGroup, QKeySequence
from PySide6.QtWidgets import QMessageBox

from .classroom import add_menu_items as add_classroom_items
from .icons import app_icon

#: action name → (menu text, keys)
SHORTCUTS = {
    "trainAction": ("Train / resume", ("F5", "Ctrl+Return")),
    "pauseAction": ("Pause", ("F6",)),
    "stepAction": ("Step (one iteration or epoch)", ("F7",)),
    "stopAction": ("Stop", ("F8",)),
    "resetAction": ("Reset (new network)", ("Ctrl+R",)),
    "presentationAction": ("Presentation mode", ("F11",)),
    "settingsPanelAction": ("Show or hide the settings panel", ("F9",)),
    "openDatasetAction": ("Open dataset file…", ("Ctrl+O",)),
    "loadModelAction": ("Load model…", ("Ctrl+L",)),
    "saveModelAction": ("Save model…", ("Ctrl+S",)),
    "exportPlotAction": ("Export plot", ("Ctrl+E",)),
    "shortcutsAction": ("Keyboard shortcuts", ("F1",)),
    "quitAction": ("Quit", ("Ctrl+Q",)),
}


#: Run → Training speed: (menu text, epochs a second at most; None: as fast as the machine goes)
SPEEDS = (("Maximum", None), ("100 epochs a second", 100.0), ("30 epochs a second", 30.0),
          ("10 epochs a second", 10.0), ("3 epochs a second", 3.0), ("1 epoch a second", 1.0))


def _speed_menu(window, menu) -> None:
    """One checkable item per speed; choosing one slows the run now and the runs after it."""
    menu.setObjectName("speedMenu")
    menu.setToolTipsVisible(True)
    group = QActionGroup(menu)
    group.setExclusive(True)
    window.speedActions = []
    for text, rate in SPEEDS:
        action = menu.addAction(text)
        action.setCheckable(True)
        action.setChecked(rate is None)
        action.setData(rate)
        action.setToolTip("Slow training down to watch the boundary move" if rate else "Train as fast as possible")
        group.addAction(action)
        action.triggered.connect(lambda _checked=False, rate=rate, text=text: (
            window.lab.set_speed(rate),
            window.statusBar().showMessage(f"Training speed: {text.lower()}.", 4000)))
        window.speedActions.append(action)


def _add(window, menu, name: str, slot, text: str | None = None):
    label, keys = SHORTCUTS.get(name, (text, ()))
    action = menu.addAction(text or label) if slot is None else menu.addAction(text or label, slot)
    action.setObjectName(name)
    if keys:
        action.setShortcuts([QKeySequence(k) for k in keys])
    setattr(window, name, action)
    return action


def build_menus(window) -> None:
    """File, Run, View and Help menus for ``window`` (a :class:`~nnviz.gui.main_window.MainWindow`)."""
    bar, files = window.menuBar(), window.files
    menu = bar.addMenu("&File")
    _add(window, menu, "openDatasetAction", files.open_dataset_dialog)
    _add(window, menu, "openImageFolderAction", files.open_image_folder_dialog, "Open image folder…")
    menu.addSeparator()
    _add(window, menu, "loadModelAction", files.load_model_dialog)
    _add(window, menu, "saveModelAction", files.save_model_dialog)
    menu.addSeparator()
    _add(window, menu, "openRunAction", files.open_run_dialog, "Open run…")
    _add(window, menu, "saveRunAction", files.save_run_dialog, "Save run…")
    add_classroom_items(window, menu)          # Save classroom file…, Leave classroom mode (gui/classroom.py)
    menu.addSeparator()
    export = menu.addMenu("Export plot")
    first = True
    for view in window.views:
        if view.export_item() is not None:
            action = export.addAction(f"{view.title}…", lambda v=view: files.export_plot_dialog(v))
            action.setData(view.objectName())      # classroom mode disables a hidden tab's entry
            if first:
                action.setShortcut(QKeySequence(SHORTCUTS["exportPlotAction"][1][0]))
                first = False
    _add(window, menu, "exportAnimationAction", files.export_animation_dialog, "Export boundary animation…")
    _add(window, menu, "exportPytorchAction", files.export_pytorch_dialog, "Export as PyTorch…")
    _add(window, menu, "exportNumpyAction", files.export_numpy_dialog, "Export as NumPy script…")
    menu.addSeparator()
    quit_action = _add(window, menu, "quitAction", window.close)
    quit_action.setMenuRole(quit_action.MenuRole.QuitRole)

    menu = bar.addMenu("&Run")
    for name, slot in (("trainAction", window.train), ("pauseAction", window.pause), ("stepAction", window.step),
                       ("stopAction", window.stop)):
        _add(window, menu, name, slot)
    menu.addSeparator()
    _add(window, menu, "resetAction", window.reset)
    _add(window, menu, "lrFinderAction", lambda: _open_lr_finder(window), "Find learning rate…")
    menu.addSeparator()
    _speed_menu(window, menu.addMenu("Training speed"))
    for button, name in ((window.trainButton, "trainAction"), (window.pauseButton, "pauseAction"),
                         (window.stepButton, "stepAction"), (window.stopButton, "stopAction"),
                         (window.resetButton, "resetAction")):
        button.setProperty("shortcut", SHORTCUTS[name][1][0])

    menu = bar.addMenu("&View")
    presentation = _add(window, menu, "presentationAction", None)
    presentation.setCheckable(True)
    presentation.toggled.connect(window.set_presentation)
    panel = _add(window, menu, "settingsPanelAction", None, "Settings panel")
    panel.setCheckable(True)
    panel.setChecked(True)
    panel.toggled.connect(window.settingsPanel.setVisible)
    cost = next((v for v in window.views if v.objectName() == "costPlot"), None)
    if cost is not None:
        log_action = menu.addAction("Log-scale cost")
        log_action.setCheckable(True)
        log_action.toggled.connect(cost.logCheck.setChecked)
        cost.logCheck.toggled.connect(log_action.setChecked)

    menu = bar.addMenu("&Help")
    _add(window, menu, "shortcutsAction", lambda: show_shortcuts(window))
    menu.addAction("About nnviz", lambda: show_about(window))


def _open_lr_finder(window) -> None:
    from .lr_finder_dialog import open_lr_finder
    open_lr_finder(window)


def show_shortcuts(parent) -> None:
    rows = "".join(f"<tr><td>{html.escape(text)}</td><td>" + " or ".join(f"<b>{k}</b>" for k in keys) + "</td></tr>"
                   for name, (text, keys) in SHORTCUTS.items()
                   if getattr(parent, name, None) is None or getattr(parent, name).isVisible())  # classroom mode
    box = QMessageBox(QMessageBox.Information, "Keyboard shortcuts", f"<table cellpadding=4>{rows}</table>",
                      QMessageBox.Close, parent)
    box.setObjectName("shortcutsDialog")
    box.setAttribute(Qt.WA_DeleteOnClose)
    box.open()


def show_about(parent) -> None:
    from nnviz import __version__
    box = QMessageBox(QMessageBox.Information, "About nnviz",
                      f"<h3>nnviz {__version__}</h3><p>A desktop lab for learning how neural networks work: "
                      "build a network, train it, and watch it learn. Every number is computed by a small "
                      "NumPy engine you can read.</p>", QMessageBox.Close, parent)
    box.setIconPixmap(app_icon().pixmap(64, 64))
    box.setAttribute(Qt.WA_DeleteOnClose)
    box.open()
