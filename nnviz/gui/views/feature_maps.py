"""What the convolution and pooling layers see (objectName ``featureMapView``).

For one input — a test sample picked with Previous/Next, or an image given
to :meth:`FeatureMapView.set_input` (e.g. a dropped file) — every Conv2D
and MaxPool2D layer's output is drawn as a grid, one image per channel,
with the layer's filters beside it. The forward pass runs in the training
worker (:class:`~nnviz.lab.probes.FeatureMapProbe`, a few times a second),
so the maps change live while the network learns.

Colours: maps are black (low) to white (high); filters are blue (negative
weight) – white (0) – red (positive). First-layer filters on grey images
are shown as they are; deeper filters are averaged over their input
channels (what the filter looks for on average), and first-layer filters
on colour photos are shown in colour.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF, Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QGraphicsPixmapItem,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from nnviz.engine.feature_maps import filter_images, image_layers
from nnviz.lab.conv_arithmetic import conv_arithmetic
from nnviz.lab.probes import FeatureMapProbe

from .base import LiveView, ViewContext, set_heading_font
from .conv_arithmetic import ConvArithmeticPanel
from .layout import column, page_or_message
from .tiles import TileGrid, as_display, diverging_lut, gray_lut


def _levels(a: np.ndarray) -> tuple[float, float]:
    lo, hi = float(np.min(a)), float(np.max(a))
    return (lo, hi) if hi > lo else (lo, lo + 1.0)


def _symmetric(a: np.ndarray) -> tuple[float, float]:
    m = float(np.max(np.abs(a)))
    return (-m, m) if m > 0 else (-1.0, 1.0)


def class_name(names, k: int) -> str:
    return str(names[k]) if 0 <= k < len(names) else f"class {k}"


def describe_output(output: np.ndarray, names) -> str:
    """"7 (98.1%)" from a network output (k,) or a sigmoid output (1,)."""
    if output.size == 1:
        p = float(output[0])
        k = int(p > 0.5)
        return f"{class_name(names, k)} ({max(p, 1 - p):.1%})"
    k = int(np.argmax(output))
    return f"{class_name(names, k)} ({float(output[k]):.1%})"


class LayerBlock(QWidget):
    """One conv or pool layer: a heading, its filters (conv only) and, under them, its activation maps.

    Filters and maps use the same tile size, so filter i stands right above the map it made.
    """

    def __init__(self, name: str, description: str, shape, kernel=None, parent=None):
        super().__init__(parent)
        c, h, w = shape
        self.name = name
        self.title = f"<b>{name}</b> — {description}: {c} map{'s' * (c != 1)} of {h}×{w}"
        self.heading = QLabel(self.title)
        self.heading.setWordWrap(True)
        tile = int(np.clip(4 * max(h, w), 40, 88))
        self.maps = TileGrid(tile_px=tile, caption_lines=1)
        self.maps.set_layout(c, (h, w))
        self.maps.set_captions([str(i + 1) for i in range(c)])
        grid = QGridLayout()
        grid.setContentsMargins(0, 0, 0, 0)
        grid.setColumnStretch(1, 1)
        self.filters = None
        if kernel is not None:
            d, kh, kw = kernel
            self.filters = TileGrid(tile_px=tile, caption_lines=1)
            self.filters.set_layout(d, (kh, kw))
            self.filters.set_captions([str(i + 1) for i in range(d)])
            grid.addWidget(QLabel("filters"), 0, 0, Qt.AlignTop)
            grid.addWidget(self.filters, 0, 1)
        if kernel is not None:
            self.maps.setToolTip("Click a pixel to see how the convolution computed it")
            self.maps.viewport().setCursor(Qt.PointingHandCursor)
        grid.addWidget(QLabel("maps"), 1, 0, Qt.AlignTop)
        grid.addWidget(self.maps, 1, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 8, 4, 4)
        layout.addWidget(self.heading)
        layout.addLayout(grid)

    def set_caption_pt(self, pt: int) -> None:
        for grid in (self.maps, self.filters):
            if grid is not None:
                grid.set_caption_pt(pt)

    def draw(self, lm, shared: bool, rgb_filters: bool) -> None:
        maps = list(lm.maps)
        if shared:
            levels = _levels(lm.maps)
            scale = f"colour scale {levels[0]:.3g} … {levels[1]:.3g}"
        else:
            levels = [_levels(m) for m in maps]
            scale = "each map stretched to its own range"
        self.heading.setText(f"{self.title} <span style='color:#666'>· {scale}</span>")
        self.maps.set_images(maps, levels, gray_lut())
        if self.filters is not None and lm.weights is not None:
            pics = filter_images(lm.weights, rgb=rgb_filters)
            if pics[0].ndim == 3:   # colour filters: 0 → grey, ± the largest weight → full colour
                scale = max(float(np.max(np.abs(lm.weights))), 1e-12)
                self.filters.set_images([0.5 + p / (2 * scale) for p in pics], (0.0, 1.0))
            else:
                flevels = _symmetric(np.stack(pics)) if shared else [_symmetric(p) for p in pics]
                self.filters.set_images(pics, flevels, diverging_lut())


class FeatureMapView(LiveView):
    title = "Feature maps"
    placement = "tab"
    group = "Inside the network"

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setObjectName("featureMapView")
        self._probe: FeatureMapProbe | None = None
        self._samples = None          # X (m, C, H, W) to browse
        self._labels = None
        self._sample_kind = "test"
        self._class_names: list = []
        self._input_shape = None
        self._count_label = "epochs"
        self.blocks: dict[str, LayerBlock] = {}
        self.frames_drawn = 0
        self.selection: tuple[str, int, int, int] | None = None   # (layer, map, row, col) clicked
        self.arithmeticPanel = ConvArithmeticPanel()
        # Never on screen: holds the exported picture. A window of its own (owned by this view, deleted
        # with it) that does not keep the app running.
        self._export_view = pg.GraphicsView(self, background="w")
        self._export_view.setWindowFlags(Qt.Window)
        self._export_view.setAttribute(Qt.WA_DontShowOnScreen, True)
        self._export_view.setAttribute(Qt.WA_QuitOnClose, False)
        self._export_view.setFrameShape(pg.GraphicsView.NoFrame)
        self._export_pixmap = None

        self.prevButton = QPushButton("◀ Previous", objectName="featurePrevButton")
        self.nextButton = QPushButton("Next ▶", objectName="featureNextButton")
        self.sampleSpin = QSpinBox(objectName="featureSampleSpin")
        self.sampleSpin.setMinimum(1)
        self.sampleSpin.setToolTip("Which sample to run through the network")
        self.sharedScaleCheck = QCheckBox("One colour scale per layer", objectName="featureSharedScaleCheck")
        self.sharedScaleCheck.setChecked(True)
        self.sharedScaleCheck.setToolTip("On: maps of one layer share a scale, so weak maps look dark. "
                                         "Off: each map is stretched to its own range, to see its pattern.")
        bar = QHBoxLayout()
        self.sourceLabel = QLabel("Test sample")
        bar.addWidget(self.sourceLabel)
        bar.addWidget(self.prevButton)
        bar.addWidget(self.sampleSpin)
        bar.addWidget(self.nextButton)
        bar.addStretch(1)
        bar.addWidget(self.sharedScaleCheck)

        self.heading = QLabel(objectName="featureHeading")
        self.input_grid = TileGrid(tile_px=150)
        self.input_grid.set_layout(1, (28, 28), 1)
        self.inputCaption = QLabel(objectName="featureInputCaption")
        self.inputCaption.setWordWrap(True)
        self.inputCaption.setTextFormat(Qt.RichText)
        left = QVBoxLayout()
        left.addWidget(QLabel("<b>Input</b>"))
        left.addWidget(self.input_grid)
        left.addWidget(self.inputCaption)
        left.addStretch(1)
        left_box = QWidget()
        left_box.setLayout(left)
        left_box.setFixedWidth(200)

        self.blocks_box = QWidget()
        self.blocks_layout = QVBoxLayout(self.blocks_box)
        self.blocks_layout.setContentsMargins(0, 0, 0, 0)
        self.blocks_layout.addStretch(1)
        scroll = QScrollArea()
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarAlwaysOff)
        scroll.setWidget(self.blocks_box)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QScrollArea.NoFrame)
        self.scroll = scroll
        body = QHBoxLayout()
        body.addWidget(left_box)
        body.addWidget(scroll, 1)
        body.addWidget(self.arithmeticPanel)
        legend = QLabel("Maps: black = low, white = high activation.   Filters: "
                        "<span style='color:#2166ac'><b>blue</b></span> = negative weight, white = 0, "
                        "<span style='color:#b2182b'><b>red</b></span> = positive. Deeper filters are "
                        "averaged over the maps they read.")
        legend.setWordWrap(True)
        legend.setStyleSheet("color: #444;")

        page = column(bar, self.heading, (body, 1), legend)
        self.message, self.stack = page_or_message(self, page, "featureMessage")

        self.prevButton.clicked.connect(lambda: self.sampleSpin.setValue(self.sampleSpin.value() - 1))
        self.nextButton.clicked.connect(lambda: self.sampleSpin.setValue(self.sampleSpin.value() + 1))
        self.sampleSpin.valueChanged.connect(lambda v: self._use_sample(v - 1))
        self.sharedScaleCheck.toggled.connect(lambda _: self._draw())
        self.set_view_style(self.view_style)

    # --- public API -----------------------------------------------------------------
    @property
    def available(self) -> bool:
        """True when the current network has conv or pool layers to show."""
        return self._probe is not None

    def set_input(self, x, label_text: str = "your image") -> bool:
        """Show the maps for ``x`` (C, H, W) or (1, C, H, W), e.g. a dropped image; False if the network has none.

        Raises ValueError when ``x`` does not have the network's input shape.
        """
        if self._probe is None:
            return False
        x = np.asarray(x, dtype=np.float32)
        if x.ndim == len(self._input_shape) + 1 and x.shape[0] == 1:
            x = x[0]
        if tuple(x.shape) != tuple(self._input_shape):
            raise ValueError(f"the feature-map input must have the network's input shape {tuple(self._input_shape)}. "
                             f"Received an array of shape {tuple(x.shape)}.")
        self._probe.set_input(x, {"source": "given", "text": str(label_text)})
        self.refreshRequested.emit()
        return True

    def select_pixel(self, layer: str, channel: int, row: int, col: int) -> None:
        """Show the arithmetic of map ``channel``'s pixel (row, col) of ``layer`` (what a click on it does)."""
        self.selection = (layer, int(channel), int(row), int(col))
        self._draw_if_pending()
        self._draw_arithmetic()

    def map_images(self) -> dict[str, list[np.ndarray]]:
        """{layer name: one (H, W) array per channel}, as drawn now."""
        self._draw_if_pending()
        return {name: block.maps.images() for name, block in self.blocks.items()}

    def filter_images(self) -> dict[str, list[np.ndarray]]:
        """{conv layer name: one picture per filter}, as drawn now."""
        self._draw_if_pending()
        return {name: block.filters.images() for name, block in self.blocks.items() if block.filters is not None}

    # --- LiveView -------------------------------------------------------------------
    def probes(self, context: ViewContext) -> list:
        return [self._probe] if self._probe is not None else []

    def reset(self, context: ViewContext, snapshot=None) -> None:
        self._frame = None
        self._pending = False
        self._probe = None
        self._count_label = context.count_label
        self._clear_blocks()
        self.arithmeticPanel.reset()
        self.input_grid.set_markers([])
        ds, model = context.dataset, context.model
        if ds is None:
            self._show_message("No data loaded: pick a dataset, or open one with File → Open dataset file…")
            return
        if model is None:
            self._show_message("There is no network yet: fix the settings in the Network panel.")
            return
        layers = image_layers(model)
        if not layers:
            self._show_message("This network has no convolutional layers, so there are no feature maps to "
                               "show: pick the mnist-cnn preset, or add Conv2D layers in the Network panel.")
            return
        self.stack.setCurrentIndex(0)
        self._input_shape = tuple(model.input_shape)
        self._class_names = list(getattr(ds, "class_names", []) or [])
        if len(ds.X_test):
            self._samples, self._labels, self._sample_kind = ds.X_test, ds.y_test, "test"
        else:
            self._samples, self._labels, self._sample_kind = ds.X_train, ds.y_train, "training"
        shapes = dict(zip((layer.name for layer in model.layers), model.output_shapes))
        first_conv = True
        for layer in layers:
            kernel, rgb = None, False
            if layer.kind == "conv":
                d, c, kh, kw = layer.params["W"].shape
                kernel = (d, kh, kw)
                rgb = first_conv and c == 3
                first_conv = False
            block = LayerBlock(layer.name, layer.describe(), shapes[layer.name], kernel)
            block.rgb_filters = rgb
            block.maps.tileClicked.connect(lambda i, r, c, name=layer.name: self.select_pixel(name, i, r, c))
            block.set_caption_pt(self.view_style.tick_pt)
            self.blocks_layout.insertWidget(self.blocks_layout.count() - 1, block)
            self.blocks[layer.name] = block
        h, w = self._input_shape[1:]
        self.input_grid.set_layout(1, (h, w), 1)
        self._probe = FeatureMapProbe()
        n = len(self._samples)
        self.sampleSpin.blockSignals(True)
        self.sampleSpin.setMaximum(max(1, n))
        index = min(self.sampleSpin.value(), n) - 1
        self.sampleSpin.setValue(index + 1)
        self.sampleSpin.blockSignals(False)
        self.sampleSpin.setSuffix(f" of {n:,}")
        self._set_sample(index)
        if snapshot is not None:
            self.show_snapshot(snapshot)

    def show_snapshot(self, snap) -> None:
        frame = snap.probes.get(FeatureMapProbe.key)
        if frame is None or self._probe is None:
            return
        if tuple(frame.maps.input.shape) != tuple(self._input_shape):
            return
        self._show_frame(frame)

    def set_view_style(self, style) -> None:
        super().set_view_style(style)
        for block in self.blocks.values():
            block.set_caption_pt(style.tick_pt)
        set_heading_font(self.heading, style)

    def shutdown(self) -> None:
        self._export_view.close()

    def export_item(self):
        """A picture of the whole view (input, filters, maps) as a graphics item, for File → Export plot.

        The maps are many small plots in several widgets, so the export is
        the view as drawn on screen (an SVG export embeds that picture).
        """
        pixmap = self.grab()
        view = self._export_view
        if self._export_pixmap is not None:
            view.scene().removeItem(self._export_pixmap)
        self._export_pixmap = QGraphicsPixmapItem(pixmap)
        view.scene().addItem(self._export_pixmap)
        view.resize(pixmap.size())
        view.show()              # off screen (WA_DontShowOnScreen): gives the viewport its real size
        view.viewport().resize(pixmap.size())
        view.setRange(QRectF(0, 0, pixmap.width(), pixmap.height()), padding=0)
        return view

    # --- helpers ----------------------------------------------------------------------
    def _show_message(self, text: str) -> None:
        self.message.setText(text)
        self.stack.setCurrentIndex(1)

    def _clear_blocks(self) -> None:
        for block in self.blocks.values():
            self.blocks_layout.removeWidget(block)
            block.deleteLater()
        self.blocks = {}

    def _set_sample(self, index: int) -> None:
        """Give the probe sample ``index`` (0-based) without asking for a refresh."""
        if self._probe is None or self._samples is None or not len(self._samples):
            return
        true = class_name(self._class_names, int(self._labels[index]))
        self._probe.set_input(self._samples[index], {"source": self._sample_kind, "index": index,
                                                     "count": len(self._samples), "true": true})
        self.sourceLabel.setText(f"{self._sample_kind.capitalize()} sample")

    def _use_sample(self, index: int) -> None:
        self._set_sample(index)
        self.refreshRequested.emit()

    def _draw(self) -> None:
        frame = self._frame
        if frame is None:
            return
        self._pending = False
        shared = self.sharedScaleCheck.isChecked()
        for lm in frame.maps.layers:
            block = self.blocks.get(lm.name)
            if block is not None:
                block.draw(lm, shared, block.rgb_filters)
        picture = as_display(frame.maps.input)
        self.input_grid.set_images([picture], _levels(picture) if picture.ndim == 2 else (0.0, 1.0), gray_lut())
        tag = frame.tag or {}
        if tag.get("source") == "given":
            where = f"<b>{tag['text']}</b>"
        else:
            where = (f"<b>{tag.get('source', 'test')} sample {tag.get('index', 0) + 1:,}</b> of {tag.get('count', 0):,}"
                     f"<br>true class: <b>{tag.get('true', '?')}</b>")
        said = describe_output(frame.maps.output, self._class_names)
        self.inputCaption.setText(f"{where}<br>network says: <b>{said}</b>")
        if self._count_label == "iterations":
            self.heading.setText(f"Feature maps after iteration {frame.iteration:,}")
        else:
            self.heading.setText(f"Feature maps after epoch {frame.epoch:,} (iteration {frame.iteration:,})")
        self.frames_drawn += 1
        self._draw_arithmetic()

    def _draw_arithmetic(self) -> None:
        """The clicked pixel's arithmetic for the frame on screen, and markers on the pixel and its patch."""
        frame, sel = self._frame, self.selection
        for block in self.blocks.values():
            block.maps.set_markers([])
        self.input_grid.set_markers([])
        if frame is None or sel is None or sel[0] not in self.blocks:
            return
        name, ch, row, col = sel
        layers = frame.maps.layers
        index = next((i for i, lm in enumerate(layers) if lm.name == name), None)
        if index is None:
            return
        lm = layers[index]
        self.blocks[name].maps.set_markers([(ch, row, col, 1, 1, "#ff8c00")])
        if lm.kind != "conv":
            self.arithmeticPanel.show_text(
                f"<b>{name}</b> is a max-pooling layer: each of its values is the largest value of a "
                f"{lm.description[len('MaxPool2D('):].rstrip(')')} window of the maps above it; there is no "
                "kernel to multiply. Click a convolution layer's map to see its arithmetic.")
            return
        try:
            ar = conv_arithmetic(lm, ch, row, col)
        except ValueError as exc:
            self.arithmeticPanel.show_text(str(exc))
            return
        inputs = lm.inputs
        self.arithmeticPanel.show_arithmetic(ar, _levels(inputs))
        _, kh, kw = ar.kernel.shape
        r0, c0 = ar.top_left
        patch = [(c, r0, c0, kh, kw, "#ff8c00") for c in range(inputs.shape[0])]
        if index == 0 and inputs.shape == frame.maps.input.shape:
            self.input_grid.set_markers(patch[:1])
        elif index > 0 and layers[index - 1].maps.shape == inputs.shape and \
                np.array_equal(layers[index - 1].maps, inputs):
            self.blocks[layers[index - 1].name].maps.set_markers(patch)
