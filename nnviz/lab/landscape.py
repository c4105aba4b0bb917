"""The loss landscape: the cost on a 2-D slice of weight space around the current weights (Li et al. 2018,
"Visualizing the loss landscape of neural nets"), and the optimizer's path projected onto that slice.

Weights are handled as one flat float64 vector θ (every tensor of
``model.parameters()``, in order; P numbers). The slice is
θ(α, β) = θ* + α·d₁ + β·d₂ around the current weights θ*, and the cost is
``model.evaluate(X, y)["loss"]`` (the loss with its L2 term, in inference
mode) at each of n×n points; the centre (α, β) = (0, 0) *is* θ*, so it equals
the model's own cost exactly.

Two choices of (d₁, d₂):

- "random": two Gaussian directions, *filter-normalised*: for every weight
  tensor, each filter (a Dense layer's column W[:, j]: one neuron's incoming
  weights; a Conv2D kernel W[i]: one output channel) of the direction is
  rescaled to the norm of the same filter of θ*; biases and batch-norm
  parameters (tensors of one dimension) are zero in the directions. α, β
  then run over [−1, 1] (more if the path goes further). The path θ_t is
  projected by least squares: (α_t, β_t) = argmin ‖θ_t − θ* − α d₁ − β d₂‖.
- "pca": the first two principal directions of the trajectory
  M = [θ_0 − θ*; …; θ_k − θ*] (k × P; unit vectors, as in the paper), the path
  coordinates being M·d. The slice spans the path with a margin.

The path ends at the centre when its last point is θ* (the weights the
slice was computed around).
"""

from __future__ import annotations

import math
import threading
import time
from dataclasses import dataclass
from typing import Callable

import numpy as np
from threadpoolctl import threadpool_limits

#: at most this many training samples are used for the costs (a fixed, seeded subset)
MAX_SAMPLES = 1000
#: default grid, n × n
RESOLUTION = 41
MODES = ("random", "pca")


class LandscapeError(ValueError):
    """The landscape cannot be computed (a diverged network, no data): one sentence saying why."""


@dataclass
class Landscape:
    """One slice. ``alphas`` (n,) and ``betas`` (n,) are the coordinates along d₁ and d₂; ``cost`` is
    (n_betas, n_alphas): ``cost[i, j]`` at (alphas[j], betas[i]) (NaN where not computed yet or where the
    cost overflowed). ``path`` is (k, 2) (α, β) or None; ``path_iterations`` (k,) the iteration of each
    point. ``explained`` is the share of the path's variance along d₁, d₂ ("pca"; None for "random").
    """

    alphas: np.ndarray
    betas: np.ndarray
    cost: np.ndarray
    centre_cost: float
    mode: str
    path: np.ndarray | None = None
    path_iterations: np.ndarray | None = None
    explained: tuple[float, float] | None = None
    epoch: int = 0
    iteration: int = 0
    seconds: float = 0.0
    complete: bool = True
    samples: int = 0


# --- flat weights --------------------------------------------------------------------------------------
def weight_vector(model) -> np.ndarray:
    """All trainable tensors of ``model`` as one float64 vector (P,)."""
    return np.concatenate([layer.params[k].astype(np.float64).ravel() for _, layer, k in model.parameters()])


def set_weights(model, theta: np.ndarray) -> None:
    """Write the flat vector ``theta`` (P,) into ``model``'s tensors (cast to their dtype)."""
    pos = 0
    for _, layer, k in model.parameters():
        p = layer.params[k]
        p[...] = theta[pos:pos + p.size].reshape(p.shape)
        pos += p.size


def _filters(shape: tuple) -> tuple[int, int]:
    """How a weight tensor splits into filters: (axis of the filter index, number of filters)."""
    return (1, shape[1]) if len(shape) == 2 else (0, shape[0])


