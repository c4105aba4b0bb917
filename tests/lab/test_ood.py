"""The out-of-distribution hint: cat photos on an MNIST model, digits on the cats model, as a user drops them."""

import numpy as np
import pytest
from PIL import Image

from nnviz.data import load_dataset
from nnviz.data.cats import read_cats_file
from nnviz.lab.ood import OOD_MESSAGE, calibrate, calibration_for, image_statistics
from nnviz.lab.prediction import load_for_model, predict_one
from nnviz.lab.presets import load_preset


def write_digit_png(path, image28, scale=5):
    """A t10k digit as a user would have it: dark on light, scanned larger."""
    ink = np.clip(np.asarray(image28).reshape(28, 28) * 255, 0, 255).astype(np.uint8)
    Image.fromarray(255 - ink, "L").resize((28 * scale, 28 * scale), Image.BICUBIC).save(path)


def cat_pngs(data_dir, tmp_path, n=10):
    """The first ``n`` cat photos (label 1) of train_catvnoncat.h5, saved as PNG files."""
    X, y, _ = read_cats_file(data_dir / "train_catvnoncat.h5", "train")
    paths = []
    for j, i in enumerate(np.flatnonzero(np.asarray(y).ravel() == 1)[:n]):
        path = tmp_path / f"cat{j}.png"
        Image.fromarray(np.asarray(X[i], dtype=np.uint8), "RGB").save(path)
        paths.append(path)
    return paths


def digit_pngs(ds, tmp_path, n=20):
    paths = []
    for i in range(n):
        path = tmp_path / f"digit{i}_label{ds.y_test[i]}.png"
        write_digit_png(path, ds.X_test[i])
        paths.append(path)
    return paths


def need_files(data_dir, *names):
    for name in names:
        if not (data_dir / name).is_file():
            pytest.skip(f"{name} is not in the data directory")


def test_hint_fires_on_cats_dropped_on_a_briefly_trained_mnist_cnn(real_data_dir, tmp_path):
    need_files(real_data_dir, "t10k-images-idx3-ubyte.gz", "train_catvnoncat.h5")
    preset = load_preset("mnist-cnn")
    ds = load_dataset(preset.dataset, data_dir=real_data_dir)
    model = preset.build_model(ds.input_shape)
    model.fit(ds.X_train[:3000], ds.y_train[:3000], optimizer=preset.build_optimizer(), epochs=1,
              batch_size=preset.batch_size)
    calibration = calibration_for(ds)

    cats = [load_for_model(p, model.input_shape) for p in cat_pngs(real_data_dir, tmp_path)]
    digits = [load_for_model(p, model.input_shape) for p in digit_pngs(ds, tmp_path)]
    assert all(c.error is None for c in cats + digits)
    cat_results = [calibration.check(c.x) for c in cats]
    digit_results = [calibration.check(d.x) for d in digits]
    cats_flagged = sum(r.unusual for r in cat_results)
    digits_flagged = sum(r.unusual for r in digit_results)
    print(f"\nMNIST model: hint on {cats_flagged} of 10 cat photos (score / threshold "
          f"{sorted(round(r.ratio, 2) for r in cat_results)}), on {digits_flagged} of 20 t10k digits "
          f"(highest {max(r.ratio for r in digit_results):.2f})")
    assert cats_flagged >= 9
    assert digits_flagged <= 1
    # on the stored test set itself the hint fires on well under 1 % of the digits
    test_flagged = sum(calibration.check(x).unusual for x in ds.X_test)
    print(f"MNIST test set: hint on {test_flagged} of {len(ds.X_test)}")
    assert test_flagged <= 0.01 * len(ds.X_test)
    # the network itself is sure of its (meaningless) answer for a cat: the hint is what tells the class
    sure = [predict_one(model, c.x).probs.max() for c in cats]
    assert max(sure) > 0.5
    # and it is right on the digits it does not flag
    right = sum(predict_one(model, d.x).top == ds.y_test[i] for i, d in enumerate(digits))
    assert right >= 16
    assert cat_results[0].message() in ("", OOD_MESSAGE)


def test_hint_on_digits_dropped_on_the_cats_model(real_data_dir, tmp_path):
    need_files(real_data_dir, "t10k-images-idx3-ubyte.gz", "train_catvnoncat.h5", "test_catvnoncat.h5")
    cats = load_dataset("cats", data_dir=real_data_dir)
    mnist = load_dataset("mnist-10k", data_dir=real_data_dir)
    calibration = calibration_for(cats)
    digits = [load_for_model(p, cats.input_shape) for p in digit_pngs(mnist, tmp_path)]
    flagged = sum(calibration.check(d.x).unusual for d in digits)
    # the cats' own test photos, as files: the hint stays quiet on (nearly) all of them
    photos = [calibration.check(x).unusual for x in cats.X_test]
    print(f"\ncats model: hint on {flagged} of 20 t10k digits, on {sum(photos)} of {len(photos)} cat-set test photos")
    assert flagged >= 18
    assert sum(photos) <= 1


def test_calibration_is_set_on_the_test_set():
    rng = np.random.default_rng(0)
    X_train = rng.uniform(0, 1, (300, 1, 8, 8))
    X_test = rng.uniform(0, 1, (100, 1, 8, 8))
    cal = calibrate(X_train, X_test, quantile=0.9, margin=1.0)
    assert np.mean(cal.scores(X_test) > cal.threshold) == pytest.approx(0.1, abs=0.02)
    assert cal.check(np.zeros((1, 8, 8))).unusual          # a blank picture is unlike noise
    said = cal.check(np.zeros((1, 8, 8))).explanation()
    assert said.startswith(OOD_MESSAGE) and " is far " in said and " than in any training image." in said
    assert "its contrast is far lower" in cal.check(np.full((1, 8, 8), 0.5)).explanation()   # a flat grey
    assert cal.check(X_test[0]).explanation() in ("", said) or not cal.check(X_test[0]).unusual
    assert image_statistics(X_train).shape == (300, 8)
    flat = calibrate(X_train.reshape(300, -1), X_test.reshape(100, -1), image_shape=(1, 8, 8),
                     quantile=0.9, margin=1.0)
    assert flat.threshold == pytest.approx(cal.threshold)


def test_no_calibration_for_points():
    class Points:
        input_shape = (2,)
        X_train = np.zeros((10, 2))
        X_test = np.zeros((5, 2))
    assert calibration_for(Points()) is None
    assert calibration_for(None) is None
