"""Reading dropped images off the GUI thread.

:class:`ImageLoader` owns a small private QThreadPool; ``load(item_id,
path, input_shape)`` returns at once and ``loaded(item_id, LoadedImage)``
arrives later in the GUI thread. ``shutdown()`` drops queued files and
waits for the ones being read, so no thread outlives the window.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, QThreadPool, Signal

from nnviz.lab.prediction import LoadedImage, load_for_model


class ImageLoader(QObject):
    #: (item id, LoadedImage), emitted from a pool thread, received in the owner's thread
    loaded = Signal(int, object)

    def __init__(self, parent=None, threads: int = 2):
        super().__init__(parent)
        self.pool = QThreadPool(self)
        self.pool.setMaxThreadCount(threads)
        self._pending: set[int] = set()
        self.loaded.connect(self._forget)

    def load(self, item_id: int, path, input_shape) -> None:
        """Read and preprocess ``path`` for a model taking ``input_shape`` (None: only read it), in a pool thread."""
        self._pending.add(item_id)
        shape = tuple(input_shape) if input_shape is not None else None
        self.pool.start(lambda: self._run(item_id, str(path), shape))

    def _run(self, item_id: int, path: str, shape) -> None:
        try:
            result = load_for_model(path, shape)
        except BaseException as exc:  # load_for_model reports errors itself; this is the last guard
            result = LoadedImage(path=path, error=f"could not read {path}: {type(exc).__name__}: {exc}")
        self.loaded.emit(item_id, result)

    def _forget(self, item_id: int, _result) -> None:
        self._pending.discard(item_id)

    @property
    def busy(self) -> bool:
        """True while some file is queued or being read."""
        return bool(self._pending)

    def shutdown(self) -> None:
        """Forget queued files and wait for those being read."""
        self.pool.clear()
        self.pool.waitForDone()
        self._pending.clear()
