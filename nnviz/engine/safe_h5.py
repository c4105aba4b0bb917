"""Open HDF5 files from others without letting them crash, freeze or bloat nnviz.

libhdf5 is C code: a damaged or crafted file can make it segfault or loop
forever while it parses metadata, and HDF5 can point a dataset at any local
file (external storage), at other files (external links) or at places
computed at read time (virtual datasets). So nnviz reads HDF5 only here:

1. **Seal.** Files nnviz writes start with a 512-byte HDF5 user block that
   holds ``nnviz-seal 1``, the SHA-256 and the length of everything after
   the block (:func:`seal_file`). It is checked before libhdf5 sees the
   file: a file whose seal does not match was damaged after saving and is
   refused (libhdf5 sees it only in the quarantine below, and only so that
   the refusal can say what is wrong).
2. **Quarantine.** libhdf5 parses a file in this process only if this
   process wrote exactly these bytes or already parsed them safely (their
   SHA-256 is remembered). Anything else (files saved in another session,
   by someone else, the cats files, files from other tools; a seal can be
   forged) is parsed in a child process (``python -c``, no pickle) with a
   time limit (:data:`TIME_LIMIT`) and an address-space limit, so a crash
   or endless loop becomes a sentence here. The child sends back JSON
   metadata and ``.npy`` arrays read with ``allow_pickle=False``.
3. **Structure rules**, the same in both cases: only hard links (soft and
   external links are refused), no external storage, no virtual datasets,
   only numeric or short byte-string datasets, only HDF5's built-in filters
   (plugin loading is switched off), at most :data:`MAX_OBJECTS` objects,
   and every dataset's declared size is checked against the memory budget
   (:mod:`nnviz.engine.budget`) and the file's size before it is read.

What is read is decided by a *plan*: a function (named ``"module:function"``
inside ``nnviz``) that sees the metadata and returns the dataset paths to
read, after checking their declared shapes. Imports nothing of nnviz's
outside the engine.
"""

from __future__ import annotations

import hashlib
import importlib
import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from . import quarantine
from .budget import describe_budget, format_bytes, memory_budget

USERBLOCK_SIZE = 512
SEAL_MAGIC = b"nnviz-seal 1\n"
HDF5_SIGNATURE = b"\x89HDF\r\n\x1a\n"
#: seconds a child may spend parsing one small file; big files get READ_RATE more per byte
TIME_LIMIT = 5.0
READ_RATE = 100 << 20
#: groups + datasets a file may hold
MAX_OBJECTS = 10_000
MAX_DEPTH = 32
#: bytes one attribute may hold
MAX_ATTR_BYTES = 64 << 20
#: HDF5's built-in filters: deflate, shuffle, fletcher32, szip, nbit, scale-offset; and h5py's lzf
ALLOWED_FILTERS = {1, 2, 3, 4, 5, 6, 32000}
#: deflate cannot expand data more than about 1032 times
MAX_EXPANSION = 1100
#: byte strings longer than this are not a label or a name
MAX_STRING_ITEM = 4096

#: SHA-256 of files this process wrote (trusted for any plan), and (SHA-256, plan) pairs parsed safely in a child
_clean_digests: set[str] = set()
_clean_reads: set[tuple[str, str]] = set()


class HDF5FileError(ValueError):
    """An HDF5 file was refused: damaged, crafted, too large or not what was expected."""


class NotHDF5Error(HDF5FileError):
    """The file is not HDF5 at all; ``reason`` says what its first bytes are."""

    def __init__(self, path, reason: str):
        super().__init__(f"{path}: not an HDF5 file ({reason})")
        self.reason = reason


@dataclass
class H5Contents:
    """What was read from an HDF5 file.

    ``attrs``: object path ("" for the root, "weights/dense_1", ...) → {name: JSON-like value};
    ``datasets``: dataset path → (shape, dtype string) for every dataset, read or not;
    ``arrays``: dataset path → array, for the datasets the plan asked for.
    """

    path: str
    attrs: dict = field(default_factory=dict)
    datasets: dict = field(default_factory=dict)
    arrays: dict = field(default_factory=dict)
    sealed: bool = False


# --- the seal -----------------------------------------------------------------------------------
def _seal_header(digest: str, length: int) -> bytes:
    text = SEAL_MAGIC + f"sha256 {digest}\nlength {length}\n".encode("ascii")
    return text + b"\0" * (USERBLOCK_SIZE - len(text))


