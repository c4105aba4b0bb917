"""nnviz's desktop app (PySide6 + pyqtgraph).

>>> from nnviz.gui import MainWindow      # doctest: +SKIP
>>> w = MainWindow(data_dir=None)          # no modal dialog at start-up
>>> w.trainingFinished                     # emitted whenever a run ends
"""

from . import _pyside_fix

_pyside_fix.apply()

from .main_window import MainWindow  # noqa: E402  (after the binding check)

__all__ = ["MainWindow"]
