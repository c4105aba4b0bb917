"""Start the desktop app: ``run(data_dir=None, preset=None) -> exit code``.

Environment variables, for demos, screenshots and tests:

- ``NNVIZ_AUTOSTART=1``: press Train once the window is shown;
- ``NNVIZ_PRESENTATION=1``: start in presentation mode;
- ``NNVIZ_QUIT_AFTER_MS=N``: close the window N ms after it is shown;
- ``NNVIZ_GRADCHECK=correct`` (or a bug name, e.g. ``cat-seed derivative``):
  open the Gradient check tab with that backprop and press Check gradients
  as soon as there is a network to check;
- ``NNVIZ_DROP=FILE[:FILE…]``: classify these image files as if dropped on the window (after the
  first run when ``NNVIZ_AUTOSTART`` is set, else once the window is shown);
- ``NNVIZ_EPOCHS=N``: set the epochs of a run to N (e.g. a short run before ``NNVIZ_REPLAY``);
- ``NNVIZ_REPLAY=1`` (or ``slow``, ``normal``, ``fast``: the replay speed): once the first run ends,
  replay it with the time machine (the scrubber under the tabs plays the run's weight snapshots;
  with ``NNVIZ_AUTOSTART``, for a screenshot mid-replay).
- ``NNVIZ_TAB=NAME``: show the view tab whose title or objectName is NAME (e.g. ``Compare runs``);
- ``NNVIZ_OPEN=PATH``: open this dataset file, table (.csv, .tsv) or image folder first (File → Open).

Once the window is on screen the app prints ``nnviz: window shown`` to
stderr when ``NNVIZ_QUIT_AFTER_MS`` is set (so a test can see it). SIGINT
and SIGTERM close the window cleanly (training is stopped and joined).
"""

from __future__ import annotations

import os
import signal
import sys

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication


def _env_flag(name: str) -> bool:
    return os.environ.get(name, "").strip().lower() in ("1", "true", "yes", "on")


def run(data_dir=None, preset: str | None = None, argv=None, open_file=None) -> int:
    """Create the QApplication (or reuse one), show the main window, run the event loop.

    ``open_file``: a run, model or classroom file opened once the window is shown (``nnviz open FILE``).
    """
    from . import _pyside_fix, pg_setup

    _pyside_fix.apply()
    from nnviz.engine import tune_process

    from .icons import app_icon
    from .main_window import MainWindow

    tune_process(switch_interval=0.001)  # malloc keeps scratch memory; the GUI gets the GIL within 1 ms
    app = QApplication.instance() or QApplication(list(argv) if argv is not None else sys.argv[:1])
    app.setApplicationName("nnviz")
    app.setOrganizationName("nnviz")
    app.setApplicationDisplayName("nnviz")
    app.setWindowIcon(app_icon())
    pg_setup.configure(antialias=True)     # and pyqtgraph's views paint without holding the GIL

    window = MainWindow(data_dir=data_dir, preset=preset)
    if _env_flag("NNVIZ_PRESENTATION"):
        window.set_presentation(True)
    window.show()

    quit_after = os.environ.get("NNVIZ_QUIT_AFTER_MS")

    def shown():
        opened = window.files.open_run_file(open_file) if open_file is not None else None
        if quit_after is not None:
            print(f"nnviz: window shown ({window.windowTitle()}, visible={window.isVisible()})",
                  file=sys.stderr, flush=True)
            if opened is not None:
                model = window.lab.model
                print(f"nnviz: opened {open_file}: {window.lab.preset_name or 'custom'} settings, "
                      f"{model.history.epochs_done if opened and model else 0} epochs of history"
                      if opened else f"nnviz: could not open {open_file}: {window.banner.text()}",
                      file=sys.stderr, flush=True)
            room = window.classroom.room if opened else None
            if room is not None:
                print(f"nnviz: classroom mode: note {room.note!r}, {len(room.hidden)} hidden controls",
                      file=sys.stderr, flush=True)
        if os.environ.get("NNVIZ_OPEN"):
            window.files.open_dataset_file(os.environ["NNVIZ_OPEN"])
        drop = [p for p in os.environ.get("NNVIZ_DROP", "").split(os.pathsep) if p]
        if drop and _env_flag("NNVIZ_AUTOSTART"):
            pending = [drop]
            window.trainingFinished.connect(lambda _result: pending and window.predict_images(pending.pop()))
        elif drop:
            window.predict_images(drop)
        tab = os.environ.get("NNVIZ_TAB", "").strip()
        pages = [(title, page) for title, page in window.viewTabs.all_pages()
                 if tab.lower() in (title.lower(), page.objectName().lower())] if tab else []
        for _title, page in pages:
            window.viewTabs.show_view(page)
        if tab and not pages:
            names = ", ".join(title for title, _page in window.viewTabs.all_pages())
            print(f"nnviz: NNVIZ_TAB={tab!r} names no view (a view's title or objectName: {names}); "
                  "the first tab is shown.", file=sys.stderr, flush=True)
        epochs = os.environ.get("NNVIZ_EPOCHS", "").strip()
        if epochs.isdigit() and int(epochs) > 0:
            window.epochsSpin.setValue(int(epochs))
        elif epochs:
            print(f"nnviz: NNVIZ_EPOCHS must be a whole number of epochs above 0. Received: {epochs!r}; the "
                  "preset's epochs are kept.", file=sys.stderr, flush=True)
        replay = os.environ.get("NNVIZ_REPLAY", "").strip().lower()
        if _env_flag("NNVIZ_REPLAY") or replay in ("slow", "normal", "fast"):
            speed = window.timeBar.speedCombo
            speed.setCurrentIndex(max(speed.findText(replay.title()), 0) if replay in ("slow", "fast") else 1)
            replays = [True]
            window.trainingFinished.connect(lambda _result: replays and replays.pop() and
                                            QTimer.singleShot(300, window.timeBar.play))
        if _env_flag("NNVIZ_AUTOSTART"):
            start_when_loaded()
        if os.environ.get("NNVIZ_GRADCHECK"):
            from .views import GradCheckView

            view = window.findChild(GradCheckView, "gradCheckView")
            window.viewTabs.setCurrentWidget(view)
            view.set_bug(None if os.environ["NNVIZ_GRADCHECK"] == "correct" else os.environ["NNVIZ_GRADCHECK"])
            press = QTimer(window)      # the dataset may still be loading: press once there is a network
            press.timeout.connect(lambda: view.start_check() and press.stop())
            press.start(250)

    def start_when_loaded():
        """Train once a dataset being read in the background has arrived."""
        if window.lab.dataset_loading:
            QTimer.singleShot(100, start_when_loaded)
        else:
            window.train()

    QTimer.singleShot(0, shown)
    if quit_after is not None:
        QTimer.singleShot(max(0, int(quit_after)), window.close)

    # Python signal handlers only run between bytecodes: wake the interpreter now and then.
    previous = {}
    for sig in (signal.SIGINT, signal.SIGTERM):
        previous[sig] = signal.signal(sig, lambda *_: window.close())
    heartbeat = QTimer()
    heartbeat.timeout.connect(lambda: None)
    heartbeat.start(200)
    try:
        code = int(app.exec())
        window.runner.shutdown()      # in case the loop ended without the window closing
        return code
    finally:
        heartbeat.stop()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
