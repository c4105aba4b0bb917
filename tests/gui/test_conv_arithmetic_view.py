"""Clicking a feature-map pixel shows its convolution arithmetic (the feature-map view's side panel)."""

import numpy as np
from PySide6.QtCore import QPointF, Qt

from .test_feature_map_view import feature_view


def click_pixel(qtbot, grid, tile: int, row: int, col: int) -> None:
    """A real left click on pixel (row, col) of tile ``tile`` of a TileGrid."""
    item = grid.items[tile]
    scene = grid.view.mapViewToScene(QPointF(item.pos().x() + col + 0.5, item.pos().y() + row + 0.5))
    qtbot.mouseClick(grid.viewport(), Qt.LeftButton, pos=grid.mapFromScene(scene))


def test_click_on_a_conv_map_shows_patch_kernel_products_and_the_value(make_window, real_data_dir, qtbot):
    w = make_window(data_dir=real_data_dir, preset="mnist-cnn")
    view = feature_view(w)         # between runs the maps come from the lab's frozen copy of the network
    panel = view.arithmeticPanel
    assert "Click a pixel" in panel.text.text()
    images = view.map_images()
    click_pixel(qtbot, view.blocks["conv_2"].maps, 5, 4, 7)
    assert view.selection == ("conv_2", 5, 4, 7)
    ar = panel.arithmetic
    assert ar is not None and (ar.layer, ar.channel, ar.row, ar.col) == ("conv_2", 5, 4, 7)
    # the value is the map's, exactly; z = Σ products + bias is the network's z to float32 rounding
    assert ar.value == images["conv_2"][5][4, 7]
    assert abs(ar.z - ar.map_z) <= ar.rounding_bound
    assert abs(ar.z - ar.map_z) <= 1e-5 * max(1.0, abs(ar.map_z))
    # the kernel is the network's, the patch is maxpool_1's output under the kernel (no padding)
    np.testing.assert_array_equal(ar.kernel, w.model.layers[2].params["W"][5])
    pooled = np.stack(images["maxpool_1"])
    np.testing.assert_array_equal(ar.patch, pooled[:, 4:7, 7:10])
    np.testing.assert_array_equal(ar.products, ar.patch * ar.kernel)
    text = panel.text.text()
    assert f"{ar.z:.6g}" in text and f"{ar.bias:.6g}" in text and "float32 rounding" in text
    assert "no activation" in text          # mnist-cnn's convolutions have none
    # markers: the clicked pixel, and the 3×3 patch on each of the 4 maps it reads
    assert view.blocks["conv_2"].maps._marker_specs == [(5, 4, 7, 1, 1, "#ff8c00")]
    assert [m[:5] for m in view.blocks["maxpool_1"].maps._marker_specs] == [(c, 4, 7, 3, 3) for c in range(4)]
    # the first conv layer's patch is marked on the input picture
    click_pixel(qtbot, view.blocks["conv_1"].maps, 2, 10, 11)
    ar1 = panel.arithmetic
    x = w.dataset.X_test[0, 0]
    np.testing.assert_array_equal(ar1.patch[0], x[10:13, 11:14])
    assert [m[:5] for m in view.input_grid._marker_specs] == [(0, 10, 11, 3, 3)]
    # a pooling map has no kernel: one sentence says so
    click_pixel(qtbot, view.blocks["maxpool_2"].maps, 0, 1, 1)
    assert panel.arithmetic is None and "max-pooling layer" in panel.text.text()


def test_arithmetic_follows_the_network_while_it_trains(make_window, real_data_dir, qtbot):
    w = make_window(data_dir=real_data_dir, preset="mnist-cnn")
    view = feature_view(w)
    w.epochsSpin.setValue(1)
    view.select_pixel("conv_1", 0, 5, 5)
    first = view.arithmeticPanel.arithmetic
    assert first is not None and first.value == view.map_images()["conv_1"][0][5, 5]
    kernels = [first.kernel.copy()]
    with qtbot.waitSignal(w.trainingFinished, timeout=300_000):
        w.train()
        drawn = view.frames_drawn
        qtbot.waitUntil(lambda: view.frames_drawn >= drawn + 2, timeout=300_000)
        ar = view.arithmeticPanel.arithmetic
        kernels.append(ar.kernel.copy())
        # the numbers are those of the frame on screen (a snapshot), consistent with its map
        assert ar.value == view._frame.maps.layers[0].maps[0, 5, 5]
        assert abs(ar.z - ar.map_z) <= ar.rounding_bound
    assert not np.array_equal(kernels[0], kernels[1])      # the kernel changed as the network learned
