"""The app's view of :mod:`nnviz.data`: which datasets to offer, their titles, how to load them.

Generated datasets (moons, circles, xor, spiral) take sample count, noise,
test fraction and seed; file datasets (cats, MNIST) are read from the data
directory; a file opened with File → Open dataset file… that is none of
the registered datasets is ``"file"`` with the path in its options.
"""

from __future__ import annotations

from pathlib import Path

from nnviz.data import DATASETS, DatasetError, load_dataset, load_dataset_file

GENERATED_OPTIONS = ("n_samples", "noise", "test_fraction", "seed")


def available() -> list[str]:
    """Dataset names, in the registry's order (generated first, then files)."""
    names = list(DATASETS)
    return [n for n in names if DATASETS[n].generated] + [n for n in names if not DATASETS[n].generated]


def label(name: str) -> str:
    if name == "file":
        return "Opened file"
    info = DATASETS.get(name)
    return info.title if info is not None else name


def is_generated(name: str) -> bool:
    info = DATASETS.get(name)
    return info is not None and info.generated


def defaults(name: str) -> dict:
    """Default generator options of a generated dataset (empty for file datasets)."""
    info = DATASETS.get(name)
    return dict(info.defaults) if info is not None and info.generated else {}


def input_shape(name: str):
    info = DATASETS.get(name)
    return None if info is None else tuple(info.input_shape)


def load(name: str, options: dict | None = None, data_dir=None):
    """Load a dataset; raises DatasetError (file problems) or ValueError (bad options)."""
    options = dict(options or {})
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


__all__ = ["DatasetError", "available", "label", "is_generated", "defaults", "load", "load_file", "describe"]
