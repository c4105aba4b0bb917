"""One dropped file in the prediction view: its row, what was read, its prediction, and how to show it."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PySide6.QtGui import QColor, QImage
from PySide6.QtWidgets import QListWidgetItem

from nnviz.lab.prediction import LoadedImage, Prediction


@dataclass
class DroppedItem:
    """One dropped file: its list row, what the loader made of it, and the latest prediction."""

    id: int
    path: str
    row: QListWidgetItem
    loaded: LoadedImage | None = None
    prediction: Prediction | None = None
    error: str | None = None


def update_row(item: DroppedItem) -> None:
    """The list row's text, colour and tooltip for the item's state."""
    name = Path(item.path).name
    if item.error:
        text, color = f"{name}\n⚠ cannot use", "#9f1c16"
        item.row.setToolTip(f"{item.path}\n{item.error}")
    elif item.loaded is None:
        text, color = f"{name}\nreading…", "#555"
    elif item.prediction is not None:
        text, color = f"{name}\n{item.prediction.text()}", "#111"
        item.row.setToolTip(item.path)
        if unusual(item):
            text, color = f"{text}\n⚠ unfamiliar", "#8a5a00"
            item.row.setToolTip(f"{item.path}\n{item.loaded.ood.message()}")
    else:
        text, color = name, "#555"
    item.row.setText(text)
    item.row.setForeground(QColor(color))


def describe_item(item: DroppedItem) -> str:
    """One line under the answer: the file, its size, the network input, how far the weights were trained."""
    loaded = item.loaded
    shape = " × ".join(str(d) for d in (loaded.x.shape if loaded.x is not None else ()))
    size = f"{loaded.size[0]:,} × {loaded.size[1]:,} pixels" if loaded.size else ""
    text = f"{Path(item.path).name}: {size} → network input {shape}"
    if item.prediction is not None:
        text += f"; weights after {item.prediction.iterations:,} training iterations"
    return text + "."


def unusual(item: DroppedItem) -> bool:
    """True when the out-of-distribution check says the image is unlike the training images."""
    return item.loaded is not None and item.loaded.ood is not None and item.loaded.ood.unusual


def same_file_key(path: str) -> str:
    """Two spellings of one file (relative, with .., a symlink) give one key."""
    try:
        return str(Path(path).resolve())
    except OSError:
        return str(path)


def qimage(rgb: np.ndarray) -> QImage:
    """(h, w, 3) uint8 → a QImage that owns its pixels."""
    rgb = np.ascontiguousarray(rgb, dtype=np.uint8)
    h, w = rgb.shape[:2]
    return QImage(rgb.data, w, h, 3 * w, QImage.Format_RGB888).copy()
