"""Backprop step by step (issue 11, item 1): stepping shows the engine's matrices, a click on the boundary
picks the sample, each bug is marked where it first differs, big nets are summarised and never block."""

from __future__ import annotations

import threading
import time

import numpy as np
import pytest
from PySide6.QtCore import QElapsedTimer, QPointF, Qt, QTimer

from nnviz.data.dataset import Dataset
from nnviz.engine import Sequential
from nnviz.engine.bugs import BACKPROP_BUGS
from nnviz.engine.layers import Dense
from nnviz.gui.views import BoundaryView, GradCheckView, StepView, ViewContext
from nnviz.gui.views.heat_table import BLOCK, BLOCK_COLUMNS, FullTableDialog
from nnviz.lab.config import RunConfig
from nnviz.lab.step_trace import to_table


def open_step_view(w, qtbot, timeout=30_000) -> StepView:
    view = w.findChild(StepView, "stepView")
    with qtbot.waitSignal(view.traceReady, timeout=timeout):
        w.viewTabs.setCurrentWidget(view)
    return view


def recompute(view, qtbot, action, timeout=30_000):
    with qtbot.waitSignal(view.traceReady, timeout=timeout):
        action()
    qtbot.waitUntil(lambda: not view.computing, timeout=timeout)


def shown(view, key) -> np.ndarray:
    """The numbers the box ``key`` of the current step draws (its table model's array)."""
    box = view.current_card().boxes[key]
    return box.table.model().table


def engine_step(model, X, y):
    """The engine's own gradients on a batch of these samples."""
    net = model.copy()
    Xc, yc = net.check_inputs(X, y)
    net.cost_and_gradients(Xc, net.targets(yc))
    return net


def test_stepping_forward_and_backward_shows_the_engines_matrices(make_window, qtbot):
    w = make_window(preset="moons")
    view = open_step_view(w, qtbot)
    assert view.objectName() == "stepView" and view.title == "Backprop step by step"
    ds, model = w.lab.dataset, w.model
    recompute(view, qtbot, lambda: view.select_sample(7))
    X, y = ds.X_train[7:8], ds.y_train[7:8]
    L = len(model.layers)
    steps = view.steps()
    assert len(steps) == 2 * L + 1 and view.stepList.count() == 2 * L + 1
    view.startButton.click()
    # forward: layer 1 shows X, W, b, Z = X·W + b and A = relu(Z), Z framed as the result, X W b as feeders
    card = view.current_card()
    assert np.array_equal(shown(view, "A_prev"), X)
    assert np.array_equal(shown(view, "W"), model.layers[0].params["W"])
    z = X.astype(np.float64) @ model.layers[0].params["W"] + model.layers[0].params["b"]
    np.testing.assert_allclose(shown(view, "Z"), z, rtol=1e-5, atol=1e-6)
    np.testing.assert_array_equal(shown(view, "A"), np.maximum(shown(view, "Z"), 0))
    assert card.boxes["Z"].role == "result" and sorted(card.feeders()) == ["A_prev", "W", "b"]
    assert "Z[1] = X·W[1] + b[1]" in card.formula.text()
    # step forward layer by layer: each layer's input is the previous layer's output
    previous_A = shown(view, "A").copy()
    for n in range(1, L):
        view.forwardButton.click()
        assert view.steps()[view.position] == ("forward", n)
        assert np.array_equal(shown(view, "A_prev"), previous_A)
        previous_A = shown(view, "A").copy()
    # then backward from the output: dW and db are the engine's gradients for a batch of this one sample
    net = engine_step(model, X, y)
    for n in range(L - 1, -1, -1):
        view.forwardButton.click()
        assert view.steps()[view.position] == ("backward", n)
        assert np.array_equal(shown(view, "dW"), net.layers[n].grads["W"][:BLOCK, :BLOCK_COLUMNS])
        assert np.array_equal(shown(view, "db"), net.layers[n].grads["b"][None, :BLOCK_COLUMNS])
        trace_layer = view.trace.layers[n]
        assert np.array_equal(trace_layer.grads["W"], net.layers[n].grads["W"])    # the whole matrix
        card = view.current_card()
        assert card.boxes["dZ"].role == "result"
        assert sorted(card.feeders()) == (["A", "Y"] if n == L - 1 else ["dA", "gprime"])
        card.select("dW")           # clicking dW: it is computed from A_prev and dZ
        assert sorted(card.feeders()) == ["A_prev", "dZ"]
        card.select("dA_prev")
        assert sorted(card.feeders()) == ["W", "dZ"]
    # the update step: W − lr·dW with the preset's lr (0.01)
    view.forwardButton.click()
    assert view.steps()[view.position] == ("update", -1) and not view.forwardButton.isEnabled()
    lr = np.float32(w.lab.config.lr)
    np.testing.assert_array_equal(shown(view, "newW1"), model.layers[0].params["W"] - lr * net.layers[0].grads["W"])
    # and back again
    view.backButton.click()
    assert view.steps()[view.position] == ("backward", 0)
    assert np.array_equal(shown(view, "dW"), net.layers[0].grads["W"])
    # a test sample instead
    recompute(view, qtbot, lambda: view.select_sample(3, "test"))
    assert np.array_equal(view.trace.X, ds.X_test[3:4]) and view.sampleSpin.maximum() == len(ds.y_test) - 1
    assert "test #3" in view.sampleLabel.text()
    recompute(view, qtbot, lambda: view.select_sample(7))
    view.go(len(view.steps()) - 2)
    # show all: every step at once
    view.showAllCheck.setChecked(True)
    assert len(view.cards) == 2 * L + 1
    # hovering a cell says its value
    box = view.cards[0].boxes["W"]
    box.table.hovered.emit(box.table.model().describe(1, 3))
    assert view.hoverLabel.text() == f"W[1] at [1, 3] = {float(model.layers[0].params['W'][1, 3]):.6g}"


