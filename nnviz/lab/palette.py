"""Class colours shared by the views and the exported pictures (GIF frames), without Qt.

Class colours follow the Okabe–Ito palette, which stays distinguishable for
colour-blind viewers and on washed-out projectors. Colours are ``"#rrggbb"``
strings; arrays are RGB floats 0..255 unless a function says uint8.
"""

from __future__ import annotations

import numpy as np

CLASS_COLORS = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442",
                "#7F7F7F", "#000000", "#8C564B")


def hex_to_rgb(color: str) -> np.ndarray:
    """``"#rrggbb"`` → (3,) float RGB 0..255."""
    color = color.lstrip("#")
    return np.array([int(color[i:i + 2], 16) for i in (0, 2, 4)], dtype=np.float64)


def class_color(k: int) -> str:
    return CLASS_COLORS[k % len(CLASS_COLORS)]


def tint(color: str, amount: float) -> np.ndarray:
    """``color`` mixed with white: amount 0 is the colour, 1 is white. RGB floats 0..255."""
    return hex_to_rgb(color) * (1 - amount) + 255.0 * amount


def binary_lut(n: int = 256, amount: float = 0.55) -> np.ndarray:
    """(n, 3) uint8 lookup table for P(class 1): class-0 tint → white at 0.5 → class-1 tint."""
    t = np.linspace(0.0, 1.0, n)[:, None]
    c0, c1 = tint(CLASS_COLORS[0], amount), tint(CLASS_COLORS[1], amount)
    white = np.full(3, 255.0)
    lo = c0 + (white - c0) * np.clip(t * 2, 0, 1)
    hi = white + (c1 - white) * np.clip(t * 2 - 1, 0, 1)
    return np.where(t < 0.5, lo, hi).round().astype(np.uint8)


def class_palette(k: int, amount: float = 0.55) -> np.ndarray:
    """(k, 3) float tints used to shade k-class probability maps."""
    return np.stack([tint(class_color(i), amount) for i in range(k)])


def multiclass_rgb(probs: np.ndarray, amount: float = 0.45) -> np.ndarray:
    """(ny, nx, k) class probabilities → (ny, nx, 3) uint8: each cell in the tint of its predicted class,
    blended toward white as that class's probability falls from 1 to 1/k (a tie is white)."""
    probs = np.asarray(probs, dtype=np.float64)
    k = probs.shape[-1]
    winner = np.argmax(probs, axis=-1)
    confidence = np.clip((np.max(probs, axis=-1) - 1.0 / k) / (1.0 - 1.0 / k), 0.0, 1.0)[..., None]
    tints = class_palette(k, amount)[winner]
    return np.clip(np.round(255.0 + (tints - 255.0) * confidence), 0, 255).astype(np.uint8)
