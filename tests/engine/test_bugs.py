"""The teaching bugs are real bugs: the gradient check catches each, training with one suffers."""

import numpy as np
import pytest

from nnviz.engine import SGD, Dense, Sequential, gradient_check
from nnviz.engine.bugs import BACKPROP_BUGS, get_bug


def moons_like(m=120, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((m, 2))
    y = (X[:, 0] * X[:, 1] > 0).astype(int)
    return X, y


def moons_net(dtype="float64"):
    return Sequential([Dense(25, activation="relu"), Dense(50, activation="relu"), Dense(50, activation="relu"),
                       Dense(25, activation="relu"), Dense(1, activation="sigmoid")],
                      input_shape=(2,), seed=1, dtype=dtype)


def test_real_backprop_passes():
    assert gradient_check(moons_net(), *moons_like(), epsilon=1e-6).passed(1e-7)


@pytest.mark.parametrize("name", list(BACKPROP_BUGS))
def test_each_bug_is_caught(name):
    r = gradient_check(moons_net(), *moons_like(), epsilon=1e-6, backward=get_bug(name))
    assert max(r.per_parameter.values()) > 1e-3, r.per_parameter


def test_bugs_leave_the_output_layer_right_where_they_should():
    r = gradient_check(moons_net(), *moons_like(), epsilon=1e-6, backward=get_bug("cat-seed derivative"))
    assert r.per_parameter["dense_5.W"] < 1e-7  # the seed's output layer was right ...
    assert r.per_parameter["dense_1.W"] > 1e-3  # ... its hidden layers were not


def test_cat_seed_bug_stalls_training():
    X, y = moons_like(400)
    right = moons_net("float32").fit(X, y, optimizer=SGD(0.1), epochs=300)
    wrong = moons_net("float32").fit(X, y, optimizer=SGD(0.1), epochs=300, gradient_fn=get_bug("cat-seed derivative"))
    assert right.cost[-1] < 0.5 * right.cost[0]
    assert wrong.cost[-1] > right.cost[-1] * 2


def test_transposed_weight_needs_a_square_matrix():
    model = Sequential([Dense(3, activation="relu"), Dense(1, activation="sigmoid")], input_shape=(2,))
    with pytest.raises(ValueError, match="square weight matrix"):
        gradient_check(model, *moons_like(), backward=get_bug("transposed weight"))


def test_unknown_bug():
    assert get_bug("off") is None
    with pytest.raises(ValueError, match="unknown backprop bug 'typo'"):
        get_bug("typo")
