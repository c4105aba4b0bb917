"""Writing an export: each file atomically (a temporary file renamed over the target), never pickle."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np

from nnviz.engine.atomic import SaveError, atomic_target


def write_text(path, text: str) -> None:
    with atomic_target(path) as tmp:
        Path(tmp).write_text(text, encoding="utf-8")


def write_npz(path, arrays: dict, compressed: bool = False) -> None:
    """Arrays under their names, in a .npz that ``np.load(path, allow_pickle=False)`` reads."""
    for key, value in arrays.items():
        if np.asarray(value).dtype.hasobject:
            raise ValueError(f"{path}: the array {key!r} holds Python objects; an export holds only numbers and text")
    buffer = io.BytesIO()  # np.savez adds ".npz" to a name that lacks it: write to a buffer, then atomically
    (np.savez_compressed if compressed else np.savez)(buffer, **arrays)
    with atomic_target(path) as tmp:
        Path(tmp).write_bytes(buffer.getvalue())


def check_folder(path) -> Path:
    """SaveError naming ``path`` unless an export folder can be created (or written) there."""
    folder = Path(path).expanduser()
    if folder.exists() and not folder.is_dir():
        raise SaveError(f"cannot export to {path}: it is a file; expected a folder name such as {folder.stem}-pytorch")
    if not folder.parent.is_dir():
        raise SaveError(f"cannot export to {path}: the folder {folder.parent} does not exist")
    return folder


def prepare_folder(path) -> Path:
    """Create the export folder ``path`` (its parent must exist); SaveError naming it otherwise."""
    folder = check_folder(path)
    try:
        folder.mkdir(exist_ok=True)
    except OSError as exc:
        raise SaveError(f"cannot export to {path}: the folder cannot be created ({exc.strerror or exc})") from None
    return folder
