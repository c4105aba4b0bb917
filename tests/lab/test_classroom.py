"""Classroom files without Qt: the round trip of note, hidden controls, data, weights and snapshots, the
data travelling in the file (a table whose CSV is gone, the cats images), and hostile files refused with
one sentence (wrong shapes, huge declared sizes, labels out of range, a 10 MB note, unknown controls, a
structural fuzz of the classroom part)."""

from __future__ import annotations

import copy
import json

import h5py
import numpy as np
import pytest

from nnviz.engine import load_model, save_model
from nnviz.engine.io import ModelFileError
from nnviz.engine.safe_h5 import seal_file
from nnviz.lab import Lab
from nnviz.lab.classroom import (
    MAX_NOTE,
    Classroom,
    ClassroomError,
    catalogue,
    from_file,
)

REFUSALS = (ClassroomError, ModelFileError)


def write_table(path, rows: int = 150, seed: int = 3) -> None:
    """Three well separated classes of 4 measurements, names as labels (as the Iris table has)."""
    rng = np.random.default_rng(seed)
    centres = np.array([[5.0, 3.4, 1.5, 0.2], [5.9, 2.8, 4.3, 1.3], [6.6, 3.0, 5.6, 2.0]])
    names = ["setosa", "versicolor", "virginica"]
    lines = ["sepal_length,sepal_width,petal_length,petal_width,species"]
    for i in range(rows):
        c = i % 3
        x = centres[c] + rng.normal(0, 0.15, 4)
        lines.append(",".join(f"{v:.2f}" for v in x) + f",{names[c]}")
    path.write_text("\n".join(lines) + "\n")


def trained_lab(lab: Lab, epochs: int = 20) -> Lab:
    config = lab.config.copy()
    config.epochs = epochs
    lab.edit(config, "epochs")
    lab.run_finished(lab.start_run(emit=lambda snap: None).run())
    return lab


def weights(model) -> list[np.ndarray]:
    return [layer.params[k] for layer in model.layers for k in sorted(layer.params)]


def same_data(a, b) -> bool:
    return all(np.array_equal(getattr(a, k), getattr(b, k)) and getattr(a, k).dtype == getattr(b, k).dtype
               for k in ("X_train", "y_train", "X_test", "y_test")) and list(a.class_names) == list(b.class_names)


@pytest.fixture
def table_classroom(tmp_path):
    """(saved lab, classroom file) for a CSV table trained 20 epochs; the CSV is deleted afterwards."""
    csv = tmp_path / "flowers.csv"
    write_table(csv)
    lab = Lab()
    lab.apply_preset("moons")
    lab.open_dataset_file(csv)
    assert lab.dataset is not None and lab.dataset.input_shape == (4,) and lab.dataset.n_classes == 3
    trained_lab(lab)
    room = Classroom("Change only the learning rate: which value trains fastest?",
                     {"layers", "optimizer", "tab:gradCheckView"})
    path = tmp_path / "lesson.h5"
    lab.save_model(path, kind="run", classroom=room)
    csv.unlink()                        # the class has the classroom file, not the table
    return lab, path


def test_a_table_classroom_reopens_with_its_note_controls_data_weights_and_snapshots(table_classroom, tmp_path):
    lab, path = table_classroom
    other = Lab(data_dir=tmp_path / "empty")      # a data folder without the data
    other.apply_preset("moons")
    room = other.open_classroom(path)
    assert room.note == "Change only the learning rate: which value trains fastest?"
    assert room.hidden == {"layers", "optimizer", "tab:gradCheckView"}
    assert other.config.dataset == "embedded" and other.dataset_error is None
    assert same_data(lab.dataset, other.dataset)
    assert np.array_equal(lab.dataset.feature_mean, other.dataset.feature_mean)
    assert np.array_equal(lab.dataset.feature_std, other.dataset.feature_std)
    assert list(other.dataset.feature_names) == list(lab.dataset.feature_names)
    assert all(np.array_equal(a, b) for a, b in zip(weights(lab.model), weights(other.model), strict=True))
    assert len(other.timeline.snapshots) == len(lab.timeline.snapshots) > 1
    assert other.model.history.epochs_done == 20
    # the class can train further on the data in the file; the lab never looks for the table on disk
    assert other.train_block_reason() is None
    other.set_data_dir(tmp_path)
    assert other.dataset is not None and other.dataset_error is None
    trained_lab(other, epochs=5)
    assert other.model.history.epochs_done == 25
    # saving a classroom of a classroom keeps the data in the file
    again = tmp_path / "again.h5"
    other.save_model(again, kind="run", classroom=room)
    third = Lab()
    third.open_classroom(again)
    assert same_data(lab.dataset, third.dataset)


