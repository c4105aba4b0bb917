"""Optimizer updates against values computed by hand for a few steps."""

import numpy as np
import pytest

from nnviz.engine import SGD, Adagrad, Adam, Momentum, RMSProp, get_optimizer

GRADS = [np.array([0.5, -1.0]), np.array([0.25, 2.0]), np.array([-1.0, 0.0])]


def run(opt, start=(1.0, 2.0)):
    p = np.array(start)
    out = []
    for g in GRADS:
        opt.step([(p, g.copy())])
        out.append(p.copy())
    return out


def test_sgd():
    out = run(SGD(lr=0.1))
    np.testing.assert_allclose(out[0], [1 - 0.05, 2 + 0.1])
    np.testing.assert_allclose(out[2], [1 - 0.05 - 0.025 + 0.1, 2 + 0.1 - 0.2])


def test_momentum():
    # v = βv + (1-β)g ; p -= lr v
    out = run(Momentum(lr=0.1, beta=0.9))
    v1 = 0.1 * GRADS[0]
    v2 = 0.9 * v1 + 0.1 * GRADS[1]
    np.testing.assert_allclose(out[0], np.array([1.0, 2.0]) - 0.1 * v1)
    np.testing.assert_allclose(out[1], np.array([1.0, 2.0]) - 0.1 * v1 - 0.1 * v2)


def test_rmsprop():
    out = run(RMSProp(lr=0.01, rho=0.9, epsilon=1e-7))
    s1 = 0.1 * GRADS[0] ** 2
    p1 = np.array([1.0, 2.0]) - 0.01 * GRADS[0] / (np.sqrt(s1) + 1e-7)
    s2 = 0.9 * s1 + 0.1 * GRADS[1] ** 2
    p2 = p1 - 0.01 * GRADS[1] / (np.sqrt(s2) + 1e-7)
    np.testing.assert_allclose(out[0], p1)
    np.testing.assert_allclose(out[1], p2)
    # hand value of the first step: |g|/sqrt(0.1 g²) = sqrt(10)
    np.testing.assert_allclose(out[0], [1 - 0.01 * np.sqrt(10), 2 + 0.01 * np.sqrt(10)], rtol=1e-6)


def test_adagrad():
    out = run(Adagrad(lr=0.1, epsilon=1e-7))
    s1 = GRADS[0] ** 2
    s2 = s1 + GRADS[1] ** 2
    p1 = np.array([1.0, 2.0]) - 0.1 * GRADS[0] / (np.sqrt(s1) + 1e-7)
    np.testing.assert_allclose(out[0], p1)
    np.testing.assert_allclose(out[1], p1 - 0.1 * GRADS[1] / (np.sqrt(s2) + 1e-7))


def test_adam_matches_the_paper():
    out = run(Adam(lr=0.01, beta1=0.9, beta2=0.999, epsilon=1e-8))
    p = np.array([1.0, 2.0])
    m = v = np.zeros(2)
    for t, g in enumerate(GRADS, start=1):
        m = 0.9 * m + 0.1 * g
        v = 0.999 * v + 0.001 * g * g
        mhat, vhat = m / (1 - 0.9**t), v / (1 - 0.999**t)
        p = p - 0.01 * mhat / (np.sqrt(vhat) + 1e-8)
        np.testing.assert_allclose(out[t - 1], p, rtol=1e-12)
    # first Adam step moves each coordinate by lr (sign of g), by hand
    np.testing.assert_allclose(run(Adam(lr=0.01))[0], [0.99, 2.01], rtol=1e-6)


def test_state_is_keyed_by_parameter_not_name():
    opt = Momentum(lr=0.1, beta=0.5)
    a, b = np.zeros(2), np.zeros(2)
    opt.step([(a, np.ones(2)), (b, -np.ones(2))])
    opt.step([(a, np.ones(2)), (b, -np.ones(2))])
    np.testing.assert_allclose(a, -b)
    assert len(opt._state) == 2


@pytest.mark.parametrize("lr", [0, -0.1, float("nan")])
def test_bad_learning_rate(lr):
    with pytest.raises(ValueError, match="learning rate must be a positive number"):
        SGD(lr=lr)


def test_get_optimizer():
    opt = get_optimizer({"name": "adam", "lr": 0.002}, lr=0.003)
    assert isinstance(opt, Adam) and opt.lr == 0.003
    with pytest.raises(ValueError, match="unknown optimizer 'nesterov'"):
        get_optimizer("nesterov")
