"""Save and load models as HDF5 (h5py). JSON config + plain arrays; never pickle.

Layout of a model file::

    /                      attrs: format ("nnviz-model"), format_version, config (JSON),
                                  history (JSON), optimizer (JSON or absent), extra (JSON),
                                  rng_states (JSON: dropout mask generators)
    /weights/<layer>/<key>       parameter arrays
    /buffers/<layer>/<key>       non-trainable state (BatchNorm running statistics)
    /optimizer_state/<layer.key>/<slot>   optimizer slots, plus attr iterations

Saving writes a temporary file beside the target and renames it over the
target only when complete, so a failed save never destroys the old file.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

import h5py
import numpy as np

from .history import History
from .optimizers import Optimizer, get_optimizer

FORMAT = "nnviz-model"
FORMAT_VERSION = 1


class ModelFileError(ValueError):
    """A file is not an nnviz model, or is damaged."""


def save_model(model, path, optimizer: Optimizer | None = None, extra: dict | None = None) -> None:
    """Write ``model`` (and optionally its optimizer's state) to ``path`` atomically.

    ``extra`` is a JSON-serializable dict stored alongside (e.g. run settings).
    """
    path = Path(path)
    directory = path.parent if str(path.parent) else Path(".")
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=directory)
    os.close(fd)
    try:
        with h5py.File(tmp, "w") as f:
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
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.remove(tmp)
        raise


def _read_json_attr(f, key, path):
    try:
        return json.loads(f.attrs[key])
    except KeyError:
        raise ModelFileError(f"{path}: not an nnviz model file (attribute {key!r} is missing).") from None
    except (TypeError, ValueError) as exc:
        raise ModelFileError(f"{path}: attribute {key!r} is not valid JSON ({exc}).") from None


def load_model(path, with_optimizer: bool = False, with_extra: bool = False):
    """Read a model saved by :func:`save_model`.

    Returns the model, or ``(model, optimizer_or_None[, extra])`` when asked.
    Raises ModelFileError with the file name if it is not a readable nnviz model.
    """
    from .model import Sequential

    path = Path(path)
    if not path.is_file():
        raise ModelFileError(f"{path}: no such model file.")
    try:
        f = h5py.File(path, "r")
    except OSError as exc:
        raise ModelFileError(f"{path}: not an nnviz model file (not HDF5: {exc}).") from None
    with f:
        if f.attrs.get("format") != FORMAT:
            raise ModelFileError(f"{path}: not an nnviz model file (format attribute is {f.attrs.get('format')!r}, "
                                 f"expected {FORMAT!r}).")
        version = int(f.attrs.get("format_version", -1))
        if version > FORMAT_VERSION:
            raise ModelFileError(f"{path}: model format version {version} is newer than this nnviz "
                                 f"understands ({FORMAT_VERSION}); upgrade nnviz.")
        config = _read_json_attr(f, "config", path)
        try:
            model = Sequential.from_config(config)
        except (KeyError, TypeError, ValueError) as exc:
            raise ModelFileError(f"{path}: the model architecture cannot be rebuilt: {exc}") from None
        for layer in model.layers:
            for store, group in ((layer.params, "weights"), (layer.buffers, "buffers")):
                for key, value in store.items():
                    where = f"{group}/{layer.name}/{key}"
                    if where not in f:
                        raise ModelFileError(f"{path}: missing {where}.")
                    data = f[where][()]
                    if data.shape != value.shape:
                        raise ModelFileError(f"{path}: {where} has shape {data.shape}, expected {value.shape}.")
                    value[...] = data
        model.history = History.from_dict(_read_json_attr(f, "history", path))
        states = _read_json_attr(f, "rng_states", path) if "rng_states" in f.attrs else {}
        for layer in model.layers:
            if layer.name in states and hasattr(layer, "rng_state"):
                try:
                    layer.rng_state = states[layer.name]
                except (TypeError, ValueError, KeyError) as exc:
                    raise ModelFileError(f"{path}: the random state of {layer.name} is damaged ({exc}).") from None
        optimizer = None
        if with_optimizer and "optimizer" in f.attrs:
            optimizer = get_optimizer(_read_json_attr(f, "optimizer", path))
            state = f["optimizer_state"]
            optimizer.iterations = int(state.attrs.get("iterations", 0))
            for name, layer, key in model.parameters():
                slots = optimizer.state_for(layer.params[key])
                for slot in slots:
                    if f"{name}/{slot}" in state:
                        slots[slot][...] = np.asarray(state[f"{name}/{slot}"][()])
        extra = _read_json_attr(f, "extra", path) if "extra" in f.attrs else {}
    if with_extra:
        return model, optimizer, extra
    if with_optimizer:
        return model, optimizer
    return model