def test_clicking_a_boundary_point_selects_that_sample(make_window, qtbot):
    w = make_window(preset="moons")
    view = open_step_view(w, qtbot)
    w.viewTabs.setCurrentIndex(0)
    boundary = w.findChild(BoundaryView, "boundaryPlot")
    qtbot.waitUntil(lambda: boundary.isVisible())
    ds = w.lab.dataset
    vb = boundary.plot.getViewBox()
    # a training point with no other point within 12 pixels (so the click is unambiguous)
    px, py = vb.viewPixelSize()
    pts = ds.X_train.astype(np.float64)
    d = np.hypot((pts[:, None, 0] - pts[None, :, 0]) / px, (pts[:, None, 1] - pts[None, :, 1]) / py)
    np.fill_diagonal(d, np.inf)
    lonely = [i for i in np.argsort(-d.min(axis=1)) if i != view.sampleSpin.value()]
    i = int(lonely[0])
    scene = vb.mapViewToScene(QPointF(float(pts[i, 0]), float(pts[i, 1])))
    pos = boundary.plot_widget.mapFromScene(scene)
    with qtbot.waitSignal(boundary.sampleClicked, timeout=5000) as blocker:
        qtbot.mouseClick(boundary.plot_widget.viewport(), Qt.LeftButton, pos=pos)
    assert blocker.args == [i]
    assert view.sampleSpin.value() == i
    mx, my = boundary.marker.getData()
    assert (mx[0], my[0]) == (pts[i, 0], pts[i, 1])     # the chosen point is ringed
    with qtbot.waitSignal(view.traceReady, timeout=30_000):
        w.viewTabs.setCurrentWidget(view)
    assert np.array_equal(view.trace.X, ds.X_train[i:i + 1])
    assert f"#{i}" in view.sampleLabel.text()
    # a click far from every point selects nothing
    rect = boundary.image_rect
    far = QPointF(rect.left() + 2 * px, rect.top() + 2 * py)
    assert np.min(np.hypot((pts[:, 0] - far.x()) / px, (pts[:, 1] - far.y()) / py)) > boundary.CLICK_PX
    with qtbot.assertNotEmitted(boundary.sampleClicked):
        qtbot.mouseClick(boundary.plot_widget.viewport(), Qt.LeftButton,
                         pos=boundary.plot_widget.mapFromScene(vb.mapViewToScene(far)))


def test_the_bug_selector_offers_the_gradient_checks_bugs(make_window):
    w = make_window(preset="moons")
    step, check = w.findChild(StepView, "stepView"), w.findChild(GradCheckView, "gradCheckView")
    assert [step.bugCombo.itemData(i) for i in range(step.bugCombo.count())] == \
        [check.bugCombo.itemData(i) for i in range(check.bugCombo.count())] == ["off", *BACKPROP_BUGS]
    with pytest.raises(ValueError, match="unknown backprop bug"):
        step.set_bug("no such bug")


