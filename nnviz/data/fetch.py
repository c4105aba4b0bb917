"""Download datasets from public mirrors, verified by SHA-256 (``nnviz data fetch NAME``).

Each file is tried on every mirror in turn. It is written to a temporary
file beside its destination and renamed into place only once its SHA-256
matches the checksum stored below; on a mismatch or an error nothing is
left behind. Files already present with the right checksum are skipped.
Only ``urllib`` is used, with a timeout on every connection and read, a
minimum rate (a server trickling a few bytes a second is given up), and
cancellation checked between reads (``should_stop`` or ``cancel``: a
callable or a ``threading.Event``). Partial ``.part`` files left by a killed
process are removed by the next fetch; files get the user's default mode.

The MNIST checksums are SHA-256 sums of the official gzip files, as
published by torchvision, TensorFlow Datasets and others; the t10k ones
match the files in the project's shared data (``SHA256SUMS``).
"""

from __future__ import annotations

import hashlib
import http.client
import os
import socket
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from ..engine.atomic import remove_stale_temps, user_default_mode
from .errors import DatasetError
from .locate import default_download_dir
from .registry import dataset_info

CHUNK = 64 * 1024
#: a download slower than this (bytes per second, averaged over STALL_WINDOW seconds) is given up
MIN_RATE = 1024
STALL_WINDOW = 20.0
USER_AGENT = "nnviz-data-fetch/0.1"


@dataclass(frozen=True)
class RemoteFile:
    """A file to download: its name on the mirrors, its SHA-256 (hex) and size in bytes (None if unknown)."""

    name: str
    sha256: str
    size: int | None = None


MNIST_FILES = (
    RemoteFile("train-images-idx3-ubyte.gz", "440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609",
               9_912_422),
    RemoteFile("train-labels-idx1-ubyte.gz", "3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c",
               28_881),
    RemoteFile("t10k-images-idx3-ubyte.gz", "8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6",
               1_648_877),
    RemoteFile("t10k-labels-idx1-ubyte.gz", "f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6",
               4_542),
)

#: the mirrors PyTorch (torchvision) and TensorFlow download MNIST from
MNIST_MIRRORS = (
    "https://ossci-datasets.s3.amazonaws.com/mnist/",
    "https://storage.googleapis.com/cvdf-datasets/mnist/",
)

#: dataset name -> (files, mirrors)
DOWNLOADS: dict[str, tuple[tuple[RemoteFile, ...], tuple[str, ...]]] = {
    "mnist": (MNIST_FILES, MNIST_MIRRORS),
    "mnist-10k": (MNIST_FILES[2:], MNIST_MIRRORS),
}

Progress = Callable[[str, int, "int | None"], None]


class DownloadCancelled(DatasetError):
    """``should_stop()`` returned True during a download; the partial file was removed."""


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _url(mirror: str, name: str) -> str:
    if not mirror.lower().startswith(("http://", "https://")):
        raise ValueError(f"mirror {mirror!r} must be an http:// or https:// URL")
    return mirror.rstrip("/") + "/" + name


def _describe_error(exc: BaseException, timeout: float) -> str:
    if isinstance(exc, urllib.error.HTTPError):
        return f"HTTP {exc.code} {exc.reason}"
    if isinstance(exc, urllib.error.URLError):
        reason = exc.reason
        if isinstance(reason, (socket.timeout, TimeoutError)):
            return f"no answer within {timeout:g} s"
        return f"cannot connect: {reason}"
    if isinstance(exc, (socket.timeout, TimeoutError)):
        return f"no answer within {timeout:g} s"
    return f"{type(exc).__name__}: {exc}"


def _stop_requested(should_stop) -> bool:
    """True if ``should_stop`` (a callable or a threading.Event) asks to stop."""
    if should_stop is None:
        return False
    is_set = getattr(should_stop, "is_set", None)
    return bool(is_set() if callable(is_set) else should_stop())


