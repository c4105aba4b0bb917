"""Small widgets shared by the panels."""

from __future__ import annotations

import math

from PySide6.QtGui import QValidator
from PySide6.QtWidgets import QDoubleSpinBox, QGridLayout

from ..style import ERROR_BG, ERROR_FG


class SciSpinBox(QDoubleSpinBox):
    """A spin box for values like 0.0075 or 3e-4: shows ``%g``, steps through 1-2-5 per decade."""

    def __init__(self, parent=None, minimum=-10.0, maximum=10.0):
        super().__init__(parent)
        self.setDecimals(12)
        self.setRange(minimum, maximum)
        self.setKeyboardTracking(False)

    def textFromValue(self, value: float) -> str:
        return f"{value:.6g}"

    def valueFromText(self, text: str) -> float:
        try:
            return float(text.strip().replace(",", "."))
        except ValueError:
            return self.value()

    def validate(self, text, pos):
        t = text.strip().replace(",", ".")
        if t in ("", "-", "+", ".", "-.", "+."):
            return QValidator.Intermediate, text, pos
        try:
            value = float(t)
        except ValueError:
            if t.lower().endswith(("e", "e-", "e+")):
                return QValidator.Intermediate, text, pos
            return QValidator.Invalid, text, pos
        if not math.isfinite(value):
            return QValidator.Invalid, text, pos
        if value < self.minimum() or value > self.maximum():
            return QValidator.Intermediate, text, pos
        return QValidator.Acceptable, text, pos

    def stepBy(self, steps: int) -> None:
        value = self.value()
        for _ in range(abs(steps)):
            value = _next_125(value, up=steps > 0)
        self.setValue(value)


def _next_125(value: float, up: bool) -> float:
    """The next value in the 1-2-5 sequence (…, 0.001, 0.002, 0.005, 0.01, …) above or below ``value``."""
    if value <= 0:
        return 1e-4 if up else value
    exp = math.floor(math.log10(value))
    candidates = [m * 10.0 ** e for e in (exp - 1, exp, exp + 1) for m in (1, 2, 5)]
    if up:
        bigger = [c for c in candidates if c > value * (1 + 1e-9)]
        return min(bigger)
    smaller = [c for c in candidates if c < value * (1 - 1e-9)]
    return max(smaller)


def mark_invalid(widget, message: str | None) -> None:
    """Show (or clear) a problem on an input widget: red frame and the reason as tooltip."""
    if message:
        widget.setStyleSheet(f"background: {ERROR_BG}; color: {ERROR_FG};")
        widget.setToolTip(message)
        widget.setProperty("problem", message)
    else:
        widget.setStyleSheet("")
        widget.setToolTip(widget.property("help") or "")
        widget.setProperty("problem", None)


def compact_combo(combo, chars: int = 14):
    """Let a combo box shrink to about ``chars`` characters (its list still shows full texts)."""
    from PySide6.QtWidgets import QComboBox
    combo.setSizeAdjustPolicy(QComboBox.AdjustToMinimumContentsLengthWithIcon)
    combo.setMinimumContentsLength(chars)
    return combo


def lay_out_pairs(grid: QGridLayout, pairs, per_row: int, first_row: int = 0) -> None:
    """Put (label, field) ``pairs`` in ``grid``, ``per_row`` pairs a row from ``first_row`` (two side by side
    normally; one a row with presentation fonts, so the settings column stays narrow)."""
    for label, field in pairs:
        grid.removeWidget(label)
        grid.removeWidget(field)
    for i, (label, field) in enumerate(pairs):
        row, col = divmod(i, per_row)
        grid.addWidget(label, first_row + row, 2 * col)
        grid.addWidget(field, first_row + row, 2 * col + 1)
    for col in range(4):
        grid.setColumnStretch(col, 1 if col % 2 and col // 2 < per_row else 0)


def lay_out_widgets(grid: QGridLayout, widgets, per_row: int) -> None:
    """Put ``widgets`` in ``grid``, ``per_row`` a row, left-aligned (a stretch column after them)."""
    for widget in widgets:
        grid.removeWidget(widget)
    for i, widget in enumerate(widgets):
        grid.addWidget(widget, *divmod(i, per_row))
    for col in range(len(widgets) + 1):
        grid.setColumnStretch(col, 1 if col == per_row else 0)
