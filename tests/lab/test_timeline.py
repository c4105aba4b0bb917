"""The time machine without Qt: which snapshots a run keeps, their weights and costs, the memory budget,
branching, and run files (whole, and cut short)."""

from __future__ import annotations

import json

import h5py
import numpy as np
import pytest

from nnviz.engine import Sequential
from nnviz.engine.safe_h5 import seal_file
from nnviz.lab import Lab
from nnviz.lab.boundary import boundary_frame, make_grid
from nnviz.lab.probes import EvaluationProbe
from nnviz.lab.runs import comparison_labels
from nnviz.lab.timeline import Timeline, WeightSnapshot


def trained_lab(epochs: int, layers=None, budget_mb=None) -> Lab:
    lab = Lab()
    lab.apply_preset("moons")
    config = lab.config.copy()
    config.epochs = epochs
    if layers is not None:
        config.layers = layers
    lab.edit(config, "layers")
    if budget_mb is not None:
        lab.timeline.set_budget(int(budget_mb * (1 << 20)))
    run(lab)
    return lab


def run(lab: Lab):
    result = lab.start_run(emit=lambda snap: None).run()
    lab.run_finished(result)
    return result


def fresh_model(lab: Lab) -> Sequential:
    """The run's network as it was built (same config and seed), untrained: an independent reference."""
    return lab.model_config.build_model(lab.dataset.input_shape)


SMALL = [{"type": "Dense", "units": 16, "activation": "relu"}, {"type": "Dense", "units": 1, "activation": "sigmoid"}]


def test_a_run_keeps_early_dense_and_regular_snapshots_whose_weights_are_the_network_then():
    lab = trained_lab(250, layers=SMALL)
    snaps = lab.timeline.snapshots
    epochs = [s.epoch for s in snaps]
    every = lab.timeline.every
    assert every == 3           # about 100 regular snapshots a run
    assert epochs == sorted({0, 250} | {e for e in range(251) if e & (e - 1) == 0 or e % every == 0})
    assert [s.iteration for s in snaps] == epochs          # full batch: one iteration an epoch
    # independent reference: the same network trained from scratch to each snapshot's epoch
    ds = lab.dataset
    for snap in (snaps[0], snaps[5], snaps[-1]):
        ref = fresh_model(lab)
        if snap.epoch:
            ref.fit(ds.X_train, ds.y_train, optimizer=lab.run_config.build_optimizer(), epochs=snap.epoch,
                    validation_data=(ds.X_test, ds.y_test))
        for name, layer, key in ref.parameters():
            assert snap.weights[name].dtype == np.float32
            assert np.array_equal(snap.weights[name], layer.params[key]), (snap.epoch, name)
        if snap.epoch:
            assert snap.test_accuracy == ref.history.test_accuracy[-1]
            assert snap.train_accuracy == ref.history.train_accuracy[-1]
    # each snapshot's cost is the training cost of its weights: the next epoch's (full batch) cost
    history = lab.model.history
    for snap in snaps[:-1]:
        assert snap.cost == history.cost[snap.epoch]
    last = snaps[-1]
    model = fresh_model(lab)
    for name, layer, key in model.parameters():
        layer.params[key][...] = last.weights[name]
    X, y = model.check_inputs(ds.X_train, ds.y_train)
    cost, _ = model.cost_and_gradients(X, model.targets(y))          # what a training step computes
    assert last.cost == cost


def test_the_memory_budget_holds_on_a_long_run_and_keeps_the_first_and_last_snapshots():
    per_snapshot = 4 * (2 * 16 + 16 + 16 + 1)          # float32 bytes of W1, b1, W2, b2
    budget = 30 * per_snapshot
    lab = trained_lab(600, layers=SMALL, budget_mb=budget / (1 << 20))
    snaps = lab.timeline.snapshots
    held = sum(a.nbytes for s in snaps for a in (*s.weights.values(), *s.buffers.values()))
    assert held == lab.timeline.nbytes <= budget
    assert len(snaps) >= 15                        # thinned by halves: at least half the budget in use
    assert snaps[0].epoch == 0 and snaps[-1].epoch == 600
    assert lab.timeline.every > 6                  # the regular spacing doubled with each thinning
    assert "snapshots" in lab.timeline.describe() and "of" in lab.timeline.describe()


def test_thinning_drops_every_other_snapshot_but_never_the_first_or_last():
    one = WeightSnapshot(0, 0, {"a.W": np.zeros(250, np.float32)})        # 1,000 bytes each
    timeline = Timeline(budget=5_500)
    for i in range(6):
        timeline.add(WeightSnapshot(i, i, {"a.W": np.zeros(250, np.float32)}))
    assert [s.epoch for s in timeline.snapshots] == [0, 2, 4, 5]
    timeline.set_budget(one.nbytes * 2)
    assert [s.epoch for s in timeline.snapshots] == [0, 5]               # never fewer than the two ends


def test_rewinding_gives_views_a_model_with_the_snapshots_weights():
    lab = trained_lab(20)
    snap = lab.timeline.snapshots[4]
    assert lab.set_moment(snap)
    context = lab.view_context()
    assert context.moment is snap and context.model.history.epochs_done == snap.epoch
    ds = lab.dataset
    grid = make_grid(np.concatenate([ds.X_train, ds.X_test]), n=40)

    class Probe:
        key = "boundary"

        def compute(self, model):
            return boundary_frame(model.predict, grid)

    shot = lab.snapshot([Probe(), EvaluationProbe(ds.X_test, ds.y_test, 2, images=False)])
    reference = fresh_model(lab)
    for name, layer, key in reference.parameters():
        layer.params[key][...] = snap.weights[name]
    assert np.array_equal(shot.probes["boundary"].probs, boundary_frame(reference.predict, grid).probs)
    assert shot.probes["evaluation"].accuracy == snap.test_accuracy
    assert shot.epoch == snap.epoch and len(shot.new_cost) == 20        # the whole curve, the moment's epoch
    assert lab.set_moment(None) and lab.view_context().moment is None