def test_a_generated_dataset_is_not_embedded(tmp_path):
    lab = Lab()
    lab.apply_preset("moons")
    trained_lab(lab, 10)
    path = tmp_path / "moons.h5"
    lab.save_model(path, kind="run", classroom=Classroom("Look at the boundary.", {"reset"}))
    _, _, extra, arrays = load_model(path, with_optimizer=True, with_extra=True, with_arrays=True)
    assert extra["classroom"]["data"] is None and not any(k.startswith("classroom/") for k in arrays)
    assert extra["run_config"]["dataset"] == "moons"
    other = Lab()
    room = other.open_classroom(path)
    assert room.hidden == {"reset"} and room.note == "Look at the boundary."
    assert other.config.dataset == "moons" and same_data(lab.dataset, other.dataset)
    assert other.config.epochs == 10 and other.preset_name == "moons"


def test_a_plain_run_has_no_classroom(tmp_path):
    lab = Lab()
    lab.apply_preset("moons")
    trained_lab(lab, 5)
    lab.save_model(tmp_path / "run.h5", kind="run")
    assert Lab().open_classroom(tmp_path / "run.h5") is None


def test_cats_images_travel_as_bytes_and_come_back_exactly(real_data_dir, tmp_path):
    lab = Lab(real_data_dir)
    lab.apply_preset("cats-deep")
    trained_lab(lab, 2)
    path = tmp_path / "cats-class.h5"
    lab.save_model(path, kind="run", classroom=Classroom("Which pictures fool it?", {"dataset"}))
    _, _, extra, arrays = load_model(path, with_optimizer=True, with_extra=True, with_arrays=True)
    assert extra["classroom"]["data"]["x_encoding"] == "uint8/255"
    assert arrays["classroom/data/X_train"].dtype == np.uint8
    assert arrays["classroom/data/X_train"].shape == (209, 3, 64, 64)
    other = Lab(data_dir=None)
    other.open_classroom(path)
    assert same_data(lab.dataset, other.dataset) and other.dataset.input_shape == (3, 64, 64)
    assert other.preset_name == "cats-deep" and other.preset_config.dataset == "embedded"   # only epochs differ
    assert other.config.to_dict() == {**other.preset_config.to_dict(), "epochs": 2}
    assert all(np.array_equal(a, b) for a, b in zip(weights(lab.model), weights(other.model), strict=True))


def test_saving_refuses_a_note_too_long_and_unknown_controls(tmp_path):
    lab = Lab()
    lab.apply_preset("moons")
    with pytest.raises(ClassroomError, match=f"more than the {MAX_NOTE:,}"):
        lab.save_model(tmp_path / "x.h5", kind="run", classroom=Classroom("x" * (MAX_NOTE + 1)))
    with pytest.raises(ClassroomError, match="'wings' is not one nnviz knows"):
        lab.save_model(tmp_path / "x.h5", kind="run", classroom=Classroom("", {"wings"}))
    assert not (tmp_path / "x.h5").exists()
    assert "tab:gradCheckView" in catalogue() and "tab:mainViews" not in catalogue()


# ------------------------------------------------------------------------------ hostile files
@pytest.fixture
def parts(table_classroom):
    """(lab, the file's model, optimizer, extra, arrays) to forge hostile classroom files from."""
    lab, path = table_classroom
    model, optimizer, extra, arrays = load_model(path, with_optimizer=True, with_extra=True, with_arrays=True)
    return lab, model, optimizer, extra, arrays


