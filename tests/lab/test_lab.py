"""The Lab object, driven without Qt: configuration, checks, the network, a run, its record, file datasets."""

from __future__ import annotations

import numpy as np
import pytest

from nnviz.lab import Lab, RunConfig


def make_lab(**kwargs) -> tuple[Lab, list]:
    lab = Lab(**kwargs)
    seen: list = []
    for name in ("config_applied", "checked", "dataset_changed", "model_changed", "state_changed", "notice",
                 "notice_cleared", "run_started", "run_finished"):
        getattr(lab.events, name).connect(lambda *args, name=name: seen.append((name, args)))
    return lab, seen


def train(lab: Lab, epochs: int):
    config = lab.config.copy()
    config.epochs = epochs
    lab.edit(config, "epochs")
    result = lab.start_run(emit=lambda snap: None).run()
    return lab.run_finished(result)


def names(seen) -> list[str]:
    return [name for name, _ in seen]


def test_a_preset_fills_the_configuration_and_builds_its_network():
    lab, seen = make_lab()
    lab.apply_preset("moons")
    assert names(seen)[:1] == ["config_applied"] and "model_changed" in names(seen)
    assert lab.config.name == "moons" and not lab.modified
    assert lab.dataset.name == "moons" and lab.model is not None
    assert [layer.params["W"].shape[1] for layer in lab.model.layers] == [25, 50, 50, 25, 1]
    assert lab.train_block_reason() is None


def test_editing_marks_the_preset_modified_and_a_trained_network_stale():
    lab, seen = make_lab()
    lab.apply_preset("moons")
    config = lab.config.copy()
    config.lr = 0.5
    lab.edit(config, "lr")
    assert lab.modified and not lab.stale()          # a learning rate does not need a new network
    back = lab.config.copy()
    back.lr = 0.01
    lab.edit(back, "lr")
    assert not lab.modified

    train(lab, epochs=3)                            # a trained network: an architecture change is now stale
    generation = lab.generation
    config = lab.config.copy()
    config.layers = config.layers[:1] + config.layers[-1:]
    seen.clear()
    lab.edit(config, "layers")
    assert lab.stale() and lab.generation == generation
    assert ("notice", ("You changed the network or its data. Train starts a new network with these settings; "
                       "Reset does so now.", "info", "reset", "stale")) in seen


def test_invalid_settings_block_training_with_a_sentence():
    lab, _ = make_lab()
    lab.apply_preset("moons")
    config = lab.config.copy()
    config.lr = -1.0
    lab.edit(config, "lr")
    assert lab.train_block_reason() == "Learning rate must be a positive number. Received: -1."
    config = lab.config.copy()
    config.lr = 0.01
    config.layers = [{"type": "Conv2D", "filters": 2, "kernel_size": 3}] + config.layers
    lab.edit(config, "layers")
    assert lab.train_block_reason().startswith("The network is invalid (layer 1: ")


def test_a_run_records_the_settings_it_trained_with():
    """Reset, then a new learning rate, then Train: the record says the rate used, not the one at reset."""
    lab, seen = make_lab()
    lab.apply_preset("moons")
    lab.reset()
    config = lab.config.copy()
    config.lr, config.epochs = 0.5, 30
    lab.edit(config, "lr")
    snapshots = []
    session = lab.start_run(emit=snapshots.append)
    assert lab.state == "running" and ("state_changed", ("running",)) in seen
    assert lab.optimizer.lr == 0.5
    result = session.run()
    summary = lab.run_finished(result)
    assert lab.state == "idle" and result.status == "completed"
    assert summary.status.startswith("Training completed: epoch 30 in ")
    record = lab.runs.records[-1]
    assert record.settings["optimizer"]["lr"] == 0.5 and record.settings["epochs"] == 30
    assert record.epochs_done == 30 and record.status == "completed"
    assert np.allclose(record.history["cost"], lab.model.history.cost)
    assert snapshots[-1].reason == "final"


