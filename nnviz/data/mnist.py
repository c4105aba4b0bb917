"""Find MNIST in the data folders and turn it into a Dataset.

``mnist``: the official 60,000 training and 10,000 test images, from the
four IDX files, ``mnist.npz`` or ``mnist_all.mat``.
``mnist-10k``: only the official 10,000 test images (``t10k-*``): the first
8,000 for training and the last 2,000 for testing.

``mnist_all.mat`` stores the images grouped by digit, not in the official
order; nnviz shuffles each part with a fixed seed (``MAT_SHUFFLE_SEED``) so
that batches and previews mix the digits. Its mnist-10k split therefore
differs from the IDX files' one.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .dataset import Dataset
from .errors import DatasetError
from .locate import Place, describe_places, find_in, missing_error, search_places
from .mnist_files import read_idx_pair, read_mat, read_npz
from .registry import DATASETS

IDX_NAMES = {
    key: (f"{key}-idx{n}-ubyte.gz", f"{key}-idx{n}-ubyte", f"{key}.idx{n}-ubyte")
    for key, n in (("train-images", 3), ("train-labels", 1), ("t10k-images", 3), ("t10k-labels", 1))
}
NPZ_NAME = "mnist.npz"
MAT_NAME = "mnist_all.mat"
MAT_SHUFFLE_SEED = 0
N_TRAIN_10K = 8000


@dataclass(frozen=True)
class MnistSource:
    """Where MNIST was found: ``kind`` "idx", "npz" or "mat"; ``paths`` the files to read."""

    kind: str
    paths: tuple[Path, ...]
    place: Place

    def describe(self) -> str:
        if self.kind == "idx":
            return f"IDX files in {self.place.path}"
        return str(self.paths[0])


def _idx_in(place: Place, keys) -> tuple[Path, ...] | None:
    found = tuple(find_in(place, IDX_NAMES[k]) for k in keys)
    return None if None in found else found


def _source_in(place: Place, full: bool) -> MnistSource | None:
    keys = ("train-images", "train-labels", "t10k-images", "t10k-labels") if full else ("t10k-images", "t10k-labels")
    idx = _idx_in(place, keys)
    if idx is not None:
        return MnistSource("idx", idx, place)
    for kind, name in (("npz", NPZ_NAME), ("mat", MAT_NAME)):
        path = find_in(place, [name])
        if path is not None:
            return MnistSource(kind, (path,), place)
    return None


def find_mnist(name: str = "mnist", data_dir=None) -> MnistSource:
    """The first place holding the files ``name`` ("mnist" or "mnist-10k") needs.

    Raises DatasetError saying where it looked; for "mnist" when only the
    t10k files exist, the message says so and suggests mnist-10k.
    """
    full = name == "mnist"
    places = search_places(data_dir)
    for place in places:
        source = _source_in(place, full)
        if source is not None:
            return source
    info = DATASETS[name]
    if full:
        for place in places:
            if _idx_in(place, ("t10k-images", "t10k-labels")) is not None:
                raise DatasetError(
                    f"Only MNIST's 10,000 test images (t10k-images-idx3-ubyte.gz, t10k-labels-idx1-ubyte.gz) "
                    f"were found, in {place.path}; the full MNIST also needs train-images-idx3-ubyte.gz and "
                    f"train-labels-idx1-ubyte.gz (or mnist_all.mat, or mnist.npz). Use the dataset 'mnist-10k' "
                    f"(8,000 training and 2,000 test images from the t10k files) or run `nnviz data fetch mnist`. "
                    f"Looked in: {describe_places(places)}.")
    needed = " and ".join(IDX_NAMES[k][0] for k in (("train-images", "train-labels", "t10k-images", "t10k-labels")
                                                   if full else ("t10k-images", "t10k-labels")))
    first = f"The {name} dataset needs {needed} (or {NPZ_NAME}, or {MAT_NAME}), which were not found."
    partial = _partial_pairs(places)
    if partial:
        first += f" Incomplete: {partial}."
    raise missing_error(first, places, info.how_to_get)


def _partial_pairs(places) -> str:
    """'found X in /d but not its partner Y; ...' for image/label files found without their partner."""
    notes = []
    for place in places:
        for part in ("train", "t10k"):
            images, labels = find_in(place, IDX_NAMES[f"{part}-images"]), find_in(place, IDX_NAMES[f"{part}-labels"])
            if (images is None) != (labels is None):
                have, lack = (images, f"{part}-labels") if labels is None else (labels, f"{part}-images")
                notes.append(f"found {have.name} in {place.path} but not its partner {IDX_NAMES[lack][0]}")
    return "; ".join(notes)


def to_chw(x: np.ndarray) -> np.ndarray:
    """uint8 (n, 28, 28) → float32 (n, 1, 28, 28) in [0, 1]."""
    return (x.astype(np.float32) / np.float32(255))[:, None, :, :]


def _shuffle(x, y, seed=MAT_SHUFFLE_SEED):
    order = np.random.RandomState(seed).permutation(len(y))
    return x[order], y[order]


def read_source(source: MnistSource, full: bool):
    """uint8 (x_train, y_train, x_test, y_test) for mnist (full) or only (x_test, y_test) of t10k."""
    if source.kind == "idx":
        if full:
            return (*read_idx_pair(*source.paths[:2]), *read_idx_pair(*source.paths[2:]))
        return read_idx_pair(*source.paths[-2:])
    if source.kind == "npz":
        x_train, y_train, x_test, y_test = read_npz(source.paths[0])
    else:
        x_train, y_train, x_test, y_test = read_mat(source.paths[0])
        x_train, y_train = _shuffle(x_train, y_train)
        x_test, y_test = _shuffle(x_test, y_test)
    return (x_train, y_train, x_test, y_test) if full else (x_test, y_test)


def mnist_dataset(source: MnistSource, name: str) -> Dataset:
    """Read ``source`` into the ``name`` ("mnist" or "mnist-10k") Dataset."""
    full = name == "mnist"
    if full:
        x_train, y_train, x_test, y_test = read_source(source, True)
    else:
        x, y = read_source(source, False)
        if len(x) <= N_TRAIN_10K:
            raise DatasetError(f"{source.describe()}: mnist-10k needs more than {N_TRAIN_10K:,} test images "
                               f"(the official t10k set has 10,000). Received: {len(x):,}")
        x_train, y_train, x_test, y_test = x[:N_TRAIN_10K], y[:N_TRAIN_10K], x[N_TRAIN_10K:], y[N_TRAIN_10K:]
    return Dataset(X_train=to_chw(x_train), y_train=y_train.astype(np.int64), X_test=to_chw(x_test),
                   y_test=y_test.astype(np.int64), class_names=list(DATASETS[name].class_names),
                   input_shape=(1, 28, 28), name=name, source=source.describe())


def load_mnist(name: str = "mnist", data_dir=None) -> Dataset:
    """``load_dataset("mnist")`` / ``load_dataset("mnist-10k")``."""
    return mnist_dataset(find_mnist(name, data_dir), name)


def idx_partners(path: Path) -> dict[str, Path]:
    """The IDX files that sit beside ``path`` (keys "train-images", ..., "t10k-labels")."""
    place = Place(path.parent, "chosen file")
    found = {k: find_in(place, names) for k, names in IDX_NAMES.items()}
    return {k: v for k, v in found.items() if v is not None}


def load_mnist_from_file(path, kind: str) -> Dataset:
    """MNIST from one chosen file of format ``kind``: "npz", "mat" or "idx".

    An IDX file needs its partners beside it (usual names): all four give
    "mnist", the two t10k files alone give "mnist-10k".
    """
    path = Path(path)
    place = Place(path.parent, "chosen file")
    if kind in ("npz", "mat"):
        return mnist_dataset(MnistSource(kind, (path,), place), "mnist")
    partners = idx_partners(path)
    keys = ("train-images", "train-labels", "t10k-images", "t10k-labels")
    if all(k in partners for k in keys):
        return mnist_dataset(MnistSource("idx", tuple(partners[k] for k in keys), place), "mnist")
    if "t10k-images" in partners and "t10k-labels" in partners:
        return mnist_dataset(MnistSource("idx", (partners["t10k-images"], partners["t10k-labels"]), place),
                             "mnist-10k")
    missing = [IDX_NAMES[k][0] for k in keys if k not in partners]
    raise DatasetError(f"{path}: an MNIST IDX file needs its partners beside it in {path.parent}; "
                       f"missing: {', '.join(missing)} (the two t10k files alone give mnist-10k)")
