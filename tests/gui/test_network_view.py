"""The network graph (networkView) and the hidden-space view, checked against the engine."""

import numpy as np
import pytest
from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QColor

from nnviz.gui.views.network_canvas import (
    MAX_LINES,
    NEGATIVE,
    POSITIVE,
    WIDTHS,
    weight_bin,
)


def train(qtbot, w, epochs, timeout=120_000):
    w.epochsSpin.setValue(epochs)
    with qtbot.waitSignal(w.trainingFinished, timeout=timeout) as blocker:
        w.train()
    assert blocker.args[0].status == "completed", blocker.args[0].message


def show(w, qtbot, name):
    view = w.view(name)
    w.viewTabs.setCurrentWidget(view)
    qtbot.waitUntil(lambda: view.isVisible())
    return view


def engine_columns(model, X):
    """Inputs, then each layer's output, computed with the engine's own layers (forward, inference)."""
    a = model.check_inputs(X)
    outs = [a]
    for layer in model.layers:
        a = layer.forward(a, training=False)
        outs.append(a)
    return outs


def test_moons_graph_has_a_heatmap_per_neuron_equal_to_the_engine(make_window, qtbot):
    w = make_window(preset="moons")
    view = show(w, qtbot, "networkView")
    train(qtbot, w, 150)
    qtbot.waitUntil(lambda: view.frame is not None and view.frame.epoch == 150)
    model = w.model
    units = [model.input_shape[0]] + [shape[0] for shape in model.output_shapes]
    assert units == [2, 25, 50, 50, 25, 1]
    assert view.heatmap_counts() == units
    # on screen: each column's pixmaps hold exactly that many tiles (tile + gap per unit)
    c = view.canvas
    T = c.tile
    for k, n in enumerate(units):
        heights = [item.pixmap().height() for item in c.tile_items[k] if item.isVisible()]
        assert sum((h + round(0.2 * T)) // (T + round(0.2 * T)) for h in heights) == n
    # each map equals the neuron's activation computed with the engine on the same grid
    ny, nx = view.grid.shape
    direct = engine_columns(model, view.grid.points)
    worst = 0.0
    for k, maps in enumerate(view.frame.maps):
        for u in range(units[k]):
            worst = max(worst, float(np.max(np.abs(maps[u] - direct[k][:, u].reshape(ny, nx)))))
    assert worst < 1e-6


def test_weight_lines_follow_sign_and_magnitude_and_hover_reads_them(make_window, qtbot):
    w = make_window(preset="moons")
    view = show(w, qtbot, "networkView")
    train(qtbot, w, 20)
    qtbot.waitUntil(lambda: view.frame is not None and view.frame.epoch == 20)
    view._draw_if_pending()
    c = view.canvas
    qtbot.waitUntil(lambda: not c.lines_pending)            # lines follow the tiles within LINE_INTERVAL
    W = w.model.layers[0].params["W"]                        # inputs → dense_1: column 1
    assert np.array_equal(view.frame.weights[1], W)
    for i, j in [np.unravel_index(np.argmax(W), W.shape), np.unravel_index(np.argmin(W), W.shape)]:
        value = float(W[i, j])
        item = c.line_items[(int(value < 0), int(weight_bin(value)))]
        pen = item.pen()
        color = pen.color()          # the sign's colour, paler for weaker weights (opaque, mixed with white)
        base = QColor(POSITIVE if value > 0 else NEGATIVE)
        assert color.alpha() == 255
        t = (255 - color.red()) / (255 - base.red())
        assert 0.2 < t <= 1.0
        for got, full in ((color.green(), base.green()), (color.blue(), base.blue())):
            assert abs(got - (255 + (full - 255) * t)) <= 2
        assert pen.widthF() == pytest.approx(WIDTHS[weight_bin(value)])
        # hovering a point of that line names a weight whose line passes through the point (lines cross)
        x0, y0, x1, y1 = (a[i * W.shape[1] + j] for a in c._segments[1])
        px, py = x0 + 0.3 * (x1 - x0), y0 + 0.3 * (y1 - y0)
        hit = c.item_at(QPointF(px, py))
        assert hit[0] == "weight" and hit[1] == 1
        hx0, hy0, hx1, hy1 = (a[hit[2] * W.shape[1] + hit[3]] for a in c._segments[1])
        assert abs(hy0 + (px - hx0) / (hx1 - hx0) * (hy1 - hy0) - py) * c._scale < 1e-6
        hit_value = float(W[hit[2], hit[3]])
        assert f"{hit_value:+.4f}" in c.describe(hit)
    # widths grow with magnitude, and every weight with a line (all of them, or the MAX_LINES strongest
    # between two wide layers) is drawn once, in the path of its (sign, width) bin
    assert np.all(np.diff(WIDTHS) > 0)
    counts = {}
    for k, Wk in enumerate(view.frame.weights):
        if Wk is not None:
            w_all = Wk.reshape(-1)
            drawn = c.drawn[k]
            assert drawn.sum() == min(w_all.size, MAX_LINES)
            assert np.abs(w_all[drawn]).min() >= np.abs(w_all[~drawn]).max(initial=0)
            for v in w_all[drawn]:
                key = (int(v < 0), int(weight_bin(v)))
                counts[key] = counts.get(key, 0) + 1
    for key, item in c.line_items.items():
        assert (item.path().elementCount() if item.isVisible() else 0) == 2 * counts.get(key, 0)


def test_clicking_a_neuron_puts_its_map_in_the_boundary_view(make_window, qtbot):
    w = make_window(preset="moons")
    view = show(w, qtbot, "networkView")
    train(qtbot, w, 30)
    qtbot.waitUntil(lambda: view.frame is not None and view.frame.epoch == 30)
    view._draw_if_pending()
    c = view.canvas
    k, i = 2, 7                                              # dense_2, its 8th unit
    centre = c.mapFromScene(c.node_rect(k, i).center())
    qtbot.mouseClick(c.viewport(), Qt.LeftButton, pos=centre)
    boundary = w.view("boundaryPlot")
    assert w.viewTabs.currentIndex() == 0 and boundary.isVisible()
    assert boundary.neuron is not None and (boundary.neuron.layer_index, boundary.neuron.unit) == (1, 7)
    assert "dense_2 unit 8" in boundary.heading.text() and "dense_2 unit 8" in boundary.caption.text()
    # drawn on the boundary view's own grid (it fills the plot), equal to the engine's activation there
    ny, nx = boundary.grid.shape
    direct = engine_columns(w.model, boundary.grid.points)[2][:, 7].reshape(ny, nx)
    assert boundary.image_item.image.shape == (ny, nx)
    assert np.max(np.abs(boundary.image_item.image - direct)) < 1e-6
    left, bottom, width, height = boundary.grid.rect
    rect = boundary.image_item.mapRectToParent(boundary.image_item.boundingRect())
    assert (rect.left(), rect.top(), rect.width(), rect.height()) == pytest.approx((left, bottom, width, height))
    assert boundary.backButton.isVisible()
    qtbot.mouseClick(boundary.backButton, Qt.LeftButton)
    assert boundary.neuron is None and boundary.heading.text().startswith("Decision boundary")
    assert boundary.image_item.image.shape == boundary.grid.shape


def test_a_2000_unit_layer_shows_the_top_units_and_stays_responsive(make_window, qtbot):
    w = make_window(preset="moons")
    config = w.current_config()
    config.layers = [{"type": "Dense", "units": 2000, "activation": "relu"},
                     {"type": "Dense", "units": 1, "activation": "sigmoid"}]
    w.apply_config(config)
    view = show(w, qtbot, "networkView")
    from PySide6.QtCore import QTimer

    late, last = [], [None]

    def tick():
        import time
        now = time.perf_counter()
        if last[0] is not None:
            late.append(now - last[0] - 0.010)
        last[0] = now

    timer = QTimer()
    timer.setTimerType(Qt.PreciseTimer)
    timer.timeout.connect(tick)
    timer.start(10)
    train(qtbot, w, 100)
    timer.stop()
    qtbot.waitUntil(lambda: view.frame is not None and view.frame.epoch == 100)
    assert view.heatmap_counts() == [2, view.unit_limit, 1]
    more = [m.text() for m in view.canvas.more_items if m is not None]
    assert more == [f"+ {2000 - view.unit_limit:,} more\nunits not shown"]
    assert view.frames_drawn >= 2
    draw = np.median(view.draw_seconds)
    print(f"2,000-unit layer: {view.frames_drawn} frames, median draw {draw * 1000:.1f} ms, "
          f"timer lateness p99 {np.percentile(late, 99) * 1000:.1f} ms")
    assert draw < 0.05                                       # a draw is a fraction of a frame at 20 frames/s
    assert np.percentile(late, 99) < 0.25                    # the GUI never froze


def test_image_data_shows_bar_strips_for_a_test_sample_and_links_to_feature_maps(make_window, real_data_dir,
                                                                                 qtbot):
    w = make_window(data_dir=real_data_dir, preset="mnist-cnn")
    view = show(w, qtbot, "networkView")
    qtbot.waitUntil(lambda: view.frame is not None and view.frame.values is not None)
    model, ds = w.model, w.dataset
    dense = [i for i, layer in enumerate(model.layers) if layer.kind == "dense"]
    assert sorted(view.sample.strips) == dense
    direct = engine_columns(model, ds.X_test[:1])
    for c, values in zip(view.frame.columns, view.frame.values):
        assert np.max(np.abs(values - direct[c.layer_index + 1][0].reshape(-1))) < 1e-5
    assert view.frame.values[-1].sum() == pytest.approx(1.0, abs=1e-5)
    view._draw_if_pending()
    assert np.allclose(view.sample.strips[dense[-1]].values, view.frame.values[-1])
    assert len(view.sample.links) == 4                       # conv_1, maxpool_1, conv_2, maxpool_2
    qtbot.mouseClick(view.sample.links[0], Qt.LeftButton)
    assert w.viewTabs.current_view() is w.view("featureMapView")
    # the next sample is another input
    show(w, qtbot, "networkView")
    view.nextButton.click()
    qtbot.waitUntil(lambda: view.frame.tag.get("index") == 1)


def test_hidden_space_points_are_the_layers_activations(make_window, qtbot):
    w = make_window(preset="moons")
    view = show(w, qtbot, "hiddenSpaceView")
    train(qtbot, w, 40)
    view.axesCombo.setCurrentIndex(view.axesCombo.findData("units"))
    view.unitASpin.setValue(3)
    view.unitBSpin.setValue(5)
    qtbot.waitUntil(lambda: view._frame is not None and view._frame.mode == "units"
                    and view._frame.axis_names[0].endswith("unit 3"))
    view._draw_if_pending()
    layer = view.layerCombo.currentData()
    assert w.model.layers[layer].name == "dense_4"           # the last hidden layer, by default
    H = engine_columns(w.model, view._probe.X)[layer + 1]
    assert np.max(np.abs(view._frame.points - H[:, [2, 4]])) < 1e-6
    drawn = np.concatenate([np.column_stack(item.getData()) for item in view.scatter_items])
    assert len(drawn) == len(view._probe.X)
