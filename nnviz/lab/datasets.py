"""The app's view of :mod:`nnviz.data`: which datasets to offer, their titles, how to load them.

Generated datasets (moons, circles, xor, spiral) take sample count, noise,
test fraction and seed (blobs and spiral a class count too); ``"painted"`` is
the points painted on the boundary plot (:mod:`nnviz.lab.painted`, owned
by the lab), with a test fraction and a split seed; file datasets (cats, MNIST) are read from the data
directory; a file opened with File → Open dataset file… that is none of
the registered datasets is ``"file"`` with the path in its options. A
CSV/TSV table is ``"table"`` (options: path, label_column, header,
test_fraction, seed) and a folder of images with one sub-folder per class is
``"folder"`` (options: path, size, color, test_fraction, seed).
"""

from __future__ import annotations

from pathlib import Path

from nnviz.data import DATASETS, DatasetError, load_dataset, load_dataset_file
from nnviz.data.image_folder import SIZES, read_image_folder
from nnviz.data.table import looks_like_table, read_table

from .painted import PAINTED

GENERATED_OPTIONS = ("n_samples", "noise", "test_fraction", "seed", "classes")
PAINTED_DEFAULTS = {"test_fraction": 0.2, "seed": 0}
#: datasets read from a file or folder the user chose, with the options the dataset panel shows
CHOSEN = {"table": "Opened table", "folder": "Image folder"}
TABLE_DEFAULTS = {"label_column": "", "header": "auto", "test_fraction": 0.2, "seed": 0}
FOLDER_DEFAULTS = {"size": 32, "color": "rgb", "test_fraction": 0.2, "seed": 0}
HEADER_CHOICES = {"auto": None, "yes": True, "no": False}
#: data saved inside a classroom file (see :mod:`nnviz.lab.classroom`): the lab holds it, nothing reloads it
EMBEDDED = "embedded"


def available() -> list[str]:
    """Dataset names, in the registry's order (generated first, then files)."""
    names = list(DATASETS)
    return [n for n in names if DATASETS[n].generated] + [PAINTED] + [n for n in names if not DATASETS[n].generated]


def label(name: str) -> str:
    if name == "file":
        return "Opened file"
    if name in CHOSEN:
        return CHOSEN[name]
    if name == PAINTED:
        return "Painted points (draw them on the plot)"
    if name == EMBEDDED:
        return "Data saved in the classroom file"
    info = DATASETS.get(name)
    return info.title if info is not None else name


def is_generated(name: str) -> bool:
    info = DATASETS.get(name)
    return info is not None and info.generated


def loads_at_once(name: str) -> bool:
    """True for data made or kept in memory (generated, painted, a classroom file's): no background load."""
    return is_generated(name) or name in (PAINTED, EMBEDDED)


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


def chosen_kind(path) -> str | None:
    """"folder" for a folder, "table" for a .csv/.tsv/.tab/.txt file, None for other files."""
    path = Path(path)
    if path.is_dir():
        return "folder"
    return "table" if looks_like_table(path) else None


def options_for(path, kind: str, previous: dict | None = None, input_shape=None) -> dict:
    """The options of a newly chosen table or folder: the defaults, with the previous dataset's
    split (and, for folders, its size and colour) kept when it was of the same kind. A folder's
    pictures take the size and colour of ``input_shape`` (the current network's) when it is an
    image shape nnviz can make, e.g. (1, 28, 28) → 28 × 28 grey."""
    defaults = dict(TABLE_DEFAULTS if kind == "table" else FOLDER_DEFAULTS)
    shape = tuple(input_shape or ())
    if kind == "folder" and len(shape) == 3 and shape[0] in (1, 3) and shape[1] == shape[2] in SIZES:
        defaults.update(size=int(shape[1]), color="grey" if shape[0] == 1 else "rgb")
    keep = {k: v for k, v in (previous or {}).items() if k in defaults and k != "label_column"}
    return {"path": str(path), **defaults, **keep}


def load(name: str, options: dict | None = None, data_dir=None, report=None, should_stop=None, painted=None):
    """Load a dataset; raises DatasetError (file problems) or ValueError (bad options).

    ``report(text)`` and ``should_stop()`` (optional) are passed to readers that take long
    (image folders); ``painted`` is the lab's :class:`~nnviz.lab.painted.PaintedPoints` (for ``"painted"``)."""
    options = dict(options or {})
    if name == PAINTED:
        if painted is None:
            raise DatasetError("no painted points: draw them on the decision-boundary plot.")
        return painted.to_dataset(**{k: options[k] for k in PAINTED_DEFAULTS if k in options})
    if name == EMBEDDED:
        raise DatasetError("the data of a classroom file is kept in that file only: open the file again "
                           "(File → Open run…).")
    if name in CHOSEN:
        path = options.get("path")
        if not path:
            raise DatasetError(f"no {'table' if name == 'table' else 'image folder'} was chosen.")
        split = {"test_fraction": float(options.get("test_fraction", 0.2)), "seed": int(options.get("seed", 0))}
        if name == "table":
            header = HEADER_CHOICES.get(str(options.get("header", "auto")), None)
            return read_table(path, label_column=options.get("label_column") or None, header=header, **split)
        return read_image_folder(path, size=int(options.get("size", 32)), color=str(options.get("color", "rgb")),
                                 report=report, should_stop=should_stop, **split)
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


def output_for_classes(config, n_classes: int):
    """``config`` with its output layer widened to ``n_classes`` (softmax, categorical cross-entropy) when
    its last layer is a Dense layer with too few units for that many classes; None when it fits already
    (or is not a Dense layer: the stack check then says what is wrong)."""
    layers = list(config.layers or [])
    if not layers or layers[-1].get("type") != "Dense":
        return None
    units = int(layers[-1].get("units", 1) or 1)
    if units >= n_classes or (units == 1 and n_classes == 2):
        return None
    out = config.copy()
    out.layers[-1] = {**layers[-1], "units": int(n_classes), "activation": "softmax"}
    out.loss = "categorical_crossentropy"
    return out


def describe(ds) -> str:
    """One line about a loaded dataset, e.g. "900 training and 100 test samples; classes: upper moon, lower moon"."""
    names = list(getattr(ds, "class_names", []) or [])
    text = f"{len(ds.y_train):,} training and {len(ds.y_test):,} test samples"
    if names and len(names) <= 4:
        text += "; classes: " + ", ".join(names)
    elif names:
        text += f"; {len(names)} classes"
    for note in getattr(ds, "notes", None) or []:
        text += f". {note}"
    return text


__all__ = ["DatasetError", "PAINTED", "EMBEDDED", "loads_at_once", "CHOSEN", "chosen_kind", "options_for", "output_for_classes", "available", "label", "is_generated", "defaults", "load", "load_file", "describe"]
