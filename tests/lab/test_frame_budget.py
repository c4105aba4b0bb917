"""The GIF recorder's frames keep to their share of the training time (a fake clock, no Qt drawing)."""

import numpy as np
import pytest

from nnviz.lab.animation import FrameProbe
from nnviz.lab.boundary import make_grid


class FakeClock:
    def __init__(self):
        self.now = 0.0

    def __call__(self):
        return self.now


class SlowModel:
    """Predicts 0.5 everywhere; each prediction takes ``cost`` seconds of the fake clock."""

    def __init__(self, clock, cost):
        self.clock, self.cost = clock, cost

        class History:
            iterations_done = 0
        self.history = History()

    def predict(self, X):
        self.clock.now += self.cost
        return np.full((len(X), 1), 0.5, dtype=np.float32)


def run(frame_cost, iteration_time=1e-3, iterations=2000, budget=0.02):
    clock = FakeClock()
    model = SlowModel(clock, frame_cost)
    probe = FrameProbe(make_grid(np.array([[0.0, 0.0], [1.0, 1.0]]), n=8), every=50, budget=budget, clock=clock)
    probe.on_train_begin(model, {})
    for it in range(1, iterations + 1):
        clock.now += iteration_time
        probe.on_batch_end(model, {"iteration": it, "epoch": it - 1})
    return probe, [f[0] for f in probe.compute(model)]


def test_cheap_frames_keep_the_seed_spacing():
    probe, iterations = run(frame_cost=0.5e-3)      # 0.5 ms ≤ 2 % of 50 × 1 ms
    assert probe.every == 50 and iterations == list(range(50, 2001, 50))


@pytest.mark.parametrize("frame_cost, every", [(3e-3, 200), (20e-3, 1600)])
def test_costly_frames_are_spaced_out_to_the_budget(frame_cost, every):
    probe, iterations = run(frame_cost)
    # the smallest 50 × 2^k with frame_cost <= 2 % of every × 1 ms
    assert probe.every == every
    assert iterations[0] == 50 and all(i % every == 0 for i in iterations[1:])
    spent = frame_cost * len(iterations)
    assert spent <= 0.02 * 2000 * 1e-3 + frame_cost      # at most one frame over the budget
