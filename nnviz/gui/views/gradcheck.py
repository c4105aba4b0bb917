"""Gradient check: is backprop right? (objectName ``gradCheckView``, button ``gradCheckButton``).

Pressing *Check gradients* takes a copy of the network between two
training steps (:class:`~nnviz.lab.probes.ModelCopyProbe`) and runs
:func:`nnviz.engine.gradient_check` on the copy in a thread of its own
(:class:`~nnviz.gui.gradcheck_runner.GradCheckRunner`), on a fixed subset
of training samples and a random sample of coordinates, with progress and
Cancel. Training is never blocked and the weights it updates are never
touched. "Re-check every N epochs" asks the probe for a copy each N epochs
so the diffs follow training live.

Results: one bar per parameter tensor, its relative difference
‖g−ĝ‖/(‖g‖+‖ĝ‖) on a log axis, coloured by what the engine concluded
(:func:`nnviz.lab.gradcheck.tensor_words`): green *agrees*, red *differs*
(over the 1e-7 tolerance and over the tensor's noise floor, a black tick
where that floor is above 1e-7), pale blue *below the noise floor* or all
zero, grey *not checkable* (every sampled coordinate on a ReLU kink); and a
scatter of numerical against analytic gradients around y = x. ε, precision,
samples and coordinates are :data:`nnviz.engine.gradcheck.DEFAULTS`, the
same as ``nnviz gradcheck``. A result computed for other settings (another
backprop, other samples or coordinates) is marked out of date, its plots
faded, until the check runs again.

The *backprop* selector swaps in one of the engine's known bugs
(:data:`nnviz.engine.bugs.BACKPROP_BUGS`) for the check and, if "Train
with it too" is ticked, for the next training run.
"""

from __future__ import annotations

import html
import math

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QGraphicsOpacityEffect,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QSpinBox,
)

from nnviz.engine.bugs import BACKPROP_BUGS, get_bug
from nnviz.lab.gradcheck import DEFAULTS, GradCheckRequest, check_samples, verdict
from nnviz.lab.probes import ModelCopyProbe

from ..gradcheck_runner import GradCheckRunner
from .base import LiveView, ViewContext, set_heading_font
from .gradcheck_plots import (  # noqa: F401
    FAIL_COLOR,
    NA_COLOR,
    NOISE_COLOR,
    PASS_COLOR,
    THRESHOLD,
    GradCheckPlots,
)
from .layout import column, page_or_message

#: differences under this, though over THRESHOLD, are called borderline (rounding), not wrong
BORDERLINE = 1e-5
STALE_COLOR = "#b35806"

def _sci(x: float) -> str:
    """1e-07 as 1e-7."""
    return f"{x:.0e}".replace("e-0", "e-").replace("e+0", "e")


