"""The time machine: weight snapshots of a network's runs, to rewind, replay and branch from. No Qt.

A :class:`Timeline` belongs to one network (its lineage: training it further
continues the same timeline). It keeps :class:`WeightSnapshot` objects: a
float32 copy of every parameter (``"dense_1.W"`` → array of the parameter's
shape) and every buffer (BatchNorm running statistics), with the epoch, the
iteration and the cost and accuracies at that moment.

Snapshots are taken in the training thread by :class:`TimelineRecorder`, an
engine callback the lab adds to every run: at the start of a run, at the
early-dense epochs 1, 2, 4, 8, … (powers of two), every ``every`` epochs
(about :data:`REGULAR` a run) and when the run ends. The timeline holds at
most ``budget`` bytes: when a snapshot takes it over, every other snapshot is
dropped (never the first nor the last) and ``every`` doubles, as often as
needed. A lock guards the list (the worker adds, the GUI reads).

``cost`` is the training cost *of these weights*: in full-batch runs, the
cost the very next step computes from them (so a run continued from a
snapshot starts at exactly that cost); for the last snapshot of a
full-batch run, the same cost computed directly; in mini-batch runs, the
mean cost of the epoch that just ended (what the cost curve shows).
``train_accuracy``, ``test_cost`` and ``test_accuracy`` are the history's
values at that epoch (test values are evaluated on exactly these weights).

Files: :meth:`Timeline.to_file` gives JSON metadata (``extra["timeline"]``
of a run file) and stacked arrays, ``timeline/<layer>/<key>`` of shape
(n, *parameter shape) and ``timeline_buffers/<layer>/<key>``;
:meth:`Timeline.from_file` reads them back, keeping what is whole when the
file's snapshots were cut short and saying what it dropped.
"""

from __future__ import annotations

import math
import threading
from dataclasses import dataclass, field

import numpy as np

from nnviz.engine.history import History

#: the default memory budget of a timeline, in megabytes (a setting in the app)
DEFAULT_BUDGET_MB = 200
#: regular snapshots a run aims at (besides the early-dense ones)
REGULAR = 100
FILE_VERSION = 1
META_KEYS = ("epoch", "iteration", "cost", "train_accuracy", "test_cost", "test_accuracy")


@dataclass
class WeightSnapshot:
    """One moment of a network: float32 copies of its parameters and buffers, and its numbers then."""

    epoch: int
    iteration: int
    weights: dict[str, np.ndarray]           # "layer.key" → float32 copy of the parameter
    buffers: dict[str, np.ndarray] = field(default_factory=dict)
    cost: float = math.nan
    train_accuracy: float = math.nan
    test_cost: float = math.nan
    test_accuracy: float = math.nan

    @property
    def nbytes(self) -> int:
        return sum(a.nbytes for a in self.weights.values()) + sum(a.nbytes for a in self.buffers.values())


def take_snapshot(model) -> WeightSnapshot:
    """A snapshot of ``model`` now, with the history's values for the last epoch done."""
    h = model.history
    weights = {f"{layer.name}.{k}": np.array(v, dtype=np.float32) for layer in model.layers
               for k, v in layer.params.items()}
    buffers = {f"{layer.name}.{k}": np.array(v, dtype=np.float32) for layer in model.layers
               for k, v in layer.buffers.items()}
    last = (lambda values: float(values[-1]) if values else math.nan)     # noqa: E731
    return WeightSnapshot(h.epochs_done, h.iterations_done, weights, buffers, cost=last(h.cost),
                          train_accuracy=last(h.train_accuracy), test_cost=last(h.test_cost),
                          test_accuracy=last(h.test_accuracy))


