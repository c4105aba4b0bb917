""""Why did it say that?" under the prediction (objectName ``explainPanel``).

For the input the Prediction tab shows, a saliency map overlaid on the input as the network sees it (the
kind picked in ``saliencyKindCombo``: gradient, gradient × input, occlusion) and the 5 training examples
nearest to it in the last hidden layer's space, with their labels and distances. Everything is computed by
:mod:`nnviz.lab.saliency` on a :class:`~nnviz.gui.tasks.Task`, with a private copy of the frozen model the
view predicts with (never the network a run trains). The training set's activations are computed once per
model and kept (:class:`~nnviz.lab.saliency.TrainingFeatures`).

While a run trains, the explanation is recomputed when the input changes, not at every new copy of the
weights (it says which iteration's weights it used); when the run ends it is recomputed with the final ones.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QVBoxLayout,
    QWidget,
)

from nnviz.lab.prediction import as_display_image
from nnviz.lab.saliency import (
    KIND_TITLES,
    KINDS,
    TrainingFeatures,
    compute_saliency,
    nearest_examples,
    overlay,
)

from ..tasks import Task
from .tiles import TileGrid, gray_lut

NEIGHBOURS = 5


def _explain_job(model, source, x, names, dataset, cache: TrainingFeatures):
    """The Task's job: saliency first (reported at once), then the nearest training examples."""

    def job(report, should_stop):
        try:
            sal = compute_saliency(model, x, names, should_stop=should_stop)
        except ValueError as exc:
            report(("error", str(exc)))
            return None
        report(("saliency", sal))
        if dataset is None or not len(dataset.X_train) or \
                tuple(dataset.X_train.shape[1:]) != tuple(model.input_shape):
            report(("neighbours", None))
            return None
        if cache.cached(source, dataset.X_train) is None:
            report(("progress", 0, len(dataset.X_train)))
        features = cache.get(source, model, dataset.X_train, should_stop,
                             progress=lambda i, n: report(("progress", i, n)))
        report(("neighbours", nearest_examples(model, x, features, dataset.X_train, dataset.y_train,
                                               k=NEIGHBOURS)))
        return None

    return job


