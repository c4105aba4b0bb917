"""Backprop in slow motion (objectName ``stepView``): one training step on one sample, layer by layer.

Pick a training sample (the spin box, *Next*, *Random*, or a click on a
point of the decision-boundary plot; or a test sample), then press *Step ▶*: first the
forward pass one layer at a time (Z = A_prev·W + b, A = g(Z)), then the
backward pass from the output down (dA, dZ = dA ⊙ g′(Z), dW, db,
dA_prev), then the update W − lr·dW. Every matrix is a heat table (blue
negative, white 0, red positive, each on its own scale), its value on
hover; matrices larger than 32 × 64 show their corner with shape, norm,
min and max, and *Open full table…* opens the whole one. In each step the
results have a blue frame and what the selected result is computed from
an orange one (click a result to see its own inputs): the chain rule's
path. *Show all* lays every step out at once.

The numbers are the engine's: :func:`nnviz.lab.step_trace.trace_step`
runs the network's own layers on a copy of the frozen network the view
was given, on a background :class:`~nnviz.gui.tasks.Task` (a network with
millions of weights never blocks the window). With a backprop bug chosen
(the same bugs as the Gradient check tab), each backward step shows the
bugged dZ, dW, db and dA_prev beside the correct ones, framed red where
they differ, and the step list marks the first layer where they do.
"""

from __future__ import annotations

import threading
from functools import partial

import numpy as np
from PySide6.QtCore import QEvent, Qt, QTimer, Signal
from PySide6.QtGui import QColor, QImage, QPixmap
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QScrollArea,
    QSpinBox,
    QSplitter,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from nnviz.engine.bugs import BACKPROP_BUGS, get_bug
from nnviz.lab.ood import is_image_shape
from nnviz.lab.step_trace import array_summary, steps_of, trace_step

from ..tasks import Task
from .base import LiveView, ViewContext, set_heading_font
from .heat_table import BLOCK, BLOCK_COLUMNS, fmt
from .layout import page_or_message
from .step_cards import DIFF_COLOR, CardBuilder, StepCard, pretty
from .tiles import as_display


def _trace_arrays(trace):
    for s in trace.layers:
        for a in (s.A_prev, s.A, s.Z, s.dA, s.dZ, s.gprime, s.dA_prev, s.mask):
            if a is not None:
                yield a
        for store in (s.params, s.grads, s.updated):
            yield from store.values()
        if s.bugged:
            for key in ("dA", "dZ", "dA_prev"):
                if s.bugged.get(key) is not None:
                    yield s.bugged[key]
            yield from s.bugged["grads"].values()


def trace_job(model, X, y, lr, optimizer, bug, report, should_stop):
    """The background job: the trace, summaries of its large arrays (by id), and the thread it ran on."""
    trace = trace_step(model, X, y, lr=lr, optimizer=optimizer, bug=bug, should_stop=should_stop)
    summaries = {}
    for a in _trace_arrays(trace):
        if a.size > BLOCK * BLOCK_COLUMNS and id(a) not in summaries:
            if should_stop():
                raise InterruptedError("cancelled")
            summaries[id(a)] = array_summary(a)
    return trace, summaries, threading.get_ident()


