"""``nnviz.engine``, ``nnviz.data`` and ``nnviz.lab`` never import Qt or pyqtgraph.

Two proofs: every module of the three packages imports in a fresh
interpreter where PySide6, shiboken6 and pyqtgraph *cannot* be imported;
and import-linter's contract (``.importlinter``) forbids the import
statements themselves, even ones not executed at import time.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]

BLOCKER = r"""
import importlib.abc, importlib.util, pkgutil, sys
BLOCKED = ("PySide6", "shiboken6", "pyqtgraph", "PyQt5", "PyQt6")

class Blocker(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in BLOCKED:
            raise ImportError(f"{name} is blocked in this test")
        return None

sys.meta_path.insert(0, Blocker())
import nnviz
count = 0
for package in ("nnviz.engine", "nnviz.data", "nnviz.lab"):
    root = __import__(package, fromlist=["_"])
    count += 1
    for info in pkgutil.walk_packages(root.__path__, package + "."):
        __import__(info.name)
        count += 1
bad = sorted(m for m in sys.modules if m.split(".")[0] in BLOCKED or m.startswith("nnviz.gui"))
print(count, bad)
sys.exit(1 if bad else 0)
"""


def test_every_model_module_imports_where_qt_cannot():
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")]))
    result = subprocess.run([sys.executable, "-c", BLOCKER], capture_output=True, text=True, env=env, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    count = int(result.stdout.split()[0])
    assert count >= 40, f"only {count} modules were imported: {result.stdout}"


def test_import_contracts_hold():
    lint = shutil.which("lint-imports", path=os.pathsep.join([str(Path(sys.executable).parent),
                                                             os.environ.get("PATH", "")]))
    if lint is None:
        pytest.skip("import-linter is not installed (pip install '.[test]')")
    result = subprocess.run([lint, "--config", str(REPO / ".importlinter")], capture_output=True, text=True,
                            cwd=REPO, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout, result.stdout
