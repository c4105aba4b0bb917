"""Training-time image augmentation: horizontal flips, small shifts, small rotations.

:class:`Augmenter` is the ``augment(X_batch, rng) -> X_batch`` callable that
:func:`nnviz.engine.training.fit` applies to each training batch; every
random choice is drawn from ``rng`` (the engine seeds one per epoch from the
run's seed), so the same seed gives the same batches. Batches are
(b, C, H, W) float arrays; the output has the same shape and dtype.

A shift and a rotation are one affine map per image, sampled with bilinear
interpolation; pixels that come from outside the image are 0 (the black
background of MNIST-like data).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

#: the augmentations a configuration can name
AUGMENTATIONS = ("flip", "shift", "rotate")
#: the largest shift, as a fraction of the image side (2.8 pixels at 28), and rotation, in degrees
MAX_SHIFT = 0.1
MAX_ROTATION = 10.0


@dataclass(frozen=True)
class Augmenter:
    """``flip``: mirror left–right with probability 1/2; ``shift``: move by up to ``shift`` × side in x and y
    (uniform); ``rotate``: turn by up to ± ``rotate`` degrees (uniform) about the centre."""

    flip: bool = False
    shift: float = 0.0
    rotate: float = 0.0

    @classmethod
    def from_names(cls, names) -> "Augmenter | None":
        """An augmenter from a configuration's list (e.g. ``["flip", "rotate"]``); None for an empty list."""
        names = [str(n) for n in (names or [])]
        unknown = [n for n in names if n not in AUGMENTATIONS]
        if unknown:
            raise ValueError(f"unknown augmentation {unknown[0]!r}: expected some of {', '.join(AUGMENTATIONS)}")
        if not names:
            return None
        return cls(flip="flip" in names, shift=MAX_SHIFT if "shift" in names else 0.0,
                   rotate=MAX_ROTATION if "rotate" in names else 0.0)

    def __call__(self, X: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        if X.ndim != 4:
            raise ValueError(f"augmentation takes image batches (b, C, H, W). Received shape {X.shape}")
        b, _, h, w = X.shape
        out = X
        if self.flip:
            mirror = rng.random(b) < 0.5
            out = out.copy()
            out[mirror] = out[mirror, :, :, ::-1]
        if self.shift or self.rotate:
            dy = rng.uniform(-self.shift, self.shift, b) * h
            dx = rng.uniform(-self.shift, self.shift, b) * w
            angle = np.deg2rad(rng.uniform(-self.rotate, self.rotate, b))
            out = affine(out, angle, dy, dx)
        return out


def affine(X: np.ndarray, angle: np.ndarray, dy: np.ndarray, dx: np.ndarray) -> np.ndarray:
    """Rotate each image of X (b, C, H, W) by ``angle[i]`` radians (clockwise as shown, rows downwards)
    about its centre, then move it by (``dy[i]``, ``dx[i]``) pixels; bilinear, zeros outside."""
    b, c, h, w = X.shape
    cy, cx = (h - 1) / 2.0, (w - 1) / 2.0
    yy, xx = np.meshgrid(np.arange(h, dtype=np.float64), np.arange(w, dtype=np.float64), indexing="ij")
    # the output pixel (y, x) comes from the source point: inverse shift, then inverse rotation
    oy = yy[None] - dy[:, None, None] - cy
    ox = xx[None] - dx[:, None, None] - cx
    cos, sin = np.cos(angle)[:, None, None], np.sin(angle)[:, None, None]
    sy = cos * oy - sin * ox + cy
    sx = sin * oy + cos * ox + cx
    y0, x0 = np.floor(sy).astype(np.int64), np.floor(sx).astype(np.int64)
    fy, fx = (sy - y0).astype(X.dtype), (sx - x0).astype(X.dtype)
    out = np.zeros_like(X)
    batch = np.arange(b)[:, None, None]
    for ddy, ddx, weight in ((0, 0, (1 - fy) * (1 - fx)), (0, 1, (1 - fy) * fx),
                             (1, 0, fy * (1 - fx)), (1, 1, fy * fx)):
        py, px = y0 + ddy, x0 + ddx
        inside = (py >= 0) & (py < h) & (px >= 0) & (px < w)
        values = X[batch, :, np.clip(py, 0, h - 1), np.clip(px, 0, w - 1)]   # (b, H, W, C)
        out += np.moveaxis(values * (weight * inside)[..., None], -1, 1)
    return out


def describe(names) -> str:
    """"flips, shifts of up to 10 % and rotations of up to 10°" for a configuration's list."""
    parts = {"flip": "left–right flips", "shift": f"shifts of up to {MAX_SHIFT:.0%}",
             "rotate": f"rotations of up to {MAX_ROTATION:g}°"}
    chosen = [parts[n] for n in AUGMENTATIONS if n in (names or [])]
    return ", ".join(chosen[:-1]) + (" and " if len(chosen) > 1 else "") + chosen[-1] if chosen else "none"


__all__ = ["Augmenter", "AUGMENTATIONS", "affine", "describe", "MAX_SHIFT", "MAX_ROTATION"]