def load_weights(model, snap: WeightSnapshot) -> None:
    """Copy ``snap``'s weights and buffers into ``model`` (cast to its dtype).

    Raises ValueError naming the first parameter whose shape differs (or that the snapshot lacks).
    """
    for layer in model.layers:
        for store, source in ((layer.params, snap.weights), (layer.buffers, snap.buffers)):
            for key, value in store.items():
                name = f"{layer.name}.{key}"
                if name not in source:
                    raise ValueError(f"the snapshot has no {name}; the network has one of shape {value.shape}")
                if source[name].shape != value.shape:
                    raise ValueError(f"{name} is {source[name].shape} in the snapshot but {value.shape} in the "
                                     "network of the current settings")
    for layer in model.layers:
        for store, source in ((layer.params, snap.weights), (layer.buffers, snap.buffers)):
            for key, value in store.items():
                value[...] = source[f"{layer.name}.{key}"]


def truncated_history(history: History, epoch: int, iteration: int) -> History:
    """``history`` as it was after ``epoch`` epochs and ``iteration`` iterations."""
    data = history.to_dict()
    for key in ("epoch", "cost", "train_accuracy", "test_cost", "test_accuracy"):
        data[key] = list(data[key][:epoch])
    data["iteration_cost"] = list(data["iteration_cost"][:iteration])
    data["status"], data["message"] = ("stopped" if epoch else "new"), ""
    return History.from_dict(data)


def model_at(model, snap: WeightSnapshot):
    """A frozen copy of ``model`` with ``snap``'s weights and the history up to ``snap``."""
    twin = model.copy(with_history=False)
    load_weights(twin, snap)
    twin.history = truncated_history(model.history, snap.epoch, snap.iteration)
    return twin


def training_cost(model, X, y) -> float:
    """The training cost of ``model``'s weights on (X, y), as a full-batch step computes it (inference mode)."""
    X, y = model.check_inputs(X, y)
    with np.errstate(over="ignore", invalid="ignore", divide="ignore", under="ignore"):
        a = model.forward(X, training=False)
        return float(model.data_cost(a, model.targets(y)) + model.regularization_cost(X.shape[0]))


def megabytes(n: int) -> str:
    """``3.1 MB``, ``200 MB``, ``0.02 MB`` (1 MB = 2²⁰ bytes)."""
    mb = n / (1 << 20)
    return f"{mb:.0f} MB" if mb >= 100 or mb == int(mb) else f"{mb:.1f} MB" if mb >= 0.1 else f"{mb:.2f} MB"


