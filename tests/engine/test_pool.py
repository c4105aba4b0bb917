"""MaxPool2D: forward against explicit windows, gradient routing (ties included), numerical gradients."""

import numpy as np
import pytest

from nnviz.engine import Conv2D, Dense, Flatten, MaxPool2D, Sequential, gradient_check
from nnviz.engine.layers import layer_from_config


def reference_pool(x, k, s):
    """Max over each window, by plain loops over output pixels."""
    (kh, kw), (sh, sw) = k, s
    m, c, h, w = x.shape
    oh, ow = (h - kh) // sh + 1, (w - kw) // sw + 1
    out = np.empty((m, c, oh, ow))
    for y in range(oh):
        for z in range(ow):
            out[:, :, y, z] = x[:, :, y * sh:y * sh + kh, z * sw:z * sw + kw].max(axis=(2, 3))
    return out


def pool(pool_size=2, stride=None, shape=(2, 3, 8, 8)):
    layer = MaxPool2D(pool_size, stride)
    layer.build(shape[1:], np.random.default_rng(0), np.float64)
    return layer


# (pool_size, stride, input shape): tiling, odd size (11 -> 5), overlapping, gaps, rectangular
CASES = [
    (2, None, (2, 3, 8, 8)),
    (2, None, (2, 2, 11, 11)),
    (3, None, (1, 2, 9, 7)),
    (2, 1, (2, 2, 5, 6)),
    (3, 2, (2, 1, 9, 8)),
    (2, 3, (1, 2, 8, 9)),
    ((2, 3), (1, 2), (2, 2, 6, 7)),
]


def tie_free(shape, seed=0):
    """Distinct values at least 0.01 apart, so a 1e-6 nudge never changes a window's winner."""
    rng = np.random.default_rng(seed)
    return rng.permutation(int(np.prod(shape))).reshape(shape) * 0.01


@pytest.mark.parametrize("k,s,shape", CASES)
def test_forward_matches_windows(k, s, shape):
    layer = pool(k, s, shape)
    x = np.random.default_rng(1).standard_normal(shape)
    out = layer.forward(x)
    ref = reference_pool(x, layer.pool_size, layer.stride)
    assert out.shape == ref.shape == (shape[0], *layer.output_shape(shape[1:]))
    assert np.array_equal(out, ref)


@pytest.mark.parametrize("k,s,shape", CASES)
def test_input_gradient_by_central_differences(k, s, shape):
    """d/dx of sum(G * pool(x)) on tie-free input, element by element."""
    layer = pool(k, s, shape)
    x = tie_free(shape)
    out = layer.forward(x, training=True)
    G = np.random.default_rng(2).standard_normal(out.shape)
    dx = layer.backward(G)
    eps = 1e-6
    numeric = np.empty_like(x)
    for idx in np.ndindex(*x.shape):
        old = x[idx]
        x[idx] = old + eps
        plus = np.sum(G * layer.forward(x))
        x[idx] = old - eps
        minus = np.sum(G * layer.forward(x))
        x[idx] = old
        numeric[idx] = (plus - minus) / (2 * eps)
    diff = np.linalg.norm(dx - numeric) / (np.linalg.norm(dx) + np.linalg.norm(numeric))
    assert diff < 1e-7


def test_ties_send_the_gradient_to_the_first_maximum_only():
    layer = pool(2, None, (2, 3, 6, 6))
    x = np.zeros((2, 3, 6, 6))  # every window is a four-way tie ...
    x[0, 0, 2:4, 2:4] = [[1.0, 5.0], [5.0, 5.0]]  # ... except this one: three-way tie at 5
    x[1, 2, 4:6, 0:2] = [[-1.0, -1.0], [-1.0, 2.0]]  # a unique maximum, last in the window
    out = layer.forward(x, training=True)
    G = np.arange(1, out.size + 1, dtype=float).reshape(out.shape)
    dx = layer.backward(G)
    windows = dx.reshape(2, 3, 3, 2, 3, 2).transpose(0, 1, 2, 4, 3, 5).reshape(2, 3, 3, 3, 4)
    assert np.all(np.count_nonzero(windows, axis=-1) == 1)  # exactly one element per window
    assert np.array_equal(windows.sum(axis=-1), G)  # which receives the whole gradient
    first = np.argmax(windows != 0, axis=-1)
    expected = np.zeros((2, 3, 3, 3), dtype=int)
    expected[0, 0, 1, 1] = 1  # first 5 in row-major order: top right
    expected[1, 2, 2, 0] = 3  # the unique maximum
    assert np.array_equal(first, expected)


