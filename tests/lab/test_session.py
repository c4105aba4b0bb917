"""The Qt-free training session: throttled snapshots, pause / step / stop, live learning rate."""

import threading

import numpy as np
import pytest

from nnviz.engine import SGD, Dense, Sequential
from nnviz.lab.boundary import BoundaryProbe, make_grid
from nnviz.lab.session import RunControl, TrainingSession, history_snapshot

from .points import xor_points


def _model(seed=0):
    return Sequential([Dense(8, activation="tanh"), Dense(1, activation="sigmoid")], input_shape=(2,),
                      loss="binary_crossentropy", seed=seed)


class FakeClock:
    """Advances by ``tick`` seconds on every reading: time passes only as the session looks at it."""

    def __init__(self, tick):
        self.t, self.tick = 0.0, tick

    def __call__(self):
        self.t += self.tick
        return self.t


def _joined(snaps, field):
    out = []
    for s in snaps:
        offset = s.epoch_offset if field != "new_iteration_cost" else s.iteration_offset
        del out[offset:]
        out.extend(getattr(s, field))
    return out


def test_snapshot_deltas_rebuild_the_history_exactly():
    X, y = xor_points()
    model, snaps = _model(), []
    session = TrainingSession(model, SGD(0.5), (X, y, X[:16], y[:16]), epochs=40, batch_size=16,
                              emit=snaps.append, max_rate=1e9)
    result = session.run()
    h = model.history
    assert result.status == "completed" and result.epochs_done == 40 and result.iterations_done == 160
    assert snaps[-1].reason == "final"
    assert _joined(snaps, "new_cost") == pytest.approx(h.cost)
    assert _joined(snaps, "new_test_accuracy") == pytest.approx(h.test_accuracy)
    assert _joined(snaps, "new_iteration_cost") == pytest.approx(h.iteration_cost)
    assert _joined(snaps, "new_epoch_iterations") == [4 * (i + 1) for i in range(40)]


def test_snapshots_are_throttled_to_the_maximum_rate():
    X, y = xor_points()
    clock = FakeClock(tick=0.001)
    snaps = []
    session = TrainingSession(_model(), SGD(0.1), (X, y, None, None), epochs=300, emit=snaps.append,
                              max_rate=30.0, clock=clock)
    session.run()
    progress = [s for s in snaps if s.reason == "progress"]
    seconds = clock.t
    assert len(progress) <= seconds * 30 + 1
    assert len(progress) >= seconds * 30 * 0.5      # and it does send them
    assert snaps[-1].reason == "final"


def test_progress_snapshots_wait_until_the_receiver_is_ready():
    X, y = xor_points()
    snaps = []
    session = TrainingSession(_model(), SGD(0.1), (X, y, None, None), epochs=50, emit=snaps.append,
                              max_rate=1e9, ready=lambda: False)
    session.run()
    assert [s.reason for s in snaps] == ["final"]


def test_probe_is_throttled_to_its_time_budget_and_always_in_the_final_snapshot():
    X, y = xor_points()
    grid = make_grid(X, n=20)
    clock = FakeClock(tick=0.001)
    snaps = []
    session = TrainingSession(_model(), SGD(0.1), (X, y, None, None), epochs=200, emit=snaps.append,
                              probes=[BoundaryProbe(grid)], max_rate=1e9, probe_budget=0.05, clock=clock)
    session.run()
    with_probe = [s for s in snaps if "boundary" in s.probes]
    # a probe run is timed as one clock tick (0.001 s): with a 5 % budget it runs at most every 0.02 s
    assert len(with_probe) <= clock.t / 0.02 + 2
    assert 1 < len(with_probe) < len(snaps)
    final = snaps[-1].probes["boundary"]
    expected = _model_predict_grid(session.model, grid)
    assert np.allclose(final.probs, expected)


def _model_predict_grid(model, grid):
    return model.predict(grid.points)[:, 0].reshape(grid.shape)


def _run_in_thread(session):
    box = {}
    t = threading.Thread(target=lambda: box.setdefault("result", session.run()))
    t.start()
    return t, box