def seal_file(path) -> None:
    """Write the seal into the user block of ``path`` (created with ``userblock_size=USERBLOCK_SIZE``)."""
    digest, length = hashlib.sha256(), 0
    with open(path, "r+b") as f:
        f.seek(USERBLOCK_SIZE)
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
            length += len(block)
        f.seek(0)
        f.write(_seal_header(digest.hexdigest(), length))


def remember_clean(path) -> None:
    """Trust the exact bytes of ``path`` in this process (a file it has just written itself)."""
    _clean_digests.add(_digests(Path(path))[1])


def _digests(path: Path) -> tuple[bytes, str, str]:
    """(first USERBLOCK_SIZE bytes, SHA-256 of the whole file, SHA-256 of everything after the block)."""
    whole, rest = hashlib.sha256(), hashlib.sha256()
    with open(path, "rb") as f:
        head = f.read(USERBLOCK_SIZE)
        whole.update(head)
        for block in iter(lambda: f.read(1 << 20), b""):
            whole.update(block)
            rest.update(block)
    return head, whole.hexdigest(), rest.hexdigest()


def _check_seal(path: Path, head: bytes, rest_digest: str, size: int) -> str | None:
    """"ok" for a valid seal, None for no seal, or the sentence saying why a seal does not match."""
    if not head.startswith(SEAL_MAGIC):
        return None
    lines = head[len(SEAL_MAGIC):].split(b"\0", 1)[0].decode("ascii", "replace").split("\n")
    fields = dict(line.split(" ", 1) for line in lines if " " in line)
    if fields.get("sha256") == rest_digest and fields.get("length") == str(size - USERBLOCK_SIZE):
        return "ok"
    return (f"{path}: the file is damaged: its content does not match the SHA-256 nnviz stored when it was "
            f"saved (expected {fields.get('sha256', '?')[:16]}…, found {rest_digest[:16]}…)")


# --- walking a file -------------------------------------------------------------------------------
def _plain(value):
    """An attribute value as JSON-like Python data, or an {"unreadable": ...} marker."""
    if isinstance(value, (str, bool, int, float)) or value is None:
        return value
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    if isinstance(value, np.generic):
        value = np.asarray(value)
    if isinstance(value, np.ndarray):
        if value.dtype.kind in "biuf" or value.dtype.kind == "S":
            data = value.tolist()
            return _decode_bytes(data)
        return {"unreadable": f"{value.dtype} data"}
    return {"unreadable": type(value).__name__}


def _decode_bytes(data):
    if isinstance(data, bytes):
        return data.decode("utf-8", "replace")
    if isinstance(data, list):
        return [_decode_bytes(d) for d in data]
    return data


