"""Let pyqtgraph's SVG exporter read closed paths.

Qt 6.12 ends the path of every rectangle with a close command (``... Z``);
pyqtgraph 0.14.0's exporter splits path data on spaces and expects every
token to be ``x,y``, so exporting any plot fails with "not enough values to
unpack" (pyqtgraph issue #3495, fixed upstream after 0.14.0).

:func:`apply` checks the installed pyqtgraph with a one-path document and,
only if it fails, wraps the exporter's ``correctCoordinates``: close
commands are taken out of each path before it runs and put back, at the
same token positions, afterwards (the function rewrites path data token by
token, so positions are kept).
"""

from __future__ import annotations

import sys
from xml.dom import minidom

_applied = False
CLOSE = ("Z", "z")


def _module():
    import pyqtgraph.exporters  # noqa: F401  (loads the module into sys.modules)
    return sys.modules["pyqtgraph.exporters.SVGExporter"]


def _handles_closed_paths(correct) -> bool:
    doc = minidom.parseString('<g><g transform="matrix(1,0,0,1,0,0)"><path d="M0,0 L1,0 L1,1 Z"/></g></g>')
    try:
        correct(doc.documentElement, [], None, {})
    except ValueError:
        return False
    return True


def apply() -> bool:
    """Patch pyqtgraph's SVG exporter if it fails on closed paths. Returns True if patched."""
    global _applied
    if _applied:
        return True
    module = _module()
    original = module.correctCoordinates
    if _handles_closed_paths(original):
        return False

    def correct_coordinates(node, defs, item, options):
        closes = []
        for path in node.getElementsByTagName("path"):
            tokens = path.getAttribute("d").split()
            where = [i for i, t in enumerate(tokens) if t in CLOSE]
            if where:
                closes.append((path, where, [tokens[i] for i in where]))
                path.setAttribute("d", " ".join(t for t in tokens if t not in CLOSE))
        original(node, defs, item, options)
        for path, where, letters in closes:
            tokens = path.getAttribute("d").split()
            for i, letter in zip(where, letters):
                tokens.insert(i, letter)
            path.setAttribute("d", " ".join(tokens))

    module.correctCoordinates = correct_coordinates
    _applied = True
    return True
