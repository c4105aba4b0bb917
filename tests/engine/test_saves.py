"""Saves (issue 13): target checked first, no temp files left, mode kept, read-only respected, symlinks kept."""

import os
import stat
import subprocess
import sys
import time

import h5py
import numpy as np
import pytest

from nnviz.engine import Dense, Sequential, load_model, save_model
from nnviz.engine.atomic import SaveError, check_save_target, user_default_mode


def model():
    return Sequential([Dense(3, activation="relu"), Dense(1, activation="sigmoid")], input_shape=(2,), seed=1)


def test_check_save_target_names_the_missing_folder(tmp_path):
    with pytest.raises(SaveError, match=f"the folder {tmp_path / 'no' / 'such'} does not exist"):
        check_save_target(tmp_path / "no" / "such" / "m.h5")
    with pytest.raises(SaveError, match="no file name was given"):
        check_save_target("")
    with pytest.raises(SaveError, match="it is a folder"):
        check_save_target(tmp_path)
    assert check_save_target(tmp_path / "m.h5") == tmp_path / "m.h5"


def test_a_save_error_is_an_oserror_for_callers():
    assert issubclass(SaveError, OSError) and issubclass(SaveError, RuntimeError)


def test_mode_is_kept_and_new_files_get_the_default(tmp_path):
    path = tmp_path / "m.h5"
    save_model(model(), path)
    assert stat.S_IMODE(path.stat().st_mode) == user_default_mode()
    os.chmod(path, 0o640)
    save_model(model(), path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o640


def test_read_only_targets_are_refused_unless_asked(tmp_path):
    path = tmp_path / "m.h5"
    save_model(model(), path)
    os.chmod(path, 0o444)
    before = path.read_bytes()
    with pytest.raises(SaveError, match="read-only"):
        save_model(model(), path)
    assert path.read_bytes() == before
    save_model(model(), path, overwrite_readonly=True)
    assert stat.S_IMODE(path.stat().st_mode) == 0o444
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m.h5"]


def test_saving_onto_a_symlink_writes_its_target(tmp_path):
    real = tmp_path / "real" / "m.h5"
    real.parent.mkdir()
    save_model(model(), real)
    link = tmp_path / "link.h5"
    link.symlink_to(real)
    m = model()
    m.layers[0].params["b"][:] = 7
    save_model(m, link)
    assert link.is_symlink() and os.readlink(link) == str(real)
    assert load_model(real).layers[0].params["b"][0] == 7
    assert sorted(p.name for p in real.parent.iterdir()) == ["m.h5"]


def test_stale_temp_files_of_ours_are_removed_on_the_next_save(tmp_path):
    stale = tmp_path / ".m.h5.abc123.tmp"
    stale.write_bytes(b"x" * 1000)
    old = time.time() - 3600
    os.utime(stale, (old, old))
    fresh = tmp_path / ".m.h5.fresh.tmp"  # maybe another process's save in progress: kept
    fresh.write_bytes(b"y")
    other = tmp_path / ".notes.txt.abc.tmp"  # not ours
    other.write_bytes(b"z")
    os.utime(other, (old, old))
    save_model(model(), tmp_path / "m.h5")
    assert sorted(p.name for p in tmp_path.iterdir()) == [".m.h5.fresh.tmp", ".notes.txt.abc.tmp", "m.h5"]


def test_an_h5py_runtime_error_becomes_a_save_error_and_leaves_nothing(tmp_path, monkeypatch):
    path = tmp_path / "m.h5"
    save_model(model(), path)
    before = path.read_bytes()

    def broken(self, *args, **kwargs):
        raise RuntimeError("Can't write data (file write failed: errno = 27, File too large)")

    monkeypatch.setattr(h5py.Group, "create_dataset", broken)
    with pytest.raises(SaveError, match=f"could not save to {path}: .*File too large.*unchanged"):
        save_model(model(), path)
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m.h5"]


SAVE_UNDER_LIMIT = """
import resource, sys
import numpy as np
from nnviz.engine import Dense, Sequential, save_model
model = Sequential([Dense(300, activation="relu"), Dense(1, activation="sigmoid")], input_shape=(300,))
resource.setrlimit(resource.RLIMIT_FSIZE, (60_000, 60_000))
try:
    save_model(model, sys.argv[1])
except OSError as exc:
    print(type(exc).__name__, exc)
"""


def test_a_file_size_limit_is_one_sentence_and_leaves_nothing(tmp_path):
    path = tmp_path / "m.h5"
    save_model(model(), path)
    before = path.read_bytes()
    done = subprocess.run([sys.executable, "-c", SAVE_UNDER_LIMIT, str(path)], capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("SaveError could not save to") and "unchanged" in done.stdout
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m.h5"]


def test_a_missing_folder_fails_before_any_file_is_made(tmp_path):
    with pytest.raises(SaveError, match="does not exist"):
        save_model(model(), tmp_path / "nope" / "m.h5")
    assert list(tmp_path.iterdir()) == []
    assert np.isfinite(model().layers[0].params["W"]).all()
