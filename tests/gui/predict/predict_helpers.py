"""Helpers shared by the prediction, comparison and export tests (this folder is on sys.path under pytest)."""

from __future__ import annotations

import numpy as np
from PIL import Image


def train(qtbot, window, epochs: int, timeout: int = 120_000):
    """Press Train with ``epochs`` and wait for the run to end; returns its RunResult."""
    window.epochsSpin.setValue(epochs)
    with qtbot.waitSignal(window.trainingFinished, timeout=timeout) as blocker:
        window.train()
    return blocker.args[0]


def write_digit_png(path, image28: np.ndarray, scale: int = 5) -> None:
    """An MNIST test image (28, 28) in [0, 1] as a dark-on-light PNG, ``scale`` times larger (like a scan)."""
    ink = np.clip(image28 * 255, 0, 255).astype(np.uint8)
    img = Image.fromarray(255 - ink, "L").resize((28 * scale, 28 * scale), Image.BICUBIC)
    img.save(path)


def write_rgb_png(path, chw: np.ndarray) -> None:
    """A (3, H, W) image in [0, 1] as an RGB PNG (exactly, for 8-bit data)."""
    hwc = np.rint(np.asarray(chw).transpose(1, 2, 0) * 255).astype(np.uint8)
    Image.fromarray(hwc, "RGB").save(path)
