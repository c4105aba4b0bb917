"""Qt-free parts of the insight views: refresh while paused, gradient_fn pass-through, probe scheduling."""

import threading

import numpy as np

from nnviz.engine import SGD, Conv2D, Dense, Flatten, MaxPool2D, Sequential
from nnviz.engine.bugs import BACKPROP_BUGS
from nnviz.lab.probes import EvaluationProbe, FeatureMapProbe, ModelCopyProbe
from nnviz.lab.session import RunControl, TrainingSession

from .points import xor_points


def _model(seed=0):
    return Sequential([Dense(8, activation="tanh"), Dense(8, activation="tanh"), Dense(1, activation="sigmoid")],
                      input_shape=(2,), loss="binary_crossentropy", seed=seed)


class CountingProbe:
    key = "count"

    def __init__(self):
        self.calls = 0

    def compute(self, model):
        self.calls += 1
        return self.calls


def test_refresh_while_paused_sends_a_fresh_paused_snapshot():
    X, y = xor_points()
    control, snaps = RunControl(), []
    probe = CountingProbe()
    paused = threading.Event()
    refreshed = threading.Event()

    def emit(snap):
        snaps.append(snap)
        if snap.reason == "paused":
            (refreshed if paused.is_set() else paused).set()

    control.step("iteration")          # one step, then pause
    session = TrainingSession(_model(), SGD(0.1), (X, y, None, None), epochs=3, control=control, emit=emit,
                              probes=[probe], max_rate=1e9)
    thread = threading.Thread(target=session.run)
    thread.start()
    try:
        assert paused.wait(10)
        calls = probe.calls
        control.refresh()
        assert refreshed.wait(10)
        assert snaps[-1].reason == "paused" and snaps[-1].probes["count"] == calls + 1
        assert snaps[-1].iteration == snaps[-2].iteration     # still paused: no training in between
    finally:
        control.stop()
        thread.join(10)
    assert not thread.is_alive()


def test_gradient_fn_reaches_fit():
    X, y = xor_points()
    runs = {}
    for name, fn in (("real", None), ("bug", BACKPROP_BUGS["dropped 1/m"][0])):
        model = _model()
        TrainingSession(model, SGD(0.01), (X, y, None, None), epochs=2, gradient_fn=fn).run()
        runs[name] = model.layers[0].params["W"].copy()
    reference = _model()
    reference.fit(X, y, optimizer=SGD(0.01), epochs=2, gradient_fn=BACKPROP_BUGS["dropped 1/m"][0])
    np.testing.assert_array_equal(runs["bug"], reference.layers[0].params["W"])
    assert not np.allclose(runs["bug"], runs["real"])


def test_probe_min_interval_is_honoured():
    class Slow(CountingProbe):
        key = "slow"
        min_interval = 1e6

    X, y = xor_points()
    slow, fast = Slow(), CountingProbe()
    TrainingSession(_model(), SGD(0.1), (X, y, None, None), epochs=20, batch_size=8, probes=[slow, fast],
                    max_rate=1e9).run()
    assert slow.calls == 2          # the first snapshot and the final one (all probes)
    assert fast.calls > 20


def test_model_copy_probe_asks_and_schedules():
    model = _model()
    probe = ModelCopyProbe()
    assert probe.compute(model) is None
    probe.ask()
    copy = probe.compute(model)
    assert copy.reason == "asked" and copy.model is not model
    np.testing.assert_array_equal(copy.model.layers[0].params["W"], model.layers[0].params["W"])
    assert probe.compute(model) is None              # asked once, copied once
    probe.set_busy(False)
    probe.set_every(5, epochs_done=0)
    X, y = xor_points()
    reasons = []
    for _ in range(12):
        model.fit(X, y, optimizer=SGD(0.1), epochs=1)
        got = probe.compute(model)
        if got is not None:
            reasons.append((got.epoch, got.reason))
            probe.set_busy(False)
    assert reasons == [(5, "scheduled"), (10, "scheduled")]
    probe.set_busy(True)
    model.fit(X, y, optimizer=SGD(0.1), epochs=3)
    assert probe.compute(model) is None              # busy: the scheduled copy is skipped
    probe.ask()
    assert probe.compute(model).reason == "asked"    # but an explicit request is not


def test_feature_map_probe_follows_its_input():
    model = Sequential([Conv2D(2, 3), MaxPool2D(2), Flatten(), Dense(3, activation="softmax")],
                       input_shape=(1, 8, 8), loss="categorical_crossentropy")
    probe = FeatureMapProbe()
    assert probe.compute(model) is None
    a, b = np.zeros((1, 8, 8), np.float32), np.ones((1, 8, 8), np.float32)
    probe.set_input(a, tag="a")
    first = probe.compute(model)
    probe.set_input(b, tag="b")
    second = probe.compute(model)
    assert (first.tag, second.tag) == ("a", "b")
    assert first.maps.layers[0].maps.shape == (2, 6, 6)
    bias = model.layers[0].params["b"]
    np.testing.assert_allclose(first.maps.layers[0].maps, np.broadcast_to(bias[:, None, None], (2, 6, 6)))
    w_sum = model.layers[0].params["W"].sum(axis=(1, 2, 3))
    np.testing.assert_allclose(second.maps.layers[0].maps[:, 0, 0], w_sum + bias, rtol=1e-5)


def test_evaluation_probe_counts_every_test_sample():
    X, y = xor_points(200, seed=1)
    model = _model()
    probe = EvaluationProbe(X, y, 2, images=False, limit=5)
    assert probe.compute(model) is None              # untrained: nothing to show yet
    model.fit(X, y, optimizer=SGD(0.5), epochs=5)
    frame = probe.compute(model)
    pred = (model.predict(X)[:, 0] > 0.5).astype(int)
    assert frame.matrix.sum() == 200
    assert frame.matrix[1, 0] == np.sum((y == 1) & (pred == 0))
    assert frame.accuracy == np.mean(pred == y)
    assert len(frame.mistakes) == min(5, np.sum(pred != y)) and frame.images is None
    assert np.all(pred[frame.mistakes] != y[frame.mistakes])