class GradCheckView(LiveView):
    title = "Gradient check"
    placement = "tab"
    group = "Explain"

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setObjectName("gradCheckView")
        self.runner = GradCheckRunner(self)
        self.runner.progress.connect(self._on_progress)
        self.runner.finished.connect(self._on_finished)
        self._probe: ModelCopyProbe | None = None
        self._context: ViewContext | None = None
        self._generation = 0           # bumped by reset(): results of an older network are dropped
        self._waiting = False          # asked for a copy, not started yet
        self._count_label = "epochs"
        self.outcome = None            # the last GradCheckOutcome shown
        self.checks_done = 0

        self.gradCheckButton = QPushButton("Check gradients", objectName="gradCheckButton")
        self.gradCheckButton.setToolTip("Compare backprop with two-sided numerical gradients "
                                        "(on a copy of the network; training goes on)")
        self.cancelButton = QPushButton("Cancel", objectName="gradCheckCancelButton")
        self.cancelButton.setEnabled(False)
        self.progressBar = QProgressBar(objectName="gradCheckProgress")
        self.progressBar.setFormat("%v / %m coordinates")
        self.progressBar.setValue(0)
        self.coordsSpin = QSpinBox(objectName="gradCheckCoordsSpin")
        self.coordsSpin.setRange(0, 1_000_000)
        self.coordsSpin.setSingleStep(100)
        self.coordsSpin.setValue(DEFAULTS.max_coords)
        self.coordsSpin.setSpecialValueText("all")
        self.coordsSpin.setToolTip("How many weights to check, shared out over the tensors, preferring weights "
                                   "whose gradient is not zero (0 = all of them; slow for big networks)")
        self.samplesSpin = QSpinBox(objectName="gradCheckSamplesSpin")
        self.samplesSpin.setRange(1, 4096)
        self.samplesSpin.setValue(DEFAULTS.samples)
        self.samplesSpin.setToolTip("Training samples the cost is computed on (a fixed random subset)")
        self.recheckCheck = QCheckBox("Re-check every", objectName="recheckEveryCheck")
        self.recheckSpin = QSpinBox(objectName="recheckEverySpin")
        self.recheckSpin.setRange(1, 1_000_000)
        self.recheckSpin.setValue(10)
        self.recheckSpin.setSuffix(" epochs while training")

        self.bugCombo = QComboBox(objectName="backpropBugCombo")
        self.bugCombo.addItem("correct (the engine's backprop)", "off")
        for name in BACKPROP_BUGS:
            self.bugCombo.addItem(f"bug: {name}", name)
        self.bugCombo.setToolTip("Swap in a known backprop mistake, to see the check catch it")
        self.trainWithBugCheck = QCheckBox("Train with it too", objectName="trainWithBugCheck")
        self.trainWithBugCheck.setToolTip("The next training run uses this backprop, so you can watch what "
                                          "the bug does to the cost curve")
        self.bugDescription = QLabel(objectName="bugDescription")
        self.bugDescription.setWordWrap(True)

        row1 = QHBoxLayout()
        row1.addWidget(self.gradCheckButton)
        row1.addWidget(self.cancelButton)
        row1.addWidget(self.progressBar, 1)
        row2 = QHBoxLayout()
        row2.addWidget(QLabel("Check"))
        row2.addWidget(self.coordsSpin)
        row2.addWidget(QLabel("coordinates on"))
        row2.addWidget(self.samplesSpin)
        row2.addWidget(QLabel("training samples"))
        row2.addSpacing(16)
        row2.addWidget(self.recheckCheck)
        row2.addWidget(self.recheckSpin)
        row2.addStretch(1)
        row3 = QHBoxLayout()
        row3.addWidget(QLabel("Backprop:"))
        row3.addWidget(self.bugCombo)
        row3.addWidget(self.trainWithBugCheck)
        row3.addWidget(self.bugDescription, 1)

        self.heading = QLabel("Gradient check", objectName="gradCheckHeading")
        self.plots = GradCheckPlots()
        self.summary = QLabel(objectName="gradCheckSummary")
        self.summary.setWordWrap(True)
        self.summary.setTextFormat(Qt.RichText)

        page = column(row1, row2, row3, self.heading, self.summary, (self.plots, 1))
        self.message, self.stack = page_or_message(self, page, "gradCheckMessage")

        self.gradCheckButton.clicked.connect(self.start_check)
        self.cancelButton.clicked.connect(self.cancel)
        self.bugCombo.currentIndexChanged.connect(self._on_bug_changed)
        self.coordsSpin.valueChanged.connect(self._show_staleness)
        self.samplesSpin.valueChanged.connect(self._show_staleness)
        self._fade = QGraphicsOpacityEffect(self.plots)
        self._fade.setOpacity(0.35)
        self._fade.setEnabled(False)
        self.plots.setGraphicsEffect(self._fade)
        self.recheckCheck.toggled.connect(self._apply_schedule)
        self.recheckSpin.valueChanged.connect(self._apply_schedule)
        self._on_bug_changed()
        self._clear_plots("Press Check gradients.")
        self.set_view_style(self.view_style)

    # --- public API -------------------------------------------------------------------
    @property
    def bug_name(self) -> str | None:
        name = self.bugCombo.currentData()
        return None if name in (None, "off") else name

    def set_bug(self, name: str | None) -> None:
        """Select a backprop bug by name (None or "off": the correct backprop)."""
        get_bug(name)      # a clear ValueError for unknown names
        self.bugCombo.setCurrentIndex(max(0, self.bugCombo.findData(name or "off")))

    @property
    def checking(self) -> bool:
        return self.runner.active or self._waiting

    @property
    def busy(self) -> bool:
        return self.checking

    def start_check(self) -> bool:
        """Ask for a copy of the network; the check starts when it arrives. False if there is nothing to check."""
        if self.checking or self._probe is None:
            return False
        self._waiting = True
        self._probe.ask()
        self._update_buttons()
        self.progressBar.setRange(0, 0)     # busy until the first progress report
        self.summary.setText("Taking a copy of the network…")
        self.refreshRequested.emit()
        return True

    def cancel(self) -> None:
        if self.runner.active:
            self.runner.cancel()
            self.summary.setText("Cancelling…")
        elif self._waiting:
            self._waiting = False
            if self._probe is not None:
                self._probe = self._fresh_probe()
            self._update_buttons()
            self._idle_progress()
            self.summary.setText("Gradient check cancelled.")

    @property
    def stale(self) -> bool:
        """True when the result shown was computed for other settings than the ones now chosen."""
        o = self.outcome
        return o is not None and self._settings_key(o.request) != self._settings_key()

    def _settings_key(self, request=None) -> tuple:
        if request is not None:
            return (request.bug_name or "", len(request.y), request.max_coords, request.generation)
        ds = self._context.dataset if self._context is not None else None
        k = min(self.samplesSpin.value(), len(ds.y_train)) if ds is not None else self.samplesSpin.value()
        return (self.bug_name or "", k, self.coordsSpin.value() or None, self._generation)

    def per_parameter(self) -> dict[str, float]:
        """{tensor name: relative difference} of the last finished check ({} before any)."""
        o = self.outcome
        return {} if o is None or o.result is None else dict(o.result.per_parameter)

    # --- LiveView ---------------------------------------------------------------------
    def probes(self, context: ViewContext) -> list:
        return [self._probe] if self._probe is not None else []

    def reset(self, context: ViewContext, snapshot=None) -> None:
        old = self._context
        if (old is not None and self._probe is not None and context.generation == old.generation
                and context.dataset is old.dataset):
            self._context = context      # the same network redrawn (e.g. a resize): keep the check and its result
            self._count_label = context.count_label
            if snapshot is not None:
                self.show_snapshot(snapshot)
            return
        self._generation += 1
        self._context = context
        self._count_label = context.count_label
        if self.runner.active:
            self.runner.cancel()
        self._waiting = False
        self.outcome = None
        ds, model = context.dataset, context.model
        if ds is None or model is None:
            self._probe = None
            self._show_message("No network to check yet: pick a dataset and a valid network."
                               if ds is None else "There is no network yet: fix the settings in the Network panel.")
            return
        self.stack.setCurrentIndex(0)
        self._probe = self._fresh_probe()
        self._update_buttons()
        self._idle_progress()
        n = model.count_params()
        self.heading.setText(f"Gradient check — {n:,} parameters in {sum(1 for _ in model.parameters())} tensors")
        self._clear_plots("Press <b>Check gradients</b> to compare backprop with numerical gradients"
                          + (f" ({self.coordsSpin.value():,} of the {n:,} weights, shared out over the tensors)."
                             if 0 < self.coordsSpin.value() < n else "."))
        if snapshot is not None:
            self.show_snapshot(snapshot)

    def update_model(self, context: ViewContext) -> None:
        if self._context is not None and context.generation == self._context.generation:
            self._context = context      # the same network, trained further

    def show_snapshot(self, snap) -> None:
        copy = snap.probes.get(ModelCopyProbe.key)
        if copy is None or self._probe is None:
            return
        if self.runner.active:
            return       # a scheduled copy while a check runs: skip it
        self._waiting = False
        self._start(copy)

    def session_options(self, context: ViewContext) -> dict:
        if self.trainWithBugCheck.isChecked() and self.bug_name:
            return {"gradient_fn": get_bug(self.bug_name)}
        return {}

    def run_notice(self, context: ViewContext) -> str:
        if self.trainWithBugCheck.isChecked() and self.bug_name:
            return (f"Training with the backprop bug “{self.bug_name}”: {BACKPROP_BUGS[self.bug_name][1]}. "
                    "Untick “Train with it too” on the Gradient check tab to train correctly.")
        return ""

    def shutdown(self) -> None:
        self.runner.shutdown()

    def set_view_style(self, style) -> None:
        super().set_view_style(style)
        set_heading_font(self.heading, style)
        self.plots.set_view_style(style)

    def export_item(self):
        """The bar chart of relative differences (File → Export plot)."""
        return self.bars

    # --- running ----------------------------------------------------------------------
    def _fresh_probe(self) -> ModelCopyProbe:
        probe = ModelCopyProbe()
        if self.recheckCheck.isChecked():
            done = self._context.model.history.epochs_done if self._context and self._context.model else 0
            probe.set_every(self.recheckSpin.value(), done)
        return probe

    def _apply_schedule(self) -> None:
        if self._probe is None:
            return
        done = self._context.model.history.epochs_done if self._context and self._context.model else 0
        self._probe.set_every(self.recheckSpin.value() if self.recheckCheck.isChecked() else 0, done)

    def _subset(self):
        ds = self._context.dataset
        return check_samples(ds.X_train, ds.y_train, self.samplesSpin.value(), DEFAULTS.seed)

    def _start(self, copy) -> None:
        X, y = self._subset()
        coords = self.coordsSpin.value() or None
        name = self.bug_name
        request = GradCheckRequest(model=copy.model, X=X, y=y, max_coords=coords, backward=get_bug(name),
                                   bug_name=name or "", epoch=copy.epoch, generation=self._generation,
                                   reason=copy.reason, seed=DEFAULTS.seed, settings=DEFAULTS)
        self.runner.start(request)
        self._probe.set_busy(True)
        self._update_buttons()
        self.progressBar.setRange(0, 0)
        total = copy.model.count_params()
        what = f"{coords:,} of {total:,} weights" if coords and coords < total else f"all {total:,} weights"
        self.summary.setText(f"Checking {what} on {len(X)} training samples"
                             + (f" with the bug “{name}”" if name else "") + "…")

    def _on_progress(self, done: int, total: int) -> None:
        self.progressBar.setRange(0, max(1, total))
        self.progressBar.setValue(done)

    def _on_finished(self, outcome) -> None:
        if self._probe is not None:
            self._probe.set_busy(False)
        self._update_buttons()
        self._idle_progress()
        if outcome.request.generation != self._generation:
            return       # a check of an earlier network
        if outcome.status == "cancelled":
            self.summary.setText("Gradient check cancelled.")
            return
        if outcome.status == "error":
            self.summary.setText(f"<span style='color:{FAIL_COLOR}'><b>The check could not run:</b> "
                                 f"{html.escape(outcome.message)}</span>")
            self.summary.setToolTip(outcome.details)
            return
        self.outcome = outcome
        self.checks_done += 1
        self.progressBar.setRange(0, max(1, outcome.result.coords_checked))
        self.progressBar.setValue(outcome.result.coords_checked)
        self._draw_result()

    def _update_buttons(self) -> None:
        busy = self.checking
        self.gradCheckButton.setEnabled(not busy and self._probe is not None)
        self.cancelButton.setEnabled(busy)

    def _idle_progress(self) -> None:
        self.progressBar.setRange(0, 1)
        self.progressBar.setValue(0)

    def _on_bug_changed(self) -> None:
        name = self.bug_name
        if name is None:
            self.bugDescription.setText("The engine's own backprop.")
            self.bugDescription.setStyleSheet("color: #444;")
            self.trainWithBugCheck.setEnabled(False)
        else:
            self.bugDescription.setText(f"⚠ {BACKPROP_BUGS[name][1]}.")
            self.bugDescription.setStyleSheet(f"color: {FAIL_COLOR};")
            self.trainWithBugCheck.setEnabled(True)
        self._show_staleness()

    def _show_message(self, text: str) -> None:
        self.message.setText(text)
        self.stack.setCurrentIndex(1)

    # --- drawing ----------------------------------------------------------------------
    bars = property(lambda self: self.plots.bars)
    scatter = property(lambda self: self.plots.scatter)
    bar_item = property(lambda self: self.plots.bar_item)
    bar_texts = property(lambda self: self.plots.bar_texts)
    points = property(lambda self: self.plots.points)

    def _clear_plots(self, text: str) -> None:
        self.plots.clear()
        self._fade.setEnabled(False)
        self.summary.setText(text)

    def _show_staleness(self, *_) -> None:
        """Fade the result and say so when it was computed for other settings; undo when they are back."""
        if self.outcome is None or self.outcome.result is None or self.checking:
            return
        self._write_summary()

    def _draw_result(self) -> None:
        self.plots.draw(self.outcome.result)
        self._write_summary()

    def _write_summary(self) -> None:
        o = self.outcome
        r = o.result
        kind, sentence = verdict(r)
        differ = r.differing()
        checked = [n for n, st in r.statuses().items() if st != "kinks"]
        na = [n for n, v in r.per_parameter.items() if math.isnan(v)]
        kinks = sum(r.kinks.values())
        if kind == "unknown":
            verdict_html = (f"<span style='color:{NA_COLOR if not checked else NOISE_COLOR}'><b>Cannot tell</b>"
                            f"</span>: {html.escape(sentence)}.")
            if not checked:
                verdict_html = "<b>Nothing could be checked</b>: every sampled coordinate sat on a ReLU kink."
        elif kind == "wrong" and max(r.per_parameter[n] for n in differ) < BORDERLINE:
            verdict_html = (f"<span style='color:{FAIL_COLOR}'><b>Borderline</b></span>: {len(differ)} of "
                            f"{len(checked)} tensors are just over {_sci(r.tolerance)} (worst "
                            f"{max(r.per_parameter[n] for n in differ):.1e}). Rounding in the finite differences "
                            "alone can do that; a backprop bug gives 1e-3 or more. Check again, or with more samples.")
        elif kind == "wrong":
            verdict_html = (f"<span style='color:{FAIL_COLOR}'><b>✘ Backprop is wrong</b></span>: {len(differ)} of "
                            f"{len(checked)} tensors are over {_sci(r.tolerance)} and over their noise floor, so "
                            f"they {html.escape(sentence.split(' tensors ', 1)[1])}.")
        else:
            verdict_html = (f"<span style='color:{PASS_COLOR}'><b>✔ Backprop is right</b></span>: "
                            f"{html.escape(sentence)} (overall {r.relative_difference:.1e}).")
        unit = "iteration" if self._count_label == "iterations" else "epoch"
        parts = [verdict_html, f"{r.coords_checked:,} coordinates on {len(o.request.y)} training samples, "
                               f"ε = {r.epsilon:g} (relative), {r.numeric_dtype}, {o.elapsed:.1f} s, on the network "
                               f"after {unit} {o.request.epoch:,}"
                               + (" (scheduled re-check)" if o.request.reason == "scheduled" else "") + "."]
        parts.append(f"Backprop: the bug “{html.escape(o.request.bug_name)}”." if o.request.bug_name
                     else "Backprop: correct (the engine's).")
        noise = [n for n, st in r.statuses().items() if st == "noise"]
        if noise:
            parts.append(f"{', '.join(noise)}: gradient{'s' * (len(noise) != 1)} below the noise floor "
                         "(too small for finite differences to tell from rounding), neither right nor wrong.")
        if kinks:
            parts.append(f"{kinks} coordinate{'s' * (kinks != 1)} sat on a ReLU kink (where the slope jumps, "
                         "so no finite difference can match) and were left out"
                         + (f"; {', '.join(na)} had nothing else and show grey" if na else "") + ".")
        text = " ".join(parts)
        stale = self.stale
        self._fade.setEnabled(stale)
        if stale:
            now = f"the bug “{self.bug_name}”" if self.bug_name else "the correct backprop"
            text = (f"<span style='color:{STALE_COLOR}'><b>⚠ Out of date: press Check gradients.</b> This result "
                    f"was computed for other settings (now: {html.escape(now)}, {self.samplesSpin.value()} samples, "
                    f"{self.coordsSpin.value() or 'all'} coordinates).</span><br>" + text)
        self.summary.setText(text)
