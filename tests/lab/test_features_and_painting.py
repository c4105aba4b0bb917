"""Input features (Playground's x1², sin x1, …) and painted data, driven through the Lab without Qt."""

from __future__ import annotations

import numpy as np
import pytest

from nnviz.engine import InputFeatures
from nnviz.lab import Lab, RunConfig
from nnviz.lab.painted import PAINTED, PaintedPoints, parse_points_csv


def circles_config(features) -> RunConfig:
    # no hidden layer: one sigmoid unit straight on the inputs (or on the features)
    return RunConfig(name="", dataset="circles", dataset_options={"n_samples": 1000, "noise": 0.1,
                                                                 "test_fraction": 0.2, "seed": 0},
                     features=list(features), layers=[{"type": "Dense", "units": 1, "activation": "sigmoid"}],
                     loss="binary_crossentropy", init="xavier", optimizer={"name": "adam", "lr": 0.05}, epochs=300)


def run(lab: Lab):
    result = lab.start_run(emit=lambda snap: None).run()
    lab.run_finished(result)
    assert result.status == "completed", result.message
    return lab.model.evaluate(lab.dataset.X_test, lab.dataset.y_test)["accuracy"]


def test_circles_need_squared_features_without_a_hidden_layer():
    lab = Lab()
    lab.apply(circles_config(["x1^2", "x2^2"]))
    assert lab.train_block_reason() is None
    assert isinstance(lab.model.layers[0], InputFeatures) and lab.model.input_shape == (2,)
    assert lab.model.layers[1].params["W"].shape == (2, 1)       # the first Dense sees the 2 features
    assert lab.report.rows[0].params == 3                        # and so does the builder's check
    with_features = run(lab)

    lab.apply(circles_config([]))                                # the raw inputs: a straight line
    lab.reset()
    assert not any(isinstance(layer, InputFeatures) for layer in lab.model.layers)
    without = run(lab)
    print(f"circles, no hidden layer: test accuracy {with_features:.4f} with x1², x2²; {without:.4f} without")
    assert with_features >= 0.95
    # a straight line cannot separate a circle from the ring around it: no better than about chance
    assert without < 0.75


def test_features_are_a_model_setting_and_survive_a_model_file(tmp_path):
    lab = Lab()
    lab.apply(circles_config(["x1^2", "x2^2", "sin(x1)"]))
    before = lab.model.predict(lab.dataset.X_test)
    edited = lab.config.copy()
    edited.features = ["x1^2"]
    assert edited.model_key() != lab.config.model_key()          # a change needs a new network
    lab.save_model(tmp_path / "m.h5")
    lab.apply(circles_config([]))
    lab.reset()
    lab.load_model(tmp_path / "m.h5")
    assert lab.config.features == ["x1^2", "x2^2", "sin(x1)"]
    assert [s["type"] for s in lab.config.layers] == ["Dense"]   # the feature layer is not a builder row
    np.testing.assert_array_equal(lab.model.predict(lab.dataset.X_test), before)


def test_features_on_images_and_unknown_names_are_refused_with_a_sentence():
    lab = Lab()
    config = circles_config(["x1^2", "x3"])
    lab.apply(config)
    assert "Unknown input feature 'x3'" in lab.train_block_reason() or "x3" in lab.train_block_reason()
    from nnviz.lab.features import features_problem
    assert "apply to 2-D point data" in features_problem(["x1^2"], (1, 28, 28))


# --- painted points ------------------------------------------------------------------------------
def painted_blobs(points: PaintedPoints, per_class=12, seed=0):
    rng = np.random.default_rng(seed)
    centres = [(-1.0, -0.8), (1.0, -0.8), (0.0, 1.0)]
    for k, (cx, cy) in enumerate(centres):
        for x, y in rng.normal((cx, cy), 0.15, size=(per_class, 2)):
            points.add(float(x), float(y), k)


