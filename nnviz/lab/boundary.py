"""Decision-boundary grids for 2-D datasets, without Qt.

The training worker evaluates the network on a regular grid over the data's
extent and finds the 0.5 contour (marching squares, vectorized); the view
only draws the arrays it receives.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Grid:
    """A regular grid over the plane: ``xs`` (nx,), ``ys`` (ny,), and ``points`` (ny*nx, 2) row-major."""

    xs: np.ndarray
    ys: np.ndarray
    points: np.ndarray

    @property
    def shape(self) -> tuple[int, int]:
        return (len(self.ys), len(self.xs))

    @property
    def rect(self) -> tuple[float, float, float, float]:
        """(left, bottom, width, height) covering whole pixels centred on the grid points."""
        return pixel_rect(self.xs, self.ys)

    def resampled(self, n: int) -> "Grid":
        """A grid over the same rectangle with ``n`` points along its longer side (square pixels)."""
        left, bottom, width, height = self.rect
        if width >= height:
            nx, ny = n, max(2, int(round(n * height / width)))
        else:
            nx, ny = max(2, int(round(n * width / height))), n
        xs = left + (np.arange(nx) + 0.5) * (width / nx)
        ys = bottom + (np.arange(ny) + 0.5) * (height / ny)
        gx, gy = np.meshgrid(xs, ys)
        return Grid(xs=xs, ys=ys, points=np.column_stack([gx.ravel(), gy.ravel()]).astype(self.points.dtype))


def pixel_rect(xs: np.ndarray, ys: np.ndarray) -> tuple[float, float, float, float]:
    """(left, bottom, width, height) of the whole pixels centred on a regular grid's ``xs`` and ``ys``."""
    dx, dy = xs[1] - xs[0], ys[1] - ys[0]
    return float(xs[0] - dx / 2), float(ys[0] - dy / 2), float(dx * len(xs)), float(dy * len(ys))


def make_grid(X: np.ndarray, n: int = 100, pad: float = 0.1, aspect: float | None = 1.0,
              dtype=np.float32) -> Grid:
    """A grid over the extent of X (m, 2), padded by ``pad`` of the range on each side.

    ``aspect`` (height / width of the picture, in data units) widens the
    shorter side, centred, so that with equal axis scales the picture fills
    a plot of that shape and shows the network's predictions around the data
    too; None keeps the data's own extent. The longer side gets ``n`` points,
    the other proportionally many (at least 2), so pixels stay square.
    """
    X = np.asarray(X, dtype=np.float64)
    if X.ndim != 2 or X.shape[1] != 2 or X.shape[0] == 0:
        raise ValueError(f"a decision-boundary grid needs 2-D points (m, 2). Received shape {X.shape}.")
    if aspect is not None and not (np.isfinite(aspect) and aspect > 0):
        raise ValueError(f"aspect must be a positive number. Received: aspect={aspect!r}")
    lo, hi = X.min(axis=0), X.max(axis=0)
    span = np.where(hi > lo, hi - lo, 1.0)
    lo, hi = lo - pad * span, hi + pad * span
    span = hi - lo
    if aspect is not None:
        centre = (lo + hi) / 2
        width = max(span[0], span[1] / aspect)
        span = np.array([width, width * aspect])
        lo, hi = centre - span / 2, centre + span / 2
    if span[0] >= span[1]:
        nx, ny = n, max(2, int(round(n * span[1] / span[0])))
    else:
        nx, ny = max(2, int(round(n * span[0] / span[1]))), n
    xs = np.linspace(lo[0], hi[0], nx)
    ys = np.linspace(lo[1], hi[1], ny)
    gx, gy = np.meshgrid(xs, ys)
    points = np.column_stack([gx.ravel(), gy.ravel()]).astype(dtype)
    return Grid(xs=xs, ys=ys, points=points)


@dataclass
class BoundaryFrame:
    """What the boundary view draws for one moment of training.

    ``probs`` is (ny, nx) P(class 1) for a one-unit sigmoid output, or
    (ny, nx, k) class probabilities for a softmax output. ``contour_x`` and
    ``contour_y`` are endpoints of line segments, two per segment.
    """

    probs: np.ndarray
    xs: np.ndarray
    ys: np.ndarray
    contour_x: np.ndarray
    contour_y: np.ndarray

    @property
    def rect(self) -> tuple[float, float, float, float]:
        """The rectangle its grid covers (:attr:`Grid.rect`): live frames are coarser over the same one."""
        return pixel_rect(self.xs, self.ys)


def boundary_frame(predict, grid: Grid) -> BoundaryFrame:
    """Evaluate ``predict(points) -> (m, k)`` on ``grid`` and find the class boundaries (for k classes, the
    border of each class: where its probability equals the largest other one)."""
    out = np.asarray(predict(grid.points), dtype=np.float32)
    ny, nx = grid.shape
    if out.shape[1] == 1:
        probs = out[:, 0].reshape(ny, nx)
        cx, cy = contour_segments(probs, grid.xs, grid.ys, 0.5)
    else:
        probs = out.reshape(ny, nx, out.shape[1])
        parts = [contour_segments(class_margin(probs, c), grid.xs, grid.ys, 0.0) for c in range(out.shape[1])]
        cx = np.concatenate([p[0] for p in parts])
        cy = np.concatenate([p[1] for p in parts])
    return BoundaryFrame(probs=probs, xs=grid.xs, ys=grid.ys, contour_x=cx, contour_y=cy)


