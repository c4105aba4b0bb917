"""The CLI's error boundary (issue 13): one sentence on stderr, a nonzero exit, nothing lost."""

import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from nnviz.cli import main
from nnviz.engine import Dense, Flatten, Sequential, save_model

HOSTILE = sorted((Path(__file__).resolve().parent / "data").glob("hostile_*.h5"))


def moons_model(path, **extra):
    model = Sequential([Dense(4, activation="relu"), Dense(1, activation="sigmoid")], input_shape=(2,), seed=3)
    save_model(model, path, extra=extra)
    return model


def image_model(path, class_names=None, nan=False):
    model = Sequential([Flatten(), Dense(3, activation="softmax")], input_shape=(3, 8, 8),
                       loss="categorical_crossentropy")
    if nan:
        model.layers[1].params["W"][0, 0] = np.nan
    save_model(model, path, extra={} if class_names is None else {"class_names": class_names})
    return model


@pytest.fixture
def picture(tmp_path):
    path = tmp_path / "cat.png"
    Image.new("RGB", (20, 20), (200, 100, 50)).save(path)
    return path


def test_save_into_a_missing_folder_fails_before_training(tmp_path, capsys):
    start = time.monotonic()
    target = tmp_path / "no" / "such" / "m.h5"
    assert main(["train", "--preset", "moons", "--epochs", "5000", "--save", str(target)]) == 2
    captured = capsys.readouterr()
    assert "test accuracy" not in captured.out and "preset" not in captured.out
    assert f"the folder {target.parent} does not exist" in captured.err
    assert captured.err.count("\n") == 1 and time.monotonic() - start < 5


def test_an_empty_save_name_is_refused(capsys):
    assert main(["train", "--preset", "moons", "--epochs", "5", "--save", ""]) == 2
    assert "no file name was given" in capsys.readouterr().err


def test_one_bad_image_does_not_stop_the_others(tmp_path, picture, capsys):
    image_model(tmp_path / "m.h5", ["a", "b", "c"])
    bad = tmp_path / "broken.png"
    bad.write_bytes(b"\x89PNG\r\n\x1a\n" + b"garbage" * 10)
    assert main(["predict", str(tmp_path / "m.h5"), str(bad), str(picture), str(tmp_path / "gone.png")]) == 1
    captured = capsys.readouterr()
    assert captured.out.startswith(f"{picture}: ") and captured.out.count("\n") == 1
    assert "broken.png" in captured.err and "gone.png" in captured.err and "Traceback" not in captured.err


def test_nan_weights_are_refused(tmp_path, picture, capsys):
    image_model(tmp_path / "m.h5", nan=True)
    assert main(["predict", str(tmp_path / "m.h5"), str(picture)]) == 2
    captured = capsys.readouterr()
    assert "NaN" in captured.err and "m.h5" in captured.err and "nan%" not in captured.out


@pytest.mark.parametrize("names", [["only one"], [{"x": 1}, 2, 3], "abc", [None, None, None]])
def test_odd_class_names_fall_back_to_numbers(tmp_path, picture, capsys, names):
    image_model(tmp_path / "m.h5", names)
    assert main(["predict", str(tmp_path / "m.h5"), str(picture)]) == 0
    captured = capsys.readouterr()
    assert "class_names should be 3 names" in captured.err
    assert captured.out.split(": ")[1][0] in "012"


def test_memory_error_is_one_sentence(tmp_path, picture, capsys, monkeypatch):
    import nnviz.engine

    moons_model(tmp_path / "m.h5")

    def no_memory(*args, **kwargs):
        raise MemoryError

    monkeypatch.setattr(nnviz.engine, "load_model", no_memory)
    assert main(["predict", str(tmp_path / "m.h5"), str(picture)]) == 2
    assert capsys.readouterr().err.startswith("nnviz: error: out of memory")


@pytest.mark.parametrize("path", HOSTILE, ids=[p.name for p in HOSTILE])
def test_crafted_files_in_predict(path, picture):
    start = time.monotonic()
    done = subprocess.run([sys.executable, "-m", "nnviz", "predict", str(path), str(picture)], capture_output=True,
                          text=True, timeout=30)
    assert time.monotonic() - start < 10
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr.startswith(f"nnviz: error: {path}: ") and done.stderr.count("\n") == 1