def test_continue_from_here_starts_at_the_snapshots_cost_with_the_new_settings():
    lab = trained_lab(30)
    first_record = lab.run_record
    snap = next(s for s in lab.timeline.snapshots if s.epoch == 16)
    config = lab.config.copy()
    config.lr, config.epochs = 0.05, 4
    lab.edit(config, "lr")
    lab.continue_from(snap)
    assert lab.model.history.epochs_done == 16 and lab.optimizer.lr == 0.05
    run(lab)
    record = lab.run_record
    assert record is not first_record and record.branched_from == (first_record.id, 16)
    assert record.history["cost"][16] == snap.cost                      # the new run's first cost
    assert lab.model.history.epochs_done == 20
    labels = comparison_labels([first_record, record])
    assert "branched from run 1 at epoch 16" in labels[1] and "branched" not in labels[0]
    assert [s.epoch for s in lab.timeline.snapshots][-5:] == [16, 17, 18, 19, 20]


def test_same_initialization_reruns_from_epoch_zero_and_refuses_another_network():
    lab = trained_lab(10)
    initial = lab.timeline.snapshots[0]
    config = lab.config.copy()
    config.lr = 0.1
    lab.edit(config, "lr")
    lab.continue_from(None, same_init=True)
    assert lab.model.history.epochs_done == 0
    for name, layer, key in lab.model.parameters():
        assert np.array_equal(layer.params[key], initial.weights[name])
    run(lab)
    assert lab.run_record.origin == "same initialization as run 1"
    config = lab.config.copy()
    config.layers = [{"type": "Dense", "units": 7, "activation": "relu"},
                     {"type": "Dense", "units": 1, "activation": "sigmoid"}]
    lab.edit(config, "layers")
    with pytest.raises(ValueError, match="dense_1.W is \\(2, 25\\) in the snapshot but \\(2, 7\\)"):
        lab.continue_from(lab.timeline.snapshots[1])


def test_a_run_file_round_trips_its_snapshots(tmp_path):
    lab = trained_lab(12, layers=[{"type": "Dense", "units": 6, "activation": "relu"},
                                  {"type": "BatchNorm"},
                                  {"type": "Dense", "units": 1, "activation": "sigmoid"}])
    path = tmp_path / "run.h5"
    lab.save_model(path, kind="run")
    other = Lab()
    other.apply_preset("moons")
    notices = []
    other.events.notice.connect(lambda text, *rest: notices.append(text))
    other.open_run(path)
    saved, loaded = lab.timeline.snapshots, other.timeline.snapshots
    assert len(loaded) == len(saved) > 5 and not notices
    assert other.timeline.every == lab.timeline.every
    for a, b in zip(saved, loaded):
        assert (a.epoch, a.iteration) == (b.epoch, b.iteration)
        for key in ("cost", "train_accuracy", "test_cost", "test_accuracy"):
            assert getattr(a, key) == getattr(b, key) or (np.isnan(getattr(a, key)) and np.isnan(getattr(b, key)))
        assert a.weights.keys() == b.weights.keys() and a.buffers.keys() == b.buffers.keys()
        assert a.buffers                                     # BatchNorm running statistics too
        for name in a.weights:
            assert np.array_equal(a.weights[name], b.weights[name])
        for name in a.buffers:
            assert np.array_equal(a.buffers[name], b.buffers[name])


def _cut(path, edit) -> None:
    with h5py.File(path, "r+") as f:
        edit(f)
    seal_file(path)       # as another program that edited the file would


def test_run_files_with_snapshots_cut_short_load_the_rest_with_one_message(tmp_path):
    lab = trained_lab(12)
    path = tmp_path / "run.h5"
    lab.save_model(path, kind="run")
    count = len(lab.timeline)

    def shorten(f):
        data = f["arrays/timeline/dense_3/b"][:5]
        del f["arrays/timeline/dense_3/b"]
        f.create_dataset("arrays/timeline/dense_3/b", data=data)

    def lose_entries(f):
        extra = json.loads(f.attrs["extra"])
        extra["timeline"]["cost"] = extra["timeline"]["cost"][:7]
        f.attrs["extra"] = json.dumps(extra)

    def lose_stack(f):
        del f["arrays/timeline/dense_1/W"]

    for edit, kept, words in ((shorten, 5, f"timeline/dense_3/b holds 5 of {count}"),
                              (lose_entries, 7, f"the list 'cost' holds 7 of {count}"),
                              (lose_stack, 0, "timeline/dense_1/W is missing")):
        broken = tmp_path / f"{edit.__name__}.h5"
        broken.write_bytes(path.read_bytes())
        _cut(broken, edit)
        other = Lab()
        other.apply_preset("moons")
        notices = []
        other.events.notice.connect(lambda text, *rest: notices.append(text))
        other.open_run(broken)
        assert len(notices) == 1 and words in notices[0] and "the run itself loaded" in notices[0], notices
        assert broken.name in notices[0]
        assert len(other.timeline) == kept
        assert other.model.history.epochs_done == 12                # the rest loads
        for a, b in zip(lab.timeline.snapshots, other.timeline.snapshots):
            assert a.epoch == b.epoch and np.array_equal(a.weights["dense_2.W"], b.weights["dense_2.W"])
