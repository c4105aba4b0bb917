"""Save and load models as HDF5 (h5py). JSON config + plain arrays; never pickle.

Layout of a model file::

    /                      attrs: format ("nnviz-model"), format_version, config (JSON),
                                  history (JSON), optimizer (JSON or absent), extra (JSON),
                                  rng_states (JSON: dropout mask generators)
    /weights/<layer>/<key>       parameter arrays
    /buffers/<layer>/<key>       non-trainable state (BatchNorm running statistics)
    /optimizer_state/<layer.key>/<slot>   optimizer slots, plus attr iterations
    /arrays/<name>               extra arrays a caller stores beside the model (e.g. a run's weight
                                 snapshots, ``arrays/timeline/dense_1/W``); read with ``with_arrays=True``

Saving writes a temporary file beside the target and renames it over the
target only when complete, so a failed save never destroys the old file
(see :mod:`.atomic`). The file starts with a 512-byte user block holding the
SHA-256 of the rest (:mod:`.safe_h5`): a damaged file is refused. Loading
goes through :func:`.safe_h5.read_hdf5`: files this process did not write
itself are parsed in a child process with time and memory limits; links,
external storage and virtual datasets are refused; and the
architecture is sized from its configuration before anything is built.
"""

from __future__ import annotations

import json
from pathlib import Path

import h5py
import numpy as np

from .atomic import SaveError, atomic_target, check_save_target
from .budget import (
    MemoryBudgetError,
    check_within_budget,
    describe_budget,
    estimate_model_memory,
)
from .history import History
from .optimizers import Optimizer, get_optimizer
from .safe_h5 import (
    USERBLOCK_SIZE,
    HDF5FileError,
    NotHDF5Error,
    read_hdf5,
    remember_clean,
    seal_file,
)

FORMAT = "nnviz-model"
FORMAT_VERSION = 1
#: JSON attributes longer than this are refused unparsed (nesting too deep for Python is refused too)
MAX_JSON_CHARS = 64 << 20
MODEL_PLAN = "nnviz.engine.io:plan_model_read"
RUN_PLAN = "nnviz.engine.io:plan_run_read"


class ModelFileError(ValueError):
    """A file is not an nnviz model, or is damaged."""


__all__ = ["save_model", "load_model", "check_save_target", "ModelFileError", "SaveError", "FORMAT",
           "FORMAT_VERSION"]


#: what a damaged configuration can make layer constructors and Sequential raise
_CONFIG_ERRORS = (KeyError, TypeError, ValueError, OverflowError, AttributeError, IndexError, RecursionError,
                  ZeroDivisionError)


def save_model(model, path, optimizer: Optimizer | None = None, extra: dict | None = None, *,
               overwrite_readonly: bool = False, arrays: dict | None = None) -> None:
    """Write ``model`` (and optionally its optimizer's state) to ``path`` atomically.

    ``extra`` is a JSON-serializable dict stored alongside (e.g. run settings).
    ``arrays`` maps names (``a/b/c``) to numeric arrays, or to lists of same-shape arrays stored
    stacked (n, *shape) one row at a time, written under ``/arrays``.
    Raises SaveError (an OSError) naming ``path`` when the folder is missing or
    not writable, the target is read-only (unless ``overwrite_readonly``), or
    writing fails (disk full, file-size limit); the old file is then unchanged
    and no temporary file is left. A symlink is written through.
    """
    with atomic_target(path, overwrite_readonly) as tmp:
        with h5py.File(tmp, "w", userblock_size=USERBLOCK_SIZE) as f:
            f.attrs["format"] = FORMAT
            f.attrs["format_version"] = FORMAT_VERSION
            f.attrs["config"] = json.dumps(model.get_config())
            f.attrs["history"] = json.dumps(model.history.to_dict())
            f.attrs["extra"] = json.dumps(extra or {})
            f.attrs["rng_states"] = json.dumps({l.name: l.rng_state for l in model.layers if hasattr(l, "rng_state")})
            weights, buffers = f.create_group("weights"), f.create_group("buffers")
            for layer in model.layers:
                for store, group in ((layer.params, weights), (layer.buffers, buffers)):
                    if store:
                        g = group.create_group(layer.name)
                        for key, value in store.items():
                            g.create_dataset(key, data=value)
            if optimizer is not None:
                f.attrs["optimizer"] = json.dumps(optimizer.get_config())
                state = f.create_group("optimizer_state")
                state.attrs["iterations"] = optimizer.iterations
                for name, layer, key in model.parameters():
                    slots = optimizer.state_for(layer.params[key]) if optimizer.slots else {}
                    g = state.create_group(name)
                    for slot, value in slots.items():
                        g.create_dataset(slot, data=value)
            for name, value in (arrays or {}).items():
                _write_array(f, f"arrays/{name}", value)
        seal_file(tmp)
        remember_clean(tmp)


