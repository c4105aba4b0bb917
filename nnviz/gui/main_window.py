"""nnviz's main window: panels on the left, run controls and live views on the right, wired to a Lab.

The experiment lives in :class:`nnviz.lab.Lab` (configuration, dataset, network, runs, run
state); the window shows it and forwards what the user does. Panels describe a configuration:
each edit goes to ``lab.edit``; the lab checks it and says what changed through its events,
which update the panels, controls, banner and views. A run is a session the lab prepares and a
:class:`~nnviz.gui.worker.TrainingRunner` executes off the GUI thread; views draw the snapshots
it sends. ``trainingFinished`` is emitted after every run, once its thread has ended.
"""

from __future__ import annotations

import html

from PySide6.QtCore import QSettings, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QLabel,
    QMainWindow,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from nnviz.lab import Lab, network_input

from .actions import build_menus
from .banner import MessageBanner
from .dataset_loader import DatasetLoader
from .drops import FileDrops
from .files import FileCommands
from .icons import app_icon
from .panels.controls import ControlBar
from .panels.settings_panel import SettingsPanel
from .settings import AppSettings
from .time_bar import TimeBar
from .view_tabs import ViewTabs
from .views import VIEW_CLASSES
from .window_frame import Presentation, restore_geometry
from .worker import TrainingRunner

RUN_TIPS = {"pauseButton": "Pause after the current step (F6)",
            "stepButton": "Run one iteration or one epoch, then pause (F7)",
            "stopButton": "Stop this run; the network keeps what it learned (F8)",
            "resetButton": "Start again with a new, untrained network (Ctrl+R)"}