class ExplanationPanel(QGroupBox):
    """The saliency picture, its kind selector and caption, and the nearest training examples."""

    #: the saliency (or an error sentence) and, later, the neighbours were shown: the status text
    explained = Signal(str)

    def __init__(self, parent=None):
        super().__init__("Why did it say that?", parent)
        self.setObjectName("explainPanel")
        self.task = Task("saliency", self)
        self.task.progressed.connect(self._on_progress)
        self.task.finished.connect(self._on_finished)
        self.features = TrainingFeatures()
        self.saliency = None
        self.neighbours = None
        self.error: str | None = None
        self._x = None                   # the input explained (or being explained)
        self._source = None              # the frozen model it was explained with
        self._pending = None             # a request waiting for the running job to stop, or for the panel to show
        self._job_request = None
        self._names: list[str] = []
        self._dataset = None

        self.kindCombo = QComboBox(objectName="saliencyKindCombo")
        for kind in KINDS:
            self.kindCombo.addItem(KIND_TITLES[kind], kind)
        self.kindCombo.setCurrentIndex(1)
        self.kindCombo.setToolTip("Which saliency map to draw over the input")
        self.kindCombo.currentIndexChanged.connect(lambda _: self._draw_saliency())
        self.status = QLabel(objectName="explainStatus")
        self.status.setWordWrap(True)
        self.status.setStyleSheet("color: #555;")
        self.picture = pg.GraphicsLayoutWidget()
        self.picture.setObjectName("saliencyPicture")
        self.picture.setBackground("w")
        self.box = self.picture.addViewBox(lockAspect=True, invertY=True, enableMouse=False)
        self.box.setMenuEnabled(False)
        self.image = pg.ImageItem(axisOrder="row-major")
        self.box.addItem(self.image)
        self.picture.setMinimumSize(150, 150)
        self.caption = QLabel(objectName="saliencyCaption")
        self.caption.setWordWrap(True)
        self.caption.setTextFormat(Qt.RichText)
        self.neighboursTitle = QLabel(objectName="neighboursTitle")
        self.neighboursTitle.setWordWrap(True)
        self.neighboursGrid = TileGrid(tile_px=64, caption_lines=2)
        self.neighboursGrid.setObjectName("neighboursGrid")
        self.neighboursGrid.set_layout(NEIGHBOURS, (28, 28), NEIGHBOURS)
        self.neighboursGrid.hide()

        top = QHBoxLayout()
        top.addWidget(QLabel("Map:"))
        top.addWidget(self.kindCombo)
        top.addWidget(self.status, 1)
        right = QVBoxLayout()
        right.addLayout(top)
        right.addWidget(self.caption)
        right.addWidget(self.neighboursTitle)
        right.addWidget(self.neighboursGrid)
        right.addStretch(1)
        right_box = QWidget()
        right_box.setLayout(right)
        layout = QHBoxLayout(self)
        layout.addWidget(self.picture, 2)
        layout.addWidget(right_box, 5)

    # --- requests -----------------------------------------------------------------------------
    def explain(self, x, model, dataset=None, names=None, training: bool = False) -> None:
        """Explain input ``x`` with frozen ``model`` (not used by this panel's thread: it copies it).

        Nothing is recomputed for the same input and model; while ``training`` a new model alone
        (a fresh copy of the weights) does not restart the computation.
        """
        if x is None or model is None:
            return
        x = np.asarray(x)
        same_x = self._x is not None and self._x.shape == x.shape and np.array_equal(self._x, x)
        if same_x and (model is self._source or training):
            return
        self._x, self._source = np.array(x, copy=True), model
        self._names, self._dataset = list(names or []), dataset
        self._pending = (self._x, model, self._names, dataset)
        self._start_pending()

    def clear(self, message: str = "") -> None:
        """Nothing to explain (no input, or no network yet): say ``message``."""
        self._x = self._source = self._pending = None
        if self.task.active:
            self.task.cancel()
        self.saliency = self.neighbours = None
        self.error = None
        self.image.clear()
        self.caption.setText(message)
        self.status.setText("")
        self.neighboursTitle.setText("")
        self.neighboursGrid.hide()

    @property
    def busy(self) -> bool:
        return self.task.active or self._pending is not None

    def shutdown(self) -> None:
        self._pending = None
        self.task.shutdown()

    def showEvent(self, event) -> None:
        super().showEvent(event)
        self._start_pending()

    def _start_pending(self) -> None:
        if self._pending is None or not self.isVisible():
            return
        if self.task.active:
            self.task.cancel()            # _on_finished starts the pending request
            return
        x, model, names, dataset = self._pending
        self._pending = None
        self._job_request = (x, model)
        self.status.setText("Computing the saliency maps…")
        self.task.start(_explain_job(model.copy(), model, x, names, dataset, self.features))

    def _current(self) -> bool:
        return self._job_request is not None and self._job_request[1] is self._source and \
            self._x is not None and self._job_request[0] is self._x

    def _on_progress(self, item) -> None:
        if not self._current():
            return
        kind = item[0]
        if kind == "error":
            self.saliency = self.neighbours = None
            self.error = item[1]
            self.image.clear()
            text = item[1][:1].upper() + item[1][1:]
            self.caption.setText(text)
            self.status.setText("")
            self.explained.emit(text)
        elif kind == "saliency":
            self.error = None
            self.saliency = item[1]
            self.neighbours = None
            self._draw_saliency()
            self.status.setText("Finding the nearest training examples…")
            self.explained.emit(self.caption.text())
        elif kind == "progress":
            i, n = item[1], item[2]
            self.status.setText(f"Running the {n:,} training images through the network once ({i:,} done)…")
        elif kind == "neighbours":
            self.neighbours = item[1]
            self._draw_neighbours()
            self.status.setText("")
            self.explained.emit(self.caption.text())

    def _on_finished(self, outcome) -> None:
        if outcome.status == "error" and self._current():
            self.caption.setText(f"The explanation could not be computed: {outcome.message}")
            self.status.setText("")
        self._job_request = None
        self._start_pending()

    # --- drawing ------------------------------------------------------------------------------
    @property
    def kind(self) -> str:
        return self.kindCombo.currentData()

    def overlay_image(self) -> np.ndarray | None:
        """The (H, W, 3) picture drawn now, or None."""
        return self.image.image

    def _draw_saliency(self) -> None:
        sal = self.saliency
        if sal is None or self._x is None:
            return
        heat = sal.maps[self.kind]
        picture = overlay(as_display_image(self._x), heat)
        self.image.setImage(picture, levels=(0.0, 1.0), autoLevels=False)
        h, w = picture.shape[:2]
        self.box.setRange(xRange=(0, w), yRange=(0, h), padding=0.02)
        name = self._names[sal.top] if sal.top < len(self._names) else f"class {sal.top}"
        scale = float(np.max(np.abs(heat)))
        if self.kind == "gradient":
            what = (f"<b>Gradient</b> of the score of <b>{name}</b> with respect to each pixel (summed over colour "
                    "channels): <span style='color:#c01818'><b>red</b></span> = making the pixel brighter raises "
                    "the score, <span style='color:#1a59f0'><b>blue</b></span> = lowers it.")
        elif self.kind == "gradient_x_input":
            what = (f"<b>Gradient × input</b>: each pixel's gradient times its value, the first-order estimate of "
                    f"how much the score of <b>{name}</b> would fall if the pixel were set to 0. <span style='color:#c01818'><b>Red</b></span> = this pixel speaks for "
                    f"{name}, <span style='color:#1a59f0'><b>blue</b></span> = against.")
        else:
            what = (f"<b>Occlusion</b>: a {sal.patch}×{sal.patch} black patch (every value set to "
                    f"{sal.fill:g}) slid over the image in steps of {sal.stride}; each pixel shows the mean drop "
                    f"of P({name}) = {sal.prob:.1%} over the patches covering it. "
                    f"<span style='color:#c01818'><b>Red</b></span> = hiding it makes the network less sure, "
                    f"<span style='color:#1a59f0'><b>blue</b></span> = surer. Largest drop: "
                    f"{100 * float(np.max(sal.maps['occlusion'])):.1f} percentage points.")
        extra = f" Colour scale ± {scale:.3g}." if scale > 0 else " The map is zero everywhere."
        if self.kind != "occlusion":
            extra = f" The score is {sal.score_text} (now {sal.score:.3g})." + extra
        weights = f" Weights after {sal.iterations:,} training iterations."
        notes = "".join(f"<br><b style='color:#8a5a00'>⚠ {n}</b>" for n in sal.notes)
        self.caption.setText(what + extra + weights + notes)

    def _draw_neighbours(self) -> None:
        near = self.neighbours
        if near is None or not len(near.indices):
            self.neighboursTitle.setText("")
            self.neighboursGrid.hide()
            return
        pics = [as_display_image(img) for img in near.images]
        h, w = pics[0].shape[:2]
        self.neighboursGrid.set_layout(len(pics), (h, w), len(pics))
        self.neighboursGrid.set_images(pics, (0.0, 1.0), gray_lut())
        names = self._names
        self.neighboursGrid.set_captions([
            f"{names[y] if y < len(names) else y}\nd = {d:.3g}" for y, d in zip(near.labels, near.distances)])
        self.neighboursTitle.setText(f"<b>Nearest training examples</b> in the last hidden layer, {near.space} "
                                     "(Euclidean distance d):")
        self.neighboursGrid.show()

    def set_caption_pt(self, pt: int) -> None:
        self.neighboursGrid.set_caption_pt(pt)
