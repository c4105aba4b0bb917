"""Keep glibc from handing a training step's scratch memory back to the OS.

Each training step allocates and frees the same few hundred kilobytes of
activations and gradients. With glibc's default thresholds, arrays over
128 KiB are mmap-ed fresh each time, and freed heap at the top is trimmed
back to the OS, so every step pays page faults to get it again: measured
here, about 25% of an epoch of the moons preset. Raising both thresholds
once per process keeps that memory in the heap for reuse.
"""

from __future__ import annotations

import ctypes
import platform

_M_TRIM_THRESHOLD = -1
_M_MMAP_THRESHOLD = -3
#: arrays up to this size come from the heap (glibc's ceiling for the threshold on 64-bit)
MMAP_THRESHOLD = 32 << 20
#: free memory at the top of the heap kept for the next step rather than returned
TRIM_THRESHOLD = 64 << 20

_tuned = False


def keep_scratch_memory() -> bool:
    """Tune glibc's malloc once for repeated same-size allocations; True if it did.

    A no-op (False) off glibc: other allocators do not trim this eagerly.
    """
    global _tuned
    if _tuned:
        return True
    if platform.system() != "Linux" or platform.libc_ver()[0] != "glibc":
        return False
    try:
        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):
        return False
    mallopt.argtypes = (ctypes.c_int, ctypes.c_int)
    _tuned = bool(mallopt(_M_MMAP_THRESHOLD, MMAP_THRESHOLD)) and bool(mallopt(_M_TRIM_THRESHOLD, TRIM_THRESHOLD))
    return _tuned
