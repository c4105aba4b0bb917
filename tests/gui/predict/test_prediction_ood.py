"""Item 9 of issue 14 in the window: the out-of-distribution hint, one row per file, and the status bar."""

from __future__ import annotations

import numpy as np
from PIL import Image
from predict_helpers import train, write_digit_png
from test_prediction_view import LOAD_TIMEOUT, drop_files, wait_loaded

from nnviz.data import load_dataset
from nnviz.data.cats import read_cats_file
from nnviz.lab.ood import OOD_MESSAGE


def write_cat_png(data_dir, path) -> None:
    X, y, _ = read_cats_file(data_dir / "train_catvnoncat.h5", "train")
    Image.fromarray(np.asarray(X[int(np.flatnonzero(np.asarray(y).ravel() == 1)[0])], dtype=np.uint8)).save(path)


def test_cat_on_the_mnist_model_is_said_to_be_unlike_the_training_images(make_window, qtbot, real_data_dir,
                                                                           tmp_path):
    ds = load_dataset("mnist-10k", data_dir=real_data_dir)
    window = make_window("mnist-dense", data_dir=real_data_dir)
    assert train(qtbot, window, epochs=1).status == "completed"
    cat, digit = tmp_path / "cat.png", tmp_path / "digit.png"
    write_cat_png(real_data_dir, cat)
    write_digit_png(digit, ds.X_test[0, 0])
    view = window.prediction_view
    drop_files(window, [cat, digit])
    wait_loaded(qtbot, view)
    qtbot.waitUntil(lambda: all(it.prediction is not None for it in view.items.values()), timeout=LOAD_TIMEOUT)

    cat_item, digit_item = view.items.values()
    view.fileList.setCurrentItem(cat_item.row)
    assert "%" in view.predictionLabel.text()            # the network still answers…
    assert view.oodHint.isVisible()                       # …and the window says what the answer is worth
    assert OOD_MESSAGE in view.oodHint.text()
    assert "⚠ unfamiliar" in cat_item.row.text()
    view.fileList.setCurrentItem(digit_item.row)
    assert not view.oodHint.isVisible()
    assert "⚠" not in digit_item.row.text()
    # the status bar no longer says "Classifying 2 images…"
    message = window.statusBar().currentMessage()
    assert "Classifying" not in message
    assert message == "2 images classified; 1 unlike the training images."


def test_a_file_dropped_twice_keeps_one_row(make_window, qtbot, real_data_dir, tmp_path):
    ds = load_dataset("mnist-10k", data_dir=real_data_dir)
    window = make_window("mnist-dense", data_dir=real_data_dir)
    a, b = tmp_path / "a.png", tmp_path / "b.png"
    write_digit_png(a, ds.X_test[0, 0], scale=2)
    write_digit_png(b, ds.X_test[1, 0], scale=2)
    view = window.prediction_view
    drop_files(window, [a, b])
    wait_loaded(qtbot, view)
    drop_files(window, [a])
    wait_loaded(qtbot, view)
    drop_files(window, [tmp_path / "sub" / ".." / "b.png", b])     # two spellings of one file, in one drop
    wait_loaded(qtbot, view)
    assert view.fileList.count() == 2 and len(view.items) == 2
    assert view.fileList.currentRow() == 1                          # b, selected again
    assert view.fileList.currentItem().text().startswith("b.png")


def test_status_bar_is_replaced_when_the_result_arrives(make_window, qtbot, real_data_dir, tmp_path):
    ds = load_dataset("mnist-10k", data_dir=real_data_dir)
    window = make_window("mnist-dense", data_dir=real_data_dir)
    path = tmp_path / "d.png"
    write_digit_png(path, ds.X_test[0, 0], scale=2)
    view = window.prediction_view
    with qtbot.waitSignal(view.filesDone, timeout=LOAD_TIMEOUT) as done:
        window.predict_images([path])
        assert window.statusBar().currentMessage() == "Classifying 1 image…"
    assert window.statusBar().currentMessage() == done.args[0]
    assert "Classifying" not in done.args[0]
