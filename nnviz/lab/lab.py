"""The experiment: one object that owns the dataset, configuration, model, runs and run state.

:class:`Lab` is the app's model (as napari's ``ViewerModel``): plain Python,
no Qt. The GUI shows what it holds and calls its methods; the lab says what
changed through :class:`~nnviz.lab.events.Event` objects in ``lab.events``:

- ``config_applied(config)``: a whole configuration replaced the old one
  (a preset, a loaded model): fill every panel from it;
- ``checked()``: the configuration was checked again (``report``,
  ``problems``, ``modified``, ``train_block_reason()`` may have changed);
- ``dataset_changed()``: a dataset finished loading (or failed: ``dataset_error``);
- ``model_changed()``: a new network (views start over);
- ``state_changed(state)``: "idle", "running" or "paused";
- ``notice(text, level, action, tag)`` and ``notice_cleared(tag)``: a
  message for the banner (``action`` is "reset" or None);
- ``status(text, milliseconds)``: a passing message for the status bar;
- ``run_started(record)``, ``run_finished(result)``, ``run_added(record)``.

The time machine (:mod:`nnviz.lab.timeline`): ``lab.timeline`` holds the
current network's weight snapshots; ``set_moment(snapshot)`` rewinds what
views draw (``view_context()`` and ``snapshot()`` then use a frozen model with
that snapshot's weights); ``continue_from(snapshot)`` makes a network from a
snapshot's weights, ready for a run with the current settings.

While a run is on, the model belongs to the training thread: the lab only
talks to it through the session's :class:`~nnviz.lab.session.RunControl`,
and views get copies (``view_context().model`` is a frozen copy taken when
idle; during a run they draw what snapshots carry).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

from nnviz.data.augment import Augmenter
from nnviz.engine import load_model, save_model

from . import classroom as classrooms
from . import datasets
from .animation import BoundaryRecorder
from .config import NEXT_RUN_FIELDS, RunConfig, checked_config
from .events import Events
from .features import features_problem, split_features, stack_input
from .painted import PaintEdit, PaintedPoints, parse_points_csv
from .prediction import frozen_copy
from .presets import layer_to_spec, list_presets, load_preset
from .runs import RunLog, RunRecord
from .session import RunControl, RunResult, Snapshot, TrainingSession, history_snapshot
from .stack import StackReport, check_stack
from .timeline import (
    Timeline,
    WeightSnapshot,
    branched_model,
    model_at,
    moment_snapshot,
)

DATASET_OPTIONS = ("n_samples", "noise", "test_fraction")
#: a background loader: ``load(job, done)`` runs ``job()`` off the caller's thread, then ``done(value, error)``
BackgroundLoader = Callable[[Callable[[], Any], Callable[[Any, str | None], None]], None]


@dataclass
class ViewContext:
    """What views draw between runs: the dataset, a frozen copy of the model, the settings it was built with.

    ``generation`` changes whenever the network is replaced (a view can tell a
    redraw of the same network from a new one).
    """

    dataset: Any = None
    model: Any = None
    config: Any = None
    generation: int = 0
    #: the time machine's WeightSnapshot the model was rewound to, or None (the network as it is now)
    moment: Any = None

    @property
    def count_label(self) -> str:
        return getattr(self.config, "count_label", "epochs") if self.config is not None else "epochs"


@dataclass
class RunSummary:
    """How a finished run is reported: a status-bar line, a progress-bar line, and a banner (or none)."""

    status: str
    progress: str
    fraction: float | None = None
    notice: str = ""
    level: str = ""


class Lab:
    """See the module docstring. ``Lab(data_dir=None)``; then :meth:`apply_preset`."""

    def __init__(self, data_dir=None):
        self.events = Events("config_applied", "checked", "dataset_changed", "model_changed", "state_changed",
                             "notice", "notice_cleared", "status", "run_started", "run_finished", "run_added")
        self.data_dir: Path | None = Path(data_dir) if data_dir else None
        self.config = RunConfig()
        self.preset_config: RunConfig | None = None
        self.dataset = None
        self.dataset_error: str | None = None
        self.dataset_loading = False
        self._dataset_key: tuple | None = None
        #: the data a classroom file brought (dataset kind "embedded"); never reloaded from disk
        self.embedded = None
        #: set by the GUI to load file datasets off its thread; None loads them at once
        self.background: BackgroundLoader | None = None
        self.model = None
        self.optimizer = None
        self.model_config: RunConfig | None = None
        self.generation = 0
        self.report = StackReport()
        self.problems: dict[str, str] = {}
        self.state = "idle"
        self.control: RunControl | None = None
        #: epochs a second a run may train at most (None: as fast as it can), see set_speed
        self.speed: float | None = None
        self.run_config: RunConfig | None = None
        self.runs = RunLog()
        self.run_record: RunRecord | None = None
        self.recorder = BoundaryRecorder()
        self._run_id = 0
        self._reset_after_run = False
        self._copy: tuple | None = None       # (generation, iterations, frozen copy)
        self.timeline = Timeline()
        self.moment: WeightSnapshot | None = None
        self._moment_copy: tuple | None = None   # (snapshot, frozen model with its weights)
        self._branch: tuple | None = None        # (run id, epoch, origin) of the next run's record
        #: the points painted on the boundary plot: the dataset "painted" (see painted.py)
        self.painted = PaintedPoints()

    # ------------------------------------------------------------------ configuration
    def apply_preset(self, name: str) -> RunConfig:
        """Use the shipped preset ``name`` (ValueError if unknown); every panel follows."""
        preset = load_preset(name)
        self.preset_config = preset
        self.apply(preset.copy())
        return preset

    def apply(self, config: RunConfig) -> None:
        """Replace the whole configuration (panels are refilled through ``config_applied``)."""
        self.config = config.copy()
        self.events.config_applied.emit(self.config)
        self._check("config")

    def edit(self, config: RunConfig, field: str | None = None) -> None:
        """The panels now describe ``config`` (``field`` is what was edited)."""
        self.config = config.copy()
        self._check(field)

    def use_learning_rate(self, lr: float) -> None:
        """Put ``lr`` in the learning-rate field (the LR finder's suggestion): the panels show it, a run
        takes it at once, like an edit of the field."""
        config = self.config.copy()
        config.lr = float(lr)
        self.config = config
        self.events.config_applied.emit(config.copy())
        self._check("lr")

    @property
    def preset_name(self) -> str:
        return self.preset_config.name if self.preset_config is not None else ""

    @property
    def modified(self) -> bool:
        """True once the configuration differs from the preset it came from."""
        return self.preset_config is not None and not self.config.same_settings(self.preset_config)

    def set_data_dir(self, path) -> None:
        self.data_dir = Path(path) if path else None
        self._check("dataset")

    # ------------------------------------------------------------------ checking
    def _check(self, field: str | None) -> None:
        self._ensure_dataset(self.config)
        config = self.config              # a chosen table or folder may have widened the output layer
        ds = self.dataset
        shape, data = stack_input(config.features, ds)
        self.report = check_stack(config.layers, shape, loss=config.loss, init=config.init, dtype=config.dtype,
                                  data=data, batch_size=config.batch_size)
        if self.report.warning:
            self._notice(self.report.warning, "warning", tag="memory")
        else:
            self.events.notice_cleared.emit("memory")
        self.problems = config.problems()
        if features_problem(config.features, ds.input_shape if ds is not None else None):
            self.problems["features"] = features_problem(config.features, ds.input_shape)
        if self.state in ("running", "paused"):
            self._changed_while_running(field)
        elif self.dataset_loading:
            pass
        elif self.model is None or (self.model.history.epochs_done == 0 and self.stale()):
            self.new_model(quiet=True)
        elif self.stale():
            self._notice("You changed the network or its data. Train starts a new network with these settings; "
                         "Reset does so now.", "info", "reset", tag="stale")
        else:
            self.events.notice_cleared.emit("stale")
        self.events.checked.emit()

    def stale(self) -> bool:
        """True if the panels describe another network than the current one."""
        return self.model_config is None or self.config.model_key() != self.model_config.model_key()

    def _changed_while_running(self, field: str | None) -> None:
        if field == "lr":
            if "lr" in self.problems:
                self.events.status.emit(self.problems["lr"], 5000)
            elif self.control is not None:
                self.control.set_lr(self.config.lr)
                self.events.status.emit(f"Learning rate set to {self.config.lr:g}, applied now.", 5000)
        elif self.stale():
            self._notice("This change needs a new network: the current run keeps its settings until you reset.",
                         "warning", "reset", tag="stale")
        elif field in NEXT_RUN_FIELDS:
            self.events.status.emit("This change applies to the next run.", 5000)

    def train_block_reason(self) -> str | None:
        """Why a run cannot start now, or None."""
        if self.state == "paused":
            return None
        if self.dataset_loading:
            return f"Loading the dataset {self.config.dataset}…"
        if self.dataset is None:
            return f"No dataset: {self.dataset_error or 'none loaded.'}"
        if self.config.dataset == datasets.PAINTED and self.painted.problem():
            return self.painted.problem()
        if not self.report.ok:
            where = f"layer {self.report.error_row + 1}: " if self.report.error_row is not None else ""
            return f"The network is invalid ({where}{self.report.error})"
        if self.problems:
            return next(iter(self.problems.values()))
        if self.model is not None and tuple(self.model.input_shape) != tuple(self.dataset.input_shape) \
                and not self.stale():
            return (f"The network takes inputs of shape {tuple(self.model.input_shape)}, but {self.dataset.name} "
                    f"has {tuple(self.dataset.input_shape)}: pick a matching dataset or Reset.")
        return None

    # ------------------------------------------------------------------ data
    def _key_for(self, config: RunConfig) -> tuple:
        return (config.dataset, json.dumps(config.dataset_options, sort_keys=True, default=str), str(self.data_dir))

    def _ensure_dataset(self, config: RunConfig) -> None:
        key = self._key_for(config)
        if key == self._dataset_key:
            return
        self._dataset_key = key
        option_problems = [m for k, m in config.problems().items() if k in DATASET_OPTIONS]
        if option_problems:
            self._set_dataset(None, option_problems[0])
            return
        name, options, data_dir = config.dataset, dict(config.dataset_options), self.data_dir

        def job(report=None, should_stop=None):
            if name == datasets.EMBEDDED and self.embedded is not None:
                return self.embedded
            return datasets.load(name, options, data_dir, report=report, should_stop=should_stop,
                                 painted=self.painted)

        if self.background is None or datasets.loads_at_once(name):
            try:
                self._set_dataset(job(), None)
            except (datasets.DatasetError, ValueError, OSError, MemoryError) as exc:
                self._set_dataset(None, str(exc) or type(exc).__name__)
            return
        self.dataset, self.dataset_error, self.dataset_loading = None, None, True
        self.events.status.emit(f"Loading {datasets.label(name)}…", 0)

        def done(value, error):
            if self._dataset_key != key:
                return           # another dataset was chosen meanwhile
            self.dataset_loading = False
            self._set_dataset(value, error)
            if not error:
                self.events.status.emit(f"Dataset loaded: {datasets.describe(value)}.", 4000)
            self._check("dataset")

        self.background(job, done)

    def painted_changed(self) -> None:
        """``self.painted`` was edited: the "painted" dataset is made again from it (when it is the one used)."""
        if self.config.dataset == datasets.PAINTED and self.state == "idle":
            self._dataset_key = None
            self._check("dataset")

    def edit_painted(self, edit: PaintEdit) -> None:
        """Apply a painting edit (add, erase, clear, load or save points; see painted.py) when idle; the
        "painted" dataset follows and becomes the one used. A ValueError/OSError is an error notice."""
        if self.state != "idle":
            self._notice("Stop training before painting: a run trains on the points it started with.",
                         "warning", tag="paint")
            return
        try:
            changed = edit.apply(self.painted)
        except (ValueError, OSError) as exc:
            self._notice(str(exc) or type(exc).__name__, "error", tag="paint")
            return
        self.events.notice_cleared.emit("paint")
        if edit.status:
            self.events.status.emit(edit.status, 5000)
        if changed and self.config.dataset != datasets.PAINTED:
            config = self.config.copy()
            config.dataset, config.dataset_options = datasets.PAINTED, datasets.defaults(datasets.PAINTED)
            self.apply(config)
        elif changed:
            self.painted_changed()

    def _set_dataset(self, ds, error: str | None) -> None:
        self.dataset, self.dataset_error, self.dataset_loading = ds, error, False
        fitted = datasets.output_for_classes(self.config, ds.n_classes) \
            if ds is not None and self.config.dataset in datasets.CHOSEN else None
        if fitted is not None:            # your own data with more classes: the output layer follows
            self.config = fitted
            self._dataset_key = self._key_for(fitted)
            self.events.config_applied.emit(self.config)
            self._notice(f"The output layer now has {ds.n_classes} units (softmax, categorical cross-entropy) "
                         f"for the {ds.n_classes} classes of {ds.name}.", "info", tag="output")
        if error:
            self.events.status.emit(f"Could not load {self.config.dataset}: see the Data panel.", 8000)
        self.events.dataset_changed.emit()

    def open_dataset_file(self, path, read: Callable | None = None) -> None:
        """Use the dataset ``path`` belongs to; its folder becomes the data folder. Raises on failure.

        ``read(job)`` runs the reading (see :meth:`load_model`). A table (.csv, .tsv) or a folder of
        images becomes the "table" or "folder" dataset, read like a chosen dataset (in the background
        when there is one; a failure is then ``dataset_error``, shown by the dataset panel)."""
        if self.state != "idle":
            raise RuntimeError("Stop training before opening another dataset.")
        path = Path(path)
        kind = datasets.chosen_kind(path)
        if kind is not None:            # a table or an image folder: read like any chosen dataset
            config = self.config.copy()
            previous = config.dataset_options if config.dataset == kind else None
            shape = (self.model.input_shape if self.model is not None else
                     self.dataset.input_shape if self.dataset is not None else datasets.input_shape(config.dataset))
            config.dataset, config.dataset_options = kind, datasets.options_for(path, kind, previous, shape)
            self.apply(config)
            return
        job = lambda: datasets.load_file(path)  # noqa: E731
        ds = read(job) if read is not None else job()
        self.data_dir = path.parent
        config = self.config.copy()
        if ds.name in datasets.available():
            config.dataset, config.dataset_options = ds.name, datasets.defaults(ds.name)
        else:
            config.dataset, config.dataset_options = "file", {"path": str(path)}
        self._dataset_key = self._key_for(config)
        self._set_dataset(ds, None)
        self.apply(config)
        self.events.notice_cleared.emit(None)
        self.events.status.emit(f"Dataset {ds.name} loaded from {path.parent}.", 5000)

    # ------------------------------------------------------------------ the network
    def new_model(self, quiet: bool = False) -> None:
        """Build a fresh network from the configuration (or none if it is invalid); views start over."""
        config = self.config
        self.model = self.optimizer = None
        self.model_config = config.copy()
        self.run_record = None
        if self.dataset is not None and self.report.ok and not self.problems:
            try:
                self.model = config.build_model(self.dataset.input_shape)
                self.optimizer = config.build_optimizer()
            except (ValueError, TypeError, MemoryError) as exc:
                self.model = self.optimizer = None
                self._notice(str(exc) or type(exc).__name__, "error")
        self._model_replaced()
        if not quiet:
            self.events.status.emit("New network: weights initialized, history cleared.", 5000)

    def _model_replaced(self, timeline: Timeline | None = None) -> None:
        self.generation += 1
        self._copy = self._moment_copy = self.moment = self._branch = None
        self.timeline = timeline or Timeline(self.timeline.budget)
        self.events.model_changed.emit()

    def view_context(self) -> ViewContext:
        """What views draw now; its model is a frozen copy (never the network a run is training), and
        None when the network cannot take the dataset's inputs (train_block_reason says so)."""
        return ViewContext(dataset=self.dataset, model=self._frozen_model() if self._fits_data() else None,
                           config=self.model_config or self.config, generation=self.generation,
                           moment=self.moment if self.state == "idle" else None)

    def _fits_data(self) -> bool:
        return self.dataset is None or self.model is None or \
            tuple(self.model.input_shape) == tuple(self.dataset.input_shape)

    def _frozen_model(self):
        if self.model is None:
            return None
        if self.state != "idle":
            return self._copy[2] if self._copy is not None else None
        if self.moment is not None:
            if self._moment_copy is None or self._moment_copy[0] is not self.moment:
                self._moment_copy = (self.moment, model_at(self.model, self.moment))
            return self._moment_copy[1]
        key = (self.generation, self.model.history.iterations_done)
        if self._copy is None or self._copy[:2] != key:
            self._copy = (*key, frozen_copy(self.model))
        return self._copy[2]

    def snapshot(self, probes=()) -> Snapshot | None:
        """The current network's whole history with ``probes`` computed (idle only: None during a run)."""
        if self.model is None or self.state != "idle" or not self._fits_data():
            return None
        if self.moment is not None:
            return moment_snapshot(self.model, self._frozen_model(), self.moment, probes)
        return history_snapshot(self.model, probes=probes)

    def set_moment(self, snap: WeightSnapshot | None) -> bool:
        """Rewind what views draw to the time-machine snapshot ``snap`` (None: back to now); idle only."""
        if self.state != "idle" or self.model is None:
            return False
        self.moment = snap
        return True

    def continue_from(self, snap: WeightSnapshot, same_init: bool = False) -> None:
        """A network with ``snap``'s weights (``same_init``: the first snapshot's) and the current settings,
        ready for Train; its history is the run's up to ``snap``. The optimizer starts afresh (no momentum
        or Adam moments carried over). Raises RuntimeError/ValueError with a sentence when impossible."""
        reason = "Stop training first." if self.state != "idle" else self.train_block_reason()
        snaps = self.timeline.snapshots
        if reason or not snaps:
            raise RuntimeError(reason or "There are no snapshots yet: train the network first.")
        if same_init and snaps[0].epoch != 0:
            raise ValueError(f"The first snapshot is at {self.unit()} {snaps[0].epoch:,}: this network's "
                             "initial weights were not recorded (it came from a file).")
        snap = snaps[0] if same_init else snap
        index = next(i for i, s in enumerate(snaps) if s is snap)
        config = self.config.copy()
        model = branched_model(config.build_model(self.dataset.input_shape), self.model.history, snap)
        parent = self.run_record.id if self.run_record is not None else None
        where = f"run {parent}" if parent else "this network"
        origin = f"same initialization as {where}" if same_init else \
            f"branched from {where} at {self.unit()} {snap.epoch:,}"
        self.model, self.optimizer, self.model_config = model, config.build_optimizer(), config
        self.run_record = None
        self._model_replaced(self.timeline.branch(index))
        self._branch = (parent, snap.epoch, origin)

    def unit(self, config: RunConfig | None = None) -> str:
        config = config or self.run_config or self.model_config or self.config
        return "iteration" if config.count_label == "iterations" and config.batch_size is None else "epoch"

    def ready_text(self) -> str:
        config = self.config
        unit = self.unit(config)
        done = self.model.history.epochs_done if self.model is not None else 0
        return f"Ready: {unit} {done:,} — {config.epochs:,} {unit}s per run" if config.epochs > 0 else "Ready"

    # ------------------------------------------------------------------ runs
    def start_run(self, emit: Callable[[Snapshot], None], ready: Callable[[], bool] | None = None,
                  probes=(), callbacks=(), step_unit: str | None = None, **options) -> TrainingSession | None:
        """Prepare a run of the current network with the current settings; the caller runs the session.

        Builds a new network first if the settings changed. Returns None if
        nothing can be trained (``train_block_reason()`` says why).
        """
        if self.state != "idle" or self.train_block_reason() is not None:
            return None
        config = self.config.copy()
        if self.model is None or self.stale():
            self.new_model(quiet=self.model is None)
            if self.model is None:
                return None
            if self.model.history.epochs_done == 0:
                self.events.status.emit("Starting a new network with the current settings.", 5000)
        self.events.notice_cleared.emit(None)
        self.moment = None                    # the time machine shows the run as it trains
        self._frozen_model()                  # keep a copy for views that ask during the run
        self.optimizer.lr = config.lr
        self.run_config = config
        self._run_id += 1
        self.control = RunControl()
        self.control.set_speed(self.speed)
        if step_unit is not None:
            self.control.step(step_unit)
        ds = self.dataset
        if config.augment and ds.input_kind == "image" and "augment" not in options:
            options["augment"] = Augmenter.from_names(config.augment)
        session = TrainingSession(self.model, self.optimizer, (ds.X_train, ds.y_train, ds.X_test, ds.y_test),
                                  epochs=config.epochs, batch_size=config.batch_size, control=self.control,
                                  emit=emit, probes=list(probes), run_id=self._run_id, ready=ready,
                                  callbacks=[*callbacks, self.timeline.recorder((ds.X_train, ds.y_train))],
                                  schedule=config.build_schedule(), **options)
        self.run_record = self._record_for(config, options)
        self._set_state("paused" if step_unit else "running")
        self.events.run_started.emit(self.run_record)
        return session

    def _record_for(self, config: RunConfig, options: dict) -> RunRecord:
        """The run's record, with the settings it trains with.

        Training the same network further with the same settings continues its
        record; with other settings (a new learning rate, a bug switched on) it
        starts a new record that says which run it continues.
        """
        settings = config.to_dict()
        bug = options.get("gradient_fn")
        if bug is not None:
            settings["backprop"] = getattr(bug, "bug_name", getattr(bug, "__name__", "a bug"))
        previous, branch, self._branch = self.run_record, self._branch, None
        if previous is not None and previous in self.runs.records and _same_run(previous.settings, settings):
            previous.settings = settings
            previous.status = "running"
            return previous
        title = f"Run {len(self.runs) + 1}: {config.name or 'custom network'}"
        if branch is not None:
            title += f" ({branch[2]})"
        elif previous is not None and self.model.history.epochs_done:
            title += f" (continues run {previous.id})"
        record = self.runs.add(title, settings)
        if branch is not None:
            record.branched_from, record.origin = branch[:2], branch[2]
        record.status = "running"
        return record
    def on_snapshot(self, snap: Snapshot) -> None:
        """A snapshot reached the GUI thread: keep its boundary frame for the animation."""
        self.recorder.add_snapshot(snap)

    def run_finished(self, result: RunResult) -> RunSummary:
        """The run's thread has ended: back to idle; returns how to report the run."""
        self.control = None
        self._set_state("idle")
        if self.run_record is not None and self.model is not None:
            self.run_record.settings["epochs"] = self.model.history.epochs_done
            self.run_record.set_history(self.model.history)
            self.run_record.status = result.status
        summary = self.describe(result)
        if self._reset_after_run:
            self._reset_after_run = False
            self.reset()
        self.events.run_finished.emit(result)
        return summary

    def describe(self, result: RunResult) -> RunSummary:
        unit = self.unit()
        took = format_seconds(result.elapsed)
        if result.status == "completed":
            text = f"Training completed: {unit} {result.epochs_done:,} in {took}."
            history = self.model.history if self.model is not None else None
            acc = history.test_accuracy[-1] if history is not None and history.test_accuracy else None
            if acc is not None and acc == acc:
                text += f" Test accuracy {acc:.1%}."
            return RunSummary(text, text, 1.0)
        if result.status == "stopped":
            text = f"Training stopped at {unit} {result.epochs_done:,} (after {took})."
            return RunSummary(text, text)
        if result.status == "diverged":
            text = f"Training diverged: {result.message}"
            return RunSummary(text, f"Diverged at {unit} {result.epochs_done:,}", notice=text, level="warning")
        text = f"Training failed: {result.message}"
        return RunSummary(text, f"Failed at {unit} {result.epochs_done:,}", notice=result.message, level="error")

    def set_speed(self, epochs_per_second: float | None) -> None:
        """Slow runs down to at most this many epochs a second (None: full speed); a running one at once."""
        self.speed = None if epochs_per_second is None else float(epochs_per_second)
        if self.control is not None:
            self.control.set_speed(self.speed)

    def pause(self) -> None:
        if self.state == "running":
            self.control.pause()
            self._set_state("paused")

    def resume(self) -> None:
        if self.state == "paused":
            self.control.resume()
            self._set_state("running")

    def step(self, unit: str) -> bool:
        """One more iteration or epoch of a paused run; False if there is none to step."""
        if self.state == "paused":
            self.control.step(unit)
            return True
        return False

    def stop(self) -> None:
        if self.control is not None:
            self.control.stop()

    def refresh_probes(self) -> None:
        """A view's probe input changed: the running session computes every probe again soon."""
        if self.control is not None:
            self.control.refresh()

    def reset(self) -> None:
        """A new, untrained network (after the current run has stopped, if one is on)."""
        if self.state != "idle":
            self._reset_after_run = True
            self.stop()
            return
        self.events.notice_cleared.emit(None)
        self.new_model()

    def reset_recording(self, grid=None) -> None:
        """Start the boundary animation over for the current network (``grid``: the view's grid)."""
        start = self.model.history.epochs_done if self.model is not None else 0
        self.recorder.reset(self.dataset, self.unit(), grid=grid, start_epoch=start)

    def _set_state(self, state: str) -> None:
        self.state = state
        self.events.state_changed.emit(state)

    def _notice(self, text: str, level: str, action: str | None = None, tag: str | None = None) -> None:
        self.events.notice.emit(text, level, action, tag)

    # ------------------------------------------------------------------ files
    def load_model(self, path, read: Callable | None = None) -> None:
        """Load a saved model (or run) and the settings saved with it. Raises ModelFileError/OSError/ValueError.

        ``read(job)`` runs ``job()`` (reading and checking the file, which may take a few seconds for a
        file from elsewhere) and returns its result; the GUI passes one that keeps the window painting.
        Nothing changes unless the whole file was read and its settings are valid.
        """
        if self.state != "idle":
            raise RuntimeError("Stop training before loading a model.")
        job = lambda: load_model(path, with_optimizer=True, with_extra=True, with_arrays=True)  # noqa: E731
        model, optimizer, extra, arrays = read(job) if read is not None else job()
        extra = extra if isinstance(extra, dict) else {}
        saved = extra.get("run_config")
        config = checked_config(saved, Path(path).name) if isinstance(saved, dict) else self.config.copy()
        painted = extra.get("painted")
        points = parse_points_csv(painted, Path(path).name) if isinstance(painted, str) else None
        if not isinstance(saved, dict) and isinstance(extra.get("dataset"), str) \
                and extra["dataset"] in datasets.available():
            config.dataset, config.dataset_options = extra["dataset"], datasets.defaults(extra["dataset"])
        config.features, layers = split_features(model.layers)
        config.layers = [{k: v for k, v in layer_to_spec(layer).items() if k != "name"} for layer in layers]
        config.loss, config.init, config.l2, config.seed = model.loss.name, model.init, model.l2, model.seed
        config.dtype = model.dtype.name
        if optimizer is not None:
            config = config.with_optimizer(optimizer.name, optimizer.lr)
        self.preset_config = load_preset(config.name) if config.name in list_presets() else None
        if points is not None:
            self.painted.set_points(*points)
        self.apply(config)
        self.model = model
        self.optimizer = optimizer or config.build_optimizer()
        self.model_config = self.config.copy()
        self.run_record = None
        timeline, dropped = Timeline.from_file(extra.get("timeline"), arrays, model, Path(path).name,
                                               self.timeline.budget)
        self._model_replaced(timeline)
        if dropped:
            self._notice(dropped, "warning", tag="timeline")
        if self.dataset is not None and tuple(self.dataset.input_shape) != tuple(model.input_shape):
            self._notice(f"{Path(path).name} expects inputs of shape {tuple(model.input_shape)}, but the dataset "
                         f"{config.dataset} has {tuple(self.dataset.input_shape)}: pick a matching dataset.",
                         "warning")
        self.events.checked.emit()

    def config_to_save(self) -> RunConfig:
        """The network's own settings, with the run settings (lr, epochs, batch size) the panels show."""
        current = self.config
        config = self.model_config.copy() if self.model_config is not None else current.copy()
        config.optimizer = {**config.optimizer, "lr": current.lr}
        for field in ("epochs", "batch_size", "count_label"):
            setattr(config, field, getattr(current, field))
        return config

    def save_model(self, path, kind: str = "model", classroom=None) -> None:
        """Write the network (weights, optimizer state, history) and its settings to ``path``.

        ``classroom`` (a :class:`~nnviz.lab.classroom.Classroom`, with ``kind="run"``): a classroom file,
        with the teacher's note, the hidden controls and, unless the settings make it, the data."""
        if self.model is None:
            raise RuntimeError(f"There is no {'run' if kind == 'run' else 'network'} to save: "
                               "fix the settings first.")
        if self.state == "running":
            raise RuntimeError(f"Pause or stop training before saving the {kind}.")
        config = self.config_to_save()
        extra = {"app": "nnviz", "run_config": config.to_dict(), "dataset": config.dataset,
                 "class_names": list(getattr(self.dataset, "class_names", []) or [])}
        if getattr(self.dataset, "feature_mean", None) is not None:     # a table: how to standardise raw rows
            ds = self.dataset
            extra["standardization"] = {"features": list(ds.feature_names or []), "mean": ds.feature_mean.tolist(),
                                        "std": ds.feature_std.tolist()}
        arrays = None
        if kind == "run":           # with the time machine's snapshots
            extra["kind"] = "run"
            extra["timeline"], arrays = self.timeline.to_file()
        if config.dataset == datasets.PAINTED:
            extra["painted"] = self.painted.to_csv_text()      # the data itself: it exists nowhere else
        if classroom is not None:
            if classrooms.needs_embedding(config.dataset) and (config.dataset, config.dataset_options) != \
                    (self.config.dataset, self.config.dataset_options):
                raise RuntimeError("The data changed since this network was built: press Reset (or train) "
                                   "before saving the classroom file.")
            extra["classroom"], data, extra["run_config"] = classrooms.to_file(classroom, self.dataset,
                                                                              extra["run_config"])
            extra["dataset"] = extra["run_config"]["dataset"]
            arrays = {**(arrays or {}), **data}
        save_model(self.model, path, optimizer=self.optimizer, extra=extra, arrays=arrays)

    def open_run(self, path, read: Callable | None = None) -> RunRecord | None:
        """Restore a saved run (panels, network, curves); it joins the session's runs."""
        self.load_model(path, read=read)
        if not self.model.history.epochs_done:
            return None
        settings = self.config.to_dict()
        settings["epochs"] = self.model.history.epochs_done
        record = self.runs.record_model(self.model, settings, Path(path).name)
        record.status = self.model.history.status
        self.run_record = record
        self.events.run_added.emit(record)
        return record


    def open_classroom(self, path, read: Callable | None = None, tabs=None):
        """Open a run file (see :meth:`open_run`); returns its :class:`~nnviz.lab.classroom.Classroom`, or
        None for a plain run. Its embedded data becomes the dataset. ``tabs``: the tab names the window has.
        Raises ClassroomError (a ValueError) and changes nothing when the classroom part is malformed."""
        if self.state != "idle":
            raise RuntimeError("Stop training before opening a run.")
        job = lambda: load_model(path, with_optimizer=True, with_extra=True, with_arrays=True)  # noqa: E731
        loaded = read(job) if read is not None else job()
        room, data = classrooms.from_file(loaded[2], loaded[3], Path(path).name, tabs)
        previous = self.embedded, self._dataset_key
        if data is not None:
            self.embedded, self._dataset_key = data, None
        try:
            self.open_run(path, read=lambda _job: loaded)
        except BaseException:
            self.embedded, self._dataset_key = previous
            raise
        if data is not None and self.preset_config is not None:   # the preset, with its data in the file
            self.preset_config = self.preset_config.copy()
            self.preset_config.dataset, self.preset_config.dataset_options = \
                self.config.dataset, dict(self.config.dataset_options)
            self.events.checked.emit()
        return room


def _same_run(a: dict, b: dict) -> bool:
    """True if two runs' settings differ at most in their epoch count."""
    strip = lambda d: json.dumps({k: v for k, v in d.items() if k != "epochs"}, sort_keys=True, default=str)  # noqa: E731
    return strip(a) == strip(b)


def format_seconds(seconds: float | None) -> str:
    """``1:05`` or ``1:02:03``; ``…`` when unknown."""
    if seconds is None or seconds != seconds:
        return "…"
    s = int(round(seconds))
    h, rem = divmod(s, 3600)
    m, s = divmod(rem, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m}:{s:02d}"
