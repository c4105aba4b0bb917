"""A folder of images with one sub-folder per class (Teachable Machine's layout) as a dataset.

::

    my_pictures/
        cat/    a.jpg b.png ...
        dog/    c.jpg ...

:func:`scan_image_folder` lists the classes (sub-folder names, sorted) and
their JPEG/PNG/BMP files without reading any; :func:`read_image_folder`
decodes each file with :func:`~nnviz.data.images.load_image` (which refuses
decompression bombs from the header), centre-crops it to a square, resizes
it to ``size`` × ``size`` (28, 32 or 64) and keeps it grey (1 channel) or
RGB (3). Files that cannot be read are skipped and counted in one note on
the dataset (never silently). ``report(text)`` is called now and then with
"Reading images… 1,234 / 5,000"; ``should_stop()`` cancels (InterruptedError).
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Callable

import numpy as np

from ..engine.budget import describe_budget, format_bytes, memory_budget
from .dataset import Dataset, train_test_split
from .errors import DatasetError, ImageError
from .images import _crop_resize, load_image

IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".bmp")
SIZES = (28, 32, 64)
COLORS = ("grey", "rgb")
#: at most this many image files in one folder dataset
MAX_IMAGES = 200_000
#: images are decoded to at most this many pixels before the final resize (speed, memory)
DECODE_PIXELS = 1_000_000
#: seconds between two progress reports
REPORT_INTERVAL = 0.1
#: how many unreadable files a note names
NAMED_FAILURES = 3


def _visible(path: Path) -> bool:
    return not path.name.startswith(".")


def scan_image_folder(folder) -> list[tuple[str, list[Path]]]:
    """``[(class name, [image files, sorted]), ...]`` sorted by class name; reads no image.

    Raises DatasetError when ``folder`` is not a folder, has no class sub-folders, fewer than two
    classes with images, or more than ``MAX_IMAGES`` images.
    """
    folder = Path(folder).expanduser()
    if not folder.is_dir():
        raise DatasetError(f"{folder} is not a folder: expected a folder with one sub-folder of images per class")
    try:
        subfolders = sorted((p for p in folder.iterdir() if p.is_dir() and _visible(p)), key=lambda p: p.name)
    except OSError as exc:
        raise DatasetError(f"{folder}: cannot list it ({exc.strerror or exc})") from None
    classes, total = [], 0
    for sub in subfolders:
        try:
            files = sorted(p for p in sub.iterdir() if _visible(p) and p.suffix.lower() in IMAGE_SUFFIXES
                           and p.is_file())
        except OSError as exc:
            raise DatasetError(f"{sub}: cannot list it ({exc.strerror or exc})") from None
        total += len(files)
        if total > MAX_IMAGES:
            raise DatasetError(f"{folder} holds more than {MAX_IMAGES:,} images; nnviz reads at most "
                               f"{MAX_IMAGES:,} (use a smaller selection)")
        if files:
            classes.append((sub.name, files))
    if len(classes) < 2:
        found = (f"only {classes[0][0]!r} has images" if classes else
                 f"{len(subfolders)} sub-folder(s), none with JPEG, PNG or BMP files" if subfolders else
                 "no sub-folders")
        raise DatasetError(f"{folder} is a folder but not an image folder: expected one sub-folder of images "
                           f"(JPEG, PNG or BMP) per class, at least two classes; found {found}")
    return classes


def read_image(path, size: int, color: str) -> np.ndarray:
    """One file → (C, size, size) float32 in [0, 1]: centre-cropped to a square, resized (Lanczos);
    C is 1 for "grey", 3 for "rgb". Raises ImageError naming the file."""
    img = load_image(path, max_pixels=DECODE_PIXELS)
    img = _crop_resize(img, size, size)
    if color == "grey":
        return (np.asarray(img.convert("L"), dtype=np.float32) / np.float32(255))[None]
    return np.asarray(img, dtype=np.float32).transpose(2, 0, 1) / np.float32(255)


def _check_options(size, color) -> tuple[int, str]:
    if isinstance(size, bool) or not isinstance(size, (int, np.integer)) or int(size) not in SIZES:
        raise ValueError(f"image size must be one of {', '.join(map(str, SIZES))}. Received: {size!r}")
    color = str(color).lower().replace("gray", "grey")
    if color not in COLORS:
        raise ValueError(f"colour must be 'grey' or 'rgb'. Received: {color!r}")
    return int(size), color


def read_image_folder(folder, size: int = 32, color: str = "rgb", test_fraction: float = 0.2,
                      seed: int | None = 0, report: Callable[[str], None] | None = None,
                      should_stop: Callable[[], bool] | None = None, name: str | None = None) -> Dataset:
    """Read an image folder (see the module docstring) into a split :class:`Dataset`.

    Returns X float32 (m, C, size, size) in [0, 1], y int64 (m,) indices into the sorted class
    names; the split is :func:`~nnviz.data.dataset.train_test_split` with ``test_fraction`` and
    ``seed``. ``details`` = {"size", "color", "classes": {name: count}, "skipped"}; ``notes`` says
    how many files were skipped and why (the first few by name).
    """
    size, color = _check_options(size, color)
    if not 0.0 < float(test_fraction) < 1.0:
        raise ValueError(f"test fraction must be between 0 and 1. Received: {test_fraction}")
    folder = Path(folder).expanduser()
    classes = scan_image_folder(folder)
    channels = 1 if color == "grey" else 3
    total = sum(len(files) for _, files in classes)
    need = total * channels * size * size * 4 * 3     # X, and the split's two copies
    if need > memory_budget():
        raise DatasetError(f"{folder}: {total:,} images of {channels} × {size} × {size} need about "
                           f"{format_bytes(need)}, more than {describe_budget()}; choose a smaller size, grey, "
                           "or fewer images")
    X = np.empty((total, channels, size, size), dtype=np.float32)
    y = np.empty(total, dtype=np.int64)
    failures: list[str] = []
    kept, done, last = 0, 0, 0.0
    for label, (_, files) in enumerate(classes):
        for path in files:
            if should_stop is not None and should_stop():
                raise InterruptedError("Reading the image folder was cancelled.")
            try:
                X[kept] = read_image(path, size, color)
                y[kept] = label
                kept += 1
            except (ImageError, OSError, ValueError, MemoryError) as exc:
                failures.append(f"{path.relative_to(folder)} ({_reason(exc, path)})")
            done += 1
            now = time.monotonic()
            if report is not None and (now - last >= REPORT_INTERVAL or done == total):
                report(f"Reading images… {done:,} / {total:,}")
                last = now
    X, y = X[:kept], y[:kept]
    counts = {name: int(np.count_nonzero(y == i)) for i, (name, _) in enumerate(classes)}
    empty = [name for name, n in counts.items() if n == 0]
    if empty:
        raise DatasetError(f"{folder}: no image of the class {empty[0]!r} could be read "
                           f"({len(failures):,} files failed, e.g. {failures[0]})")
    notes = []
    if failures:
        named = "; ".join(failures[:NAMED_FAILURES]) + ("; …" if len(failures) > NAMED_FAILURES else "")
        notes.append(f"{len(failures):,} of {total:,} files could not be read and were skipped: {named}")
    try:
        X_train, y_train, X_test, y_test = train_test_split(X, y, float(test_fraction), seed)
    except ValueError as exc:
        raise DatasetError(f"{folder}: {exc}") from None
    return Dataset(X_train, y_train, X_test, y_test, [c for c, _ in classes], (channels, size, size),
                   name=name or folder.name, source=str(folder), notes=notes,
                   details={"size": size, "color": color, "classes": counts, "skipped": len(failures)})


def _reason(exc: BaseException, path: Path) -> str:
    """The error's sentence without the file's path (the note names the file already)."""
    text = str(exc) or type(exc).__name__
    for prefix in (str(path), f"could not read {path}:", f"{path}:"):
        text = text.replace(prefix, "").strip(" :")
    return text[:120]


__all__ = ["read_image_folder", "scan_image_folder", "read_image", "IMAGE_SUFFIXES", "SIZES", "COLORS"]