def test_step_pause_resume_and_stop():
    X, y = xor_points()
    model = _model()
    control = RunControl()
    paused = threading.Event()
    snaps = []

    def emit(s):
        snaps.append(s)
        if s.reason == "paused":
            paused.set()

    control.step("iteration")
    session = TrainingSession(model, SGD(0.1), (X, y, None, None), epochs=100, batch_size=16,
                              control=control, emit=emit)
    thread, box = _run_in_thread(session)
    try:
        assert paused.wait(10)
        assert model.history.iterations_done == 1 and snaps[-1].iteration == 1
        paused.clear()
        control.step("epoch")          # finish epoch 1 (3 more batches), then pause again
        assert paused.wait(10)
        assert model.history.epochs_done == 1 and model.history.iterations_done == 4
        paused.clear()
        control.step("epoch")
        assert paused.wait(10)
        assert model.history.epochs_done == 2 and model.history.iterations_done == 8
        paused.clear()
        control.set_lr(0.02)
        control.step("iteration")
        assert paused.wait(10)
        assert session.optimizer.lr == 0.02 and model.history.iterations_done == 9
    finally:
        control.stop()
        thread.join(10)
    assert not thread.is_alive()
    assert box["result"].status == "stopped"
    assert model.history.epochs_done < 100


def test_stop_wakes_a_paused_run():
    X, y = xor_points()
    control = RunControl()
    control.step("iteration")
    paused = threading.Event()
    session = TrainingSession(_model(), SGD(0.1), (X, y, None, None), epochs=10, control=control,
                              emit=lambda s: s.reason == "paused" and paused.set())
    thread, box = _run_in_thread(session)
    assert paused.wait(10)
    control.stop()
    thread.join(10)
    assert not thread.is_alive() and box["result"].status == "stopped"


def test_paused_time_is_not_counted_as_training_time():
    X, y = xor_points()
    clock = FakeClock(tick=0.001)
    control = RunControl()
    control.pause()
    session = TrainingSession(_model(), SGD(0.1), (X, y, None, None), epochs=3, control=control, clock=clock)
    control.wait_while_paused = lambda on_pause=None: (control.resume(), 100.0)[1]   # "waited" 100 s
    result = session.run()
    assert result.elapsed < 1.0


def test_exceptions_propagate_and_mark_the_history():
    X, y = xor_points()
    model = _model()

    class Boom:
        def compute(self, model):
            raise RuntimeError("probe failed")
        key = "boom"

    session = TrainingSession(model, SGD(0.1), (X, y, None, None), epochs=5, probes=[Boom()], max_rate=1e9)
    with pytest.raises(RuntimeError, match="probe failed"):
        session.run()
    assert model.history.status == "error"


def test_history_snapshot_of_a_trained_model():
    X, y = xor_points()
    model = _model()
    model.fit(X, y, optimizer=SGD(0.1), epochs=7, batch_size=32)
    snap = history_snapshot(model, probes=[BoundaryProbe(make_grid(X, n=10))])
    assert snap.epoch == 7 and snap.iteration == 14
    assert list(snap.new_cost) == pytest.approx(model.history.cost)
    assert list(snap.new_epoch_iterations) == [2 * (i + 1) for i in range(7)]
    assert snap.probes["boundary"].probs.shape == (10, 10)


def test_step_unit_is_checked():
    with pytest.raises(ValueError, match="step unit"):
        RunControl().step("batch")


def test_a_slowed_run_trains_no_faster_than_its_speed_and_a_stop_wakes_it():
    """RunControl.set_speed: steps are paced on the session's clock; a stop ends the wait at once."""
    import time

    rng = np.random.default_rng(0)
    X = rng.normal(size=(64, 2)).astype(np.float32)
    y = (X[:, 0] > 0).astype(np.int64)
    model = Sequential([Dense(4, "tanh"), Dense(1, "sigmoid")], input_shape=(2,), seed=0)
    control = RunControl()
    control.set_speed(200.0)           # 200 epochs a second, 4 steps an epoch: a step every 1.25 ms
    waits = []
    original = control.pace
    control.pace = lambda *a, **k: waits.append(original(*a, **k)) or waits[-1]
    session = TrainingSession(model, SGD(0.1), (X, y, None, None), epochs=20, batch_size=16, control=control)
    start = time.perf_counter()
    result = session.run()
    elapsed = time.perf_counter() - start
    assert result.status == "completed" and result.epochs_done == 20
    assert elapsed >= (20 * 4 - 2) / (200.0 * 4)      # at most 200 epochs a second (the first step starts the clock)
    assert len(waits) >= 70 and sum(waits) > 0
    control.set_speed(0.01)             # one epoch every 100 s: only a stop ends this run soon
    session = TrainingSession(model, SGD(0.1), (X, y, None, None), epochs=5, batch_size=16, control=control)
    threading.Timer(0.3, control.stop).start()
    start = time.perf_counter()
    result = session.run()
    assert result.status in ("stopped", "completed") and time.perf_counter() - start < 5
    assert model.history.epochs_done < 25
