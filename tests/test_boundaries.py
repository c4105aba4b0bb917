"""nnviz.engine and nnviz.data never import Qt (checked in a fresh interpreter)."""

import subprocess
import sys


def test_engine_and_data_import_no_qt():
    code = ("import sys, nnviz.engine, nnviz.data, nnviz.lab.presets; "
            "bad = [m for m in sys.modules if m.split('.')[0] in ('PySide6', 'shiboken6', 'pyqtgraph', 'nnviz.gui')]; "
            "print(bad); sys.exit(1 if bad else 0)")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
