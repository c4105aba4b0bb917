"""One configuration type for a run: :class:`RunConfig` (a preset is one too).

A :class:`RunConfig` names everything a run needs: the dataset and its
options, the layer stack (specs ``{"type": "Dense", "units": 25, ...}``),
loss, initializer, L2, seed, dtype, optimizer (``{"name": "sgd", "lr":
0.01, **extra}``), epochs and batch size. A preset file is a RunConfig in
JSON with a ``name``, ``title`` and ``description``
(:mod:`nnviz.lab.presets`); the panels edit one; a run file and a run
record keep the one a run trained with. Which changes need a new network
(a reset) and which a running network takes at once is decided here too.
"""

from __future__ import annotations

import copy
import inspect
import json
import math
from dataclasses import asdict, dataclass, field

from nnviz.data.augment import AUGMENTATIONS
from nnviz.engine import InputFeatures, Sequential, get_optimizer
from nnviz.engine.layers.features import FEATURES
from nnviz.engine.losses import LOSSES
from nnviz.engine.optimizers import OPTIMIZERS
from nnviz.engine.schedules import get_schedule

from .stack import build_layers

#: fields whose change needs a new network (and so a reset); the optimizer counts without its lr
MODEL_FIELDS = ("dataset", "dataset_options", "features", "layers", "loss", "init", "l2", "seed", "dtype")
#: fields used when the next run starts
NEXT_RUN_FIELDS = ("epochs", "batch_size", "augment", "schedule")
#: fields a preset file must have
REQUIRED = ("name", "dataset", "layers", "loss", "optimizer", "epochs")


