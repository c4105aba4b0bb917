"""Dataset panel: ``datasetCombo``, sample count, noise, test fraction, data seed, class count (blobs,
spiral), input features (``featureChecks``), points per class; load errors inline.

A chosen table or image folder (datasets "table" and "folder") also shows its options
(:class:`~nnviz.gui.panels.chosen_data.ChosenDataOptions`), and its test fraction and data seed.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDoubleSpinBox,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from nnviz.data.generated import MAX_CLASSES, MIN_CLASSES, MULTICLASS
from nnviz.lab import datasets

from ..style import ERROR_BG, ERROR_FG
from .chosen_data import ChosenDataOptions
from .data_extras import FeaturesButton, class_counts_html
from .widgets import compact_combo, lay_out_pairs, mark_invalid


class DatasetPanel(QWidget):
    """Emits ``edited(field)`` when the user changes anything; ``openFileRequested`` from the error box."""

    edited = Signal(str)
    openFileRequested = Signal()

    def __init__(self, parent=None):
        super().__init__(parent)
        self._updating = False
        self.datasetCombo = QComboBox(objectName="datasetCombo")
        for name in datasets.available():
            self.datasetCombo.addItem(datasets.label(name), name)
        self.datasetCombo.setToolTip("The data the network learns from")
        compact_combo(self.datasetCombo, 18)
        self.samplesSpin = QSpinBox(objectName="samplesSpin")
        self.samplesSpin.setRange(0, 1_000_000)
        self.samplesSpin.setSingleStep(100)
        self.samplesSpin.setKeyboardTracking(False)
        self.noiseSpin = QDoubleSpinBox(objectName="noiseSpin")
        self.noiseSpin.setRange(0.0, 5.0)
        self.noiseSpin.setSingleStep(0.05)
        self.noiseSpin.setDecimals(2)
        self.noiseSpin.setKeyboardTracking(False)
        self.testFractionSpin = QDoubleSpinBox(objectName="testFractionSpin")
        self.testFractionSpin.setRange(0.0, 0.9)
        self.testFractionSpin.setSingleStep(0.05)
        self.testFractionSpin.setDecimals(2)
        self.testFractionSpin.setKeyboardTracking(False)
        self.dataSeedSpin = QSpinBox(objectName="dataSeedSpin")
        self.dataSeedSpin.setRange(0, 2**31 - 1)
        self.dataSeedSpin.setKeyboardTracking(False)
        self.classesSpin = QSpinBox(objectName="classesSpin")
        self.classesSpin.setRange(MIN_CLASSES, MAX_CLASSES)
        self.classesSpin.setKeyboardTracking(False)
        self.featuresButton = FeaturesButton()
        self.featureChecks = self.featuresButton.checks
        self.countsLabel = QLabel(objectName="classCountsLabel")
        self.countsLabel.setWordWrap(True)
        for w, tip in ((self.samplesSpin, "How many points to generate (training + test)"),
                       (self.noiseSpin, "Standard deviation of the Gaussian noise added to each point"),
                       (self.testFractionSpin, "Share of the points held out to measure test accuracy"),
                       (self.dataSeedSpin, "Seed of the random generator that makes the points"),
                       (self.classesSpin, "How many classes (blobs, spiral arms)")):
            w.setProperty("help", tip)
            w.setToolTip(tip)
        self.infoLabel = QLabel(objectName="datasetInfoLabel")
        self.infoLabel.setWordWrap(True)
        self.chosen = ChosenDataOptions()

        self.errorBox = QFrame(objectName="datasetErrorBox")
        self.errorBox.setStyleSheet(f"QFrame#datasetErrorBox {{ background: {ERROR_BG}; border-radius: 4px; }}")
        self.errorLabel = QLabel(objectName="datasetErrorLabel")
        self.errorLabel.setWordWrap(True)
        self.errorLabel.setStyleSheet(f"color: {ERROR_FG};")
        self.errorLabel.setTextInteractionFlags(Qt.TextSelectableByMouse)
        self.openButton = QPushButton("Open dataset file…", objectName="openDatasetButton")
        eb = QVBoxLayout(self.errorBox)
        eb.addWidget(self.errorLabel)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(self.openButton)
        eb.addLayout(row)
        self.errorBox.hide()

        self.grid = grid = QGridLayout()
        grid.addWidget(QLabel("Dataset"), 0, 0)
        self.top = QHBoxLayout()
        self.top.addWidget(self.datasetCombo, 1)
        grid.addLayout(self.top, 0, 1, 1, 3)
        self.pairs = [(QLabel("Samples"), self.samplesSpin), (QLabel("Noise"), self.noiseSpin),
                      (QLabel("Test fraction"), self.testFractionSpin), (QLabel("Data seed"), self.dataSeedSpin),
                      (QLabel("Classes"), self.classesSpin)]
        self.set_pairs_per_row(2)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(grid)
        layout.addWidget(self.chosen)
        layout.addWidget(self.infoLabel)
        layout.addWidget(self.countsLabel)
        layout.addWidget(self.errorBox)

        self.datasetCombo.currentIndexChanged.connect(self._on_dataset_changed)
        self.samplesSpin.valueChanged.connect(lambda: self._emit("n_samples"))
        self.noiseSpin.valueChanged.connect(lambda: self._emit("noise"))
        self.testFractionSpin.valueChanged.connect(lambda: self._emit("test_fraction"))
        self.dataSeedSpin.valueChanged.connect(lambda: self._emit("data_seed"))
        self.classesSpin.valueChanged.connect(lambda: self._emit("classes"))
        self.featureChecks.changed.connect(lambda: self._emit("features"))
        self.openButton.clicked.connect(self.openFileRequested)
        self.chosen.edited.connect(self._emit)
        self._update_enabled()

    def set_pairs_per_row(self, per_row: int) -> None:
        """Two label–field pairs a row (normal), or one (presentation fonts: a narrow column)."""
        lay_out_pairs(self.grid, self.pairs, per_row, first_row=1)
        # the features button: beside the dataset list, or on a row of its own when the column is narrow
        self.grid.removeWidget(self.featuresButton)
        self.top.removeWidget(self.featuresButton)
        if per_row > 1:
            self.top.addWidget(self.featuresButton)
        else:
            self.grid.addWidget(self.featuresButton, 1 + len(self.pairs), 0, 1, 2)

    # --- values ---------------------------------------------------------------------
    def dataset(self) -> str:
        return self.datasetCombo.currentData()

    def options(self) -> dict:
        name = self.dataset()
        if name == datasets.PAINTED:
            return {"test_fraction": round(self.testFractionSpin.value(), 4), "seed": self.dataSeedSpin.value()}
        if datasets.is_generated(name):
            out = {"n_samples": self.samplesSpin.value(), "noise": round(self.noiseSpin.value(), 4),
                   "test_fraction": round(self.testFractionSpin.value(), 4), "seed": self.dataSeedSpin.value()}
            if name in MULTICLASS:
                out["classes"] = self.classesSpin.value()
            return out
        stored = dict(self.datasetCombo.currentData(Qt.UserRole + 1) or {})
        if name in datasets.CHOSEN:
            return {"path": stored.get("path", ""), **self.chosen.options(),
                    "test_fraction": round(self.testFractionSpin.value(), 4), "seed": self.dataSeedSpin.value()}
        return stored

    def values(self) -> dict:
        """What the panel sets in a RunConfig: ``dataset``, ``dataset_options``, ``augment`` (training-time
        augmentations of images) and ``features`` (input features of 2-D data)."""
        return {"dataset": self.dataset(), "dataset_options": self.options(), "augment": self.chosen.augment(),
                "features": self.features()}

    def features(self) -> list[str]:
        """The chosen input features (``RunConfig.features``; empty: the raw x₁, x₂)."""
        return self.featureChecks.features() if self.featureChecks.isEnabled() else []

    def set_values(self, name: str, options: dict, augment=None, features=None) -> None:
        self.featureChecks.set_features(features)
        if name in datasets.CHOSEN:
            self._set_chosen(name, options, augment)
            return
        if name == "file":
            path = str(options.get("path", ""))
            self.add_file_dataset(path, f"{Path(path).name} (file)")
            return
        self._updating = True
        try:
            idx = self.datasetCombo.findData(name)
            if idx < 0:
                self.datasetCombo.addItem(datasets.label(name), name)
                idx = self.datasetCombo.count() - 1
            if not datasets.is_generated(name):
                self.datasetCombo.setItemData(idx, dict(options), Qt.UserRole + 1)
            self.datasetCombo.setCurrentIndex(idx)
            opts = {**datasets.defaults(name), **options}
            if datasets.loads_at_once(name):
                self._set_spins(opts)
        finally:
            self._updating = False
        self._update_enabled()

    def add_file_dataset(self, path: str, title: str) -> None:
        """List an opened file as a dataset entry and select it."""
        idx = self.datasetCombo.findData("file")
        if idx < 0:
            self.datasetCombo.addItem(title, "file")
            idx = self.datasetCombo.count() - 1
        self.datasetCombo.setItemText(idx, title)
        self.datasetCombo.setItemData(idx, {"path": path}, Qt.UserRole + 1)
        self._updating = True
        try:
            self.datasetCombo.setCurrentIndex(idx)
        finally:
            self._updating = False
        self._update_enabled()

    def _set_chosen(self, name: str, options: dict, augment) -> None:
        """List a chosen table or image folder as the "table" / "folder" entry, with its options, and select it."""
        path = str(options.get("path", ""))
        title = f"{Path(path).name} ({'table' if name == 'table' else 'image folder'})"
        self._updating = True
        try:
            idx = self.datasetCombo.findData(name)
            if idx < 0:
                self.datasetCombo.addItem(title, name)
                idx = self.datasetCombo.count() - 1
            self.datasetCombo.setItemText(idx, title)
            self.datasetCombo.setItemData(idx, dict(options), Qt.UserRole + 1)
            self.datasetCombo.setCurrentIndex(idx)
            self.chosen.set_values(name, options, augment)
            self.testFractionSpin.setValue(float(options.get("test_fraction", 0.2)))
            self.dataSeedSpin.setValue(int(options.get("seed", 0)))
        finally:
            self._updating = False
        self._update_enabled()

    # --- feedback -----------------------------------------------------------------
    def show_dataset(self, ds) -> None:
        self.errorBox.hide()
        self.infoLabel.setText(datasets.describe(ds))
        self.infoLabel.show()
        if not self.classesSpin.isEnabled() and self.classesSpin.minimum() <= ds.n_classes <= self.classesSpin.maximum():
            self._updating, was = True, self._updating
            try:
                self.classesSpin.setValue(ds.n_classes)     # what the data has (painted points: as painted)
            finally:
                self._updating = was
        counts = class_counts_html(ds) if ds.name == datasets.PAINTED or ds.n_classes > 2 else ""
        self.countsLabel.setText(counts)
        self.countsLabel.setVisible(bool(counts))
        self.chosen.show_dataset(ds)

    def show_progress(self, text: str) -> None:
        """A long read's progress, e.g. "Reading images… 1,234 / 5,000"."""
        self.errorBox.hide()
        self.infoLabel.setText(text)
        self.infoLabel.show()

    def show_loading(self, name: str) -> None:
        self.errorBox.hide()
        self.countsLabel.hide()
        self.infoLabel.setText(f"Loading {datasets.label(name)}…")
        self.infoLabel.show()

    def show_error(self, message: str) -> None:
        self.infoLabel.hide()
        self.countsLabel.hide()
        self.errorLabel.setText(f"<b>Could not load this dataset.</b><br>{_html(message)}"
                                "<br>Pick another dataset, or open the file with File → Open dataset file…")
        self.errorBox.show()

    def set_problems(self, problems: dict) -> None:
        for key, widget in (("n_samples", self.samplesSpin), ("noise", self.noiseSpin),
                            ("test_fraction", self.testFractionSpin)):
            mark_invalid(widget, problems.get(key))
        self.featureChecks.setToolTip(problems.get("features", ""))

    # --- internals ----------------------------------------------------------------
    def _set_spins(self, opts: dict) -> None:
        for key, spin, kind in (("n_samples", self.samplesSpin, int), ("noise", self.noiseSpin, float),
                                ("test_fraction", self.testFractionSpin, float), ("seed", self.dataSeedSpin, int),
                                ("classes", self.classesSpin, int)):
            if key in opts:
                spin.setValue(kind(opts[key]))

    def _update_enabled(self) -> None:
        name = self.dataset() or ""
        gen, painted = datasets.is_generated(name), name == datasets.PAINTED
        chosen = name in datasets.CHOSEN
        self.chosen.set_kind(name if chosen else None)
        for w in (self.samplesSpin, self.noiseSpin, self.testFractionSpin, self.dataSeedSpin, self.classesSpin):
            on = (gen and (w is not self.classesSpin or name in MULTICLASS)) or \
                ((painted or chosen) and w in (self.testFractionSpin, self.dataSeedSpin))
            w.setEnabled(on)
            if not on:
                w.setToolTip("Painted points: draw them on the decision-boundary plot" if painted else
                             "Only blobs and spiral take a class count" if gen else "Fixed by the dataset's files")
            else:
                w.setToolTip(w.property("problem") or w.property("help") or "")
        shape = datasets.input_shape(name) if name != "file" else None
        self.featureChecks.setEnabled(shape == (2,))
        self.featuresButton.setEnabled(shape == (2,))
        for w in self.pairs[-1]:               # the class count: only for generators that take one
            w.setVisible(name in MULTICLASS)

    def _on_dataset_changed(self) -> None:
        name = self.dataset()
        if not self._updating and datasets.loads_at_once(name):
            # each generator has its own sensible noise level: start from its defaults
            self._updating = True
            try:
                self._set_spins(datasets.defaults(name))
            finally:
                self._updating = False
        self._update_enabled()
        self._emit("dataset")

    def _emit(self, field: str) -> None:
        if not self._updating:
            self.edited.emit(field)


def _html(text: str) -> str:
    return (text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\n", "<br>"))
