"""Exports (PNG, SVG, boundary GIF) and run files saved and reopened, on the real window."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import numpy as np
import pytest
from PIL import Image
from predict_helpers import train
from PySide6.QtWidgets import QWidget

from nnviz.engine import load_model
from nnviz.gui.plot_export import export_size
from nnviz.lab.animation import BoundaryRecorder


def view(window, name):
    return window.findChild(QWidget, name)


def test_boundary_animation_is_an_animated_gif(make_window, qtbot, tmp_path):
    window = make_window("moons")
    train(qtbot, window, epochs=400)
    recorder = window.boundary_recorder
    # the untrained network, then a frame every 50 iterations (full batch: one per epoch), or every
    # 100, 200, ... once frames of this fast net cost more than their share of the run
    iterations = [f.iteration for f in recorder.frames]
    assert iterations[:2] == [0, 50] and len(iterations) >= 3
    assert all(i % 50 == 0 for i in iterations) and (np.diff(iterations) > 0).all()
    assert recorder.all_frames()[-1].iteration == 400      # the final state is always there
    path = tmp_path / "boundary.gif"
    assert window.export_boundary_animation(path)
    with Image.open(path) as gif:
        assert gif.format == "GIF" and gif.is_animated
        assert gif.n_frames == len(recorder.all_frames()) > 1
        assert gif.info.get("loop") == 0
        first = np.asarray(gif.convert("RGB"))
        gif.seek(gif.n_frames - 1)
        last = np.asarray(gif.convert("RGB"))
    assert first.shape == last.shape and np.abs(first.astype(int) - last).mean() > 1   # the boundary moved


def test_boundary_animation_needs_points_and_training(make_window, qtbot, tmp_path):
    window = make_window("moons")
    assert not window.export_boundary_animation(tmp_path / "early.gif")
    assert "nothing to animate yet" in window.banner.text()
    assert not (tmp_path / "early.gif").exists()


def test_recorder_stays_bounded():
    class Frame:
        xs, ys = np.linspace(0, 1, 4), np.linspace(0, 1, 4)
        probs = np.full((4, 4), 0.5, dtype=np.float32)
        contour_x = contour_y = np.empty(0)

    class Points:
        input_shape = (2,)
        X_train = X_test = np.zeros((3, 2), dtype=np.float32) + np.arange(3)[:, None]
        y_train = y_test = np.array([0, 1, 0])
        class_names = ["0", "1"]

    recorder = BoundaryRecorder(every=1, max_frames=10)
    recorder.reset(Points())
    for i in range(1, 1001):
        recorder.add(i, i, Frame())
    assert len(recorder.frames) <= 10
    steps = np.diff([f.iteration for f in recorder.frames])
    assert (steps >= recorder.every // 2).all() and recorder.every >= 100
    assert recorder.all_frames()[-1].iteration == 1000      # the final state is always there


def test_the_film_ends_in_the_state_the_run_ended_in():
    class Frame:
        xs, ys = np.linspace(0, 1, 4), np.linspace(0, 1, 4)
        contour_x = contour_y = np.empty(0)

        def __init__(self, p):
            self.probs = np.full((4, 4), p, dtype=np.float32)

    class Points:
        input_shape = (2,)
        X_train = X_test = np.zeros((3, 2), dtype=np.float32) + np.arange(3)[:, None]
        y_train = y_test = np.array([0, 1, 0])
        class_names = ["0", "1"]

    class Snap:
        def __init__(self, reason, iteration, probes):
            self.reason, self.iteration, self.epoch, self.probes = reason, iteration, iteration, probes

    recorder = BoundaryRecorder(every=50)
    recorder.reset(Points())
    recorder.add_snapshot(Snap("final", 0, {"boundary": Frame(0.5)}))                       # untrained
    recorder.add_snapshot(Snap("progress", 60, {"boundary_frames": [(50, 50, Frame(0.4))],
                                                "boundary": Frame(0.3)}))                  # live only: not kept
    recorder.add_snapshot(Snap("final", 130, {"boundary_frames": [], "boundary": Frame(0.2)}))
    recorder.add_snapshot(Snap("final", 140, {"boundary": Frame(np.nan)}))                 # diverged: refused
    frames = recorder.all_frames()
    assert [f.iteration for f in frames] == [0, 50, 130]
    assert frames[-1].probs[0, 0] == round(0.2 * 255)


@pytest.mark.parametrize("name", ["costPlot", "boundaryPlot", "predictionView", "comparisonView"])
def test_png_and_svg_exports_have_the_plot_size(make_window, qtbot, tmp_path, name):
    window = make_window("moons")
    train(qtbot, window, epochs=50)
    target = view(window, name)
    width, height = export_size(target.export_item())
    assert width > 100 and height > 100

    png = tmp_path / "plot.png"
    assert window.export_plot(target, png)
    with Image.open(png) as img:
        assert img.format == "PNG" and img.size == (width, height)

    wide = tmp_path / "wide.png"
    assert window.export_plot(target, wide, width=1600)
    with Image.open(wide) as img:
        assert img.size == (1600, int(1600 * height / width))

    svg = tmp_path / "plot.svg"
    assert window.export_plot(target, svg, width=1200), window.banner.text()
    root = ET.parse(svg).getroot()
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    assert (int(root.get("width")), int(root.get("height"))) == (1200, round(1200 * height / width))
    assert len(root.findall(".//{http://www.w3.org/2000/svg}path")) > 0


def test_export_refuses_other_formats(make_window, tmp_path):
    window = make_window("moons")
    assert not window.export_plot(view(window, "costPlot"), tmp_path / "plot.jpg")
    assert "exported as .png or .svg" in window.banner.text()


def test_run_file_round_trip(make_window, qtbot, tmp_path):
    window = make_window("moons")
    window.learningRateSpin.setValue(0.05)
    train(qtbot, window, epochs=120)
    saved_history = window.model.history.to_dict()
    saved_weights = [p.copy() for layer in window.model.layers for p in layer.params.values()]
    path = tmp_path / "run.h5"
    assert window.save_run_file(path)
    _, _, extra = load_model(path, with_optimizer=True, with_extra=True)
    assert extra["class_names"] == list(window.dataset.class_names) and extra["dataset"] == "moons"

    window.reset()
    window.learningRateSpin.setValue(0.2)
    assert window.model.history.epochs_done == 0

    assert window.open_run_file(path)
    assert window.learningRateSpin.value() == pytest.approx(0.05)
    assert window.model.history.to_dict() == saved_history
    for before, after in zip(saved_weights, (p for layer in window.model.layers for p in layer.params.values())):
        np.testing.assert_array_equal(before, after)
    cost = view(window, "costPlot")
    np.testing.assert_allclose(cost.cost.values, saved_history["cost"])
    comparison = view(window, "comparisonView")
    titles = [r.title for r in comparison.checked_records()]
    assert "run.h5" in titles
    # the reopened network trains on from where it stopped
    train(qtbot, window, epochs=10)
    assert window.model.history.epochs_done == 130


def test_run_file_classifies_images_from_the_command_line(make_window, qtbot, real_data_dir, tmp_path, capsys):
    from predict_helpers import write_rgb_png

    from nnviz.cli import main
    from nnviz.data import load_dataset

    ds = load_dataset("cats", data_dir=real_data_dir)
    window = make_window("cats-deep", data_dir=real_data_dir)
    train(qtbot, window, epochs=100)
    run = tmp_path / "cats-run.h5"
    assert window.save_run_file(run)
    image = tmp_path / "photo.png"
    write_rgb_png(image, ds.X_test[0])
    p_cat = float(window.model.predict(ds.X_test[:1])[0, 0])
    assert main(["predict", str(run), str(image), str(tmp_path / "missing.png")]) == 1
    out, err = capsys.readouterr()
    top, p = ("cat", p_cat) if p_cat >= 0.5 else ("non-cat", 1 - p_cat)
    assert f"{image}: {top} ({p:.1%})" in out           # the class names travel in the run file
    assert err.strip() == f"{tmp_path / 'missing.png'}: no such file"     # the path is said once
