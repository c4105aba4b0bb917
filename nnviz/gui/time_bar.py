"""The time machine's scrubber under the view tabs (objectName ``timeBar``).

After a run, ``timeSlider`` moves through the snapshots the lab kept of the
network's weights (:mod:`nnviz.lab.timeline`); the last position is the
network as it is now. Moving it rewinds every view the generic way: the lab
is told the moment (``lab.set_moment``), so ``lab.view_context()`` holds a
frozen model with that snapshot's weights and ``lab.snapshot(probes)``
computes the views' probes on it, and each view is reset and shown that
snapshot, as the window does for a new network (the cost view keeps its
curves and marks the moment with a cursor). Views that come later follow
without code here.

``timePlayButton`` replays the snapshots at the speed ``timeSpeedCombo``
says; the next frame is computed only once the previous one was drawn (a
single-shot timer started after each frame), so a slow network slows the
replay instead of queueing frames. For big networks (more than
:data:`HEAVY_PARAMS` parameters, or image inputs) the probes are computed on
a :class:`~nnviz.gui.tasks.Task`, on a copy of the rewound model, and the
views are reset and drawn when they arrive (the window keeps painting; a
position chosen meanwhile is computed next, the ones in between skipped). ``continueHereButton`` starts a run from
the chosen snapshot with the current settings, ``sameInitButton`` from the
first snapshot (epoch 0); both start with a fresh optimizer state (see
:meth:`nnviz.lab.Lab.continue_from`). ``timeBudgetButton`` says what the
snapshots hold and sets the memory budget (the ``timeMachineMB`` setting).
Everything is disabled while a run trains or is paused (the network then
belongs to the training thread); the tooltips say why.
"""

from __future__ import annotations

import html
import time
from dataclasses import replace

from PySide6.QtCore import QEvent, Qt, QTimer
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QMenu,
    QPushButton,
    QSlider,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from .tasks import Task

#: replay speeds: (label, snapshots per second)
SPEEDS = (("Slow", 4.0), ("Normal", 10.0), ("Fast", 25.0))
BUDGETS_MB = (50, 100, 200, 500, 1000)
BUSY_TIP = "The time machine rewinds a finished run: stop this run (or let it finish), then scrub."
EMPTY_TIP = "Train first: the time machine keeps snapshots of the weights while the network trains."
#: networks with more parameters than this (or image inputs) compute a moment's probes on a Task
HEAVY_PARAMS = 100_000


