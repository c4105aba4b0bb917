"""The app's view of :mod:`nnviz.data`: which datasets to offer, their labels, how to load them.

Generated datasets (moons, circles, xor, spiral) take sample count, noise,
test fraction and seed; file datasets (cats, MNIST) are read from the data
directory; a dataset opened with File → Open dataset file… is ``"file"``
with the path in its options.
"""

from __future__ import annotations

from pathlib import Path

from nnviz.data import DatasetError, load_dataset

GENERATED = ("moons", "circles", "xor", "spiral")
PREFERRED = GENERATED + ("cats", "mnist-10k", "mnist")
LABELS = {"moons": "Moons", "circles": "Circles", "xor": "XOR", "spiral": "Spiral",
          "cats": "Cats vs non-cats (64×64 photos)", "mnist": "MNIST digits (60k/10k)",
          "mnist-10k": "MNIST digits (10k test set split)", "file": "Opened file"}
GENERATED_OPTIONS = ("n_samples", "noise", "test_fraction", "seed")


def available() -> list[str]:
    """Dataset names nnviz.data provides, in the order the app lists them."""
    names: list[str] = []
    try:
        from nnviz.data import list_datasets
        for item in list_datasets():
            names.append(item if isinstance(item, str) else getattr(item, "name", str(item)))
    except ImportError:  # an older nnviz.data without list_datasets
        names = list(PREFERRED)
    ordered = [n for n in PREFERRED if n in names]
    return ordered + [n for n in names if n not in ordered]


def label(name: str) -> str:
    return LABELS.get(name, name)


def is_generated(name: str) -> bool:
    return name in GENERATED


def load(name: str, options: dict | None = None, data_dir=None):
    """Load a dataset; raises DatasetError (file problems) or ValueError (bad options)."""
    options = dict(options or {})
    if name == "file":
        from nnviz.data import load_dataset_file
        path = options.pop("path", None)
        if not path:
            raise DatasetError("no dataset file was chosen.")
        return load_dataset_file(Path(path))
    if is_generated(name):
        kwargs = {k: options[k] for k in GENERATED_OPTIONS if k in options}
        return load_dataset(name, **kwargs)
    kwargs = {k: v for k, v in options.items() if k not in GENERATED_OPTIONS}
    if data_dir is not None and "data_dir" not in kwargs:
        kwargs["data_dir"] = str(data_dir)
    return load_dataset(name, **kwargs)


def describe(ds) -> str:
    """One line about a loaded dataset, e.g. "900 training and 100 test samples, 2 classes (0, 1)"."""
    names = list(getattr(ds, "class_names", []) or [])
    classes = f"{len(names)} classes" if names else ""
    if names and len(names) <= 4:
        classes += " (" + ", ".join(str(n) for n in names) + ")"
    text = f"{len(ds.y_train):,} training and {len(ds.y_test):,} test samples"
    return f"{text}, {classes}" if classes else text


__all__ = ["DatasetError", "available", "label", "is_generated", "load", "describe", "GENERATED"]
