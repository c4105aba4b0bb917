"""The learning-rate schedule's fields in the training panel: ``scheduleCombo`` and its one or two parameters.

Each schedule shows the parameters it uses (see :mod:`nnviz.engine.schedules`):
step: every N epochs, ×γ; exponential: ×γ per epoch; cosine: down to a
fraction of the rate; one-cycle: the warm-up's share of the run. A schedule
chosen for the first time gets parameters that suit the run's length (step:
a third of the epochs; exponential: down to 10 % by the end).
"""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDoubleSpinBox,
    QHBoxLayout,
    QLabel,
    QSpinBox,
    QWidget,
)

from nnviz.engine.schedules import SCHEDULES

LABELS = {"constant": "constant", "step": "step decay", "exponential": "exponential decay",
          "cosine": "cosine annealing", "one_cycle": "one-cycle"}
TIPS = {"constant": "The same learning rate for the whole run",
        "step": "lr0·γ^⌊epoch/N⌋: multiplied by γ every N epochs",
        "exponential": "lr0·γ^epoch: multiplied by γ after every epoch",
        "cosine": "lr_min + ½(lr0 − lr_min)(1 + cos(π·t/T)), per iteration: from lr0 down to lr_min",
        "one_cycle": "Up from lr0/25 to lr0 during the warm-up, then down to lr0/250,000 (cosine, per iteration)"}
#: (label, which spin boxes, value spin: (key, prefix, suffix, minimum, maximum, step, decimals))
FIELDS = {"constant": ("", False, None),
          "step": ("Every", True, ("gamma", "×", "", 0.001, 1.0, 0.05, 3)),
          "exponential": ("Each epoch", False, ("gamma", "×", "", 0.001, 1.0, 0.001, 6)),
          "cosine": ("Down to", False, ("final", "", " × lr", 0.0, 0.99, 0.05, 2)),
          "one_cycle": ("Warm-up", False, ("warmup", "", " of run", 0.01, 0.99, 0.05, 2))}


class ScheduleFields(QWidget):
    """``combo`` (scheduleCombo), ``label`` and this widget (the parameters); emits ``edited``."""

    edited = Signal()

    def __init__(self, parent=None):
        super().__init__(parent)
        self.combo = QComboBox(objectName="scheduleCombo")
        for name in SCHEDULES:
            self.combo.addItem(LABELS[name], name)
            self.combo.setItemData(self.combo.count() - 1, TIPS[name], 3)    # Qt.ToolTipRole
        self.label = QLabel()
        self.stepSpin = QSpinBox(objectName="scheduleStepSpin")
        self.stepSpin.setRange(1, 10_000_000)
        self.stepSpin.setSuffix(" epochs")
        self.stepSpin.setKeyboardTracking(False)
        self.valueSpin = QDoubleSpinBox(objectName="scheduleValueSpin")
        self.valueSpin.setDecimals(6)
        self.valueSpin.setKeyboardTracking(False)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.stepSpin)
        layout.addWidget(self.valueSpin, 1)
        self._updating = False
        self._epochs = 100
        self._params: dict[str, dict] = {}       # what each schedule was last set to
        self.combo.currentIndexChanged.connect(self._on_schedule)
        self.stepSpin.valueChanged.connect(self._on_value)
        self.valueSpin.valueChanged.connect(self._on_value)
        self._show_fields()

    @property
    def name(self) -> str:
        return self.combo.currentData()

    def value(self) -> dict:
        """The schedule as a RunConfig stores it: ``{"name": ..., **parameters}``."""
        name = self.name
        return {"name": name, **self._params.get(name, self._defaults(name))}

    def set_value(self, schedule: dict | None, epochs: int) -> None:
        schedule = dict(schedule or {"name": "constant"})
        name = schedule.pop("name", "constant")
        self._epochs = max(1, int(epochs))
        self._updating = True
        try:
            if name in SCHEDULES:
                self._params[name] = {**self._defaults(name), **schedule}
                self.combo.setCurrentIndex(self.combo.findData(name))
            self._show_fields()
        finally:
            self._updating = False

    def set_epochs(self, epochs: int) -> None:
        """The run's length, for the defaults of a schedule chosen later."""
        self._epochs = max(1, int(epochs))

    def _defaults(self, name: str) -> dict:
        e = self._epochs
        return {"constant": {}, "step": {"step_size": max(1, e // 3), "gamma": 0.5},
                "exponential": {"gamma": round(0.1 ** (1 / e), 6) if e > 1 else 0.5},
                "cosine": {"final": 0.0}, "one_cycle": {"warmup": 0.3}}[name]

    def _show_fields(self) -> None:
        name = self.name
        label, step, value = FIELDS[name]
        params = self._params.setdefault(name, self._defaults(name))
        was, self._updating = self._updating, True
        try:
            self.label.setText(label)
            self.stepSpin.setVisible(step)
            if step:
                self.stepSpin.setValue(int(params["step_size"]))
            self.valueSpin.setVisible(value is not None)
            if value is not None:
                key, prefix, suffix, low, high, single, decimals = value
                self.valueSpin.setDecimals(decimals)
                self.valueSpin.setPrefix(prefix)
                self.valueSpin.setSuffix(suffix)
                self.valueSpin.setRange(low, high)
                self.valueSpin.setSingleStep(single)
                self.valueSpin.setValue(float(params[key]))
            tip = TIPS[name]
            for w in (self.combo, self.stepSpin, self.valueSpin):
                w.setToolTip(tip)
        finally:
            self._updating = was

    def _on_schedule(self) -> None:
        self._show_fields()
        if not self._updating:
            self.edited.emit()

    def _on_value(self) -> None:
        if self._updating:
            return
        name = self.name
        label, step, value = FIELDS[name]
        params = self._params.setdefault(name, self._defaults(name))
        if step:
            params["step_size"] = int(self.stepSpin.value())
        if value is not None:
            params[value[0]] = float(self.valueSpin.value())
        self.edited.emit()


__all__ = ["ScheduleFields", "LABELS"]
