"""Classroom mode in the window: a saved classroom file reopens in a new window (whose data folder lacks
the data) with the same hidden controls, note, data, weights and snapshots; hidden controls cannot be
reached through menus, shortcuts or tab keys; Leave classroom mode brings every control back on a fresh
experiment."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QMessageBox

from nnviz.gui.actions import show_shortcuts
from nnviz.lab.classroom import CONTROLS, Classroom

from .helpers import wait_for_dataset

NOTE = "Change only the learning rate: which value trains fastest?"


def write_table(path, rows: int = 150, seed: int = 3) -> None:
    """Three well separated classes of 4 measurements, names as labels (as the Iris table has)."""
    rng = np.random.default_rng(seed)
    centres = np.array([[5.0, 3.4, 1.5, 0.2], [5.9, 2.8, 4.3, 1.3], [6.6, 3.0, 5.6, 2.0]])
    names = ["setosa", "versicolor", "virginica"]
    lines = ["sepal_length,sepal_width,petal_length,petal_width,species"]
    for i in range(rows):
        x = centres[i % 3] + rng.normal(0, 0.15, 4)
        lines.append(",".join(f"{v:.2f}" for v in x) + f",{names[i % 3]}")
    path.write_text("\n".join(lines) + "\n")


def weights(model) -> list[np.ndarray]:
    return [layer.params[k] for layer in model.layers for k in sorted(layer.params)]


def same_data(a, b) -> bool:
    return all(np.array_equal(getattr(a, k), getattr(b, k)) and getattr(a, k).dtype == getattr(b, k).dtype
               for k in ("X_train", "y_train", "X_test", "y_test")) and list(a.class_names) == list(b.class_names)


def train(w, qtbot, epochs: int) -> None:
    w.epochsSpin.setValue(epochs)
    with qtbot.waitSignal(w.trainingFinished, timeout=120_000):
        w.trainButton.click()


@pytest.fixture
def no_dialogs(monkeypatch):
    """Any file dialog a shortcut would open is recorded instead of shown (a test must never block)."""
    import nnviz.gui.files as files

    opened = []
    for name in ("getOpenFileName", "getSaveFileName"):
        monkeypatch.setattr(files.QFileDialog, name, staticmethod(lambda *a, **k: (opened.append(a), ("", ""))[1]))
    monkeypatch.setattr(files.QFileDialog, "getExistingDirectory", staticmethod(lambda *a, **k: opened.append(a)
                                                                                or ""))
    return opened


def tab_of(w, name: str):
    """(the tab widget holding the view ``name``: the window's tabs or a group inside them, its index there)."""
    page = next(page for _title, page in w.viewTabs.all_pages() if page.objectName() == name)
    owner = w.viewTabs.group_of(page) or w.viewTabs
    return owner, owner.indexOf(page)


def test_a_table_classroom_reopens_exactly_and_hides_what_the_teacher_chose(make_window, qtbot, tmp_path,
                                                                             no_dialogs):
    csv = tmp_path / "flowers.csv"
    write_table(csv)
    teacher = make_window(preset="moons")
    assert teacher.files.open_dataset_file(csv)
    wait_for_dataset(teacher, qtbot)
    assert teacher.lab.dataset.input_shape == (4,)
    train(teacher, qtbot, 20)
    hidden = {"layers", "optimizer", "step", "reset", "open_files", "time_machine", "export", "tab:gradCheckView",
              "tab:predictionView"}
    path = tmp_path / "lesson.h5"
    assert teacher.classroom.save_file(path, Classroom(NOTE, hidden))
    csv.unlink()

    empty = tmp_path / "empty"
    empty.mkdir()
    w = make_window(preset="moons", data_dir=empty)
    assert w.files.open_run_file(path)
    wait_for_dataset(w, qtbot)
    mode = w.classroom
    assert mode.active and mode.room.hidden == hidden and mode.noteLabel.text() == NOTE
    assert mode.noteLabel.isVisible() and mode.noteLabel.textFormat() == Qt.PlainText
    assert "classroom" in w.windowTitle() and "lesson.h5" in w.windowTitle()
    # the same data (from the file: the table is gone), weights and snapshots
    assert w.lab.dataset_error is None and same_data(teacher.lab.dataset, w.lab.dataset)
    assert all(np.array_equal(a, b) for a, b in zip(weights(teacher.lab.model), weights(w.lab.model), strict=True))
    assert len(w.lab.timeline.snapshots) == len(teacher.lab.timeline.snapshots) > 1
    # hidden widgets are not visible; the others are
    for item in hidden - {"tab:gradCheckView", "tab:predictionView", "export"}:
        assert mode.widgets_for(item) and all(not x.isVisible() and x.isHidden() for x in mode.widgets_for(item)), item
    for item in ("preset", "dataset", "learning_rate", "epochs"):
        assert all(x.isVisible() for x in mode.widgets_for(item)), item
    # the remaining training fields close ranks: the learning rate takes the optimizer's place
    grid = w.training_panel.grid
    assert grid.getItemPosition(grid.indexOf(w.learningRateSpin))[:2] == (0, 1)
    assert grid.indexOf(w.optimizerCombo) < 0 and len(w.training_panel.pairs) == len(teacher.training_panel.pairs) - 1
    for name in ("gradCheckView", "predictionView"):
        owner, i = tab_of(w, name)
        assert not owner.isTabVisible(i) and not owner.isTabEnabled(i)
    # every action bound to a hidden control is disabled, out of its menu, without keys
    bound = [a for item in hidden for a in mode.actions_for(item)]
    names = {a.objectName() for a in bound}
    assert {"stepAction", "resetAction", "openDatasetAction", "openImageFolderAction", "loadModelAction",
            "openRunAction", "exportPytorchAction", "exportNumpyAction"} <= names
    assert any(a.data() == "gradCheckView" for a in bound)
    assert any(a.menu() is not None and a.text() == "Export plot" for a in bound)     # the empty submenu too
    assert all(not a.isEnabled() and not a.isVisible() and not a.shortcuts() for a in bound)
    # ... and pressing their shortcuts does nothing
    model, done = w.lab.model, w.lab.model.history.epochs_done
    for key, mod in ((Qt.Key_R, Qt.ControlModifier), (Qt.Key_F7, Qt.NoModifier), (Qt.Key_O, Qt.ControlModifier),
                     (Qt.Key_L, Qt.ControlModifier), (Qt.Key_E, Qt.ControlModifier)):
        qtbot.keyClick(w, key, mod)
    qtbot.wait(50)
    assert w.lab.model is model and w.lab.model.history.epochs_done == done and w.lab.state == "idle"
    assert no_dialogs == []
    # Help → Keyboard shortcuts lists only what is left
    show_shortcuts(w)
    box = w.findChild(QMessageBox, "shortcutsDialog")
    assert "<b>F5</b>" in box.text()
    assert not any(f"<b>{key}</b>" in box.text() for key in ("Ctrl+R", "F7", "Ctrl+O", "Ctrl+L"))
    box.close()
    # tabs: Ctrl+Tab through all of them never lands on a hidden one; choosing one goes back to Training
    w.viewTabs.setFocus()
    seen = set()
    for _ in range(2 * w.viewTabs.count()):
        qtbot.keyClick(w.viewTabs, Qt.Key_Tab, Qt.ControlModifier)
        seen.add(w.viewTabs.current_view().objectName())
    assert len(seen) >= 3 and not seen & {"gradCheckView", "predictionView"}
    w.viewTabs.show_view(w.view("gradCheckView"))          # chosen by any means: another view comes forward
    assert w.viewTabs.current_view() is not w.view("gradCheckView")
    w.viewTabs.setCurrentIndex(tab_of(w, "predictionView")[1])
    assert w.viewTabs.currentIndex() == 0
    # a banner's Reset button respects the hidden Reset too; a dropped picture is refused
    w.reset()
    assert w.lab.model is model
    w._drops.on_drop([str(tmp_path / "cat.png")])
    assert w.viewTabs.currentIndex() == 0 and "Prediction tab is hidden" in w.statusBar().currentMessage()
    # training (allowed) updates the run controls: the hidden Step stays disabled
    train(w, qtbot, 5)
    assert w.lab.model.history.epochs_done == done + 5
    assert not w.stepAction.isEnabled() and not w.stepButton.isVisible() and not w.resetAction.isEnabled()
    # presentation mode and back does not show what is hidden
    w.set_presentation(True)
    w.set_presentation(False)
    qtbot.waitUntil(lambda: not w.timeBar.isVisible() and not w.builder.isVisible())

    # leaving: every control back, on a fresh moons experiment
    assert mode.leave()
    assert not mode.active and not mode.noteBar.isVisible() and "classroom" not in w.windowTitle()
    assert w.lab.config.dataset == "moons" and w.lab.model.history.epochs_done == 0
    assert w.datasetCombo.findData("embedded") < 0
    for item in hidden - {"tab:gradCheckView", "tab:predictionView", "export"}:
        assert all(not x.isHidden() for x in mode.widgets_for(item)), item      # (Open… sits in the error box)
    assert w.builder.isVisible() and w.timeBar.isVisible() and w.stepButton.isVisible()
    assert all(w.viewTabs.isTabVisible(i) and w.viewTabs.isTabEnabled(i) for i in range(w.viewTabs.count()))
    assert w.resetAction.isEnabled() and w.resetAction.shortcut().toString() == "Ctrl+R"
    assert w.openDatasetAction.isEnabled() and w.openDatasetAction.isVisible()
    assert w.stepAction.isEnabled()
    assert len(w.training_panel.pairs) == len(teacher.training_panel.pairs) and grid.getItemPosition(grid.indexOf(w.optimizerCombo))[:2] == (0, 1)
    w.reset()
    assert w.lab.model is not None


def test_every_control_can_be_hidden_at_once_on_moons(make_window, qtbot, tmp_path):
    teacher = make_window(preset="moons")
    train(teacher, qtbot, 10)
    hidden = set(CONTROLS) | {f"tab:{name}" for name in teacher.classroom.tab_names()}
    path = tmp_path / "all.h5"
    assert teacher.classroom.save_file(path, Classroom("Just watch.", hidden))
    w = make_window(preset="xor")
    assert w.files.open_run_file(path)
    assert w.lab.config.dataset == "moons" and same_data(teacher.lab.dataset, w.lab.dataset)
    assert not w.settingsPanel.isVisible() and not w.settingsPanelAction.isEnabled()
    assert not w.settingsPanelAction.shortcuts()
    assert all(not w.viewTabs.isTabVisible(i) for i in range(1, w.viewTabs.count()))
    assert w.trainButton.isVisible() and w.trainAction.isEnabled()          # Train is never hidden
    qtbot.keyClick(w, Qt.Key_F9)
    assert not w.settingsPanel.isVisible()
    actions = [a for a in w.findChildren(QAction) if a.objectName() in ("saveClassroomAction", "leaveClassroomAction")]
    assert len(actions) == 2 and all(a.isEnabled() for a in actions)


def test_the_dialog_is_filled_from_the_open_classroom_and_returns_what_is_ticked(window, qtbot):
    from nnviz.gui.classroom import ClassroomDialog

    room = Classroom("Look at the boundary.", {"layers", "tab:comparisonView"})
    dialog = ClassroomDialog(window, window.classroom.tabs(), room)
    qtbot.addWidget(dialog)
    assert dialog.boxes["layers"].isChecked() and dialog.boxes["tab:comparisonView"].isChecked()
    assert not dialog.boxes["reset"].isChecked() and dialog.noteEdit.toPlainText() == "Look at the boundary."
    assert set(dialog.boxes) == set(CONTROLS) | {f"tab:{n}" for n in window.classroom.tab_names()}
    dialog.boxes["reset"].setChecked(True)
    dialog.boxes["layers"].setChecked(False)
    dialog.noteEdit.setPlainText("x" * 601)
    save = dialog.buttons.buttons()[0]
    assert not save.isEnabled() and "too long" in dialog.countLabel.text()
    dialog.noteEdit.setPlainText("  Only the learning rate.  ")
    assert save.isEnabled()
    assert dialog.values() == Classroom("Only the learning rate.", {"reset", "tab:comparisonView"})


def test_a_hostile_classroom_file_is_one_sentence_in_the_banner(window, tmp_path):
    from nnviz.engine import save_model

    window.lab.save_model(tmp_path / "ok.h5", kind="run")
    from nnviz.engine import load_model

    model, optimizer, extra = load_model(tmp_path / "ok.h5", with_optimizer=True, with_extra=True)
    extra["classroom"] = {"version": 1, "note": "n" * (10 << 20), "hidden": []}
    save_model(model, tmp_path / "bad.h5", optimizer=optimizer, extra=extra)
    before = window.lab.config.to_dict()
    assert not window.files.open_run_file(tmp_path / "bad.h5")
    text = window.banner.text()
    assert "bad.h5: the teacher's note holds 10,485,760 characters" in text and "\n" not in text
    assert not window.classroom.active and window.lab.config.to_dict() == before
