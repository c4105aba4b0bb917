"""The gradient check as a background job: what to check, how it ended, and the job itself.

The check works on a *copy* of the network (taken between two training
steps by :class:`~nnviz.lab.probes.ModelCopyProbe`), so it never touches
the weights a training thread is updating, and training goes on while it
runs. :func:`run_check` is the job; the GUI runs it on a task of its own.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any, Callable

from nnviz.engine import gradient_check

#: progress reports at most this often (seconds)
PROGRESS_INTERVAL = 0.05


@dataclass
class GradCheckRequest:
    """What to check: ``model`` (a copy the check may own), samples X (m, ...) and y (m,)."""

    model: Any
    X: Any
    y: Any
    max_coords: int | None = 500
    backward: Callable | None = None
    bug_name: str = ""
    seed: int = 0
    epoch: int = 0               # epochs the copied network had trained
    generation: int = 0          # which network (the view drops results of older ones)
    reason: str = "asked"        # "asked" or "scheduled"


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

    try:
        return gradient_check(request.model, request.X, request.y, max_coords=request.max_coords,
                              seed=request.seed, progress=progress, should_stop=should_stop,
                              backward=request.backward)
    finally:
        request.model = None      # let the copy go as soon as possible