def forge(tmp_path, parts, edit_extra=None, edit_arrays=None, name="hostile.h5"):
    _, model, optimizer, extra, arrays = parts
    extra, arrays = copy.deepcopy(extra), dict(arrays)
    if edit_extra:
        edit_extra(extra)
    if edit_arrays:
        edit_arrays(arrays)
    path = tmp_path / name
    save_model(model, path, optimizer=optimizer, extra=extra, arrays=arrays)
    return path


def data(extra):
    return extra["classroom"]["data"]


HOSTILE = {
    "a 10 MB note": (lambda e: e["classroom"].update(note="n" * (10 << 20)), None,
                     "the teacher's note holds 10,485,760 characters, more than the 600"),
    "an unknown control": (lambda e: e["classroom"].update(hidden=["layers", "self_destruct"]), None,
                           "the hidden control 'self_destruct' is not one nnviz knows"),
    "an unknown tab": (lambda e: e["classroom"].update(hidden=["tab:secretView"]), None,
                       "the hidden control 'tab:secretView' is not one nnviz knows"),
    "hidden not a list": (lambda e: e["classroom"].update(hidden="layers"), None,
                          "the hidden controls should be a list of control names"),
    "a newer version": (lambda e: e["classroom"].update(version=7), None, "classroom format version 7"),
    "a huge declared sample count": (lambda e: data(e).update(n_train=10**12), None,
                                     "X_train should have shape (1000000000000, 4). Received: (120, 4)"),
    "a huge declared input shape": (lambda e: data(e).update(input_shape=[100000, 100000]), None,
                                    "input shape should be 1 to 3 whole numbers"),
    "a wrong X shape": (None, lambda a: a.update({"classroom/data/X_test": a["classroom/data/X_test"][:, :3]}),
                        "X_test should have shape (30, 4). Received: (30, 3)"),
    "missing labels": (None, lambda a: a.pop("classroom/data/y_train"), "y_train should have shape (120,)"),
    "a label out of range": (None, lambda a: a.update({"classroom/data/y_test": a["classroom/data/y_test"] + 5}),
                             "holds the label 7, expected labels from 0 to 2 (3 classes)"),
    "a negative label": (None, lambda a: a.update({"classroom/data/y_train": a["classroom/data/y_train"] - 1}),
                         "holds the label -1"),
    "float labels": (None, lambda a: a.update({"classroom/data/y_train": a["classroom/data/y_train"] * 1.0}),
                     "y_train should be whole numbers"),
    "NaN features": (None, lambda a: a.update({"classroom/data/X_train": np.full_like(a["classroom/data/X_train"],
                                                                                     np.nan)}),
                     "NaN or infinite values"),
    "bytes declared, floats stored": (lambda e: data(e).update(x_encoding="uint8/255"), None,
                                      "X_train should be 8-bit numbers"),
    "no class names": (lambda e: data(e).update(class_names=[]), None, "class names should be a list of 1 to"),
    "a statistics vector too short": (None, lambda a: a.update({"classroom/data/feature_std": np.ones(2)}),
                                      "feature_std should be 4 finite numbers"),
    "classroom not an object": (lambda e: e.update(classroom=[1, 2]), None, "classroom settings should be an object"),
}


@pytest.mark.parametrize("case", list(HOSTILE))
def test_a_hostile_classroom_file_gives_one_sentence_and_changes_nothing(case, parts, tmp_path):
    edit_extra, edit_arrays, expected = HOSTILE[case]
    path = forge(tmp_path, parts, edit_extra, edit_arrays)
    lab = Lab()
    lab.apply_preset("moons")
    before, model = lab.config.to_dict(), lab.model
    with pytest.raises(ClassroomError) as err:
        lab.open_classroom(path)
    message = str(err.value)
    assert expected in message and message.startswith("hostile.h5: ") and "\n" not in message
    assert len(message) < 400
    assert lab.config.to_dict() == before and lab.model is model and lab.embedded is None


