"""Every shipped preset and exploration builds a model for its dataset's input shape."""

import pytest

from nnviz.data import dataset_info
from nnviz.lab.presets import list_presets, load_preset, preset_from_dict
from nnviz.lab.series import list_series, run_labels, series_presets

SHAPES = {"points": (2,), "cats": (3, 64, 64), "mnist": (1, 28, 28)}


def input_shape_for(dataset):
    if dataset.startswith("mnist"):
        return SHAPES["mnist"]
    if dataset == "cats":
        return SHAPES["cats"]
    return SHAPES["points"]


@pytest.mark.parametrize("name", list_presets())
def test_preset_builds(name):
    preset = load_preset(name)
    dataset_info(preset.dataset)  # a known dataset
    model = preset.build_model(input_shape_for(preset.dataset))
    assert model.count_params() > 0
    assert preset.build_optimizer().lr > 0
    assert preset.description and preset.title


def test_foundation_presets_match_the_seeds():
    moons = load_preset("moons")
    assert [s.get("units") for s in moons.layers] == [25, 50, 50, 25, 1]
    assert moons.optimizer == {"name": "sgd", "lr": 0.01} and moons.epochs == 10000
    seed = load_preset("cats-seed")
    assert seed.loss == "mse" and seed.init == "small"
    assert [s.get("units") for s in seed.layers[1:]] == [4, 3, 2, 1]
    deep = load_preset("cats-deep")
    assert [s.get("units") for s in deep.layers[1:]] == [20, 7, 5, 1] and deep.optimizer["lr"] == 0.0075
    assert deep.epochs == 2500


@pytest.mark.parametrize("name", list_series())
def test_series_build_and_name_what_differs(name):
    series, runs = series_presets(name)
    assert len(runs) >= 2
    labels = run_labels(runs)
    assert len(set(labels)) == len(runs), labels
    for run in runs:
        run.build_model(input_shape_for(run.dataset))


def test_run_labels_name_only_the_difference():
    _, runs = series_presets("compare-init")
    assert run_labels(runs) == ["init zeros", "init small", "init xavier", "init he"]
    _, runs = series_presets("compare-regularization")
    assert run_labels(runs) == ["L2 λ 0, dropout keep none", "L2 λ 0.7, dropout keep none",
                                "L2 λ 0, dropout keep 0.7"]


def test_bad_preset_fields():
    with pytest.raises(ValueError, match="missing field"):
        preset_from_dict({"name": "x"})
    with pytest.raises(ValueError, match="unknown field"):
        preset_from_dict({**load_preset("moons").to_dict(), "colour": "red"})
