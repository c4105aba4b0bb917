"""Where dataset files are looked for, and what ``nnviz data list`` reports."""

import os

import numpy as np
import pytest

from nnviz.data import (
    DATASETS,
    DatasetError,
    find_data_dir,
    format_dataset_table,
    list_datasets,
    load_dataset,
    search_places,
    user_data_dir,
)


def test_search_order_explicit_env_cwd_user(tmp_path, monkeypatch, isolated_places):
    env_dir = tmp_path / "env"
    monkeypatch.setenv("NNVIZ_DATA_DIR", str(env_dir))
    places = search_places(tmp_path / "explicit")
    assert [p.path for p in places] == [tmp_path / "explicit", env_dir, isolated_places.cwd_data,
                                        isolated_places.user]
    assert [p.origin for p in places] == ["--data-dir", "$NNVIZ_DATA_DIR", "./data", "user data folder"]
    # the same folder twice is looked in once
    assert len(search_places(isolated_places.cwd_data)) == 3


def test_user_data_dir_follows_xdg(tmp_path, monkeypatch):
    if os.name == "nt" or os.sys.platform == "darwin":
        pytest.skip("XDG applies to Linux and other Unixes")
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "x"))
    assert user_data_dir() == tmp_path / "x" / "nnviz"
    monkeypatch.delenv("XDG_DATA_HOME")
    assert user_data_dir() == tmp_path / "home" / ".local" / "share" / "nnviz"


@pytest.mark.parametrize("where", ["explicit", "env", "cwd", "user"])
def test_cats_found_in_each_place(where, tmp_path, monkeypatch, files, isolated_places):
    folder = {"explicit": tmp_path / "explicit", "env": tmp_path / "env", "cwd": isolated_places.cwd_data,
              "user": isolated_places.user}[where]
    written = files.write_cats(folder)
    if where == "env":
        monkeypatch.setenv("NNVIZ_DATA_DIR", str(folder))
    data_dir = folder if where == "explicit" else None
    ds = load_dataset("cats", data_dir=data_dir)
    assert ds.source == str(folder)
    np.testing.assert_array_equal(ds.y_train, written["train"][1])
    assert find_data_dir("cats", data_dir) == folder


def test_explicit_folder_wins_over_the_environment(tmp_path, monkeypatch, files):
    first = files.write_cats(tmp_path / "first", n_train=3, seed=1)
    files.write_cats(tmp_path / "second", n_train=5, seed=2)
    monkeypatch.setenv("NNVIZ_DATA_DIR", str(tmp_path / "second"))
    assert len(load_dataset("cats", data_dir=tmp_path / "first").y_train) == len(first["train"][1]) == 3
    assert len(load_dataset("cats").y_train) == 5


def test_list_datasets_reports_availability_and_location(tmp_path, files):
    files.write_cats(tmp_path / "d")
    files.write_mnist_idx(tmp_path / "d", n_train=None, n_test=8010)
    statuses = {s.name: s for s in list_datasets(tmp_path / "d")}
    assert set(statuses) == set(DATASETS)
    assert statuses["moons"].available and statuses["moons"].location == "generated"
    assert statuses["cats"].available and statuses["cats"].location == str(tmp_path / "d")
    assert statuses["mnist-10k"].available and str(tmp_path / "d") in statuses["mnist-10k"].location
    assert not statuses["mnist"].available and "mnist-10k" in statuses["mnist"].detail
    table = format_dataset_table(list(statuses.values()))
    assert "mnist-10k" in table and "nnviz data fetch mnist" in table
    empty = {s.name: s for s in list_datasets(tmp_path / "nothing")}
    assert not empty["cats"].available and "train_catvnoncat.h5" in empty["cats"].detail
    assert "nnviz data fetch mnist" in empty["mnist"].detail
    assert find_data_dir("cats", tmp_path / "nothing") is None and find_data_dir("moons") is None


def test_missing_cats_message_lists_every_place_and_how_to_get_it(tmp_path, monkeypatch, isolated_places):
    monkeypatch.setenv("NNVIZ_DATA_DIR", str(tmp_path / "env"))
    with pytest.raises(DatasetError) as info:
        load_dataset("cats", data_dir=tmp_path / "explicit")
    message = str(info.value)
    assert "train_catvnoncat.h5" in message
    for folder in (tmp_path / "explicit", tmp_path / "env", isolated_places.cwd_data, isolated_places.user):
        assert str(folder) in message
    assert "--data-dir" in message and "$NNVIZ_DATA_DIR" in message and "does not exist" in message
    assert "deeplearning.ai" in message and "File → Open dataset…" in message


def test_missing_test_file_is_named(tmp_path, files):
    files.write_cats(tmp_path / "d")
    (tmp_path / "d" / "test_catvnoncat.h5").unlink()
    with pytest.raises(DatasetError, match="needs test_catvnoncat.h5"):
        load_dataset("cats", data_dir=tmp_path / "d")