class TimeBar(QWidget):
    """See the module docstring. ``TimeBar(window)`` places itself under ``window.viewTabs``."""

    def __init__(self, window):
        super().__init__(objectName="timeBar")
        self.window, self.lab = window, window.lab
        self._positions: list = [None]           # WeightSnapshot objects, then None for "now" if needed
        self._updating = False
        self.frames_shown = 0
        self.task = Task("time machine", self)
        self.task.finished.connect(self._on_task_finished)
        self._computing = None                 # (moment, context, views, whole-history snapshot) on the task
        self._again = False                    # another position was chosen while the task computed
        self._frame_started = 0.0
        self._fresh = True                     # no moment drawn since the network or its snapshots changed
        self.playButton = QToolButton(objectName="timePlayButton")
        self.playButton.setCheckable(True)
        self.timeSlider = QSlider(Qt.Horizontal, objectName="timeSlider")
        self.timeSlider.setPageStep(1)
        self.timeLabel = QLabel(objectName="timeLabel")
        self.timeLabel.setMinimumWidth(self.timeLabel.fontMetrics().horizontalAdvance("epoch 00,000 of 00,000"))
        self.speedCombo = QComboBox(objectName="timeSpeedCombo")
        for label, rate in SPEEDS:
            self.speedCombo.addItem(label, rate)
        self.speedCombo.setCurrentIndex(1)
        self.speedCombo.setToolTip("Replay speed: " + ", ".join(f"{label.lower()} {rate:g} snapshots a second"
                                                                 for label, rate in SPEEDS))
        self.continueButton = QPushButton("Continue from here", objectName="continueHereButton")
        self.sameInitButton = QPushButton("Same initialization", objectName="sameInitButton")
        self.budgetButton = QToolButton(objectName="timeBudgetButton")
        self.budgetButton.setPopupMode(QToolButton.InstantPopup)
        menu = QMenu(self.budgetButton)
        for mb in BUDGETS_MB:
            menu.addAction(f"Keep at most {mb:,} MB of snapshots", lambda mb=mb: self.set_budget_mb(mb))
        self.budgetButton.setMenu(menu)
        layout = QVBoxLayout(self)          # the slider across the whole width; the rest below it
        layout.setContentsMargins(0, 2, 0, 0)
        layout.setSpacing(2)
        for widgets in ((self.playButton, self.timeSlider, self.timeLabel),
                        (self.budgetButton, None, self.speedCombo, self.continueButton, self.sameInitButton)):
            row = QHBoxLayout()
            for widget in widgets:
                if widget is None:
                    row.addStretch(1)
                else:
                    row.addWidget(widget, 1 if widget is self.timeSlider else 0)
            layout.addLayout(row)
        self._timer = QTimer(self, singleShot=True)
        self._timer.timeout.connect(self._next_frame)
        self._running_timer = QTimer(self, interval=1000)        # the budget line while a run adds snapshots
        self._running_timer.timeout.connect(self._show_budget)
        self.timeSlider.valueChanged.connect(self._on_slider)
        self.playButton.toggled.connect(self._on_play)
        self.continueButton.clicked.connect(lambda: self.branch(same_init=False))
        self.sameInitButton.clicked.connect(lambda: self.branch(same_init=True))
        events = self.lab.events
        for event in (events.model_changed, events.run_finished):
            event.connect(lambda *_: self.refresh())
        events.state_changed.connect(self._on_state)
        events.dataset_changed.connect(self._on_dataset)
        saved = window.settings.get("timeMachineMB")
        self.set_budget_mb(int(saved) if saved.isdigit() and int(saved) > 0 else 200, save=False)
        tabs = window.viewTabs                  # under the tabs
        tabs.parentWidget().layout().insertWidget(tabs.parentWidget().layout().indexOf(tabs) + 1, self)
        window.installEventFilter(self)         # closing the window shuts the task down
        self.refresh()

    def eventFilter(self, obj, event) -> bool:
        if obj is self.window and event.type() == QEvent.Close:
            self.stop()
            self.task.shutdown()
        return False

    # --- what it shows ------------------------------------------------------------------------
    @property
    def positions(self) -> list:
        """The slider's positions: WeightSnapshot objects, and None for the network as it is now."""
        return list(self._positions)

    @property
    def rewound(self) -> bool:
        return self.lab.moment is not None

    def refresh(self) -> None:
        """The network or its snapshots changed: positions anew, the slider at "now"."""
        self.stop()
        self._fresh = True
        if self.lab.state != "idle":          # the network belongs to the training thread: never read it
            self._update()
            return
        snaps = self.lab.timeline.snapshots
        model = self.lab.model
        now = model is None or not snaps or snaps[-1].iteration != model.history.iterations_done
        self._positions = snaps + ([None] if now else [])
        self._updating = True
        self.timeSlider.setRange(0, len(self._positions) - 1)
        self.timeSlider.setValue(len(self._positions) - 1)
        self._updating = False
        self._update()

    def _update(self) -> None:
        lab, n = self.lab, len(self._positions)
        idle = lab.state == "idle"
        usable = idle and n > 1
        for widget in (self.timeSlider, self.playButton, self.speedCombo):
            widget.setEnabled(usable)
            widget.setToolTip("" if usable else BUSY_TIP if not idle else EMPTY_TIP)
        if usable:
            self.timeSlider.setToolTip("Rewind every view to a snapshot of the weights taken during training")
            self.playButton.setToolTip("Replay the run from the chosen snapshot")
        self.playButton.setText("❚❚" if self.playButton.isChecked() else "▶")
        snap = self._positions[self.timeSlider.value()] if n else None
        self.continueButton.setEnabled(idle and snap is not None and lab.train_block_reason() is None)
        self.continueButton.setToolTip(
            BUSY_TIP if not idle else "Move the slider back first: this is the network as it is now."
            if snap is None else "Train a new run from this snapshot's weights with the current settings "
            "(a fresh optimizer state); Compare runs lists it as branched from this run")
        if not idle:                          # the network belongs to the training thread: never read it
            self.sameInitButton.setEnabled(False)
            self.sameInitButton.setToolTip(BUSY_TIP)
            self._show_budget()
            return
        snaps = lab.timeline.snapshots
        first = snaps[0] if snaps else None
        same = idle and first is not None and first.epoch == 0 and lab.model is not None \
            and lab.model.history.epochs_done > 0 and lab.train_block_reason() is None
        self.sameInitButton.setEnabled(same)
        self.sameInitButton.setToolTip(
            "Train again from this run's initial weights (epoch 0) with the current settings" if same else
            f"This network's initial weights were not recorded (its snapshots start at {lab.unit()} "
            f"{first.epoch:,})." if first is not None and first.epoch else
            "There are no initial weights to start from: train the network first.")
        self._show_label(snap)
        self._show_budget()

    def _show_label(self, snap) -> None:
        model = self.lab.model
        unit = self.lab.unit()
        total = model.history.epochs_done if model is not None else 0
        at = snap.epoch if snap is not None else total
        self.timeLabel.setText(f"{unit} {at:,} of {total:,}")

    def _show_budget(self) -> None:
        last = self.lab.timeline.last
        if self.lab.state != "idle":          # what the run has recorded so far (the snapshots, never the network)
            self.timeLabel.setText(f"recording: {self.lab.unit()} {last.epoch:,}" if last else "recording…")
        self.budgetButton.setText(self.lab.timeline.describe() + "   ")       # room for the menu arrow
        self.budgetButton.setToolTip("Snapshots of every weight, kept in memory within this budget (older ones "
                                     "are thinned when it is reached); click to change it")

    def set_budget_mb(self, mb: int, save: bool = True) -> None:
        self.lab.timeline.set_budget(int(mb) << 20)
        if save:
            self.window.settings.set("timeMachineMB", str(int(mb)))
            self.refresh()
        self._show_budget()

    # --- scrubbing ---------------------------------------------------------------------------------
    def _on_slider(self, value: int) -> None:
        if self._updating or self.lab.state != "idle":
            return
        self.show_position(value)
        self._update()

    def show_position(self, index: int) -> bool:
        """Rewind every view to position ``index`` (the last: now); False if not possible now."""
        if not 0 <= index < len(self._positions) or self.lab.state != "idle":
            return False
        snap = self._positions[index]
        if snap is not None and index == len(self._positions) - 1 and snap.iteration == \
                self.lab.model.history.iterations_done:
            snap = None             # the last snapshot is the network as it is now
        if snap is self.lab.moment:
            return True
        if not self.lab.set_moment(snap):
            return False
        self.redraw()
        return True

    def redraw(self) -> None:
        """Reset every view with the lab's context and show it its probes (the window's redraw, the
        boundary animation left alone); views busy with work of their own are spared. Big networks
        compute the probes on the task (see the module docstring)."""
        if self.task.active:
            self._again = True
            return
        context = self.lab.view_context()
        views = [v for v in self.window.views if not v.busy]
        if self._heavy(context) and self.lab.moment is not None:
            if self._fresh:                     # the first moment after a run: views take the context first
                for view in views:              # (e.g. the boundary's grid follows the plot's shape then)
                    view.reset(context)
                self._fresh = False
            whole = self.lab.snapshot(())
            probes = [p for v in views for p in v.probes(context)]
            model = context.model.copy()        # the task's own: the GUI thread may use the view context's
            self._computing = (self.lab.moment, context, views, whole)
            self.task.start(lambda report, should_stop: {p.key: p.compute(model) for p in probes})
            return
        for view in views:
            view.reset(context)
        snap = self.lab.snapshot([p for v in views for p in v.probes(context)])
        if snap is not None:
            for view in views:
                view.show_snapshot(snap)
        self.frames_shown += 1

    @staticmethod
    def _heavy(context) -> bool:
        model = context.model
        return model is not None and (model.count_params() > HEAVY_PARAMS or len(model.input_shape) > 1)

    def _on_task_finished(self, outcome) -> None:
        moment, context, views, whole = self._computing or (None, None, (), None)
        self._computing = None
        if outcome.status == "done" and whole is not None and moment is self.lab.moment \
                and self.lab.state == "idle":
            for view in views:
                view.reset(context)
            snap = replace(whole, probes=outcome.value)
            for view in views:
                view.show_snapshot(snap)
            self.frames_shown += 1
        elif outcome.status == "error":
            self.window.statusBar().showMessage(f"The time machine could not draw this moment: {outcome.message}",
                                                8000)
        if self._again and self.lab.state == "idle":
            self._again = False
            self.redraw()
        elif self.playing:
            self._frame_done()

    def to_now(self) -> None:
        """Back to the network as it is now (views redrawn if they showed another moment)."""
        self.stop()
        if self.rewound and self.lab.set_moment(None):
            self.redraw()
        self._updating = True
        self.timeSlider.setValue(self.timeSlider.maximum())
        self._updating = False
        self._update()

    # --- replay ------------------------------------------------------------------------------------
    def play(self) -> None:
        self.playButton.setChecked(True)

    def stop(self) -> None:
        self._timer.stop()
        if self.playButton.isChecked():
            self.playButton.blockSignals(True)
            self.playButton.setChecked(False)
            self.playButton.blockSignals(False)
        self.playButton.setText("▶")

    @property
    def playing(self) -> bool:
        return self.playButton.isChecked()

    def _on_play(self, on: bool) -> None:
        if not on:
            self.stop()
            return
        if self.lab.state != "idle" or len(self._positions) < 2:
            self.stop()
            return
        self.playButton.setText("❚❚")
        self._frame_started = time.perf_counter()
        if self.timeSlider.value() >= self.timeSlider.maximum():
            self.timeSlider.setValue(0)          # from the start
        if not self.task.active:
            self._timer.start(0)

    def _next_frame(self) -> None:
        if not self.playing or self.lab.state != "idle":
            self.stop()
            return
        if self.task.active:
            return                               # the frame being computed schedules the next one
        self._frame_started = time.perf_counter()
        self.timeSlider.setValue(self.timeSlider.value() + 1)     # draws that moment (now, or on the task)
        if not self.task.active:
            self._frame_done()

    def _frame_done(self) -> None:
        """A replay frame is drawn: the next one after the rest of its time (at once if it took longer)."""
        if self.timeSlider.value() >= self.timeSlider.maximum():
            self.stop()
            self._update()
            return
        spent = time.perf_counter() - self._frame_started
        rate = float(self.speedCombo.currentData() or 10.0)
        self._timer.start(max(1, int(1000 * (1.0 / rate - spent))))

    # --- lab events --------------------------------------------------------------------------------
    def _on_state(self, state: str) -> None:
        if state != "idle":
            self.stop()
            self._running_timer.start()
        else:
            self._running_timer.stop()
        self._update()

    def _on_dataset(self) -> None:
        if self.rewound:                          # the window redraws the views for the new data
            self.lab.set_moment(None)
            self.refresh()

    def branch(self, same_init: bool) -> bool:
        """Continue from the chosen snapshot (or from epoch 0's weights) with the current settings: a new run."""
        self.stop()
        snap = self._positions[self.timeSlider.value()] if self._positions else None
        if snap is None and not same_init:
            return False
        try:
            self.lab.continue_from(snap, same_init=same_init)
        except (RuntimeError, ValueError, MemoryError) as exc:
            self.window.banner.show_message(html.escape(str(exc)), "warning")
            return False
        self.window.train()
        return True
