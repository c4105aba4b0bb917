"""Gradient checking: backprop against two-sided finite differences, in float64.

For each checked coordinate θᵢ: ĝᵢ = (J(θ + εeᵢ) − J(θ − εeᵢ)) / 2ε, where J
is the training cost (including L2). The relative difference
‖g − ĝ‖ / (‖g‖ + ‖ĝ‖) is reported overall and per parameter tensor; below
1e-7 means backprop is right. ``max_coords`` samples a random subset of
coordinates (spread over every tensor) so large networks check in seconds.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .layers import Dropout


@dataclass
class GradientCheckResult:
    relative_difference: float
    per_parameter: dict[str, float]
    #: per tensor: (flat indices checked, analytic values, numerical values)
    samples: dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]] = field(repr=False, default_factory=dict)
    coords_checked: int = 0
    epsilon: float = 1e-7

    def passed(self, threshold: float = 1e-7) -> bool:
        return self.relative_difference < threshold and all(v < threshold for v in self.per_parameter.values())


def relative_difference(analytic: np.ndarray, numerical: np.ndarray) -> float:
    denom = np.linalg.norm(analytic) + np.linalg.norm(numerical)
    return 0.0 if denom == 0 else float(np.linalg.norm(analytic - numerical) / denom)


def _coordinate_budget(sizes: list[int], max_coords: int | None) -> list[int]:
    if max_coords is None:
        return sizes
    share = max(1, int(max_coords) // max(1, len(sizes)))
    return [min(size, share) for size in sizes]


def gradient_check(model, X, y, epsilon: float = 1e-7, max_coords: int | None = None, seed: int = 0,
                   progress=None, should_stop=None, backward=None) -> GradientCheckResult:
    """Compare the model's backprop gradients with numerical ones.

    Works on a float64 copy, so ``model`` is untouched. Dropout masks are
    drawn once and frozen; BatchNorm uses batch statistics (training mode),
    so the function checked is exactly the one training differentiates.
    ``progress(done, total)`` is called as coordinates are checked;
    ``should_stop()`` may cancel (raises InterruptedError).
    ``backward(model, X, Y)``, if given, replaces the model's own
    cost-and-gradients pass (used to show known backprop bugs).
    """
    twin = model.copy(dtype="float64")
    X, y = twin.check_inputs(X, y)
    Y = twin.targets(y)
    for layer in twin.layers:
        if isinstance(layer, Dropout):
            layer.freeze_mask(False)
    twin.forward(X, training=True)  # draws the dropout masks ...
    for layer in twin.layers:
        if isinstance(layer, Dropout):
            layer.freeze_mask(True)  # ... which every later pass reuses
    run = backward or (lambda mdl, xb, yb: mdl.cost_and_gradients(xb, yb))
    run(twin, X, Y)
    analytic = {name: layer.grads[key].copy() for name, layer, key in twin.parameters()}

    def cost():
        a = twin.forward(X, training=True)
        last = twin.layers[-1]
        z = getattr(last, "_z", a)
        return twin.loss.cost(a, z, Y, twin.fused_output) + twin.regularization_cost(X.shape[0])

    params = list(twin.parameters())
    budget = _coordinate_budget([layer.params[key].size for _, layer, key in params], max_coords)
    total = int(sum(budget))
    rng = np.random.default_rng(seed)
    done = 0
    per_parameter, samples = {}, {}
    all_a, all_n = [], []
    for (name, layer, key), count in zip(params, budget):
        flat = layer.params[key].reshape(-1)  # a view: edits change the layer's weights
        size = flat.size
        idx = np.arange(size) if count >= size else np.sort(rng.choice(size, count, replace=False))
        numerical = np.empty(idx.size)
        for j, i in enumerate(idx):
            if should_stop is not None and should_stop():
                raise InterruptedError("gradient check cancelled.")
            old = flat[i]
            flat[i] = old + epsilon
            plus = cost()
            flat[i] = old - epsilon
            minus = cost()
            flat[i] = old
            numerical[j] = (plus - minus) / (2 * epsilon)
            done += 1
            if progress is not None and (done % 16 == 0 or done == total):
                progress(done, total)
        a = analytic[name].reshape(-1)[idx]
        per_parameter[name] = relative_difference(a, numerical)
        samples[name] = (idx, a, numerical)
        all_a.append(a)
        all_n.append(numerical)
    overall = relative_difference(np.concatenate(all_a), np.concatenate(all_n)) if all_a else 0.0
    return GradientCheckResult(overall, per_parameter, samples, done, epsilon)
