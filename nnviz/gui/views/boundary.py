"""The decision boundary of a 2-D dataset (objectName ``boundaryPlot``).

A heatmap of the predicted probability over the data's extent, the
training (●) and test (▲) points in class colours, and the 0.5 contour; for
a softmax output each cell takes the predicted class's colour, paler as its
probability falls, with a line along every class border. The paint bar
above the plot (:mod:`.painting`) lets students draw their own points.
The grid is evaluated in the training worker (:class:`BoundaryProbe`);
here the image and line items are created once and only updated.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF, Qt, Signal
from PySide6.QtGui import QPainter
from PySide6.QtWidgets import (
    QGraphicsItem,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSizePolicy,
)

from nnviz.lab.boundary import BoundaryProbe, make_grid
from nnviz.lab.ood import is_image_shape
from nnviz.lab.painted import plane_points
from nnviz.lab.palette import binary_lut, class_color, multiclass_rgb

from .base import LiveView, ViewContext, set_heading_font
from .layout import column, page_or_message
from .live_text import LiveText
from .painting import PaintBar
from .plot_tools import cache_axes, dark_axes, set_tick_font
from .qt_items import LutImage, PathCurve
from .tiles import diverging_lut

GRID_SIZE = 100


class StaticScatter(pg.ScatterPlotItem):
    """Points that do not move while a run trains: their bounding rectangle is computed once per view
    transform (pyqtgraph computes it, in Python, every time Qt asks: several times a frame)."""

    _bounds = None

    def boundingRect(self):  # noqa: N802  (Qt's name)
        if self._bounds is None:
            self._bounds = super().boundingRect()
        return self._bounds

    def viewTransformChanged(self):  # noqa: N802
        self._bounds = None
        super().viewTransformChanged()

    def setSize(self, *args, **kwargs):  # noqa: N802
        self._bounds = None
        super().setSize(*args, **kwargs)

    def setData(self, *args, **kwargs):  # noqa: N802
        self._bounds = None
        super().setData(*args, **kwargs)


class BoundaryView(LiveView):
    title = "Decision boundary"
    placement = "main"

    #: a click on (within CLICK_PX pixels of) a training point: its index into X_train (the step view listens)
    sampleClicked = Signal(int)
    CLICK_PX = 10
    #: the view went back from a neuron's map (:meth:`show_neuron_map`) to the class boundary
    neuronMapClosed = Signal()

    def __init__(self, parent=None, grid_size: int = GRID_SIZE):
        super().__init__(parent)
        self.setObjectName("boundaryPlot")
        self.grid_size = grid_size
        self.grid = None
        self.frame = None
        self.frames_drawn = 0
        self._class_names: list[str] = []
        self._count_label = "epochs"
        self.image_rect = QRectF()

        self.heading = LiveText("Decision boundary", objectName="boundaryHeading")
        self.plot_widget = pg.PlotWidget(background="w")
        self.plot = self.plot_widget.getPlotItem()
        self.plot.setMenuEnabled(False)
        self.plot.setAspectLocked(True)
        self.plot.hideButtons()
        cache_axes(self.plot)
        dark_axes(self.plot)
        # the grid's cells are scaled up bilinearly on screen (smooth shading, no stair steps), by Qt
        self.image_item = LutImage(binary_lut(), levels=(0.0, 1.0))
        self.image_item.setZValue(-10)
        self.plot.addItem(self.image_item)
        self.plot_widget.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, True)
        self.plot.getViewBox().sigResized.connect(self._on_resized)
        self._points = None            # all the data's points (m, 2), for a new grid when the plot's shape changes
        self._probe: BoundaryProbe | None = None
        self.contour_item = PathCurve(pg.mkPen("#111", width=2.5), connect="pairs")
        self.contour_item.setZValue(5)
        self.plot.addItem(self.contour_item)
        self.scatter_items: list[pg.ScatterPlotItem] = []
        self._train_points = None
        self.marker = pg.ScatterPlotItem([], [], symbol="o", size=22, brush=None, pen=pg.mkPen("#111", width=3))
        self.marker.setZValue(20)
        self.plot.addItem(self.marker)
        self.plot.scene().sigMouseClicked.connect(self._on_click)
        self.caption = QLabel(objectName="boundaryCaption")
        self.caption.setWordWrap(True)
        self.caption.setSizePolicy(QSizePolicy.Ignored, QSizePolicy.Preferred)

        self.paint_bar = PaintBar(self.plot_widget)
        self.paint_bar.edit.connect(lambda edit: self.labRequest.emit(lambda lab: lab.edit_painted(edit)))
        self.neuron = None             # the NeuronMap shown instead of the class boundary, if any
        self.backButton = QPushButton("◀ Class boundary", objectName="boundaryBackButton")
        self.backButton.setToolTip("Show the network's class boundary again instead of one neuron's map")
        self.backButton.clicked.connect(self.show_class_boundary)
        self.backButton.hide()
        top = QHBoxLayout()
        top.addWidget(self.heading, 1)
        top.addWidget(self.backButton)

        plot_page = column(top, self.paint_bar, (self.plot_widget, 1), self.caption)
        self.message, self.stack = page_or_message(self, plot_page, "boundaryMessage")
        self.set_view_style(self.view_style)

    # --- LiveView ---------------------------------------------------------------
    def wanted(self, context: ViewContext) -> bool:
        """Hidden for image data: the samples view takes its place (see views/samples.py)."""
        ds = context.dataset
        return ds is None or not is_image_shape(ds.input_shape)

    def probes(self, context: ViewContext) -> list:
        if self.grid is None or context.model is None:
            return []
        self._probe = BoundaryProbe(self.grid)
        self._probe.active = not self._off_screen()
        return [self._probe]

    # --- computing only while seen: a run's live frames skip this view while another tab is in front -----
    def _off_screen(self) -> bool:
        return self.window().isVisible() and not self.isVisible()

    def showEvent(self, event) -> None:  # noqa: N802  (Qt's name)
        super().showEvent(event)
        if self._probe is not None and not self._probe.active:
            self._probe.active = True
            if self.running:
                self.refreshRequested.emit()      # the running session sends a frame at its next step

    def hideEvent(self, event) -> None:  # noqa: N802
        super().hideEvent(event)
        if self._probe is not None and self._off_screen():
            self._probe.active = False

    def reset(self, context: ViewContext, snapshot=None) -> None:
        if self.neuron is not None:
            self.show_class_boundary()
        self.frame = None
        self.frames_drawn = 0
        self._count_label = context.count_label
        ds = context.dataset
        if ds is None:
            self.grid = self._points = None
            self._show_message("No data loaded: pick a dataset, or open one with File → Open dataset file…")
            return
        if tuple(ds.input_shape) != (2,):
            self.grid = self._points = None
            shape = " × ".join(str(d) for d in ds.input_shape)
            n = int(np.prod(ds.input_shape))
            size = f"{n:,} input features" if len(ds.input_shape) == 1 else f"{shape} = {n:,} inputs"
            self._show_message(
                f"The decision boundary is drawn for datasets with 2 input features.\n"
                f"{ds.name} has {size} per sample: follow the cost and accuracy curves, "
                "and the confusion matrix in the Test results tab.")
            return
        self.stack.setCurrentIndex(0)
        self._points = plane_points(ds)       # painted data: a fixed canvas to paint on, grown to take every point
        self.paint_bar.set_dataset(ds)
        self.grid = make_grid(self._points, n=self.grid_size, aspect=self._plot_aspect())
        self._class_names = list(getattr(ds, "class_names", []) or [])
        left, bottom, width, height = self.grid.rect
        self.image_rect = QRectF(left, bottom, width, height)
        self.image_item.setImage(np.full(self.grid.shape, 0.5, dtype=np.float32), levels=(0.0, 1.0))
        self.image_item.setRect(self.image_rect)
        self.contour_item.setData([], [])
        self._draw_points(ds)
        self.plot.setRange(self.image_rect, padding=0)
        self._update_caption(n_classes=max(2, len(self._class_names)))
        self.heading.setText("Decision boundary")
        if snapshot is not None:
            self.show_snapshot(snapshot)

    def show_snapshot(self, snap) -> None:
        if self.neuron is not None:
            graph = snap.probes.get("network_graph")
            key = (self.neuron.layer_index, self.neuron.unit)
            if graph is not None and graph.focus is not None and (graph.focus.layer_index, graph.focus.unit) == key:
                self._draw_neuron(graph.focus)          # computed on this view's grid
            elif graph is not None and graph.neuron_map(*key) is not None:
                self._draw_neuron(graph.neuron_map(*key))
        frame = snap.probes.get(BoundaryProbe.key)
        if frame is None or self.grid is None:
            return
        if not np.allclose(frame.rect, self.grid.rect, rtol=1e-5, atol=1e-9):
            return   # from a grid of an earlier dataset (live frames are coarser, over the same rectangle)
        if self.neuron is not None:
            self.frame = frame          # drawn when the view goes back to the class boundary
            return
        self._draw_boundary_image(frame)
        self.contour_item.setData(frame.contour_x, frame.contour_y)
        self.frame = frame
        self.frames_drawn += 1
        unit = "iteration" if self._count_label == "iterations" else "epoch"
        self.heading.setText(f"Decision boundary — {unit} {snap.epoch:,}")

    # --- one neuron's map instead of the class boundary (from the Network tab) -------------------
    def show_neuron_map(self, neuron, label: str) -> None:
        """Show ``neuron`` (a :class:`~nnviz.lab.network_graph.NeuronMap`: values (ny, nx) on xs, ys) large,
        with a legend naming it (``label``); later snapshots keep it live; :meth:`show_class_boundary` ends it."""
        if self.grid is None:
            return
        self.neuron_label = str(label)
        self.neuron = neuron
        self.contour_item.setVisible(False)
        self.backButton.show()
        self._draw_neuron(neuron)

    def show_class_boundary(self) -> None:
        """Back from a neuron's map to the network's decision boundary."""
        if self.neuron is None:
            return
        self.neuron = None
        self.backButton.hide()
        self.contour_item.setVisible(True)
        self.image_item.setLookupTable(binary_lut())
        self.image_item.setRect(self.image_rect)
        frame = self.frame
        if frame is not None and np.allclose(frame.rect, self.grid.rect, rtol=1e-5, atol=1e-9):
            self._draw_boundary_image(frame)
            self.contour_item.setData(frame.contour_x, frame.contour_y)
        else:
            self.image_item.setImage(np.full(self.grid.shape, 0.5, dtype=np.float32), levels=(0.0, 1.0))
        self.heading.setText("Decision boundary")
        self._update_caption(n_classes=max(2, len(self._class_names)))
        self.neuronMapClosed.emit()

    def _draw_neuron(self, neuron) -> None:
        """Draw ``neuron``'s map; the caption (a layout-bound QLabel) changes only with the kind of neuron."""
        self.neuron = neuron
        v = np.nan_to_num(np.asarray(neuron.values, dtype=np.float32))
        lo, hi = float(v.min()), float(v.max())
        if neuron.output and neuron.activation == "sigmoid":
            lut, levels = binary_lut(), (0.0, 1.0)
            legend = ("Shading: this output unit's value, the probability of class 1 (as the decision "
                      "boundary is shaded).")
        else:
            m = max(abs(lo), abs(hi)) or 1.0
            lut, levels = diverging_lut(), (-m, m)
            legend = ("Shading: this neuron's output at each point of the input plane: "
                      "<span style='color:#b2182b'><b>red</b></span> = positive, "
                      "<span style='color:#2166ac'><b>blue</b></span> = negative, white = 0.")
        self.image_item.setLookupTable(lut)
        self.image_item.setImage(v, autoLevels=False, levels=levels)
        xs, ys = neuron.xs, neuron.ys
        dx, dy = xs[1] - xs[0], ys[1] - ys[0]
        self.image_item.setRect(QRectF(float(xs[0] - dx / 2), float(ys[0] - dy / 2),
                                       float(dx * len(xs)), float(dy * len(ys))))
        unit = "iteration" if self._count_label == "iterations" else "epoch"
        count = neuron.iteration if unit == "iteration" else neuron.epoch
        self.heading.setText(f"{self.neuron_label}, {unit} {count:,}: from {lo:.3g} to {hi:.3g}")
        caption = (f"<b>{self.neuron_label}</b>. {legend} ● training points, ▲ test points. "
                   "Click another neuron in the Network tab, or ◀ Class boundary to go back.")
        if caption != self.caption.text():
            self.caption.setText(caption)

    def set_view_style(self, style) -> None:
        super().set_view_style(style)
        set_tick_font([self.plot], style.tick_pt)
        self.contour_item.setPen(pg.mkPen("#111", width=style.contour_width))
        for item in self.scatter_items:
            item.setSize(style.point_size * (1.25 if item.opts.get("symbol") == "t1" else 1.0))
        set_heading_font(self.heading, style)
        self.paint_bar.hint.setFont(self.font())        # a label with a style sheet keeps its font otherwise

    def export_item(self):
        return self.plot_widget

    def set_running(self, running: bool) -> None:
        super().set_running(running)
        self.paint_bar.set_running(running)

    # --- helpers ------------------------------------------------------------------
    def _draw_boundary_image(self, frame) -> None:
        image = self.image_item.image
        resized = image is None or image.shape[:2] != frame.probs.shape[:2]
        if frame.probs.ndim == 2:
            self.image_item.setImage(frame.probs, autoLevels=False, levels=(0.0, 1.0))
        else:
            self.image_item.setImage(multiclass_rgb(frame.probs), autoLevels=False, levels=(0, 255))
        if resized:             # a live (coarse) frame after a still one, or back: the same rectangle
            self.image_item.setRect(self.image_rect)

    def _plot_aspect(self) -> float:
        """Height / width of the plotting area, so the picture fills it (1 before the view is laid out)."""
        rect = self.plot.getViewBox().sceneBoundingRect()
        if rect.width() < 50 or rect.height() < 50:
            return 1.0
        return float(min(3.0, max(1 / 3, rect.height() / rect.width())))

    def _on_resized(self, *_args) -> None:
        """The plot changed shape: a grid of the new shape, so the shading fills it (no white bands).
        Not while a run trains (its frames keep one shape); the next resize or network catches up."""
        if self.grid is None or self._points is None or self.running:
            return
        left, bottom, width, height = self.grid.rect
        if abs(np.log(self._plot_aspect() / (height / width))) < 0.02:
            return
        self.grid = make_grid(self._points, n=self.grid_size, aspect=self._plot_aspect())
        left, bottom, width, height = self.grid.rect
        self.image_rect = QRectF(left, bottom, width, height)
        self.image_item.setImage(np.full(self.grid.shape, 0.5, dtype=np.float32), levels=(0.0, 1.0))
        self.image_item.setRect(self.image_rect)
        self.contour_item.setData([], [])
        self.plot.setRange(self.image_rect, padding=0)
        if self._probe is not None:
            self._probe.grid = self.grid        # a running session computes the new grid from its next frame
        if self.neuron is not None:
            self._draw_neuron(self.neuron)
        self.refreshRequested.emit()

    def _on_click(self, event) -> None:
        """Emit ``sampleClicked`` for the training point nearest a left click, if within CLICK_PX pixels."""
        pts = self._train_points
        if pts is None or not len(pts) or event.button() != Qt.MouseButton.LeftButton:
            return
        vb = self.plot.getViewBox()
        if not vb.sceneBoundingRect().contains(event.scenePos()):
            return
        pos = vb.mapSceneToView(event.scenePos())
        px, py = vb.viewPixelSize()
        d2 = ((pts[:, 0] - pos.x()) / px) ** 2 + ((pts[:, 1] - pos.y()) / py) ** 2
        i = int(np.argmin(d2))
        if d2[i] <= self.CLICK_PX ** 2:
            self.mark_sample(i)
            self.sampleClicked.emit(i)

    def mark_sample(self, index: int | None) -> None:
        """Ring training point ``index`` (None: no ring)."""
        pts = self._train_points
        if index is None or pts is None or not 0 <= index < len(pts):
            self.marker.setData([], [])
        else:
            self.marker.setData([pts[index, 0]], [pts[index, 1]])

    def _show_message(self, text: str) -> None:
        self.message.setText(text)
        self.stack.setCurrentIndex(1)
        self._train_points = None
        self.marker.setData([], [])
        for item in self.scatter_items:
            self.plot.removeItem(item)
        self.scatter_items = []

    def _draw_points(self, ds) -> None:
        self._train_points = np.asarray(ds.X_train, dtype=np.float64)
        self.marker.setData([], [])
        for item in self.scatter_items:
            self.plot.removeItem(item)
        self.scatter_items = []
        size = self.view_style.point_size
        for X, y, symbol, label in ((ds.X_train, ds.y_train, "o", "train"), (ds.X_test, ds.y_test, "t1", "test")):
            if len(X) == 0:
                continue
            for k in np.unique(y):
                pts = X[y == k]
                item = StaticScatter(pts[:, 0], pts[:, 1], symbol=symbol,
                                          size=size * (1.25 if symbol == "t1" else 1.0),
                                          brush=pg.mkBrush(class_color(int(k))),
                                          pen=pg.mkPen("#1a1a1a", width=1.2 if symbol == "t1" else 0.8),
                                          name=f"{label} {k}")
                item.setZValue(10 if symbol == "t1" else 8)
                item.setCacheMode(QGraphicsItem.DeviceCoordinateCache)   # static: blit, don't redraw
                self.plot.addItem(item)
                self.scatter_items.append(item)

    def _update_caption(self, n_classes: int) -> None:
        names = self._class_names or [f"class {i}" for i in range(n_classes)]

        def swatch(k):
            return f"<span style='color:{class_color(k)}; font-weight:bold'>■ {names[k]}</span>"

        if n_classes == 2:
            text = (f"Shading: the network's probability of {swatch(1)} versus {swatch(0)}; "
                    "black line: where it is 0.5. ● training points, ▲ test points.")
        else:
            text = ("Shading: the predicted class (" + ", ".join(swatch(k) for k in range(len(names)))
                    + "); black lines: class boundaries. ● training points, ▲ test points.")
        self.caption.setText(text)