@pytest.mark.parametrize("bug", list(BACKPROP_BUGS))
def test_each_bug_is_marked_where_it_first_differs(make_window, qtbot, bug):
    w = make_window(preset="moons")
    view = open_step_view(w, qtbot)
    recompute(view, qtbot, lambda: view.set_bug(bug))
    t = view.trace
    assert t.bug == bug
    if bug == "dropped 1/m":           # m = 1: no difference, and the view says why
        assert t.first_difference is None and "m = 1" in view.bugLabel.text()
        recompute(view, qtbot, lambda: view.batchSpin.setValue(2))
        t = view.trace
    layer, what = t.first_difference
    steps = view.steps()
    row = steps.index(("backward", layer))
    marked = [r for r in range(view.stepList.count()) if "✘" in view.stepList.item(r).text()]
    assert marked == [row]
    assert t.layers[layer].name in view.bugLabel.text()
    view.go(row)
    card = view.current_card()
    bad = [k for k, b in card.boxes.items() if b.role == "differs"]
    assert f"bug.{what}" in bad
    # the bugged box draws the bug's numbers, beside the correct box
    key = what.replace("grads.", "d")
    bugged = t.layers[layer].bugged[what] if not what.startswith("grads.") else \
        t.layers[layer].bugged["grads"][what.split(".")[1]]
    assert np.array_equal(shown(view, f"bug.{what}"), to_table(bugged)[:BLOCK, :BLOCK_COLUMNS])
    assert not np.array_equal(shown(view, f"bug.{what}"), shown(view, key if key != "dA_prev" else "dA_prev"))
    # every backward step above it shows its bugged values equal to the correct ones
    for n in range(len(t.layers) - 1, layer, -1):
        view.go(steps.index(("backward", n)))
        roles = {k: b.role for k, b in view.current_card().boxes.items() if k.startswith("bug.")}
        assert roles and set(roles.values()) == {"same"}


def test_cat_seed_bug_on_the_cats_preset(make_window, qtbot, real_data_dir):
    w = make_window(preset="cats-seed", data_dir=real_data_dir)
    view = open_step_view(w, qtbot)
    assert view.thumbnail.isVisible() and not view.thumbnail.pixmap().isNull()
    recompute(view, qtbot, lambda: view.set_bug("cat-seed derivative"))
    t = view.trace
    # Flatten, then Dense 4, 3, 2, 1: the output layer is right, the last hidden layer's dZ is the first wrong
    assert t.first_difference == (3, "dZ")
    # a 12288-wide input is summarised: its corner, shape and an Open full table button
    view.go(view.steps().index(("backward", 1)))
    box = view.current_card().boxes["A_prev"]
    assert box.truncated and box.full_button is not None
    dialog = box.open_full()
    assert isinstance(dialog, FullTableDialog)
    assert dialog.view.model().columnCount() == 12288 and dialog.view.model().rowCount() == 1
    dialog.close()


def test_a_ten_million_weight_network_is_summarised_and_never_blocks(qtbot):
    """~10 million weights: the step runs off the GUI thread, a 20 ms timer stays on time, tables are corners."""
    n_in = 3000
    model = Sequential([Dense(3000, activation="relu"), Dense(300, activation="relu"), Dense(1, activation="sigmoid")],
                       input_shape=(n_in,), seed=0)
    assert model.count_params() > 9_900_000
    rng = np.random.default_rng(0)
    ds = Dataset(X_train=rng.normal(size=(4, n_in)).astype(np.float32), y_train=np.array([0, 1, 0, 1]),
                 X_test=np.zeros((0, n_in), np.float32), y_test=np.zeros(0, np.int64), class_names=["a", "b"],
                 input_shape=(n_in,), name="wide")
    view = StepView()
    qtbot.addWidget(view)
    view.resize(1400, 900)
    view.show()
    qtbot.waitExposed(view)
    lateness, last = [], [None]
    clock = QElapsedTimer()
    clock.start()

    def tick():
        now = clock.elapsed()
        if last[0] is not None:
            lateness.append(now - last[0] - 20)
        last[0] = now

    timer = QTimer()
    timer.timeout.connect(tick)
    timer.start(20)
    gui_thread = threading.get_ident()
    t0 = time.perf_counter()
    with qtbot.waitSignal(view.traceReady, timeout=120_000):
        view.reset(ViewContext(dataset=ds, model=model, config=RunConfig(), generation=1))
        assert view.task.active          # reset returns at once: the work is on the task's thread
    elapsed = time.perf_counter() - t0
    timer.stop()
    assert view.trace_thread != gui_thread
    assert len(lateness) >= 3
    print(f"10M-weight step: {elapsed:.2f} s, {len(lateness)} ticks, worst timer lateness {max(lateness)} ms")
    assert max(lateness) < 250, lateness
    # every table drawn is a corner; the 3000 × 3000 weights have a summary computed off the GUI thread
    for n in range(len(view.steps())):
        view.go(n)
        for box in view.current_card().boxes.values():
            if box.table is not None:
                assert box.table.model().rowCount() <= BLOCK and box.table.model().columnCount() <= BLOCK_COLUMNS
    W = view.trace.layers[0].params["W"]
    assert id(W) in view.summaries and view.summaries[id(W)]["shape"] == (3000, 3000)
    assert view.summaries[id(W)]["max"] == float(W.max())
    # the full 3000 × 3000 table opens at once (a lazy model: no item per cell)
    view.go(view.steps().index(("forward", 0)))
    box = view.current_card().boxes["W"]
    assert box.truncated
    t0 = time.perf_counter()
    dialog = box.open_full()
    qtbot.waitExposed(dialog)
    opened = time.perf_counter() - t0
    assert dialog.view.model().rowCount() == 3000 and dialog.view.model().columnCount() == 3000
    assert dialog.view.model().describe(2999, 2999).endswith(f"= {float(W[2999, 2999]):.6g}")
    print(f"full 3000 × 3000 table opened in {opened:.2f} s")
    assert opened < 2.0
    dialog.close()


