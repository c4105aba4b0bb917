"""The Qt-painted plot items of the live views, and pyqtgraph painting without the GIL (pg_setup)."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
import pytest
from PySide6.QtCore import QRectF
from PySide6.QtWidgets import QGraphicsView, QProgressBar

from nnviz.gui import pg_setup
from nnviz.gui.views.qt_items import (
    LutImage,
    PathCurve,
    add_curve,
    peak_downsample,
    rgba_image,
)
from nnviz.lab.palette import binary_lut

from .helpers import PaintCounter


def test_rgba_image_follows_the_lookup_table_by_hand():
    lut = np.array([[0, 0, 0], [100, 0, 0], [200, 0, 0], [255, 255, 255]], np.uint8)
    values = np.array([[0.0, 1 / 3], [2 / 3, 1.0], [-5.0, 7.0], [np.nan, 0.5]])
    out = rgba_image(values, lut, (0.0, 1.0))
    # index = round((v - lo) / (hi - lo) * (n - 1)), clipped: 0, 1, 2, 3, 0, 3, -, round(1.5) = 2
    assert out[..., 0].tolist() == [[0, 100], [200, 255], [0, 255], [0, 200]]
    assert out[..., 3].tolist() == [[255, 255], [255, 255], [255, 255], [0, 255]]      # NaN: transparent
    rgb = np.array([[[10, 20, 30]]], np.uint8)
    assert rgba_image(rgb, lut, (0, 255)).tolist() == [[[10, 20, 30, 255]]]


def test_peak_downsampling_keeps_every_bins_extremes():
    rng = np.random.default_rng(0)
    x = np.arange(10_001, dtype=np.float64)
    y = rng.normal(size=x.size)
    y[5_000] = 40.0                                  # one spike
    xs, ys = peak_downsample(x, y, 1_000)
    assert xs.size <= 1_002 and ys.max() == 40.0 and ys.min() == y.min()
    per_bin = 32                                      # the power of two ≥ 10,001 / 500
    for b in (0, 17, 250):                            # each bin: its min and max, at its first x
        chunk = y[b * per_bin:(b + 1) * per_bin]
        assert (xs[2 * b], ys[2 * b], ys[2 * b + 1]) == (x[b * per_bin], chunk.min(), chunk.max())
    short_x, short_y = peak_downsample(x[:50], y[:50], 1_000)
    assert np.array_equal(short_x, x[:50]) and np.array_equal(short_y, y[:50])


def test_path_curve_answers_what_pyqtgraph_asks(qtbot):
    widget = pg.PlotWidget()
    qtbot.addWidget(widget)
    plot = widget.getPlotItem()
    plot.addLegend()
    curve = add_curve(plot, pg.mkPen("r", width=3), "train cost")
    curve.setData([1, 2, 3, 4], [10.0, 100.0, np.nan, 1000.0])
    x, y = curve.getData()
    assert x.tolist() == [1, 2, 4] and y.tolist() == [10, 100, 1000]          # NaN points are left out
    assert curve.getOriginalDataset()[0].size == 4
    assert curve.dataBounds(1) == (10.0, 1000.0)
    plot.setLogMode(y=True)
    assert curve.getData()[1].tolist() == [1.0, 2.0, 3.0]
    assert [label.text for _, label in plot.legend.items] == ["train cost"]
    assert curve.opts["pen"].widthF() == 3
    assert curve.view_box() is plot.getViewBox()


def test_pairs_drop_a_segment_with_a_missing_end():
    curve = PathCurve(connect="pairs")
    curve.setData([0, 1, 2, np.nan, 4, 5], [0, 1, 2, 3, 4, 5])
    x, y = curve.getData()
    assert x.tolist() == [0, 1, 4, 5]
    with pytest.raises(ValueError, match="connect must be"):
        PathCurve(connect="finite")


def test_lut_image_stretches_over_its_rectangle_whatever_the_image_shape(qtbot):
    item = LutImage(binary_lut())
    rect = QRectF(-1.5, -2.0, 4.0, 3.0)
    item.setRect(rect)
    for shape in ((40, 30), (100, 75)):                  # a live frame, then a still one
        item.setImage(np.full(shape, 0.5, np.float32), levels=(0.0, 1.0))
        mapped = item.mapRectToParent(item.boundingRect())
        assert (mapped.left(), mapped.top(), mapped.width(), mapped.height()) == pytest.approx((-1.5, -2.0, 4.0, 3.0))
        assert item.image.shape == shape and item.pixmap().width() == shape[1]


def test_pyqtgraph_views_paint_with_qts_own_paint_event_and_still_prepare(qtbot):
    assert pg_setup.is_configured()                 # conftest does what app.run() does
    assert pg.GraphicsView.paintEvent is QGraphicsView.paintEvent
    widget = pg.PlotWidget()
    qtbot.addWidget(widget)
    prepared = []
    widget.scene().sigPrepareForPaint.connect(lambda: prepared.append(1))
    widget.resize(300, 200)
    widget.show()
    qtbot.waitExposed(widget)
    widget.grab()
    assert prepared                                     # view boxes still get their auto-range before painting


def test_the_progress_bar_repaints_later_not_inside_the_call(qtbot):
    from nnviz.gui.panels.controls import ControlBar

    bar = ControlBar()
    qtbot.addWidget(bar)
    bar.show()
    qtbot.waitExposed(bar)

    counter = PaintCounter()
    progress = bar.findChild(QProgressBar, "progressBar")
    progress.installEventFilter(counter)
    bar.show_text("Epoch 10 / 100", 0.1)
    assert counter.paints == 0 and progress.value() == 100 and progress.format() == "Epoch 10 / 100"
    qtbot.waitUntil(lambda: counter.paints > 0)         # the ordinary repaint comes from the event loop


def test_a_diverged_cost_on_a_log_axis_draws_what_it_can(qtbot):
    """A run that blew up: costs of 0, -1, inf and NaN on a log axis leave gaps, never an error or a wild range."""
    widget = pg.PlotWidget()
    qtbot.addWidget(widget)
    plot = widget.getPlotItem()
    curve = add_curve(plot, pg.mkPen("b"))
    plot.setLogMode(y=True)
    curve.setData(np.arange(6.0), [0.7, 0.0, -1.0, np.inf, np.nan, 0.07])
    x, y = curve.getData()
    assert x.tolist() == [0.0, 5.0] and np.allclose(y, np.log10([0.7, 0.07]))
    assert curve.dataBounds(1) == pytest.approx((np.log10(0.07), np.log10(0.7)))
    curve.setData([], [])
    assert curve.getData()[0].size == 0 and curve.dataBounds(0) == (None, None) and curve.path().isEmpty()


def test_a_growing_curve_strokes_only_its_tail_again():
    curve = PathCurve(pg.mkPen("b", width=2))
    x = np.arange(1.0, 20_001.0)
    y = 1.0 / x
    settled = []
    for n in range(500, 20_001, 250):                 # a run's snapshots, 250 epochs apart
        curve.setData(x[:n], y[:n])
        shown_x, _ = curve.getData()
        settled.append(curve.settled_size)
        tail = curve._tail.path()
        # the settled part and the tail together draw every shown vertex, the tail from the last settled one
        assert curve.path().elementCount() == curve.settled_size
        assert tail.elementCount() == shown_x.size - max(0, curve.settled_size - 1)
        assert tail.elementCount() <= PathCurve.TAIL + 2
        if curve.settled_size:
            assert tail.elementAt(0).x == shown_x[curve.settled_size - 1]
    changes = sum(a != b for a, b in zip(settled, settled[1:]))
    assert changes <= len(settled) // 3                 # the cached part is redrawn now and then, not every frame
    assert curve.cacheMode() == curve.CacheMode.DeviceCoordinateCache


def test_live_text_repaints_once_per_new_text(qtbot):
    from PySide6.QtWidgets import QApplication

    from nnviz.gui.views.live_text import LiveText

    text = LiveText("Decision boundary", lines=1)
    qtbot.addWidget(text)
    text.resize(400, 30)
    text.show()
    qtbot.waitExposed(text)

    counter = PaintCounter()
    text.label.installEventFilter(counter)
    for epoch in (1, 2, 3):
        before = counter.paints
        text.setText(f"Decision boundary — epoch {epoch:,}")
        qtbot.waitUntil(lambda: counter.paints > before)
        for _ in range(5):
            QApplication.processEvents()
        assert counter.paints == before + 1
    assert text.toolTip() == "Decision boundary — epoch 3"
