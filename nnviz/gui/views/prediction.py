"""What the network says about an image (objectNames ``predictionView``, ``predictionLabel``).

Images arrive by drag and drop on the main window (or Open images…); each
is read and preprocessed in a pool thread (:class:`~nnviz.gui.image_loader.ImageLoader`)
and shown as the network sees it, next to one bar per class. For MNIST
models a drawing pad gives live predictions of a hand-drawn digit.

Predictions never read the arrays a training thread is updating: while a
run is going they use the copy of the weights that :class:`WeightsProbe`
takes between two training steps (refreshed every half second, so the bars
move as the network learns); otherwise a private copy of the idle model.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QFont, QIcon, QPixmap
from PySide6.QtWidgets import (
    QFileDialog,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
)

from nnviz.data import ImageError, array_to_mnist_input
from nnviz.lab.ood import OODCache
from nnviz.lab.prediction import (
    IMAGE_SUFFIXES,
    NO_MODEL_MESSAGE,
    UNTRAINED_MESSAGE,
    LoadedImage,
    Prediction,
    WeightsProbe,
    class_names_for,
    class_probabilities,
    image_input_problem,
)

from ..image_loader import ImageLoader
from .base import LiveView, ViewContext
from .drawing_pad import DrawingPad
from .layout import column, fill_with_splitter
from .prediction_explain import ExplanationPanel
from .prediction_items import (
    DroppedItem,
    describe_item,
    qimage,
    same_file_key,
    unusual,
    update_row,
)
from .prediction_picture import PredictionPicture

MAX_ITEMS = 50
MNIST_SHAPES = ((1, 28, 28), (28 * 28,))
HINT = ("Drop PNG, JPEG, BMP or GIF images anywhere on the window (several at once if you like), "
        "or use Open images…")


class PredictionView(LiveView):
    title = "Prediction"
    placement = "tab"

    #: (network input x, where it came from: a file name or "your drawing"); for the feature-map view
    inputChosen = Signal(object, str)
    #: a prediction was (re)computed or an item changed state; the argument is the predictionLabel text
    updated = Signal(str)
    #: every file of the last drop has been read and classified: a sentence for the status bar
    filesDone = Signal(str)

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setObjectName("predictionView")
        self._training = False             # a run is on: predict with the WeightsProbe's copies only
        self.loader = ImageLoader(self)
        self.loader.loaded.connect(self._on_loaded)
        self.items: dict[int, DroppedItem] = {}
        self._ood = OODCache()             # the training data's out-of-distribution calibration
        self._waiting_files = False        # a drop is being read: say so in the status bar when it is done
        self._next_id = 1
        self._model = None                 # the lab's frozen copy of the idle network
        self._dataset = None
        self._input_shape: tuple[int, ...] | None = None
        self._problem: str | None = None
        self._names: list[str] = []
        self._weights = None               # frozen copy sent by the WeightsProbe during a run
        self._current: int | str | None = None   # item id, "pad", or None
        self._pad_x: np.ndarray | None = None
        self._pad_prediction: Prediction | None = None
        self._pad_error: str | None = None
        self.last_model = None             # the model object the last prediction used (tests check it)
        self._build_ui()
        self._show()

    # --- layout -----------------------------------------------------------------------
    def _build_ui(self) -> None:
        self.predictionLabel = QLabel(objectName="predictionLabel")
        self.predictionLabel.setWordWrap(True)
        self.predictionLabel.setTextInteractionFlags(Qt.TextSelectableByMouse)
        self.predictionLabel.setAccessibleName("Prediction")
        self.detailLabel = QLabel(objectName="predictionDetail")
        self.detailLabel.setWordWrap(True)
        self.detailLabel.setStyleSheet("color: #555;")
        self.oodHint = QLabel(objectName="predictionOodHint")
        self.oodHint.setWordWrap(True)
        self.oodHint.setStyleSheet("background: #fff3cd; color: #664d03; border: 1px solid #e0c36c;"
                                   "border-radius: 4px; padding: 6px;")
        self.oodHint.setAccessibleName("Warning about the input")
        self.oodHint.hide()

        self.graphics = PredictionPicture()
        self.explainPanel = ExplanationPanel()
        self.fileList = QListWidget(objectName="predictionList")
        self.fileList.setViewMode(QListWidget.IconMode)
        self.fileList.setIconSize(QSize(64, 64))
        self.fileList.setGridSize(QSize(132, 112))
        self.fileList.setResizeMode(QListWidget.Adjust)
        self.fileList.setMovement(QListWidget.Static)
        self.fileList.setWordWrap(True)
        self.fileList.setToolTip("Images dropped so far; select one to see its prediction")
        self.fileList.currentItemChanged.connect(self._on_row_changed)
        self.openButton = QPushButton("Open images…", objectName="openImagesButton")
        self.openButton.setToolTip("Choose image files to classify (you can also drop them on the window)")
        self.openButton.clicked.connect(self._open_dialog)
        self.clearButton = QPushButton("Clear", objectName="clearImagesButton")
        self.clearButton.setToolTip("Forget the dropped images")
        self.clearButton.clicked.connect(self.clear_items)
        buttons = QHBoxLayout()
        buttons.addWidget(self.openButton)
        buttons.addWidget(self.clearButton)
        self.dropHint = QLabel("Drop PNG, JPEG, BMP or GIF files anywhere on the window.", objectName="dropHint")
        self.dropHint.setWordWrap(True)
        self.dropHint.setStyleSheet("color: #555;")
        files_box = QGroupBox("Dropped images")
        fl = QVBoxLayout(files_box)
        fl.addWidget(self.dropHint)
        fl.addWidget(self.fileList, 1)
        fl.addLayout(buttons)

        self.pad = DrawingPad()
        self.pad.drawn.connect(self._on_pad_drawn)
        self.pad.cleared.connect(self._on_pad_cleared)
        self.padClearButton = QPushButton("Clear drawing", objectName="padClearButton")
        self.padClearButton.clicked.connect(self.pad.clear)
        self.padBox = QGroupBox("Draw a digit", objectName="drawingPadBox")
        pl = QVBoxLayout(self.padBox)
        pl.addWidget(self.pad, 1)
        pl.addWidget(self.padClearButton)

        fill_with_splitter(self, column(self.predictionLabel, self.oodHint, self.detailLabel, (self.graphics, 1),
                                        (self.explainPanel, 1)),
                           column((files_box, 1), (self.padBox, 1)))
        self.padBox.hide()
        self.set_view_style(self.view_style)

    input_image = property(lambda self: self.graphics.input_image)
    bars = property(lambda self: self.graphics.bars)
    bar_texts = property(lambda self: self.graphics.bar_texts)

    # --- LiveView -------------------------------------------------------------------------
    def probes(self, context: ViewContext) -> list:
        model = context.model
        if model is None or image_input_problem(model.input_shape) is not None:
            return []
        return [WeightsProbe()]

    def reset(self, context: ViewContext, snapshot=None) -> None:
        self._model = context.model
        new_data = context.dataset is not self._dataset
        self._dataset = context.dataset
        self._weights = None
        shape = tuple(context.model.input_shape) if context.model is not None else (
            tuple(context.dataset.input_shape) if context.dataset is not None else None)
        k = context.model.output_units if context.model is not None else None
        self._names = class_names_for(max(2, k), context.dataset) if k is not None else []
        if shape != self._input_shape:
            self._input_shape = shape
            self._problem = image_input_problem(shape) if shape is not None else None
            self.padBox.setVisible(shape in MNIST_SHAPES)
            self._pad_x = self._pad_prediction = self._pad_error = None
            if shape in MNIST_SHAPES and not self.pad.is_empty():
                self._on_pad_drawn(self.pad.ink(), select=False)
            for item in self.items.values():
                self._start_loading(item)
        elif new_data:          # same input shape, other training data: score the files against it
            for item in self.items.values():
                self._start_loading(item)
        self._predict_all()

    def show_snapshot(self, snap) -> None:
        weights = snap.probes.get(WeightsProbe.key)
        if weights is not None:
            self._weights = weights
            self._predict_all()

    def set_view_style(self, style) -> None:
        super().set_view_style(style)
        font = QFont(self.predictionLabel.font())
        font.setPointSize(max(16, style.title_pt + 8))
        font.setBold(True)
        self.predictionLabel.setFont(font)
        detail = QFont(self.detailLabel.font())
        detail.setPointSize(style.app_pt or QFont().pointSize())
        # styled labels do not follow the window's font
        for label in (self.detailLabel, self.dropHint, self.oodHint):
            label.setFont(detail)
        self.graphics.set_view_style(style)
        self.explainPanel.set_caption_pt(style.tick_pt)
        self.fileList.setIconSize(QSize(64, 64) if style.app_pt is None else QSize(96, 96))
        self.fileList.setGridSize(QSize(132, 112) if style.app_pt is None else QSize(190, 160))
        self._draw_bars(self._shown_prediction())

    def export_item(self):
        return self.graphics

    # --- entry points -------------------------------------------------------------------
    def update_model(self, context: ViewContext) -> None:
        """A run ended: predict again with the final weights (the lab's new copy)."""
        self.reset(context)

    def set_running(self, running: bool) -> None:
        """While a run is on, predictions use only the copies snapshots bring."""
        super().set_running(running)
        self._training = bool(running)

    def predict_files(self, paths) -> int:
        """Add image files and start reading them; returns at once. Returns the number of files.

        A file already in the list keeps its one row: it is read again and selected.
        """
        paths = [str(p) for p in paths]
        first = None
        for path in dict.fromkeys(paths):
            item = self._find_item(path)
            if item is None:
                item = self._add_item(path)
            else:
                self._start_loading(item)
            first = first if first is not None else item
        self._waiting_files = bool(paths)
        while len(self.items) > MAX_ITEMS:
            self._remove_item(next(iter(self.items)))
        if first is not None:
            self.fileList.setCurrentItem(first.row)
            self._current = first.id
        self._show()
        self._report_if_done()        # files that cannot be read at all are done already
        return len(paths)

    def clear_items(self) -> None:
        for item_id in list(self.items):
            self._remove_item(item_id)
        self._current = "pad" if self._pad_x is not None else None
        self._show()

    def prediction_model(self):
        """The frozen model predictions use now, or None (no model, or no weights copy yet)."""
        if self._model is None:
            return None
        return self._weights if self._training else self._model

    def shutdown(self) -> None:
        """Wait for images being read and explanations being computed (the window calls this when it closes)."""
        self.loader.shutdown()
        self.explainPanel.shutdown()

    @property
    def busy(self) -> bool:
        return self.loader.busy

    # --- items --------------------------------------------------------------------------
    def _find_item(self, path: str) -> DroppedItem | None:
        key = same_file_key(path)
        return next((it for it in self.items.values() if same_file_key(it.path) == key), None)

    def _add_item(self, path: str) -> DroppedItem:
        row = QListWidgetItem(Path(path).name)
        row.setToolTip(path)
        row.setTextAlignment(Qt.AlignHCenter | Qt.AlignTop)
        item = DroppedItem(id=self._next_id, path=path, row=row)
        row.setData(Qt.UserRole, item.id)
        self._next_id += 1
        self.items[item.id] = item
        self.fileList.addItem(row)
        self._start_loading(item)
        return item

    def _remove_item(self, item_id: int) -> None:
        item = self.items.pop(item_id, None)
        if item is not None:
            self.fileList.takeItem(self.fileList.row(item.row))
        if self._current == item_id:
            self._current = None

    def _start_loading(self, item: DroppedItem) -> None:
        item.loaded = item.prediction = None
        item.error = None
        if self._problem is not None:
            item.error = self._problem
        else:
            self.loader.load(item.id, item.path, self._input_shape, self._calibration_source())
        self._update_row(item)

    def _calibration_source(self):
        """A callable giving the out-of-distribution calibration of the training data (called, and the first
        time computed, in the loader's thread), or None when the model's input is not the dataset's."""
        ds = self._dataset
        if ds is None or self._input_shape is None or \
                int(np.prod(ds.input_shape)) != int(np.prod(self._input_shape)):
            return None
        return lambda cache=self._ood: cache.get(ds)

    def _on_loaded(self, item_id: int, loaded: LoadedImage) -> None:
        item = self.items.get(item_id)
        if item is None or loaded.input_shape != self._input_shape:
            return      # forgotten, or read for an earlier model's input shape (a new read is under way)
        item.loaded = loaded
        item.error = loaded.error
        if loaded.thumbnail is not None:
            item.row.setIcon(QIcon(QPixmap.fromImage(qimage(loaded.thumbnail))))
        self._predict_items([item])
        self._update_row(item)
        if self._current == item_id:
            self._show()
        self._report_if_done()

    def _report_if_done(self) -> None:
        """When every file of a drop is read, replace the window's "Classifying…" with what came of it."""
        if not self._waiting_files or any(it.loaded is None and not it.error for it in self.items.values()):
            return
        self._waiting_files = False
        done = [it for it in self.items.values() if it.prediction is not None]
        failed = sum(1 for it in self.items.values() if it.error)
        unusual = sum(1 for it in done if it.loaded.ood is not None and it.loaded.ood.unusual)
        read = sum(1 for it in self.items.values() if it.loaded is not None and not it.error)
        if done:
            parts = [f"{len(done)} image{'s' if len(done) != 1 else ''} classified"]
        elif read:
            parts = ["Images read; they are classified as soon as there are trained weights"]
        else:
            parts = ["No image could be classified"]
        if unusual:
            parts.append(f"{unusual} unlike the training images")
        if failed:
            parts.append(f"{failed} could not be used")
        self.filesDone.emit("; ".join(parts) + ".")

    def _on_row_changed(self, row, _previous) -> None:
        if row is None:
            return
        self._current = row.data(Qt.UserRole)
        self._show()

    def _open_dialog(self) -> None:
        patterns = " ".join(f"*{s}" for s in IMAGE_SUFFIXES)
        paths, _ = QFileDialog.getOpenFileNames(self, "Open images", "", f"Images ({patterns});;All files (*)")
        if paths:
            self.predict_files(paths)

    # --- drawing pad ----------------------------------------------------------------------
    def _on_pad_drawn(self, ink, select: bool = True) -> None:
        self._pad_prediction = None
        try:
            x = array_to_mnist_input(ink)
            self._pad_x = x.reshape(self._input_shape) if self._input_shape else x
            self._pad_error = None
        except (ImageError, ValueError) as exc:
            self._pad_x, self._pad_error = None, str(exc)
        if select:
            self._current = "pad"
            self.fileList.clearSelection()
            self.fileList.setCurrentItem(None)
        self._predict_pad()
        self._show()

    def _on_pad_cleared(self) -> None:
        self._pad_x = self._pad_prediction = self._pad_error = None
        if self._current == "pad":
            self._current = None
        self._show()

    # --- predicting -------------------------------------------------------------------------
    def _predict_all(self) -> None:
        self._predict_items(list(self.items.values()))
        self._predict_pad()
        for item in self.items.values():
            self._update_row(item)
        self._show()

    def _predict_items(self, items) -> None:
        ready = [it for it in items if it.loaded is not None and it.loaded.x is not None]
        model = self._usable_model()
        for it in ready:
            it.prediction = None
        if model is None or not ready:
            return
        out = model.predict(np.stack([it.loaded.x for it in ready]).astype(model.dtype, copy=False))
        for it, row in zip(ready, out):
            it.prediction = Prediction(probs=class_probabilities(row), names=self._names_for(row),
                                       iterations=model.history.iterations_done)
        self.last_model = model

    def _predict_pad(self) -> None:
        self._pad_prediction = None
        model = self._usable_model()
        if model is None or self._pad_x is None:
            return
        row = model.predict(self._pad_x[None].astype(model.dtype, copy=False))[0]
        self._pad_prediction = Prediction(probs=class_probabilities(row), names=self._names_for(row),
                                          iterations=model.history.iterations_done)
        self.last_model = model

    def _usable_model(self):
        model = self.prediction_model()
        if model is None or model.history.iterations_done == 0:
            return None
        return model

    def _names_for(self, row) -> list[str]:
        k = max(2, np.asarray(row).size)
        return self._names if len(self._names) == k else class_names_for(k, self._dataset)

    def _waiting_reason(self) -> str:
        """Why there is no prediction although the image is ready."""
        if self._model is None:
            return NO_MODEL_MESSAGE
        if self._training:
            if self._weights is None:
                return "Waiting for a copy of the weights of the network being trained…"
            return UNTRAINED_MESSAGE
        return UNTRAINED_MESSAGE

    # --- showing ------------------------------------------------------------------------------
    def _update_row(self, item: DroppedItem) -> None:
        update_row(item)

    def _shown_prediction(self) -> Prediction | None:
        if self._current == "pad":
            return self._pad_prediction
        item = self.items.get(self._current) if isinstance(self._current, int) else None
        return item.prediction if item is not None else None

    def _show(self) -> None:
        """Draw the current item (or the pad): input image, bars, label and detail line."""
        x, prediction, label, detail, hint = None, None, "", "", ""
        source = ""  # what the image is, for the feature-map view's caption
        if self._current == "pad":
            source = "your drawing"
            x, prediction = self._pad_x, self._pad_prediction
            if self._pad_error:
                label = self._pad_error[:1].upper() + self._pad_error[1:]
            elif prediction is not None:
                label, detail = prediction.text(), "Your drawing, centred and scaled like an MNIST digit."
            else:
                label = self._waiting_reason()
        elif isinstance(self._current, int) and self._current in self.items:
            item = self.items[self._current]
            name = source = Path(item.path).name
            if item.error:
                label = item.error[:1].upper() + item.error[1:]
            elif item.loaded is None:
                label = f"Reading {name}…"
            else:
                x, prediction = item.loaded.x, item.prediction
                label = prediction.text() if prediction is not None else self._waiting_reason()
                detail = describe_item(item)
                if prediction is not None and unusual(item):
                    hint = "⚠ " + item.loaded.ood.explanation()
        else:
            label = "Drop an image to classify it"
            detail = HINT + (" Or draw a digit on the pad." if self.padBox.isVisible() else "")
            if self._model is not None and self._problem is not None:
                label, detail = self._problem, "Pick the cats or an MNIST preset to classify pictures."
        if prediction is not None and self._training:
            detail = (detail + " " if detail else "") + \
                f"Live: weights from iteration {prediction.iterations:,} of the run in progress."
        self.predictionLabel.setText(label)
        self.detailLabel.setText(detail)
        self.oodHint.setText(hint)
        self.oodHint.setVisible(bool(hint))
        self.dropHint.setVisible(not self.items)
        self._draw_input(x)
        self._draw_bars(prediction)
        self._explain(x)
        if x is not None:
            self.inputChosen.emit(x, source)
        self.updated.emit(label)

    def _explain(self, x) -> None:
        """Saliency maps and nearest training examples for ``x`` (the untrained network's too: it says so)."""
        model = self.prediction_model()
        self.explainPanel.setVisible(x is not None)      # nothing shown: nothing to explain
        if x is None or model is None:
            self.explainPanel.clear("" if x is None else self._waiting_reason())
        else:
            self.explainPanel.explain(x, model, self._dataset, self._names, training=self._training)

    def _draw_input(self, x) -> None:
        self.graphics.draw_input(x)

    def _draw_bars(self, prediction: Prediction | None) -> None:
        self.graphics.draw_bars(prediction, self._names, self.view_style.label_pt, self.font())