def test_ties_with_overlapping_windows_each_pick_one():
    layer = pool(2, 1, (1, 1, 3, 3))
    x = np.ones((1, 1, 3, 3))
    layer.forward(x, training=True)
    dx = layer.backward(np.ones((1, 1, 2, 2)))
    # each of the 4 windows gives its gradient to its own top-left pixel
    assert np.array_equal(dx[0, 0], [[1, 1, 0], [1, 1, 0], [0, 0, 0]])


def test_uncovered_rows_get_zero_gradient():
    layer = pool(2, None, (1, 1, 5, 5))
    x = tie_free((1, 1, 5, 5))
    layer.forward(x, training=True)
    dx = layer.backward(np.ones((1, 1, 2, 2)))
    assert np.all(dx[:, :, 4, :] == 0) and np.all(dx[:, :, :, 4] == 0)
    assert dx.sum() == 4


def test_gradient_check_conv_pool_dense():
    model = Sequential([Conv2D(3, 3, activation="tanh"), MaxPool2D(2), Flatten(), Dense(3, activation="softmax")],
                       input_shape=(2, 9, 9), loss="categorical_crossentropy", init="xavier", seed=1, dtype="float64")
    rng = np.random.default_rng(3)
    result = gradient_check(model, rng.standard_normal((4, 2, 9, 9)), rng.integers(0, 3, 4))
    assert result.relative_difference < 1e-7, result.per_parameter
    assert all(v < 1e-7 for v in result.per_parameter.values()), result.per_parameter


def test_need_input_grad_false_returns_none():
    layer = pool(2, None, (1, 1, 4, 4))
    layer.forward(np.ones((1, 1, 4, 4)), training=True)
    assert layer.backward(np.ones((1, 1, 2, 2)), need_input_grad=False) is None


@pytest.mark.parametrize("shape,needle", [
    ((16,), "MaxPool2D needs image input (C, H, W), but receives flat data of shape (16,)"),
    ((1, 1, 5), "its 2x2 pool is larger than its input 1x5"),
])
def test_shape_refusals(shape, needle):
    with pytest.raises(ValueError) as info:
        MaxPool2D(2, name="pool_a").output_shape(shape)
    assert str(info.value).startswith("pool_a: ")
    assert needle in str(info.value)


def test_pool_after_dense_is_refused_in_a_model():
    with pytest.raises(ValueError, match="maxpool_1: MaxPool2D needs image input"):
        Sequential([Flatten(), Dense(16), MaxPool2D(), Flatten(), Dense(2, activation="softmax")],
                   input_shape=(1, 4, 4), loss="categorical_crossentropy")


def test_config_and_description():
    layer = MaxPool2D(3, stride=2)
    assert layer_from_config("MaxPool2D", layer.get_config()).get_config() == layer.get_config()
    assert layer.describe() == "MaxPool2D(3x3, stride 2)"
    assert MaxPool2D().describe() == "MaxPool2D(2x2)"
    assert MaxPool2D().stride == (2, 2)
    with pytest.raises(ValueError, match="pool_size must be a positive integer"):
        MaxPool2D(0)


def test_non_tiling_pool_matches_pytorch():
    """7x7, pool 2: floor((7 - 2)/2) + 1 = 3; row and column 6 are dropped and get zero gradient."""
    torch = pytest.importorskip("torch")
    import torch.nn.functional as F

    layer = pool(2, None, (2, 3, 7, 7))
    x = tie_free((2, 3, 7, 7), seed=4)
    out = layer.forward(x, training=True)
    g = np.random.default_rng(5).standard_normal(out.shape)
    dx = layer.backward(g)
    tx = torch.tensor(x, requires_grad=True)
    tout = F.max_pool2d(tx, 2)
    tout.backward(torch.tensor(g))
    assert tuple(tout.shape) == out.shape == (2, 3, 3, 3)
    assert np.array_equal(out, tout.detach().numpy())
    assert np.array_equal(dx, tx.grad.numpy())
    assert np.all(dx[:, :, 6, :] == 0) and np.all(dx[:, :, :, 6] == 0)


@pytest.mark.parametrize("k,s", [(2, None), (3, 2)])
def test_non_tiling_pool_passes_gradient_check(k, s):
    model = Sequential([Conv2D(2, 2, activation="tanh"), MaxPool2D(k, s), Flatten(), Dense(2, activation="softmax")],
                       input_shape=(1, 8, 8), loss="categorical_crossentropy", init="xavier", seed=2,
                       dtype="float64")
    assert model.output_shapes[1] == (2, 3, 3)  # conv 8 -> 7; pool 7 -> 3, one row and column dropped
    rng = np.random.default_rng(6)
    result = gradient_check(model, rng.standard_normal((3, 1, 8, 8)), np.array([0, 1, 1]))
    assert result.relative_difference < 1e-7, result.per_parameter
    assert all(v < 1e-7 for v in result.per_parameter.values()), result.per_parameter
