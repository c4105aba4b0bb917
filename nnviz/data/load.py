"""``load_dataset``, ``load_dataset_file`` and the availability listing behind ``nnviz data list``."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from .cats import HDF5_SIGNATURE, find_cats, load_cats, load_cats_from_file
from .dataset import Dataset
from .errors import DatasetError
from .generated import generate
from .image_folder import read_image_folder
from .mnist import find_mnist, load_mnist, load_mnist_from_file
from .mnist_files import GZIP_SIGNATURE, IMAGES_MAGIC, LABELS_MAGIC
from .registry import DATASETS, dataset_info
from .table import looks_like_table, read_table

DATASET_SUFFIXES = (".h5", ".hdf5", ".mat", ".npz", ".gz", "-ubyte", ".csv", ".tsv")


def _looks_like_path(name) -> bool:
    if isinstance(name, os.PathLike):
        return True
    text = str(name)
    return (os.sep in text or "/" in text or text.lower().endswith(DATASET_SUFFIXES)
            or Path(text).is_file())


def load_dataset(name, *, data_dir=None, n_samples=None, noise=None, test_fraction=None, seed=None,
                 split_seed=42, classes=None) -> Dataset:
    """Load or generate a dataset.

    Parameters
    ----------
    name : a name from ``DATASETS`` ("moons", "circles", "xor", "spiral",
        "cats", "mnist", "mnist-10k"), or the path of a dataset file
        (see ``load_dataset_file``).
    data_dir : a folder to look in first (the CLI's ``--data-dir``); then
        ``$NNVIZ_DATA_DIR``, ``./data`` and the user data folder.
    n_samples, noise, test_fraction, seed : generated datasets only; None
        means the registry's default (moons: 1000, 0.2, 0.1, 100).
    classes : the class count of blobs and spiral (2 to 8); None: the default.
    split_seed : seed of the train/test split of generated data (42, as the
        moons seed used).

    Returns
    -------
    Dataset: X float32, (m, 2) points or (m, C, H, W) images in [0, 1]; y int64 (m,).

    Raises
    ------
    ValueError for an unknown name or a bad option; DatasetError for a
    missing or broken file (the message says where nnviz looked).
    """
    options = {"n_samples": n_samples, "noise": noise, "test_fraction": test_fraction, "seed": seed}
    if classes is not None and not (isinstance(name, str) and name in DATASETS and DATASETS[name].generated):
        raise ValueError(f"the option classes only applies to generated datasets, not to {name}")
    if not (isinstance(name, str) and name in DATASETS) and _looks_like_path(name):
        given = [k for k, v in options.items() if v is not None]
        if given:
            raise ValueError(f"the options {', '.join(given)} only apply to generated datasets, "
                             f"not to the file {name}")
        return load_dataset_file(name)
    info = dataset_info(name)
    if info.generated:
        merged = {k: (info.defaults[k] if v is None else v) for k, v in options.items()}
        classes = info.defaults.get("classes") if classes is None else classes
        return generate(name, split_seed=split_seed, classes=classes, **merged)
    given = [k for k, v in options.items() if v is not None]
    if given:
        raise ValueError(f"dataset {name!r} is read from files; the options {', '.join(given)} only apply to "
                         f"generated datasets ({', '.join(k for k, i in DATASETS.items() if i.generated)})")
    if name == "cats":
        return load_cats(data_dir)
    return load_mnist(name, data_dir)


def sniff_format(path: Path) -> str:
    """The format of a dataset file from its first bytes: "cats", "npz", "mat" or "idx"."""
    with open(path, "rb") as f:
        head = f.read(8)
    if head == HDF5_SIGNATURE:
        return "cats"
    if head.startswith(b"PK\x03\x04") or head.startswith(b"PK\x05\x06"):
        return "npz"
    if head.startswith(b"MATLAB"):
        return "mat"
    if head.startswith(GZIP_SIGNATURE) or int.from_bytes(head[:4], "big") in (IMAGES_MAGIC, LABELS_MAGIC):
        return "idx"
    raise DatasetError(f"{path} is not a dataset file nnviz can read: expected one of the cats .h5 files, "
                       f"an MNIST IDX file (.gz or raw), mnist_all.mat or Keras's mnist.npz")


def load_dataset_file(path) -> Dataset:
    """Load the dataset a chosen file belongs to (File → Open dataset…).

    * a cats .h5 file (train or test): its partner must sit beside it;
    * an MNIST IDX file: its partners beside it give "mnist" (all four) or
      "mnist-10k" (the two t10k files);
    * ``mnist_all.mat`` or Keras's ``mnist.npz``: "mnist";
    * a table (.csv, .tsv, .tab, .txt): :func:`~nnviz.data.table.read_table` with its defaults
      (last column the label, 20 % test, seed 0);
    * a folder with one sub-folder of images per class: :func:`~nnviz.data.image_folder.read_image_folder`
      (32 × 32 RGB, 20 % test, seed 0).

    The format is recognized from the file's first bytes, not its name.
    """
    path = Path(path).expanduser()
    if path.is_dir():
        if any(p.is_dir() for p in path.iterdir()):
            return read_image_folder(path)
        raise DatasetError(f"{path} is a folder; choose a dataset file in it, or pass it as data_dir / --data-dir")
    if not path.is_file():
        raise DatasetError(f"{path}: no such file")
    if looks_like_table(path):
        return read_table(path)
    kind = sniff_format(path)
    if kind == "cats":
        return load_cats_from_file(path)
    return load_mnist_from_file(path, kind)


@dataclass(frozen=True)
class DatasetStatus:
    """One line of ``nnviz data list``.

    ``location`` is "generated", the folder or file the data would be read
    from, or "" when missing; ``detail`` says what is missing and how to get it.
    """

    name: str
    title: str
    kind: str
    available: bool
    location: str
    detail: str = ""


def dataset_status(name: str, data_dir=None) -> DatasetStatus:
    """Whether ``name`` can be loaded now, and from where (reads no data, only looks for files)."""
    info = dataset_info(name)
    if info.generated:
        return DatasetStatus(name, info.title, info.kind, True, "generated")
    try:
        location = str(find_cats(data_dir)[0].parent) if name == "cats" else find_mnist(name, data_dir).describe()
    except DatasetError as exc:
        text = str(exc)
        if name == "mnist" and text.startswith("Only MNIST's 10,000 test images"):
            detail = "only the t10k files were found: use mnist-10k, or run `nnviz data fetch mnist`"
        elif info.fetchable:
            detail = f"missing: run `nnviz data fetch {name}`"
        else:
            detail = f"missing: put {' and '.join(info.files)} in a data folder"
        return DatasetStatus(name, info.title, info.kind, False, "", detail)
    return DatasetStatus(name, info.title, info.kind, True, location)


def list_datasets(data_dir=None) -> list[DatasetStatus]:
    """Every registered dataset with whether it is available and where (for ``nnviz data list``)."""
    return [dataset_status(name, data_dir) for name in DATASETS]


def find_data_dir(name: str, data_dir=None) -> Path | None:
    """The folder the file dataset ``name`` would be read from; None if generated or missing."""
    info = dataset_info(name)
    if info.generated:
        return None
    try:
        if name == "cats":
            return find_cats(data_dir)[0].parent
        return find_mnist(name, data_dir).place.path
    except DatasetError:
        return None


def format_dataset_table(statuses: list[DatasetStatus]) -> str:
    """A plain-text table of ``list_datasets()`` for the terminal."""
    width = max(len(s.name) for s in statuses)
    lines = []
    for s in statuses:
        state = "yes" if s.available else "no "
        where = s.location if s.available else s.detail
        lines.append(f"{s.name:<{width}}  {state}  {where}")
    return "\n".join([f"{'dataset':<{width}}  ok?  where", *lines])
