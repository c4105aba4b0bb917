"""How the network does on the test set: confusion matrix and a gallery of its mistakes.

The confusion matrix has one row per true class and one column per
predicted class; each cell shows its count, shaded by the share of that
true class's samples (so a weak class stands out whatever its size). The
gallery shows the test images the network got wrong, the most confidently
wrong first (at most 32), captioned with what it said and what was true.
Predictions are computed in the worker (:class:`~nnviz.lab.probes.EvaluationProbe`,
throttled, and at the end of every run); this module only draws.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QHBoxLayout, QLabel, QScrollArea, QVBoxLayout

from nnviz.lab.palette import tint
from nnviz.lab.probes import EvaluationProbe

from ..style import TRAIN_COLOR
from .base import LiveView, ViewContext, set_heading_font
from .feature_maps import class_name
from .layout import column, page_or_message
from .plot_tools import dark_axes, set_tick_font
from .tiles import TileGrid, as_display, gray_lut

GALLERY_SIZE = 32


def share_lut(n: int = 256) -> np.ndarray:
    """(n, 3) uint8: white (0% of the row) to the training blue (100%)."""
    t = np.linspace(0.0, 1.0, n)[:, None]
    blue = tint(TRAIN_COLOR, 0.0)
    return (255.0 + (blue - 255.0) * t).round().astype(np.uint8)


class ConfusionPlot(pg.PlotWidget):
    """A k×k matrix image with the count written in each cell and class names on both axes."""

    def __init__(self, parent=None):
        super().__init__(parent, background="w")
        self.plot = self.getPlotItem()
        self.plot.setMenuEnabled(False)
        self.plot.hideButtons()
        self.plot.setMouseEnabled(False, False)
        self.plot.invertY(True)
        self.plot.setAspectLocked(True)
        dark_axes(self.plot)
        self.image = pg.ImageItem(np.zeros((2, 2)), axisOrder="row-major")
        self.image.setLookupTable(share_lut())
        self.plot.addItem(self.image)
        self.texts: list[pg.TextItem] = []
        self.k = 0
        self.text_pt = 10

    def set_classes(self, names: list[str]) -> None:
        k = len(names)
        for t in self.texts:
            self.plot.removeItem(t)
        self.texts = []
        self.k = k
        ticks = [[(i + 0.5, str(n)) for i, n in enumerate(names)]]
        self.plot.getAxis("left").setTicks(ticks)
        self.plot.getAxis("bottom").setTicks(ticks)
        font = QFont()
        font.setPointSize(self.text_pt)
        for r in range(k):
            for c in range(k):
                t = pg.TextItem("", color="#222", anchor=(0.5, 0.5))
                t.setFont(font)
                t.setPos(c + 0.5, r + 0.5)
                self.plot.addItem(t)
                self.texts.append(t)
        self.image.setImage(np.zeros((k, k)), autoLevels=False, levels=(0.0, 1.0))
        self.image.setRect(QRectF(0, 0, k, k))
        self.plot.setRange(QRectF(0, 0, k, k), padding=0.02)

    def set_matrix(self, matrix: np.ndarray) -> None:
        rows = matrix.sum(axis=1, keepdims=True)
        share = np.divide(matrix, rows, out=np.zeros(matrix.shape, dtype=np.float64), where=rows > 0)
        self.image.setImage(share, autoLevels=False, levels=(0.0, 1.0))
        for t, count, s in zip(self.texts, matrix.ravel(), share.ravel()):
            t.setText(f"{int(count):,}")
            t.setColor("#ffffff" if s > 0.55 else ("#222222" if count else "#9a9a9a"))

    def set_text_pt(self, pt: int) -> None:
        self.text_pt = pt
        font = QFont()
        font.setPointSize(pt)
        for t in self.texts:
            t.setFont(font)

    def set_labels(self, pt: int) -> None:
        style = {"font-size": f"{pt}pt", "color": "#222"}
        self.plot.setLabel("left", "true class", **style)
        self.plot.setLabel("bottom", "predicted class", **style)


class EvaluationView(LiveView):
    title = "Test results"
    placement = "tab"

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setObjectName("evaluationView")
        self._probe: EvaluationProbe | None = None
        self._class_names: list[str] = []
        self._count_label = "epochs"
        self._test_size = 0
        self._images = False
        self.frames_drawn = 0

        self.heading = QLabel("Test results", objectName="evaluationHeading")
        self.summary = QLabel(objectName="evaluationSummary")
        self.summary.setWordWrap(True)
        self.confusion = ConfusionPlot()
        self.confusion.setObjectName("confusionMatrix")
        self.gallery = TileGrid(tile_px=80, caption_lines=2, max_columns=8)
        self.gallery.setObjectName("mistakeGallery")
        self.galleryTitle = QLabel(objectName="galleryTitle")
        self.galleryNote = QLabel(objectName="galleryNote")
        self.galleryNote.setWordWrap(True)
        self.galleryNote.setAlignment(Qt.AlignCenter)

        left = QVBoxLayout()
        left.addWidget(QLabel("<b>Confusion matrix</b> — rows: true class, columns: the network's answer"))
        left.addWidget(self.confusion, 1)
        gallery_box = column(self.gallery, self.galleryNote)
        gallery_box.layout().addStretch(1)
        scroll = QScrollArea()
        scroll.setWidget(gallery_box)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QScrollArea.NoFrame)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarAlwaysOff)
        right = QVBoxLayout()
        right.addWidget(self.galleryTitle)
        right.addWidget(scroll, 1)
        body = QHBoxLayout()
        body.addLayout(left, 1)
        body.addLayout(right, 1)
        page = column(self.heading, self.summary, (body, 1))
        self.message, self.stack = page_or_message(self, page, "evaluationMessage")
        self.set_view_style(self.view_style)

    # --- public API ---------------------------------------------------------------
    def confusion_matrix(self) -> np.ndarray | None:
        """The (k, k) counts drawn now (row = true, column = predicted), or None before any."""
        return None if self._frame is None else self._frame.matrix.copy()

    def gallery_images(self) -> list[np.ndarray]:
        self._draw_if_pending()
        n = 0 if self._frame is None or self._frame.images is None else len(self._frame.mistakes)
        return self.gallery.images()[:n]

    def gallery_captions(self) -> list[str]:
        self._draw_if_pending()
        n = 0 if self._frame is None or self._frame.images is None else len(self._frame.mistakes)
        return [t.textItem.toPlainText() for t in self.gallery.captions[:n]]

    # --- LiveView -----------------------------------------------------------------
    def probes(self, context: ViewContext) -> list:
        return [self._probe] if self._probe is not None else []

    def reset(self, context: ViewContext, snapshot=None) -> None:
        self._frame = None
        self._pending = False
        self._probe = None
        self._count_label = context.count_label
        ds, model = context.dataset, context.model
        if ds is None:
            return self._show_message("No data loaded: pick a dataset, or open one with File → Open dataset file…")
        if model is None:
            return self._show_message("There is no network yet: fix the settings in the Network panel.")
        if not len(ds.X_test):
            return self._show_message(f"{ds.name} has no test set, so there is nothing to evaluate: "
                                      "set a test fraction in the Data panel.")
        k = max(2, model.output_units)
        self._class_names = [class_name(list(getattr(ds, "class_names", []) or []), i) for i in range(k)]
        self._images = len(ds.input_shape) == 3
        self._test_size = len(ds.X_test)
        self._probe = EvaluationProbe(ds.X_test, ds.y_test, k, images=self._images, limit=GALLERY_SIZE)
        self.confusion.set_classes(self._class_names)
        self._setup_gallery(ds)
        self._show_message("Not trained yet: the confusion matrix and the mistakes appear after the first "
                           "epoch, and at the end of every run.")
        if snapshot is not None:
            self.show_snapshot(snapshot)

    def show_snapshot(self, snap) -> None:
        frame = snap.probes.get(EvaluationProbe.key)
        if frame is None or self._probe is None or frame.matrix.shape[0] != len(self._class_names):
            return
        self.stack.setCurrentIndex(0)
        self._show_frame(frame)

    def set_view_style(self, style) -> None:
        super().set_view_style(style)
        set_heading_font(self.heading, style)
        set_tick_font([self.confusion.plot], style.tick_pt)
        self.confusion.set_labels(style.label_pt)
        self.confusion.set_text_pt(style.label_pt)
        self.gallery.set_caption_pt(style.tick_pt)
        self._fit_gallery_tiles()
        self.gallery.relayout()

    def export_item(self):
        """The confusion matrix (File → Export plot)."""
        return self.confusion

    # --- helpers --------------------------------------------------------------------
    def _show_message(self, text: str) -> None:
        self.message.setText(text)
        self.stack.setCurrentIndex(1)

    def _setup_gallery(self, ds) -> None:
        if not self._images:
            self.gallery.hide()
            self.galleryTitle.setText("<b>Mistakes</b>")
            where = ("points: see the decision boundary on the Training tab" if tuple(ds.input_shape) == (2,)
                     else "rows of numbers: the confusion matrix shows how each class is labelled")
            self.galleryNote.setText(f"The gallery of misclassified images is for image datasets; {ds.name} "
                                     f"samples are {where}.")
            self.galleryNote.show()
            return
        self.galleryNote.hide()
        self.gallery.show()
        self._fit_gallery_tiles()
        self.gallery.set_layout(GALLERY_SIZE, ds.input_shape[1:])

    def _fit_gallery_tiles(self) -> None:
        """Tiles wide enough for a caption like "said non-cat (97%)" at the caption font size."""
        longest = max((len(n) for n in self._class_names), default=1)
        self.gallery.tile_px = int(np.clip(0.75 * self.gallery.caption_pt * (longest + 12), 80, 260))

    def _draw(self) -> None:
        frame = self._frame
        if frame is None:
            return
        self._pending = False
        self.confusion.set_matrix(frame.matrix)
        n_wrong = int(frame.total - np.trace(frame.matrix))
        if self._count_label == "iterations":
            self.heading.setText(f"Test results after iteration {frame.iteration:,}")
        else:
            self.heading.setText(f"Test results after epoch {frame.epoch:,} (iteration {frame.iteration:,})")
        self.summary.setText(f"{frame.total:,} test samples: accuracy <b>{frame.accuracy:.1%}</b>, "
                             f"{n_wrong:,} mistake{'s' * (n_wrong != 1)}. Cell colour: share of that row's "
                             "true class; numbers: counts.")
        if frame.images is not None:
            self._draw_gallery(frame, n_wrong)
        self.frames_drawn += 1

    def _draw_gallery(self, frame, n_wrong: int) -> None:
        shown = len(frame.mistakes)
        self.galleryTitle.setText(f"<b>Mistakes</b> — the {shown} most confident of {n_wrong:,}"
                                  if shown < n_wrong else f"<b>Mistakes</b> — all {n_wrong:,}")
        pictures = [as_display(img) for img in frame.images]
        blank = np.ones(self.gallery.items[0].image.shape[:2], dtype=np.float32) if self.gallery.items else None
        images = pictures + [blank] * (len(self.gallery.items) - shown)
        self.gallery.set_images(images, (0.0, 1.0), gray_lut())
        names = self._class_names
        captions = [f"said {class_name(names, int(p))} ({c:.0%})\ntrue {class_name(names, int(t))}"
                    for p, t, c in zip(frame.predicted, frame.true, frame.confidence)]
        self.gallery.set_captions(captions + [""] * (len(self.gallery.items) - shown))
        for i, item in enumerate(self.gallery.items):
            item.setVisible(i < shown)
        if not shown:
            self.galleryNote.setText("No mistakes on the test set.")
            self.galleryNote.show()
        else:
            self.galleryNote.hide()
