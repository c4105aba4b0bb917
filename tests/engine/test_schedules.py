"""Learning-rate schedules: each sequence against hand-computed values (and PyTorch's schedulers where
they use the same formula), and ``fit`` using and recording them."""

from __future__ import annotations

import math

import numpy as np
import pytest

from nnviz.engine import SGD, Dense, Schedule, Sequential
from nnviz.engine.schedules import get_schedule


def test_constant_is_the_base_rate():
    assert Schedule().sequence(0.05, 4, 3) == [0.05] * 12


def test_step_halves_every_two_epochs_per_epoch():
    # lr0 = 0.8, γ = 0.5, s = 2, three iterations an epoch: 0.8 0.8 0.4 0.4 0.2 (epoch-wise)
    seq = Schedule("step", step_size=2, gamma=0.5).sequence(0.8, 5, 3)
    expected = [0.8] * 6 + [0.4] * 6 + [0.2] * 3
    assert seq == pytest.approx(expected, rel=1e-15)


def test_exponential_per_epoch():
    seq = Schedule("exponential", gamma=0.9).sequence(1.0, 4, 2)
    assert seq == pytest.approx([1.0, 1.0, 0.9, 0.9, 0.81, 0.81, 0.729, 0.729], rel=1e-15)


def test_cosine_per_iteration_hand_values():
    # T = 5 steps, L = 4: cos(π t/4) = 1, √½, 0, −√½, −1; lr_min = 0.1 · 2 = 0.2
    seq = Schedule("cosine", final=0.1).sequence(2.0, 5, 1)
    r = math.sqrt(0.5)
    expected = [0.2 + 0.9 * (1 + c) for c in (1, r, 0, -r, -1)]
    assert seq == pytest.approx(expected, rel=1e-14)
    assert seq[0] == 2.0 and seq[-1] == pytest.approx(0.2, rel=1e-14)


def test_one_cycle_hand_values():
    # T = 11, L = 10, p = 0.2: P = 2; a = 1/25 = 0.04, z = 1/(25·1e4) = 4e-6
    s = Schedule("one_cycle", warmup=0.2)
    seq = s.sequence(1.0, 11, 1)
    a, z = 0.04, 4e-6
    assert seq[0] == pytest.approx(a, rel=1e-14)
    assert seq[1] == pytest.approx(a + (1 - a) * 0.5, rel=1e-14)         # cos(π/2) = 0
    assert seq[2] == pytest.approx(1.0, rel=1e-14)                        # the peak at P
    assert seq[6] == pytest.approx(z + (1 - z) * 0.5, rel=1e-14)          # halfway down: (6−2)/(10−2) = ½
    assert seq[10] == pytest.approx(z, rel=1e-14)
    assert seq[3] == pytest.approx(z + (1 - z) * 0.5 * (1 + math.cos(math.pi / 8)), rel=1e-14)


def test_against_pytorch_schedulers():
    torch = pytest.importorskip("torch")
    p = torch.nn.Parameter(torch.zeros(1))

    def torch_seq(make, n, lr0):
        opt = torch.optim.SGD([p], lr=lr0)
        sched = make(opt)
        out = []
        for _ in range(n):
            out.append(opt.param_groups[0]["lr"])
            opt.step()
            sched.step()
        return out

    lr0 = 0.3
    ours = Schedule("step", step_size=3, gamma=0.7).sequence(lr0, 10, 1)
    theirs = torch_seq(lambda o: torch.optim.lr_scheduler.StepLR(o, step_size=3, gamma=0.7), 10, lr0)
    assert ours == pytest.approx(theirs, rel=1e-12)
    ours = Schedule("exponential", gamma=0.95).sequence(lr0, 10, 1)
    theirs = torch_seq(lambda o: torch.optim.lr_scheduler.ExponentialLR(o, gamma=0.95), 10, lr0)
    assert ours == pytest.approx(theirs, rel=1e-12)
    ours = Schedule("cosine", final=0.0).sequence(lr0, 13, 1)
    theirs = torch_seq(lambda o: torch.optim.lr_scheduler.CosineAnnealingLR(o, T_max=12, eta_min=0.0), 13, lr0)
    assert ours == pytest.approx(theirs, rel=1e-9, abs=1e-15)


@pytest.mark.parametrize("spec", [{"name": "step", "step_size": 2, "gamma": 0.5}, {"name": "cosine", "final": 0.0},
                                  {"name": "one_cycle", "warmup": 0.3}, {"name": "exponential", "gamma": 0.8}])
def test_fit_uses_and_records_the_schedule(spec):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(40, 2)).astype(np.float32)
    y = (X[:, 0] > 0).astype(int)
    model = Sequential([Dense(4, activation="relu"), Dense(1, activation="sigmoid")], input_shape=(2,), seed=1)
    twin = model.copy()
    opt = SGD(0.2)
    model.fit(X, y, optimizer=opt, epochs=6, batch_size=16, schedule=spec)      # 3 iterations an epoch
    expected = get_schedule(spec).sequence(0.2, 6, 3)
    assert model.history.lr == pytest.approx(expected, rel=1e-15)
    assert opt.lr == 0.2          # the base rate again after the run
    # the same steps taken by hand (same shuffling) with those rates give bit-identical weights
    manual, opt2 = twin, SGD(0.2)
    pairs = [(layer.params[k], layer.grads[k]) for _, layer, k in manual.parameters()]
    Y = manual.targets(y)
    it = 0
    for e in range(6):
        order = np.random.default_rng([manual.seed, e]).permutation(40)
        for s in range(3):
            idx = order[16 * s:16 * (s + 1)]
            manual.cost_and_gradients(X[idx], Y[idx])
            opt2.lr = expected[it]
            opt2.step(pairs)
            it += 1
    for (_, a, k), (_, b, _) in zip(model.parameters(), manual.parameters()):
        np.testing.assert_array_equal(a.params[k], b.params[k])


def test_a_rate_set_during_the_run_becomes_the_new_base():
    X = np.random.default_rng(1).normal(size=(10, 2)).astype(np.float32)
    y = (X[:, 1] > 0).astype(int)
    model = Sequential([Dense(1, activation="sigmoid")], input_shape=(2,))
    opt = SGD(1.0)

    class Halve:
        def on_epoch_end(self, model, info):
            if info["epoch"] == 2:
                opt.lr = 0.4          # as the app's learning-rate field does mid-run

    model.fit(X, y, optimizer=opt, epochs=4, schedule={"name": "exponential", "gamma": 0.5}, callbacks=[Halve()])
    assert model.history.lr == pytest.approx([1.0, 0.5, 0.4 * 0.25, 0.4 * 0.125], rel=1e-15)
    assert opt.lr == 0.4


def test_bad_schedules_name_the_setting():
    with pytest.raises(ValueError, match="unknown setting"):
        get_schedule({"name": "step", "stepsize": 3})
    with pytest.raises(ValueError, match="γ must be in"):
        Schedule("exponential", gamma=1.5)
    with pytest.raises(ValueError, match="Unknown learning-rate schedule 'warm'"):
        Schedule("warm")
    with pytest.raises(ValueError, match="whole number of epochs"):
        Schedule("step", step_size=0)