class Timeline:
    """The snapshots of one network; see the module docstring. ``Timeline(budget_bytes)``."""

    def __init__(self, budget: int = DEFAULT_BUDGET_MB << 20):
        self.budget = int(budget)
        self.every: int | None = None        # regular spacing in epochs (set by the first run)
        self._snapshots: list[WeightSnapshot] = []
        self._lock = threading.Lock()

    # --- reading (any thread) ---------------------------------------------------------------
    @property
    def snapshots(self) -> list[WeightSnapshot]:
        with self._lock:
            return list(self._snapshots)

    def __len__(self) -> int:
        with self._lock:
            return len(self._snapshots)

    @property
    def nbytes(self) -> int:
        with self._lock:
            return sum(s.nbytes for s in self._snapshots)

    @property
    def last(self) -> WeightSnapshot | None:
        with self._lock:
            return self._snapshots[-1] if self._snapshots else None

    def describe(self) -> str:
        """``Time machine: 48 snapshots, 3.1 MB of 200 MB`` (MB: 2²⁰ bytes)."""
        n = len(self)
        return f"Time machine: {n:,} snapshot{'s' if n != 1 else ''}, {megabytes(self.nbytes)} of " \
               f"{megabytes(self.budget)}"

    # --- writing ---------------------------------------------------------------------------
    def due(self, epoch: int) -> bool:
        """Whether a snapshot is due after ``epoch`` epochs: 0, powers of two, multiples of ``every``."""
        return epoch == 0 or (epoch & (epoch - 1)) == 0 or (self.every is not None and epoch % self.every == 0)

    def add(self, snap: WeightSnapshot) -> None:
        """Keep ``snap`` (replacing a snapshot of the same iteration), then thin to the budget."""
        with self._lock:
            items = self._snapshots
            while items and items[-1].iteration >= snap.iteration:
                items.pop()
            items.append(snap)
            self._thin()

    def set_budget(self, budget: int) -> None:
        with self._lock:
            self.budget = int(budget)
            self._thin()

    def _thin(self) -> None:
        items = self._snapshots
        while len(items) > 2 and sum(s.nbytes for s in items) > self.budget:
            kept = items[:-1:2]              # every other one, from the first
            self._snapshots = items = kept + [items[-1]]
            self.every = (self.every or 1) * 2

    def branch(self, index: int) -> "Timeline":
        """A new timeline for a network continued from snapshot ``index``: the snapshots up to it (shared)."""
        twin = Timeline(self.budget)
        twin.every = self.every
        with self._lock:
            twin._snapshots = list(self._snapshots[:index + 1])
        return twin

    def recorder(self, data=None) -> "TimelineRecorder":
        """The engine callback that fills this timeline during a run (``data``: (X, y) of the training set)."""
        return TimelineRecorder(self, data)

    # --- files ------------------------------------------------------------------------------
    def to_file(self) -> tuple[dict, dict]:
        """(metadata for ``extra["timeline"]``, {dataset name: list of arrays to stack}) for a run file."""
        snaps = self.snapshots
        meta = {"version": FILE_VERSION, "count": len(snaps), "every": self.every,
                **{k: [getattr(s, k) for s in snaps] for k in META_KEYS}}
        arrays: dict[str, list] = {}
        if snaps:
            for group, attr in (("timeline", "weights"), ("timeline_buffers", "buffers")):
                for name in getattr(snaps[0], attr):
                    layer, key = name.rsplit(".", 1)
                    arrays[f"{group}/{layer}/{key}"] = [getattr(s, attr)[name] for s in snaps]
        return meta, arrays

    @classmethod
    def from_file(cls, meta, arrays: dict, model, source: str,
                  budget: int = DEFAULT_BUDGET_MB << 20) -> tuple["Timeline", str | None]:
        """The timeline a run file holds for ``model``, and a sentence if part of it had to be dropped.

        ``arrays`` maps dataset names (``timeline/<layer>/<key>``) to the arrays read. Snapshots are
        kept up to the shortest of the file's lists and stacks; a stack that is missing or does not
        fit the network drops them all. The model itself is never affected.
        """
        timeline = cls(budget)
        if not isinstance(meta, dict):
            has = any(k.startswith("timeline") for k in arrays)
            return timeline, (f"{source}: its time-machine snapshots have no index (extra 'timeline' is missing); "
                              "they were dropped, the run itself loaded." if has else None)
        count = meta.get("count")
        if isinstance(count, bool) or not isinstance(count, int) or count < 0:
            return timeline, f"{source}: the time machine's snapshot count is {count!r}, expected a whole " \
                             "number; the snapshots were dropped, the run itself loaded."
        every = meta.get("every")
        timeline.every = every if isinstance(every, int) and not isinstance(every, bool) and every > 0 else None
        lengths: dict[str, int] = {}
        for key in META_KEYS:
            values = meta.get(key)
            ok = isinstance(values, list) and all(
                isinstance(v, (int, float)) and not isinstance(v, bool) for v in values)
            lengths[f"the list {key!r}"] = len(values) if ok else 0
        stacks = {}
        for layer in model.layers:
            for group, store in (("timeline", layer.params), ("timeline_buffers", layer.buffers)):
                for key, value in store.items():
                    name = f"{group}/{layer.name}/{key}"
                    data = arrays.get(name)
                    if data is None:
                        return timeline, (f"{source}: the time machine's {name} is missing, so its {count:,} "
                                          "snapshots were dropped; the run itself loaded.")
                    if data.ndim != value.ndim + 1 or tuple(data.shape[1:]) != tuple(value.shape) \
                            or data.dtype.kind not in "biuf":
                        return timeline, (f"{source}: the time machine's {name} has shape {tuple(data.shape)}, "
                                          f"expected (snapshots, {', '.join(map(str, value.shape))}); its "
                                          f"{count:,} snapshots were dropped, the run itself loaded.")
                    stacks[(group, f"{layer.name}.{key}")] = data
                    lengths[name] = int(data.shape[0])
        kept = min([count, *lengths.values()])
        for i in range(kept):
            snap = WeightSnapshot(int(meta["epoch"][i]), int(meta["iteration"][i]), {}, {},
                                  **{k: float(meta[k][i]) for k in META_KEYS[2:]})
            for (group, name), data in stacks.items():
                (snap.weights if group == "timeline" else snap.buffers)[name] = np.array(data[i], dtype=np.float32)
            timeline._snapshots.append(snap)
        with timeline._lock:
            timeline._thin()
        if kept == count:
            return timeline, None
        short = min(lengths, key=lambda k: lengths[k])
        dropped = count - kept
        return timeline, (f"{source}: the time machine's snapshots are cut short ({short} holds {lengths[short]:,} "
                          f"of {count:,}): kept {kept:,}, dropped the last {dropped:,}; the run itself loaded.")


