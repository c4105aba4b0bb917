"""Image folders (nnviz.data.image_folder): reading, sizes, colours, skipped files, training on digits."""

from __future__ import annotations

import time

import numpy as np
import pytest
from digit_folder import NAMES, t10k, write_digit_folder
from PIL import Image

from nnviz.data import DatasetError, train_test_split
from nnviz.data.image_folder import read_image_folder, scan_image_folder


def _folder(tmp_path, per_class=3, colors=((255, 0, 0), (0, 0, 255)), names=("red", "blue"), ext=".png"):
    root = tmp_path / "pics"
    for name, color in zip(names, colors):
        (root / name).mkdir(parents=True)
        for i in range(per_class):
            img = np.zeros((40, 60, 3), dtype=np.uint8)
            img[:] = color
            img[:, :4] = 255 * (i % 2)         # a band at the left: cropped away by the centre crop
            Image.fromarray(img).save(root / name / f"{i}{ext}")
    return root


def test_scan_sorts_classes_and_files_and_ignores_other_files(tmp_path):
    root = _folder(tmp_path, names=("zebra", "apple"))
    (root / "apple" / "notes.txt").write_text("not an image")
    (root / ".hidden").mkdir()
    (root / "empty").mkdir()
    classes = scan_image_folder(root)
    assert [c for c, _ in classes] == ["apple", "zebra"]
    assert [p.name for p in classes[0][1]] == ["0.png", "1.png", "2.png"]


def test_rgb_and_grey_values_sizes_and_split(tmp_path):
    root = _folder(tmp_path, per_class=5)
    ds = read_image_folder(root, size=32, color="rgb", test_fraction=0.2, seed=4)
    assert ds.class_names == ["blue", "red"] and ds.input_shape == (3, 32, 32) and ds.input_kind == "image"
    X = np.concatenate([ds.X_train, ds.X_test])
    y = np.concatenate([ds.y_train, ds.y_test])
    # centre-cropped 40×40 of a 60-wide picture: the 4-pixel band is gone, each image is one flat colour
    expected = np.array([[0, 0, 1], [1, 0, 0]], dtype=np.float32)[y]
    np.testing.assert_allclose(X.mean(axis=(2, 3)), expected, atol=1e-6)
    # the split is the seeded split of the files in sorted order (blue first)
    order = np.array([0] * 5 + [1] * 5)
    _, ytr, _, yte = train_test_split(order, order, 0.2, 4)
    np.testing.assert_array_equal(ds.y_train, ytr)
    np.testing.assert_array_equal(ds.y_test, yte)
    grey = read_image_folder(root, size=28, color="grey", test_fraction=0.2, seed=4)
    assert grey.input_shape == (1, 28, 28)
    # ITU-R 601 luma, as PIL's convert("L"): red 0.299, blue 0.114
    np.testing.assert_allclose(grey.X_train.mean(axis=(1, 2, 3)), np.where(grey.y_train == 1, 76, 29) / 255,
                               atol=1e-6)


def test_unreadable_files_are_skipped_and_counted(tmp_path):
    root = _folder(tmp_path, per_class=4, ext=".jpg")
    (root / "red" / "broken.jpg").write_bytes(b"\xff\xd8\xff\xe0 not really a jpeg")
    (root / "blue" / "empty.png").write_bytes(b"")
    ds = read_image_folder(root, size=28, test_fraction=0.25)
    assert len(ds.y_train) + len(ds.y_test) == 8
    assert ds.details["skipped"] == 2
    assert len(ds.notes) == 1 and ds.notes[0].startswith("2 of 10 files could not be read and were skipped")
    assert "broken.jpg" in ds.notes[0] and "empty.png" in ds.notes[0]


def test_bad_folders_say_what_was_expected(tmp_path):
    with pytest.raises(DatasetError, match="is not a folder"):
        read_image_folder(tmp_path / "nope")
    (tmp_path / "flat").mkdir()
    Image.new("RGB", (8, 8)).save(tmp_path / "flat" / "a.png")
    with pytest.raises(DatasetError, match="one sub-folder of images.*found no sub-folders"):
        read_image_folder(tmp_path / "flat")
    root = _folder(tmp_path, names=("only", "other"))
    for p in (root / "other").iterdir():
        p.unlink()
    with pytest.raises(DatasetError, match="only 'only' has images"):
        read_image_folder(root)
    with pytest.raises(ValueError, match="image size must be one of 28, 32, 64"):
        read_image_folder(root, size=30)
    bad = _folder(tmp_path / "b", names=("x", "y"), per_class=1)
    (bad / "y" / "0.png").write_bytes(b"junk")
    with pytest.raises(DatasetError, match="no image of the class 'y' could be read"):
        read_image_folder(bad)


def test_progress_and_cancel(tmp_path):
    root = _folder(tmp_path, per_class=6)
    texts = []
    read_image_folder(root, size=28, report=texts.append)
    assert texts[-1] == "Reading images… 12 / 12"
    with pytest.raises(InterruptedError):
        read_image_folder(root, size=28, should_stop=lambda: True)


def test_fuzzed_image_files_are_skipped_never_crash(tmp_path):
    rng = np.random.default_rng(5)
    root = _folder(tmp_path, per_class=2)
    good = (root / "red" / "0.png").read_bytes()
    for i in range(40):
        data = bytearray(good)
        for _ in range(int(rng.integers(1, 6))):
            data[int(rng.integers(0, len(data)))] = int(rng.integers(0, 256))
        if i % 3 == 0:
            data = data[:int(rng.integers(0, len(data)))]
        (root / ("red" if i % 2 else "blue") / f"f{i}.png").write_bytes(bytes(data))
    ds = read_image_folder(root, size=28, color="grey")
    assert len(ds.y_train) + len(ds.y_test) + ds.details["skipped"] == 44
    assert np.isfinite(ds.X_train).all() and ds.X_train.min() >= 0 and ds.X_train.max() <= 1


def test_digit_folder_trains_mnist_cnn_to_95_percent(tmp_path, real_data_dir):
    """The 10,000 real t10k digits written as PNG files in 10 class folders, read back (8,000 train,
    2,000 test) and trained with the mnist-cnn preset's network and settings: at least 0.95 test accuracy."""
    from nnviz.lab.presets import load_preset

    images, labels = t10k(real_data_dir)
    n = 10_000
    root = write_digit_folder(tmp_path / "digits", images[:n], labels[:n])
    start = time.perf_counter()
    ds = read_image_folder(root, size=28, color="grey", test_fraction=0.2, seed=0)
    read_s = time.perf_counter() - start
    assert ds.class_names == sorted(NAMES) and ds.input_shape == (1, 28, 28)
    # the pixels are the digits' own (28 × 28 files are not resized)
    first = np.asarray(Image.open(root / "seven" / "00000.png"), dtype=np.float32) / 255
    assert any(np.array_equal(x[0], first) for x in np.concatenate([ds.X_train, ds.X_test]))
    config = load_preset("mnist-cnn")
    model = config.build_model(ds.input_shape)
    start = time.perf_counter()
    model.fit(ds.X_train, ds.y_train, optimizer=config.build_optimizer(), epochs=config.epochs,
              batch_size=config.batch_size)
    train_s = time.perf_counter() - start
    accuracy = model.evaluate(ds.X_test, ds.y_test)["accuracy"]
    print(f"\ndigit folder: {n} PNG files read in {read_s:.1f} s; mnist-cnn {config.epochs} epochs in {train_s:.1f} s; "
          f"test accuracy {accuracy:.4f} on {len(ds.y_test)} images")
    assert accuracy >= 0.95
