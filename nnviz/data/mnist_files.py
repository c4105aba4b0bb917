"""Readers for the three MNIST file formats people have.

* IDX (the official files, gzip-compressed or not): a big-endian header
  (magic number 2051 for images, 2049 for labels, then the dimensions)
  followed by unsigned bytes.
* ``mnist_all.mat`` (the MNIST seed's file): MATLAB variables ``train0`` …
  ``train9`` and ``test0`` … ``test9``, one row of 784 uint8 per image, grouped
  by digit.
* Keras's ``mnist.npz``: ``x_train`` (60000, 28, 28) uint8, ``y_train``,
  ``x_test``, ``y_test``. Read with ``allow_pickle=False``: an archive holding
  Python objects is refused, never unpickled.

Every reader returns uint8 images (n, 28, 28) and uint8 labels (n,).
"""

from __future__ import annotations

import gzip
import zlib
from pathlib import Path

import numpy as np

from .errors import DatasetError

IMAGES_MAGIC = 2051  # 0x00000803: unsigned bytes, 3 dimensions
LABELS_MAGIC = 2049  # 0x00000801: unsigned bytes, 1 dimension
GZIP_SIGNATURE = b"\x1f\x8b"
#: no MNIST file is bigger than this uncompressed (train images: 47,040,016 bytes)
MAX_IDX_BYTES = 256 * 2**20
SIDE = 28


def read_bytes(path: Path, limit: int = MAX_IDX_BYTES) -> bytes:
    """The file's bytes, gunzipped if it starts with the gzip signature; at most ``limit`` bytes."""
    path = Path(path)
    try:
        with open(path, "rb") as f:
            compressed = f.read(2) == GZIP_SIGNATURE
        if not compressed:
            if path.stat().st_size > limit:
                raise DatasetError(f"{path} is {path.stat().st_size:,} bytes, more than any MNIST file")
            return path.read_bytes()
        with gzip.open(path, "rb") as f:
            data = f.read(limit + 1)
    except (EOFError, gzip.BadGzipFile, zlib.error) as exc:
        raise DatasetError(f"{path} is a damaged or truncated gzip file ({exc}); download it again") from None
    except OSError as exc:
        raise DatasetError(f"could not read {path}: {exc}") from None
    if len(data) > limit:
        raise DatasetError(f"{path} unpacks to more than {limit:,} bytes, more than any MNIST file")
    return data


def read_idx(path, expected_magic: int) -> np.ndarray:
    """Read an IDX file of unsigned bytes.

    Parameters
    ----------
    path : the file, gzip-compressed or raw.
    expected_magic : 2051 (images: returns (n, rows, cols)) or 2049 (labels: returns (n,)).
    """
    path = Path(path)
    data = read_bytes(path)
    what = {IMAGES_MAGIC: "images", LABELS_MAGIC: "labels"}[expected_magic]
    if len(data) < 4:
        raise DatasetError(f"{path} is too short ({len(data)} bytes) to be an IDX {what} file")
    magic = int.from_bytes(data[:4], "big")
    if magic != expected_magic:
        known = {IMAGES_MAGIC: " (an images file)", LABELS_MAGIC: " (a labels file)"}.get(magic, "")
        raise DatasetError(f"{path} is not an IDX {what} file: its magic number is {magic}{known}, "
                           f"expected {expected_magic}")
    ndim = data[3]
    header = 4 + 4 * ndim
    if len(data) < header:
        raise DatasetError(f"{path} is truncated: it ends inside its {header}-byte header")
    dims = tuple(int.from_bytes(data[4 + 4 * i: 8 + 4 * i], "big") for i in range(ndim))
    expected = int(np.prod(dims, dtype=np.int64))
    received = len(data) - header
    if received != expected:
        raise DatasetError(f"{path}: its header announces {' × '.join(map(str, dims))} = {expected:,} bytes "
                           f"of data but the file holds {received:,}; it is truncated or damaged")
    return np.frombuffer(data, dtype=np.uint8, offset=header).reshape(dims)


def read_idx_pair(images_path, labels_path) -> tuple[np.ndarray, np.ndarray]:
    """Images (n, 28, 28) uint8 and labels (n,) uint8 from a pair of IDX files."""
    images = read_idx(images_path, IMAGES_MAGIC)
    labels = read_idx(labels_path, LABELS_MAGIC)
    if images.shape[1:] != (SIDE, SIDE):
        raise DatasetError(f"{images_path}: MNIST images are 28 × 28 pixels. "
                           f"Received: {images.shape[1]} × {images.shape[2]}")
    if len(images) != len(labels):
        raise DatasetError(f"{images_path} holds {len(images):,} images but {labels_path} holds "
                           f"{len(labels):,} labels; they must be a matching pair")
    check_labels(labels, labels_path)
    return images, labels


def check_labels(labels: np.ndarray, where) -> None:
    if labels.size and int(labels.max()) > 9:
        raise DatasetError(f"{where}: MNIST labels are digits 0–9. Received a label {int(labels.max())}")