class _Walker:
    """Collects metadata (and, on request, data) from an open h5py.File under the structure rules."""

    def __init__(self, f, path: Path, budget: int, file_size: int):
        self.f, self.path, self.budget, self.file_size = f, path, budget, file_size
        self.contents = H5Contents(str(path))
        self.objects = 0
        self._dataset_nbytes: dict[str, int] = {}

    def refuse(self, message: str):
        raise HDF5FileError(f"{self.path}: {message}")

    def walk(self, group=None, prefix: str = "", depth: int = 0) -> None:
        import h5py

        group = self.f if group is None else group
        if depth > MAX_DEPTH:
            self.refuse(f"groups are nested more than {MAX_DEPTH} deep (expected a flat nnviz or dataset file)")
        self._attrs(group, prefix)
        for name in group:
            where = f"{prefix}/{name}" if prefix else name
            self.objects += 1
            if self.objects > MAX_OBJECTS:
                self.refuse(f"it holds more than {MAX_OBJECTS:,} objects (expected a few)")
            kind = group.id.links.get_info(name.encode("utf-8", "surrogateescape")).type
            if kind == h5py.h5l.TYPE_SOFT:
                self.refuse(f"{where} is a soft link; nnviz opens only files without links")
            if kind == h5py.h5l.TYPE_EXTERNAL:
                self.refuse(f"{where} is an external link to another file; nnviz never follows those")
            if kind != h5py.h5l.TYPE_HARD:
                self.refuse(f"{where} is a user-defined link; nnviz never follows those")
            obj = group[name]
            if isinstance(obj, h5py.Group):
                self.walk(obj, where, depth + 1)
            elif isinstance(obj, h5py.Dataset):
                self._dataset(obj, where)
            else:
                self.refuse(f"{where} is a {type(obj).__name__}, expected a group or a dataset")

    def _attrs(self, obj, where: str) -> None:
        out = {}
        for name in obj.attrs:
            attr = obj.attrs.get_id(name)
            if attr.get_storage_size() > MAX_ATTR_BYTES:
                self.refuse(f"the attribute {name!r} of /{where} holds {format_bytes(attr.get_storage_size())}, "
                            f"more than the {format_bytes(MAX_ATTR_BYTES)} nnviz reads")
            out[name] = _plain(obj.attrs[name])
        if out:
            self.contents.attrs[where] = out

    def _dataset(self, ds, where: str) -> None:
        import h5py

        if ds.is_virtual:
            self.refuse(f"{where} is a virtual dataset; nnviz reads only data stored in the file itself")
        if ds.external:
            self.refuse(f"{where} keeps its data in external files; nnviz reads only data stored in the file itself")
        plist = ds.id.get_create_plist()
        filters = {plist.get_filter(i)[0] for i in range(plist.get_nfilters())}
        if not filters <= ALLOWED_FILTERS:
            self.refuse(f"{where} needs the HDF5 filter(s) {sorted(filters - ALLOWED_FILTERS)}, which nnviz "
                        "does not load (expected uncompressed, gzip, shuffle or lzf data)")
        dtype = ds.dtype
        if h5py.check_vlen_dtype(dtype) is not None or dtype.kind not in "biufS" or (
                dtype.kind == "S" and dtype.itemsize > MAX_STRING_ITEM):
            kind = {"V": "compound or opaque", "O": "variable-length or reference"}.get(dtype.kind, str(dtype))
            self.refuse(f"{where} holds {kind} data ({dtype}); expected numbers")
        shape = ds.shape
        if shape is None:
            self.refuse(f"{where} has no dataspace; expected an array")
        nbytes = math.prod(int(d) for d in shape) * dtype.itemsize
        limit = self.file_size * (MAX_EXPANSION if filters - {3} else 1) + 65536
        if nbytes > limit:
            self.refuse(f"{where} declares {' × '.join(map(str, shape)) or 'a scalar'} {dtype} "
                        f"({format_bytes(nbytes)}), more than a {format_bytes(self.file_size)} file can hold")
        self.contents.datasets[where] = (tuple(int(d) for d in shape), dtype.str)
        self._dataset_nbytes[where] = nbytes

    def read(self, wanted) -> None:
        total = 0
        for where in wanted:
            if where not in self.contents.datasets:
                self.refuse(f"it has no dataset {where}")
            total += self._dataset_nbytes[where]
        if total > self.budget:
            self.refuse(f"reading {', '.join(wanted)} would need {format_bytes(total)}, more than "
                        f"{describe_budget()}")
        quarantine.allow_data(2 * total)  # the array, and its .npy copy on the way to the parent
        for where in wanted:
            ds = self.f[where]
            shape, dtype = self.contents.datasets[where]
            out = np.empty(shape, dtype=np.dtype(dtype))
            if out.size:
                ds.read_direct(out)
            self.contents.arrays[where] = out


def _resolve_plan(plan: str):
    module, _, name = plan.partition(":")
    if not (module == "nnviz" or module.startswith("nnviz.")) or not name.isidentifier():
        raise ValueError(f"a plan must name a function inside nnviz as 'module:function'. Received: {plan!r}")
    return getattr(importlib.import_module(module), name)


def plan_all(contents: H5Contents) -> list[str]:
    """The plan that reads every dataset."""
    return list(contents.datasets)


def plan_none(contents: H5Contents) -> list[str]:
    """The plan that reads only metadata."""
    return []


def _read_here(path: Path, plan: str, budget: int, sealed: bool) -> H5Contents:
    """Walk and read ``path`` in this process (sealed files, the child's own work)."""
    import h5py

    planner = _resolve_plan(plan)
    try:
        h5py.h5pl.set_loading_state(0)  # never load filter plugins named by a file
    except Exception:  # noqa: BLE001 (older libhdf5 without plugin control: nothing to switch off)
        pass
    size = path.stat().st_size
    try:
        f = h5py.File(path, "r", locking=False)
    except OSError as exc:
        raise HDF5FileError(f"{path}: not an HDF5 file, or its header is damaged ({exc})") from None
    with f:
        walker = _Walker(f, path, budget, size)
        try:
            walker.walk()
        except HDF5FileError:
            raise
        except RecursionError:
            raise HDF5FileError(f"{path}: its groups are nested too deeply") from None
        except Exception as exc:  # noqa: BLE001 (h5py raises KeyError, RuntimeError, OSError... on damage)
            raise HDF5FileError(f"{path}: its HDF5 structure is damaged ({type(exc).__name__}: {exc})") from None
        walker.contents.sealed = sealed
        try:
            wanted = planner(walker.contents)
        except HDF5FileError:
            raise
        except Exception as exc:  # noqa: BLE001 (a plan refuses with its own exception class)
            text = str(exc)
            raise HDF5FileError(text if str(path) in text else f"{path}: {text}") from None
        try:
            walker.read(list(wanted))
        except HDF5FileError:
            raise
        except MemoryError:
            raise HDF5FileError(f"{path}: there is not enough memory to read it ({describe_budget()})") from None
        except Exception as exc:  # noqa: BLE001
            raise HDF5FileError(f"{path}: its data cannot be read; the file is damaged "
                                f"({type(exc).__name__}: {exc})") from None
    return walker.contents


