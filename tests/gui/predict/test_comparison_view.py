"""Run comparison: the session's runs overlaid, exploration series on their own thread, gradient norms."""

from __future__ import annotations

import math

import numpy as np
from predict_helpers import train
from PySide6.QtWidgets import QWidget

from nnviz.data import load_dataset
from nnviz.engine.callbacks import GradientNorms
from nnviz.lab.series import series_presets


def comparison(window):
    return window.findChild(QWidget, "comparisonView")


def legend_texts(legend) -> list[str]:
    return [label.text for _sample, label in legend.items]


def run_series(qtbot, view, name, epochs, timeout=120_000):
    with qtbot.waitSignal(view.series_runner.seriesFinished, timeout=timeout):
        assert view.run_series(name, epochs=epochs), view.seriesStatus.text()
        assert view.series_active


def test_initialization_series_overlays_four_runs(make_window, qtbot):
    window = make_window("moons")
    view = comparison(window)
    with qtbot.waitSignal(view.series_runner.seriesFinished, timeout=120_000):
        assert view.run_series("compare-init", epochs=40)
        # while the series trains, the main Train button waits
        assert window.train_block_reason() and "series" in window.train_block_reason()
        assert not window.trainButton.isEnabled()
    assert window.train_block_reason() is None

    records = view.checked_records()
    assert [r.status for r in records] == ["completed"] * 4
    assert legend_texts(view.legend) == ["init zeros", "init small", "init xavier", "init he"]
    for record in records:
        assert record.epochs_done == 40
        x, y = view._curves[record.id][0].getData()
        np.testing.assert_allclose(x, np.arange(1, 41))
        np.testing.assert_allclose(y, record.history["cost"])
    zeros, he = records[0], records[3]
    # all-zero weights: every hidden unit stays identical and dead, the output is 1/2 → cost log 2
    assert abs(zeros.history["cost"][-1] - math.log(2)) < 1e-3
    assert he.history["cost"][-1] < zeros.history["cost"][-1] - 0.05
    assert "4 of 4 runs completed" in view.seriesStatus.text()
    assert not view.norms_shown


def test_series_runs_match_the_engine_on_its_own(make_window, qtbot):
    window = make_window("moons")
    view = comparison(window)
    run_series(qtbot, view, "compare-optimizers", epochs=5)
    _, presets = series_presets("compare-optimizers")
    preset = presets[3]         # adam
    ds = load_dataset(preset.dataset, **preset.dataset_options)
    model = preset.build_model(ds.input_shape)
    history = model.fit(ds.X_train, ds.y_train, optimizer=preset.build_optimizer(), epochs=5,
                        batch_size=preset.batch_size, validation_data=(ds.X_test, ds.y_test))
    record = view.checked_records()[3]
    assert record.title.endswith("optimizer adam, lr 0.001")
    np.testing.assert_allclose(record.history["cost"], history.cost, rtol=1e-6)
    np.testing.assert_allclose(record.history["test_accuracy"], history.test_accuracy)


def test_vanishing_gradients_series_plots_layer_norms(make_window, qtbot, real_data_dir):
    window = make_window("moons", data_dir=real_data_dir)
    view = comparison(window)
    window.viewTabs.setCurrentWidget(view)
    run_series(qtbot, view, "vanishing-gradients", epochs=4)
    sigmoid, relu = view.checked_records()
    assert list(sigmoid.grad_norms) == ["dense_1", "dense_2", "dense_3", "dense_4"]
    assert all(len(v) == 4 for v in sigmoid.grad_norms.values())
    # the same network trained by the engine alone, with the same callback
    _, presets = series_presets("vanishing-gradients")
    ds = load_dataset("cats", data_dir=real_data_dir)
    model = presets[0].build_model(ds.input_shape)
    norms = GradientNorms()
    model.fit(ds.X_train, ds.y_train, optimizer=presets[0].build_optimizer(), epochs=4, callbacks=[norms])
    for name, values in norms.norms.items():
        np.testing.assert_allclose(sigmoid.grad_norms[name], values, rtol=1e-5)
    # vanishing: the first sigmoid layer gets a far smaller gradient than the last
    assert sigmoid.grad_norms["dense_1"][0] < sigmoid.grad_norms["dense_4"][0] / 10
    assert view.norms_shown
    x, y = view._curves[sigmoid.id][4].getData()
    np.testing.assert_allclose(x, [1, 2, 3, 4])
    expected = [np.exp(np.mean(np.log(sigmoid.grad_norms[f"dense_{k}"]))) for k in range(1, 5)]
    np.testing.assert_allclose(10 ** y if view.norm_plot.ctrl.logYCheck.isChecked() else y, expected, rtol=1e-6)


def test_main_window_runs_are_kept_and_labelled_by_what_differs(make_window, qtbot):
    window = make_window("moons")
    train(qtbot, window, epochs=30)
    window.training_panel.initCombo.setCurrentIndex(window.training_panel.initCombo.findData("xavier"))
    train(qtbot, window, epochs=30)     # a changed initializer: Train starts a new network
    view = comparison(window)
    assert [r.epochs_done for r in view.checked_records()] == [30, 30]
    assert legend_texts(view.legend) == ["init he", "init xavier"]
    train(qtbot, window, epochs=10)     # the same network trained further: its record grows
    assert [r.epochs_done for r in view.checked_records()] == [30, 40]


def test_series_waits_for_the_main_run(make_window, qtbot):
    window = make_window("moons")
    view = comparison(window)
    window.epochsSpin.setValue(100_000)
    window.train()
    assert not view.run_series("compare-init", epochs=5)
    assert "Stop the training run" in view.seriesStatus.text()
    with qtbot.waitSignal(window.trainingFinished, timeout=30_000):
        window.stop()


def test_closing_the_window_stops_a_series(make_window, qtbot):
    window = make_window("moons")
    view = comparison(window)
    assert view.run_series("compare-init", epochs=100_000)
    qtbot.waitUntil(lambda: view.checked_records()[0].epochs_done > 2, timeout=30_000)
    window.close()      # the thread-check fixture fails the test if the series thread outlives this
    assert not view.series_active
    assert [r.status for r in view.checked_records()] == ["stopped", "skipped", "skipped", "skipped"]
