"""The app's view of :mod:`nnviz.data`: which datasets to offer, their titles, how to load them.

Generated datasets (moons, circles, xor, spiral) take sample count, noise,
test fraction and seed (blobs and spiral a class count too); ``"painted"`` is
the points painted on the boundary plot (:mod:`nnviz.lab.painted`, owned
by the lab), with a test fraction and a split seed; file datasets (cats, MNIST) are read from the data
directory; a file opened with File → Open dataset file… that is none of
the registered datasets is ``"file"`` with the path in its options.
"""

from __future__ import annotations

from pathlib import Path

from nnviz.data import DATASETS, DatasetError, load_dataset, load_dataset_file

from .painted import PAINTED

GENERATED_OPTIONS = ("n_samples", "noise", "test_fraction", "seed", "classes")
PAINTED_DEFAULTS = {"test_fraction": 0.2, "seed": 0}


def available() -> list[str]:
    """Dataset names, in the registry's order (generated first, then files)."""
    names = list(DATASETS)
    return [n for n in names if DATASETS[n].generated] + [PAINTED] + [n for n in names if not DATASETS[n].generated]


def label(name: str) -> str:
    if name == "file":
        return "Opened file"
    if name == PAINTED:
        return "Painted points (draw them on the plot)"
    info = DATASETS.get(name)
    return info.title if info is not None else name


def is_generated(name: str) -> bool:
    info = DATASETS.get(name)
    return info is not None and info.generated


def loads_at_once(name: str) -> bool:
    """True for data made in memory (generated or painted): no background load needed."""
    return is_generated(name) or name == PAINTED


def defaults(name: str) -> dict:
    """Default generator options of a generated dataset (empty for file datasets)."""
    if name == PAINTED:
        return dict(PAINTED_DEFAULTS)
    info = DATASETS.get(name)
    return dict(info.defaults) if info is not None and info.generated else {}


def input_shape(name: str):
    if name == PAINTED:
        return (2,)
    info = DATASETS.get(name)
    return None if info is None else tuple(info.input_shape)


def load(name: str, options: dict | None = None, data_dir=None, painted=None):
    """Load a dataset; raises DatasetError (file problems) or ValueError (bad options).

    ``painted`` is the lab's :class:`~nnviz.lab.painted.PaintedPoints` (for ``"painted"``)."""
    options = dict(options or {})
    if name == PAINTED:
        if painted is None:
            raise DatasetError("no painted points: draw them on the decision-boundary plot.")
        return painted.to_dataset(**{k: options[k] for k in PAINTED_DEFAULTS if k in options})
    if name == "file":
        path = options.get("path")
        if not path:
            raise DatasetError("no dataset file was chosen.")
        return load_dataset_file(Path(path))
    if is_generated(name):
        return load_dataset(name, **{k: options[k] for k in GENERATED_OPTIONS if k in options})
    return load_dataset(name, data_dir=None if data_dir is None else str(data_dir))


def load_file(path):
    """The dataset a chosen file belongs to (cats .h5, MNIST IDX/.mat/.npz)."""
    return load_dataset_file(Path(path))


def describe(ds) -> str:
    """One line about a loaded dataset, e.g. "900 training and 100 test samples; classes: upper moon, lower moon"."""
    names = list(getattr(ds, "class_names", []) or [])
    text = f"{len(ds.y_train):,} training and {len(ds.y_test):,} test samples"
    if names and len(names) <= 4:
        text += "; classes: " + ", ".join(names)
    elif names:
        text += f"; {len(names)} classes"
    return text


__all__ = ["DatasetError", "PAINTED", "loads_at_once", "available", "label", "is_generated", "defaults", "load", "load_file", "describe"]
