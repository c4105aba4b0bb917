"""GUI test fixtures: offscreen Qt, settings in a temporary folder, and no QThread left running.

Tests wait on signals (qtbot.waitSignal / waitUntil), never on sleeps.
"""

from __future__ import annotations

import os
import traceback

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest  # noqa: E402
from PySide6.QtCore import QSettings, QThread  # noqa: E402

from nnviz.gui import _pyside_fix, pg_setup  # noqa: E402

from .helpers import wait_for_dataset, wait_for_layout  # noqa: E402

_pyside_fix.apply()   # the binding check app.run() does, before any test
pg_setup.configure()  # and pyqtgraph as the app sets it up


@pytest.fixture(autouse=True)
def no_dangling_qthreads(monkeypatch):
    """Fail any test that leaves a QThread running (after stopping it, so later tests are unaffected)."""
    started: list[tuple[QThread, str]] = []
    original_start = QThread.start

    def start(self, *args, **kwargs):
        started.append((self, "".join(traceback.format_stack(limit=6)[:-1])))
        return original_start(self, *args, **kwargs)

    monkeypatch.setattr(QThread, "start", start)
    yield
    leaked = []
    for thread, where in started:
        try:
            running = thread.isRunning()
        except RuntimeError:   # the C++ object is gone, so the thread is too
            continue
        if running:
            leaked.append(where)
            thread.quit()
            thread.wait(10_000)
    started.clear()
    if leaked:
        pytest.fail(f"{len(leaked)} QThread(s) still running after the test; started at:\n" + "\n".join(leaked))


@pytest.fixture(autouse=True)
def isolated_settings(tmp_path, monkeypatch):
    """Default-constructed QSettings write under tmp_path, never to the user's real settings."""
    folder = tmp_path / "qsettings"
    folder.mkdir()
    monkeypatch.setenv("XDG_CONFIG_HOME", str(folder))
    for fmt in (QSettings.NativeFormat, QSettings.IniFormat):
        QSettings.setPath(fmt, QSettings.UserScope, str(folder))
    yield folder


@pytest.fixture
def settings(tmp_path):
    """A QSettings stored in an INI file of this test's own (empty)."""
    q = QSettings(str(tmp_path / "nnviz-test.ini"), QSettings.IniFormat)
    q.clear()
    return q


@pytest.fixture
def make_window(qtbot, settings):
    """``make_window(preset=None, data_dir=None, **kwargs)`` → a shown 1280×820 MainWindow using the test's
    settings; all are closed at teardown, and closing must leave no image being read."""
    from nnviz.gui import MainWindow

    windows = []

    def make(preset=None, data_dir=None, **kwargs):
        kwargs.setdefault("settings", settings)
        w = MainWindow(preset=preset, data_dir=data_dir, **kwargs)
        qtbot.addWidget(w)
        w.resize(1280, 820)
        w.show()
        qtbot.waitExposed(w)
        windows.append(w)
        wait_for_dataset(w, qtbot)
        wait_for_layout(w, qtbot)
        return w

    yield make
    for w in windows:
        w.close()
        assert not w.prediction_view.loader.busy, "an image was still being read after the window closed"


@pytest.fixture
def window(make_window):
    return make_window()
