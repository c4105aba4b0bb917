"""The dataset panel's options for data the user chose: a CSV/TSV table or an image folder.

:class:`ChosenDataOptions` shows, for a table, the label column
(``labelColumnCombo``) and whether the first row is a header
(``headerCombo``); for an image folder, the image size (``imageSizeCombo``:
28, 32, 64), grey or RGB (``imageColorCombo``), the training-time
augmentations (``augmentFlipCheck``, ``augmentShiftCheck``,
``augmentRotateCheck``) and a few thumbnails per class
(``classThumbnails``). It emits ``edited(field)``; the panel asks it for
``options()`` and ``augment()``.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QImage, QPixmap
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QVBoxLayout,
    QWidget,
)

from nnviz.data.augment import AUGMENTATIONS, MAX_ROTATION, MAX_SHIFT
from nnviz.data.image_folder import SIZES

from .widgets import compact_combo

#: thumbnails shown per class, their side in pixels, and at most this many classes
THUMBS_PER_CLASS = 5
THUMB_PX = 36
MAX_THUMB_CLASSES = 12
HEADER_ITEMS = (("Guess", "auto"), ("Yes", "yes"), ("No", "no"))
LAST_COLUMN = "(last column)"


def thumbnail_strip(images: np.ndarray, side: int = THUMB_PX) -> QImage:
    """Images (k, C, H, W) in [0, 1] → one RGB QImage of k tiles of ``side`` pixels in a row, 2 px apart."""
    k = len(images)
    gap = 2
    strip = np.full((side, max(1, k * (side + gap) - gap), 3), 255, dtype=np.uint8)
    for i, x in enumerate(images):
        rgb = np.repeat(x, 3, axis=0) if x.shape[0] == 1 else x[:3]
        h, w = rgb.shape[1:]
        rows = (np.arange(side) * h // side)
        cols = (np.arange(side) * w // side)
        tile = np.clip(rgb[:, rows][:, :, cols] * 255 + 0.5, 0, 255).astype(np.uint8).transpose(1, 2, 0)
        strip[:, i * (side + gap):i * (side + gap) + side] = tile
    strip = np.ascontiguousarray(strip)
    image = QImage(strip.data, strip.shape[1], strip.shape[0], strip.strides[0], QImage.Format_RGB888)
    return image.copy()


class ChosenDataOptions(QWidget):
    """See the module docstring."""

    edited = Signal(str)

    def __init__(self, parent=None):
        super().__init__(parent)
        self._updating = False
        self.kind: str | None = None
        self.labelColumnCombo = QComboBox(objectName="labelColumnCombo")
        self.labelColumnCombo.setToolTip("The column that holds each row's class; every other column is a feature")
        compact_combo(self.labelColumnCombo, 14)
        self.headerCombo = QComboBox(objectName="headerCombo")
        for text, value in HEADER_ITEMS:
            self.headerCombo.addItem(text, value)
        self.headerCombo.setToolTip("Whether the first row names the columns (Guess: it does if it has text "
                                    "where the next row has numbers)")
        self.imageSizeCombo = QComboBox(objectName="imageSizeCombo")
        for size in SIZES:
            self.imageSizeCombo.addItem(f"{size} × {size}", size)
        self.imageSizeCombo.setToolTip("Every picture is centre-cropped to a square and resized to this size")
        self.imageColorCombo = QComboBox(objectName="imageColorCombo")
        self.imageColorCombo.addItem("Grey", "grey")
        self.imageColorCombo.addItem("RGB colour", "rgb")
        self.imageColorCombo.setToolTip("Grey: one channel; RGB: three (a colour picture)")
        tips = {"flip": "Mirror each training picture left–right half of the time",
                "shift": f"Move each training picture by up to {MAX_SHIFT:.0%} of its side",
                "rotate": f"Turn each training picture by up to ±{MAX_ROTATION:g}°"}
        self.augmentChecks = {}
        for name in AUGMENTATIONS:
            box = QCheckBox(name.capitalize(), objectName=f"augment{name.capitalize()}Check")
            box.setToolTip(tips[name] + " (drawn anew each epoch from the run's seed; test pictures are never changed)")
            self.augmentChecks[name] = box

        self.tableBox = QWidget(objectName="tableOptions")
        grid = QGridLayout(self.tableBox)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.addWidget(QLabel("Label column"), 0, 0)
        grid.addWidget(self.labelColumnCombo, 0, 1)
        grid.addWidget(QLabel("Header row"), 1, 0)
        grid.addWidget(self.headerCombo, 1, 1)
        grid.setColumnStretch(1, 1)

        self.folderBox = QWidget(objectName="folderOptions")
        grid = QGridLayout(self.folderBox)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.addWidget(QLabel("Image size"), 0, 0)
        grid.addWidget(self.imageSizeCombo, 0, 1)
        grid.addWidget(QLabel("Colour"), 0, 2)
        grid.addWidget(self.imageColorCombo, 0, 3)
        augment_row = QHBoxLayout()
        augment_row.addWidget(QLabel("Augment training:"))
        for box in self.augmentChecks.values():
            augment_row.addWidget(box)
        augment_row.addStretch(1)
        grid.addLayout(augment_row, 1, 0, 1, 4)
        grid.setColumnStretch(1, 1)
        grid.setColumnStretch(3, 1)

        self.thumbnails = QWidget(objectName="classThumbnails")
        self.thumbGrid = QGridLayout(self.thumbnails)
        self.thumbGrid.setContentsMargins(0, 4, 0, 0)
        self.thumbGrid.setVerticalSpacing(2)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.tableBox)
        layout.addWidget(self.folderBox)
        layout.addWidget(self.thumbnails)

        self.labelColumnCombo.currentIndexChanged.connect(lambda: self._emit("label_column"))
        self.headerCombo.currentIndexChanged.connect(self._on_header)
        self.imageSizeCombo.currentIndexChanged.connect(lambda: self._emit("image_size"))
        self.imageColorCombo.currentIndexChanged.connect(lambda: self._emit("image_color"))
        for box in self.augmentChecks.values():
            box.toggled.connect(lambda _: self._emit("augment"))
        self.set_kind(None)

    # --- values ------------------------------------------------------------------------
    def set_kind(self, kind: str | None) -> None:
        """Show the options of "table", "folder", or none."""
        self.kind = kind
        self.tableBox.setVisible(kind == "table")
        self.folderBox.setVisible(kind == "folder")
        self.thumbnails.setVisible(kind == "folder" and self.thumbGrid.count() > 0)
        self.setVisible(kind in ("table", "folder"))

    def options(self) -> dict:
        """The reader options the widgets show (without path, test fraction and seed)."""
        if self.kind == "table":
            label = self.labelColumnCombo.currentData()
            return {"label_column": label or "", "header": self.headerCombo.currentData()}
        if self.kind == "folder":
            return {"size": int(self.imageSizeCombo.currentData()), "color": self.imageColorCombo.currentData()}
        return {}

    def augment(self) -> list[str]:
        """The chosen augmentations (image folders only; none otherwise)."""
        if self.kind != "folder":
            return []
        return [name for name, box in self.augmentChecks.items() if box.isChecked()]

    def set_values(self, kind: str, options: dict, augment=None) -> None:
        self._updating = True
        try:
            self.set_kind(kind)
            if kind == "table":
                label = str(options.get("label_column") or "")
                if self.labelColumnCombo.findData(label) < 0:
                    self.labelColumnCombo.addItem(label or LAST_COLUMN, label)
                self.labelColumnCombo.setCurrentIndex(self.labelColumnCombo.findData(label))
                self.headerCombo.setCurrentIndex(max(0, self.headerCombo.findData(str(options.get("header", "auto")))))
            elif kind == "folder":
                self.imageSizeCombo.setCurrentIndex(max(0, self.imageSizeCombo.findData(int(options.get("size", 32)))))
                self.imageColorCombo.setCurrentIndex(max(0, self.imageColorCombo.findData(options.get("color", "rgb"))))
                chosen = set(augment or [])
                for name, box in self.augmentChecks.items():
                    box.setChecked(name in chosen)
        finally:
            self._updating = False

    # --- what was read --------------------------------------------------------------------
    def show_dataset(self, ds) -> None:
        """Fill the label-column list from a table's columns; draw an image folder's thumbnails."""
        details = getattr(ds, "details", None) or {}
        if self.kind == "table" and "columns" in details:
            self._updating = True
            try:
                current = self.labelColumnCombo.currentData() or ""
                self.labelColumnCombo.clear()
                self.labelColumnCombo.addItem(f"{details['columns'][-1]} (last column)", "")
                for name in details["columns"][:-1]:
                    self.labelColumnCombo.addItem(name, name)
                self.labelColumnCombo.setCurrentIndex(max(0, self.labelColumnCombo.findData(current)))
            finally:
                self._updating = False
        if self.kind == "folder" and len(getattr(ds, "input_shape", ())) == 3:
            self._draw_thumbnails(ds)
        self.set_kind(self.kind)

    def _draw_thumbnails(self, ds) -> None:
        while self.thumbGrid.count():
            item = self.thumbGrid.takeAt(0)
            if item.widget() is not None:
                item.widget().deleteLater()
        counts = (ds.details or {}).get("classes", {})
        names = list(ds.class_names)
        for k, name in enumerate(names[:MAX_THUMB_CLASSES]):
            pick = np.flatnonzero(ds.y_train == k)[:THUMBS_PER_CLASS]
            caption = QLabel(f"{name} ({counts.get(name, len(pick)):,})")
            caption.setToolTip(f"Class {k}: {name}, {counts.get(name, len(pick)):,} pictures")
            strip = QLabel(objectName="thumbStrip")
            strip.setPixmap(QPixmap.fromImage(thumbnail_strip(ds.X_train[pick])))
            strip.setAlignment(Qt.AlignLeft | Qt.AlignVCenter)
            self.thumbGrid.addWidget(caption, k, 0)
            self.thumbGrid.addWidget(strip, k, 1)
        if len(names) > MAX_THUMB_CLASSES:
            self.thumbGrid.addWidget(QLabel(f"… and {len(names) - MAX_THUMB_CLASSES} more classes"),
                                     MAX_THUMB_CLASSES, 0, 1, 2)
        self.thumbGrid.setColumnStretch(1, 1)

    # --- internals ---------------------------------------------------------------------------
    def _on_header(self) -> None:
        if not self._updating:         # other columns: the label is the last one again
            self._updating = True
            self.labelColumnCombo.clear()
            self.labelColumnCombo.addItem(LAST_COLUMN, "")
            self._updating = False
        self._emit("header")

    def _emit(self, field: str) -> None:
        if not self._updating:
            self.edited.emit(field)