class TimelineRecorder:
    """Engine callback (training thread) that adds snapshots to a :class:`Timeline`; see the module docstring."""

    def __init__(self, timeline: Timeline, data=None):
        self.timeline = timeline
        self.data = data
        self._full_batch = False
        self._awaiting: WeightSnapshot | None = None    # its cost comes from the next step

    def on_train_begin(self, model, info) -> None:
        tl = self.timeline
        if tl.every is None:
            tl.every = max(1, math.ceil(int(info["epochs"]) / REGULAR))
        self._full_batch = int(info["iterations_per_epoch"]) == 1
        last = tl.last
        self._awaiting = None       # a snapshot of an earlier run keeps its cost (it may be shared by a branch)
        if last is None or last.iteration != model.history.iterations_done:
            self._take(model)

    def on_batch_end(self, model, info) -> None:
        if self._awaiting is not None:
            if self._full_batch:
                self._awaiting.cost = float(info["batch_cost"])      # computed from exactly those weights
            self._awaiting = None

    def on_epoch_end(self, model, info) -> None:
        if self.timeline.due(int(info["epoch"])):
            self._take(model)

    def on_train_end(self, model, history) -> None:
        last = self.timeline.last
        if history.status == "error" or (last is not None and last.iteration == history.iterations_done):
            if last is not None and self._awaiting is last:
                self._finish_cost(model, last)
            return
        self._finish_cost(model, self._take(model))

    def _take(self, model) -> WeightSnapshot:
        snap = take_snapshot(model)
        self._awaiting = snap if self._full_batch else None
        self.timeline.add(snap)
        return snap

    def _finish_cost(self, model, snap: WeightSnapshot) -> None:
        """The run's last snapshot has no next step: compute its cost directly (full-batch runs)."""
        if self._full_batch and self.data is not None:
            snap.cost = training_cost(model, *self.data)
        self._awaiting = None


def moment_snapshot(model, rewound, snap: WeightSnapshot, probes=()):
    """A :class:`~nnviz.lab.session.Snapshot` for views rewound to ``snap``: ``model``'s whole history (curves
    stay whole; the cost view marks the moment), ``epoch``/``iteration`` of ``snap``, and ``probes``
    computed on ``rewound`` (the frozen model with ``snap``'s weights)."""
    from dataclasses import replace

    from .session import history_snapshot

    whole = history_snapshot(model)
    with np.errstate(over="ignore", invalid="ignore", divide="ignore", under="ignore"):
        results = {p.key: p.compute(rewound) for p in probes}
    return replace(whole, epoch=snap.epoch, iteration=snap.iteration, probes=results)


def branched_model(model, history: History, snap: WeightSnapshot):
    """``model`` (built from the current settings) given ``snap``'s weights and ``history`` up to ``snap``.

    Raises ValueError with a sentence when the settings describe a network of another shape."""
    try:
        load_weights(model, snap)
    except ValueError as exc:
        raise ValueError(f"Continuing needs the network the snapshot comes from: {exc}. "
                         "Undo the change to the layers, or Reset.") from None
    model.history = truncated_history(history, snap.epoch, snap.iteration)
    return model
