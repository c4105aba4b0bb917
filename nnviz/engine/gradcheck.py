"""Gradient checking: backprop against two-sided finite differences, with an honest noise floor.

For each checked coordinate θᵢ: ĝᵢ = (J(θ + εeᵢ) − J(θ − εeᵢ)) / 2ε, where J
is the training cost (including L2). Per parameter tensor the check reports
the relative difference ‖g − ĝ‖ / (‖g‖ + ‖ĝ‖) and says whether backprop
**agrees**, **differs**, or whether the gradient is **below the noise floor**
(too small for finite differences to measure; all-zero tensors included).

Why a noise floor. A finite difference is never exact: rounding in J turns
into an error of about ulp(J)/ε, and the stencil's truncation into ε²·J‴/6.
With the cat seed's ×0.01 weights the gradients of the deep tensors are
~1e-5 while J is ~0.1, so a fixed "relative difference under 1e-7" measures
rounding, not backprop (and a bug and the right backprop look alike). Here
every coordinate is also differenced with ε/2, and |ĝ(ε) − ĝ(ε/2)| (at least
a few ulps of J over ε) estimates the error of ĝ(ε) — rounding and truncation
alike. A tensor **differs** when ‖g − ĝ‖ exceeds both ``tolerance``·(‖g‖ + ‖ĝ‖)
and ``noise_factor`` times that error; it is **below the noise floor** when
neither ‖g‖ nor ‖ĝ‖ can be told from the error; otherwise it **agrees**.
Every bug in :mod:`nnviz.engine.bugs` is off by O(1) relative, far above the
floor; the right backprop sits inside it.

ε is relative to the parameter scale: ε·max(1, rms of the tensor). The check
runs on copies (float64 analytic side; the numerical side in
``numeric_dtype``, "longdouble" for 80-bit where the platform has it), and a
perturbation of layer k re-runs the forward pass from layer k only.

**Kinks.** ReLU is not differentiable at 0. When a stencil θ ± ε straddles a
kink the central difference averages two slopes and disagrees with any
gradient. Such coordinates are detected by their second difference
J(θ+ε) − 2J(θ) + J(θ−ε), which is O(ε²) on smooth ground and O(ε) across a
kink; they are excluded and counted in ``kinks``. A backprop bug cannot hide
there: the test looks at J only.

**Sampling.** ``max_coords`` is shared out per tensor (at least one each, small
tensors whole, the rest evenly), so a 49,000-weight matrix gets as many
coordinates as a 4-unit bias can spare; within a tensor ¾ of the picks go to
coordinates whose backprop gradient is not zero (a dead ReLU's column says
nothing), the rest uniformly.

The defaults (:data:`DEFAULTS`, a :class:`GradCheckSettings`) are the app's
and the CLI's alike.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .layers import Dropout

#: |second difference| / (|J+ − J0| + |J0 − J−|) above this marks a kink
KINK_RATIO = 1e-3

AGREES, DIFFERS, NOISE, KINKS = "agrees", "differs", "noise", "kinks"


@dataclass(frozen=True)
class GradCheckSettings:
    """The gradient check's defaults, one place for the app's tab, the lab and ``nnviz gradcheck``."""

    #: finite-difference step, relative to each tensor's scale: ε·max(1, rms)
    epsilon: float = 1e-6
    #: dtype of the numerical side's copy ("float64" or "longdouble")
    numeric_dtype: str = "float64"
    #: training samples the cost is computed on (a fixed random subset, see ``sample_rows``)
    samples: int = 32
    #: coordinates checked, shared out per tensor
    max_coords: int = 500
    #: seed of the sample and coordinate choice
    seed: int = 0
    #: a tensor differs when ‖g − ĝ‖ > tolerance·(‖g‖ + ‖ĝ‖) ...
    tolerance: float = 1e-7
    #: ... and > noise_factor × the estimated error of ĝ
    noise_factor: float = 10.0


DEFAULTS = GradCheckSettings()


def sample_rows(m: int, k: int, seed: int = DEFAULTS.seed) -> np.ndarray:
    """The sorted indices of the ``k`` training samples (of ``m``) a check uses."""
    k = min(int(k), int(m))
    return np.sort(np.random.default_rng(seed).choice(m, k, replace=False))


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
    #: tensors whose gradients cannot be told from zero (all zero, or under the noise floor)
    zero_gradient: list[str] = field(default_factory=list)
    #: per tensor: "agrees", "differs", "noise" (below the noise floor) or "kinks" (nothing checkable)
    status: dict[str, str] = field(default_factory=dict)
    #: per tensor: the relative difference it may have and still agree: max(tolerance, noise floor)
    allowed: dict[str, float] = field(default_factory=dict)
    #: per tensor: (‖g − ĝ‖, ‖g‖ + ‖ĝ‖, estimated error of ĝ)
    norms: dict[str, tuple[float, float, float]] = field(repr=False, default_factory=dict)
    tolerance: float = DEFAULTS.tolerance
    noise_factor: float = DEFAULTS.noise_factor
    numeric_dtype: str = "float64"

    def tensor_status(self, name: str, threshold: float | None = None) -> str:
        """"agrees", "differs", "noise" or "kinks" for one tensor (``threshold`` overrides the tolerance)."""
        v = self.per_parameter[name]
        if np.isnan(v):
            return KINKS
        if name in self.norms:
            diff, scale, err = self.norms[name]
            tol = self.tolerance if threshold is None else threshold
            if diff > max(tol * scale, self.noise_factor * err):
                return DIFFERS
            return NOISE if scale <= 2 * self.noise_factor * err else AGREES
        if name in self.zero_gradient:  # a result built by hand, without norms
            return NOISE
        return AGREES if v < (self.tolerance if threshold is None else threshold) else DIFFERS

    def statuses(self, threshold: float | None = None) -> dict[str, str]:
        return {name: self.tensor_status(name, threshold) for name in self.per_parameter}

    def differing(self, threshold: float | None = None) -> list[str]:
        return [n for n, s in self.statuses(threshold).items() if s == DIFFERS]

    def worst(self) -> tuple[str, float] | None:
        """(name, relative difference) of the tensor furthest over what it may have (None if none checked)."""
        best, key = None, -np.inf
        for name, v in self.per_parameter.items():
            if np.isnan(v) or self.tensor_status(name) in (NOISE, KINKS):
                continue
            k = v / max(self.allowed.get(name, self.tolerance), 1e-300)
            if k > key:
                best, key = (name, float(v)), k
        return best

    def passed(self, threshold: float | None = None) -> bool:
        """True when no tensor differs and at least one agrees (``threshold`` overrides the tolerance)."""
        statuses = self.statuses(threshold)
        return AGREES in statuses.values() and DIFFERS not in statuses.values()


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


def _pick(rng, analytic: np.ndarray, count: int) -> np.ndarray:
    """``count`` flat indices: ¾ among coordinates with a nonzero backprop gradient, the rest uniform."""
    size = analytic.size
    if count >= size:
        return np.arange(size)
    nonzero = np.flatnonzero(analytic)
    first = rng.choice(nonzero, min(nonzero.size, (3 * count + 3) // 4), replace=False) if nonzero.size else \
        np.empty(0, dtype=np.int64)
    rest = np.setdiff1d(np.arange(size), first, assume_unique=False)
    second = rng.choice(rest, count - first.size, replace=False)
    return np.sort(np.concatenate([first, second]).astype(np.int64))


def gradient_check(model, X, y, epsilon: float = DEFAULTS.epsilon, max_coords: int | None = None,
                   seed: int = DEFAULTS.seed, progress=None, should_stop=None, backward=None,
                   numeric_dtype=DEFAULTS.numeric_dtype, tolerance: float = DEFAULTS.tolerance,
                   noise_factor: float = DEFAULTS.noise_factor) -> GradientCheckResult:
    """Compare the model's backprop gradients with numerical ones.

    Works on copies, so ``model`` is untouched. Dropout masks are drawn once
    and frozen; BatchNorm uses batch statistics (training mode), so the
    function checked is exactly the one training differentiates.
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
    layers = numeric.layers
    inputs = []          # the input of each layer in the unperturbed pass
    a = Xn
    for layer in layers:
        inputs.append(a)
        a = layer.forward(a, training=True)

    def cost(start: int):
        """J with layer ``start``'s parameters perturbed: the forward pass re-runs from that layer."""
        a = inputs[start]
        for layer in layers[start:]:
            a = layer.forward(a, training=True)
        return numeric.data_cost(a, Yn) + numeric.regularization_cost(m)

    base = cost(0)
    ulp = float(np.abs(np.spacing(numeric.dtype.type(base))))
    params = [(name, layers.index(layer), layer, key) for name, layer, key in numeric.parameters()]
    budget = _coordinate_budget([layer.params[key].size for _, _, layer, key in params], max_coords)
    total = int(sum(budget))
    rng = np.random.default_rng(seed)
    done = 0
    result = GradientCheckResult(0.0, {}, coords_checked=0, epsilon=epsilon, tolerance=tolerance,
                                 noise_factor=noise_factor, numeric_dtype=numeric.dtype.name)
    all_a, all_n = [], []
    for (name, start, layer, key), count in zip(params, budget):
        flat = layer.params[key].reshape(-1)  # a view: edits change the layer's weights
        scale = float(np.sqrt(np.mean(np.square(flat.astype(np.float64))))) if flat.size else 0.0
        eps = epsilon * max(1.0, scale)
        idx = _pick(rng, analytic[name].reshape(-1), count)
        numerical = np.empty(idx.size)
        error = np.empty(idx.size)
        smooth = np.ones(idx.size, dtype=bool)
        for j, i in enumerate(idx):
            if should_stop is not None and should_stop():
                raise InterruptedError("gradient check cancelled.")
            old = flat[i]
            values = []
            for step in (eps, -eps, eps / 2, -eps / 2):
                flat[i] = old + numeric.dtype.type(step)
                values.append(cost(start))
            flat[i] = old
            plus, minus, plus2, minus2 = values
            g1 = float((plus - minus) / (2 * eps))
            g2 = float((plus2 - minus2) / eps)
            numerical[j] = g1
            error[j] = max(abs(g1 - g2), 4 * ulp / eps)
            second = abs(float(plus - 2 * base + minus))
            smooth[j] = second <= max(KINK_RATIO * float(abs(plus - base) + abs(base - minus)), 64 * ulp)
            done += 1
            if progress is not None and (done % 16 == 0 or done == total):
                progress(done, total)
        a = analytic[name].reshape(-1)[idx][smooth]
        n = numerical[smooth]
        e = error[smooth]
        result.samples[name] = (idx[smooth], a, n)
        result.kinks[name] = int(np.count_nonzero(~smooth))
        if not a.size:  # NaN: every sampled coordinate of this tensor sat on a kink, so nothing was checkable
            result.per_parameter[name] = float("nan")
            continue
        diff = float(np.linalg.norm(a - n))
        size = float(np.linalg.norm(a) + np.linalg.norm(n))
        err = float(np.linalg.norm(e))
        result.norms[name] = (diff, size, err)
        result.per_parameter[name] = relative_difference(a, n)
        result.allowed[name] = max(tolerance, noise_factor * err / size) if size else float("inf")
        if result.tensor_status(name) == NOISE:
            result.zero_gradient.append(name)
        all_a.append(a)
        all_n.append(n)
    result.relative_difference = relative_difference(np.concatenate(all_a), np.concatenate(all_n)) if all_a else 0.0
    result.status = result.statuses()
    result.coords_checked = done
    return result