def class_margin(probs: np.ndarray, c: int) -> np.ndarray:
    """(ny, nx) P(class c) minus the largest other class probability, from (ny, nx, k) ``probs``: positive
    where c is predicted; its 0 contour is class c's border, placed between grid points, not on cell edges."""
    others = np.delete(np.asarray(probs, dtype=np.float64), c, axis=2)
    return probs[..., c] - others.max(axis=2)


def contour_segments(field: np.ndarray, xs: np.ndarray, ys: np.ndarray, level: float):
    """Line segments where ``field`` (ny, nx), sampled at (xs[i], ys[j]), crosses ``level``.

    Marching squares with linear interpolation along cell edges; saddle
    cells are resolved by the cell's mean value. Returns ``(x, y)``, each of
    length 2·segments, consecutive pairs being one segment's endpoints.
    """
    F = np.asarray(field, dtype=np.float64)
    if F.ndim != 2 or F.shape != (len(ys), len(xs)) or min(F.shape) < 2:
        raise ValueError(f"contour field must be (len(ys), len(xs)) with at least 2×2 values. "
                         f"Received {F.shape} for {len(ys)}×{len(xs)} grid.")
    a, b, c, d = F[:-1, :-1], F[:-1, 1:], F[1:, 1:], F[1:, :-1]   # corners: bl, br, tr, tl
    x0, x1 = np.asarray(xs[:-1], float)[None, :], np.asarray(xs[1:], float)[None, :]
    y0, y1 = np.asarray(ys[:-1], float)[:, None], np.asarray(ys[1:], float)[:, None]
    shape = a.shape

    def frac(p, q):
        with np.errstate(divide="ignore", invalid="ignore"):
            t = (level - p) / (q - p)
        return np.clip(np.nan_to_num(t, nan=0.5), 0.0, 1.0)

    # Crossing points on the four edges: bottom (a→b), right (b→c), top (d→c), left (a→d).
    tb, tr, tt, tl = frac(a, b), frac(b, c), frac(d, c), frac(a, d)
    px = np.stack([np.broadcast_to(x0 + tb * (x1 - x0), shape), np.broadcast_to(x1, shape),
                   np.broadcast_to(x0 + tt * (x1 - x0), shape), np.broadcast_to(x0, shape)], axis=-1)
    py = np.stack([np.broadcast_to(y0, shape), np.broadcast_to(y0 + tr * (y1 - y0), shape),
                   np.broadcast_to(y1, shape), np.broadcast_to(y0 + tl * (y1 - y0), shape)], axis=-1)
    A, B, C, D = a > level, b > level, c > level, d > level
    cross = np.stack([A != B, B != C, D != C, A != D], axis=-1)
    px, py, cross = px.reshape(-1, 4), py.reshape(-1, 4), cross.reshape(-1, 4)
    count = cross.sum(axis=1)

    pairs = []  # (cell indices, edge index 1, edge index 2)
    two = np.flatnonzero(count == 2)
    if two.size:
        edges = np.nonzero(cross[two])[1].reshape(-1, 2)
        pairs.append((two, edges[:, 0], edges[:, 1]))
    four = np.flatnonzero(count == 4)
    if four.size:
        centre = ((a + b + c + d) / 4 > level).reshape(-1)[four]
        a_above = A.reshape(-1)[four]
        isolate_bd = centre == a_above      # a and c joined through the centre: cut off b and d
        # bottom–right (around b) and top–left (around d), or bottom–left (around a) and right–top (around c)
        pairs.append((four, np.zeros(four.size, dtype=int), np.where(isolate_bd, 1, 3)))
        pairs.append((four, np.where(isolate_bd, 2, 1), np.where(isolate_bd, 3, 2)))
    if not pairs:
        return np.empty(0), np.empty(0)
    cells = np.concatenate([p[0] for p in pairs])
    first = np.concatenate([p[1] for p in pairs])
    second = np.concatenate([p[2] for p in pairs])
    x = np.empty(2 * cells.size)
    y = np.empty(2 * cells.size)
    x[0::2], x[1::2] = px[cells, first], px[cells, second]
    y[0::2], y[1::2] = py[cells, first], py[cells, second]
    return x, y


#: points along the longer side of the grid of live frames (while a run trains): about 6× fewer than the
#: 100 × 100 still picture, so the boundary can move 20+ times a second for a few percent of training time
LIVE_GRID = 40


class BoundaryProbe:
    """Worker-side half of the boundary view: evaluates the model on a grid.

    ``live`` (set by the training session: True for the snapshots of a run in
    progress, False for paused and final ones) picks a coarser grid over the
    same rectangle (``live_n`` points along its longer side), cheap enough to
    compute for every frame; the view scales either up smoothly. While
    ``active`` is False (its view is off screen) live frames are skipped:
    ``compute`` returns None at no cost; paused and final ones are made.
    """

    key = "boundary"

    def __init__(self, grid: Grid, live_n: int = LIVE_GRID):
        self.live = False
        self.active = True
        self.live_n = live_n
        self.grid = grid

    @property
    def grid(self) -> Grid:
        return self._grid

    @grid.setter
    def grid(self, grid: Grid) -> None:
        self._grid = grid
        self._live_grid = grid.resampled(self.live_n) if max(grid.shape) > self.live_n else grid

    def compute(self, model) -> BoundaryFrame | None:
        if self.live and not self.active:
            return None
        return boundary_frame(model.predict, self._live_grid if self.live else self._grid)
