"""Process-wide tuning for programs that train: called once by the entry points.

Training itself (:func:`nnviz.engine.fit`) changes nothing outside the
run: settings that belong to the whole process are chosen by the program
that owns it (the ``nnviz`` CLI, the app, the benchmarks), once, here.
"""

from __future__ import annotations

import sys

from .allocator import keep_scratch_memory


def tune_process(switch_interval: float | None = None) -> dict:
    """Tune this process for training; safe to call more than once.

    * glibc's malloc keeps a training step's scratch memory for reuse
      (see :mod:`nnviz.engine.allocator`); elsewhere a no-op.
    * ``switch_interval`` (seconds), if given, caps Python's GIL switch
      interval (default 5 ms): a GUI passes 0.001 so its thread gets the GIL
      within a millisecond of asking while a training thread runs. It is
      only ever lowered.

    Returns what is in force: ``{"malloc": bool, "switch_interval": float}``.
    """
    if switch_interval is not None:
        if not switch_interval > 0:
            raise ValueError(f"switch_interval must be a positive number of seconds. "
                             f"Received: switch_interval={switch_interval!r}")
        sys.setswitchinterval(min(sys.getswitchinterval(), float(switch_interval)))
    return {"malloc": keep_scratch_memory(), "switch_interval": sys.getswitchinterval()}


__all__ = ["tune_process"]