# --- the child process ------------------------------------------------------------------------
def _h5_task(path: str, plan: str, budget: int):
    """What the quarantine child runs: walk and read ``path``; returns (metadata, arrays)."""
    contents = _read_here(Path(path), plan, budget, False)
    meta = {"attrs": contents.attrs, "datasets": {k: [list(s), d] for k, (s, d) in contents.datasets.items()}}
    return meta, contents.arrays


def _read_in_child(path: Path, plan: str, budget: int, timeout: float) -> H5Contents:
    try:
        meta, arrays = quarantine.run("nnviz.engine.safe_h5:_h5_task", {"path": str(path), "plan": plan,
                                                                         "budget": budget},
                                      shown=path, reader="the HDF5 library", budget=budget, timeout=timeout)
    except quarantine.QuarantineFailure as exc:
        raise HDF5FileError(str(exc)) from None
    datasets = {k: (tuple(s), d) for k, (s, d) in meta["datasets"].items()}
    return H5Contents(str(path), attrs=meta["attrs"], datasets=datasets, arrays=arrays)


# --- the one entry point ----------------------------------------------------------------------
def read_hdf5(path, plan: str = "nnviz.engine.safe_h5:plan_all", *, budget: int | None = None,
              timeout: float | None = None) -> H5Contents:
    """Read an HDF5 file from anyone, under the rules above.

    Parameters
    ----------
    path : the file.
    plan : ``"module:function"`` inside nnviz; called with the metadata
        (an :class:`H5Contents` without arrays), returns the dataset paths
        to read; raises HDF5FileError (or ValueError) with a sentence to refuse.
    budget : bytes the read may take (default :func:`memory_budget`).
    timeout : seconds the child process may take for an unsealed file
        (default TIME_LIMIT, plus a second per READ_RATE bytes of file).

    Raises HDF5FileError naming the file for anything refused; OSError if it cannot be opened at all.
    """
    path = Path(path)
    budget = memory_budget() if budget is None else budget
    size = path.stat().st_size
    if size > budget:
        raise HDF5FileError(f"{path} is {format_bytes(size)}, more than {describe_budget()}")
    timeout = TIME_LIMIT + size / READ_RATE if timeout is None else timeout
    head, whole, rest = _digests(path)
    if not (head.startswith(SEAL_MAGIC) or head.startswith(HDF5_SIGNATURE) or _signature_later(path, size)):
        raise NotHDF5Error(path, f"it is not HDF5: its first bytes are {head[:8]!r}, expected the HDF5 signature")
    seal = _check_seal(path, head, rest, size)
    if seal in ("ok", None) and (whole in _clean_digests or (whole, plan) in _clean_reads):
        return _read_here(path, plan, budget, seal == "ok")
    try:
        contents = _read_in_child(path, plan, budget, timeout)
    except HDF5FileError as exc:
        if seal in (None, "ok"):
            raise
        raise HDF5FileError(f"{exc} (and its SHA-256 no longer matches the one nnviz saved with it)") from None
    if seal not in (None, "ok"):  # parsed, but not what nnviz wrote: changed by another program or damaged
        raise HDF5FileError(f"{seal}; it was refused")
    contents.sealed = seal == "ok"
    _clean_reads.add((whole, plan))
    return contents


def _signature_later(path: Path, size: int) -> bool:
    """Whether the HDF5 signature sits at 512, 1024, 2048... (after a user block), as the format allows."""
    offset = USERBLOCK_SIZE
    with open(path, "rb") as f:
        while offset + 8 <= size:
            f.seek(offset)
            if f.read(8) == HDF5_SIGNATURE:
                return True
            offset *= 2
    return False

