"""Classroom mode: a teacher's run file with some controls hidden and a note for the class.

A classroom file is a run file (:meth:`nnviz.lab.Lab.save_model` with ``kind="run"``) whose
``extra["classroom"]`` holds::

    {"version": 1, "note": "Change only the learning rate…", "hidden": ["layers", "tab:gradCheckView"],
     "data": {...} or null}

``hidden`` lists ids of :data:`CONTROLS` and ``"tab:<objectName>"`` for the view tabs of
:data:`TABS` (every tab but Training). ``data`` is present when the dataset cannot be made again
from the settings (a table, an image folder, cats, MNIST, any opened file): the arrays then travel
in the file, under ``arrays/classroom/data/``:

    X_train (m_train, *input_shape)   float32, or uint8 when every value is exactly k/255 (images)
    y_train (m_train,)                integers in [0, n_classes)
    X_test, y_test                    the same for the m_test test samples
    feature_mean, feature_std (n,)    float64, tables only (how raw rows were standardised)

and ``data`` says ``{"name", "class_names", "input_shape", "n_train", "n_test", "x_encoding",
"feature_names", "source"}``. On opening, that data becomes the lab's dataset under the dataset
kind :data:`~nnviz.lab.datasets.EMBEDDED` ("embedded"), which the lab never reloads from disk.

Everything read from a file is checked here (:func:`from_file`); anything wrong is one
:class:`ClassroomError` sentence naming the file and the part that is wrong. No Qt here.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

import numpy as np

from nnviz.data import Dataset

from . import datasets

FILE_VERSION = 1
#: the longest note a classroom file may hold (characters): three or four lines at the top of the window
MAX_NOTE = 600
#: limits for the embedded data's description
MAX_CLASSES, MAX_DIM, MAX_FEATURES = 1000, 4096, 1 << 22
MAX_NAME = 200
DATA_PREFIX = "classroom/data/"
#: datasets that carry their own points in the run file's settings (a helper's "painted" points)
SELF_CONTAINED = ("painted",)

#: control id → what the teacher ticks in the dialog
CONTROLS: dict[str, str] = {
    "preset": "Preset choice",
    "dataset": "Data (dataset and its options)",
    "layers": "Network (the layer builder)",
    "optimizer": "Optimizer",
    "learning_rate": "Learning rate",
    "epochs": "Epochs",
    "batch_size": "Batch size",
    "loss": "Loss",
    "init": "Initializer",
    "l2": "L2 λ",
    "seed": "Seed",
    "step": "Step button",
    "reset": "Reset button",
    "time_machine": "Time machine (the scrubber under the views)",
    "open_files": "Opening files (datasets, models, runs)",
    "export": "Exports (plots, animation, PyTorch, NumPy)",
    "settings_panel": "The whole settings column",
}
#: the view tabs that can be hidden (objectName → title); Training is always shown
TABS: dict[str, str] = {
    "predictionView": "Prediction",
    "comparisonView": "Compare runs",
    "featureMapView": "Feature maps",
    "gradCheckView": "Gradient check",
    "evaluationView": "Test results",
    "layerStatsView": "Layer statistics",
    "stepView": "Backprop step by step",
    "landscapeView": "Loss landscape",
    "networkView": "Network",
    "hiddenSpaceView": "Hidden space",
}
_TAB_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_]{0,63}")


class ClassroomError(ValueError):
    """A classroom file (or a classroom being saved) is not right; the message is one sentence."""


def tab_id(object_name: str) -> str:
    return f"tab:{object_name}"


def catalogue(tabs: dict[str, str] | None = None) -> dict[str, str]:
    """Every hideable id → its label: :data:`CONTROLS`, then ``tab:<name>`` for ``tabs`` (default :data:`TABS`)."""
    tabs = TABS if tabs is None else tabs
    return {**CONTROLS, **{tab_id(name): f"Tab: {title}" for name, title in tabs.items()}}


@dataclass
class Classroom:
    """What a teacher chose: a note (at most :data:`MAX_NOTE` characters) and the ids of hidden controls."""

    note: str = ""
    hidden: set[str] = field(default_factory=set)

    def __post_init__(self):
        self.note = str(self.note).strip()
        self.hidden = set(self.hidden)

    def check(self, source: str = "the classroom", tabs=None) -> "Classroom":
        """Self, if the note is short enough and every hidden id is known; ClassroomError otherwise."""
        if len(self.note) > MAX_NOTE:
            raise ClassroomError(f"{source}: the teacher's note holds {len(self.note):,} characters, more than "
                                 f"the {MAX_NOTE:,} a note at the top of the window may have.")
        known = catalogue(tabs if tabs is None else {name: name for name in tabs})
        for item in sorted(self.hidden):
            if item not in known:
                names = sorted(TABS if tabs is None else tabs)
                raise ClassroomError(f"{source}: the hidden control {str(item)[:60]!r} is not one nnviz knows "
                                     f"(expected some of {', '.join(list(CONTROLS)[:6])} … ({len(CONTROLS)} "
                                     f"controls), or tab:<view> for one of {len(names)} views, e.g. "
                                     f"tab:{names[0] if names else 'gradCheckView'}).")
        return self

    def hidden_tabs(self) -> list[str]:
        return sorted(item[4:] for item in self.hidden if item.startswith("tab:"))

    def describe(self) -> str:
        n = len(self.hidden)
        return f"{n} control{'s' * (n != 1)} hidden" + (", with a note" if self.note else "")


def needs_embedding(dataset_name: str) -> bool:
    """True for data the settings cannot make again (tables, folders, cats, MNIST, opened files)."""
    return not datasets.is_generated(dataset_name) and dataset_name not in SELF_CONTAINED


# ---------------------------------------------------------------------------------- writing
def to_file(room: Classroom, dataset, config_dict: dict) -> tuple[dict, dict, dict]:
    """(``extra["classroom"]``, arrays to add to the run file, the run settings to save) for ``room``.

    ``dataset`` is the lab's (a :class:`nnviz.data.Dataset`) and ``config_dict`` the settings being
    saved; when the data must travel in the file, the saved settings name the dataset "embedded".
    """
    room.check()
    meta = {"version": FILE_VERSION, "note": room.note, "hidden": sorted(room.hidden), "data": None}
    name = config_dict.get("dataset", "")
    if not needs_embedding(name):
        return meta, {}, config_dict
    if dataset is None:
        raise ClassroomError(f"The dataset {name} has not loaded: a classroom file needs its data; wait for it "
                             "(or pick another dataset) and save again.")
    encoding, arrays = "float32", {}
    for part in ("train", "test"):
        X = np.asarray(getattr(dataset, f"X_{part}"))
        arrays[f"{DATA_PREFIX}y_{part}"] = np.asarray(getattr(dataset, f"y_{part}"), dtype=np.int64)
        arrays[f"{DATA_PREFIX}X_{part}"] = X
    quantised = _as_bytes(arrays[f"{DATA_PREFIX}X_train"], arrays[f"{DATA_PREFIX}X_test"])
    if quantised is not None:
        encoding = "uint8/255"
        arrays[f"{DATA_PREFIX}X_train"], arrays[f"{DATA_PREFIX}X_test"] = quantised
    if getattr(dataset, "feature_mean", None) is not None:
        arrays[f"{DATA_PREFIX}feature_mean"] = np.asarray(dataset.feature_mean, dtype=np.float64)
        arrays[f"{DATA_PREFIX}feature_std"] = np.asarray(dataset.feature_std, dtype=np.float64)
    source = config_dict.get("dataset_options", {}).get("source", name) if name == datasets.EMBEDDED else name
    meta["data"] = {"name": str(dataset.name), "class_names": list(dataset.class_names),
                    "input_shape": list(dataset.input_shape), "n_train": int(len(dataset.y_train)),
                    "n_test": int(len(dataset.y_test)), "x_encoding": encoding,
                    "feature_names": list(dataset.feature_names) if dataset.feature_names else None,
                    "source": str(source)}
    config_dict = {**config_dict, "dataset": datasets.EMBEDDED,
                   "dataset_options": {"source": str(source)[:MAX_NAME], "name": str(dataset.name)[:MAX_NAME]}}
    return meta, arrays, config_dict


def _as_bytes(X_train: np.ndarray, X_test: np.ndarray):
    """(uint8, uint8) if both arrays are exactly k/255 in float32 (images read from 8-bit files), else None."""
    if X_train.dtype != np.float32 or X_test.dtype != np.float32:
        return None
    out = []
    for X in (X_train, X_test):
        if X.size and (np.nanmin(X) < 0 or np.nanmax(X) > 1):
            return None
        q = np.rint(X * 255).astype(np.uint8)
        if not np.array_equal(_decode(q), X):
            return None
        out.append(q)
    return tuple(out)


def _decode(q: np.ndarray) -> np.ndarray:
    return q.astype(np.float32) / np.float32(255)


# ---------------------------------------------------------------------------------- reading
def from_file(extra: dict, arrays: dict, source: str, tabs=None) -> tuple[Classroom | None, Dataset | None]:
    """The classroom a run file's ``extra``/``arrays`` hold (None for a plain run) and its embedded data
    (None when the settings make it). ``tabs``: the tab objectNames this window has (default :data:`TABS`).
    Raises ClassroomError with one sentence for anything malformed."""
    meta = extra.get("classroom") if isinstance(extra, dict) else None
    if meta is None:
        return None, None
    if not isinstance(meta, dict):
        raise ClassroomError(f"{source}: its classroom settings should be an object. Received: {_short(meta)}.")
    version = meta.get("version")
    if isinstance(version, bool) or not isinstance(version, int) or not 1 <= version <= FILE_VERSION:
        raise ClassroomError(f"{source}: classroom format version {_short(version)} is not one this nnviz reads "
                             f"(it reads version{'s 1 to' if FILE_VERSION > 1 else ''} {FILE_VERSION}); "
                             "upgrade nnviz.")
    note, hidden = meta.get("note", ""), meta.get("hidden", [])
    if not isinstance(note, str):
        raise ClassroomError(f"{source}: the teacher's note should be text. Received: {_short(note)}.")
    if not isinstance(hidden, list) or len(hidden) > 200 or not all(isinstance(h, str) for h in hidden):
        raise ClassroomError(f"{source}: the hidden controls should be a list of control names. "
                             f"Received: {_short(hidden)}.")
    bad_tab = next((h for h in hidden if h.startswith("tab:") and not _TAB_NAME.fullmatch(h[4:])), None)
    if bad_tab is not None:
        raise ClassroomError(f"{source}: the hidden tab {bad_tab[:60]!r} is not a tab name.")
    room = Classroom(note, set(hidden)).check(source, tabs)
    data = meta.get("data")
    return room, (None if data is None else _dataset(data, arrays, source))


def _dataset(data, arrays: dict, source: str) -> Dataset:
    """The embedded dataset, every shape, type and label checked against its description."""
    def fail(what: str, expected: str, received) -> ClassroomError:
        return ClassroomError(f"{source}: the classroom data's {what} should be {expected}. "
                              f"Received: {_short(received)}.")

    if not isinstance(data, dict):
        raise fail("description", "an object", data)
    shape = data.get("input_shape")
    if not (isinstance(shape, list) and 1 <= len(shape) <= 3
            and all(isinstance(d, int) and not isinstance(d, bool) and 1 <= d <= MAX_DIM for d in shape)
            and math.prod(shape) <= MAX_FEATURES):
        raise fail("input shape", f"1 to 3 whole numbers from 1 to {MAX_DIM:,} "
                   f"(at most {MAX_FEATURES:,} values a sample)", shape)
    names = data.get("class_names")
    if not (isinstance(names, list) and 1 <= len(names) <= MAX_CLASSES
            and all(isinstance(n, str) and len(n) <= MAX_NAME for n in names)):
        raise fail("class names", f"a list of 1 to {MAX_CLASSES:,} short texts", names)
    counts = {}
    for key in ("n_train", "n_test"):
        n = data.get(key)
        if isinstance(n, bool) or not isinstance(n, int) or n < 1:
            raise fail(key, "a whole number of at least 1", n)
        counts[key] = n
    encoding = data.get("x_encoding")
    if encoding not in ("float32", "uint8/255"):
        raise fail("x_encoding", "'float32' or 'uint8/255'", encoding)
    features = data.get("feature_names")
    if features is not None and not (isinstance(features, list) and all(isinstance(f, str) and len(f) <= MAX_NAME
                                                                        for f in features)):
        raise fail("feature names", "a list of short texts or null", features)
    label = data.get("name", "classroom data")
    label = label[:MAX_NAME] if isinstance(label, str) else "classroom data"
    parts = {}
    for part, n in (("train", counts["n_train"]), ("test", counts["n_test"])):
        X, y = arrays.get(f"{DATA_PREFIX}X_{part}"), arrays.get(f"{DATA_PREFIX}y_{part}")
        want = (n, *shape)
        if not isinstance(X, np.ndarray) or X.shape != want:
            raise ClassroomError(f"{source}: the classroom data's X_{part} should have shape {want}. "
                                 f"Received: {'none' if X is None else getattr(X, 'shape', type(X).__name__)}.")
        if encoding == "uint8/255":
            if X.dtype != np.uint8:
                raise fail(f"X_{part}", "8-bit numbers (uint8)", str(X.dtype))
            X = _decode(X)
        else:
            if X.dtype.kind != "f":
                raise fail(f"X_{part}", "floating-point numbers", str(X.dtype))
            X = X.astype(np.float32, copy=False)
            if not np.isfinite(X).all():
                raise ClassroomError(f"{source}: the classroom data's X_{part} holds NaN or infinite values; "
                                     "expected finite numbers.")
        if not isinstance(y, np.ndarray) or y.shape != (n,):
            raise ClassroomError(f"{source}: the classroom data's y_{part} should have shape ({n},). "
                                 f"Received: {'none' if y is None else getattr(y, 'shape', type(y).__name__)}.")
        if y.dtype.kind not in "iu":
            raise fail(f"y_{part}", "whole numbers (class labels)", str(y.dtype))
        if n and (int(y.min()) < 0 or int(y.max()) >= len(names)):
            bad = int(y.min()) if int(y.min()) < 0 else int(y.max())
            raise ClassroomError(f"{source}: the classroom data's y_{part} holds the label {bad}, expected labels "
                                 f"from 0 to {len(names) - 1} ({len(names)} classes).")
        parts[part] = (X, y.astype(np.int64))
    mean = std = None
    if f"{DATA_PREFIX}feature_mean" in arrays or f"{DATA_PREFIX}feature_std" in arrays:
        mean, std = arrays.get(f"{DATA_PREFIX}feature_mean"), arrays.get(f"{DATA_PREFIX}feature_std")
        n_features = shape[0]
        for what, value in (("feature_mean", mean), ("feature_std", std)):
            if len(shape) != 1 or not isinstance(value, np.ndarray) or value.shape != (n_features,) \
                    or value.dtype.kind != "f" or not np.isfinite(value).all():
                raise fail(what, f"{n_features} finite numbers beside a table's features", getattr(value, "shape",
                                                                                                    value))
        mean, std = mean.astype(np.float64), std.astype(np.float64)
    return Dataset(X_train=parts["train"][0], y_train=parts["train"][1], X_test=parts["test"][0],
                   y_test=parts["test"][1], class_names=names, input_shape=tuple(shape), name=label,
                   source=f"{source} (classroom file)",
                   feature_names=list(features) if features is not None and len(features) == shape[0] else None,
                   feature_mean=mean, feature_std=std)


def _short(value, limit: int = 60) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[:limit] + "…"


__all__ = ["Classroom", "ClassroomError", "CONTROLS", "TABS", "MAX_NOTE", "catalogue", "tab_id", "to_file",
           "from_file", "needs_embedding"]
