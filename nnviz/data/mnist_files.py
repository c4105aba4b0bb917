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
import math
import zipfile
import zlib
from pathlib import Path

import numpy as np

from ..engine import quarantine
from ..engine.budget import memory_budget
from .errors import DatasetError

IMAGES_MAGIC = 2051  # 0x00000803: unsigned bytes, 3 dimensions
LABELS_MAGIC = 2049  # 0x00000801: unsigned bytes, 1 dimension
GZIP_SIGNATURE = b"\x1f\x8b"
#: no MNIST file (or array in mnist.npz / mnist_all.mat) is bigger than this uncompressed
#: (train images: 47,040,016 bytes); the same cap applies to .npz members and .mat variables
MAX_IDX_BYTES = 256 * 2**20
#: bytes per element of the MATLAB classes scipy reports
MAT_ITEMSIZE = {"double": 8, "single": 4, "int8": 1, "uint8": 1, "int16": 2, "uint16": 2, "int32": 4,
                "uint32": 4, "int64": 8, "uint64": 8, "logical": 1, "char": 2}
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
    expected = math.prod(dims)  # exact: a crafted header cannot overflow it
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


#: seconds the quarantined MATLAB reader may take: a base, plus one per MAT_READ_RATE bytes of file
MAT_TIME_LIMIT = 10.0
MAT_READ_RATE = 20 << 20


def read_mat(path) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(x_train, y_train, x_test, y_test) from ``mnist_all.mat``, grouped by digit (0s first).

    SciPy's MATLAB reader is C code that a crafted file can crash, so the
    file is read by :func:`mat_task` in a quarantine process (time and memory
    limits; arrays come back as ``.npy`` bytes, never pickled).
    """
    path = Path(path)
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise DatasetError(f"could not read {path}: {exc.strerror or exc}") from None
    try:
        _, arrays = quarantine.run("nnviz.data.mnist_files:mat_task", {"path": str(path), "limit": MAX_IDX_BYTES},
                                   shown=path, reader="SciPy's MATLAB reader", budget=memory_budget(),
                                   timeout=MAT_TIME_LIMIT + size / MAT_READ_RATE)
    except quarantine.QuarantineFailure as exc:
        raise DatasetError(str(exc)) from None
    parts = []
    for part in ("train", "test"):
        xs = [as_images(arrays[f"{part}{d}"], f"{path}: {part}{d}") for d in range(10)]
        ys = [np.full(len(x), d, dtype=np.uint8) for d, x in enumerate(xs)]
        parts += [np.concatenate(xs), np.concatenate(ys)]
    return tuple(parts)


def mat_task(path: str, limit: int) -> tuple[dict, dict[str, np.ndarray]]:
    """Read mnist_all.mat's 20 variables, sized from their headers first (runs in the quarantine child)."""
    import scipy.io

    path = Path(path)
    declared = _check_mat_sizes(path, limit)
    quarantine.allow_data(3 * declared)  # SciPy's arrays, the uint8 copies, the .npy copies
    try:
        content = scipy.io.loadmat(path, variable_names=list(MAT_KEYS))
    except NotImplementedError as exc:  # MATLAB v7.3 files are HDF5
        raise DatasetError(f"{path}: MATLAB v7.3 files are not supported ({exc}); save it with -v7") from None
    except MemoryError:
        raise DatasetError(f"{path}: there is not enough memory to read it; expected mnist_all.mat "
                           "(about 53 MB of images)") from None
    except Exception as exc:  # scipy raises ValueError, TypeError, OSError... on damaged files
        raise DatasetError(f"{path} is not a readable MATLAB .mat file ({type(exc).__name__}: {exc})") from None
    missing = [k for k in MAT_KEYS if k not in content]
    if missing:
        raise DatasetError(f"{path} is not mnist_all.mat: it lacks the variables {', '.join(missing)} "
                           f"(expected train0..train9 and test0..test9)")
    return {}, {key: as_images(np.asarray(content[key]), f"{path}: {key}") for key in MAT_KEYS}