@dataclass
class RunConfig:
    #: the preset this configuration came from ("" for none)
    name: str = ""
    title: str = ""
    description: str = ""
    dataset: str = "moons"
    dataset_options: dict = field(default_factory=dict)
    #: input features of 2-D data ("x1^2", "sin(x1)", ...; see lab/features.py); empty: the raw inputs
    features: list[str] = field(default_factory=list)
    layers: list[dict] = field(default_factory=list)
    loss: str = "binary_crossentropy"
    init: str = "he"
    l2: float = 0.0
    seed: int = 0
    dtype: str = "float32"
    #: ``{"name": ..., "lr": ..., **extra settings (beta, rho, ...)}``
    optimizer: dict = field(default_factory=lambda: {"name": "sgd", "lr": 0.01})
    epochs: int = 1000
    #: None means full batch
    batch_size: int | None = None
    #: "epochs" or "iterations": how the app labels the count (full batch: the same thing)
    count_label: str = "epochs"
    #: training-time image augmentation, some of "flip", "shift", "rotate" (see nnviz.data.augment)
    augment: list[str] = field(default_factory=list)
    #: the learning-rate schedule, ``{"name": "cosine", **its parameters}`` (:mod:`nnviz.engine.schedules`)
    schedule: dict = field(default_factory=lambda: {"name": "constant"})

    # --- the optimizer's parts ---------------------------------------------------
    @property
    def optimizer_name(self) -> str:
        return str(self.optimizer.get("name", "sgd")).lower()

    @property
    def lr(self) -> float:
        lr = self.optimizer.get("lr")
        return float(lr) if lr is not None else float(get_optimizer(self.optimizer_name).lr)

    @lr.setter
    def lr(self, value: float) -> None:
        self.optimizer = {**self.optimizer, "lr": value}

    @property
    def optimizer_options(self) -> dict:
        """The optimizer's extra settings (beta, rho, ...), without its name and lr."""
        return {k: v for k, v in self.optimizer.items() if k not in ("name", "lr")}

    def with_optimizer(self, name: str, lr: float) -> "RunConfig":
        """A copy using optimizer ``name`` at ``lr``; the extra settings stay only if the name is the same."""
        out = self.copy()
        extra = self.optimizer_options if name == self.optimizer_name else {}
        out.optimizer = {"name": name, **extra, "lr": lr}
        return out

    # --- dictionaries --------------------------------------------------------------
    def to_dict(self) -> dict:
        """The preset form (JSON-serializable)."""
        return copy.deepcopy(asdict(self))

    @classmethod
    def from_dict(cls, data: dict) -> "RunConfig":
        """From :meth:`to_dict`'s form; unknown keys are ignored. Also reads the settings saved by
        nnviz 0.1 (``optimizer`` as a name beside ``lr`` and ``optimizer_options``, ``preset``)."""
        data = copy.deepcopy(dict(data))
        if isinstance(data.get("optimizer"), str):
            data["optimizer"] = {"name": data["optimizer"], **dict(data.get("optimizer_options") or {}),
                                 "lr": data.get("lr", get_optimizer(data["optimizer"]).lr)}
        if "preset" in data and "name" not in data:
            data["name"] = data.get("preset") or ""
        data["features"] = list(data.get("features") or [])         # None or absent: the raw inputs
        known = {k: v for k, v in data.items() if k in cls.__dataclass_fields__}
        return cls(**known)

    def copy(self) -> "RunConfig":
        return RunConfig.from_dict(self.to_dict())

    # --- what a change means ------------------------------------------------
    def model_key(self) -> tuple:
        """Everything that defines the network, its data and its optimizer: a change needs a reset."""
        fields = [getattr(self, f) for f in MODEL_FIELDS] + [self.optimizer_name, self.optimizer_options]
        return tuple(json.dumps(v, sort_keys=True, default=str) for v in fields)

    def same_settings(self, other: "RunConfig | None") -> bool:
        """True if ``other`` trains the same way (the name, title and description aside)."""
        if other is None:
            return False
        mine, theirs = self.to_dict(), other.to_dict()
        for key in ("name", "title", "description"):
            mine.pop(key), theirs.pop(key)
        return json.dumps(mine, sort_keys=True, default=str) == json.dumps(theirs, sort_keys=True, default=str)

    # --- checks ---------------------------------------------------------------
    def problems(self) -> dict[str, str]:
        """Hyperparameter problems, ``{field: sentence}``; empty when all is well."""
        out: dict[str, str] = {}
        lr = self.optimizer.get("lr", 0.01)
        if not (isinstance(lr, (int, float)) and math.isfinite(lr) and lr > 0):
            shown = f"{lr:g}" if isinstance(lr, (int, float)) else repr(lr)
            out["lr"] = f"Learning rate must be a positive number. Received: {shown}."
        if not isinstance(self.epochs, int) or self.epochs <= 0:
            label = "Iterations" if self.count_label == "iterations" else "Epochs"
            out["epochs"] = f"{label} must be a positive whole number. Received: {self.epochs}."
        if self.batch_size is not None and (not isinstance(self.batch_size, int) or self.batch_size <= 0):
            out["batch_size"] = f"Batch size must be a positive whole number or full batch. Received: {self.batch_size}."
        if not (math.isfinite(self.l2) and self.l2 >= 0):
            out["l2"] = f"L2 λ must be zero or positive. Received: {self.l2:g}."
        if self.loss not in LOSSES:
            out["loss"] = f"Unknown loss {self.loss!r}; expected one of {', '.join(LOSSES)}."
        if self.optimizer_name not in OPTIMIZERS:
            out["optimizer"] = (f"Unknown optimizer {self.optimizer_name!r}; expected one of "
                                f"{', '.join(OPTIMIZERS)}.")
        if self.features and not (isinstance(self.features, list) and set(self.features) <= set(FEATURES)
                                  and len(set(self.features)) == len(self.features)):
            out["features"] = (f"Input features must be distinct names among {', '.join(FEATURES)}. "
                               f"Received: {self.features!r}.")
        try:
            get_schedule(self.schedule)
        except (ValueError, TypeError) as exc:
            out["schedule"] = str(exc)
        opts = self.dataset_options
        if "test_fraction" in opts and not 0.0 < float(opts["test_fraction"]) < 1.0:
            out["test_fraction"] = f"Test fraction must be between 0 and 1. Received: {opts['test_fraction']:g}."
        if "n_samples" in opts and int(opts["n_samples"]) < 10:
            out["n_samples"] = f"Samples must be at least 10. Received: {opts['n_samples']}."
        unknown = [a for a in self.augment if a not in AUGMENTATIONS]
        if unknown:
            out["augment"] = f"Unknown augmentation {unknown[0]!r}; expected some of {', '.join(AUGMENTATIONS)}."
        if "noise" in opts and float(opts["noise"]) < 0:
            out["noise"] = f"Noise must be zero or positive. Received: {opts['noise']:g}."
        return out

    # --- building -------------------------------------------------------------
    def build_layers(self) -> list:
        return build_layers(self.layers)

    def build_model(self, input_shape) -> Sequential:
        """The network; with ``features`` it starts with an InputFeatures layer (the data stays 2-D)."""
        first = [InputFeatures(list(self.features), name="features_1")] if self.features else []
        return Sequential(first + self.build_layers(), input_shape=tuple(input_shape), loss=self.loss,
                          init=self.init, l2=self.l2, seed=self.seed, dtype=self.dtype)

    def build_optimizer(self, **overrides):
        """The optimizer, with the extra settings that apply to it (beta, rho, ...); ``overrides`` win."""
        name = self.optimizer_name
        accepted = inspect.signature(OPTIMIZERS[name].__init__).parameters if name in OPTIMIZERS else {}
        extra = {k: v for k, v in self.optimizer_options.items() if k in accepted}
        return get_optimizer({"name": name, **extra, "lr": self.lr, **overrides})

    def build_schedule(self):
        """The :class:`~nnviz.engine.schedules.Schedule` (ValueError naming a bad setting)."""
        return get_schedule(self.schedule)