def _write_array(f, where: str, value) -> None:
    if isinstance(value, (list, tuple)):
        first = np.asarray(value[0]) if value else np.empty(0, dtype=np.float32)
        ds = f.create_dataset(where, shape=(len(value), *first.shape), dtype=first.dtype)
        for i, row in enumerate(value):
            ds[i] = row
    else:
        f.create_dataset(where, data=np.asarray(value))


# --- reading ---------------------------------------------------------------------------------
def _read_json_attr(attrs: dict, key, path, required: bool = True):
    """Parse the JSON text attribute ``key``; ModelFileError for anything but bounded, valid JSON."""
    if key not in attrs:
        if not required:
            return None
        raise ModelFileError(f"{path}: not an nnviz model file (attribute {key!r} is missing).")
    text = attrs[key]
    if not isinstance(text, str):
        raise ModelFileError(f"{path}: attribute {key!r} should be JSON text. Received: {_short(text)}")
    if len(text) > MAX_JSON_CHARS:
        raise ModelFileError(f"{path}: attribute {key!r} holds {len(text):,} characters, more than the "
                             f"{MAX_JSON_CHARS:,} an nnviz model needs")
    try:
        return json.loads(text)
    except RecursionError:
        raise ModelFileError(f"{path}: attribute {key!r} is JSON nested too deeply to be nnviz settings.") from None
    except ValueError as exc:
        raise ModelFileError(f"{path}: attribute {key!r} is not valid JSON ({exc}).") from None


def _short(value, limit: int = 60) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[:limit] + "…"


def _read_header(attrs: dict, path) -> dict:
    """The configuration of an nnviz model file, after checking its format and version."""
    found = attrs.get("format")
    if found != FORMAT:
        raise ModelFileError(f"{path}: not an nnviz model file (format attribute is {_short(found)}, "
                             f"expected {FORMAT!r}).")
    version = attrs.get("format_version", -1)
    if isinstance(version, bool) or not isinstance(version, int):
        raise ModelFileError(f"{path}: the format version should be a whole number. Received: {_short(version)}")
    if version > FORMAT_VERSION:
        raise ModelFileError(f"{path}: model format version {version} is newer than this nnviz "
                             f"understands ({FORMAT_VERSION}); upgrade nnviz.")
    config = _read_json_attr(attrs, "config", path)
    if not isinstance(config, dict) or not isinstance(config.get("layers"), list):
        raise ModelFileError(f"{path}: the model configuration should be a JSON object with a list of layers. "
                             f"Received: {_short(config)}")
    return config


def _check_size(config: dict, path) -> None:
    """Size the architecture from its configuration (nothing built) against the memory budget."""
    try:
        estimate = estimate_model_memory(config["layers"], config.get("input_shape"),
                                         config.get("dtype", "float32"))
        check_within_budget(f"{path}: the network it describes ({estimate.params:,} parameters)",
                            estimate.load_bytes())
    except MemoryBudgetError as exc:
        raise ModelFileError(str(exc)) from None
    except _CONFIG_ERRORS as exc:
        raise ModelFileError(f"{path}: the model architecture cannot be rebuilt: {exc}") from None


