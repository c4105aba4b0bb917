"""nnviz's desktop app (PySide6 + pyqtgraph): widgets wired to a :class:`nnviz.lab.Lab`.

>>> from nnviz.gui import MainWindow      # doctest: +SKIP
>>> w = MainWindow(data_dir=None)          # no modal dialog at start-up
>>> w.trainingFinished                     # emitted whenever a run ends

Importing this package has no side effects: the PySide6 binding check
(:mod:`nnviz.gui._pyside_fix`) runs in :func:`nnviz.gui.app.run`, and Qt is
imported only when ``MainWindow`` is first asked for.
"""

__all__ = ["MainWindow"]


def __getattr__(name: str):
    if name == "MainWindow":
        from .main_window import MainWindow
        return MainWindow
    raise AttributeError(f"module 'nnviz.gui' has no attribute {name!r}")
