"""The training loop. Plain Python: callbacks and a stop flag, no Qt.

Callbacks are objects with any of these methods (all optional):

- ``on_train_begin(model, info)`` with info = {"epochs", "iterations_per_epoch", "start_epoch"}
- ``on_batch_end(model, info)`` after each optimizer step, info =
  {"epoch", "iteration", "batch_cost", "batch_size"}
- ``on_epoch_end(model, info)`` with {"epoch", "iteration", "cost",
  "train_accuracy", "test_cost", "test_accuracy"} (test values may be None)
- ``on_train_end(model, history)``

A callback may block (to pause), or stop the run by setting
``model.stop_training = True``; ``should_stop()`` is also polled between
steps. Epochs and iterations count from the model's earlier runs, so a
second ``fit`` continues the same history.

A learning-rate ``schedule`` (:mod:`nnviz.engine.schedules`) sets the
optimizer's lr before each step from the run's base rate (the optimizer's lr
when ``fit`` starts); ``history.lr`` records the rate every step used.
"""

from __future__ import annotations

import contextlib
import math

import numpy as np

from .blas_threads import blas_threads
from .optimizers import SGD, Optimizer
from .schedules import get_schedule


class TrainingDiverged(ArithmeticError):
    """The cost became NaN or infinite."""


def _call(callbacks, method, *args):
    for cb in callbacks:
        fn = getattr(cb, method, None)
        if fn is not None:
            fn(*args)


