"""Classifying dropped images, without Qt.

The prediction view calls these: :func:`load_for_model` reads and
preprocesses one image file (in a pool thread: it may be a 10,000 × 10,000
photo), :func:`predict_one` runs the network on the result (GUI thread, one
sample) and :func:`frozen_copy` gives a private copy of a model's weights,
so a prediction never reads arrays the training thread is updating.
:class:`WeightsProbe` takes that copy inside the training thread, between
two steps, while a run is going.
"""

from __future__ import annotations

import time
import warnings
from dataclasses import dataclass
from typing import Callable

import numpy as np
from PIL import Image

from nnviz.data import ImageError, load_image, preprocess_for_model
from nnviz.engine import Sequential

from .ood import OODCalibration, OODResult

#: file name endings offered for drag and drop and the open dialog
IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp", ".gif", ".tif", ".tiff", ".webp")
NO_MODEL_MESSAGE = "Train a model first, or load one with File → Load model…"
UNTRAINED_MESSAGE = ("This network has not been trained yet. Train a model first, or load one with "
                     "File → Load model…; the prediction appears as soon as there are trained weights.")
THUMB_SIDE = 96


def frozen_copy(model) -> Sequential:
    """An independent copy of ``model`` for inference: weights, buffers and history (which says how
    far the weights were trained); nothing it shares with the original (see :meth:`Sequential.copy`)."""
    return model.copy()


def class_probabilities(output) -> np.ndarray:
    """One network output row → (k,) class probabilities: a 1-unit sigmoid p becomes [1 − p, p]."""
    out = np.asarray(output, dtype=np.float64).ravel()
    if out.size == 1:
        p = float(np.clip(out[0], 0.0, 1.0))
        return np.array([1.0 - p, p])
    return out


def class_names_for(n_classes: int, dataset=None) -> list[str]:
    """The dataset's class names when they fit ``n_classes``, else "class 0", "class 1", …"""
    names = list(getattr(dataset, "class_names", None) or [])
    if len(names) == n_classes:
        return [str(n) for n in names]
    return [f"class {i}" for i in range(n_classes)]


@dataclass
class Prediction:
    """Class probabilities for one image: ``probs`` (k,), summing to 1, and the names."""

    probs: np.ndarray
    names: list[str]
    #: iterations the weights had been trained for
    iterations: int = 0

    @property
    def top(self) -> int:
        return int(np.argmax(self.probs))

    @property
    def top_name(self) -> str:
        return self.names[self.top]

    def text(self) -> str:
        """e.g. ``cat — 93.1%``"""
        return f"{self.top_name} — {self.probs[self.top]:.1%}"


def predict_one(model, x: np.ndarray, names: list[str] | None = None) -> Prediction:
    """Run ``model`` on one preprocessed sample ``x`` (shape ``model.input_shape``)."""
    out = model.predict(np.asarray(x, dtype=model.dtype)[None])[0]
    probs = class_probabilities(out)
    if names is None or len(names) != probs.size:
        names = class_names_for(probs.size)
    return Prediction(probs=probs, names=list(names), iterations=model.history.epochs_done)


def image_input_problem(input_shape) -> str | None:
    """Why a model with this input shape cannot classify images (the data module's sentence), or None."""
    try:
        preprocess_for_model(Image.new("RGB", (1, 1), "white"), input_shape)
    except ImageError:
        return None      # an image model: a blank 1×1 picture merely has no digit in it
    except ValueError as exc:
        text = str(exc)
        return text[:1].upper() + text[1:] + "."
    return None


@dataclass
class LoadedImage:
    """One dropped file, read and preprocessed (or the sentence saying why not).

    ``thumbnail`` is (h, w, 3) uint8 for the list; ``x`` is one sample of
    the model's input shape, float32 in [0, 1]; ``size`` the original
    (width, height) in pixels.
    """

    path: str
    thumbnail: np.ndarray | None = None
    x: np.ndarray | None = None
    size: tuple[int, int] | None = None
    error: str | None = None
    input_shape: tuple[int, ...] | None = None
    #: how unlike the training images ``x`` is (see :mod:`nnviz.lab.ood`), or None
    ood: OODResult | None = None


