"""The builder's Qt-free model: columns per layer type, shapes, parameter counts, errors."""

import numpy as np
import pytest

from nnviz.lab import stack

MOONS = [{"type": "Dense", "units": 25, "activation": "relu"},
         {"type": "Dense", "units": 50, "activation": "relu"},
         {"type": "Dense", "units": 50, "activation": "relu"},
         {"type": "Dense", "units": 25, "activation": "relu"},
         {"type": "Dense", "units": 1, "activation": "sigmoid"}]


def test_moons_stack_shapes_and_parameter_counts():
    report = stack.check_stack(MOONS, (2,))
    assert report.ok
    assert [r.output_shape for r in report.rows] == [(25,), (50,), (50,), (25,), (1,)]
    sizes = [2, 25, 50, 50, 25, 1]
    expected = [sizes[i] * sizes[i + 1] + sizes[i + 1] for i in range(5)]   # W + b per layer
    assert [r.params for r in report.rows] == expected
    assert report.total_params == 5226
    assert [r.name for r in report.rows] == ["dense_1", "dense_2", "dense_3", "dense_4", "dense_5"]


def test_columns_follow_the_layer_constructor():
    assert stack.column_param("Dense", "units") == "units"
    assert stack.column_param("Dense", "kernel") is None
    assert stack.column_param("Dropout", "keep_prob") == "keep_prob"
    assert stack.column_param("Dropout", "activation") is None
    assert stack.column_param("Flatten", "units") is None
    assert stack.columns_in_use(MOONS) == {"units", "activation", "init"}


def test_changing_type_keeps_values_that_still_apply():
    dense = {"type": "Dense", "units": 25, "activation": "tanh"}
    dropout = stack.new_spec("Dropout", previous=dense)
    assert dropout == {"type": "Dropout", "keep_prob": 0.8}
    back = stack.new_spec("Dense", previous=dense)
    assert back["units"] == 25 and back["activation"] == "tanh"


def test_set_cell_and_default_init():
    spec = stack.set_cell({"type": "Dense", "units": 4, "activation": "relu"}, "init", "xavier")
    assert spec["init"] == "xavier"
    assert "init" not in stack.set_cell(spec, "init", "default")
    with pytest.raises(ValueError, match="does not apply"):
        stack.set_cell({"type": "Flatten"}, "units", 3)


def test_zero_units_is_reported_on_its_row_with_the_engine_message():
    specs = [dict(MOONS[0]), dict(MOONS[1], units=0), dict(MOONS[4])]
    report = stack.check_stack(specs, (2,))
    assert not report.ok
    assert report.error_row == 1
    assert report.error == "dense_2: units must be a positive integer. Received: units=0"
    assert report.rows[0].output_shape == (25,) and report.rows[1].output_shape is None


def test_dense_on_images_asks_for_flatten():
    report = stack.check_stack(MOONS, (3, 64, 64))
    assert report.error_row == 0
    assert "add a Flatten layer" in report.error
    fixed = stack.check_stack([{"type": "Flatten"}] + MOONS, (3, 64, 64))
    assert fixed.ok and fixed.rows[0].output_shape == (12288,)
    assert fixed.rows[1].params == 12288 * 25 + 25


def test_output_layer_must_match_the_loss():
    specs = MOONS[:-1] + [{"type": "Dense", "units": 1, "activation": "relu"}]
    report = stack.check_stack(specs, (2,), loss="binary_crossentropy")
    assert report.error_row == 4
    assert report.error.startswith("dense_5: binary_crossentropy needs a Dense(1, 'sigmoid') output")


def test_labels_outside_the_output_are_reported():
    X = np.zeros((6, 2), np.float32)
    y = np.array([0, 1, 2, 0, 1, 2])
    report = stack.check_stack(MOONS, (2,), data=(X, y))
    assert report.error_row == 4
    assert "labels must be in 0..1" in report.error


def test_empty_stack():
    report = stack.check_stack([], (2,))
    assert not report.ok and "no layers" in report.error
