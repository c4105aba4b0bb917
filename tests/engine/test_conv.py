"""Conv2D: forward against scipy and PyTorch, gradients by central differences, shape refusals."""

import math

import numpy as np
import pytest
from scipy.signal import correlate

from nnviz.engine import Conv2D, Dense, Flatten, Sequential, gradient_check
from nnviz.engine.layers import layer_from_config


def reference_pads(size, k, s, padding):
    """(before, after) zeros along one axis, computed from the definitions in the layer's docstring."""
    if padding == "same":
        total = max((math.ceil(size / s) - 1) * s + k - size, 0)
        return total // 2, total - total // 2
    return padding, padding


def reference_conv(x, W, b, stride, padding):
    """Σ_c correlate(x_padded[n, c], W[d, c], 'valid') subsampled by the stride, plus b[d]; plain loops."""
    m, c, h, w = x.shape
    d, _, kh, kw = W.shape
    sh, sw = stride
    ph, pw = reference_pads(h, kh, sh, padding), reference_pads(w, kw, sw, padding)
    xp = np.pad(x, ((0, 0), (0, 0), ph, pw))
    out = []
    for n in range(m):
        maps = []
        for f in range(d):
            full = sum(correlate(xp[n, ch], W[f, ch], mode="valid") for ch in range(c))
            maps.append(full[::sh, ::sw] + b[f])
        out.append(maps)
    return np.array(out)


# (in_channels, filters, H, W, kernel, stride, padding)
CASES = [
    (1, 4, 7, 7, 3, 1, 0),
    (3, 2, 8, 6, 3, 1, 1),
    (2, 3, 6, 6, 2, 1, 0),       # even kernel
    (2, 3, 7, 9, 3, 2, 0),       # stride 2, odd sizes
    (3, 2, 8, 8, 2, 2, 0),       # stride 2, even sizes
    (2, 2, 7, 9, 3, 2, 1),       # stride 2 with padding
    (2, 3, 7, 6, 3, 1, "same"),  # odd kernel
    (1, 2, 6, 5, 4, 1, "same"),  # even kernel: asymmetric padding
    (2, 2, 7, 8, 3, 2, "same"),  # stride 2: output ceil(H/2)
    (2, 2, 5, 6, (3, 2), (1, 2), 0),  # rectangular kernel and stride
    (1, 2, 8, 8, 2, 3, 0),       # stride larger than the kernel: pixels no window reads
    (2, 3, 6, 6, 1, 2, "same"),  # 1x1 kernel, stride 2, "same": the last row is never read
    (2, 2, 8, 9, 3, 2, 0),       # stride 2 does not tile height 8: floor((8 - 3)/2) + 1 = 3, last row unread
    (1, 2, 10, 10, 3, 2, 1),     # the ResNet down-sampling step: 10 -> 5, last padded row and column unread
    (2, 2, 9, 10, 4, 3, 1),      # stride 3 leaves 2 rows and 1 column past the last window
]


def conv_layer(c, d, h, w, k, s, p, seed=0, activation=None):
    layer = Conv2D(d, k, stride=s, padding=p, activation=activation)
    layer.build((c, h, w), np.random.default_rng(seed), np.float64)
    layer.params["b"][:] = np.random.default_rng(seed + 1).standard_normal(d)
    return layer


@pytest.mark.parametrize("c,d,h,w,k,s,p", CASES)
def test_forward_matches_scipy_reference(c, d, h, w, k, s, p):
    layer = conv_layer(c, d, h, w, k, s, p)
    x = np.random.default_rng(2).standard_normal((3, c, h, w))
    out = layer.forward(x)
    stride = (s, s) if isinstance(s, int) else s
    ref = reference_conv(x, layer.params["W"], layer.params["b"], stride, p)
    assert out.shape == ref.shape == (3, *layer.output_shape((c, h, w)))
    assert np.max(np.abs(out - ref)) < 1e-10


def test_same_padding_keeps_size_with_stride_one_and_ceil_with_stride_two():
    assert Conv2D(4, 3, padding="same").output_shape((1, 28, 28)) == (4, 28, 28)
    assert Conv2D(4, 4, padding="same").output_shape((1, 9, 10)) == (4, 9, 10)
    assert Conv2D(4, 3, stride=2, padding="same").output_shape((1, 7, 8)) == (4, 4, 4)


