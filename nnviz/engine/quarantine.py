"""Run a reader of untrusted files in a child process with time and memory limits.

C parsers (libhdf5, scipy's MATLAB reader) can crash or loop forever on a
crafted file. :func:`run` calls a task function (``"module:function"``
inside nnviz) in a fresh ``python -c`` child that first caps its address
space and CPU time and never dumps core. The task returns JSON-able
metadata and a dict of NumPy arrays; they come back as JSON and ``.npy``
bytes (read with ``allow_pickle=False``), never pickled. A crash, a hang,
running out of memory or an exception in the task becomes
:class:`QuarantineFailure` with one sentence.
"""

from __future__ import annotations

import importlib
import io
import json
import os
import signal
import struct
import subprocess
import sys
from pathlib import Path

import numpy as np

from .budget import describe_budget

CHILD_CODE = "from nnviz.engine.quarantine import _child_main; _child_main()"
#: address space the child may use beyond the data budget (Python, NumPy, h5py, SciPy)
OVERHEAD = 1 << 30
#: what parsing metadata may allocate before a task has sized its data (see :func:`allow_data`)
METADATA_ALLOWANCE = 256 << 20
_in_child = False


class QuarantineFailure(Exception):
    """The quarantined task refused the file, crashed, hung or ran out of memory; ``str()`` says which."""


def _resolve(task: str):
    module, _, name = task.partition(":")
    if not (module == "nnviz" or module.startswith("nnviz.")) or not name.isidentifier():
        raise ValueError(f"a task must name a function inside nnviz as 'module:function'. Received: {task!r}")
    return getattr(importlib.import_module(module), name)


def _vm_size() -> int | None:
    """This process's current address-space size in bytes (Linux), or None."""
    try:
        with open("/proc/self/status", encoding="ascii") as f:
            for line in f:
                if line.startswith("VmSize:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError):
        pass
    return None


def _limit_self(address_space: int, cpu_seconds: int) -> None:
    """In the child, before it touches the file: cap its memory and CPU time, and never dump core.

    The hard address-space limit is the whole budget; the soft limit starts
    at what is mapped now plus METADATA_ALLOWANCE, so a damaged header that
    makes a C parser allocate wildly fails early; :func:`allow_data` raises
    it once the task has sized the data it will read.
    """
    import resource

    global _in_child
    _in_child = True
    vm = _vm_size()
    soft = address_space if vm is None else min(address_space, vm + METADATA_ALLOWANCE)
    for limit, value in ((resource.RLIMIT_AS, (soft, address_space)), (resource.RLIMIT_CPU, (cpu_seconds,) * 2),
                         (resource.RLIMIT_CORE, (0, 0))):
        try:
            resource.setrlimit(limit, value)
        except (ValueError, OSError):
            pass


def allow_data(nbytes: int) -> None:
    """In a quarantine child: let the address space grow by ``nbytes`` (up to the hard limit). Else a no-op."""
    if not _in_child:
        return
    import resource

    vm = _vm_size()
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    if vm is None or hard == resource.RLIM_INFINITY:
        return
    try:
        resource.setrlimit(resource.RLIMIT_AS, (min(hard, max(soft, vm + METADATA_ALLOWANCE + int(nbytes))), hard))
    except (ValueError, OSError):
        pass


def _child_env() -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HDF5_PLUGIN", "PYTHON"))}
    root = str(Path(__file__).resolve().parents[2])
    env.update(PYTHONPATH=root, OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1", MKL_NUM_THREADS="1",
               HDF5_PLUGIN_PATH=os.devnull, HDF5_USE_FILE_LOCKING="FALSE", PYTHONHASHSEED="0")
    return env


def _child_main() -> None:
    """Entry point of the child: read a JSON request on stdin, write the reply on stdout."""
    request = json.loads(sys.stdin.read())
    _limit_self(int(request["address_space"]), int(request["cpu_seconds"]))
    out = sys.stdout.buffer
    arrays: dict = {}
    try:
        meta, arrays = _resolve(request["task"])(**request["args"])
        reply = {"meta": meta, "arrays": list(arrays)}
    except MemoryError:
        reply = {"error": f"{request['shown']}: reading it needs more memory than {describe_budget()}"}
    except Exception as exc:  # noqa: BLE001 (every refusal, of any class, is a sentence for the parent)
        text = str(exc) or type(exc).__name__
        reply = {"error": text if request["shown"] in text else f"{request['shown']}: {text}"}
    header = json.dumps(reply, allow_nan=True).encode("utf-8")
    out.write(struct.pack("<Q", len(header)) + header)
    for array in (arrays.values() if "error" not in reply else ()):
        buffer = io.BytesIO()  # write_array needs a seekable file for raw data; a pipe is not
        np.lib.format.write_array(buffer, np.ascontiguousarray(array), allow_pickle=False)
        out.write(buffer.getbuffer())
    out.flush()


def run(task: str, args: dict, *, shown, reader: str, budget: int, timeout: float) -> tuple[dict, dict]:
    """Call ``task(**args)`` in a limited child; return its (metadata, arrays).

    ``shown`` is the file name used in messages, ``reader`` what parses it
    ("the HDF5 library"), ``budget`` the bytes of data the task may produce
    (the child's address space is ``budget + OVERHEAD``), ``timeout`` seconds.
    """
    request = json.dumps({"task": task, "args": args, "shown": str(shown), "address_space": budget + OVERHEAD,
                          "cpu_seconds": int(timeout) + 2})
    try:
        done = subprocess.run([sys.executable, "-c", CHILD_CODE], input=request.encode(), capture_output=True,
                              timeout=timeout, env=_child_env())
    except subprocess.TimeoutExpired:
        raise QuarantineFailure(f"{shown}: {reader} did not finish reading it within {timeout:.1f} s (expected a "
                                "well-formed file; this one is damaged or crafted), so it was refused") from None
    if done.returncode != 0:
        code = done.returncode
        if code < 0:
            try:
                how = f"crashed ({signal.Signals(-code).name})"
            except ValueError:
                how = f"was killed by signal {-code}"
        else:
            tail = (done.stderr.decode("utf-8", "replace").strip().splitlines() or [""])[-1]
            how = f"ran out of memory ({describe_budget()})" if "MemoryError" in tail else f"failed (status {code})"
        raise QuarantineFailure(f"{shown}: {reader} {how} while reading it; the file is damaged or crafted and "
                                "was refused")
    try:
        return _parse_reply(done.stdout, budget)
    except (ValueError, KeyError, TypeError, struct.error) as exc:
        raise QuarantineFailure(f"{shown}: the reader's answer was garbled ({exc}); the file was refused") from None


def _parse_reply(data: bytes, budget: int) -> tuple[dict, dict]:
    if len(data) > budget + (64 << 20):
        raise ValueError(f"{len(data):,} bytes is more than the budget")
    stream = io.BytesIO(data)
    (length,) = struct.unpack("<Q", stream.read(8))
    reply = json.loads(stream.read(length).decode("utf-8"))
    if "error" in reply:
        raise QuarantineFailure(reply["error"])
    arrays = {name: np.lib.format.read_array(stream, allow_pickle=False) for name in reply["arrays"]}
    return reply["meta"], arrays
