"""Issue 14, item 10: plot exports get a readable name in a sensible folder, the shown aspect, and small SVGs."""

import types
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import QSettings, Qt
from PySide6.QtWidgets import QApplication, QDialog

from nnviz.gui import files as files_module
from nnviz.gui.plot_export import export_plot_file, export_size, thin_for_pixels
from nnviz.gui.views import BoundaryView, CostView

N_EPOCHS = 10_000


def settle(qtbot, ms=50):
    QApplication.processEvents()
    qtbot.wait(ms)
    QApplication.processEvents()


class FakeDialog:
    """Stands in for ExportDialog: records what it was offered, answers Cancel."""
    offered = []

    def __init__(self, title, size, default_path, parent=None):
        FakeDialog.offered.append((title, size, default_path))

    def exec(self):
        return QDialog.Rejected


def ten_thousand_epochs(cost_view, noise=0.01):
    """A 10,000-epoch history, as the training thread's snapshots bring it (noisy: the worst case for SVG)."""
    e = np.arange(1, N_EPOCHS + 1, dtype=np.float64)
    rng = np.random.default_rng(0)
    cost = 0.7 * np.exp(-e / 800) + 0.05 + noise * rng.standard_normal(N_EPOCHS)
    snap = types.SimpleNamespace(
        epoch_offset=0, new_epochs=e, new_epoch_iterations=e, new_cost=cost, new_test_cost=cost + 0.02,
        new_train_accuracy=np.clip(1 - cost, 0, 1), new_test_accuracy=np.clip(0.98 - cost, 0, 1),
        iteration_offset=0, new_iteration_cost=cost, run_epochs=N_EPOCHS, run_start_epoch=0,
        run_start_iteration=0, run_iterations=N_EPOCHS, reason="final")
    cost_view.show_snapshot(snap)
    QApplication.processEvents()
    return e, cost


def test_default_export_name_is_readable_and_not_in_the_working_folder(window, qtbot, tmp_path, monkeypatch):
    w = window
    home = tmp_path / "home"
    (home / "Pictures").mkdir(parents=True)
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(files_module, "ExportDialog", FakeDialog)
    FakeDialog.offered.clear()
    w.epochsSpin.setValue(20)
    w.learningRateSpin.setValue(0.3)
    with qtbot.waitSignal(w.trainingFinished, timeout=60_000):
        w.train()
    boundary = w.findChild(BoundaryView, "boundaryPlot")
    w.files.export_plot_dialog(boundary)
    title, size, default = FakeDialog.offered[-1]
    assert Path(default).name == "moons-boundary-epoch-20.png"
    folder = Path(default).parent
    assert folder != Path.cwd() and str(folder) not in (".", "")
    assert folder == home / "Pictures"
    # once the user saved somewhere, that folder is proposed
    w.settings.set("lastFileDir", str(tmp_path / "lesson"))
    w.files.export_plot_dialog(w.findChild(CostView, "costPlot"))
    assert FakeDialog.offered[-1][2] == str(tmp_path / "lesson" / "moons-cost-epoch-20.png")
    # without a Pictures folder: home
    (home / "Pictures").rmdir()
    w.settings.set("lastFileDir", "")
    w.files.export_plot_dialog(boundary)
    assert Path(FakeDialog.offered[-1][2]).parent == home
    # the other save dialogs name what they save too
    assert w.files.file_stem("run") == "moons-run-epoch-20"


@pytest.mark.parametrize("presentation", [False, True])
def test_png_export_keeps_the_aspect_of_the_view_as_shown(window, qtbot, tmp_path, presentation):
    from PIL import Image

    w = window
    w.resize(1600, 1000)
    if presentation:
        w.presentationAction.trigger()
    settle(qtbot)
    for name in ("boundaryPlot", "costPlot"):
        view = w.view(name)
        item = view.export_item()
        shown = item.width(), item.height()
        assert export_size(item) == shown
        path = tmp_path / f"{name}.png"
        assert w.files.export_plot(view, path, width=1600), w.banner.text()
        with Image.open(path) as image:
            written = image.size
        assert written[0] == 1600
        assert written[1] == pytest.approx(1600 * shown[1] / shown[0], abs=1), (name, shown, written)


def test_svg_of_a_10000_epoch_cost_plot_is_small_and_looks_the_same(window, qtbot, tmp_path):
    from PySide6.QtGui import QImage, QPainter
    from PySide6.QtSvg import QSvgRenderer

    w = window
    w.resize(1600, 1000)
    settle(qtbot)
    cost = w.findChild(CostView, "costPlot")
    ten_thousand_epochs(cost)
    path = tmp_path / "cost.svg"
    assert w.export_plot(cost, path), w.banner.text()
    size = path.stat().st_size
    assert size < 300_000, f"{size:,} bytes"
    x, _ = cost.train_curve.getOriginalDataset()
    assert x.size == N_EPOCHS                          # the plot on screen keeps every point

    # the same drawing without thinning (what the SVG used to be), rendered side by side
    from nnviz.gui import plot_export
    full = tmp_path / "full.svg"
    original = plot_export.thin_for_pixels
    plot_export.thin_for_pixels = lambda x, y, r, c: (np.asarray(x), np.asarray(y))
    try:
        export_plot_file(cost.export_item(), full)
    finally:
        plot_export.thin_for_pixels = original
    assert full.stat().st_size > 3 * size

    def render(p):
        renderer = QSvgRenderer(str(p))
        image = QImage(renderer.defaultSize(), QImage.Format_Grayscale8)
        image.fill(Qt.white)
        painter = QPainter(image)
        renderer.render(painter)
        painter.end()
        ptr = image.constBits()
        return np.frombuffer(ptr, np.uint8, image.sizeInBytes()).reshape(image.height(), image.bytesPerLine()).copy()

    a, b = render(path), render(full)
    assert a.shape == b.shape
    differ = np.abs(a.astype(int) - b.astype(int)) > 64
    assert differ.mean() < 0.005, f"{differ.mean():.2%} of the pixels differ"


def test_thin_for_pixels_keeps_every_peak_in_order():
    x = np.arange(100_000, dtype=float)
    y = np.sin(x / 500.0) + (x == 51_234) * 5.0 - (x == 7_777) * 3.0
    tx, ty = thin_for_pixels(x, y, (0.0, 100_000.0), 500)
    assert tx.size <= 2 * 500 + 2
    assert np.all(np.diff(tx) > 0)                                # still a curve from left to right
    assert ty.max() == y.max() and ty.min() == y.min()            # the spike and the dip survive
    assert (tx[0], tx[-1]) == (x[0], x[-1])
    short = np.arange(10.0)
    assert thin_for_pixels(short, short, (0, 10), 500)[0].size == 10          # nothing to thin


def test_export_plots_from_a_reopened_settings_file(make_window, settings, tmp_path):
    """A folder remembered from an earlier session is where the next export dialog opens."""
    w = make_window()
    w.settings.set("lastFileDir", str(tmp_path))
    w.close()
    settings.sync()
    again = make_window(settings=QSettings(settings.fileName(), QSettings.IniFormat))
    assert again.files.default_folder(pictures=True) == tmp_path
