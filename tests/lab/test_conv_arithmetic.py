"""Convolution arithmetic of one feature-map pixel: the shown Σ products + bias is the map's z to float32
rounding, the products are the input patch times the kernel, and the map agrees with PyTorch/SciPy."""

from __future__ import annotations

import numpy as np
import pytest

from nnviz.engine import Sequential
from nnviz.engine.feature_maps import feature_maps
from nnviz.engine.layers import Conv2D, Dense, Flatten, MaxPool2D
from nnviz.lab.conv_arithmetic import conv_arithmetic


def net(padding, stride, activation, dtype="float32"):
    model = Sequential([Conv2D(3, 3, stride=stride, padding=padding, activation=activation), MaxPool2D(2),
                        Conv2D(4, (3, 2), padding="same", activation="relu"), Flatten(),
                        Dense(3, activation="softmax")],
                       input_shape=(2, 9, 10), loss="categorical_crossentropy", dtype=dtype, seed=4)
    rng = np.random.default_rng(1)
    for layer in model.layers:
        if "b" in layer.params:
            layer.params["b"][:] = rng.normal(size=layer.params["b"].shape) * 0.3
    return model


@pytest.mark.parametrize("padding, stride, activation", [(0, 1, None), (1, 2, "relu"), ("same", 1, "tanh")])
def test_every_pixel_sum_plus_bias_is_the_map_value_to_float32_rounding(padding, stride, activation):
    model = net(padding, stride, activation)
    x = np.random.default_rng(2).random((2, 9, 10)).astype(np.float32)
    fm = feature_maps(model, x)
    for lm in (l for l in fm.layers if l.kind == "conv"):
        d, oh, ow = lm.maps.shape
        for ch in range(d):
            for r in range(oh):
                for c in range(ow):
                    ar = conv_arithmetic(lm, ch, r, c)
                    assert abs(ar.z - ar.map_z) <= ar.rounding_bound, (lm.name, ch, r, c)
                    assert ar.value == lm.maps[ch, r, c]          # the activation of the map's z: exact
                    np.testing.assert_array_equal(ar.products, ar.patch * ar.kernel)
                    assert ar.total == pytest.approx(ar.channel_sums.sum(), rel=1e-15)


def test_float64_network_agrees_far_below_float32_rounding_and_patch_is_the_input():
    model = net(1, 1, "relu", dtype="float64")
    x = np.random.default_rng(3).random((2, 9, 10))
    fm = feature_maps(model, x)
    lm = fm.layers[0]
    ar = conv_arithmetic(lm, 1, 0, 4)
    # with padding 1, the patch of output (0, 4) starts at input row -1: its first row is padding
    assert ar.top_left == (-1, 3)
    assert ar.padding[:, 0, :].all() and not ar.padding[:, 1:, :].any()
    np.testing.assert_array_equal(ar.patch[:, 0, :], 0.0)
    np.testing.assert_array_equal(ar.patch[:, 1:, :], x[:, 0:2, 3:6].astype(np.float32))
    np.testing.assert_array_equal(ar.kernel, model.layers[0].params["W"][1].astype(np.float32))
    # the inputs the map kept are float32 copies: the residual is float32 rounding of the inputs only
    assert abs(ar.z - ar.map_z) <= ar.rounding_bound


def test_map_equals_an_independent_reference_convolution():
    torch = pytest.importorskip("torch")
    model = net(1, 2, "relu")
    x = np.random.default_rng(4).random((2, 9, 10)).astype(np.float32)
    lm = feature_maps(model, x).layers[0]
    ref = torch.nn.functional.conv2d(torch.from_numpy(x[None].astype(np.float64)),
                                     torch.from_numpy(lm.weights.astype(np.float64)),
                                     torch.from_numpy(lm.bias.astype(np.float64)), stride=2, padding=1)[0].numpy()
    np.testing.assert_allclose(lm.preactivation, ref, rtol=1e-5, atol=1e-6)
    ar = conv_arithmetic(lm, 2, 3, 1)
    # the reference multiplies in float64, the arithmetic in float32 (as the engine): each product is off by at
    # most half an ulp, so the sums differ by at most ε₃₂/2 · Σ|products| (plus float64 summation noise)
    eps = float(np.finfo(np.float32).eps)
    assert abs(ar.z - ref[2, 3, 1]) <= eps / 2 * np.abs(ar.products.astype(np.float64)).sum() + 1e-15


def test_pooling_and_out_of_range_pixels_get_a_sentence():
    model = net(0, 1, None)
    fm = feature_maps(model, np.zeros((2, 9, 10), np.float32))
    with pytest.raises(ValueError, match="only convolution layers"):
        conv_arithmetic(fm.layers[1], 0, 0, 0)
    with pytest.raises(ValueError, match="outside its 3 maps of 7×8"):
        conv_arithmetic(fm.layers[0], 0, 7, 0)
