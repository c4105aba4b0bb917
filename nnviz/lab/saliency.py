"""Why did the network say that? Saliency maps and nearest training examples, without Qt.

For one input ``x`` (one sample of ``model.input_shape``: (C, H, W), or a
flat (784,) digit / (12288,) 64×64 RGB photo) and a *private* model copy:

* **The score.** The top class's *logit*: the output layer's pre-activation
  z (before softmax or sigmoid). For a softmax output the score of class c is
  z[c]. For a 1-unit sigmoid output p = σ(z) is the probability of class 1:
  the score of class 1 is z and the score of class 0 is −z (since
  1 − σ(z) = σ(−z), −z is class 0's logit). Logits are used rather than
  probabilities because a confident softmax saturates (its gradient vanishes).
* **Gradient** ∂score/∂x, shaped like ``x``, from the engine's own backward
  passes (``need_input_grad=True``) after an inference-mode forward pass
  (dropout off, batch norm with its running statistics).
* **Gradient × input** ∂score/∂x ⊙ x: the first-order estimate of how much
  the score falls when the pixels are set to 0.
* **Occlusion**: a square patch (:func:`occlusion_geometry`: 4 px, stride 2
  on 28×28; 9 px, stride 4 on 64×64) is slid over the image and filled with
  **0** (black: on a digit it erases the ink), every channel; each pixel's
  value is the mean drop of the top class's *probability* over the patches
  that cover it (positive: hiding it makes the network less sure).

Maps for display are (H, W): channels are summed (for the gradient, the
change of the score when the pixel gets brighter in every channel).

:class:`TrainingFeatures` holds the training set's activations in the last
hidden layer (the input of the output layer), computed once per model;
:func:`nearest_examples` finds the ``k`` closest (Euclidean) to ``x``.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

import numpy as np

from nnviz.engine.layers import ActivatedLayer, BatchNorm, Dropout

from .prediction import class_probabilities

KINDS = ("gradient", "gradient_x_input", "occlusion")
KIND_TITLES = {"gradient": "Gradient", "gradient_x_input": "Gradient × input", "occlusion": "Occlusion"}
UNTRAINED_NOTE = ("This network has not been trained yet: the map shows what its random weights react to, "
                  "not anything it has learned.")


# --- geometry -----------------------------------------------------------------------------------
def image_geometry(input_shape) -> tuple[int, int, int]:
    """(C, H, W) of an image input: (C, H, W) as is, flat 784 → (1, 28, 28), flat 12288 → (3, 64, 64).

    Raises ValueError (one sentence) for any other shape.
    """
    shape = tuple(int(d) for d in input_shape)
    if len(shape) == 3:
        return shape
    if shape == (28 * 28,):
        return (1, 28, 28)
    if shape == (3 * 64 * 64,):
        return (3, 64, 64)
    raise ValueError(f"saliency maps need an image input (C, H, W), a flat 28×28 digit or a flat 64×64 RGB "
                     f"photo; this network takes inputs of shape {shape}.")


def occlusion_geometry(h: int, w: int) -> tuple[int, int]:
    """(patch side, stride) for an h×w image: side ≈ min(h, w)/7 (28 → 4, 64 → 9), stride ≈ side/2."""
    side = max(2, int(round(min(h, w) / 7)))
    return side, max(1, side // 2)


def patch_starts(size: int, patch: int, stride: int) -> list[int]:
    """Top (or left) edges of the patches along one axis; the last patch always touches the far edge."""
    starts = list(range(0, max(size - patch, 0) + 1, stride))
    if starts[-1] != max(size - patch, 0):
        starts.append(size - patch)
    return starts


# --- forward and backward ------------------------------------------------------------------------
def _forward_for_backward(model, X: np.ndarray) -> np.ndarray:
    """Inference-mode forward pass of a checked batch that leaves every layer ready for ``backward``.

    Conv, pooling, dense and flatten layers cache their inputs in training mode without changing state;
    dropout and batch norm run in inference mode (no mask, running statistics), as ``predict`` does.
    """
    a = X
    for layer in model.layers:
        inference = isinstance(layer, (Dropout, BatchNorm))
        a = layer.forward(a, training=not inference)
    return a


def _backward_to_input(model, dz_out: np.ndarray) -> np.ndarray:
    """∂(Σ dz_out · z_out)/∂X after :func:`_forward_for_backward`, through the engine's layer backward passes.

    ``dz_out`` (m, k) weights the output layer's pre-activation z; the result has the input's shape.
    """
    layers = model.layers
    last = layers[-1]
    if isinstance(last, ActivatedLayer):
        grad = last.backward_preactivation(dz_out, need_input_grad=True)
    else:
        grad = last.backward(dz_out, need_input_grad=True)
    for layer in reversed(layers[:-1]):
        if isinstance(layer, BatchNorm):      # inference mode: an affine map, γ / √(running var + ε)
            _, inv_std, _, bshape = layer._cache
            grad = grad * (layer.params["gamma"] * inv_std).reshape(bshape)
        else:
            grad = layer.backward(grad, need_input_grad=True)
    return grad


def top_class_and_score(output_row, z_row) -> tuple[int, float, float]:
    """(top class, its logit, sign) from one output row a (k,) and its pre-activation z (k,).

    Softmax: top = argmax a, score = z[top], sign +1. A 1-unit sigmoid: top = 1 when p ≥ 0.5;
    score = z for class 1 and −z for class 0 (sign −1).
    """
    a = np.asarray(output_row, dtype=np.float64).ravel()
    z = np.asarray(z_row, dtype=np.float64).ravel()
    if a.size == 1:
        top = int(a[0] >= 0.5)
        sign = 1.0 if top == 1 else -1.0
        return top, sign * float(z[0]), sign
    top = int(np.argmax(a))
    return top, float(z[top]), 1.0


def score_weights(k: int, top: int, sign: float, dtype) -> np.ndarray:
    """(1, k) weights on the output pre-activation z whose weighted sum is the top class's score."""
    w = np.zeros((1, k), dtype=dtype)
    w[0, 0 if k == 1 else top] = sign
    return w


