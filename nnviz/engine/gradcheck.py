"""Gradient checking: backprop against two-sided finite differences.

For each checked coordinate θᵢ: ĝᵢ = (J(θ + εeᵢ) − J(θ − εeᵢ)) / 2ε, where J
is the training cost (including L2). The relative difference
‖g − ĝ‖ / (‖g‖ + ‖ĝ‖) is reported overall and per parameter tensor; below
1e-7 means backprop is right. ``max_coords`` samples a random subset of
coordinates (spread over every tensor) so large networks check in seconds.

Two things make a naive check cry wolf, and both are handled openly:

* **Kinks.** ReLU is not differentiable at 0. When a stencil θ ± ε straddles
  a kink (e.g. a bias whose unit receives exactly 0 because the layer
  before is dead), the central difference averages two different slopes
  and disagrees with any gradient. Such coordinates are detected by their
  second difference J(θ+ε) − 2J(θ) + J(θ−ε), which is O(ε²) on smooth
  ground and O(ε) across a kink; they are excluded and counted in
  ``kinks``. A backprop bug cannot hide there: the test looks at J only.
* **Cancellation.** With tiny weights (the cat seed's ×0.01) the cost is
  ~0.1 while its changes are ~1e-14, below float64's resolution.
  ``numeric_dtype="longdouble"`` evaluates the numerical side in extended
  precision (80-bit on x86) while the analytic gradients stay float64.

A tensor whose true gradient is zero (a bias feeding BatchNorm) would make
‖g − ĝ‖ / (‖g‖ + ‖ĝ‖) divide rounding noise by rounding noise. When both
norms are below the resolution of the finite differences (a few ulps of J
divided by ε, per coordinate), the two agree as far as they can be
measured: the tensor gets 0.0 and is listed in ``zero_gradient``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .layers import Dropout

#: |second difference| / (|J+ − J0| + |J0 − J−|) above this marks a kink
KINK_RATIO = 1e-3


@dataclass
class GradientCheckResult:
    relative_difference: float
    per_parameter: dict[str, float]
    #: per tensor: (flat indices checked, analytic values, numerical values), kinks excluded
    samples: dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]] = field(repr=False, default_factory=dict)
    coords_checked: int = 0
    #: per tensor: number of coordinates excluded because the stencil crossed a kink
    kinks: dict[str, int] = field(default_factory=dict)
    epsilon: float = 1e-7
    #: tensors whose analytic and numerical gradients are both zero within the check's resolution
    zero_gradient: list[str] = field(default_factory=list)

    def passed(self, threshold: float = 1e-7) -> bool:
        """True when every checked tensor is under ``threshold`` (NaN = nothing checkable, ignored)."""
        checked = [v for v in self.per_parameter.values() if not np.isnan(v)]
        return bool(checked) and self.relative_difference < threshold and all(v < threshold for v in checked)


def relative_difference(analytic: np.ndarray, numerical: np.ndarray) -> float:
    denom = np.linalg.norm(analytic) + np.linalg.norm(numerical)
    return 0.0 if denom == 0 else float(np.linalg.norm(analytic - numerical) / denom)


def _coordinate_budget(sizes: list[int], max_coords: int | None) -> list[int]:
    """Coordinates to check per tensor: at least one each, the budget shared out evenly,
    what small tensors cannot use going to the larger ones."""
    if max_coords is None or sum(sizes) <= max_coords:
        return list(sizes)
    counts = [0] * len(sizes)
    left, open_ = max(int(max_coords), len(sizes)), list(range(len(sizes)))
    while open_ and left > 0:
        share = max(1, left // len(open_))
        for i in list(open_):
            take = min(share, sizes[i] - counts[i], left)
            counts[i] += take
            left -= take
            if counts[i] == sizes[i]:
                open_.remove(i)
        if share == 1:
            break
    return counts


def gradient_check(model, X, y, epsilon: float = 1e-7, max_coords: int | None = None, seed: int = 0,
                   progress=None, should_stop=None, backward=None,
                   numeric_dtype="float64") -> GradientCheckResult:
    """Compare the model's backprop gradients with numerical ones.

    Works on float64 copies, so ``model`` is untouched. Dropout masks are
    drawn once and frozen; BatchNorm uses batch statistics (training mode),
    so the function checked is exactly the one training differentiates.
    ``progress(done, total)`` is called as coordinates are checked;
    ``should_stop()`` may cancel (raises InterruptedError).
    ``backward(model, X, Y)``, if given, replaces the model's own
    cost-and-gradients pass (used to show known backprop bugs).
    """
    if not epsilon > 0:
        raise ValueError(f"epsilon must be positive. Received: epsilon={epsilon}")
    twin = model.copy(dtype="float64", with_history=False)
    X64, y = twin.check_inputs(X, y)
    Y64 = twin.targets(y)
    dropouts = [layer for layer in twin.layers if isinstance(layer, Dropout)]
    twin.forward(X64, training=True)  # draws the dropout masks ...
    for layer in dropouts:
        layer.freeze_mask(True)  # ... which every later pass reuses
    run = backward or (lambda mdl, xb, yb: mdl.cost_and_gradients(xb, yb))
    run(twin, X64, Y64)
    analytic = {name: layer.grads[key].copy() for name, layer, key in twin.parameters()}

    numeric = twin.copy(dtype=numeric_dtype, with_history=False)
    for mine, theirs in zip(numeric.layers, twin.layers):
        if isinstance(mine, Dropout) and theirs.mask is not None:  # the numerical side replays the same masks
            mine.mask = theirs.mask.astype(numeric.dtype)
            mine.freeze_mask(True)
    Xn, Yn = X64.astype(numeric.dtype), Y64.astype(numeric.dtype)
    m = Xn.shape[0]

    def cost():
        return numeric.data_cost(numeric.forward(Xn, training=True), Yn) + numeric.regularization_cost(m)

    base = cost()
    ulp = float(np.abs(np.spacing(numeric.dtype.type(base))))
    params = list(numeric.parameters())
    budget = _coordinate_budget([layer.params[key].size for _, layer, key in params], max_coords)
    total = int(sum(budget))
    rng = np.random.default_rng(seed)
    done = 0
    per_parameter, samples, kinks, zero = {}, {}, {}, []
    resolution = 64 * ulp / epsilon  # smallest gradient a finite difference can tell from 0
    all_a, all_n = [], []
    for (name, layer, key), count in zip(params, budget):
        flat = layer.params[key].reshape(-1)  # a view: edits change the layer's weights
        idx = np.arange(flat.size) if count >= flat.size else np.sort(rng.choice(flat.size, count, replace=False))
        numerical = np.empty(idx.size)
        smooth = np.ones(idx.size, dtype=bool)
        for j, i in enumerate(idx):
            if should_stop is not None and should_stop():
                raise InterruptedError("gradient check cancelled.")
            old = flat[i]
            flat[i] = old + epsilon
            plus = cost()
            flat[i] = old - epsilon
            minus = cost()
            flat[i] = old
            numerical[j] = float((plus - minus) / (2 * epsilon))
            second = abs(float(plus - 2 * base + minus))
            smooth[j] = second <= max(KINK_RATIO * float(abs(plus - base) + abs(base - minus)), 64 * ulp)
            done += 1
            if progress is not None and (done % 16 == 0 or done == total):
                progress(done, total)
        a = analytic[name].reshape(-1)[idx][smooth]
        n = numerical[smooth]
        # NaN: every sampled coordinate of this tensor sat on a kink, so nothing was checkable
        floor = resolution * np.sqrt(max(1, a.size))
        if a.size and np.linalg.norm(a) < floor and np.linalg.norm(n) < floor:
            per_parameter[name] = 0.0
            zero.append(name)
        else:
            per_parameter[name] = relative_difference(a, n) if a.size else float("nan")
        samples[name] = (idx[smooth], a, n)
        kinks[name] = int(np.count_nonzero(~smooth))
        all_a.append(a)
        all_n.append(n)
    overall = relative_difference(np.concatenate(all_a), np.concatenate(all_n)) if all_a else 0.0
    return GradientCheckResult(overall, per_parameter, samples, done, kinks, epsilon, zero)
