"""Fixtures for the prediction, comparison and export tests: a window factory, digit and cat files, thread checks.

The window uses its own QSettings file in a temporary folder; every test
fails if it leaves a QThread or an image-loading pool thread running.
"""

from __future__ import annotations

import weakref

import pytest
from PySide6.QtCore import QSettings, QThread



@pytest.fixture(autouse=True)
def no_thread_left_running(monkeypatch):
    """Fail a test that leaves a QThread it started running (checked after its window is closed)."""
    started = []
    original = QThread.start

    def tracking_start(self, *args):
        started.append(weakref.ref(self))
        return original(self, *args)

    monkeypatch.setattr(QThread, "start", tracking_start)
    yield
    running = [t for t in (ref() for ref in started) if t is not None and t.isRunning()]
    assert not running, f"{len(running)} QThread(s) still running after the test: {[t.objectName() for t in running]}"


@pytest.fixture
def qsettings(tmp_path):
    settings = QSettings(str(tmp_path / "nnviz-test.ini"), QSettings.IniFormat)
    settings.clear()
    return settings


@pytest.fixture
def make_window(qtbot, qsettings):
    """``make_window(preset, data_dir=None)`` → a shown MainWindow, closed (threads joined) after the test."""
    from nnviz.gui import MainWindow

    windows = []

    def make(preset: str = "moons", data_dir=None):
        window = MainWindow(data_dir=data_dir, settings=qsettings, preset=preset)
        qtbot.addWidget(window)
        window.resize(1280, 820)
        window.show()
        windows.append(window)
        return window

    yield make
    for window in windows:
        window.close()
        pool = window.prediction_view.loader.pool
        assert pool.activeThreadCount() == 0, "an image was still being read after the window closed"
