"""One training run as the app sees it, without Qt.

:class:`TrainingSession` calls the engine's ``model.fit`` with itself as the
callback. Between steps it obeys a :class:`RunControl` (pause, step, stop,
a new learning rate) and, at most ``max_rate`` times a second, hands a
:class:`Snapshot` (copies, ready to draw) to an ``emit`` function. The Qt
worker passes a signal's ``emit``; a test passes a list's ``append``.

Probes are the worker-side half of a live view: ``probe.compute(model)``
returns what the view draws (e.g. the decision-boundary grid). A probe with
a ``live`` attribute is told whether the snapshot is one of a run in
progress (True: be quick) or a paused or final one (False: be complete). Each probe
is throttled on its own so that computing it takes at most ``probe_budget``
of the training time, and no more often than its ``min_interval`` seconds
(if it has one). A view whose input changed asks for its probes again with
:meth:`RunControl.refresh`: a paused run then sends a fresh "paused"
snapshot, a running one sends all probes at its next step.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np

MAX_RATE = 22.0          # snapshots per second, at most (but see EARLY_EPOCHS)
#: epochs of a run (counted from its start) that always get a snapshot, however fast they go
EARLY_EPOCHS = frozenset({1, 4, 16, 64})
PROBE_BUDGET = 0.06      # fraction of wall time the probes may take


class RunControl:
    """Thread-safe pause / step / stop / learning-rate requests from the GUI to a running session."""

    def __init__(self):
        self._cond = threading.Condition()
        self._paused = False
        self._stop = False
        self._budget: int | None = None     # steps left before pausing (None: run freely)
        self._unit = "iteration"
        self._lr: float | None = None
        self._refresh = False
        self._speed: float | None = None
        self._speed_changed = False
        self._pace_start: tuple[float, float] | None = None     # (time, steps) when the current speed began

    # --- GUI side -----------------------------------------------------------
    def pause(self) -> None:
        with self._cond:
            self._paused = True
            self._budget = None

    def resume(self) -> None:
        with self._cond:
            self._paused = False
            self._budget = None
            self._cond.notify_all()

    def step(self, unit: str = "iteration", count: int = 1) -> None:
        """Run ``count`` iterations (or epochs) and pause again."""
        if unit not in ("iteration", "epoch"):
            raise ValueError(f"step unit must be 'iteration' or 'epoch'. Received: {unit!r}")
        with self._cond:
            self._unit, self._budget = unit, int(count)
            self._paused = False
            self._cond.notify_all()

    def stop(self) -> None:
        with self._cond:
            self._stop = True
            self._cond.notify_all()

    def set_lr(self, lr: float) -> None:
        with self._cond:
            self._lr = float(lr)

    def set_speed(self, epochs_per_second: float | None) -> None:
        """Train at most this many epochs a second (None: as fast as possible), to watch it happen."""
        with self._cond:
            self._speed = None if epochs_per_second is None else max(1e-3, float(epochs_per_second))
            self._speed_changed = True
            self._cond.notify_all()

    @property
    def speed(self) -> float | None:
        return self._speed

    def refresh(self) -> None:
        """Ask for every probe to be computed again soon (a view's input changed), even while paused."""
        with self._cond:
            self._refresh = True
            self._cond.notify_all()

    @property
    def paused(self) -> bool:
        return self._paused

    @property
    def stopped(self) -> bool:
        return self._stop

    # --- worker side ----------------------------------------------------------
    def should_stop(self) -> bool:
        return self._stop

    def take_lr(self) -> float | None:
        with self._cond:
            lr, self._lr = self._lr, None
            return lr

    def take_refresh(self) -> bool:
        with self._cond:
            wanted, self._refresh = self._refresh, False
            return wanted

    def count_step(self, epoch_done: bool) -> None:
        """Called after each step; uses up the step budget and pauses when it runs out."""
        with self._cond:
            if self._budget is not None and (self._unit == "iteration" or epoch_done):
                self._budget -= 1
                if self._budget <= 0:
                    self._budget = None
                    self._paused = True

    def pace(self, steps_done: float, steps_per_epoch: int, clock=time.perf_counter) -> float:
        """Worker side, after each step: wait until ``steps_done`` steps are due at the set speed (woken early
        by a stop, a pause or a new speed); returns the seconds waited (0 at full speed)."""
        with self._cond:
            if self._speed is None:
                self._pace_start = None
                return 0.0
            now = clock()
            if self._pace_start is None or self._speed_changed:
                self._pace_start, self._speed_changed = (now, steps_done), False
                return 0.0
            t0, s0 = self._pace_start
            due = t0 + (steps_done - s0) / (self._speed * max(1, steps_per_epoch))
            if due > now + 1.0:          # far behind (e.g. after a pause): start counting again from now
                self._pace_start = (now, steps_done)
                due = now + 1.0 / (self._speed * max(1, steps_per_epoch))
            waited = 0.0
            while now < due and not self._stop and not self._paused and not self._speed_changed:
                self._cond.wait(due - now)
                later = clock()
                waited, now = waited + later - now, later
            return waited

    def wait_while_paused(self, on_pause: Callable[[], None] | None = None) -> float:
        """Block while paused (until resumed, stepped or stopped); return the seconds spent waiting.

        ``on_pause()`` is called on pausing, and again on each :meth:`refresh` request while paused.
        """
        if not self._paused or self._stop:
            return 0.0
        self.take_refresh()
        if on_pause is not None:
            on_pause()
        start = time.perf_counter()
        while True:
            with self._cond:
                while self._paused and not self._stop and not self._refresh:
                    self._cond.wait(0.5)
                if not self._paused or self._stop:
                    break
                self._refresh = False
            if on_pause is not None:
                on_pause()      # outside the lock: the GUI may resume or stop meanwhile
        return time.perf_counter() - start


@dataclass
class Snapshot:
    """What the GUI needs to draw one moment of a run. Arrays are copies owned by the receiver.

    ``new_*`` hold the history entries added since the previous snapshot of
    this run: per-epoch values start at index ``epoch_offset`` of the
    model's history, per-iteration costs at ``iteration_offset``.
    ``probes`` maps a probe key to its result (only probes due this time).
    """

    run_id: int
    reason: str                     # "progress", "paused" or "final"
    epoch: int                      # epochs completed (whole history)
    iteration: int                  # iterations completed (whole history)
    run_start_epoch: int
    run_start_iteration: int
    run_epochs: int                 # epochs this run was asked for
    iterations_per_epoch: int
    elapsed: float                  # seconds of training in this run, pauses excluded
    lr: float
    status: str
    epoch_offset: int = 0
    new_epochs: np.ndarray = field(default_factory=lambda: np.empty(0))
    new_epoch_iterations: np.ndarray = field(default_factory=lambda: np.empty(0))
    new_cost: np.ndarray = field(default_factory=lambda: np.empty(0))
    new_train_accuracy: np.ndarray = field(default_factory=lambda: np.empty(0))
    new_test_cost: np.ndarray = field(default_factory=lambda: np.empty(0))
    new_test_accuracy: np.ndarray = field(default_factory=lambda: np.empty(0))
    iteration_offset: int = 0
    new_iteration_cost: np.ndarray = field(default_factory=lambda: np.empty(0))
    #: the learning rate of each new iteration (same offset as ``new_iteration_cost``)
    new_lr: np.ndarray = field(default_factory=lambda: np.empty(0))
    probes: dict[str, Any] = field(default_factory=dict)
    message: str = ""

    @property
    def run_iterations(self) -> int:
        return self.run_epochs * self.iterations_per_epoch

    @property
    def progress(self) -> float:
        """Fraction of this run done, 0..1."""
        total = self.run_iterations
        return 0.0 if total <= 0 else min(1.0, (self.iteration - self.run_start_iteration) / total)

    @property
    def eta(self) -> float | None:
        """Estimated seconds left, or None before there is anything to go on."""
        done = self.progress
        if done <= 0 or self.elapsed <= 0:
            return None
        return self.elapsed * (1 - done) / done


@dataclass
class RunResult:
    run_id: int
    status: str          # "completed", "stopped", "diverged" or "error"
    message: str = ""
    details: str = ""    # traceback for errors
    epochs_done: int = 0
    iterations_done: int = 0
    elapsed: float = 0.0


class _ProbeSlot:
    def __init__(self, probe, min_interval):
        self.probe = probe
        self.min_interval = min_interval
        self.next_due = 0.0
        self.last = -1e9          # when it was last computed


class TrainingSession:
    """Run ``model.fit`` once, reporting throttled snapshots and obeying ``control``.

    ``data`` is ``(X_train, y_train, X_test, y_test)`` (test may be None).
    ``emit(snapshot)`` is called from the training thread. ``ready()``, if
    given, tells whether the receiver has drawn the previous snapshot;
    progress snapshots wait for it (paused and final ones never do).
    ``gradient_fn``, if given, replaces backprop (a teaching bug from
    :mod:`nnviz.engine.bugs`); it is passed to ``model.fit``, as is ``schedule``
    (a learning-rate schedule, :mod:`nnviz.engine.schedules`).
    ``augment(X_batch, rng)``, if given, changes each training batch (see :mod:`nnviz.data.augment`).
    ``callbacks`` are extra engine callbacks (e.g. GradientNorms), called
    before the session's own, so a snapshot includes what they recorded.
    """

    def __init__(self, model, optimizer, data, epochs: int, batch_size=None, control: RunControl | None = None,
                 emit: Callable[[Snapshot], None] | None = None, probes=(), run_id: int = 0,
                 max_rate: float = MAX_RATE, probe_budget: float = PROBE_BUDGET,
                 ready: Callable[[], bool] | None = None, clock=time.perf_counter, callbacks=(),
                 gradient_fn=None, augment=None, schedule=None):
        self.model, self.optimizer = model, optimizer
        self.augment = augment
        self.schedule = schedule
        self.X, self.y, self.X_test, self.y_test = data
        self.epochs, self.batch_size = epochs, batch_size
        self.control = control or RunControl()
        self.emit = emit or (lambda s: None)
        self.ready = ready
        self.run_id = run_id
        self.min_interval = 1.0 / max_rate
        self.probe_budget = probe_budget
        self.clock = clock
        self.callbacks = list(callbacks)
        self.gradient_fn = gradient_fn
        self._probes = [_ProbeSlot(p, max(self.min_interval, float(getattr(p, "min_interval", 0.0))))
                        for p in probes]
        self._epoch_iterations: list[int] = []
        self._sent_epochs = 0
        self._sent_iterations = 0
        self._last_emit = -1e9
        self._paused_time = 0.0
        self._start = 0.0
        self._batch_in_epoch = 0
        self._steps = 1

    # --- running --------------------------------------------------------------
    def run(self) -> RunResult:
        """Train; exceptions propagate (the history is marked "error" by the engine)."""
        validation = (self.X_test, self.y_test) if self.X_test is not None and len(self.X_test) else None
        # Overflow on the way to a NaN cost is reported as "diverged" by the engine, not as warnings.
        with np.errstate(over="ignore", invalid="ignore", divide="ignore", under="ignore"):
            history = self.model.fit(self.X, self.y, optimizer=self.optimizer, epochs=self.epochs,
                                     batch_size=self.batch_size, validation_data=validation,
                                     callbacks=[*self.callbacks, self], should_stop=self.control.should_stop,
                                     gradient_fn=self.gradient_fn, augment=self.augment, schedule=self.schedule)
        return RunResult(run_id=self.run_id, status=history.status, message=history.message,
                         epochs_done=history.epochs_done, iterations_done=history.iterations_done,
                         elapsed=self.elapsed())

    def elapsed(self) -> float:
        return max(0.0, self.clock() - self._start - self._paused_time)

    # --- engine callbacks -------------------------------------------------------
    def on_train_begin(self, model, info):
        self._start = self.clock()
        self._steps = int(info["iterations_per_epoch"])
        self._run_start_epoch = int(info["start_epoch"])
        self._run_start_iteration = model.history.iterations_done
        h = model.history
        # Epoch-end iteration numbers of earlier runs are unknown here; assume their own batch size.
        self._epoch_iterations = [round((i + 1) * h.iterations_done / max(1, h.epochs_done))
                                  for i in range(h.epochs_done)]
        self._sent_epochs = h.epochs_done
        self._sent_iterations = h.iterations_done
        self._batch_in_epoch = 0

    def on_batch_end(self, model, info):
        self._batch_in_epoch += 1
        if self._batch_in_epoch < self._steps:      # the epoch's last batch is handled at epoch end
            self._checkpoint(epoch_done=False)

    def on_epoch_end(self, model, info):
        self._batch_in_epoch = 0
        self._epoch_iterations.append(int(info["iteration"]))
        self._checkpoint(epoch_done=True, last=info["epoch"] >= self._run_start_epoch + self.epochs)

    def on_train_end(self, model, history):
        ok = history.status != "error"     # after an error, probes could fail again and hide it
        self._send("final", all_probes=ok, no_probes=not ok)

    # --- helpers ----------------------------------------------------------------
    def _checkpoint(self, epoch_done: bool, last: bool = False) -> None:
        control = self.control
        if self._obey_lr_and_stop():
            return
        if control.speed is not None and not last:      # a teacher slowed the run down to watch it
            control.pace(self.model.history.iterations_done, self._steps, self.clock)
        if not last:
            control.count_step(epoch_done)
        if control.paused:
            self._paused_time += control.wait_while_paused(lambda: self._send("paused", all_probes=True))
            self._obey_lr_and_stop()
            return
        if control.take_refresh():
            self._send("progress", all_probes=True)
            return
        if epoch_done and self.model.history.epochs_done - self._run_start_epoch in EARLY_EPOCHS:
            self._send_early()
            return
        now = self.clock()
        if now - self._last_emit >= self.min_interval and (self.ready is None or self.ready()):
            self._send("progress")

    def _send_early(self) -> None:
        """The first epochs change the network most: at each of EARLY_EPOCHS a snapshot goes out with every
        probe its own minimum interval allows (whatever their time budgets say), if the rate cap and the
        receiver allow one now. Training never waits for it."""
        if self.clock() - self._last_emit >= self.min_interval and (self.ready is None or self.ready()):
            self._send("progress", early=True)

    def _obey_lr_and_stop(self) -> bool:
        """Take a new learning rate if one was set; True (and the model told to stop) if a stop was asked."""
        lr = self.control.take_lr()
        if lr is not None:
            self.optimizer.lr = lr
        if self.control.should_stop():
            self.model.stop_training = True
            return True
        return False

    def _send(self, reason: str, all_probes: bool = False, no_probes: bool = False, early: bool = False) -> None:
        """``early``: every probe whose own minimum interval allows it, whatever its time budget says."""
        h = self.model.history
        now = self.clock()
        probes = {}
        for slot in [] if no_probes else self._probes:
            if hasattr(slot.probe, "live"):         # a probe that can be quicker (coarser) while the run moves on
                slot.probe.live = reason == "progress"
            if all_probes or now >= slot.next_due or (early and now >= slot.last + slot.min_interval):
                t0 = slot.last = self.clock()
                probes[slot.probe.key] = slot.probe.compute(self.model)
                cost = self.clock() - t0
                slot.next_due = t0 + max(slot.min_interval, cost / self.probe_budget)
        e0, i0 = self._sent_epochs, self._sent_iterations
        snap = Snapshot(
            run_id=self.run_id, reason=reason, epoch=h.epochs_done, iteration=h.iterations_done,
            run_start_epoch=self._run_start_epoch, run_start_iteration=self._run_start_iteration,
            run_epochs=self.epochs, iterations_per_epoch=self._steps, elapsed=self.elapsed(),
            lr=float(self.optimizer.lr), status=h.status, message=h.message,
            epoch_offset=e0,
            new_epochs=np.asarray(h.epoch[e0:], dtype=np.float64),
            new_epoch_iterations=np.asarray(self._epoch_iterations[e0:], dtype=np.float64),
            new_cost=np.asarray(h.cost[e0:], dtype=np.float64),
            new_train_accuracy=np.asarray(h.train_accuracy[e0:], dtype=np.float64),
            new_test_cost=np.asarray(h.test_cost[e0:], dtype=np.float64),
            new_test_accuracy=np.asarray(h.test_accuracy[e0:], dtype=np.float64),
            iteration_offset=i0,
            new_iteration_cost=np.asarray(h.iteration_cost[i0:], dtype=np.float64),
            new_lr=np.asarray(h.lr[i0:], dtype=np.float64),
            probes=probes,
        )
        self._sent_epochs, self._sent_iterations = h.epochs_done, h.iterations_done
        self._last_emit = self.clock()
        self.emit(snap)


def history_snapshot(model, run_id: int = 0, probes=()) -> Snapshot:
    """A snapshot of a model's whole history (e.g. after loading a model), with all probes computed."""
    h = model.history
    per_epoch = h.iterations_done / max(1, h.epochs_done)
    with np.errstate(over="ignore", invalid="ignore", divide="ignore", under="ignore"):   # a diverged model
        probe_results = {p.key: p.compute(model) for p in probes}
    return Snapshot(
        run_id=run_id, reason="final", epoch=h.epochs_done, iteration=h.iterations_done,
        run_start_epoch=h.epochs_done, run_start_iteration=h.iterations_done, run_epochs=0,
        iterations_per_epoch=max(1, round(per_epoch)), elapsed=0.0, lr=float("nan"), status=h.status,
        message=h.message, epoch_offset=0,
        new_epochs=np.asarray(h.epoch, dtype=np.float64),
        new_epoch_iterations=np.round(np.arange(1, h.epochs_done + 1) * per_epoch),
        new_cost=np.asarray(h.cost, dtype=np.float64),
        new_train_accuracy=np.asarray(h.train_accuracy, dtype=np.float64),
        new_test_cost=np.asarray(h.test_cost, dtype=np.float64),
        new_test_accuracy=np.asarray(h.test_accuracy, dtype=np.float64),
        iteration_offset=0, new_iteration_cost=np.asarray(h.iteration_cost, dtype=np.float64),
        new_lr=np.asarray(h.lr, dtype=np.float64), probes=probe_results,
    )