def test_painted_points_become_the_lab_dataset_with_a_stratified_seeded_split():
    lab = Lab()
    config = circles_config([])
    config.dataset, config.dataset_options = PAINTED, {"test_fraction": 0.25, "seed": 3}
    lab.apply(config)
    assert "No points painted yet" in lab.train_block_reason()
    for i in range(5):
        lab.painted.add(0.1 * i, 0.2, 0)
    lab.painted_changed()
    assert "at least two classes" in lab.train_block_reason() and "'class 1'" in lab.train_block_reason()
    painted_blobs(lab.painted)
    lab.painted_changed()
    ds = lab.dataset
    assert ds.name == PAINTED and ds.class_names == ["class 1", "class 2", "class 3"]
    # each class gives floor(0.25 n_k) points to the test part: 17 → 4, 12 → 3, 12 → 3
    assert np.bincount(ds.y_test).tolist() == [4, 3, 3] and np.bincount(ds.y_train).tolist() == [13, 9, 9]
    again = lab.painted.to_dataset(0.25, 3)
    np.testing.assert_array_equal(again.X_test, ds.X_test)
    # a one-unit sigmoid output cannot take three classes: Train says so
    assert "labels must be in 0..1" in lab.train_block_reason()
    config = lab.config.copy()
    config.layers = [{"type": "Dense", "units": 8, "activation": "tanh"},
                     {"type": "Dense", "units": 3, "activation": "softmax"}]
    config.loss = "categorical_crossentropy"
    lab.edit(config, "layers")
    assert lab.train_block_reason() is None
    run(lab)
    assert lab.model.evaluate(ds.X_train, ds.y_train)["accuracy"] >= 0.95


def test_the_csv_round_trip_is_exact(tmp_path):
    points = PaintedPoints()
    painted_blobs(points, per_class=20, seed=5)
    points.add(1 / 3, -2e-17, 6)            # floats that need all 17 digits, and the seventh class
    path = tmp_path / "points.csv"
    points.save_csv(path)
    assert path.read_text().splitlines()[0] == "x1,x2,label"
    again = PaintedPoints()
    again.load_csv(path)
    assert again.X.tobytes() == points.X.tobytes()
    np.testing.assert_array_equal(again.y, points.y)
    assert again.class_names() == points.class_names() and again.to_csv_text() == points.to_csv_text()
    # other class names are kept, numbered in order of appearance
    X, y, names = parse_points_csv("x1,x2,label\n0.5,1,setosa\n2,3,\"vir, ginica\"\n1,1,setosa\n")
    assert names == ["setosa", "vir, ginica"] and y.tolist() == [0, 1, 0] and X[1].tolist() == [2.0, 3.0]


@pytest.mark.parametrize("text, message", [
    ("", "is empty: expected the header x1,x2,label"),
    ("a,b,c\n1,2,x\n", "row 1: expected the header x1,x2,label, received 'a,b,c'"),
    ("x1,x2,label\n1,2,a\n3,oops,b\n", "row 3, column x2: expected a finite number, received 'oops'"),
    ("x1,x2,label\nnan,2,a\n", "row 2, column x1: expected a finite number, received 'nan'"),
    ("x1,x2,label\n1,2\n", "row 2: expected 3 columns (x1, x2, label), received 2"),
    ("x1,x2,label\n1,2, \n", "row 2, column label: expected a class name"),
    ("x1,x2,label\n" + "".join(f"0,0,c{k}\n" for k in range(9)),
     "row 10, column label: 'c8' would be class 9, but painted data has at most 8 classes"),
])
def test_a_malformed_points_csv_gets_one_sentence_naming_row_and_column(tmp_path, text, message):
    path = tmp_path / "bad.csv"
    path.write_text(text)
    points = PaintedPoints()
    points.add(0.5, 0.5, 1)
    with pytest.raises(ValueError) as info:
        points.load_csv(path)
    assert message in str(info.value) and str(info.value).startswith("bad.csv")
    assert "\n" not in str(info.value)
    assert len(points) == 1 and points.y.tolist() == [1]        # unchanged


def test_a_binary_file_is_refused_as_not_text(tmp_path):
    path = tmp_path / "points.csv"
    path.write_bytes(b"\xff\xfe\x00\x81garbage")
    with pytest.raises(ValueError, match="points.csv is not UTF-8 text"):
        PaintedPoints().load_csv(path)


def test_a_saved_run_on_painted_points_carries_them(tmp_path):
    lab = Lab()
    config = circles_config([])
    config.dataset, config.dataset_options = PAINTED, {"test_fraction": 0.2, "seed": 0}
    config.layers = [{"type": "Dense", "units": 3, "activation": "softmax"}]
    config.loss = "categorical_crossentropy"
    lab.apply(config)
    painted_blobs(lab.painted)
    lab.painted_changed()
    X, y = lab.painted.X.copy(), lab.painted.y.copy()
    lab.save_model(tmp_path / "run.h5", kind="run")
    other = Lab()
    other.open_run(tmp_path / "run.h5")
    assert other.config.dataset == PAINTED and other.painted.X.tobytes() == X.tobytes()
    np.testing.assert_array_equal(other.painted.y, y)
    np.testing.assert_array_equal(other.dataset.X_train, lab.dataset.X_train)
