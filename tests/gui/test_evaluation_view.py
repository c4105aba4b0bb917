"""Test results view: the confusion matrix counts every test sample; the gallery shows real mistakes."""

import numpy as np

from nnviz.gui.views import EvaluationView


def eval_view(w) -> EvaluationView:
    view = w.findChild(EvaluationView, "evaluationView")
    w.viewTabs.setCurrentWidget(view)
    return view


def train(qtbot, w, epochs):
    w.epochsSpin.setValue(epochs)
    with qtbot.waitSignal(w.trainingFinished, timeout=60_000) as blocker:
        w.train()
    assert blocker.args[0].status == "completed", blocker.args[0].message


def test_mnist_confusion_matrix_and_gallery(make_window, real_data_dir, qtbot):
    w = make_window(data_dir=real_data_dir, preset="mnist-cnn")
    view = eval_view(w)
    assert view.confusion_matrix() is None and view.stack.currentWidget() is view.message
    train(qtbot, w, 1)
    ds = w.dataset
    cm = view.confusion_matrix()
    assert cm.shape == (10, 10) and cm.sum() == len(ds.y_test) == 2000
    pred = np.argmax(w.model.predict(ds.X_test), axis=1)
    expected = np.zeros((10, 10), dtype=int)
    for t, p in zip(ds.y_test, pred):
        expected[t, p] += 1
    np.testing.assert_array_equal(cm, expected)
    texts = [t.textItem.toPlainText() for t in view.confusion.texts]
    assert texts[0] == f"{expected[0, 0]:,}" and texts[11] == f"{expected[1, 1]:,}"
    ticks = view.confusion.plot.getAxis("left")._tickLevels[0]
    assert [name for _, name in ticks] == list(ds.class_names)

    wrong = np.flatnonzero(pred != ds.y_test)
    images, captions = view.gallery_images(), view.gallery_captions()
    assert len(images) == len(captions) == min(32, wrong.size) > 0
    for img, caption in zip(images, captions):
        match = np.flatnonzero(np.all(ds.X_test[:, 0] == img, axis=(1, 2)))
        assert match.size and pred[match[0]] != ds.y_test[match[0]]
        said, true = ds.class_names[pred[match[0]]], ds.class_names[ds.y_test[match[0]]]
        assert caption.startswith(f"said {said} (") and caption.endswith(f"true {true}")
    assert f"{wrong.size:,} mistakes" in view.summary.text()


def test_moons_confusion_matrix_without_gallery(make_window, qtbot):
    w = make_window(preset="moons")
    view = eval_view(w)
    train(qtbot, w, 50)
    cm = view.confusion_matrix()
    assert cm.shape == (2, 2) and cm.sum() == len(w.dataset.y_test) == 100
    pred = (w.model.predict(w.dataset.X_test)[:, 0] > 0.5).astype(int)
    assert np.trace(cm) == np.sum(pred == w.dataset.y_test)
    assert view.gallery_images() == [] and not view.gallery.isVisible()
    assert "image datasets" in view.galleryNote.text()


def test_cats_gallery_in_colour_with_class_names(make_window, real_data_dir, qtbot):
    w = make_window(data_dir=real_data_dir, preset="cats-deep")
    view = eval_view(w)
    train(qtbot, w, 30)
    ds = w.dataset
    cm = view.confusion_matrix()
    assert cm.shape == (2, 2) and cm.sum() == len(ds.y_test) == 50
    images, captions = view.gallery_images(), view.gallery_captions()
    pred = (w.model.predict(ds.X_test)[:, 0] > 0.5).astype(int)
    assert len(images) == min(32, int(np.sum(pred != ds.y_test)))
    assert images and images[0].shape == (64, 64, 3)
    names = [str(n) for n in ds.class_names]
    assert all(any(f"said {n}" in c for n in names) and any(f"true {n}" in c for n in names) for c in captions)


def test_a_gallery_laid_out_while_hidden_shows_its_first_row_at_the_top(qtbot):
    """Opening the Test results tab after training once showed a blank gallery or its first row at the bottom."""
    import numpy as np

    from nnviz.gui.views.tiles import TileGrid

    grid = TileGrid(tile_px=80, caption_lines=2, max_columns=8)
    qtbot.addWidget(grid)
    grid.resize(120, 60)                                  # laid out at a size it will not keep
    grid.set_layout(16, (28, 28))
    grid.set_images([np.full((28, 28), i / 16, dtype=np.float32) for i in range(16)], (0.0, 1.0))
    grid.show()
    qtbot.waitExposed(grid)
    for width in (700, 420, 900):
        grid.resize(width, grid.height())
        qtbot.waitUntil(lambda: grid.width() == width)
        first = grid.view.mapViewToDevice(grid.items[0].mapToView(grid.items[0].boundingRect().topLeft()))
        last = grid.items[-1]
        bottom = grid.view.mapViewToDevice(last.mapToView(last.boundingRect().bottomRight()))
        seen_w, seen_h = grid.view.width(), grid.view.height()          # what the view box has now
        assert 0 <= first.x() < 0.1 * seen_w and 0 <= first.y() < 0.1 * seen_h, (width, first)
        assert bottom.y() <= seen_h + 1 and bottom.x() <= seen_w + 1, (width, bottom)
