"""Exploration series: one preset run several times with one thing changed.

A series file in ``resources/presets/series/NAME.json``::

    {"name": "compare-init", "title": "...", "description": "...",
     "base": "moons",                       # a preset name
     "changes": {"epochs": 2000},          # applied to every run
     "runs": [{"init": "zeros"}, {"init": "small"}, {"init": "xavier"}, {"init": "he"}],
     "record_gradient_norms": false}

Each run is the base preset with ``changes`` and then its own entry applied
(``optimizer`` replaces the base optimizer, keeping its lr unless given;
``lr`` changes only the learning rate; ``dropout`` inserts Dropout(keep_prob)
after every hidden Dense layer; ``hidden_activation`` sets every hidden
layer's activation). ``run_label`` names
what differs between runs, for legends.
"""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass
from typing import Any

from nnviz.resources_path import resource_root

from .presets import Preset, load_preset

SETTING_NAMES = {"hidden_activation": "hidden", "init": "init", "optimizer": "optimizer", "lr": "lr", "l2": "L2 λ", "dropout": "dropout keep",
                 "batch_size": "batch", "seed": "seed", "loss": "loss", "epochs": "epochs",
                 "backprop": "backprop"}


def _series_dir():
    return resource_root().joinpath("presets", "series")


def list_series() -> list[str]:
    return sorted(p.name[:-5] for p in _series_dir().iterdir() if p.name.endswith(".json"))


def load_series(name: str) -> dict:
    path = _series_dir().joinpath(f"{name}.json")
    if not path.is_file():
        raise ValueError(f"unknown exploration {name!r}; available: {', '.join(list_series())}.")
    return json.loads(path.read_text(encoding="utf-8"))


def apply_changes(preset: Preset, changes: dict) -> Preset:
    """A copy of ``preset`` with ``changes`` applied (see the module docstring)."""
    out = Preset(**copy.deepcopy(preset.to_dict()))
    for key, value in changes.items():
        if key == "optimizer":
            new = dict(value) if isinstance(value, dict) else {"name": value}
            new.setdefault("lr", out.optimizer.get("lr"))
            out.optimizer = new
        elif key == "lr":
            out.optimizer = {**out.optimizer, "lr": float(value)}
        elif key == "hidden_activation":
            out.layers = [{**spec, "activation": value} if spec.get("type") in ("Dense", "Conv2D") and i < len(out.layers) - 1
                          else spec for i, spec in enumerate(out.layers)]
        elif key == "dropout":
            out.layers = _with_dropout(out.layers, float(value))
        elif key in Preset.__dataclass_fields__:
            setattr(out, key, copy.deepcopy(value))
        else:
            raise ValueError(f"series change {key!r} is not a preset setting.")
    return out


def _with_dropout(layers: list[dict], keep_prob: float) -> list[dict]:
    out = []
    for i, spec in enumerate(layers):
        out.append(spec)
        if spec.get("type") == "Dense" and i < len(layers) - 1 and keep_prob < 1:
            out.append({"type": "Dropout", "keep_prob": keep_prob})
    return out


def settings_of(preset) -> dict:
    """The settings a legend may mention, as display strings.

    ``preset`` is a Preset (RunConfig), or a run record (anything with a
    ``settings`` dict), whose ``settings["backprop"]`` names a teaching bug
    it trained with ("correct" when absent).
    """
    settings = getattr(preset, "settings", None)
    backprop = "correct"
    if isinstance(settings, dict):
        backprop = str(settings.get("backprop") or "correct")
        preset = Preset.from_dict(settings)
    dropout = [s["keep_prob"] for s in preset.layers if s.get("type") == "Dropout"]
    hidden = sorted({s.get("activation") or "linear" for s in preset.layers[:-1] if s.get("type") in ("Dense", "Conv2D")})
    return {
        "hidden_activation": "/".join(hidden), "init": preset.init, "optimizer": preset.optimizer.get("name", "?"), "lr": f"{preset.optimizer.get('lr', 0):g}",
        "l2": f"{preset.l2:g}", "dropout": f"{dropout[0]:g}" if dropout else "none",
        "batch_size": "full" if preset.batch_size is None else str(preset.batch_size),
        "seed": str(preset.seed), "loss": preset.loss, "epochs": str(preset.epochs), "backprop": backprop,
    }


def run_labels(presets: list) -> list[str]:
    """One legend label per run naming only the settings that differ between runs (Presets or run records)."""
    settings = [settings_of(p) for p in presets]
    differing = [k for k in SETTING_NAMES if len({s[k] for s in settings}) > 1]
    if not differing:
        return [f"run {i + 1}" for i in range(len(presets))]
    return [", ".join(f"{SETTING_NAMES[k]} {s[k]}" for k in differing) for s in settings]


def series_presets(name: str) -> tuple[dict, list[Preset]]:
    """(series description, one Preset per run)."""
    series = load_series(name)
    base = apply_changes(load_preset(series["base"]), series.get("changes", {}))
    runs = [apply_changes(base, change) for change in series["runs"]]
    for run in runs:
        run.name = f"{series['name']}"
    return series, runs


class GradientNormsProbe:
    """Worker-side: a copy of what a :class:`~nnviz.engine.callbacks.GradientNorms` callback recorded so far."""

    key = "grad_norms"

    def __init__(self, callback):
        self.callback = callback

    def compute(self, model):
        return {name: list(values) for name, values in self.callback.norms.items()}


@dataclass
class SeriesRun:
    """One run of a series: its record in the session's log, its settings and its data."""

    record: Any
    config: Preset
    dataset: Any


def plan_series(name: str, log, data_dir=None, epochs: int | None = None, read=None) -> tuple[dict, list[SeriesRun]]:
    """Load the series ``name`` and its data, and add one queued record per run to ``log``.

    ``epochs`` overrides every run's count; ``read(job)``, if given, runs each dataset's loading (the GUI
    keeps its window painting meanwhile). Raises ValueError (unknown series,
    bad settings) or DatasetError (data not found) before any record is added.
    """
    from . import datasets

    series, presets = series_presets(name)
    if epochs is not None:
        for preset in presets:
            preset.epochs = int(epochs)
    loaded: dict = {}
    data = []
    for preset in presets:
        key = (preset.dataset, json.dumps(preset.dataset_options, sort_keys=True))
        if key not in loaded:
            job = lambda p=preset: datasets.load(p.dataset, p.dataset_options, data_dir)  # noqa: E731
            loaded[key] = read(job) if read is not None else job()
        data.append(loaded[key])
    title = series.get("title", name).split(":")[0]
    runs = []
    for preset, ds, label in zip(presets, data, run_labels(presets)):
        record = log.add(f"{title}: {label}", preset.to_dict(), group=name)
        record.status = "queued"
        runs.append(SeriesRun(record, preset, ds))
    return series, runs


def series_session(run: SeriesRun, series: dict, emit, ready=None, run_id: int = 0):
    """A :class:`~nnviz.lab.session.TrainingSession` for one series run, and its gradient-norm callback (or None)."""
    from nnviz.engine.callbacks import GradientNorms

    from .session import TrainingSession

    config, ds = run.config, run.dataset
    model = config.build_model(ds.input_shape)
    norms = GradientNorms() if series.get("record_gradient_norms") else None
    session = TrainingSession(model, config.build_optimizer(), (ds.X_train, ds.y_train, ds.X_test, ds.y_test),
                              epochs=config.epochs, batch_size=config.batch_size, emit=emit, ready=ready,
                              run_id=run_id, probes=[GradientNormsProbe(norms)] if norms is not None else [],
                              callbacks=[norms] if norms is not None else [])
    return session, norms
