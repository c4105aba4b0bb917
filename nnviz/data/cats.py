"""The deeplearning.ai 'cat vs non-cat' HDF5 files.

``train_catvnoncat.h5`` holds ``train_set_x`` (209, 64, 64, 3) uint8,
``train_set_y`` (209,) and ``list_classes`` [b'non-cat', b'cat'];
``test_catvnoncat.h5`` holds ``test_set_x`` (50, 64, 64, 3) and ``test_set_y``.
Images are stored height × width × channel; nnviz uses (C, H, W).
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np

from ..engine.safe_h5 import HDF5FileError, NotHDF5Error, read_hdf5
from .dataset import Dataset
from .errors import DatasetError
from .locate import find_in, missing_error, search_places
from .registry import DATASETS

TRAIN_FILE, TEST_FILE = DATASETS["cats"].files
HDF5_SIGNATURE = b"\x89HDF\r\n\x1a\n"


#: more images than this in one cats file is not the cats dataset (it has 209 + 50)
MAX_CATS_IMAGES = 100_000
CATS_PLANS = {"train": "nnviz.data.cats:plan_cats_train", "test": "nnviz.data.cats:plan_cats_test"}
META_PLAN = "nnviz.engine.safe_h5:plan_none"


def _cats_part_of(contents) -> str | None:
    return next((part for part in ("train", "test") if f"{part}_set_x" in contents.datasets), None)


def _plan_part(contents, part: str) -> list[str]:
    """The datasets of the cats ``part`` file to read; shapes and types are checked before reading."""
    path = contents.path
    x_key, y_key = f"{part}_set_x", f"{part}_set_y"
    missing = [k for k in (x_key, y_key) if k not in contents.datasets]
    if missing:
        keys = ", ".join(sorted(contents.datasets)) or "nothing"
        raise DatasetError(f"{path} has no {' or '.join(missing)}: it is not the cats {part} file "
                           f"{part}_catvnoncat.h5 (it holds: {keys[:200]})")
    (x_shape, x_dtype), (y_shape, y_dtype) = contents.datasets[x_key], contents.datasets[y_key]
    if len(x_shape) != 4 or tuple(x_shape[1:]) != (64, 64, 3) or np.dtype(x_dtype) != np.uint8:
        raise DatasetError(f"{path}: {x_key} should be uint8 images of shape (m, 64, 64, 3). "
                           f"Received: {np.dtype(x_dtype)} {tuple(x_shape)}")
    if x_shape[0] > MAX_CATS_IMAGES:
        raise DatasetError(f"{path}: {x_key} declares {x_shape[0]:,} images; the cats files hold a few hundred "
                           f"(at most {MAX_CATS_IMAGES:,} are read)")
    if math.prod(y_shape) != x_shape[0]:
        raise DatasetError(f"{path}: {x_key} holds {x_shape[0]} images but {y_key} holds {math.prod(y_shape)} "
                           "labels")
    if np.dtype(y_dtype).kind not in "iu":
        raise DatasetError(f"{path}: {y_key} should hold labels 0 (non-cat) and 1 (cat). "
                           f"Received: {np.dtype(y_dtype)} values")
    wanted = [x_key, y_key]
    classes = contents.datasets.get("list_classes")
    if classes is not None and math.prod(classes[0]) <= 16:
        wanted.append("list_classes")
    return wanted


def plan_cats_train(contents) -> list[str]:
    """``read_hdf5`` plan for train_catvnoncat.h5."""
    return _plan_part(contents, "train")


def plan_cats_test(contents) -> list[str]:
    """``read_hdf5`` plan for test_catvnoncat.h5."""
    return _plan_part(contents, "test")


def _read_contents(path: Path, plan: str, part: str | None):
    expected = f"the cats file {part}_catvnoncat.h5" if part else f"one of the cats files ({TRAIN_FILE}, {TEST_FILE})"
    try:
        return read_hdf5(path, plan)
    except NotHDF5Error as exc:
        raise DatasetError(f"{path} is not a readable HDF5 file ({exc.reason}); expected {expected}") from None
    except HDF5FileError as exc:
        text = str(exc)
        raise DatasetError(text if "cats" in text else f"{text}; expected {expected}") from None
    except OSError as exc:
        raise DatasetError(f"{path} cannot be read ({exc.strerror or exc}); expected {expected}") from None


def read_cats_file(path, part: str) -> tuple[np.ndarray, np.ndarray, list[str] | None]:
    """Read one cats file (through ``nnviz.engine.safe_h5``: sized first, crashes contained).

    Parameters
    ----------
    path : the .h5 file.
    part : "train" or "test": which ``{part}_set_x`` / ``{part}_set_y`` to read.

    Returns
    -------
    x : uint8 (m, 64, 64, 3), y : int64 (m,) of 0/1, class_names or None.
    """
    path = Path(path)
    contents = _read_contents(path, CATS_PLANS[part], part)
    x_key, y_key = f"{part}_set_x", f"{part}_set_y"
    x, y = contents.arrays[x_key], contents.arrays[y_key]
    classes = contents.arrays.get("list_classes")
    y = y.reshape(-1)
    if not np.isin(y, (0, 1)).all():
        raise DatasetError(f"{path}: {y_key} should hold labels 0 (non-cat) and 1 (cat). "
                           f"Received values {np.unique(y)[:10].tolist()}")
    names = None
    if classes is not None:
        names = [c.decode("utf-8", "replace") if isinstance(c, bytes) else str(c) for c in np.ravel(classes)]
    return x, y.astype(np.int64), names


def images_to_chw(x: np.ndarray) -> np.ndarray:
    """uint8 (m, H, W, C) → float32 (m, C, H, W) in [0, 1]."""
    return np.ascontiguousarray(x.transpose(0, 3, 1, 2), dtype=np.float32) / np.float32(255)


def load_cats_files(train_path, test_path) -> Dataset:
    """Read both cats files into a Dataset: X (m, 3, 64, 64) float32 in [0, 1], y (m,) int64."""
    x_train, y_train, names = read_cats_file(train_path, "train")
    x_test, y_test, _ = read_cats_file(test_path, "test")
    class_names = names if names is not None and len(names) == 2 else list(DATASETS["cats"].class_names)
    train_path, test_path = Path(train_path), Path(test_path)
    source = str(train_path.parent) if train_path.parent == test_path.parent else f"{train_path}, {test_path}"
    return Dataset(X_train=images_to_chw(x_train), y_train=y_train, X_test=images_to_chw(x_test), y_test=y_test,
                   class_names=class_names, input_shape=(3, 64, 64), name="cats", source=source)


def find_cats(data_dir=None) -> tuple[Path, Path]:
    """(train file, test file), each from the first place that has it; DatasetError if one is missing."""
    places = search_places(data_dir)
    found = {}
    for name in (TRAIN_FILE, TEST_FILE):
        for place in places:
            path = find_in(place, [name])
            if path is not None:
                found[name] = path
                break
        else:
            raise missing_error(f"The cats dataset needs {name}, which was not found.", places,
                                DATASETS["cats"].how_to_get)
    return found[TRAIN_FILE], found[TEST_FILE]


def load_cats(data_dir=None) -> Dataset:
    """The cats dataset from the data folders (see ``nnviz.data.locate``)."""
    return load_cats_files(*find_cats(data_dir))


def cats_part(path) -> str | None:
    """"train" or "test" if the HDF5 file holds that part of the cats data, else None (reads metadata only)."""
    return _cats_part_of(_read_contents(Path(path), META_PLAN, None))


def load_cats_from_file(path) -> Dataset:
    """The cats dataset from one of its two files; the other must sit beside it.

    Which part ``path`` is comes from its contents (``train_set_x`` or
    ``test_set_x``); its partner is the file whose name swaps "train" and
    "test", or the usual name.
    """
    path = Path(path)
    part = cats_part(path)
    if part is None:
        raise DatasetError(f"{path} is an HDF5 file without train_set_x or test_set_x: it is not one of "
                           f"the cats files ({TRAIN_FILE}, {TEST_FILE})")
    other_part = "test" if part == "train" else "train"
    candidates = [path.with_name(path.name.replace(part, other_part)),
                  path.with_name(f"{other_part}_catvnoncat.h5")]
    other = next((c for c in candidates if c != path and c.is_file()), None)
    if other is None:
        raise DatasetError(f"{path} is the cats {part} file, but its partner {other_part}_catvnoncat.h5 is "
                           f"not beside it in {path.parent}; put both files in the same folder")
    return load_cats_files(path, other) if part == "train" else load_cats_files(other, path)
