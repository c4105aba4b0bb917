"""Classroom mode in the window: the teacher's dialog, and a classroom file's controls hidden and note shown.

:class:`ClassroomMode` (``window.classroom``, made by :func:`~nnviz.gui.actions.build_menus`) saves a
classroom file (File → Save classroom file…: :class:`ClassroomDialog` asks which controls and tabs to
hide and for the note; :meth:`nnviz.lab.Lab.save_model` writes one run file) and, when a run file with a
classroom part is opened (File → Open run…, ``nnviz open FILE``), :meth:`ClassroomMode.enter` hides
what the teacher chose:

- the widgets of each hidden control (a settings box, a field and its label, a run button, the time
  machine, a tab); they stay hidden if anything shows them again (an event filter);
- every menu action bound to them: disabled, removed from its menu, its shortcut keys taken away
  (Step F7, Reset Ctrl+R, Open… Ctrl+O, Load model Ctrl+L, the settings column's F9, the exports);
- a hidden tab cannot be reached with the mouse, Ctrl+Tab or a menu (its export entry is disabled;
  pictures dropped for a hidden Prediction tab are refused with a status message);

and shows the note in a read-only strip at the top of the window (objectName ``classroomNote``),
with "classroom" in the window title. File → Leave classroom mode restores every control and starts
a fresh moons experiment: the classroom's own network is never shown with its controls back.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QEvent, QObject, Qt, QTimer
from PySide6.QtGui import QAction, QFont
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFrame,
    QGridLayout,
    QGroupBox,
    QLabel,
    QMenu,
    QPlainTextEdit,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from nnviz.lab import datasets
from nnviz.lab.classroom import CONTROLS, MAX_NOTE, Classroom, catalogue, tab_id

from .files import FILE_ERRORS, RUN_FILTER

TITLE = "nnviz — neural network lab"
#: training-panel fields: control id → the widget's attribute on the training panel
FIELDS = {"optimizer": "optimizerCombo", "learning_rate": "learningRateSpin", "epochs": "epochsSpin",
          "batch_size": "batchSizeSpin", "loss": "lossCombo", "init": "initCombo", "l2": "l2Spin",
          "seed": "seedSpin"}
#: control id → the window's actions it disables
ACTIONS = {"step": ("stepAction",), "reset": ("resetAction",),
           "open_files": ("openDatasetAction", "openImageFolderAction", "loadModelAction", "openRunAction"),
           "dataset": ("openDatasetAction", "openImageFolderAction"),
           "export": ("exportAnimationAction", "exportPytorchAction", "exportNumpyAction"),
           "settings_panel": ("settingsPanelAction",)}
NOTE_STYLE = ("QFrame#classroomBar { background: #fff4c2; border: 1px solid #d9b500; border-left: 6px solid #d9b500;"
              " border-radius: 3px; }")
GROUPS = (("Settings", ("preset", "dataset", "layers", "settings_panel")),
          ("Training fields", tuple(FIELDS)),
          ("Run controls and files", ("step", "reset", "time_machine", "open_files", "export")))


class ClassroomDialog(QDialog):
    """Tick what to hide, write the note. ``ClassroomDialog(parent, tabs, room)``; ``values()`` → Classroom."""

    def __init__(self, parent, tabs: dict[str, str], room: Classroom | None = None):
        super().__init__(parent)
        self.setObjectName("classroomDialog")
        self.setWindowTitle("Save classroom file")
        room = room or Classroom()
        labels = catalogue(tabs)
        self.boxes: dict[str, QCheckBox] = {}
        layout = QVBoxLayout(self)
        intro = QLabel("Hide what would distract the class. The file keeps the data, the settings, the network, "
                       "its snapshots and your note; opening it (File → Open run…, or <tt>nnviz open FILE</tt>) "
                       "shows exactly this window.")
        intro.setWordWrap(True)
        layout.addWidget(intro)
        groups = [*GROUPS, ("Tabs", tuple(tab_id(name) for name in tabs))]
        grid = QGridLayout()
        for column, (title, ids) in enumerate(groups):
            box = QGroupBox(f"Hide: {title.lower()}")
            box_layout = QVBoxLayout(box)
            for item in ids:
                check = QCheckBox(labels[item].removeprefix("Tab: "),
                                  objectName=f"classroomHide_{item.replace(':', '_')}")
                check.setChecked(item in room.hidden)
                box_layout.addWidget(check)
                self.boxes[item] = check
            box_layout.addStretch(1)
            grid.addWidget(box, column // 2, column % 2)
        layout.addLayout(grid)
        layout.addWidget(QLabel(f"Note shown at the top of the window (at most {MAX_NOTE} characters):"))
        self.noteEdit = QPlainTextEdit(objectName="classroomNoteEdit")
        self.noteEdit.setPlaceholderText("e.g. Change only the learning rate: which value trains fastest?")
        self.noteEdit.setPlainText(room.note)
        self.noteEdit.setFixedHeight(self.noteEdit.fontMetrics().lineSpacing() * 4 + 16)
        self.countLabel = QLabel(objectName="classroomNoteCount")
        layout.addWidget(self.noteEdit)
        layout.addWidget(self.countLabel)
        self.buttons = QDialogButtonBox(QDialogButtonBox.Save | QDialogButtonBox.Cancel)
        self.buttons.button(QDialogButtonBox.Save).setText("Save classroom file…")
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        self.noteEdit.textChanged.connect(self._count)
        self._count()

    def _count(self) -> None:
        n = len(self.noteEdit.toPlainText().strip())
        self.countLabel.setText(f"{n} / {MAX_NOTE} characters" + (" — too long" if n > MAX_NOTE else ""))
        self.buttons.button(QDialogButtonBox.Save).setEnabled(n <= MAX_NOTE)

    def values(self) -> Classroom:
        return Classroom(self.noteEdit.toPlainText(), {k for k, box in self.boxes.items() if box.isChecked()})


class _KeepHidden(QObject):
    """Hides again, at once, any widget of ``widgets`` that something shows (presentation mode, a relayout)."""

    def __init__(self, parent):
        super().__init__(parent)
        self.widgets: list[QWidget] = []

    def eventFilter(self, obj, event) -> bool:
        if event.type() in (QEvent.ShowToParent, QEvent.Show) and any(obj is w for w in self.widgets):
            QTimer.singleShot(0, obj, lambda: any(obj is w for w in self.widgets) and obj.hide())
        return False


class ClassroomMode:
    """See the module docstring. ``ClassroomMode(window)``; ``room`` is the open classroom or None."""

    def __init__(self, window):
        self.window = window
        self.room: Classroom | None = None
        self.path: Path | None = None
        self._keeper = _KeepHidden(window)
        self._hidden_widgets: list[tuple[QWidget, bool]] = []     # (widget, hidden before)
        self._hidden_actions: list[tuple[QAction, list, bool]] = []  # (action, shortcuts, visible before)
        self._hidden_tabs: list[QWidget] = []
        self._original: dict = {}            # the window's methods this mode wraps while on
        self._all_pairs = None               # the training panel's (label, field) pairs while some are hidden
        self._spacer = None                  # the stretch under the settings boxes while Network is hidden
        self.noteBar: QFrame | None = None
        self.noteLabel: QLabel | None = None

    @property
    def active(self) -> bool:
        return self.room is not None

    # --- what can be hidden ------------------------------------------------------------------
    def tabs(self) -> dict[str, str]:
        """objectName → title of every view tab but Training (the first)."""
        tabs = self.window.viewTabs
        return {page.objectName(): title for title, page in tabs.all_pages()
                if page is not tabs.widget(0) and page not in tabs.groups.values() and page.objectName()}

    def tab_names(self) -> list[str]:
        return list(self.tabs())

    def widgets_for(self, item: str) -> list[QWidget]:
        w = self.window
        if item in FIELDS:
            field = getattr(w.training_panel, FIELDS[item])
            return [widget for pair in self._all_pairs or w.training_panel.pairs if pair[1] is field for widget in pair]
        return {"preset": [w.presetCombo.parentWidget()], "dataset": [w.dataset_panel.parentWidget()],
                "layers": [w.builder.parentWidget()], "step": [w.stepButton, w.stepUnitCombo],
                "reset": [w.resetButton], "time_machine": [w.timeBar], "open_files": [w.dataset_panel.openButton],
                "export": [], "settings_panel": [w.settingsPanel]}.get(item, [])

    def actions_for(self, item: str) -> list[QAction]:
        w = self.window
        found = [getattr(w, name) for name in ACTIONS.get(item, ()) if hasattr(w, name)]
        exports = [a for a in w.menuBar().findChildren(QAction) if isinstance(a.data(), str) and a.data()]
        if item == "export":
            found += exports + [menu.menuAction() for menu in w.menuBar().findChildren(QMenu)
                                if menu.actions() and all(a in exports for a in menu.actions())]
        elif item.startswith("tab:"):
            found += [a for a in exports if a.data() == item[4:]]
        return found

    # --- saving ----------------------------------------------------------------------------------
    def save_dialog(self) -> None:
        dialog = ClassroomDialog(self.window, self.tabs(), self.room)
        if dialog.exec() != QDialog.Accepted:
            return
        files = self.window.files
        path = files.ask_save("Save classroom file", f"{files.file_stem('classroom')}.h5", RUN_FILTER)
        if path:
            self.save_file(path, dialog.values())

    def save_file(self, path, room: Classroom) -> bool:
        """Write a classroom file: the run (settings, network, snapshots), data if needed, ``room``."""
        files = self.window.files
        try:
            self.window.lab.save_model(path, kind="run", classroom=room)
        except FILE_ERRORS as exc:
            return files._fail(f"Could not save the classroom file to {path}: {exc}",
                               "warning" if isinstance(exc, RuntimeError) else "error")
        return files._status(f"Classroom file saved to {path}: {room.describe()}. Open it with File → Open run… "
                             f"or `nnviz open {Path(path).name}`.", 10000)

    # --- entering and leaving ---------------------------------------------------------------------
    def enter(self, room: Classroom, path) -> bool:
        """Hide ``room``'s controls and show its note (the lab has opened the file already)."""
        self._restore()
        w = self.window
        self.room, self.path = room, Path(path)
        hidden = set(room.hidden)
        if all(f in hidden for f in FIELDS):
            hidden.add("training_box")
        for item in sorted(hidden):
            widgets = [w.training_panel.parentWidget()] if item == "training_box" else self.widgets_for(item)
            for widget in widgets:
                self._hide_widget(widget)
            for action in self.actions_for(item):
                self._hide_action(action)
        self._compact(hidden)
        if "settings_panel" in hidden:
            blocked = w.settingsPanelAction.blockSignals(True)
            w.settingsPanelAction.setChecked(False)
            w.settingsPanelAction.blockSignals(blocked)
        tabs = w.viewTabs
        names = set(room.hidden_tabs())
        for _title, page in list(tabs.all_pages()):
            if page.objectName() in names and page is not tabs.widget(0):
                self._hide_tab(page)
        for group in tabs.groups.values():        # a group whose every view is hidden goes too
            if all(group.widget(i) in self._hidden_tabs for i in range(group.count())):
                self._hide_tab(group)
        self._guard_tab(tabs.currentIndex())
        self._wrap()
        self._show_note(room.note)
        w.setWindowTitle(f"nnviz — classroom: {self.path.name}")
        w.leaveClassroomAction.setEnabled(True)
        w._update_controls()
        done = w.lab.model.history.epochs_done if w.lab.model is not None else 0
        return w.files._status(f"Classroom file {self.path.name} opened: {room.describe()}, {done:,} epochs of "
                               "history. File → Leave classroom mode starts afresh.", 10000)

    def leave(self) -> bool:
        """Every control back, the note gone, and a fresh moons experiment (never the classroom's own)."""
        w = self.window
        if not self.active:
            return False
        if w.lab.state != "idle":
            return w.files._fail("Stop training before leaving classroom mode.", "warning")
        self._restore()
        self.room = self.path = None
        w.setWindowTitle(TITLE)
        w.leaveClassroomAction.setEnabled(False)
        w.lab.embedded = None
        w.apply_preset("moons")
        w.lab.reset()                   # a new network even if the classroom's was trained on moons
        combo = w.datasetCombo
        index = combo.findData(datasets.EMBEDDED)
        if index >= 0 and combo.currentIndex() != index:
            combo.removeItem(index)
        w._update_controls()
        return w.files._status("Classroom mode left: every control is back, on a fresh moons experiment.", 8000)

    # --- the parts --------------------------------------------------------------------------------
    def _hide_widget(self, widget: QWidget) -> None:
        if any(widget is h for h, _ in self._hidden_widgets):
            return
        self._hidden_widgets.append((widget, widget.isHidden()))
        self._keeper.widgets.append(widget)
        widget.installEventFilter(self._keeper)
        widget.hide()

    def _hide_action(self, action: QAction) -> None:
        if any(action is a for a, _, _ in self._hidden_actions):
            return
        self._hidden_actions.append((action, action.shortcuts(), action.isVisible()))
        action.setShortcuts([])
        action.setEnabled(False)
        action.setVisible(False)

    def _compact(self, hidden: set[str]) -> None:
        """No holes where controls went: the training fields that remain close ranks (also in presentation
        mode), and the settings boxes keep their size when the stretching Network box is hidden."""
        w = self.window
        panel = w.training_panel
        gone = [getattr(panel, FIELDS[item]) for item in FIELDS if item in hidden]
        if gone:
            self._all_pairs = list(panel.pairs)
            for label, field in self._all_pairs:
                if any(field is g for g in gone):
                    panel.grid.removeWidget(label)
                    panel.grid.removeWidget(field)
            panel.pairs = [pair for pair in self._all_pairs if not any(pair[1] is g for g in gone)]
            panel.set_pairs_per_row(1 if w.presentation.on else 2)
        if "layers" in hidden:
            layout = w.settingsPanel.widget().layout()
            layout.addStretch(1)
            self._spacer = layout.itemAt(layout.count() - 1)

    def _uncompact(self) -> None:
        w = self.window
        if self._all_pairs:
            w.training_panel.pairs = self._all_pairs
            w.training_panel.set_pairs_per_row(1 if w.presentation.on else 2)
            self._all_pairs = None
        if self._spacer is not None:
            w.settingsPanel.widget().layout().removeItem(self._spacer)
            self._spacer = None

    def _enforce(self) -> None:
        """Hidden actions stay disabled whatever the window's own updates say."""
        for action, _, _ in self._hidden_actions:
            action.setEnabled(False)

    def _owner(self, page) -> QTabWidget:
        """The tab widget ``page`` is a tab of: the window's view tabs, or a group of views inside them."""
        tabs = self.window.viewTabs
        return tabs.group_of(page) or tabs

    def _hide_tab(self, page) -> None:
        owner = self._owner(page)
        index = owner.indexOf(page)
        owner.setTabVisible(index, False)
        owner.setTabEnabled(index, False)
        self._hidden_tabs.append(page)

    def _guard_group(self, _index: int) -> None:
        self._guard_tab(self.window.viewTabs.currentIndex())

    def _guard_tab(self, index: int) -> None:
        tabs = self.window.viewTabs
        if any(tabs.widget(index) is page for page in self._hidden_tabs):
            tabs.setCurrentIndex(0)
        for group in tabs.groups.values():     # inside a group: the first view not hidden
            if group.currentWidget() in self._hidden_tabs:
                visible = [i for i in range(group.count()) if group.widget(i) not in self._hidden_tabs]
                if visible:
                    group.setCurrentIndex(visible[0])

    def _wrap(self) -> None:
        """While on: the window's control updates end with :meth:`_enforce`; Reset (a banner's button too)
        and picture drops respect what is hidden; a hidden tab chosen by any means goes back to Training."""
        w = self.window
        if self._original:
            return
        self._original = {"_update_controls": w._update_controls, "reset": w.reset,
                          "drop": getattr(w, "_drops", None) and w._drops.on_drop}
        update, reset, drop = self._original["_update_controls"], self._original["reset"], self._original["drop"]

        def update_controls():
            update()
            self._enforce()

        def guarded_reset():
            if self.room is not None and "reset" in self.room.hidden:
                w.statusBar().showMessage("Reset is hidden in this classroom file.", 5000)
                return
            reset()

        def guarded_drop(paths):
            if self.room is not None and tab_id("predictionView") in self.room.hidden:
                w.statusBar().showMessage("The Prediction tab is hidden in this classroom file: pictures "
                                          "cannot be dropped.", 5000)
                return
            drop(paths)

        w._update_controls, w.reset = update_controls, guarded_reset
        if drop is not None:
            w._drops.on_drop = guarded_drop
        w.viewTabs.currentChanged.connect(self._guard_tab)
        for group in w.viewTabs.groups.values():
            group.currentChanged.connect(self._guard_group)

    def _restore(self) -> None:
        """Undo :meth:`enter`: widgets, actions and tabs as they were, the window's methods its own."""
        w = self.window
        self._keeper.widgets.clear()
        for widget, was_hidden in self._hidden_widgets:
            widget.removeEventFilter(self._keeper)
            widget.setHidden(was_hidden)
        for action, keys, visible in self._hidden_actions:
            action.setShortcuts(keys)
            action.setVisible(visible)
            action.setEnabled(True)
        if any(a is w.settingsPanelAction for a, _, _ in self._hidden_actions):
            w.settingsPanelAction.setChecked(w.settingsPanel.isVisibleTo(w))
        for page in self._hidden_tabs:
            owner = self._owner(page)
            index = owner.indexOf(page)
            if index >= 0:
                owner.setTabEnabled(index, True)
                owner.setTabVisible(index, True)
        self._hidden_widgets, self._hidden_actions, self._hidden_tabs = [], [], []
        self._uncompact()
        if self._original:
            del w._update_controls, w.reset            # the class's methods again
            if self._original["drop"] is not None:
                w._drops.on_drop = self._original["drop"]
            w.viewTabs.currentChanged.disconnect(self._guard_tab)
            for group in w.viewTabs.groups.values():
                group.currentChanged.disconnect(self._guard_group)
            self._original = {}
        if self.noteBar is not None:
            self.noteBar.hide()

    def _show_note(self, note: str) -> None:
        """The note in a read-only strip above everything (made once: the splitter moves into a frame)."""
        w = self.window
        if self.noteBar is None:
            self.noteBar = QFrame(objectName="classroomBar")
            self.noteBar.setStyleSheet(NOTE_STYLE)
            self.noteTitle = QLabel(objectName="classroomTitle")
            font = QFont()
            font.setBold(True)
            self.noteTitle.setFont(font)
            self.noteLabel = QLabel(objectName="classroomNote")
            w.presentationAction.toggled.connect(lambda _on: self._note_font())
            self.noteLabel.setTextFormat(Qt.PlainText)       # the teacher's words, never markup
            self.noteLabel.setWordWrap(True)
            self.noteLabel.setTextInteractionFlags(Qt.TextSelectableByMouse)
            bar = QVBoxLayout(self.noteBar)
            bar.setContentsMargins(12, 6, 12, 6)
            bar.setSpacing(2)
            bar.addWidget(self.noteTitle)
            bar.addWidget(self.noteLabel)
            central = w.takeCentralWidget()
            frame = QWidget(objectName="classroomFrame")
            layout = QVBoxLayout(frame)
            layout.setContentsMargins(6, 6, 6, 0)
            layout.setSpacing(4)
            layout.addWidget(self.noteBar)
            layout.addWidget(central, 1)
            w.setCentralWidget(frame)
            central.show()              # taking it from the window hid it
            frame.show()
        hidden = len(self.room.hidden) if self.room is not None else 0
        self._note_font()
        self.noteTitle.setText(f"Classroom: {self.path.name if self.path else ''}")
        self.noteLabel.setText(note or "(no note)")
        self.noteBar.setToolTip(f"From the classroom file {self.path.name if self.path else ''}: "
                                f"{hidden} control{'s' * (hidden != 1)} hidden. File → Leave classroom mode "
                                "starts a fresh experiment with every control.")
        self.noteBar.show()


    def _note_font(self) -> None:
        """The note a quarter larger than the window's text (presentation fonts included)."""
        if self.noteLabel is not None:
            font = QFont(self.window.font())
            font.setPointSizeF(font.pointSizeF() * 1.25)
            self.noteLabel.setFont(font)


def add_menu_items(window, menu) -> None:
    """File → Save classroom file… and Leave classroom mode; makes ``window.classroom``."""
    window.classroom = mode = ClassroomMode(window)
    save = menu.addAction("Save classroom file…", mode.save_dialog)
    save.setObjectName("saveClassroomAction")
    save.setToolTip("Save this experiment for a class: choose controls and tabs to hide and write a note")
    leave = menu.addAction("Leave classroom mode", mode.leave)
    leave.setObjectName("leaveClassroomAction")
    leave.setEnabled(False)
    window.saveClassroomAction, window.leaveClassroomAction = save, leave


__all__ = ["ClassroomMode", "ClassroomDialog", "add_menu_items", "CONTROLS"]
