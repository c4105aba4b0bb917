"""Atomic saves that never lose the old file, never leave litter and keep the file's mode.

A save writes ``.<name>.<random>.tmp`` beside the real target and renames
it over the target only when complete. Around that:

* :func:`check_save_target` says, before any work (e.g. before training),
  whether ``path`` can be saved to: its folder exists and is writable, the
  name is not empty or a folder, a read-only file is not replaced unless asked.
* A symlink is written through: the file it points to is replaced, the link stays.
* The replaced file keeps its permission bits; a new file gets the user's
  default (``0666 & ~umask``), not ``mkstemp``'s 0600.
* The temporary file is removed on every failure, and temporary files of our
  own naming left by a killed save are removed by the next save into that
  folder (only those older than this process, and older than a minute).
"""

from __future__ import annotations

import os
import stat
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

#: temporary files younger than this are left alone: another process may be writing them
STALE_AFTER = 60.0
_PROCESS_START = time.time()


class SaveError(OSError, RuntimeError):
    """A save was refused or failed; the message names the file. (An OSError, so callers' handlers catch it.)"""


def user_default_mode() -> int:
    """Permission bits a new file gets here: 0666 minus the umask."""
    try:
        with open("/proc/self/status", encoding="ascii") as f:
            for line in f:
                if line.startswith("Umask:"):
                    return 0o666 & ~int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    mask = os.umask(0o022)  # no way to read it without setting it elsewhere
    os.umask(mask)
    return 0o666 & ~mask


def resolve_target(path) -> Path:
    """The file a save to ``path`` really writes: a symlink's final target, else ``path`` itself."""
    path = Path(os.fspath(path)).expanduser()
    return Path(os.path.realpath(path)) if path.is_symlink() else path


def check_save_target(path, overwrite_readonly: bool = False) -> Path:
    """Raise SaveError if a file cannot be saved to ``path``; return the file that would be written.

    Call it before long work (training) whose result is to be saved, so a
    typo in the folder name is reported at once, not after the work.
    """
    text = os.fspath(path) if isinstance(path, (str, os.PathLike)) else None
    if not text or not str(text).strip():
        raise SaveError(f"no file name was given to save to (expected a path such as model.h5, got {path!r})")
    target = resolve_target(text)
    folder = target.parent if str(target.parent) else Path(".")
    if target.is_dir():
        raise SaveError(f"cannot save to {path}: it is a folder; expected a file name such as {path}/model.h5")
    if not folder.is_dir():
        raise SaveError(f"cannot save to {path}: the folder {folder} does not exist")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise SaveError(f"cannot save to {path}: the folder {folder} is not writable")
    if target.exists() and not overwrite_readonly and not target.stat().st_mode & (stat.S_IWUSR | stat.S_IWGRP
                                                                                    | stat.S_IWOTH):
        raise SaveError(f"cannot save to {path}: the file is read-only (expected a writable file; "
                        "make it writable or choose another name)")
    return target


def remove_stale_temps(target: Path, suffix: str = ".tmp") -> list[Path]:
    """Remove ``.<name>.*<suffix>`` files beside ``target`` left by killed saves; return what was removed."""
    removed = []
    cutoff = min(_PROCESS_START, time.time() - STALE_AFTER)
    folder = target.parent if str(target.parent) else Path(".")
    try:
        candidates = list(folder.glob(f".{target.name}.*{suffix}"))
    except OSError:
        return removed
    for tmp in candidates:
        try:
            info = tmp.lstat()
            if stat.S_ISREG(info.st_mode) and info.st_mtime < cutoff:
                tmp.unlink()
                removed.append(tmp)
        except OSError:
            continue
    return removed


@contextmanager
def atomic_target(path, overwrite_readonly: bool = False):
    """Yield a temporary path to write; on success it replaces the target, on any failure it is removed.

    Errors while writing (OSError, RuntimeError from h5py on a full disk or
    a file-size limit) become SaveError naming ``path``; other exceptions
    pass through unchanged. The temporary file never survives.
    """
    target = check_save_target(path, overwrite_readonly)
    remove_stale_temps(target)
    mode = stat.S_IMODE(target.stat().st_mode) if target.exists() else user_default_mode()
    folder = target.parent if str(target.parent) else Path(".")
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=folder)
    except OSError as exc:
        raise SaveError(f"cannot save to {path}: cannot create a file in {folder} ({exc.strerror or exc})") from None
    os.close(fd)
    try:
        yield Path(tmp)
        os.chmod(tmp, mode)
        os.replace(tmp, target)
    except SaveError:
        raise
    except (OSError, RuntimeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise SaveError(f"could not save to {path}: {reason}; the previous file (if any) is unchanged") from exc
    finally:
        if os.path.lexists(tmp):
            try:
                os.remove(tmp)
            except OSError:
                pass