def _build_model(config: dict, path):
    """The model a configuration describes, sized first; ModelFileError if it cannot be rebuilt."""
    from .model import Sequential

    _check_size(config, path)
    try:
        model = Sequential.from_config(config)
    except _CONFIG_ERRORS as exc:
        raise ModelFileError(f"{path}: the model architecture cannot be rebuilt: {exc}") from None
    return model


def _expected_arrays(model) -> dict[str, tuple[int, ...]]:
    """Dataset path → shape for every weight and buffer of ``model``."""
    out = {}
    for layer in model.layers:
        for store, group in ((layer.params, "weights"), (layer.buffers, "buffers")):
            for key, value in store.items():
                out[f"{group}/{layer.name}/{key}"] = tuple(value.shape)
    return out


def plan_model_read(contents) -> list[str]:
    """Which datasets of a model file to read (a :func:`.safe_h5.read_hdf5` plan).

    Checks the header, sizes and rebuilds the architecture, and compares every
    declared weight, buffer and optimizer-slot shape with it before anything is read.
    """
    path = contents.path
    model = _build_model(_read_header(contents.attrs.get("", {}), path), path)
    wanted = []
    for where, shape in _expected_arrays(model).items():
        if where not in contents.datasets:
            raise ModelFileError(f"{path}: missing {where}.")
        found, dtype = contents.datasets[where]
        if tuple(found) != shape:
            raise ModelFileError(f"{path}: {where} has shape {tuple(found)}, expected {shape}.")
        if np.dtype(dtype).kind not in "biuf":
            raise ModelFileError(f"{path}: {where} holds {dtype} data, expected numbers.")
        wanted.append(where)
    for name, layer, key in model.parameters():
        prefix = f"optimizer_state/{name}/"
        for where, (found, dtype) in contents.datasets.items():
            if where.startswith(prefix) and "/" not in where[len(prefix):]:
                if tuple(found) != layer.params[key].shape or np.dtype(dtype).kind not in "biuf":
                    raise ModelFileError(f"{path}: the optimizer slot {where} has shape {tuple(found)} ({dtype}), "
                                         f"expected {layer.params[key].shape} numbers.")
                wanted.append(where)
    return wanted


def plan_run_read(contents) -> list[str]:
    """:func:`plan_model_read`, plus every numeric dataset under ``arrays/`` (sized by the reader's budget)."""
    extra = [where for where, (_shape, dtype) in contents.datasets.items()
             if where.startswith("arrays/") and np.dtype(dtype).kind in "biuf"]
    return plan_model_read(contents) + extra


def _open_model_file(path: Path, plan: str = MODEL_PLAN):
    """The checked contents of a model file, every failure a ModelFileError sentence."""
    try:
        return read_hdf5(path, plan)
    except NotHDF5Error as exc:
        raise ModelFileError(f"{path}: not an nnviz model file ({exc.reason}).") from None
    except HDF5FileError as exc:
        raise ModelFileError(str(exc)) from None
    except PermissionError:
        raise ModelFileError(f"{path}: cannot be read: permission denied (expected a readable nnviz model "
                             "file; check the file's permissions)") from None
    except OSError as exc:
        raise ModelFileError(f"{path}: cannot be read ({exc.strerror or exc}).") from None
    except MemoryError:
        raise ModelFileError(f"{path}: there is not enough memory to load it ({describe_budget()}).") from None


_HISTORY_LISTS = ("epoch", "cost", "train_accuracy", "test_cost", "test_accuracy", "iteration_cost", "lr")


def _read_history(attrs: dict, path) -> History:
    data = _read_json_attr(attrs, "history", path)
    if not isinstance(data, dict):
        raise ModelFileError(f"{path}: the training history should be a JSON object. Received: {_short(data)}")
    for key in _HISTORY_LISTS:
        values = data.get(key, [])
        if not isinstance(values, list) or not all(
                isinstance(v, (int, float)) and not isinstance(v, bool) or v is None for v in values):
            raise ModelFileError(f"{path}: the history's {key!r} should be a list of numbers. "
                                 f"Received: {_short(values)}")
    for key in ("status", "message"):
        if not isinstance(data.get(key, ""), str):
            raise ModelFileError(f"{path}: the history's {key!r} should be text. Received: {_short(data[key])}")
    return History.from_dict(data)


