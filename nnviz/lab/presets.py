"""Presets: one JSON file per experiment in ``nnviz/resources/presets``.

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

import copy
import json
from dataclasses import dataclass, field

from nnviz.engine import Sequential, get_optimizer
from nnviz.engine.layers import LAYER_TYPES, Layer, layer_from_config
from nnviz.resources_path import resource_root

REQUIRED = ("name", "dataset", "layers", "loss", "optimizer", "epochs")


@dataclass
class Preset:
    name: str
    dataset: str
    layers: list[dict]
    loss: str
    optimizer: dict
    epochs: int
    title: str = ""
    description: str = ""
    dataset_options: dict = field(default_factory=dict)
    init: str = "he"
    l2: float = 0.0
    batch_size: int | None = None
    seed: int = 0
    dtype: str = "float32"
    #: "epochs" or "iterations": how the app labels the count (full batch: same thing)
    count_label: str = "epochs"

    def build_layers(self) -> list[Layer]:
        return layers_from_specs(self.layers)

    def build_model(self, input_shape) -> Sequential:
        return Sequential(self.build_layers(), input_shape=input_shape, loss=self.loss, init=self.init,
                          l2=self.l2, seed=self.seed, dtype=self.dtype)

    def build_optimizer(self, **overrides):
        return get_optimizer(self.optimizer, **overrides)

    def to_dict(self) -> dict:
        return copy.deepcopy(self.__dict__)


def layer_from_spec(spec: dict) -> Layer:
    spec = dict(spec)
    kind = spec.pop("type", None)
    if kind not in LAYER_TYPES:
        raise ValueError(f"layer spec {spec!r}: 'type' must be one of {', '.join(LAYER_TYPES)}. Received: {kind!r}")
    return layer_from_config(kind, spec)


def layers_from_specs(specs: list[dict]) -> list[Layer]:
    return [layer_from_spec(s) for s in specs]


def layer_to_spec(layer: Layer) -> dict:
    config = {k: v for k, v in layer.get_config().items() if k != "name" and v is not None}
    return {"type": type(layer).__name__, **config}


def _preset_dir():
    return resource_root().joinpath("presets")


def list_presets() -> list[str]:
    """Names of the shipped presets, sorted."""
    return sorted(p.name[:-5] for p in _preset_dir().iterdir() if p.name.endswith(".json"))


def preset_from_dict(data: dict, source: str = "preset") -> Preset:
    missing = [k for k in REQUIRED if k not in data]
    if missing:
        raise ValueError(f"{source}: missing field(s) {', '.join(missing)}.")
    known = {k: v for k, v in data.items() if k in Preset.__dataclass_fields__}
    unknown = sorted(set(data) - set(known))
    if unknown:
        raise ValueError(f"{source}: unknown field(s) {', '.join(unknown)}.")
    return Preset(**known)


def load_preset(name: str) -> Preset:
    """Read a shipped preset by name; ValueError listing the names if unknown."""
    path = _preset_dir().joinpath(f"{name}.json")
    if not path.is_file():
        raise ValueError(f"unknown preset {name!r}; available: {', '.join(list_presets())}.")
    return preset_from_dict(json.loads(path.read_text(encoding="utf-8")), source=f"preset {name!r}")
