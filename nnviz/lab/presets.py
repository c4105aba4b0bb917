"""Presets: one JSON file per experiment in ``nnviz/resources/presets``, read as a RunConfig.

A preset names everything a run needs::

    {"name": "moons", "title": "...", "description": "...",
     "dataset": "moons", "dataset_options": {"n_samples": 1000, "noise": 0.2, ...},
     "layers": [{"type": "Dense", "units": 25, "activation": "relu"}, ...],
     "loss": "binary_crossentropy", "init": "he", "l2": 0.0,
     "optimizer": {"name": "sgd", "lr": 0.01},
     "epochs": 10000, "batch_size": null, "seed": 1, "dtype": "float32"}

A layer spec is ``{"type": <layer class name>, **constructor arguments}``.
"""

from __future__ import annotations

import json

from nnviz.engine.layers import Layer
from nnviz.resources_path import resource_root

from .config import RunConfig, config_from_preset_dict

#: a preset is a RunConfig read from a shipped file
Preset = RunConfig
preset_from_dict = config_from_preset_dict


def layer_to_spec(layer: Layer) -> dict:
    """A built layer as a builder spec (its name and unset arguments left out)."""
    config = {k: v for k, v in layer.get_config().items() if k != "name" and v is not None}
    return {"type": type(layer).__name__, **config}


def _preset_dir():
    return resource_root().joinpath("presets")


def list_presets() -> list[str]:
    """Names of the shipped presets, sorted."""
    return sorted(p.name[:-5] for p in _preset_dir().iterdir() if p.name.endswith(".json"))


def load_preset(name: str) -> RunConfig:
    """Read a shipped preset by name; ValueError listing the names if unknown."""
    if not isinstance(name, str) or not name.replace("-", "").replace("_", "").isalnum() or len(name) > 64:
        raise ValueError(f"unknown preset {str(name)[:64]!r}; available: {', '.join(list_presets())}.")
    path = _preset_dir().joinpath(f"{name}.json")
    if not path.is_file():
        raise ValueError(f"unknown preset {name!r}; available: {', '.join(list_presets())}.")
    return config_from_preset_dict(json.loads(path.read_text(encoding="utf-8")), source=f"preset {name!r}")
