"""Guard against a PySide6 reference-counting bug on Python < 3.12.

PySide6-Essentials 6.12.0 (abi3 wheel), run on Python 3.10/3.11, returns
``None`` from void methods (``QLabel.setText``, ``QWidget.update``, …) and
``True`` from ``Signal.emit`` without taking a new reference. Python 3.12
made these objects immortal, so there it is harmless; on 3.11 every call
takes one reference away and, after a few thousand calls, the interpreter
aborts with "Fatal Python error: none_dealloc: deallocating None". PySide6
6.11.x does not have the bug.

:func:`apply` detects the bug by measuring (it does nothing on a healthy
binding or on Python ≥ 3.12) and then gives None, True and False a
reference count so large that no session can exhaust it, which is what
Python 3.12 does for every immortal object. The real fix is a PySide6
without the bug: ``pip install "PySide6-Essentials<6.12"`` on Python 3.11.
"""

from __future__ import annotations

import ctypes
import logging
import sys

log = logging.getLogger(__name__)

_applied = False
_HEADROOM = 1 << 40


def binding_drains_refcounts() -> bool:
    """True if PySide6 loses references to None/True on ordinary calls (measured, not guessed)."""
    if sys.version_info >= (3, 12):
        return False
    from PySide6.QtCore import QObject, Signal

    class _Probe(QObject):
        ping = Signal()

    probe = _Probe()
    none0, true0 = sys.getrefcount(None), sys.getrefcount(True)
    for _ in range(16):
        probe.setObjectName("nnviz-probe")
        probe.ping.emit()
    lost_none = none0 - sys.getrefcount(None)
    lost_true = true0 - sys.getrefcount(True)
    return lost_none >= 16 or lost_true >= 16


def apply() -> bool:
    """Protect None/True/False if the installed PySide6 drains their reference counts. Returns True if applied."""
    global _applied
    if _applied:
        return True
    if not binding_drains_refcounts():
        return False
    import PySide6
    for obj in (None, True, False):
        ctypes.c_ssize_t.from_address(id(obj)).value += _HEADROOM
    _applied = True
    log.warning("PySide6 %s on Python %d.%d loses references to None and True on every call; nnviz "
                "protects them so the app does not abort. Install PySide6-Essentials<6.12 to fix it properly.",
                PySide6.__version__, *sys.version_info[:2])
    return True