def _download_once(url: str, remote: RemoteFile, dest: Path, progress: Progress | None, timeout: float,
                   should_stop) -> None:
    """Download ``url`` to ``dest`` through a temporary file; raise on any error or checksum mismatch.

    Each read returns within ``timeout`` seconds (or fails); cancellation is
    checked between reads; fewer than ``MIN_RATE * STALL_WINDOW`` bytes in
    any ``STALL_WINDOW`` seconds gives up. The partial file never survives.
    """
    min_rate, window = MIN_RATE, STALL_WINDOW
    fd, tmp_name = tempfile.mkstemp(dir=dest.parent, prefix=f".{dest.name}.", suffix=".part")
    tmp = Path(tmp_name)
    try:
        digest = hashlib.sha256()
        request = urllib.request.Request(url, headers={"User-Agent": USER_AGENT})  # noqa: S310 (_url: http(s) only)
        with os.fdopen(fd, "wb") as out, urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            length = response.headers.get("Content-Length")
            total = int(length) if length and length.isdigit() else remote.size
            if remote.size is not None and total is not None and total != remote.size:
                raise DatasetError(f"the server announces {total:,} bytes, expected {remote.size:,}")
            done = 0
            if progress:
                progress(remote.name, 0, total)
            mark_time, mark_done = time.monotonic(), 0
            while True:
                if _stop_requested(should_stop):
                    raise DownloadCancelled(f"download of {remote.name} cancelled")
                block = response.read1(CHUNK)  # returns what has arrived, so cancellation is checked often
                if not block:
                    break
                done += len(block)
                if remote.size is not None and done > remote.size:
                    raise DatasetError(f"the server sent more than the expected {remote.size:,} bytes")
                digest.update(block)
                out.write(block)
                if progress:
                    progress(remote.name, done, total)
                now = time.monotonic()
                if now - mark_time >= window:
                    if (done - mark_done) / (now - mark_time) < min_rate:
                        raise DatasetError(f"the server sends too slowly ({done - mark_done:,} bytes in "
                                           f"{now - mark_time:.0f} s, expected at least {min_rate:,.0f} bytes/s)")
                    mark_time, mark_done = now, done
        got = digest.hexdigest()
        if got != remote.sha256.lower():
            raise DatasetError(f"checksum mismatch: the {done:,} bytes received have SHA-256 {got}, "
                               f"expected {remote.sha256}; the download was discarded")
        os.chmod(tmp, user_default_mode())
        os.replace(tmp, dest)
    finally:
        if tmp.exists():
            tmp.unlink()


def download_file(remote: RemoteFile, dest_dir, mirrors: Sequence[str], progress: Progress | None = None,
                  timeout: float = 30.0, should_stop=None) -> Path:
    """Fetch one file into ``dest_dir`` from the first mirror that serves it with the right checksum.

    Skips the download when the file is already there with the right SHA-256.
    Raises DatasetError naming every mirror tried and its error.
    """
    dest_dir = Path(dest_dir)
    dest = dest_dir / remote.name
    if dest.is_file() and sha256_of(dest) == remote.sha256.lower():
        if progress:
            size = dest.stat().st_size
            progress(remote.name, size, size)
        return dest
    try:
        dest_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise DatasetError(f"cannot create the folder {dest_dir} to download {remote.name} into: {exc}") from None
    remove_stale_temps(dest, ".part")
    if not mirrors:
        raise ValueError("no mirror to download from: give at least one URL")
    failures = []
    for mirror in mirrors:
        url = _url(mirror, remote.name)
        try:
            _download_once(url, remote, dest, progress, timeout, should_stop)
            return dest
        except DownloadCancelled:
            raise
        except DatasetError as exc:
            failures.append(f"{url} ({exc})")
        except (OSError, http.client.HTTPException, ValueError) as exc:
            failures.append(f"{url} ({_describe_error(exc, timeout)})")
    raise DatasetError(f"Could not download {remote.name}: every mirror failed: {'; '.join(failures)}. "
                       f"Check the internet connection, or download the file by hand and put it in {dest_dir}.")


def fetch_files(files: Sequence[RemoteFile], dest_dir, mirrors: Sequence[str], progress: Progress | None = None,
                timeout: float = 30.0, should_stop=None) -> list[Path]:
    """Download every file in ``files`` (see ``download_file``); returns their paths."""
    return [download_file(f, dest_dir, mirrors, progress, timeout, should_stop) for f in files]


def fetch_dataset(name: str, data_dir=None, progress: Progress | None = None, mirrors: Sequence[str] | None = None,
                  *, files: Sequence[RemoteFile] | None = None, timeout: float = 30.0,
                  should_stop=None) -> list[Path]:
    """Download dataset ``name`` ("mnist" or "mnist-10k") into a data folder.

    Parameters
    ----------
    name : a fetchable dataset name.
    data_dir : destination folder; default ``$NNVIZ_DATA_DIR``, else the user data folder.
    progress : called as ``progress(file_name, done_bytes, total_bytes_or_None)``.
    mirrors : base URLs tried in turn (default: the official mirrors).
    files : the files and their checksums (default: the dataset's table).
    timeout : seconds for each connection and each read (a read that gets
        nothing for this long fails; a trickle below MIN_RATE is given up too).
    should_stop : a callable or a ``threading.Event``; checked between
        reads: when it is set the download stops (DownloadCancelled) and the
        partial file is removed.

    Returns the paths of the files, all verified.
    """
    info = dataset_info(name)
    if info.generated:
        raise ValueError(f"dataset {name!r} is generated by nnviz; there is nothing to download")
    if name not in DOWNLOADS and files is None:
        raise DatasetError(f"nnviz cannot download the {name} dataset: {info.how_to_get}.")
    default_files, default_mirrors = DOWNLOADS.get(name, ((), ()))
    return fetch_files(default_files if files is None else files, default_download_dir(data_dir),
                       default_mirrors if mirrors is None else mirrors, progress, timeout, should_stop)