def test_views_get_a_frozen_copy_of_the_idle_network():
    lab, _ = make_lab()
    lab.apply_preset("moons")
    context = lab.view_context()
    assert context.model is not lab.model and context.generation == lab.generation
    X = lab.dataset.X_test
    np.testing.assert_array_equal(context.model.predict(X), lab.model.predict(X))
    context.model.layers[0].params["W"][...] = 0.0             # a view cannot change the lab's network
    assert np.any(lab.model.layers[0].params["W"] != 0.0)
    assert lab.view_context().model is context.model            # one copy per network state, shared


def test_file_datasets_load_through_the_background_loader(real_data_dir):
    jobs = []
    lab, seen = make_lab(data_dir=real_data_dir)
    lab.background = lambda job, done: jobs.append((job, done))
    lab.apply_preset("moons")
    assert jobs == []                                 # generated data load at once
    lab.apply_preset("cats-seed")
    assert len(jobs) == 1 and lab.dataset_loading and lab.dataset is None
    assert lab.train_block_reason() == "Loading the dataset cats…"
    job, done = jobs.pop()
    done(job(), None)
    assert not lab.dataset_loading and tuple(lab.dataset.input_shape) == (3, 64, 64)
    assert lab.model is not None and lab.train_block_reason() is None


def test_a_late_dataset_for_an_old_choice_is_dropped(real_data_dir):
    jobs = []
    lab, _ = make_lab(data_dir=real_data_dir)
    lab.background = lambda job, done: jobs.append((job, done))
    lab.apply_preset("cats-seed")
    old_job, old_done = jobs.pop()
    lab.apply_preset("moons")                         # chosen while cats were still loading
    old_done(old_job(), None)
    assert lab.dataset.name == "moons"


def test_the_configuration_reads_settings_saved_by_older_versions():
    old = {"dataset": "moons", "layers": [{"type": "Dense", "units": 1, "activation": "sigmoid"}],
           "optimizer": "adam", "optimizer_options": {"beta1": 0.8}, "lr": 0.003, "preset": "moons"}
    config = RunConfig.from_dict(old)
    assert config.optimizer == {"name": "adam", "beta1": 0.8, "lr": 0.003} and config.name == "moons"
    assert config.build_optimizer().lr == pytest.approx(0.003)


@pytest.mark.parametrize("field, value, expected", [
    ("seed", 2**200, "'seed' should be a whole number"),
    ("epochs", "many", "'epochs' should be a whole number"),
    ("layers", [{"type": "Dense", "units": 2**300}], "'layers' should be a list"),
    ("optimizer", {"name": "sgd", "lr": float("inf")}, "'optimizer' should be"),
    ("optimizer", {"name": "sgd", "lr": -2.0}, "'lr' should be a positive number"),
    ("name", "x" * 20_000, "'name' should be text"),
    ("l2", -1, "'l2' should be a number"),
])
def test_settings_from_a_file_are_checked_before_use(field, value, expected):
    from nnviz.lab.config import checked_config

    good = load_preset_dict()
    checked_config(good, "run.h5")                        # the preset itself passes
    with pytest.raises(ValueError, match=expected) as info:
        checked_config({**good, field: value}, "run.h5")
    assert str(info.value).startswith("run.h5: setting ")


def load_preset_dict() -> dict:
    from nnviz.lab.presets import load_preset

    return load_preset("moons").to_dict()


def test_a_run_file_with_a_huge_seed_is_refused_and_nothing_changes(tmp_path):
    lab, _ = make_lab()
    lab.apply_preset("moons")
    from nnviz.engine import save_model

    path = tmp_path / "odd.h5"
    config = lab.config.copy()
    settings = {**config.to_dict(), "seed": 2**200}        # as a stranger's file could say
    save_model(lab.model, path, optimizer=lab.optimizer, extra={"app": "nnviz", "run_config": settings})
    model = lab.model
    with pytest.raises(ValueError, match="seed"):
        lab.load_model(path)
    assert lab.model is model and lab.config.same_settings(config)
