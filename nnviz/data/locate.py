"""Where dataset files are looked for, in order.

1. an explicit folder (``data_dir=``, the CLI's ``--data-dir``),
2. ``$NNVIZ_DATA_DIR``,
3. ``./data`` (relative to the current working directory),
4. the user's data folder: ``$XDG_DATA_HOME/nnviz`` or ``~/.local/share/nnviz``
   on Linux, ``~/Library/Application Support/nnviz`` on macOS,
   ``%LOCALAPPDATA%\\nnviz`` on Windows.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from .errors import DatasetError

ENV_VAR = "NNVIZ_DATA_DIR"


@dataclass(frozen=True)
class Place:
    """A folder nnviz looks in, and why (``origin``: "--data-dir", "$NNVIZ_DATA_DIR", ...)."""

    path: Path
    origin: str

    def describe(self) -> str:
        note = "" if self.path.is_dir() else ", does not exist"
        return f"{self.path} ({self.origin}{note})"


def user_data_dir() -> Path:
    """The per-user folder for nnviz's datasets (it may not exist yet)."""
    if os.name == "nt":
        base = os.environ.get("LOCALAPPDATA") or os.environ.get("APPDATA")
        return (Path(base) if base else Path.home() / "AppData" / "Local") / "nnviz"
    if sys.platform == "darwin":
        return Path.home() / "Library" / "Application Support" / "nnviz"
    xdg = os.environ.get("XDG_DATA_HOME", "")
    base = Path(xdg) if xdg and Path(xdg).is_absolute() else Path.home() / ".local" / "share"
    return base / "nnviz"


def search_places(data_dir: str | os.PathLike | None = None) -> list[Place]:
    """The folders to look in, in order, without duplicates."""
    candidates = []
    if data_dir is not None and str(data_dir) != "":
        candidates.append(Place(Path(data_dir).expanduser(), "--data-dir"))
    env = os.environ.get(ENV_VAR, "")
    if env:
        candidates.append(Place(Path(env).expanduser(), f"${ENV_VAR}"))
    candidates.append(Place(Path.cwd() / "data", "./data"))
    candidates.append(Place(user_data_dir(), "user data folder"))
    places, seen = [], set()
    for place in candidates:
        key = os.path.normcase(os.path.abspath(place.path))
        if key not in seen:
            seen.add(key)
            places.append(place)
    return places


def find_in(place: Place, names: Iterable[str]) -> Path | None:
    """The first of ``names`` that is a file in ``place``, or None."""
    for name in names:
        candidate = place.path / name
        if candidate.is_file():
            return candidate
    return None


def find_file(names: str | Iterable[str], data_dir=None) -> Path | None:
    """The first file called one of ``names`` in the first place that has one, or None."""
    names = [names] if isinstance(names, str) else list(names)
    for place in search_places(data_dir):
        found = find_in(place, names)
        if found is not None:
            return found
    return None


def describe_places(places: Iterable[Place]) -> str:
    """'/a (--data-dir); /b ($NNVIZ_DATA_DIR, does not exist); ...'"""
    return "; ".join(p.describe() for p in places)


def missing_error(first_sentence: str, places: Iterable[Place], how_to_get: str) -> DatasetError:
    """A DatasetError: '<first sentence> Looked in: ... To get it: ...'."""
    return DatasetError(f"{first_sentence} Looked in: {describe_places(places)}. To get it: {how_to_get}.")


def default_download_dir(data_dir=None) -> Path:
    """Where ``fetch_dataset`` writes: ``data_dir``, else ``$NNVIZ_DATA_DIR``, else the user data folder."""
    if data_dir is not None and str(data_dir) != "":
        return Path(data_dir).expanduser()
    env = os.environ.get(ENV_VAR, "")
    return Path(env).expanduser() if env else user_data_dir()
