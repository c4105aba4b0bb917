"""The learning-rate finder (Smith 2017, "Cyclical learning rates", section 3.3; fastai's ``lr_find``).

Train a *copy* of the network for N iterations while the learning rate
grows exponentially from ``lr_min`` to ``lr_max``
(lr_i = lr_min · (lr_max / lr_min)^(i / (N − 1))), recording each batch's
loss before its step. The loss first barely moves (too small a rate), then
falls, then explodes (too large). The smoothed loss (an exponential moving
average with bias correction, s_i = EMA_i / (1 − β^(i+1))) is what the plot
shows; the run stops as soon as it exceeds ``diverge`` × its best value or
the loss is NaN/infinite. The suggestion is the rate where the smoothed loss
falls fastest: the most negative slope ds/d(log lr), looked for before the
smoothed loss's minimum (fastai's ``steep`` suggester).

What the suggestion means, measured (benchmarks/lr_finder_check.py, six
initialisation seeds per preset, the presets' own epochs and test splits):
it is the rate that lowers the *training* loss fastest over the finder's
~100 steps. On mnist-dense (RMSProp, 5 epochs = 315 steps, a budget close to
the finder's) it trains to a higher mean test accuracy than the preset's
0.001. On moons (full-batch gradient descent for 10,000 epochs, a budget
100× the finder's) every rate from about 0.005 to 0.5 falls at nearly the
same slope, so the steepest point wanders with the seed (0.009 to 0.45), and
the faster rates fit the 900 noisy training points further (training
accuracy 0.98–0.99 instead of 0.97) and lose 1–2 of the 100 test points by
epoch 10,000, although they get there sooner (preset seed: 0.2 reaches 0.99
test accuracy by epoch 500, the preset's 0.01 between epochs 2,000 and 5,000).
The other documented rules do no better on both: the point moved back by the
moving average's lag β/(1 − β), the minimum's rate ÷ 10 (fastai's
``minimum``) and fastai's ``valley`` mostly pick rates below the preset's on
mnist-dense (mean test accuracy 0.949, 0.949, 0.933 against the preset's
0.954) and still lose test points on moons (0.980, 0.980, 0.897 against
0.995); so does a 300-iteration finder on mnist-dense (suggestion 0.00055).
The suggestion is a starting point for a run about as long as the finder's,
not a replacement for a validation split on a long one.

The network being shown is never touched: the finder trains ``model.copy()``
with a fresh optimizer of the same kind, and returns only numbers.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable

import numpy as np

from nnviz.engine.blas_threads import blas_threads
from nnviz.engine.optimizers import get_optimizer

#: defaults: the rates tried and how many steps
LR_MIN, LR_MAX, ITERATIONS = 1e-6, 10.0, 100
#: the smoothing β of the moving average, and the divergence factor
BETA, DIVERGE = 0.9, 4.0


@dataclass
class LRFinderResult:
    """What the finder saw. ``lrs``, ``losses`` and ``smoothed`` are (n,) float64, n ≤ iterations.

    ``status`` is "completed" (all the rates tried), "diverged" (stopped
    when the loss blew up) or "cancelled"; ``suggestion`` is None when the
    loss never fell (the sentence in ``message`` says why).
    """

    lrs: np.ndarray
    losses: np.ndarray
    smoothed: np.ndarray
    status: str
    suggestion: float | None
    suggestion_index: int | None
    message: str
    start_loss: float = math.nan

    @property
    def iterations(self) -> int:
        return int(self.lrs.size)


def lr_schedule(lr_min: float, lr_max: float, iterations: int) -> np.ndarray:
    """The rates tried, (iterations,): geometric from ``lr_min`` to ``lr_max`` inclusive."""
    if not (0 < lr_min < lr_max and math.isfinite(lr_max)):
        raise ValueError(f"LR finder: the rates must satisfy 0 < from < to. Received: from={lr_min:g}, "
                         f"to={lr_max:g}.")
    if isinstance(iterations, bool) or not isinstance(iterations, (int, np.integer)) or iterations < 5:
        raise ValueError(f"LR finder: at least 5 iterations are needed. Received: {iterations!r}.")
    i = np.arange(iterations, dtype=np.float64)
    return lr_min * (lr_max / lr_min) ** (i / (iterations - 1))


def suggest(lrs: np.ndarray, smoothed: np.ndarray, skip_start: int = 2) -> int | None:
    """Index of the steepest fall of ``smoothed`` against log(lr), before its minimum; None if it never falls."""
    n = int(np.argmin(smoothed)) + 1 if smoothed.size else 0
    if n - skip_start < 3:
        return None
    x, s = np.log(lrs[:n]), smoothed[:n]
    slope = np.gradient(s, x)
    i = skip_start + int(np.argmin(slope[skip_start:]))
    return i if slope[i] < 0 else None


def find_lr(model, X, y, optimizer, batch_size=None, lr_min: float = LR_MIN, lr_max: float = LR_MAX,
            iterations: int = ITERATIONS, beta: float = BETA, diverge: float = DIVERGE, seed: int = 0,
            report: Callable[[LRFinderResult], None] | None = None, should_stop: Callable[[], bool] | None = None,
            report_every: int = 5) -> LRFinderResult:
    """Run the finder on a copy of ``model`` (never changed); returns an :class:`LRFinderResult`.

    ``X`` (m, ...) and ``y`` (m,) are the training data; ``optimizer`` an
    optimizer (or its config) whose kind and settings the copy trains with
    (its lr is ignored); ``batch_size`` None means full batch. ``report``
    gets the partial result every ``report_every`` iterations; when
    ``should_stop()`` turns True the result so far comes back "cancelled".
    """
    rates = lr_schedule(lr_min, lr_max, iterations)
    X, y = model.check_inputs(X, y)
    m = X.shape[0]
    if m == 0:
        raise ValueError("LR finder: the training set is empty.")
    batch = m if batch_size is None else max(1, min(int(batch_size), m))
    net = model.copy(with_history=False)
    config = optimizer.get_config() if hasattr(optimizer, "get_config") else dict(optimizer)
    opt = get_optimizer(config)
    pairs = [(layer.params[k], layer.grads[k]) for _, layer, k in net.parameters()]
    Y = net.targets(y)
    rng = np.random.default_rng(seed)
    order, pos = np.arange(m), m
    lrs, losses, smoothed = [], [], []
    avg, best, status = 0.0, math.inf, "completed"

    def result(final: bool) -> LRFinderResult:
        a, b, c = (np.asarray(v, dtype=np.float64) for v in (lrs, losses, smoothed))
        idx = suggest(a, c) if final else None
        return LRFinderResult(a, b, c, status, float(a[idx]) if idx is not None else None, idx,
                              _message(status, a, idx, diverge), float(b[0]) if b.size else math.nan)

    with np.errstate(over="ignore", invalid="ignore", divide="ignore", under="ignore"), blas_threads(net, batch):
        for i, lr in enumerate(rates):
            if should_stop is not None and should_stop():
                status = "cancelled"
                break
            if pos + batch > m:
                order, pos = (rng.permutation(m) if batch < m else order), 0
            idx = order[pos:pos + batch]
            pos += batch
            opt.lr = float(lr)
            cost, _ = net.cost_and_gradients(X[idx], Y[idx])
            if not math.isfinite(cost):
                status = "diverged"
                break
            avg = beta * avg + (1 - beta) * cost
            s = avg / (1 - beta ** (i + 1))
            lrs.append(float(lr))
            losses.append(float(cost))
            smoothed.append(s)
            best = min(best, s)
            if s > diverge * best:
                status = "diverged"
                break
            opt.step(pairs)
            if report is not None and (i + 1) % report_every == 0:
                report(result(final=False))
    return result(final=True)


def _message(status: str, lrs: np.ndarray, idx: int | None, diverge: float) -> str:
    n = lrs.size
    if n == 0:
        return "The loss was not a number at the first rate tried: the network itself has diverged."
    head = {"completed": f"Tried {n} rates from {lrs[0]:.2g} to {lrs[-1]:.2g}.",
            "diverged": f"Stopped after {n} rates: at {lrs[-1]:.2g} the loss blew up "
                        f"(more than {diverge:g}× its best, or not a number).",
            "cancelled": f"Cancelled after {n} rates."}[status]
    if idx is None:
        return head + " The loss never fell clearly: no suggestion (try a wider range or more iterations)."
    return head + f" The loss falls fastest at {lrs[idx]:.2g}."


__all__ = ["LRFinderResult", "find_lr", "lr_schedule", "suggest", "LR_MIN", "LR_MAX", "ITERATIONS"]
