"""The gradient check as a background job: what to check, how it ended, the job itself, and what it means.

The check works on a *copy* of the network (taken between two training
steps by :class:`~nnviz.lab.probes.ModelCopyProbe`), so it never touches
the weights a training thread is updating, and training goes on while it
runs. :func:`run_check` is the job; the GUI runs it on a task of its own,
``nnviz gradcheck`` calls it directly. Both take their defaults from
:data:`nnviz.engine.gradcheck.DEFAULTS` (ε, precision, tolerance, noise
factor, samples, coordinates, seed) and pick the samples with
:func:`check_samples`, so the tab and the CLI check the same thing.
:func:`verdict` and :func:`tensor_words` say what a result means, in the
same words in both.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any, Callable

from nnviz.engine.gradcheck import (
    AGREES,
    DEFAULTS,
    DIFFERS,
    KINKS,
    NOISE,
    GradCheckSettings,
    gradient_check,
    sample_rows,
)

__all__ = ["DEFAULTS", "GradCheckSettings", "GradCheckRequest", "GradCheckOutcome", "run_check", "check_samples",
           "verdict", "tensor_words", "PROGRESS_INTERVAL"]

#: progress reports at most this often (seconds)
PROGRESS_INTERVAL = 0.05


def check_samples(X, y, samples: int = DEFAULTS.samples, seed: int = DEFAULTS.seed):
    """The fixed random subset of training samples a check computes the cost on."""
    idx = sample_rows(len(y), samples, seed)
    return X[idx], y[idx]


@dataclass
class GradCheckRequest:
    """What to check: ``model`` (a copy the check may own), samples X (m, ...) and y (m,)."""

    model: Any
    X: Any
    y: Any
    max_coords: int | None = DEFAULTS.max_coords
    backward: Callable | None = None
    bug_name: str = ""
    seed: int = DEFAULTS.seed
    epoch: int = 0               # epochs the copied network had trained
    generation: int = 0          # which network (the view drops results of older ones)
    reason: str = "asked"        # "asked" or "scheduled"
    settings: GradCheckSettings = field(default=DEFAULTS)


@dataclass
class GradCheckOutcome:
    status: str                  # "done", "cancelled" or "error"
    request: GradCheckRequest
    result: Any = None           # GradientCheckResult when done
    message: str = ""
    details: str = ""
    elapsed: float = 0.0


def run_check(request: GradCheckRequest, report: Callable[[tuple[int, int]], None],
              should_stop: Callable[[], bool]):
    """Run the check; ``report((done, total))`` at most every PROGRESS_INTERVAL s. Returns the engine's result.

    Raises InterruptedError when ``should_stop()`` turns True.
    """
    last = [0.0]

    def progress(done: int, total: int) -> None:
        now = time.perf_counter()
        if done >= total or now - last[0] >= PROGRESS_INTERVAL:
            last[0] = now
            report((done, total))

    s = request.settings
    try:
        return gradient_check(request.model, request.X, request.y, epsilon=s.epsilon, max_coords=request.max_coords,
                              seed=request.seed, progress=progress, should_stop=should_stop,
                              backward=request.backward, numeric_dtype=s.numeric_dtype, tolerance=s.tolerance,
                              noise_factor=s.noise_factor)
    finally:
        request.model = None      # let the copy go as soon as possible


def tensor_words(result, name: str) -> tuple[str, str]:
    """(status, short words) for one tensor: "agrees"/"differs"/"noise"/"kinks" and what to print beside it."""
    status = result.tensor_status(name)
    v = result.per_parameter[name]
    if status == KINKS:
        return status, f"not checkable: all {result.kinks.get(name, 0)} sampled coordinates sat on a ReLU kink"
    _, a, n = result.samples[name]
    if status == NOISE:
        if not any(a) and not any(n):
            return status, "all zero: backprop and numerical gradients are both zero"
        return status, "below the noise floor: too small for finite differences to measure"
    allowed = result.allowed.get(name, result.tolerance)
    if status == DIFFERS:
        return status, f"{v:.1e} — differs (allowed {allowed:.0e})"
    return status, f"{v:.1e} — agrees (allowed {allowed:.0e})"


def verdict(result) -> tuple[str, str]:
    """("right" | "wrong" | "unknown", one plain sentence) for a GradientCheckResult."""
    statuses = result.statuses()
    checked = [n for n, s in statuses.items() if s != KINKS]
    differ = [n for n, s in statuses.items() if s == DIFFERS]
    agree = [n for n, s in statuses.items() if s == AGREES]
    noise = [n for n, s in statuses.items() if s == NOISE]
    if differ:
        worst = result.worst()
        return "wrong", (f"{len(differ)} of {len(checked)} tensors differ from the numerical gradient by more "
                         f"than rounding can explain (worst {worst[0]}: {worst[1]:.1e})")
    if not agree:
        why = "every sampled coordinate sat on a ReLU kink" if not checked else \
            "every tensor's gradient is below the noise floor"
        return "unknown", f"nothing could be compared: {why}"
    worst = result.worst()
    text = (f"all {len(agree)} measurable tensors agree with the numerical gradient within rounding "
            f"(worst {worst[0]}: {worst[1]:.1e})")
    if noise:
        text += f"; {len(noise)} below the noise floor"
    return "right", text