@pytest.mark.parametrize("c,d,h,w,k,s,p", CASES)
def test_gradient_check_two_conv_layers(c, d, h, w, k, s, p):
    """conv -> tanh conv -> dense: checks W and b of both, and so the second conv's input gradient."""
    layers = [Conv2D(d, k, stride=s, padding=p, activation="tanh"),
              Conv2D(2, 1, activation="tanh"), Flatten(), Dense(3, activation="softmax")]
    model = Sequential(layers, input_shape=(c, h, w), loss="categorical_crossentropy",
                       init="xavier", seed=3, dtype="float64")
    for layer in model.layers[:2]:
        layer.params["b"][:] = np.random.default_rng(4).standard_normal(layer.params["b"].shape) * 0.1
    rng = np.random.default_rng(5)
    X, y = rng.standard_normal((4, c, h, w)), rng.integers(0, 3, 4)
    result = gradient_check(model, X, y)
    assert result.relative_difference < 1e-7, result.per_parameter
    assert all(v < 1e-7 for v in result.per_parameter.values()), result.per_parameter
    assert set(result.per_parameter) == {"conv_1.W", "conv_1.b", "conv_2.W", "conv_2.b", "dense_1.W", "dense_1.b"}


def test_first_layer_skips_input_gradient_but_fills_its_own():
    layer = conv_layer(2, 3, 6, 6, 3, 1, 1)
    x = np.random.default_rng(0).standard_normal((2, 2, 6, 6))
    g = np.random.default_rng(1).standard_normal((2, 3, 6, 6))
    layer.forward(x, training=True)
    dx = layer.backward(g)
    dW = layer.grads["W"].copy()
    layer.forward(x, training=True)
    assert layer.backward(g, need_input_grad=False) is None
    assert np.array_equal(layer.grads["W"], dW)
    assert dx.shape == x.shape


def test_backward_needs_a_training_forward():
    layer = conv_layer(1, 2, 5, 5, 3, 1, 0)
    layer.forward(np.zeros((1, 1, 5, 5)), training=False)
    with pytest.raises(ValueError, match="forward"):
        layer.backward(np.zeros((1, 2, 3, 3)))


def test_float32_stays_float32():
    layer = Conv2D(3, 3, padding=1)
    layer.build((2, 5, 5), np.random.default_rng(0), np.float32)
    x = np.random.default_rng(1).random((4, 2, 5, 5), dtype=np.float32)
    out = layer.forward(x, training=True)
    assert out.dtype == np.float32
    assert layer.backward(np.ones_like(out)).dtype == np.float32


@pytest.mark.parametrize("layers,needle", [
    ([Flatten(), Dense(8), Conv2D(4, 3)], "flat data of shape (8,)"),
    ([Conv2D(4, 5)], "5x5 kernel is larger than its padded input 3x3"),
])
def test_impossible_stacks_are_refused_with_a_sentence(layers, needle):
    shape = (1, 3, 3) if needle.startswith("5x5") else (1, 8, 9)
    with pytest.raises(ValueError) as info:
        Sequential([*layers, Flatten(), Dense(2, activation="softmax")], input_shape=shape,
                   loss="categorical_crossentropy")
    message = str(info.value)
    assert needle in message
    assert message.startswith("conv_")  # names the layer