def logits(model, X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(output a (m, k), pre-activation z (m, k)) of the output layer, in inference mode."""
    X = model.check_inputs(X)
    a = model.forward(X, training=False)
    last = model.layers[-1]
    z = last.preactivation if isinstance(last, ActivatedLayer) else a
    return a, np.array(z, copy=True)


def score_gradient(model, x: np.ndarray, top: int | None = None) -> tuple[np.ndarray, int, float]:
    """(∂score/∂x shaped like ``x``, top class, score) for one sample ``x`` (the model's input shape).

    ``top`` None: the class the network predicts. Computed in the model's dtype.
    """
    X = model.check_inputs(np.asarray(x)[None])
    a = _forward_for_backward(model, X)
    last = model.layers[-1]
    z = last.preactivation if isinstance(last, ActivatedLayer) else a
    t, score, sign = top_class_and_score(a[0], z[0])
    if top is not None and top != t:
        t = int(top)
        sign = (1.0 if t == 1 else -1.0) if a.shape[1] == 1 else 1.0
        score = sign * float(z[0, 0 if a.shape[1] == 1 else t])
    grad = _backward_to_input(model, score_weights(a.shape[1], t, sign, a.dtype))
    return np.array(grad[0], copy=True), t, score


def top_probabilities(model, X: np.ndarray, top: int) -> np.ndarray:
    """(m,) probability of class ``top`` for each row of the batch ``X``."""
    out = model.predict(X)
    return np.array([class_probabilities(row)[top] for row in out])


def occlusion_map(model, x: np.ndarray, top: int, patch: int | None = None, stride: int | None = None,
                  fill: float = 0.0, should_stop=lambda: False, batch: int = 64) -> tuple[np.ndarray, int, int]:
    """(map (H, W), patch, stride): each pixel's mean drop of P(top) over the patches (filled with ``fill``)
    covering it. Raises InterruptedError when ``should_stop()`` turns True."""
    c, h, w = image_geometry(model.input_shape)
    if patch is None or stride is None:
        patch, stride = occlusion_geometry(h, w)
    img = np.asarray(x, dtype=model.dtype).reshape(c, h, w)
    base = float(top_probabilities(model, img.reshape(model.input_shape)[None], top)[0])
    spots = [(r, s) for r in patch_starts(h, patch, stride) for s in patch_starts(w, patch, stride)]
    total = np.zeros((h, w))
    count = np.zeros((h, w))
    for i in range(0, len(spots), batch):
        if should_stop():
            raise InterruptedError("occlusion cancelled")
        chunk = spots[i:i + batch]
        X = np.repeat(img[None], len(chunk), axis=0)
        for n, (r, s) in enumerate(chunk):
            X[n, :, r:r + patch, s:s + patch] = fill
        drops = base - top_probabilities(model, X.reshape(len(chunk), *model.input_shape), top)
        for (r, s), d in zip(chunk, drops):
            total[r:r + patch, s:s + patch] += d
            count[r:r + patch, s:s + patch] += 1
    return total / np.maximum(count, 1), patch, stride


def channel_sum(a: np.ndarray, input_shape) -> np.ndarray:
    """An input-shaped array as (H, W): summed over channels."""
    c, h, w = image_geometry(input_shape)
    return np.asarray(a, dtype=np.float64).reshape(c, h, w).sum(axis=0)


# --- the whole explanation ------------------------------------------------------------------------
@dataclass
class Saliency:
    """The three maps for one input, and what they are of.

    ``gradient`` and ``gradient_x_input`` are shaped like the input; ``maps`` holds the (H, W) display maps
    by kind (see :data:`KINDS`). ``score`` is the top class's logit, ``prob`` its probability.
    """

    top: int
    score: float
    prob: float
    probs: np.ndarray
    gradient: np.ndarray
    gradient_x_input: np.ndarray
    maps: dict
    patch: int
    stride: int
    fill: float
    score_text: str
    iterations: int = 0
    notes: list = field(default_factory=list)

    @property
    def trained(self) -> bool:
        return self.iterations > 0


def score_text(k: int, top: int, name: str) -> str:
    """What the gradient is of, in words: the top class's logit."""
    if k == 1:
        return (f"the logit z of the sigmoid output (P({name}) = σ(z))" if top == 1 else
                f"−z, minus the logit of the sigmoid output (P({name}) = 1 − σ(z) = σ(−z))")
    return f"the logit of {name}, the output layer's value before softmax"


def compute_saliency(model, x: np.ndarray, names=None, fill: float = 0.0, should_stop=lambda: False) -> Saliency:
    """Every map for one sample ``x``; ``model`` must be a copy nobody else uses (its caches are written)."""
    image_geometry(model.input_shape)
    x = np.asarray(x, dtype=model.dtype).reshape(model.input_shape)
    notes = []
    with np.errstate(all="ignore"):
        grad, top, score = score_gradient(model, x)
        probs = class_probabilities(model.predict(x[None])[0])
        k = model.output_units
        name = names[top] if names is not None and top < len(names) else f"class {top}"
        if not (np.all(np.isfinite(grad)) and np.isfinite(score) and np.all(np.isfinite(probs))):
            raise ValueError("the network's output or its gradient is not a finite number (NaN or infinity): its "
                             "weights have diverged; train again with a smaller learning rate.")
        occ, patch, stride = occlusion_map(model, x, top, fill=fill, should_stop=should_stop)
    gxi = grad * x
    maps = {"gradient": channel_sum(grad, model.input_shape),
            "gradient_x_input": channel_sum(gxi, model.input_shape), "occlusion": occ}
    iterations = int(model.history.iterations_done)
    if iterations == 0:
        notes.append(UNTRAINED_NOTE)
    if not np.any(grad):
        notes.append("The gradient is zero everywhere: every ReLU on the way is off for this input, so a small "
                     "change of any pixel does not change the score.")
    return Saliency(top=top, score=score, prob=float(probs[top]), probs=probs, gradient=grad,
                    gradient_x_input=gxi, maps=maps, patch=patch, stride=stride, fill=float(fill),
                    score_text=score_text(k, top, name), iterations=iterations, notes=notes)


def overlay(base: np.ndarray, heat: np.ndarray) -> np.ndarray:
    """The input picture with a signed map on top: (H, W, 3) floats in [0, 1].

    ``base`` is (H, W) grey or (H, W, 3) RGB in [0, 1], shown dimmed in grey; ``heat`` (H, W) is drawn red
    where positive and blue where negative, more opaque the larger |heat| is against its largest |value|
    (at most 85 %, so the picture shows through).
    """
    base = np.asarray(base, dtype=np.float64)
    grey = base.mean(axis=2) if base.ndim == 3 else base
    picture = np.repeat((0.15 + 0.55 * np.clip(grey, 0, 1))[..., None], 3, axis=2)
    heat = np.nan_to_num(np.asarray(heat, dtype=np.float64))
    top = float(np.max(np.abs(heat)))
    if top <= 0:
        return picture
    t = heat / top
    alpha = 0.85 * np.clip(np.abs(t), 0, 1)[..., None] ** 0.7     # the picture always shows through a little
    red, blue = np.array([0.85, 0.1, 0.1]), np.array([0.1, 0.35, 0.95])
    color = np.where(t[..., None] >= 0, red, blue)
    return np.clip((1 - alpha) * picture + alpha * color, 0, 1)


# --- nearest training examples -------------------------------------------------------------------
def hidden_layer_name(model) -> str:
    """What the output layer reads, in words: "dense_2 (128 values)" or "the input pixels"."""
    if len(model.layers) < 2:
        return "the input pixels (this network has no hidden layer)"
    i = len(model.layers) - 2
    while i > 0 and model.layers[i].kind in ("dropout",):
        i -= 1
    d = int(np.prod(model.output_shapes[len(model.layers) - 2]))
    return f"{model.layers[i].name} ({d:,} values)"


def hidden_features(model, X: np.ndarray, batch: int = 256, should_stop=lambda: False, progress=None) -> np.ndarray:
    """(m, d) float32: the input of the output layer for each row of ``X``, in inference mode."""
    X = np.asarray(X)
    out = None
    for i in range(0, X.shape[0], batch):
        if should_stop():
            raise InterruptedError("cancelled")
        a = model.check_inputs(X[i:i + batch])
        for layer in model.layers[:-1]:
            a = layer.forward(a, training=False)
        a = np.asarray(a, dtype=np.float32).reshape(a.shape[0], -1)
        if out is None:
            out = np.empty((X.shape[0], a.shape[1]), dtype=np.float32)
        out[i:i + a.shape[0]] = a
        if progress is not None:
            progress(min(i + batch, X.shape[0]), X.shape[0])
    return out if out is not None else np.empty((0, 0), dtype=np.float32)


class TrainingFeatures:
    """The training set's last-hidden-layer activations, computed once per (model, dataset) and kept.

    ``get(source, model, X)`` returns them, computing with ``model`` (a private copy of ``source``) when
    ``source`` or ``X`` is not the one cached. Thread-safe: computed in a background task, read anywhere.
    """

    def __init__(self):
        self._lock = threading.Lock()
        self._key = None
        self._features = None
        self.computed = 0          # how many times the features were computed (tests check the cache)

    def cached(self, source, X) -> np.ndarray | None:
        with self._lock:
            key = self._key
            if key is not None and key[0] is source and key[1] is X and key[2] == _iterations(source):
                return self._features
        return None

    def get(self, source, model, X, should_stop=lambda: False, progress=None) -> np.ndarray:
        features = self.cached(source, X)
        if features is not None:
            return features
        features = hidden_features(model, X, should_stop=should_stop, progress=progress)
        with self._lock:
            self._key, self._features = (source, X, _iterations(source)), features
            self.computed += 1
        return features


def _iterations(model) -> int:
    return int(model.history.iterations_done)


@dataclass
class Neighbours:
    """The ``k`` training examples nearest to the input in the last hidden layer's space.

    ``indices`` into the training set, ``distances`` (Euclidean, float64), ``labels`` class indices,
    ``images`` their inputs (copies), ``space`` what the space is, in words.
    """

    indices: np.ndarray
    distances: np.ndarray
    labels: np.ndarray
    images: np.ndarray
    space: str


def nearest_examples(model, x: np.ndarray, features: np.ndarray, X_train, y_train, k: int = 5) -> Neighbours:
    """The ``k`` rows of ``features`` closest to ``x``'s own hidden activations (Euclidean)."""
    f = hidden_features(model, np.asarray(x)[None])[0].astype(np.float64)
    n = features.shape[0]
    k = min(k, n)
    if k == 0:
        return Neighbours(np.empty(0, int), np.empty(0), np.empty(0, int), np.empty((0, *np.shape(x))), "")
    rough = np.empty(n, dtype=np.float64)
    for i in range(0, n, 8192):          # squared distances, chunked (60,000 × d would be a big temporary)
        diff = features[i:i + 8192].astype(np.float64) - f
        rough[i:i + 8192] = np.einsum("ij,ij->i", diff, diff)
    idx = np.argpartition(rough, k - 1)[:k] if k < n else np.arange(n)
    idx = idx[np.argsort(rough[idx], kind="stable")]
    dist = np.sqrt(rough[idx])
    return Neighbours(indices=idx, distances=dist, labels=np.asarray(y_train)[idx].astype(np.int64),
                      images=np.array(np.asarray(X_train)[idx], dtype=np.float32), space=hidden_layer_name(model))


def finite_difference_gradient(model, x: np.ndarray, top: int, positions, eps: float = 1e-6) -> np.ndarray:
    """Central differences of the top class's score at flat input ``positions`` (for checks), (len,)."""
    x = np.asarray(x, dtype=model.dtype).reshape(model.input_shape)
    k = model.output_units
    out = []
    for p in positions:
        vals = []
        for step in (eps, -eps):
            xp = x.copy().ravel()
            xp[p] += step
            a, z = logits(model, xp.reshape(model.input_shape)[None])
            vals.append(-z[0, 0] if (k == 1 and top == 0) else z[0, 0 if k == 1 else top])
        out.append((vals[0] - vals[1]) / (2 * eps))
    return np.array(out)


__all__ = ["KINDS", "KIND_TITLES", "UNTRAINED_NOTE", "Saliency", "compute_saliency", "score_gradient",
           "occlusion_map", "occlusion_geometry", "image_geometry", "patch_starts", "overlay",
           "TrainingFeatures", "Neighbours", "nearest_examples", "hidden_features", "hidden_layer_name",
           "finite_difference_gradient", "top_class_and_score", "logits", "channel_sum"]

