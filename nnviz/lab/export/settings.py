"""How the network was trained, for the exported ``train.py``: optimizer, epochs, batch size, dataset.

The network itself (layers, loss, initializer, L2, seed, dtype) comes from
the model; these are the run settings around it, taken from the app's
configuration (:func:`settings_from_config`) or from what a model file
stores (:func:`settings_from_model_file`): the run configuration the app
saves, else the preset `nnviz train --save` names, else the optimizer saved
with the weights.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from nnviz.engine.optimizers import OPTIMIZERS

from ..config import RunConfig, checked_config
from ..presets import list_presets, load_preset

#: used when a model file says nothing about its training
DEFAULT_EPOCHS = 100


@dataclass
class TrainingSettings:
    """Run settings: ``optimizer`` is ``{"name": "adam", "lr": 0.001, **extra}``; ``batch_size`` None
    is full batch; ``dataset`` and ``dataset_options`` say which data (``""``: unknown)."""

    optimizer: dict = field(default_factory=lambda: {"name": "sgd", "lr": 0.01})
    epochs: int = DEFAULT_EPOCHS
    batch_size: int | None = None
    dataset: str = ""
    dataset_options: dict = field(default_factory=dict)
    count_label: str = "epochs"

    @property
    def optimizer_name(self) -> str:
        return str(self.optimizer.get("name", "sgd")).lower()

    @property
    def lr(self) -> float:
        return float(self.optimizer.get("lr", OPTIMIZERS.get(self.optimizer_name, OPTIMIZERS["sgd"])().lr))


def settings_from_config(config: RunConfig) -> TrainingSettings:
    """The settings of a :class:`RunConfig` (the app's ``lab.config_to_save()``, a preset)."""
    options = {k: v for k, v in config.optimizer.items() if k != "name"}
    return TrainingSettings(optimizer={"name": config.optimizer_name, **options, "lr": config.lr},
                            epochs=int(config.epochs), batch_size=config.batch_size, dataset=config.dataset,
                            dataset_options=dict(config.dataset_options), count_label=config.count_label)


def settings_from_model_file(extra: dict, optimizer=None, source: str = "model file") -> TrainingSettings:
    """The settings stored with a model: ``extra`` is what :func:`nnviz.engine.load_model` returns with
    ``with_extra=True``, ``optimizer`` the optimizer saved beside the weights (or None)."""
    extra = extra if isinstance(extra, dict) else {}
    if isinstance(extra.get("run_config"), dict):
        settings = settings_from_config(checked_config(extra["run_config"], source))
    elif isinstance(extra.get("preset"), str) and extra["preset"] in list_presets():
        preset = load_preset(extra["preset"])
        settings = settings_from_config(preset)
        dataset = extra.get("dataset")
        if isinstance(dataset, str) and dataset and dataset != preset.dataset:
            settings.dataset, settings.dataset_options = dataset, {}
    else:
        settings = TrainingSettings()
        if isinstance(extra.get("dataset"), str):
            settings.dataset = extra["dataset"]
    if optimizer is not None:  # the optimizer that really trained these weights
        settings.optimizer = dict(optimizer.get_config())
    return settings