def random_directions(model, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Two filter-normalised Gaussian directions (P,) for the model's current weights (see the module)."""
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(2):
        parts = []
        for _, layer, k in model.parameters():
            w = layer.params[k].astype(np.float64)
            if w.ndim <= 1:
                parts.append(np.zeros(w.size))
                continue
            d = rng.standard_normal(w.shape)
            axis, n = _filters(w.shape)
            wf, df = np.moveaxis(w, axis, 0).reshape(n, -1), np.moveaxis(d, axis, 0).reshape(n, -1)
            scale = np.linalg.norm(wf, axis=1) / (np.linalg.norm(df, axis=1) + 1e-10)
            df = df * scale[:, None]
            parts.append(np.moveaxis(df.reshape(np.moveaxis(d, axis, 0).shape), 0, axis).ravel())
        out.append(np.concatenate(parts))
    return out[0], out[1]


def project_least_squares(points: np.ndarray, centre: np.ndarray, d1: np.ndarray, d2: np.ndarray) -> np.ndarray:
    """(k, 2): for each row θ_t of ``points`` (k, P), the (α, β) minimising ‖θ_t − centre − α d₁ − β d₂‖."""
    D = np.stack([d1, d2], axis=1)                       # (P, 2)
    rhs = (points - centre[None, :]) @ D                 # (k, 2)
    return np.linalg.solve(D.T @ D, rhs.T).T


def pca_directions(points: np.ndarray, centre: np.ndarray, max_rows: int = 120):
    """The first two principal directions of ``points − centre`` (k, P), as unit vectors (P,), and the
    share of the variance along each. Needs two or more distinct points; LandscapeError otherwise."""
    M = points - centre[None, :]
    if M.shape[0] > max_rows:                             # the directions from evenly spaced rows (speed)
        M = M[np.linspace(0, M.shape[0] - 1, max_rows).round().astype(int)]
    M = M[np.linalg.norm(M, axis=1) > 0]
    if M.shape[0] < 2:
        raise LandscapeError("The principal directions need a path: train the network for a few steps first.")
    G = M @ M.T                                           # (r, r): cheaper than an SVD of M when P ≫ r
    vals, vecs = np.linalg.eigh(G)
    order = np.argsort(vals)[::-1]
    vals, vecs = np.clip(vals[order], 0, None), vecs[:, order]
    if vals[1] <= vals[0] * 1e-12:
        raise LandscapeError("The path is a straight line so far: its second principal direction is undefined.")
    dirs = [(M.T @ vecs[:, i]) / math.sqrt(vals[i]) for i in (0, 1)]
    total = float(vals.sum())
    return dirs[0], dirs[1], (float(vals[0] / total), float(vals[1] / total))


# --- the slice -------------------------------------------------------------------------------------------
def sample_subset(X, y, max_samples: int = MAX_SAMPLES, seed: int = 0):
    """At most ``max_samples`` rows of (X, y): all of them, or a fixed random subset in their order."""
    m = len(y)
    if m <= max_samples:
        return X, y
    idx = np.sort(np.random.default_rng(seed).choice(m, max_samples, replace=False))
    return X[idx], y[idx]


def grid_axis(radius: float, n: int) -> np.ndarray:
    """n points (odd n) from −radius to radius with 0 exactly in the middle."""
    half = n // 2
    return np.arange(-half, half + 1, dtype=np.float64) * (radius / max(1, half))


def compute_landscape(model, X, y, mode: str = "random", resolution: int = RESOLUTION, path=None,
                      path_iterations=None, seed: int = 0, report: Callable[[Landscape], None] | None = None,
                      should_stop: Callable[[], bool] | None = None, report_every: float = 0.25) -> Landscape:
    """The slice around ``model``'s weights (never changed: a copy is evaluated).

    ``X``, ``y``: the samples the costs use (see :func:`sample_subset`);
    ``resolution``: n (odd, ≥ 3); ``path``: (k, P) flat weight vectors in
    training order (or None); ``report(partial)`` gets the landscape so far
    about every ``report_every`` seconds; when ``should_stop()`` turns True
    an InterruptedError is raised. LandscapeError when the weights are not
    finite (a diverged network) or "pca" has no path to work on.
    """
    if mode not in MODES:
        raise LandscapeError(f"Unknown landscape directions {mode!r}; expected one of {', '.join(MODES)}.")
    if isinstance(resolution, bool) or not isinstance(resolution, (int, np.integer)) or resolution < 3 \
            or resolution % 2 == 0:
        raise LandscapeError(f"The landscape's resolution must be an odd whole number ≥ 3. Received: {resolution!r}.")
    if len(y) == 0:
        raise LandscapeError("The landscape needs training samples; the dataset has none.")
    start = time.perf_counter()
    theta = weight_vector(model)
    if not np.all(np.isfinite(theta)):
        raise LandscapeError("The network has diverged: some of its weights are not finite numbers (NaN or "
                             "infinite), so it has no loss landscape. Reset it, or lower the learning rate.")
    net = model.copy(with_history=False)
    points = None if path is None or len(path) == 0 else np.asarray(path, dtype=np.float64)
    if points is not None and not np.all(np.isfinite(points)):
        keep = np.all(np.isfinite(points), axis=1)
        points = points[keep]
        path_iterations = None if path_iterations is None else np.asarray(path_iterations)[keep]
    explained = None
    if mode == "random":
        d1, d2 = random_directions(model, seed)
        coords = project_least_squares(points, theta, d1, d2) if points is not None else None
        base = 1.0
    else:
        if points is None:
            raise LandscapeError("The principal directions need a path: train the network for a few steps first.")
        d1, d2, explained = pca_directions(points, theta)
        coords = (points - theta[None, :]) @ np.stack([d1, d2], axis=1)
        base = 0.0
    reach = [base, base]
    if coords is not None and coords.size:
        reach = [max(base, 1.15 * float(np.max(np.abs(coords[:, i])))) for i in (0, 1)]
    reach = [r if r > 0 else 1.0 for r in reach]
    alphas, betas = grid_axis(reach[0], resolution), grid_axis(reach[1], resolution)
    cost = np.full((resolution, resolution), np.nan)
    X, y = net.check_inputs(X, y)
    Y = net.targets(y)
    result = Landscape(alphas, betas, cost, math.nan, mode, coords,
                       None if path_iterations is None else np.asarray(path_iterations, dtype=np.float64),
                       explained, model.history.epochs_done, model.history.iterations_done, 0.0, False, len(y))
    last_report = time.perf_counter()
    with np.errstate(over="ignore", invalid="ignore", divide="ignore", under="ignore"), \
            threadpool_limits(limits=1, user_api="blas"):     # many small products: one thread is faster
        centre = resolution // 2
        order = sorted(range(resolution), key=lambda i: abs(i - centre))      # from the middle outwards
        for i in order:
            for j in range(resolution):
                if should_stop is not None and should_stop():
                    raise InterruptedError("Loss landscape cancelled.")
                set_weights(net, theta + alphas[j] * d1 + betas[i] * d2)
                cost[i, j] = slice_cost(net, X, Y)
            if report is not None and time.perf_counter() - last_report >= report_every:
                last_report = time.perf_counter()
                result.seconds = last_report - start
                report(_copy(result))
    result.centre_cost = float(cost[resolution // 2, resolution // 2])
    result.complete, result.seconds = True, time.perf_counter() - start
    return result


def slice_cost(model, X, Y) -> float:
    """The cost of checked inputs ``X`` (m, ...) against targets ``Y`` (m, k) in one pass, computed exactly as
    ``model.evaluate(X, y, batch_size=m)["loss"]`` does (loss plus the L2 term, inference mode)."""
    m = X.shape[0]
    a = model.forward(X, training=False)
    return float(model.data_cost(a, Y)) * m / m + float(model.regularization_cost(m))


def _copy(ls: Landscape) -> Landscape:
    return Landscape(**{**ls.__dict__, "cost": ls.cost.copy()})


# --- the optimizer's path, recorded during training ----------------------------------------------------
class PathRecorder:
    """Keeps the flat weights every few iterations (thread-safe): at most ``max_points`` vectors and about
    ``max_bytes`` (float32); when full, every other point is dropped and the stride doubles."""

    def __init__(self, max_points: int = 400, max_bytes: int = 200_000_000):
        self._lock = threading.Lock()
        self.max_points, self.max_bytes = int(max_points), int(max_bytes)
        self.clear()

    def clear(self) -> None:
        with getattr(self, "_lock", threading.Lock()):
            self._points: list[np.ndarray] = []
            self._iterations: list[int] = []
            self._stride = 1

    def __len__(self) -> int:
        return len(self._points)

    def record(self, model, iteration: int, force: bool = False) -> None:
        """Keep the weights at ``iteration`` if it is on the stride (or ``force``: a run's first and last)."""
        with self._lock:
            if self._iterations and self._iterations[-1] == iteration:
                return
            if not force and iteration % self._stride:
                return
            theta = np.concatenate([layer.params[k].ravel() for _, layer, k in model.parameters()]
                                   ).astype(np.float32)
            limit = max(8, min(self.max_points, self.max_bytes // max(1, theta.nbytes)))
            self._points.append(theta)
            self._iterations.append(int(iteration))
            while len(self._points) > limit:
                keep = list(range(0, len(self._points) - 1, 2)) + [len(self._points) - 1]
                self._points = [self._points[i] for i in keep]
                self._iterations = [self._iterations[i] for i in keep]
                self._stride *= 2

    def path(self) -> tuple[np.ndarray | None, np.ndarray | None]:
        """(k, P) float32 weights and (k,) iterations, copies (None, None when empty)."""
        with self._lock:
            if not self._points:
                return None, None
            return np.stack(self._points), np.asarray(self._iterations, dtype=np.float64)

    # engine callbacks: the path of every run of this network
    def on_train_begin(self, model, info) -> None:
        self.record(model, model.history.iterations_done, force=True)

    def on_batch_end(self, model, info) -> None:
        self.record(model, int(info["iteration"]))

    def on_train_end(self, model, history) -> None:
        if np.all(np.isfinite(np.concatenate([layer.params[k].ravel() for _, layer, k in model.parameters()]))):
            self.record(model, history.iterations_done, force=True)


class LandscapeProbe(PathRecorder):
    """The landscape view's worker-side half (key ``landscape``): records the path as an engine callback
    and, during a run, computes the slice (when one costs at most ``live_seconds``) or only the path.

    Between runs ``compute`` returns None: the view computes the slice on a task of its own.
    """

    key = "landscape"
    min_interval = 1.0

    def __init__(self, X=None, y=None, mode: str = "random", resolution: int = RESOLUTION, seed: int = 0,
                 live_seconds: float = 0.8):
        super().__init__()
        self.X, self.y = X, y
        self.mode, self.resolution, self.seed = mode, resolution, seed
        self.live_seconds = live_seconds
        self._training = False
        self._point_seconds: float | None = None
        self.settings_lock = threading.Lock()
        #: the view is on screen: only then does a run pay for slices (the path is recorded regardless)
        self.visible = True

    def configure(self, X, y, mode: str, resolution: int) -> None:
        with self.settings_lock:
            self.X, self.y, self.mode, self.resolution = X, y, mode, int(resolution)

    def on_train_begin(self, model, info) -> None:
        self._training = True
        super().on_train_begin(model, info)

    def on_train_end(self, model, history) -> None:
        super().on_train_end(model, history)
        self._training = False

    def compute(self, model) -> Landscape | None:
        if not self._training or self.X is None or not self.visible:
            return None
        with self.settings_lock:
            X, y, mode, n = self.X, self.y, self.mode, self.resolution
        self.record(model, model.history.iterations_done, force=True)        # the path ends here
        path, iterations = self.path()
        if mode == "pca" and (path is None or len(path) < 3):
            mode = "random"                      # no path to take directions from yet
        if self._point_seconds is None:          # time one point first: a slow network gets a coarse live grid
            t0 = time.perf_counter()
            Xc, yc = model.check_inputs(X, y)
            with np.errstate(over="ignore", invalid="ignore", divide="ignore", under="ignore"):
                slice_cost(model, Xc, model.targets(yc))
            self._point_seconds = time.perf_counter() - t0
        if self._point_seconds * n * n > self.live_seconds:
            n = max(7, (int(math.sqrt(self.live_seconds / self._point_seconds)) - 1) | 1)
        try:
            t0 = time.perf_counter()
            ls = compute_landscape(model, X, y, mode, n, path, iterations, self.seed)
        except LandscapeError:
            return None
        self._point_seconds = (time.perf_counter() - t0) / (n * n)
        return ls


__all__ = ["Landscape", "LandscapeError", "LandscapeProbe", "PathRecorder", "compute_landscape",
           "random_directions", "pca_directions", "project_least_squares", "weight_vector", "set_weights",
           "sample_subset", "grid_axis", "MODES", "RESOLUTION", "MAX_SAMPLES"]