def fit(model, X, y, optimizer: Optimizer | None = None, epochs: int = 1, batch_size=None,
        validation_data=None, callbacks=None, shuffle=True, seed=None, should_stop=None,
        validation_freq: int = 1, gradient_fn=None, augment=None, schedule=None):
    """Train ``model`` on X (m, ...) and y (m,) class indices; return ``model.history``.

    ``batch_size=None`` means full batch. Shuffling is seeded by ``seed``
    (default: the model's seed plus the epoch). The run ends "completed",
    "stopped" (flag set) or "diverged" (non-finite cost: the history so far
    is kept and the status says so); an exception inside a callback marks
    the history "error" and propagates. ``gradient_fn(model, X, Y)`` replaces
    the model's backprop (see :mod:`nnviz.engine.bugs`). ``augment(X_batch, rng)`` returns a
    changed copy of each training batch (same shape; see :mod:`nnviz.data.augment`); ``rng`` is a
    ``np.random.Generator`` seeded per epoch from (seed, epoch), so a seed gives the same batches.
    ``schedule`` (a :class:`~nnviz.engine.schedules.Schedule`, its dict or name; None: constant)
    moves the lr during the run; setting ``optimizer.lr`` from outside during
    the run (a callback, the app's learning-rate field) gives the schedule a
    new base rate. After the run the optimizer's lr is the base rate again.
    """
    if isinstance(epochs, bool) or not isinstance(epochs, (int, np.integer)) or epochs <= 0:
        raise ValueError(f"epochs must be a positive integer. Received: epochs={epochs!r}")
    X, y = model.check_inputs(X, y)
    m = X.shape[0]
    if m == 0:
        raise ValueError("cannot train on an empty dataset (0 samples).")
    if batch_size is not None:
        if isinstance(batch_size, bool) or not isinstance(batch_size, (int, np.integer)) or batch_size <= 0:
            raise ValueError(f"batch_size must be a positive integer or None (full batch). Received: batch_size={batch_size!r}")
        batch_size = min(int(batch_size), m)
    full_batch = batch_size is None or batch_size >= m
    batch_size = m if full_batch else batch_size
    if validation_data is not None:
        X_val, y_val = model.check_inputs(*validation_data)
    optimizer = optimizer or SGD(0.01)
    schedule = get_schedule(schedule)
    callbacks = list(callbacks or [])
    history = model.history
    Y = model.targets(y)
    step_fn = gradient_fn or type(model).cost_and_gradients
    pairs = [(layer.params[k], layer.grads[k]) for _, layer, k in model.parameters()]
    base_seed = model.seed if seed is None else int(seed)
    steps = math.ceil(m / batch_size)
    start_epoch = history.epochs_done
    if len(history.lr) < history.iterations_done:      # a history from before rates were recorded
        history.lr.extend([math.nan] * (history.iterations_done - len(history.lr)))
    del history.lr[history.iterations_done:]
    base_lr = set_lr = optimizer.lr
    model.stop_training = False
    history.status, history.message = "running", ""
    _call(callbacks, "on_train_begin", model,
          {"epochs": epochs, "iterations_per_epoch": steps, "start_epoch": start_epoch})
    start_iteration = history.iterations_done

    def restore_base_lr():
        if optimizer.lr == set_lr:
            optimizer.lr = base_lr

    with contextlib.ExitStack() as stack:
        stack.callback(_call, callbacks, "on_train_end", model, history)  # runs last, whatever happens
        stack.callback(restore_base_lr)
        # Overflow is detected below from the cost itself, so NumPy's warnings
        # would only repeat it (and, under -W error, turn it into a crash).
        stack.enter_context(np.errstate(over="ignore", invalid="ignore", divide="ignore", under="ignore"))
        stack.enter_context(blas_threads(model, batch_size))
        try:
            for epoch in range(start_epoch, start_epoch + epochs):
                if shuffle and not full_batch:
                    order = np.random.default_rng([base_seed, epoch]).permutation(m)
                else:
                    order = None
                cost_sum, correct = 0.0, 0
                rng = np.random.default_rng([base_seed, epoch, AUGMENT_STREAM]) if augment is not None else None
                for step in range(steps):
                    if model.stop_training or (should_stop is not None and should_stop()):
                        history.status = "stopped"
                        return history
                    if full_batch:
                        xb, yb, Yb = X, y, Y
                    else:
                        idx = order[step * batch_size:(step + 1) * batch_size] if order is not None \
                            else slice(step * batch_size, (step + 1) * batch_size)
                        xb, yb, Yb = X[idx], y[idx], Y[idx]
                    if augment is not None:
                        xb = _augmented(augment, xb, rng)
                    if optimizer.lr != set_lr:           # changed from outside: the new base rate
                        base_lr = optimizer.lr
                    optimizer.lr = set_lr = schedule.at(base_lr, epoch - start_epoch,
                                                        history.iterations_done - start_iteration, epochs, steps)
                    cost, a = step_fn(model, xb, Yb)
                    if not math.isfinite(cost):
                        raise TrainingDiverged(
                            f"the cost became {cost} at epoch {epoch + 1}, iteration {history.iterations_done + 1}; "
                            "try a smaller learning rate.")
                    optimizer.step(pairs)
                    nb = xb.shape[0]
                    cost_sum += cost * nb
                    correct += int(np.count_nonzero(_classes(a) == yb))
                    history.iteration_cost.append(cost)
                    history.lr.append(set_lr)
                    if callbacks:
                        _call(callbacks, "on_batch_end", model, {
                            "epoch": epoch, "iteration": history.iterations_done,
                            "batch_cost": cost, "batch_size": nb})
                history.epoch.append(epoch + 1)
                history.cost.append(cost_sum / m)
                history.train_accuracy.append(correct / m)
                test_cost = test_acc = None
                if validation_data is not None and ((epoch + 1) % validation_freq == 0
                                                    or epoch == start_epoch + epochs - 1):
                    result = model.evaluate(X_val, y_val)
                    test_cost, test_acc = result["loss"], result["accuracy"]
                history.test_cost.append(test_cost if test_cost is not None else math.nan)
                history.test_accuracy.append(test_acc if test_acc is not None else math.nan)
                if callbacks:
                    _call(callbacks, "on_epoch_end", model, {
                        "epoch": epoch + 1, "iteration": history.iterations_done,
                        "cost": history.cost[-1], "train_accuracy": history.train_accuracy[-1],
                        "test_cost": test_cost, "test_accuracy": test_acc})
            history.status = "completed"
            return history
        except TrainingDiverged as exc:
            history.status, history.message = "diverged", str(exc)
            return history
        except BaseException as exc:
            history.status, history.message = "error", f"{type(exc).__name__}: {exc}"
            raise


#: the third seed word of the augmentation generator (the shuffle uses (seed, epoch))
AUGMENT_STREAM = 1


def _augmented(augment, xb, rng):
    out = np.asarray(augment(xb, rng), dtype=xb.dtype)
    if out.shape != xb.shape:
        raise ValueError(f"augment must return a batch of the same shape {xb.shape}. Received: {out.shape}")
    return out


def _classes(a):
    if a.shape[1] == 1:
        return a[:, 0] > 0.5
    return np.argmax(a, axis=1)