def _check_mat_sizes(path: Path, limit: int) -> int:
    """Refuse a .mat file whose variable headers declare more than ``limit`` bytes (read before loading).

    Returns the bytes the MNIST variables declare.
    """
    import scipy.io

    try:
        variables = scipy.io.whosmat(path)
    except NotImplementedError as exc:
        raise DatasetError(f"{path}: MATLAB v7.3 files are not supported ({exc}); save it with -v7") from None
    except MemoryError:
        raise DatasetError(f"{path}: its variable headers are damaged (they need more memory than a .mat "
                           "file of MNIST can)") from None
    except Exception as exc:  # noqa: BLE001 (scipy raises many kinds on damaged headers)
        raise DatasetError(f"{path} is not a readable MATLAB .mat file ({type(exc).__name__}: {exc})") from None
    total = 0
    for name, shape, kind in variables:
        if name not in MAT_KEYS:
            continue
        size = math.prod(int(d) for d in shape) * MAT_ITEMSIZE.get(kind, 8)
        total += size
        if size > limit or total > 2 * limit:
            raise DatasetError(f"{path}: the variable {name} declares {' × '.join(map(str, shape))} {kind} "
                               f"({size:,} bytes), more than the {limit:,} bytes any MNIST array needs")
    return total


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
    """The four arrays of mnist.npz; each member's .npy header is read and sized before its data."""
    head = handle.read(6)
    if head == b"\x93NUMPY":
        raise DatasetError(f"{path} holds a single array; expected an .npz archive with {', '.join(NPZ_KEYS)}")
    handle.seek(0)
    try:
        archive = zipfile.ZipFile(handle)
    except (zipfile.BadZipFile, OSError, EOFError, ValueError) as exc:
        kind = " (it looks like a Python pickle; nnviz never unpickles data files)" if head[:1] == b"\x80" else ""
        raise DatasetError(f"{path} is not a readable .npz archive of plain arrays ({type(exc).__name__}: "
                           f"{exc}){kind}") from None
    with archive:
        members = {name[:-4] if name.endswith(".npy") else name: name for name in archive.namelist()}
        missing = [k for k in NPZ_KEYS if k not in members]
        if missing:
            raise DatasetError(f"{path} is not Keras's mnist.npz: it lacks {', '.join(missing)} "
                               f"(it holds: {', '.join(list(members)[:20]) or 'nothing'})")
        return {key: _npz_member(path, archive, key, members[key]) for key in NPZ_KEYS}


def _npz_member(path: Path, archive: zipfile.ZipFile, key: str, member: str) -> np.ndarray:
    from numpy.lib import format as npy

    try:
        info = archive.getinfo(member)
        if info.file_size > MAX_IDX_BYTES + 4096:
            raise DatasetError(f"{path}: {key} unpacks to {info.file_size:,} bytes, more than the "
                               f"{MAX_IDX_BYTES:,} any MNIST array needs")
        with archive.open(member) as f:
            version = npy.read_magic(f)
            reader = npy.read_array_header_1_0 if version == (1, 0) else npy.read_array_header_2_0
            shape, fortran, dtype = reader(f, max_header_size=10_000)
            if dtype.hasobject:
                raise DatasetError(f"{path}: {key} holds Python objects, which would have to be unpickled; "
                                   "nnviz refuses to unpickle data files (expected an array of numbers)")
            nbytes = math.prod(shape) * dtype.itemsize
            if nbytes > MAX_IDX_BYTES:
                raise DatasetError(f"{path}: {key} declares shape {shape} {dtype} ({nbytes:,} bytes), more than "
                                   f"the {MAX_IDX_BYTES:,} any MNIST array needs")
        with archive.open(member) as f:
            return npy.read_array(f, allow_pickle=False, max_header_size=10_000)
    except DatasetError:
        raise
    except MemoryError:
        raise DatasetError(f"{path}: there is not enough memory to read {key}") from None
    except Exception as exc:  # noqa: BLE001 (zipfile, zlib and numpy raise many kinds on damaged members)
        raise DatasetError(f"{path}: {key} is truncated or damaged ({type(exc).__name__}: {exc}); "
                           "expected a complete .npy array; download the file again") from None
