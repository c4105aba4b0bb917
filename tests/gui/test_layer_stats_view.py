"""The layer-statistics tab: what it draws after a run equals what the lab recorded, and it names starving layers."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtWidgets import QComboBox, QSpinBox

from nnviz.lab.layer_stats import UPDATE_RATIO_GUIDE

from .test_main_window import choose, find, quick_moons, train_and_wait


def _show(w, view, quantity: str, qtbot) -> None:
    w.viewTabs.setCurrentWidget(view)
    combo = view.quantityCombo
    combo.setCurrentIndex(combo.findData(quantity))
    qtbot.waitUntil(lambda: not view._pending, timeout=5_000)


def test_after_a_moons_run_each_layer_has_its_bands_and_the_medians_match_the_rows(make_window, qtbot):
    w = make_window()
    quick_moons(w, qtbot, epochs=300)
    train_and_wait(w, qtbot)
    view = w.view("layerStatsView")
    _show(w, view, "grads", qtbot)
    names = [layer.name for layer in w.model.layers if "W" in layer.params]
    assert list(view.plots) == names
    epochs = [r.epoch for r in view.rows]
    assert epochs[0] == 0 and epochs[-1] == 300 and set(range(1, 17)) <= set(epochs)
    for name in names:
        assert view.medians[name] in view.plots[name].items
        x, y = view.medians[name].getData()
        expected = np.log10([r.layers[name].grads[2] for r in view.rows if r.layers[name].grads[2] > 0])
        np.testing.assert_allclose(y, expected)
        assert len(x) == len(expected)
    # the last row's weights are the trained network's
    last = view.rows[-1].layers[names[0]]
    np.testing.assert_allclose(last.weights[2], np.median(w.model.layers[0].params["W"]), rtol=1e-6)

    _show(w, view, "update_ratio", qtbot)
    plot = view.plots["all layers"]
    guide = [i for i in plot.items if isinstance(i, pg.InfiniteLine)]
    assert guide and guide[0].value() == np.log10(UPDATE_RATIO_GUIDE)
    assert len([i for i in plot.items if isinstance(i, pg.PlotDataItem)]) == len(names)
    _show(w, view, "units", qtbot)
    assert "ReLU units dead" in view.summary.text()


def test_the_vanishing_gradients_network_shows_its_first_layer_starving(make_window, qtbot, real_data_dir):
    w = make_window(data_dir=real_data_dir)
    choose(find(w, QComboBox, "presetCombo"), "cats-vanishing")
    from .helpers import wait_for_dataset

    wait_for_dataset(w, qtbot)
    find(w, QSpinBox, "epochsSpin").setValue(60)
    train_and_wait(w, qtbot, timeout=120_000)
    view = w.view("layerStatsView")
    _show(w, view, "grads", qtbot)
    last = view.rows[-1].layers
    assert last["dense_4"].grads[2] >= 1000 * last["dense_1"].grads[2]
    assert "dense_1's median gradient is" in view.summary.text()
    assert "smaller than dense_4's" in view.summary.text()


def test_a_network_without_weights_gets_a_message_not_plots(make_window, qtbot):
    w = make_window()
    view = w.view("layerStatsView")
    from nnviz.lab.lab import ViewContext

    view.reset(ViewContext(dataset=w.dataset, model=None))
    assert view.stack.currentIndex() == 1 and "Build a network" in view.message.text()
    assert view.probes(ViewContext(dataset=w.dataset, model=None)) == []