def _read_optimizer(attrs: dict, contents, model, path):
    config = _read_json_attr(attrs, "optimizer", path)
    try:
        optimizer = get_optimizer(config)
    except (TypeError, ValueError, KeyError, OverflowError, AttributeError) as exc:
        raise ModelFileError(f"{path}: the optimizer settings are damaged ({exc}).") from None
    state = contents.attrs.get("optimizer_state")
    if state is None and not any(k.startswith("optimizer_state/") for k in contents.datasets):
        raise ModelFileError(f"{path}: the optimizer's state (group optimizer_state) is missing; "
                             "expected it beside the optimizer settings.")
    iterations = (state or {}).get("iterations", 0)
    if isinstance(iterations, bool) or not isinstance(iterations, int) or not 0 <= iterations < 2**62:
        raise ModelFileError(f"{path}: the optimizer's iteration count should be a whole number >= 0. "
                             f"Received: {_short(iterations)}")
    optimizer.iterations = iterations
    for name, layer, key in model.parameters():
        slots = optimizer.state_for(layer.params[key])
        for slot in slots:
            where = f"optimizer_state/{name}/{slot}"
            if where in contents.arrays:
                slots[slot][...] = contents.arrays[where]
    return optimizer


def load_model(path, with_optimizer: bool = False, with_extra: bool = False, with_arrays: bool = False):
    """Read a model saved by :func:`save_model`.

    Returns the model, or ``(model, optimizer_or_None[, extra])`` when asked;
    ``with_arrays`` appends a dict of the extra arrays (names without ``arrays/``).
    Raises ModelFileError with the file name if it is not a readable nnviz
    model: damaged, crafted, too large for the memory budget, or unreadable.
    """
    path = Path(path)
    if not path.is_file():
        raise ModelFileError(f"{path}: no such model file.")
    contents = _open_model_file(path, RUN_PLAN if with_arrays else MODEL_PLAN)
    attrs = contents.attrs.get("", {})
    model = _build_model(_read_header(attrs, path), path)
    for layer in model.layers:
        for store, group in ((layer.params, "weights"), (layer.buffers, "buffers")):
            for key, value in store.items():
                where = f"{group}/{layer.name}/{key}"
                if where not in contents.arrays:
                    raise ModelFileError(f"{path}: missing {where}.")
                data = contents.arrays[where]
                if data.shape != value.shape:
                    raise ModelFileError(f"{path}: {where} has shape {data.shape}, expected {value.shape}.")
                value[...] = data
    model.history = _read_history(attrs, path)
    states = _read_json_attr(attrs, "rng_states", path, required=False) or {}
    if not isinstance(states, dict):
        raise ModelFileError(f"{path}: the random states should be a JSON object. Received: {_short(states)}")
    for layer in model.layers:
        if layer.name in states and hasattr(layer, "rng_state"):
            try:
                layer.rng_state = states[layer.name]
            except (TypeError, ValueError, KeyError, OverflowError, AttributeError) as exc:
                raise ModelFileError(f"{path}: the random state of {layer.name} is damaged ({exc}).") from None
    optimizer = None
    if with_optimizer and "optimizer" in attrs:
        optimizer = _read_optimizer(attrs, contents, model, path)
    extra = _read_json_attr(attrs, "extra", path, required=False)
    extra = {} if extra is None else extra
    if not isinstance(extra, dict):
        raise ModelFileError(f"{path}: the saved settings (extra) should be a JSON object. Received: {_short(extra)}")
    if with_arrays:
        arrays = {k[len("arrays/"):]: v for k, v in contents.arrays.items() if k.startswith("arrays/")}
        return model, optimizer, extra, arrays
    if with_extra:
        return model, optimizer, extra
    if with_optimizer:
        return model, optimizer
    return model