def config_from_preset_dict(data: dict, source: str = "preset") -> RunConfig:
    """A preset file's contents as a RunConfig; ValueError naming missing or unknown fields."""
    if not isinstance(data, dict):
        raise ValueError(f"{source}: expected a JSON object. Received: {type(data).__name__}.")
    missing = [k for k in REQUIRED if k not in data]
    if missing:
        raise ValueError(f"{source}: missing field(s) {', '.join(missing)}.")
    unknown = sorted(set(data) - set(RunConfig.__dataclass_fields__))
    if unknown:
        raise ValueError(f"{source}: unknown field(s) {', '.join(unknown)}.")
    data = copy.deepcopy(data)
    if isinstance(data["optimizer"], str):
        data["optimizer"] = {"name": data["optimizer"]}
    return RunConfig(**data)


#: limits for settings read from files and saved preferences
MAX_TEXT, MAX_LAYERS, MAX_COUNT = 10_000, 1_000, 10**8


def checked_config(data, source: str) -> RunConfig:
    """A RunConfig from settings read from a file (a run file, a model's extra), with every key's type
    and range checked first; ValueError naming ``source`` and the key otherwise."""
    if not isinstance(data, dict):
        raise ValueError(f"{source}: the settings should be an object. Received: {type(data).__name__}.")

    def fail(key: str, expected: str, value) -> ValueError:
        return ValueError(f"{source}: setting {key!r} should be {expected}. Received: {str(value)[:60]!r}.")

    for key in ("name", "title", "description", "dataset", "loss", "init", "dtype", "count_label", "preset"):
        value = data.get(key)
        if value is not None and not (isinstance(value, str) and len(value) <= MAX_TEXT):
            raise fail(key, f"text of at most {MAX_TEXT:,} characters", value)
    for key, low, high in (("seed", 0, 2**32 - 1), ("epochs", 1, MAX_COUNT)):
        value = data.get(key, low)
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            raise fail(key, f"a whole number from {low:,} to {high:,}", value)
    batch = data.get("batch_size")
    if batch is not None and (isinstance(batch, bool) or not isinstance(batch, int) or not 1 <= batch <= MAX_COUNT):
        raise fail("batch_size", f"empty (full batch) or a whole number from 1 to {MAX_COUNT:,}", batch)
    l2 = data.get("l2", 0.0)
    if isinstance(l2, bool) or not isinstance(l2, (int, float)) or not (math.isfinite(l2) and 0 <= l2 <= 1e6):
        raise fail("l2", "a number from 0 to 1e6", l2)
    for key in ("dataset_options", "optimizer_options", "schedule"):
        if not isinstance(data.get(key, {}), dict) or not _plain(data.get(key, {})):
            raise fail(key, "an object of numbers and short texts", data.get(key))
    optimizer = data.get("optimizer", {"name": "sgd"})
    if not (isinstance(optimizer, str) and len(optimizer) <= 64) and not (isinstance(optimizer, dict)
                                                                         and _plain(optimizer)):
        raise fail("optimizer", "an optimizer name or an object of numbers and short texts", optimizer)
    for key in ("lr",):
        lr = optimizer.get(key) if isinstance(optimizer, dict) else data.get(key)
        if lr is not None and (isinstance(lr, bool) or not isinstance(lr, (int, float)) or not math.isfinite(lr)
                               or lr <= 0 or lr > 1e6):
            raise fail("lr", "a positive number up to 1e6", lr)
    augment = data.get("augment", [])
    if not isinstance(augment, list) or not all(a in AUGMENTATIONS for a in augment):
        raise fail("augment", f"a list of some of {', '.join(AUGMENTATIONS)}", augment)
    features = data.get("features") or []
    if not isinstance(features, list) or not all(isinstance(n, str) and n in FEATURES for n in features):
        raise fail("features", f"a list of input feature names ({', '.join(FEATURES)})", features)
    layers = data.get("layers", [])
    if not isinstance(layers, list) or len(layers) > MAX_LAYERS or not all(isinstance(x, dict) and _plain(x)
                                                                         for x in layers):
        raise fail("layers", f"a list of at most {MAX_LAYERS:,} layer specs", layers)
    return RunConfig.from_dict(data)


def _plain(mapping: dict) -> bool:
    """Text keys; values that are numbers (of sane size), booleans, None or short texts."""
    for key, value in mapping.items():
        if not isinstance(key, str) or len(key) > 100:
            return False
        if isinstance(value, int) and not isinstance(value, bool) and abs(value) > 2**53:
            return False
        if isinstance(value, float) and not math.isfinite(value):
            return False
        if not (value is None or isinstance(value, (bool, int, float)) or (isinstance(value, str) and len(value) < 4096)):
            return False
    return True
