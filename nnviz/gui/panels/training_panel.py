"""Hyperparameter panel: loss, optimizer, learning rate and its schedule, epochs, batch size, initializer, L2 λ,
seed."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QComboBox, QGridLayout, QLabel, QSpinBox, QWidget

from nnviz.engine.initializers import INITIALIZERS
from nnviz.engine.losses import LOSSES
from nnviz.engine.optimizers import OPTIMIZERS

from .schedule_fields import ScheduleFields
from .widgets import SciSpinBox, compact_combo, lay_out_pairs, mark_invalid

LOSS_LABELS = {"binary_crossentropy": "binary cross-entropy", "categorical_crossentropy": "categorical cross-entropy",
               "mse": "mean squared error (½)"}
OPTIMIZER_LABELS = {"sgd": "gradient descent (SGD)", "momentum": "momentum", "rmsprop": "RMSProp",
                    "adagrad": "Adagrad", "adam": "Adam"}
INIT_LABELS = {"zeros": "zeros (symmetry!)", "small": "small random ×0.01", "xavier": "Xavier √(1/n)",
               "he": "He √(2/n)"}

FULL_BATCH = 0


class TrainingPanel(QWidget):
    """Emits ``edited(field)``; fields are RunConfig names (lr, epochs, batch_size, ...)."""

    edited = Signal(str)

    def __init__(self, parent=None):
        super().__init__(parent)
        self._updating = False
        self.lossCombo = QComboBox(objectName="lossCombo")
        for name in LOSSES:
            self.lossCombo.addItem(LOSS_LABELS.get(name, name), name)
        self.optimizerCombo = QComboBox(objectName="optimizerCombo")
        for name in OPTIMIZERS:
            self.optimizerCombo.addItem(OPTIMIZER_LABELS.get(name, name), name)
        self.learningRateSpin = SciSpinBox(minimum=-10.0, maximum=10.0)
        self.learningRateSpin.setObjectName("learningRateSpin")
        self.epochsSpin = QSpinBox(objectName="epochsSpin")
        self.epochsSpin.setRange(0, 10_000_000)
        self.epochsSpin.setSingleStep(100)
        self.epochsSpin.setGroupSeparatorShown(True)
        self.epochsSpin.setKeyboardTracking(False)
        self.batchSizeSpin = QSpinBox(objectName="batchSizeSpin")
        self.batchSizeSpin.setRange(FULL_BATCH, 1_000_000)
        self.batchSizeSpin.setSpecialValueText("full batch")
        self.batchSizeSpin.setSingleStep(32)
        self.batchSizeSpin.setKeyboardTracking(False)
        self.initCombo = QComboBox(objectName="initCombo")
        for name in INITIALIZERS:
            self.initCombo.addItem(INIT_LABELS.get(name, name), name)
        self.l2Spin = SciSpinBox(minimum=-100.0, maximum=1000.0)
        self.l2Spin.setObjectName("l2Spin")
        self.seedSpin = QSpinBox(objectName="seedSpin")
        self.seedSpin.setRange(0, 2**31 - 1)
        self.seedSpin.setKeyboardTracking(False)
        self.epochsLabel = QLabel("Epochs")
        self.schedule = ScheduleFields()
        self.scheduleCombo = self.schedule.combo

        helps = {
            self.lossCombo: "What the network minimizes",
            self.optimizerCombo: "How the weights are updated from the gradients",
            self.learningRateSpin: "Step size of each update; applied at once, even while training",
            self.epochsSpin: "Passes over the training set in one run",
            self.batchSizeSpin: "Samples per gradient step; 'full batch' uses all of them",
            self.initCombo: "How the weights start (layers can override it)",
            self.l2Spin: "Strength λ of the L2 weight penalty λ/(2m)·ΣW²",
            self.seedSpin: "Seed for the initial weights, dropout masks and shuffling",
        }
        for combo in (self.lossCombo, self.optimizerCombo, self.initCombo):
            compact_combo(combo, 10)
        for w, tip in helps.items():
            w.setProperty("help", tip)
            w.setToolTip(tip)

        self.grid = QGridLayout(self)
        self.grid.setContentsMargins(0, 0, 0, 0)
        self.grid.setVerticalSpacing(2)        # five rows in the height four had (1366×768 needs no scrolling)
        pairs = [("Optimizer", self.optimizerCombo), ("Learning rate", self.learningRateSpin),
                 ("Schedule", self.scheduleCombo), (self.schedule.label, self.schedule),
                 (self.epochsLabel, self.epochsSpin), ("Batch size", self.batchSizeSpin),
                 ("Loss", self.lossCombo), ("L2 λ", self.l2Spin),
                 ("Initializer", self.initCombo), ("Seed", self.seedSpin)]
        self.pairs = [(label if isinstance(label, QLabel) else QLabel(label), widget) for label, widget in pairs]
        self.set_pairs_per_row(2)

        self.lossCombo.currentIndexChanged.connect(lambda: self._emit("loss"))
        self.optimizerCombo.currentIndexChanged.connect(lambda: self._emit("optimizer"))
        self.learningRateSpin.valueChanged.connect(lambda: self._emit("lr"))
        self.epochsSpin.valueChanged.connect(lambda: self._emit("epochs"))
        self.batchSizeSpin.valueChanged.connect(lambda: self._emit("batch_size"))
        self.initCombo.currentIndexChanged.connect(lambda: self._emit("init"))
        self.l2Spin.valueChanged.connect(lambda: self._emit("l2"))
        self.seedSpin.valueChanged.connect(lambda: self._emit("seed"))
        self.schedule.edited.connect(lambda: self._emit("schedule"))
        self.epochsSpin.valueChanged.connect(self.schedule.set_epochs)

    def set_pairs_per_row(self, per_row: int) -> None:
        """Two label–field pairs a row (normal), or one (presentation fonts: a narrow column)."""
        lay_out_pairs(self.grid, self.pairs, per_row)

    def values(self) -> dict:
        batch = self.batchSizeSpin.value()
        return {"loss": self.lossCombo.currentData(), "optimizer": self.optimizerCombo.currentData(),
                "lr": float(self.learningRateSpin.value()), "epochs": int(self.epochsSpin.value()),
                "batch_size": None if batch == FULL_BATCH else int(batch), "init": self.initCombo.currentData(),
                "l2": float(self.l2Spin.value()), "seed": int(self.seedSpin.value()),
                "schedule": self.schedule.value()}

    def set_values(self, config) -> None:
        self._updating = True
        try:
            _select(self.lossCombo, config.loss)
            _select(self.optimizerCombo, config.optimizer_name)
            self.learningRateSpin.setValue(config.lr)
            self.epochsSpin.setValue(config.epochs)
            self.batchSizeSpin.setValue(FULL_BATCH if config.batch_size is None else config.batch_size)
            _select(self.initCombo, config.init)
            self.l2Spin.setValue(config.l2)
            self.seedSpin.setValue(config.seed)
            self.schedule.set_value(getattr(config, "schedule", None), config.epochs)
        finally:
            self._updating = False
        self.set_count_label(config.count_label)

    def set_count_label(self, count_label: str) -> None:
        full = self.batchSizeSpin.value() == FULL_BATCH
        self.epochsLabel.setText("Iterations" if count_label == "iterations" and full else "Epochs")

    def set_problems(self, problems: dict) -> None:
        for key, widget in (("lr", self.learningRateSpin), ("epochs", self.epochsSpin),
                            ("batch_size", self.batchSizeSpin), ("l2", self.l2Spin),
                            ("loss", self.lossCombo), ("optimizer", self.optimizerCombo),
                            ("schedule", self.scheduleCombo)):
            mark_invalid(widget, problems.get(key))

    def _emit(self, field: str) -> None:
        if not self._updating:
            self.edited.emit(field)


def _select(combo: QComboBox, data) -> None:
    idx = combo.findData(data)
    if idx < 0:
        raise ValueError(f"{combo.objectName()}: unknown choice {data!r}.")
    combo.setCurrentIndex(idx)


__all__ = ["TrainingPanel"]