def as_images(array: np.ndarray, where: str) -> np.ndarray:
    """Numeric pixels 0..255 as (n, 28, 28) or (n, 784) → uint8 (n, 28, 28)."""
    if array.dtype.kind not in "uif" or array.ndim not in (2, 3):
        raise DatasetError(f"{where} should be numeric images of shape (n, 28, 28) or (n, 784). "
                           f"Received: {array.dtype} {array.shape}")
    if array.shape[1:] not in ((SIDE, SIDE), (SIDE * SIDE,)):
        raise DatasetError(f"{where} should be images of shape (n, 28, 28) or (n, 784). Received: {array.shape}")
    if array.size and (array.min() < 0 or array.max() > 255 or (array.dtype.kind == "f" and
                                                                 not np.all(array == np.round(array)))):
        raise DatasetError(f"{where} should hold whole pixel values 0–255")
    return array.reshape(len(array), SIDE, SIDE).astype(np.uint8)


def as_labels(array: np.ndarray, n: int, where: str) -> np.ndarray:
    array = np.ravel(array)
    if array.dtype.kind not in "ui" or len(array) != n:
        raise DatasetError(f"{where} should be {n:,} integer labels. Received: {array.dtype} {array.shape}")
    if array.size and int(array.min()) < 0:
        raise DatasetError(f"{where}: MNIST labels are digits 0–9. Received a label {int(array.min())}")
    check_labels(array, where)
    return array.astype(np.uint8)


MAT_KEYS = tuple(f"{part}{d}" for part in ("train", "test") for d in range(10))


def read_mat(path) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(x_train, y_train, x_test, y_test) from ``mnist_all.mat``, grouped by digit (0s first)."""
    import scipy.io

    path = Path(path)
    try:
        content = scipy.io.loadmat(path, variable_names=list(MAT_KEYS))
    except NotImplementedError as exc:  # MATLAB v7.3 files are HDF5
        raise DatasetError(f"{path}: MATLAB v7.3 files are not supported ({exc}); save it with -v7") from None
    except Exception as exc:  # scipy raises ValueError, TypeError, OSError... on damaged files
        raise DatasetError(f"{path} is not a readable MATLAB .mat file ({type(exc).__name__}: {exc})") from None
    missing = [k for k in MAT_KEYS if k not in content]
    if missing:
        raise DatasetError(f"{path} is not mnist_all.mat: it lacks the variables {', '.join(missing)} "
                           f"(expected train0..train9 and test0..test9)")
    parts = []
    for part in ("train", "test"):
        xs = [as_images(np.asarray(content[f"{part}{d}"]), f"{path}: {part}{d}") for d in range(10)]
        ys = [np.full(len(x), d, dtype=np.uint8) for d, x in enumerate(xs)]
        parts += [np.concatenate(xs), np.concatenate(ys)]
    return tuple(parts)


NPZ_KEYS = ("x_train", "y_train", "x_test", "y_test")


def read_npz(path) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(x_train, y_train, x_test, y_test) from Keras's ``mnist.npz``, in the official order.

    Loaded with ``allow_pickle=False``: arrays of Python objects are refused.
    """
    path = Path(path)
    try:
        handle = open(path, "rb")  # ours to close, whatever np.load does on a broken file
    except OSError as exc:
        raise DatasetError(f"could not read {path}: {exc}") from None
    with handle:
        arrays = _npz_arrays(path, handle)
    x_train = as_images(arrays["x_train"], f"{path}: x_train")
    x_test = as_images(arrays["x_test"], f"{path}: x_test")
    y_train = as_labels(arrays["y_train"], len(x_train), f"{path}: y_train")
    y_test = as_labels(arrays["y_test"], len(x_test), f"{path}: y_test")
    return x_train, y_train, x_test, y_test


def _npz_arrays(path: Path, handle) -> dict[str, np.ndarray]:
    try:
        archive = np.load(handle, allow_pickle=False)
    except ValueError as exc:
        raise DatasetError(f"{path} is not an .npz archive of plain arrays ({exc}); nnviz never "
                           "unpickles data files") from None
    except Exception as exc:  # zipfile.BadZipFile, OSError, EOFError...
        raise DatasetError(f"{path} is not a readable .npz archive ({type(exc).__name__}: {exc})") from None
    if not isinstance(archive, np.lib.npyio.NpzFile):
        raise DatasetError(f"{path} holds a single array; expected an .npz archive with {', '.join(NPZ_KEYS)}")
    with archive:
        missing = [k for k in NPZ_KEYS if k not in archive.files]
        if missing:
            raise DatasetError(f"{path} is not Keras's mnist.npz: it lacks {', '.join(missing)} "
                               f"(it holds: {', '.join(archive.files) or 'nothing'})")
        arrays = {}
        for key in NPZ_KEYS:
            try:
                arrays[key] = archive[key]
            except ValueError as exc:
                raise DatasetError(f"{path}: {key} holds Python objects, which would have to be unpickled; "
                                   f"nnviz refuses to unpickle data files ({exc})") from None
            except Exception as exc:
                raise DatasetError(f"{path}: could not read {key} ({type(exc).__name__}: {exc}); "
                                   "the archive may be damaged") from None
    return arrays
