"""Reading dropped images off the GUI thread, on a :class:`~nnviz.gui.tasks.Task`.

``load(item_id, path, input_shape, calibration)`` returns at once; ``loaded(item_id,
LoadedImage)`` arrives later in the GUI thread. Files are read one after
another by one job that runs while the queue has files. ``shutdown()``
drops queued files and waits for the one being read, so no thread
outlives the window.
"""

from __future__ import annotations

import collections
import threading

from PySide6.QtCore import QObject, Signal

from nnviz.lab.prediction import LoadedImage, load_for_model

from .tasks import Task


class ImageLoader(QObject):
    #: (item id, LoadedImage), in the GUI thread
    loaded = Signal(int, object)

    def __init__(self, parent=None):
        super().__init__(parent)
        self.task = Task("images", self)
        self.task.progressed.connect(self._on_loaded)
        self.task.finished.connect(self._on_finished)
        self._queue: collections.deque = collections.deque()
        self._lock = threading.Lock()
        self._pending: set[int] = set()

    def load(self, item_id: int, path, input_shape, calibration=None) -> None:
        """Read and preprocess ``path`` for a model taking ``input_shape`` (None: only read it).

        ``calibration()`` (optional) gives the out-of-distribution calibration; it is called in the
        loader's thread, so the first call may compute it there (see :class:`nnviz.lab.ood.OODCache`).
        """
        shape = tuple(input_shape) if input_shape is not None else None
        with self._lock:
            self._queue.append((item_id, str(path), shape, calibration))
        self._pending.add(item_id)
        if not self.task.active:
            self.task.start(self._read_queue)

    def _read_queue(self, report, should_stop) -> int:
        count = 0
        while not should_stop():
            with self._lock:
                if not self._queue:
                    return count
                item_id, path, shape, calibration = self._queue.popleft()
            try:
                result = load_for_model(path, shape, calibration)
            except Exception as exc:  # noqa: BLE001  load_for_model reports errors itself; this is the last guard
                result = LoadedImage(path=path, error=f"could not read {path}: {type(exc).__name__}: {exc}")
            report((item_id, result))
            count += 1
        return count

    def _on_loaded(self, item) -> None:
        item_id, result = item
        self._pending.discard(item_id)
        self.loaded.emit(item_id, result)

    def _on_finished(self, _outcome) -> None:
        with self._lock:
            more = bool(self._queue)
        if more:      # a file queued just as the job ran out of work
            self.task.start(self._read_queue)

    @property
    def busy(self) -> bool:
        """True while some file is queued or being read."""
        return bool(self._pending) or self.task.active

    def shutdown(self) -> None:
        """Forget queued files and wait for the one being read."""
        with self._lock:
            self._queue.clear()
        self.task.shutdown()
        self._pending.clear()