class StepView(LiveView):
    title = "Backprop step by step"
    placement = "tab"
    group = "Explain"

    #: a new trace has been drawn
    traceReady = Signal()
    #: the step shown changed (its index in the step order)
    stepChanged = Signal(int)

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setObjectName("stepView")
        self.task = Task("step-trace", self)
        self.task.finished.connect(self._on_trace)
        self._context: ViewContext | None = None
        self.trace = None
        self.summaries: dict = {}
        self.trace_thread = None
        self.position = 0
        self.cards: list[StepCard] = []
        self._dirty = False
        self._restart = False
        self._boundary = None
        self._rng = np.random.default_rng()

        self.splitCombo = QComboBox(objectName="stepSplitCombo")
        self.splitCombo.addItem("Training sample #", "train")
        self.splitCombo.addItem("Test sample #", "test")
        self.splitCombo.setToolTip("Step on a training sample (what training does) or on a test sample")
        self.sampleSpin = QSpinBox(objectName="stepSampleSpin")
        self.sampleSpin.setToolTip("Which training sample the step is computed on (or click a point on the "
                                   "decision-boundary plot)")
        self.nextButton = QPushButton("Next", objectName="stepNextSampleButton")
        self.randomButton = QPushButton("Random", objectName="stepRandomSampleButton")
        self.batchSpin = QSpinBox(objectName="stepBatchSpin")
        self.batchSpin.setRange(1, 8)
        self.batchSpin.setPrefix("batch of ")
        self.batchSpin.setSuffix(" sample(s)")
        self.batchSpin.setToolTip("One sample by default; more rows make the 1/m of the mean visible")
        self.thumbnail = QLabel(objectName="stepThumbnail")
        self.thumbnail.setFixedSize(56, 56)
        self.thumbnail.setVisible(False)
        self.sampleLabel = QLabel(objectName="stepSampleLabel")
        self.sampleLabel.setTextFormat(Qt.RichText)
        self.backButton = QPushButton("◀ Back", objectName="stepBackButton")
        self.forwardButton = QPushButton("Step ▶", objectName="stepForwardButton")
        self.startButton = QPushButton("|◀ Start", objectName="stepStartButton")
        self.showAllCheck = QCheckBox("Show all steps", objectName="stepShowAllCheck")
        self.bugCombo = QComboBox(objectName="stepBugCombo")
        self.bugCombo.addItem("correct (the engine's backprop)", "off")
        for name in BACKPROP_BUGS:
            self.bugCombo.addItem(f"bug: {name}", name)
        self.bugCombo.setToolTip("Show a known backprop mistake beside the correct numbers (the Gradient check "
                                 "tab's bugs)")
        self.positionLabel = QLabel(objectName="stepPositionLabel")

        row1 = QHBoxLayout()
        row1.addWidget(self.splitCombo)
        row1.addWidget(self.sampleSpin)
        row1.addWidget(self.nextButton)
        row1.addWidget(self.randomButton)
        row1.addWidget(self.batchSpin)
        row1.addWidget(self.thumbnail)
        row1.addWidget(self.sampleLabel, 1)
        row2 = QHBoxLayout()
        row2.addWidget(self.startButton)
        row2.addWidget(self.backButton)
        row2.addWidget(self.forwardButton)
        row2.addWidget(self.showAllCheck)
        row2.addSpacing(16)
        row2.addWidget(QLabel("Backprop:"))
        row2.addWidget(self.bugCombo)
        row2.addWidget(self.positionLabel, 1)

        self.heading = QLabel("Backprop step by step", objectName="stepHeading")
        self.bugLabel = QLabel(objectName="stepBugLabel")
        self.bugLabel.setWordWrap(True)
        self.bugLabel.setTextFormat(Qt.RichText)
        self.stepList = QListWidget(objectName="stepList")
        self.stepList.setMinimumWidth(250)
        self.scroll = QScrollArea(objectName="stepScroll")
        self.scroll.setWidgetResizable(True)
        self.content = QWidget()
        self.content_layout = QVBoxLayout(self.content)
        self.content_layout.addStretch(1)
        self.scroll.setWidget(self.content)
        split = QSplitter(Qt.Horizontal)
        split.addWidget(self.stepList)
        split.addWidget(self.scroll)
        split.setStretchFactor(0, 0)
        split.setStretchFactor(1, 1)
        split.setSizes([300, 1000])
        self.hoverLabel = QLabel("Hover a cell to read its value; click a blue-framed result to see what it is "
                                 "computed from (orange).", objectName="stepHoverLabel")
        self.legend = QLabel(objectName="stepLegend")
        self.legend.setWordWrap(True)
        self.legend.setTextFormat(Qt.RichText)

        page = QWidget()
        lay = QVBoxLayout(page)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addLayout(row1)
        lay.addLayout(row2)
        lay.addWidget(self.heading)
        lay.addWidget(self.bugLabel)
        lay.addWidget(split, 1)
        lay.addWidget(self.hoverLabel)
        lay.addWidget(self.legend)
        self.message, self.stack = page_or_message(self, page, "stepMessage")

        self.sampleSpin.valueChanged.connect(self._on_sample_changed)
        self.splitCombo.currentIndexChanged.connect(self._on_split_changed)
        self.batchSpin.valueChanged.connect(self._on_sample_changed)
        self.nextButton.clicked.connect(lambda: self.sampleSpin.setValue(
            (self.sampleSpin.value() + 1) % max(1, self.sampleSpin.maximum() + 1)))
        self.randomButton.clicked.connect(self._random_sample)
        self.bugCombo.currentIndexChanged.connect(lambda _i: self._request_trace())
        self.forwardButton.clicked.connect(lambda: self.go(self.position + 1))
        self.backButton.clicked.connect(lambda: self.go(self.position - 1))
        self.startButton.clicked.connect(lambda: self.go(0))
        self.showAllCheck.toggled.connect(lambda _on: self._show_cards())
        self.stepList.currentRowChanged.connect(lambda row: row >= 0 and self.go(row))
        self.set_view_style(self.view_style)
        self._show_message("No network yet: pick a dataset and a valid network.")

    # --- public API ------------------------------------------------------------------
    @property
    def bug_name(self) -> str | None:
        name = self.bugCombo.currentData()
        return None if name in (None, "off") else name

    def set_bug(self, name: str | None) -> None:
        """Choose a backprop bug by name (None or "off": the correct backprop)."""
        get_bug(name)
        self.bugCombo.setCurrentIndex(max(0, self.bugCombo.findData(name or "off")))

    def select_sample(self, index: int, split: str = "train") -> None:
        """Compute the step on sample ``index`` of the training (``split="train"``) or test set."""
        self.splitCombo.setCurrentIndex(max(0, self.splitCombo.findData(split)))
        self.sampleSpin.setValue(int(index))

    @property
    def split(self) -> str:
        return self.splitCombo.currentData()

    @property
    def computing(self) -> bool:
        return self.task.active or self._dirty

    def steps(self) -> list[tuple[str, int]]:
        return steps_of(self.trace) if self.trace is not None else []

    def current_card(self) -> StepCard | None:
        if not self.cards:
            return None
        return self.cards[self.position] if self.showAllCheck.isChecked() else self.cards[0]

    def go(self, position: int) -> None:
        """Show step ``position`` of :meth:`steps` (clamped)."""
        steps = self.steps()
        if not steps:
            return
        position = max(0, min(len(steps) - 1, int(position)))
        changed = position != self.position
        self.position = position
        self._show_cards()
        if changed:
            self.stepChanged.emit(position)

    # --- LiveView ---------------------------------------------------------------------
    def reset(self, context: ViewContext, snapshot=None) -> None:
        self._connect_boundary()
        old = self._context
        self._context = context
        ds, model = context.dataset, context.model
        if ds is None or model is None:
            self.trace = None
            self._show_message("No network to step through yet: pick a dataset and a valid network."
                               if ds is None else "There is no network yet: fix the settings in the Network panel.")
            return
        if old is None or old.dataset is not ds:
            self._set_range()
        if old is None or old.generation != context.generation:
            self.position = 0
        self.stack.setCurrentIndex(0)
        self._request_trace()

    def update_model(self, context: ViewContext) -> None:
        if self._context is not None and context.generation == self._context.generation:
            self._context = context
            self._request_trace()

    def shutdown(self) -> None:
        self.task.shutdown()

    def set_view_style(self, style) -> None:
        super().set_view_style(style)
        set_heading_font(self.heading, style)
        if self.trace is not None:
            self._show_cards()          # formulas and number cells follow the new font sizes

    def export_item(self):
        return self                # the matrices as shown (see plot_export._export_widget)

    # --- the tab's title: shorter when the window's tab bar has no room for it ----------
    #: the title, then shorter forms tried in turn when the tab bar would need scroll arrows
    TITLES = (title, "Backprop", "Step")

    def _tab_widget(self):
        parent = self.parentWidget()
        tabs = parent.parentWidget() if parent is not None else None
        return tabs if isinstance(tabs, QTabWidget) and tabs.indexOf(self) >= 0 else None

    def fit_tab_title(self) -> None:
        """Use the longest of :attr:`TITLES` the tab bar has room for (a projector's large font on a
        1280-pixel screen leaves little); the full title stays in the tab's tooltip."""
        tabs = self._tab_widget()
        if tabs is None:
            return
        bar, index = tabs.tabBar(), tabs.indexOf(self)
        tabs.setTabToolTip(index, "Backprop step by step: one training step on one sample, layer by layer")
        for text in self.TITLES:
            if tabs.tabText(index) != text:
                tabs.setTabText(index, text)
            if bar.sizeHint().width() <= bar.width() + 1:
                return

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        QTimer.singleShot(0, self.fit_tab_title)

    def changeEvent(self, event) -> None:
        super().changeEvent(event)
        if event.type() == QEvent.Type.FontChange:
            QTimer.singleShot(0, self.fit_tab_title)

    # --- computing --------------------------------------------------------------------
    def _request_trace(self) -> None:
        self._dirty = True
        self._request_draw()

    def _draw(self) -> None:
        self._pending = False
        if self._dirty:
            self._start_trace()

    def _samples(self):
        ds = self._context.dataset
        return (ds.X_test, ds.y_test) if self.split == "test" else (ds.X_train, ds.y_train)

    def _set_range(self) -> None:
        n = len(self._samples()[1])
        self.sampleSpin.blockSignals(True)
        self.sampleSpin.setRange(0, max(0, n - 1))
        self.sampleSpin.setValue(min(self.sampleSpin.value(), max(0, n - 1)))
        self.sampleSpin.blockSignals(False)

    def _on_split_changed(self, *_args) -> None:
        if self._context is not None and self._context.dataset is not None:
            self._set_range()
            self._on_sample_changed()

    def _batch(self):
        X_all, y_all = self._samples()
        n = len(y_all)
        start = self.sampleSpin.value()
        idx = (start + np.arange(min(self.batchSpin.value(), n))) % n
        return idx, X_all[idx], y_all[idx]

    def _start_trace(self) -> None:
        ctx = self._context
        if ctx is None or ctx.model is None or ctx.dataset is None:
            self._dirty = False
            return
        if len(self._samples()[1]) == 0:
            self._dirty = False
            self._show_message(f"The dataset has no {'test' if self.split == 'test' else 'training'} samples "
                               "to step through.")
            return
        self.stack.setCurrentIndex(0)
        if self.task.active:
            self._restart = True
            self.task.cancel()
            return
        self._dirty = False
        idx, X, y = self._batch()
        config = ctx.config
        lr = float(getattr(config, "lr", 0.01)) if config is not None else 0.01
        opt = getattr(config, "optimizer_name", "sgd") if config is not None else "sgd"
        self._show_sample(idx, X, y)
        self.positionLabel.setText("Computing the step on a background thread…")
        self.task.start(partial(trace_job, ctx.model, X, y, lr, opt, self.bug_name))

    def _on_trace(self, outcome) -> None:
        if self._restart or self._dirty:
            self._restart = False
            self._dirty = True
            self._request_draw()
            return
        if outcome.status == "cancelled":
            return
        if outcome.status == "error":
            self.trace = None
            self._clear_cards()
            self.positionLabel.setText("")
            self.bugLabel.setText(f"<span style='color:{DIFF_COLOR}'><b>The step could not be computed:</b> "
                                  f"{outcome.message}</span>")
            return
        self.trace, self.summaries, self.trace_thread = outcome.value
        self.position = min(self.position, len(self.steps()) - 1)
        self._fill_step_list()
        self._write_bug_label()
        self._show_cards()
        self.traceReady.emit()

    # --- sample -----------------------------------------------------------------------
    def _on_sample_changed(self, *_args) -> None:
        if self._boundary is not None and hasattr(self._boundary, "mark_sample"):
            self._boundary.mark_sample(self.sampleSpin.value() if self.split == "train" else None)
        self._request_trace()

    def _random_sample(self) -> None:
        self.sampleSpin.setValue(int(self._rng.integers(0, self.sampleSpin.maximum() + 1)))

    def _connect_boundary(self) -> None:
        """Clicks on the decision-boundary plot's points choose the sample (once the view is in a window)."""
        if self._boundary is not None:
            return
        window = self.window()
        boundary = window.findChild(QWidget, "boundaryPlot") if window is not self else None
        if boundary is not None and hasattr(boundary, "sampleClicked"):
            self._boundary = boundary
            boundary.sampleClicked.connect(self.select_sample)

    def _show_sample(self, idx, X, y) -> None:
        ds = self._context.dataset
        names = list(getattr(ds, "class_names", []) or [])

        def label(k):
            return names[int(k)] if int(k) < len(names) else f"class {int(k)}"

        if len(idx) == 1:
            x = X[0]
            what = f"x = ({', '.join(fmt(v) for v in x)})" if x.ndim == 1 and x.size <= 4 else \
                f"{' × '.join(str(d) for d in x.shape)} inputs"
            text = f"<b>{self.split} #{int(idx[0])}</b>: {what}, label y = {int(y[0])} ({label(y[0])})"
        else:
            text = f"<b>#{int(idx[0])}–#{int(idx[-1])}</b>: labels {', '.join(str(int(v)) for v in y)}"
        self.sampleLabel.setText(text)
        image = is_image_shape(ds.input_shape)
        self.thumbnail.setVisible(image)
        if image:
            self.thumbnail.setPixmap(_pixmap(X[0]).scaled(56, 56, Qt.KeepAspectRatio, Qt.SmoothTransformation))

    # --- drawing ----------------------------------------------------------------------
    def _show_message(self, text: str) -> None:
        self.message.setText(text)
        self.stack.setCurrentIndex(1)

    def _fill_step_list(self) -> None:
        t = self.trace
        self.stepList.blockSignals(True)
        self.stepList.clear()
        first = t.first_difference[0] if t.first_difference else None
        for kind, i in steps_of(t):
            if kind == "update":
                text = "⟳ update W − lr·dW"
            else:
                s = t.layers[i]
                arrow = "→" if kind == "forward" else "←"
                text = f"{arrow} {kind} {i + 1}: {s.name}"
            item = QListWidgetItem(text)
            item.setToolTip(text if kind == "update" else f"{text} — {t.layers[i].description}")
            if kind == "backward" and i == first:
                item.setText(text + f"  ✘ first difference ({pretty(t.first_difference[1])})")
                item.setForeground(QColor(DIFF_COLOR))
            elif kind == "backward" and t.layers[i].differing:
                item.setForeground(QColor(DIFF_COLOR))
            self.stepList.addItem(item)
        self.stepList.blockSignals(False)

    def _write_bug_label(self) -> None:
        t = self.trace
        if not t.bug:
            self.bugLabel.setText(f"{self._outcome_words()} The update is {t.update_note}")
            return
        color = DIFF_COLOR if t.first_difference or t.bug_error else "#2e7d32"
        self.bugLabel.setText(f"{self._outcome_words()}<br><span style='color:{color}'><b>Bug “{t.bug}”</b> "
                              f"— {BACKPROP_BUGS[t.bug][1]}.<br>{t.first_difference_text()}</span>")

    def _outcome_words(self) -> str:
        t = self.trace
        out = t.output
        if out.shape[0] == 1:
            probs = ", ".join(f"{v:.4g}" for v in out[0][:10])
            said = f"The network outputs A = ({probs}) for label y = {int(t.y[0])}; "
        else:
            said = f"On these {out.shape[0]} samples "
        return f"{said}the cost is <b>{t.cost:.4g}</b> ({t.loss.replace('_', ' ')})."

    def _clear_cards(self) -> None:
        for card in self.cards:
            card.setParent(None)
            card.deleteLater()
        self.cards = []

    def _show_cards(self) -> None:
        if self.trace is None:
            return
        self._clear_cards()
        steps = self.steps()
        wanted = range(len(steps)) if self.showAllCheck.isChecked() else [self.position]
        builder = CardBuilder(self.trace, self.summaries, self.hoverLabel.setText, self._outcome_words,
                              formula_pt=self.view_style.label_pt + 1)
        for n in wanted:
            card = builder.card(*steps[n])
            if n == self.position and self.showAllCheck.isChecked():
                card.setStyleSheet("#stepCard { background: #eef3fb; }")
            self.content_layout.insertWidget(self.content_layout.count() - 1, card)
            self.cards.append(card)
        self.stepList.blockSignals(True)
        self.stepList.setCurrentRow(self.position)
        self.stepList.blockSignals(False)
        kind, i = steps[self.position]
        self.positionLabel.setText(f"step {self.position + 1} of {len(steps)}: {kind}"
                                   + (f", layer {i + 1}" if i >= 0 else ""))
        self.backButton.setEnabled(self.position > 0)
        self.forwardButton.setEnabled(self.position < len(steps) - 1)
        self.forwardButton.setText("Step ▶ (backward)" if self.position >= len(self.trace.layers) - 1
                                   and self.position < 2 * len(self.trace.layers) - 1 else "Step ▶")
        self.legend.setText("Frames: <span style='color:#1f4e9c'><b>blue</b></span> what this step computes, "
                            "<span style='color:#e08214'><b>orange</b></span> what the selected result is computed "
                            "from, <span style='color:#c62828'><b>red</b></span> a bugged value unlike the correct "
                            "one, <span style='color:#2e7d32'><b>green</b></span> a bugged value equal to it. "
                            "Cells: blue negative, white 0, red positive (each table on its own scale). "
                            "Samples are rows: Z = A·W + b here is the seeds' Z = W·A + b with W transposed.")
        if self.showAllCheck.isChecked():
            card = self.cards[self.position]
            QTimer.singleShot(0, lambda c=card: self.scroll.ensureWidgetVisible(c, 0, 0))
        else:
            self.scroll.verticalScrollBar().setValue(0)

def _pixmap(x) -> QPixmap:
    img = np.asarray(as_display(np.asarray(x, dtype=np.float32)))
    lo, hi = float(np.min(img)), float(np.max(img))
    img = np.clip((img - lo) / (hi - lo if hi > lo else 1.0) * 255, 0, 255).astype(np.uint8)
    img = np.ascontiguousarray(img)
    h, w = img.shape[:2]
    if img.ndim == 2:
        q = QImage(img.data, w, h, w, QImage.Format_Grayscale8)
    else:
        q = QImage(img.data, w, h, 3 * w, QImage.Format_RGB888)
    return QPixmap.fromImage(q.copy())