class MainWindow(QMainWindow):
    """The app. ``MainWindow(data_dir=None, settings=None, preset=None)``; never opens a dialog at start-up."""

    #: emitted when a run ends (completed, stopped, diverged or error), with its RunResult
    trainingFinished = Signal(object)

    def __init__(self, data_dir=None, settings: QSettings | None = None, preset: str | None = None, parent=None):
        super().__init__(parent)
        self.settings = AppSettings(settings)
        self.lab = Lab(data_dir or self.settings.get("dataDir") or None)
        self.runner = TrainingRunner(self)
        self.dataset_loader = DatasetLoader(self)
        self.snapshots_drawn = 0
        self._applying = self._closing = self._shown_once = self._data_changed = False
        self.presentation = Presentation(self)
        self.setWindowTitle("nnviz — neural network lab")
        self.setWindowIcon(app_icon())
        self._build_ui()
        self.files = FileCommands(self)
        build_menus(self)
        self._drops = FileDrops(self, self.predict_images)
        self._connect()
        self.lab.background = self.dataset_loader
        self.apply_preset(preset or self.settings.get("preset") or "moons", initial=True)
        saved_dataset = self.settings.get("dataset")
        if not preset and saved_dataset and saved_dataset != self.lab.config.dataset \
                and self.datasetCombo.findData(saved_dataset) >= 0 and saved_dataset != "painted":
            self.dataset_panel.set_values(saved_dataset, {})
            self._on_edited("dataset")
        self.settingsPanel.fit_contents()
        restore_geometry(self)        # and the splitter; presentation mode is never restored (F11 or env)

    # ------------------------------------------------------------------ what tests and scripts read
    model = property(lambda self: self.lab.model, doc="the current network (the lab's)")
    optimizer = property(lambda self: self.lab.optimizer)
    dataset = property(lambda self: self.lab.dataset)
    data_dir = property(lambda self: self.lab.data_dir)
    boundary_recorder = property(lambda self: self.lab.recorder)

    def view(self, name: str):
        return next((v for v in self.views if v.objectName() == name), None)

    # ------------------------------------------------------------------ layout
    def _build_ui(self) -> None:
        self.settingsPanel = SettingsPanel()
        panel = self.settingsPanel
        self.presetCombo, self.presetDescription = panel.presetCombo, panel.presetDescription
        self.builder, self.dataset_panel, self.training_panel = panel.builder, panel.dataset_panel, panel.training_panel
        self.layerTable = self.builder.table

        self.controls = ControlBar()
        self.banner = MessageBanner()
        self.views = [cls() for cls in VIEW_CLASSES]
        self.viewTabs = ViewTabs()
        self.mainViews = QSplitter(Qt.Horizontal, objectName="mainViews")
        for view in self.views:
            if view.placement == "main":
                self.mainViews.addWidget(view)
            else:
                self.viewTabs.add_view(view, view.title, view.group)
        self.viewTabs.insertTab(0, self.mainViews, "Training")
        self.viewTabs.setCurrentIndex(0)
        self.prediction_view, self.comparison_view = self.view("predictionView"), self.view("comparisonView")

        right = QWidget()
        rl = QVBoxLayout(right)
        rl.setContentsMargins(6, 6, 6, 6)
        rl.addWidget(self.controls)
        rl.addWidget(self.banner)
        rl.addWidget(self.viewTabs, 1)
        self.splitter = QSplitter(Qt.Horizontal, objectName="mainSplitter")
        self.splitter.addWidget(self.settingsPanel)
        self.splitter.addWidget(right)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setSizes([self.settingsPanel.preferred_width(1500), 940])
        self.setCentralWidget(self.splitter)
        self.timeBar = TimeBar(self)        # the time machine's scrubber, under the tabs

        self.stateLabel, self.modelLabel = QLabel("Idle", objectName="stateLabel"), QLabel(objectName="modelLabel")
        self.statusBar().addPermanentWidget(self.modelLabel)
        self.statusBar().addPermanentWidget(self.stateLabel)
        for name in ("trainButton", "pauseButton", "stepButton", "stopButton", "resetButton", "progressBar",
                     "stepUnitCombo"):
            setattr(self, name, getattr(self.controls, name))
        self.datasetCombo = self.dataset_panel.datasetCombo
        for name in ("learningRateSpin", "epochsSpin", "batchSizeSpin", "optimizerCombo"):
            setattr(self, name, getattr(self.training_panel, name))
        self.addLayerButton, self.removeLayerButton = self.builder.addButton, self.builder.removeButton

    def _connect(self) -> None:
        """Widgets → window → lab, and the lab's events → widgets."""
        self.presetCombo.currentIndexChanged.connect(self._on_preset_index)
        self.presetCombo.activated.connect(lambda i: self.apply_preset(self.presetCombo.itemData(i)))
        self.builder.changed.connect(lambda: self._on_edited("layers"))
        self.dataset_panel.edited.connect(self._on_edited)
        self.dataset_panel.openFileRequested.connect(self.files.open_dataset_dialog)
        self.training_panel.edited.connect(self._on_edited)
        for button, slot in ((self.trainButton, self.train), (self.pauseButton, self.pause),
                             (self.stepButton, self.step), (self.stopButton, self.stop),
                             (self.resetButton, self.reset)):
            button.clicked.connect(slot)
        self.runner.snapshot.connect(self._on_snapshot)
        self.runner.finished.connect(self._on_run_finished)
        for view in self.views:
            view.refreshRequested.connect(lambda v=view: self.refresh_view(v))
            view.labRequest.connect(lambda request: request(self.lab))      # e.g. painting points
        self.prediction_view.inputChosen.connect(self._forward_input)
        self.prediction_view.filesDone.connect(lambda text: self.statusBar().showMessage(text, 5000))
        self.comparison_view.use_log(self.lab.runs)
        self.comparison_view.set_data_dir(self.lab.data_dir)
        self.comparison_view.seriesActiveChanged.connect(lambda _active: self._update_controls())
        events = self.lab.events
        events.config_applied.connect(self._fill_panels)
        events.checked.connect(self._on_checked)
        events.dataset_changed.connect(self._show_dataset)
        events.model_changed.connect(self._on_model_changed)
        events.state_changed.connect(self._on_state_changed)
        events.notice.connect(self._show_notice)
        events.notice_cleared.connect(lambda tag: self.banner.clear() if tag is None or self.banner.tag == tag
                                      else None)
        events.status.connect(lambda text, ms: self.statusBar().showMessage(text, ms))
        events.run_finished.connect(lambda _result: self._show_record(self.lab.run_record))
        events.run_added.connect(self._show_record)

    # ------------------------------------------------------------------ configuration
    def current_config(self):
        """The RunConfig the panels describe now."""
        config = self.lab.config.copy()
        values = self.training_panel.values()
        for key, value in self.dataset_panel.values().items():
            setattr(config, key, value)
        config.layers = self.builder.specs()
        for key in ("loss", "epochs", "batch_size", "init", "l2", "seed", "schedule"):
            setattr(config, key, values[key])
        return config.with_optimizer(values["optimizer"], values["lr"])

    def apply_config(self, config) -> None:
        """Fill every panel from ``config`` (the lab checks it once)."""
        self.lab.apply(config)

    def apply_preset(self, name: str, initial: bool = False) -> None:
        try:
            self.lab.apply_preset(name)
        except ValueError as exc:
            if initial and name != "moons":
                self.lab.apply_preset("moons")
                self.banner.show_message(html.escape(f"{exc} Opened the moons preset instead."), "warning")
            else:
                self.banner.show_message(html.escape(str(exc)), "error")
            return
        if not initial:
            self.statusBar().showMessage(f"Preset {name!r} loaded.", 5000)

    def _on_preset_index(self, index: int) -> None:
        """Any way of choosing an item (click, keys, ``setCurrentIndex``) applies it."""
        name = self.presetCombo.itemData(index)
        if not self._applying and name and name != self.lab.preset_name:
            self.apply_preset(name)

    def _fill_panels(self, config) -> None:
        self._applying = True
        try:
            self.dataset_panel.set_values(config.dataset, config.dataset_options, config.augment, config.features)
            self.builder.set_specs(config.layers)
            self.training_panel.set_values(config)
        finally:
            self._applying = False

    def _on_edited(self, field: str) -> None:
        if self._applying:
            return
        config = self.current_config()
        if field == "batch_size":
            self.training_panel.set_count_label(config.count_label)
        self.lab.edit(config, field)

    def _on_checked(self) -> None:
        lab, ds = self.lab, self.lab.dataset
        self.builder.set_input(*network_input(lab.config.features, ds))
        self.builder.set_report(lab.report)
        self.training_panel.set_problems(lab.problems)
        self.dataset_panel.set_problems(lab.problems)
        self._show_preset()
        self._update_controls()
        model = lab.model
        if self._data_changed and lab.state == "idle" and model is not None and ds is not None \
                and tuple(model.input_shape) == tuple(ds.input_shape):
            self._redraw_views()        # a trained network over new points (e.g. more noise)

    def _show_preset(self) -> None:
        lab = self.lab
        self.settingsPanel.show_preset(lab.preset_name, lab.modified,
                                       lab.preset_config.description if lab.preset_config is not None else "")

    def _show_dataset(self) -> None:
        lab = self.lab
        if lab.dataset is not None:
            self.dataset_panel.show_dataset(lab.dataset)
        elif lab.dataset_loading:
            self.dataset_panel.show_loading(lab.config.dataset)
        elif lab.dataset_error:
            self.dataset_panel.show_error(lab.dataset_error)
        self.comparison_view.set_data_dir(lab.data_dir)
        self._data_changed = True       # the views show the new data once the lab has checked it

    # ------------------------------------------------------------------ run control
    def train_block_reason(self) -> str | None:
        """Why Train is disabled now, or None."""
        if self.comparison_view.series_active:
            return "A run series is training in the Compare runs tab; stop it or let it finish first."
        return self.lab.train_block_reason()

    def train(self) -> None:
        """Start a run (or resume a paused one)."""
        if self.lab.state == "paused":
            self.lab.resume()
        elif self.lab.state == "idle" and self.train_block_reason() is None:
            self._start_run(step_unit=None)

    def pause(self) -> None:
        self.lab.pause()

    def step(self) -> None:
        unit = self.stepUnitCombo.currentData()
        if not self.lab.step(unit) and self.lab.state == "idle" and self.train_block_reason() is None:
            self._start_run(step_unit=unit)

    def stop(self) -> None:
        if self.lab.state != "idle":
            self.lab.stop()
            self.statusBar().showMessage("Stopping…", 2000)

    def reset(self) -> None:
        self.lab.reset()

    def _start_run(self, step_unit: str | None) -> None:
        if self._closing:
            return
        if self.lab.model is None or self.lab.stale():
            self.lab.new_model(quiet=self.lab.model is None)
        context = self.lab.view_context()
        probes = [p for view in self.views for p in view.probes(context)] + self.lab.recorder.probes()
        options = {}
        for view in self.views:
            options.update(view.session_options(context))
        session = self.lab.start_run(self.runner.emit_function(), self.runner.ready, probes=probes,
                                     callbacks=[p for p in probes if hasattr(p, "on_batch_end")],
                                     step_unit=step_unit, **options)
        if session is None:
            self._update_controls()
            return
        self.runner.start(session)
        notices = [n for n in (view.run_notice(context) for view in self.views) if n]
        if notices:
            self.banner.show_message(" ".join(html.escape(n, quote=False) for n in notices), "warning")
        self.controls.show_text("Starting…", 0.0)

    def refresh_view(self, view) -> None:
        """``view`` changed its probe input: the running session recomputes probes, or the lab does it now."""
        if self.lab.state != "idle":
            self.lab.refresh_probes()
            return
        snap = self.lab.snapshot(view.probes(self.lab.view_context()))
        if snap is not None:
            view.show_snapshot(snap)

    def _on_snapshot(self, snap) -> None:
        for view in self.views:
            view.show_snapshot(snap)
        self.lab.on_snapshot(snap)
        self.controls.show_progress(snap, self.lab.unit())
        self.snapshots_drawn += 1

    def _on_run_finished(self, result) -> None:
        summary = self.lab.run_finished(result)
        self.statusBar().showMessage(summary.status)
        self.controls.show_text(summary.progress, summary.fraction)
        if summary.level == "warning":
            self.banner.show_message(html.escape(summary.notice), "warning", "Reset", self.reset)
        elif summary.level == "error":
            self.banner.show_message(f"<b>Training failed.</b> {html.escape(summary.notice)}", "error")
            self.banner.setToolTip(result.details)
        context = self.lab.view_context()
        for view in self.views:
            view.update_model(context)
        self._update_controls()
        self.trainingFinished.emit(result)

    def _on_state_changed(self, state: str) -> None:
        for view in self.views:
            view.set_running(state != "idle")
        self._update_controls()

    def _update_controls(self) -> None:
        state, c = self.lab.state, self.controls
        reason = self.train_block_reason() if state != "running" else None
        c.trainButton.setText("Resume" if state == "paused" else "Train")
        c.trainButton.setEnabled(state != "running" and reason is None)
        c.pauseButton.setEnabled(state == "running")
        c.stepButton.setEnabled(state == "paused" or (state == "idle" and reason is None))
        c.stopButton.setEnabled(state in ("running", "paused"))
        if state == "idle" and reason:
            c.trainButton.setToolTip(f"Cannot train: {reason}")
            c.blockedLabel.setText(f"⚠ Cannot train: {reason}")
        else:
            fresh = self.lab.model is None or state != "idle" or self.lab.model.history.epochs_done == 0
            c.trainButton.setToolTip({"idle": "Train the network (F5)" if fresh else
                                      "Train this network further (F5); Reset starts over",
                                      "paused": "Resume training (F5)", "running": "Training…"}[state])
        c.blockedLabel.setVisible(bool(state == "idle" and reason))
        for name, tip in RUN_TIPS.items():
            getattr(c, name).setToolTip(tip)
        for action, button in ((self.trainAction, c.trainButton), (self.pauseAction, c.pauseButton),
                               (self.stepAction, c.stepButton), (self.stopAction, c.stopButton)):
            action.setEnabled(button.isEnabled())
        self.stateLabel.setText({"idle": "Idle", "running": "Training", "paused": "Paused"}[state])

    # ------------------------------------------------------------------ views
    def _on_model_changed(self) -> None:
        model = self.lab.model
        self.modelLabel.setText(f"{model.count_params():,} parameters" if model is not None else "")
        self._redraw_views()
        self.controls.show_text(self.lab.ready_text(), 0.0)

    def _redraw_views(self, spare_busy: bool = False) -> None:
        """Reset every view for the current network; ``spare_busy`` leaves views in the middle of work alone
        (a redraw of the same network must not cancel, say, a gradient check)."""
        self._data_changed = False
        context = self.lab.view_context()
        views = [v for v in self.views if not (spare_busy and v.busy)]
        for view in views:
            view.reset(context)
            if view.placement == "main":        # the boundary for 2-D data, the test samples for images
                view.setVisible(view.wanted(context))
        self.lab.reset_recording(grid=getattr(self.view("boundaryPlot"), "grid", None))
        snap = self.lab.snapshot([p for v in views for p in v.probes(context)] + self.lab.recorder.probes())
        if snap is not None:
            for view in views:
                view.show_snapshot(snap)
            self.lab.on_snapshot(snap)

    def _show_record(self, record) -> None:
        if record is not None and record.epochs_done:
            self.comparison_view.add_record(record)

    def _show_notice(self, text: str, level: str, action, tag) -> None:
        callback = self.reset if action == "reset" else None
        self.banner.show_message(html.escape(text), level, "Reset now" if callback else None, callback, tag=tag)

    def _forward_input(self, x, label: str) -> None:
        """The image the prediction view shows goes to the views that can show it too (feature maps)."""
        for view in self.views:
            if view is not self.prediction_view and hasattr(view, "set_input"):
                try:
                    view.set_input(x, label)
                except ValueError:      # e.g. a network whose input has another shape
                    pass

    # ------------------------------------------------------------------ files and drops (see files.py)
    def _file_command(name: str):  # noqa: N805  (builds the properties below)
        return property(lambda self: getattr(self.files, name), doc=f"see FileCommands.{name}")

    open_dataset_file, load_model_file = _file_command("open_dataset_file"), _file_command("load_model_file")
    save_model_file, save_run_file = _file_command("save_model_file"), _file_command("save_run_file")
    open_run_file, export_plot = _file_command("open_run_file"), _file_command("export_plot")
    export_boundary_animation = _file_command("export_boundary_animation")
    _ask_save = _file_command("ask_save")
    del _file_command

    def predict_images(self, paths) -> None:
        """Show the prediction tab and classify ``paths`` (returns at once; files are read on a task)."""
        paths = list(paths)
        n = len(paths)      # the message first: the view replaces it (filesDone) when the files are classified
        self.statusBar().showMessage(f"Classifying {n} image{'s' if n != 1 else ''}…", 3000)
        self.prediction_view.predict_files(paths)
        self.viewTabs.setCurrentWidget(self.prediction_view)

    # ------------------------------------------------------------------ presentation, showing, closing
    def set_presentation(self, on: bool) -> None:
        """Large fonts and thick lines for a projector (see :class:`~nnviz.gui.window_frame.Presentation`)."""
        self.presentation.set(on)

    def showEvent(self, event) -> None:
        super().showEvent(event)
        if not self._shown_once:
            self._shown_once = True
            # the views now have their real size: redraw so the boundary picture fills its plot
            QTimer.singleShot(0, lambda: self.lab.state == "idle" and not self._closing
                              and self._redraw_views(spare_busy=True))

    def closeEvent(self, event) -> None:
        self._closing = True
        self.runner.shutdown()
        self.dataset_loader.shutdown()
        for view in self.views:
            view.shutdown()
        geometry, splitter = self.presentation.frame_state()       # normal mode's, even while presenting
        for key, value in (("geometry", geometry), ("splitter", splitter),
                           ("preset", self.lab.preset_name or "moons"), ("dataset", self.lab.config.dataset)):
            self.settings.set(key, value)
        if self.lab.data_dir is not None:
            self.settings.set("dataDir", str(self.lab.data_dir))
        self.settings.sync()
        super().closeEvent(event)