def load_for_model(path, input_shape, calibration: Callable[[], OODCalibration | None] | None = None
                   ) -> LoadedImage:
    """Read ``path`` and turn it into one input for a model taking ``input_shape``. Never raises.

    With ``input_shape`` None (no model yet) the file is only read and checked. ``calibration`` gives
    the out-of-distribution calibration of the training data (called here, so in the loader's thread,
    where it may be computed the first time); the result's ``ood`` says how unusual the image is.
    """
    loaded = _load_for_model(path, input_shape)
    if calibration is not None and loaded.x is not None:
        try:
            cal = calibration()
            loaded.ood = cal.check(loaded.x) if cal is not None else None
        except Exception:  # noqa: BLE001  the hint is an extra: never lose the prediction over it
            loaded.ood = None
    return loaded


def _load_for_model(path, input_shape) -> LoadedImage:
    path = str(path)
    shape = tuple(int(d) for d in input_shape) if input_shape is not None else None
    try:
        img = load_image(path)
        size = _original_size(path, img.size)
        thumb = img.copy()
        thumb.thumbnail((THUMB_SIDE, THUMB_SIDE), Image.LANCZOS)
        thumbnail = np.asarray(thumb.convert("RGB"), dtype=np.uint8).copy()
    except ImageError as exc:
        return LoadedImage(path=path, error=str(exc), input_shape=shape)
    except Exception as exc:  # an unexpected decoder failure: report it on the item, never lose the thread
        return LoadedImage(path=path, error=f"could not read {path}: {type(exc).__name__}: {exc}", input_shape=shape)
    if shape is None:
        return LoadedImage(path=path, thumbnail=thumbnail, size=size, input_shape=None)
    try:
        x = preprocess_for_model(img, shape).astype(np.float32, copy=False)
    except (ImageError, ValueError) as exc:
        return LoadedImage(path=path, thumbnail=thumbnail, size=size, error=str(exc), input_shape=shape)
    except Exception as exc:
        return LoadedImage(path=path, thumbnail=thumbnail, size=size, input_shape=shape,
                           error=f"could not prepare {path} for the network: {type(exc).__name__}: {exc}")
    return LoadedImage(path=path, thumbnail=thumbnail, x=x, size=size, input_shape=shape)


def _original_size(path: str, fallback: tuple[int, int]) -> tuple[int, int]:
    """The file's own (width, height) from its header (load_image may have shrunk the picture)."""
    try:
        with warnings.catch_warnings():     # a huge picture: we only read its header
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(path) as header:
                return header.size
    except Exception:  # already read once; any failure here only costs the size line
        return fallback


def as_display_image(x: np.ndarray) -> np.ndarray:
    """A network input as a picture: (H, W) grayscale or (H, W, 3) RGB, floats in [0, 1].

    (1, H, W) and (3, H, W) are images; flat (784,) is a 28 × 28 digit and
    (12288,) a 64 × 64 RGB photo (C, H, W order, like Flatten); any other
    flat vector is shown as one row.
    """
    x = np.asarray(x, dtype=np.float32)
    if x.ndim == 1:
        if x.size == 28 * 28:
            return x.reshape(28, 28)
        if x.size == 3 * 64 * 64:
            return x.reshape(3, 64, 64).transpose(1, 2, 0)
        return x[None, :]
    if x.ndim == 3 and x.shape[0] == 1:
        return x[0]
    if x.ndim == 3 and x.shape[0] == 3:
        return x.transpose(1, 2, 0)
    raise ValueError(f"cannot show an input of shape {x.shape} as an image")


class WeightsProbe:
    """Worker-side copy of the weights for predictions made while training.

    Called by the training session between two steps (so the copy is of
    one consistent moment); copies at most once per ``interval`` seconds.
    Returns None when it is not time yet (the view keeps its last copy).
    """

    key = "weights"

    def __init__(self, interval: float = 0.5, clock=time.perf_counter):
        self.interval = interval
        self.clock = clock
        self._last = -float("inf")

    def compute(self, model):
        now = self.clock()
        if now - self._last < self.interval:
            return None
        self._last = now
        return frozen_copy(model)