def test_a_huge_array_declared_in_the_file_is_refused_before_it_is_read(table_classroom, tmp_path):
    _, path = table_classroom
    with h5py.File(path, "r+") as f:
        del f["arrays/classroom/data/X_train"]
        f.create_dataset("arrays/classroom/data/X_train", shape=(10**9, 4096), dtype="float32", chunks=(1, 4096))
    seal_file(path)      # a forger's file: the seal is valid, the content is not
    lab = Lab()
    lab.apply_preset("moons")
    with pytest.raises(REFUSALS) as err:
        lab.open_classroom(path)
    assert "lesson.h5" in str(err.value) and "\n" not in str(err.value)
    assert lab.config.dataset == "moons"


def test_fuzzed_classroom_parts_open_or_are_refused_with_a_sentence(parts):
    """300 seeded structural mutants of the classroom part (values of every type and size in every field,
    arrays cut, retyped, shifted): each opens or gives a ClassroomError, never another exception."""
    _, _, _, extra, arrays = parts
    rng = np.random.default_rng(20261201)
    values = [None, True, -1, 0, 1, 2**40, 1.5, float("nan"), "", "x" * 5000, [], [1, "a"], {}, {"a": 1},
              [3, 4], ["layers"], ["tab:"], "uint8/255", "float32", [10**6, 10**6, 10**6]]
    outcomes = {"opened": 0, "refused": 0}
    for _ in range(300):
        e, a = copy.deepcopy(extra), dict(arrays)
        for _ in range(int(rng.integers(1, 4))):
            target = e["classroom"] if rng.random() < 0.4 else data(e)
            if rng.random() < 0.7:
                key = list(target)[int(rng.integers(len(target)))]
                target[key] = copy.deepcopy(values[int(rng.integers(len(values)))])
            else:
                names = sorted(k for k in a if k.startswith("classroom/"))
                name = names[int(rng.integers(len(names)))]
                how = int(rng.integers(4))
                a[name] = (a[name][: int(rng.integers(0, 3))] if how == 0 else a[name].astype(np.float16) if how == 1
                           else a[name] + int(rng.integers(-3, 4)) if how == 2 else a[name].reshape(-1)[:5])
            if not isinstance(e["classroom"].get("data"), dict):
                break
        e = json.loads(json.dumps(e))         # as read back from the file
        try:
            from_file(e, a, "fuzz.h5")
            outcomes["opened"] += 1
        except ClassroomError as exc:
            assert str(exc).startswith("fuzz.h5: ") and "\n" not in str(exc)
            outcomes["refused"] += 1
    assert outcomes["refused"] > 200 and sum(outcomes.values()) == 300


def test_byte_mutants_of_a_classroom_file_open_or_are_refused(table_classroom, tmp_path):
    """40 seeded byte mutants of a whole classroom file, re-sealed as a forger would (benchmarks/fuzz_files.py's
    mutations): each opens or is refused with one sentence, never another exception, and a refusal changes
    nothing in the lab."""
    import importlib.util
    from pathlib import Path

    spec = importlib.util.spec_from_file_location(
        "fuzz_files", Path(__file__).resolve().parents[2] / "benchmarks" / "fuzz_files.py")
    fuzz_files = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(fuzz_files)
    _, path = table_classroom
    original = path.read_bytes()
    rng = np.random.default_rng(12)
    outcomes = {"opened": 0, "refused": 0}
    for case in range(40):
        data, _ = fuzz_files.mutate(original, rng)
        mutant = tmp_path / f"mutant{case}.h5"
        mutant.write_bytes(data)
        if len(data) > 512:
            seal_file(mutant)
        lab = Lab()
        lab.apply_preset("moons")
        try:
            lab.open_classroom(mutant)
            outcomes["opened"] += 1
        except REFUSALS as exc:
            assert f"mutant{case}.h5" in str(exc) and "\n" not in str(exc).strip()
            assert lab.config.dataset == "moons" and lab.embedded is None
            outcomes["refused"] += 1
    assert sum(outcomes.values()) == 40 and outcomes["refused"] > 0
