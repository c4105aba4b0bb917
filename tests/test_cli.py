"""The headless `nnviz` sub-commands, run in-process through cli.main."""

import numpy as np
import pytest
from PIL import Image

from nnviz.cli import main


def test_train_moons_short_run_and_save(tmp_path, capsys):
    out_file = tmp_path / "moons.h5"
    code = main(["train", "--preset", "moons", "--epochs", "300", "--lr", "0.1", "--save", str(out_file)])
    out = capsys.readouterr().out
    assert code == 0
    last = out.strip().splitlines()[-1]
    assert last.startswith("test accuracy: ") and len(last.split(": ")[1]) == 6  # four decimals
    assert float(last.split(": ")[1]) > 0.8
    assert out_file.is_file()


def test_gradcheck_passes_on_moons(capsys):
    assert main(["gradcheck", "--preset", "moons", "--max-coords", "200"]) == 0
    out = capsys.readouterr().out
    assert "backprop is right." in out and "dense_5.b" in out


def test_unknown_preset_is_one_sentence(capsys):
    assert main(["train", "--preset", "no-such"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("nnviz: error: unknown preset 'no-such'; available: ") and "moons" in err


def test_missing_cats_files_say_where_nnviz_looked(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("NNVIZ_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    monkeypatch.chdir(tmp_path)
    assert main(["train", "--preset", "cats-deep", "--data-dir", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert "train_catvnoncat.h5" in err and str(tmp_path) in err


def test_predict_with_a_saved_model(tmp_path, capsys):
    model_file = tmp_path / "m.h5"
    assert main(["train", "--preset", "moons", "--epochs", "5", "--save", str(model_file)]) == 0
    capsys.readouterr()
    image = tmp_path / "photo.png"
    Image.fromarray(np.zeros((10, 10, 3), dtype=np.uint8)).save(image)
    assert main(["predict", str(model_file), str(image)]) == 1
    assert "2-D points" in capsys.readouterr().err


def test_predict_refuses_a_file_that_is_not_a_model(tmp_path, capsys):
    bogus = tmp_path / "notes.txt"
    bogus.write_text("not a model")
    assert main(["predict", str(bogus), str(bogus)]) == 2
    assert "not an nnviz model file" in capsys.readouterr().err


def test_presets_listing(capsys):
    assert main(["presets"]) == 0
    out = capsys.readouterr().out
    for name in ("moons", "cats-seed", "cats-deep"):
        assert name in out


@pytest.mark.parametrize("argv", [["train", "--preset", "moons", "--epochs", "0"],
                                  ["train", "--preset", "moons", "--lr", "-1"]])
def test_bad_numbers_are_refused_by_the_parser(argv, capsys):
    with pytest.raises(SystemExit) as exc:
        main(argv)
    assert exc.value.code == 2
    assert "must be a positive" in capsys.readouterr().err


@pytest.mark.parametrize("bug", ["cat-seed derivative", "dropped 1/m", "transposed weight"])
def test_gradcheck_catches_each_bug_on_moons(bug, capsys):
    assert main(["gradcheck", "--preset", "moons", "--max-coords", "200", "--bug", bug]) == 1
    out = capsys.readouterr().out
    assert f"backprop: {bug} (bug)" in out and "DIFFERS" in out and "backprop disagrees" in out


@pytest.mark.parametrize("bug", [None, "cat-seed derivative"])
def test_gradcheck_cats_seed_says_what_the_tab_says(bug, real_data_dir, capsys):
    """Issue 14, item 1: the seed's lesson in the CLI, with the tab's defaults (ε, samples, precision)."""
    argv = ["gradcheck", "--preset", "cats-seed", "--data-dir", str(real_data_dir), "--max-coords", "200"]
    code = main(argv + (["--bug", bug] if bug else []))
    out = capsys.readouterr().out
    if bug is None:
        assert code == 0 and "backprop is right." in out and "DIFFERS" not in out
    else:
        assert code == 1 and "backprop disagrees" in out and "dense_1.W" in out
