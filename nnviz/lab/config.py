"""A run's full description, as the panels show it, without Qt.

:class:`RunConfig` is what the dataset, builder and training panels edit
together; presets fill it, the main window validates it, and it builds the
model and optimizer for a run. Which changes need a new network (a reset)
and which can be applied to a running one is decided here too.
"""

from __future__ import annotations

import copy
import inspect
import json
import math
from dataclasses import asdict, dataclass, field

from nnviz.engine import Sequential, get_optimizer
from nnviz.engine.losses import LOSSES
from nnviz.engine.optimizers import OPTIMIZERS

from .stack import build_layers

GENERATED_DEFAULTS = {"n_samples": 1000, "noise": 0.2, "test_fraction": 0.1, "seed": 100}

#: fields whose change needs a new network (and so a reset)
MODEL_FIELDS = ("dataset", "dataset_options", "layers", "loss", "init", "l2", "seed", "dtype", "optimizer")
#: fields applied to a running network at once
LIVE_FIELDS = ("lr",)
#: fields used when the next run starts
NEXT_RUN_FIELDS = ("epochs", "batch_size")


@dataclass
class RunConfig:
    dataset: str = "moons"
    dataset_options: dict = field(default_factory=lambda: dict(GENERATED_DEFAULTS))
    layers: list[dict] = field(default_factory=list)
    loss: str = "binary_crossentropy"
    init: str = "he"
    l2: float = 0.0
    seed: int = 0
    dtype: str = "float32"
    optimizer: str = "sgd"
    #: extra optimizer settings from a preset (beta, rho, ...); lr is kept apart
    optimizer_options: dict = field(default_factory=dict)
    lr: float = 0.01
    epochs: int = 1000
    #: None means full batch
    batch_size: int | None = None
    count_label: str = "epochs"
    preset: str | None = None

    @classmethod
    def from_preset(cls, preset) -> "RunConfig":
        opt = dict(preset.optimizer)
        name = str(opt.pop("name", "sgd")).lower()
        lr = float(opt.pop("lr", get_optimizer(name).lr))
        return cls(dataset=preset.dataset, dataset_options=copy.deepcopy(preset.dataset_options),
                   layers=copy.deepcopy(preset.layers), loss=preset.loss, init=preset.init,
                   l2=float(preset.l2), seed=int(preset.seed), dtype=preset.dtype, optimizer=name,
                   optimizer_options=opt, lr=lr, epochs=int(preset.epochs), batch_size=preset.batch_size,
                   count_label=getattr(preset, "count_label", "epochs"), preset=preset.name)

    def to_dict(self) -> dict:
        return copy.deepcopy(asdict(self))

    @classmethod
    def from_dict(cls, data: dict) -> "RunConfig":
        known = {k: copy.deepcopy(v) for k, v in data.items() if k in cls.__dataclass_fields__}
        return cls(**known)

    def copy(self) -> "RunConfig":
        return RunConfig.from_dict(self.to_dict())

    # --- what a change means ------------------------------------------------
    def model_key(self) -> tuple:
        """Everything that defines the network and its data: a change needs a reset."""
        return tuple(json.dumps(getattr(self, f), sort_keys=True, default=str) for f in MODEL_FIELDS)

    def changed_fields(self, other: "RunConfig") -> set[str]:
        return {f for f in self.__dataclass_fields__ if getattr(self, f) != getattr(other, f)}

    # --- checks ---------------------------------------------------------------
    def problems(self) -> dict[str, str]:
        """Hyperparameter problems, ``{field: sentence}``; empty when all is well."""
        out: dict[str, str] = {}
        if not (isinstance(self.lr, (int, float)) and math.isfinite(self.lr) and self.lr > 0):
            out["lr"] = f"Learning rate must be a positive number. Received: {self.lr:g}."
        if not isinstance(self.epochs, int) or self.epochs <= 0:
            label = "Iterations" if self.count_label == "iterations" else "Epochs"
            out["epochs"] = f"{label} must be a positive whole number. Received: {self.epochs}."
        if self.batch_size is not None and (not isinstance(self.batch_size, int) or self.batch_size <= 0):
            out["batch_size"] = f"Batch size must be a positive whole number or full batch. Received: {self.batch_size}."
        if not (math.isfinite(self.l2) and self.l2 >= 0):
            out["l2"] = f"L2 λ must be zero or positive. Received: {self.l2:g}."
        if self.loss not in LOSSES:
            out["loss"] = f"Unknown loss {self.loss!r}; expected one of {', '.join(LOSSES)}."
        if self.optimizer not in OPTIMIZERS:
            out["optimizer"] = f"Unknown optimizer {self.optimizer!r}; expected one of {', '.join(OPTIMIZERS)}."
        opts = self.dataset_options
        if "test_fraction" in opts and not 0.0 < float(opts["test_fraction"]) < 1.0:
            out["test_fraction"] = f"Test fraction must be between 0 and 1. Received: {opts['test_fraction']:g}."
        if "n_samples" in opts and int(opts["n_samples"]) < 10:
            out["n_samples"] = f"Samples must be at least 10. Received: {opts['n_samples']}."
        if "noise" in opts and float(opts["noise"]) < 0:
            out["noise"] = f"Noise must be zero or positive. Received: {opts['noise']:g}."
        return out

    # --- building -------------------------------------------------------------
    def build_model(self, input_shape) -> Sequential:
        return Sequential(build_layers(self.layers), input_shape=tuple(input_shape), loss=self.loss,
                          init=self.init, l2=self.l2, seed=self.seed, dtype=self.dtype)

    def build_optimizer(self):
        """The optimizer, with the preset's extra settings that apply to it (beta, rho, ...)."""
        accepted = inspect.signature(OPTIMIZERS[self.optimizer].__init__).parameters
        extra = {k: v for k, v in self.optimizer_options.items() if k in accepted}
        return get_optimizer({"name": self.optimizer, **extra, "lr": self.lr})