def test_strides_that_do_not_tile_drop_the_rows_past_the_last_window():
    """Output floor((n + 2p - k)/s) + 1, as in PyTorch and Keras (this stack used to be refused)."""
    assert Conv2D(4, 3, stride=2, name="c").output_shape((1, 8, 9)) == (4, 3, 4)
    model = Sequential([Conv2D(4, 3, stride=2), Flatten(), Dense(2, activation="softmax")], input_shape=(1, 8, 9),
                       loss="categorical_crossentropy")
    assert model.output_shapes[0] == (4, 3, 4)
    for h in (7, 9):
        assert Conv2D(4, 3, stride=2).output_shape((1, h, 9)) == (4, (h - 3) // 2 + 1, 4)


def test_resnet_downsampling_halves_32x32():
    assert Conv2D(8, 3, stride=2, padding=1).output_shape((3, 32, 32)) == (8, 16, 16)
    assert Conv2D(8, 3, stride=2, padding=1).output_shape((3, 31, 33)) == (8, 16, 17)


def test_resnet_downsampling_passes_gradient_check():
    model = Sequential([Conv2D(3, 3, stride=2, padding=1, activation="tanh"), Flatten(),
                        Dense(2, activation="softmax")],
                       input_shape=(2, 32, 32), loss="categorical_crossentropy", init="xavier", seed=6,
                       dtype="float64")
    assert model.output_shapes[0] == (3, 16, 16)
    model.layers[0].params["b"][:] = [0.1, -0.2, 0.05]
    rng = np.random.default_rng(8)
    result = gradient_check(model, rng.standard_normal((2, 2, 32, 32)), np.array([0, 1]))
    assert result.relative_difference < 1e-7, result.per_parameter
    assert all(v < 1e-7 for v in result.per_parameter.values()), result.per_parameter
    assert result.coords_checked == model.count_params()


def test_unread_border_gets_zero_gradient():
    """With padding 1 only the bottom/right zero padding goes unread; without it, input row 31 does."""
    x = np.random.default_rng(0).standard_normal((1, 1, 32, 32))
    layer = conv_layer(1, 2, 32, 32, 3, 2, 1)    # 32 + 2 - 3 = 31: windows reach padded row 32 = input row 31
    dx = layer.backward(np.ones_like(layer.forward(x, training=True)))
    assert dx.shape == (1, 1, 32, 32)
    assert np.all(dx[:, :, 31, :] != 0) and np.all(dx[:, :, :, 31] != 0)
    layer = conv_layer(1, 2, 32, 32, 3, 2, 0)    # 32 - 3 = 29: the last window ends at row 30
    out = layer.forward(x, training=True)
    assert out.shape == (1, 2, 15, 15)
    dx = layer.backward(np.ones_like(out))
    assert np.all(dx[:, :, 31, :] == 0) and np.all(dx[:, :, :, 31] == 0)
    assert np.all(dx[:, :, 30, :31] != 0)


def test_resnet_downsampling_matches_pytorch():
    torch = pytest.importorskip("torch")
    import torch.nn.functional as F

    layer = conv_layer(3, 4, 32, 32, 3, 2, 1)
    x = np.random.default_rng(9).standard_normal((2, 3, 32, 32))
    out = layer.forward(x, training=True)
    g = np.random.default_rng(10).standard_normal(out.shape)
    dx = layer.backward(g)
    tx = torch.tensor(x, requires_grad=True)
    tW = torch.tensor(layer.params["W"], requires_grad=True)  # (out, in, kh, kw), as ours
    tb = torch.tensor(layer.params["b"], requires_grad=True)
    tout = F.conv2d(tx, tW, tb, stride=2, padding=1)
    tout.backward(torch.tensor(g))
    assert tuple(tout.shape) == out.shape == (2, 4, 16, 16)
    assert np.max(np.abs(out - tout.detach().numpy())) < 1e-10
    assert np.max(np.abs(dx - tx.grad.numpy())) < 1e-10
    assert np.max(np.abs(layer.grads["W"] - tW.grad.numpy())) < 1e-10
    assert np.max(np.abs(layer.grads["b"] - tb.grad.numpy())) < 1e-10


@pytest.mark.parametrize("kwargs,needle", [
    ({"filters": 0, "kernel_size": 3}, "filters must be a positive integer"),
    ({"filters": 2, "kernel_size": (3, 0)}, "kernel_size must be a positive integer"),
    ({"filters": 2, "kernel_size": 3, "padding": "full"}, "padding must be"),
    ({"filters": 2, "kernel_size": 3, "padding": -1}, "padding must be"),
    ({"filters": 2, "kernel_size": 3, "stride": 0}, "stride must be a positive integer"),
])
def test_bad_arguments(kwargs, needle):
    with pytest.raises(ValueError, match=needle):
        Conv2D(**kwargs)


def test_config_round_trip_and_description():
    layer = Conv2D(4, (3, 5), stride=2, padding="same", activation="relu", name="c1")
    again = layer_from_config("Conv2D", layer.get_config())
    assert again.get_config() == layer.get_config()
    assert Conv2D(4, 3, activation="relu").describe() == "Conv2D(4, 3x3, relu)"
    assert layer.describe() == "Conv2D(4, 3x5, relu, stride 2, padding same)"
    assert layer.param_shapes((2, 9, 9)) == {"W": (4, 2, 3, 5), "b": (4,)}


@pytest.mark.parametrize("c,d,h,w,k,s,p", CASES)
def test_forward_and_backward_match_pytorch(c, d, h, w, k, s, p):
    torch = pytest.importorskip("torch")
    import torch.nn.functional as F

    layer = conv_layer(c, d, h, w, k, s, p)
    rng = np.random.default_rng(7)
    x = rng.standard_normal((3, c, h, w))
    out = layer.forward(x, training=True)
    g = rng.standard_normal(out.shape)
    dx = layer.backward(g)

    kh, kw = layer.kernel_size
    stride = layer.stride
    ph, pw = reference_pads(h, kh, stride[0], p), reference_pads(w, kw, stride[1], p)
    tx = torch.tensor(x, requires_grad=True)
    tW = torch.tensor(layer.params["W"], requires_grad=True)
    tb = torch.tensor(layer.params["b"], requires_grad=True)
    tout = F.conv2d(F.pad(tx, (pw[0], pw[1], ph[0], ph[1])), tW, tb, stride=stride)
    tout.backward(torch.tensor(g))
    assert np.max(np.abs(out - tout.detach().numpy())) < 1e-10
    assert np.max(np.abs(dx - tx.grad.numpy())) < 1e-10
    assert np.max(np.abs(layer.grads["W"] - tW.grad.numpy())) < 1e-10
    assert np.max(np.abs(layer.grads["b"] - tb.grad.numpy())) < 1e-10