def test_the_tab_title_shortens_when_the_tab_bar_is_full(make_window, qtbot):
    """On a projector (large fonts) at 1280×720 with the settings panel the full title does not fit."""
    w = make_window(preset="moons")
    view = w.findChild(StepView, "stepView")
    tabs = w.viewTabs.group_of(view)        # the "Explain" tab's own bar
    assert tabs.tabText(tabs.indexOf(view)) == "Backprop step by step"
    w.presentationAction.trigger()
    w.settingsPanelAction.setChecked(True)
    w.setWindowState(Qt.WindowNoState)
    w.resize(1280, 720)
    bar = tabs.tabBar()
    w.viewTabs.show_view(view)
    qtbot.waitUntil(lambda: bar.sizeHint().width() <= bar.width() + 1
                    or tabs.tabText(tabs.indexOf(view)) == StepView.TITLES[-1], timeout=5000)
    # the longest form that fits; the shortest when none does (other tabs may fill the bar)
    title = tabs.tabText(tabs.indexOf(view))
    assert bar.sizeHint().width() <= bar.width() + 1 or title == StepView.TITLES[-1]
    assert "Backprop step by step" in tabs.tabToolTip(tabs.indexOf(view))
    w.presentationAction.trigger()         # back to normal fonts in a wide window: the full title again
    w.setWindowState(Qt.WindowNoState)
    w.resize(1600, 1000)
    qtbot.waitUntil(lambda: tabs.tabText(tabs.indexOf(view)) == "Backprop step by step", timeout=5000)


def test_no_network_and_a_diverged_network(qtbot):
    """No network: one sentence instead of tables. NaN weights: the step is still shown, NaN cells grey."""
    rng = np.random.default_rng(1)
    ds = Dataset(X_train=rng.normal(size=(5, 2)).astype(np.float32), y_train=np.array([0, 1, 0, 1, 1]),
                 X_test=np.zeros((0, 2), np.float32), y_test=np.zeros(0, np.int64), class_names=["a", "b"],
                 input_shape=(2,), name="pts")
    view = StepView()
    qtbot.addWidget(view)
    view.resize(1200, 800)
    view.show()
    qtbot.waitExposed(view)
    view.reset(ViewContext(dataset=ds, model=None, config=RunConfig(), generation=1))
    assert view.stack.currentIndex() == 1 and "no network yet" in view.message.text()
    assert not view.task.active
    model = Sequential([Dense(3, activation="relu"), Dense(1, activation="sigmoid")], input_shape=(2,), seed=0)
    model.layers[0].params["W"][0, 0] = np.nan
    with qtbot.waitSignal(view.traceReady, timeout=30_000):
        view.reset(ViewContext(dataset=ds, model=model, config=RunConfig(), generation=2))
    assert view.stack.currentIndex() == 0
    assert np.isnan(view.trace.cost) or np.isnan(view.trace.output).any()
    box = view.current_card().boxes["W"]
    assert box.table.model().data(box.table.model().index(0, 0), Qt.BackgroundRole).name() == "#444444"
    view.select_sample(4, "test")          # an empty test set: said, not crashed
    assert view.stack.currentIndex() == 1 and "no test samples" in view.message.text()
