"""nnviz's main window: panels on the left, run controls and live views on the right.

The window owns the current dataset, the current model and its optimizer.
Panels describe a :class:`~nnviz.lab.config.RunConfig`; every edit is
checked at once (builder rows, hyperparameters, dataset) and Train is
disabled with the reason when something is wrong. Training runs on a
:class:`~nnviz.gui.worker.TrainingRunner` thread; views only draw the
snapshots it sends. ``trainingFinished`` is emitted after every run, once
its thread has ended.
"""

from __future__ import annotations

import html
import logging
import time
from pathlib import Path

from PySide6.QtCore import QSettings, Qt, QTimer, Signal
from PySide6.QtGui import QFont, QGuiApplication, QKeySequence
from PySide6.QtWidgets import (QApplication, QComboBox, QFileDialog, QGroupBox, QHBoxLayout, QLabel,
                               QMainWindow, QMessageBox, QScrollArea, QSplitter, QTabWidget, QVBoxLayout,
                               QWidget)

from nnviz.engine import load_model, save_model
from nnviz.engine.io import ModelFileError
from nnviz.lab.presets import layer_to_spec, list_presets, load_preset

from nnviz.lab import datasets
from .banner import MessageBanner
from nnviz.lab.config import NEXT_RUN_FIELDS, RunConfig
from .icons import app_icon
from .panels.builder import BuilderPanel
from .panels.controls import ControlBar, format_seconds
from .panels.dataset_panel import DatasetPanel
from .panels.training_panel import TrainingPanel
from nnviz.lab.session import history_snapshot
from .settings import AppSettings
from nnviz.lab.stack import StackReport, check_stack
from .style import style_for
from .views import VIEW_CLASSES, ViewContext
from .window_files import RunFilesMixin
from .window_predict import PredictionMixin
from .worker import TrainingRunner

log = logging.getLogger(__name__)

#: seconds between progress-bar updates while training (its text changes every step)
PROGRESS_INTERVAL = 0.1

SHORTCUTS = [
    ("Train / resume", "F5", "Ctrl+Return"),
    ("Pause", "F6", None),
    ("Step (one iteration or epoch)", "F7", None),
    ("Stop", "F8", None),
    ("Reset (new network)", "Ctrl+R", None),
    ("Presentation mode", "F11", None),
    ("Show or hide the settings panel", "F9", None),
    ("Open dataset file", "Ctrl+O", None),
    ("Load model", "Ctrl+L", None),
    ("Save model", "Ctrl+S", None),
    ("Export plot", "Ctrl+E", None),
    ("Keyboard shortcuts", "F1", None),
    ("Quit", "Ctrl+Q", None),
]


class MainWindow(PredictionMixin, RunFilesMixin, QMainWindow):
    """The app. ``MainWindow(data_dir=None, settings=None, preset=None)``; never opens a dialog at start-up."""

    #: emitted when a run ends (completed, stopped, diverged or error), with its RunResult
    trainingFinished = Signal(object)

    def __init__(self, data_dir=None, settings: QSettings | None = None, preset: str | None = None, parent=None):
        super().__init__(parent)
        self.settings = AppSettings(settings)
        saved_dir = self.settings.get("dataDir")
        self.data_dir = Path(data_dir) if data_dir else (Path(saved_dir) if saved_dir else None)
        self.runner = TrainingRunner(self)
        self.dataset = None
        self.dataset_error: str | None = None
        self._dataset_key = None
        self.model = None
        self.optimizer = None
        self._model_config: RunConfig | None = None
        self._run_config: RunConfig | None = None
        self._state = "idle"          # idle, running, paused
        self._report = StackReport()
        self._problems: dict[str, str] = {}
        self._applying = False
        self._reset_after_run = False
        self._closing = False
        self._preset_config: RunConfig | None = None
        self.last_result = None
        self.snapshots_drawn = 0
        self._last_progress = 0.0
        self._shown_once = False
        self._presenting = False
        self._panel_before_presenting = True

        self.setWindowTitle("nnviz — neural network lab")
        self.setWindowIcon(app_icon())
        self._build_ui()
        self._build_menus()
        self.runner.snapshot.connect(self._on_snapshot)
        self.runner.finished.connect(self._on_run_finished)
        self._setup_prediction()
        self._setup_run_files()

        self._apply_preset(preset or self.settings.get("preset") or "moons", initial=True)
        saved_dataset = self.settings.get("dataset")
        if not preset and saved_dataset and saved_dataset != self.dataset_panel.dataset() \
                and saved_dataset in datasets.available():
            self.dataset_panel.set_values(saved_dataset, {})
            self._refresh("dataset")
        self._update_settings_min_width()
        self._restore_geometry()
        splitter = self.settings.get("splitter")
        if not splitter.isEmpty():
            self.splitter.restoreState(splitter)
        if self.settings.get("presentation"):
            self.presentationAction.setChecked(True)

    # ------------------------------------------------------------------ layout
    def _restore_geometry(self) -> None:
        """The saved geometry if it fits the screen, else most of the screen (at most 1500×950)."""
        screen = self.screen() or QGuiApplication.primaryScreen()
        avail = screen.availableGeometry() if screen is not None else None
        geometry = self.settings.get("geometry")
        if not geometry.isEmpty() and self.restoreGeometry(geometry):
            if avail is None or avail.contains(self.frameGeometry().center()):
                return
        if avail is None:
            self.resize(1400, 900)
            return
        w, h = min(1500, int(avail.width() * 0.96)), min(950, int(avail.height() * 0.94))
        self.resize(w, h)
        self.splitter.setSizes([self._settings_width(w), w - self._settings_width(w)])
        self.move(avail.x() + (avail.width() - w) // 2, avail.y() + (avail.height() - h) // 2)

    def _settings_width(self, window_width: int) -> int:
        """Width of the settings panel: what its contents ask for, at most 42 % of the window."""
        panel = self.settingsPanel
        content = panel.widget()
        need = max(content.sizeHint().width(), content.minimumSizeHint().width()) \
            + panel.verticalScrollBar().sizeHint().width() + 8
        return int(max(380, min(need, 0.42 * window_width)))

    def _build_ui(self) -> None:
        self.presetCombo = QComboBox(objectName="presetCombo")
        for name in list_presets():
            try:
                title = load_preset(name).title or name
            except ValueError:
                continue
            self.presetCombo.addItem(title, name)
            self.presetCombo.setItemData(self.presetCombo.count() - 1, f"preset {name!r}", Qt.ToolTipRole)
        self.presetCombo.setToolTip("Fill every panel from a ready-made experiment")
        self.presetCombo.setSizeAdjustPolicy(QComboBox.AdjustToMinimumContentsLengthWithIcon)
        self.presetCombo.setMinimumContentsLength(20)
        self.presetDescription = QLabel(objectName="presetDescription")
        self.presetDescription.setWordWrap(True)
        self.presetDescription.setStyleSheet("color: #555;")
        self.presetEditedLabel = QLabel(objectName="presetEditedLabel")
        self.presetEditedLabel.setStyleSheet("color: #8a5a00; font-style: italic;")

        self.builder = BuilderPanel()
        self.dataset_panel = DatasetPanel()
        self.training_panel = TrainingPanel()
        self.layerTable = self.builder.table

        preset_box = QGroupBox("Preset")
        pl = QVBoxLayout(preset_box)
        row = QHBoxLayout()
        row.addWidget(self.presetCombo, 1)
        row.addWidget(self.presetEditedLabel)
        pl.addLayout(row)
        pl.addWidget(self.presetDescription)
        data_box = QGroupBox("Data")
        QVBoxLayout(data_box).addWidget(self.dataset_panel)
        net_box = QGroupBox("Network")
        QVBoxLayout(net_box).addWidget(self.builder)
        train_box = QGroupBox("Training")
        QVBoxLayout(train_box).addWidget(self.training_panel)

        left = QWidget(objectName="settingsPanel")
        ll = QVBoxLayout(left)
        ll.setContentsMargins(6, 6, 6, 6)
        ll.addWidget(preset_box)
        ll.addWidget(data_box)
        ll.addWidget(net_box, 1)
        ll.addWidget(train_box)
        scroll = QScrollArea(objectName="settingsScroll")
        self.settingsPanel = scroll
        scroll.setWidget(left)
        scroll.setWidgetResizable(True)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarAsNeeded)

        self.controls = ControlBar()
        self.banner = MessageBanner()
        self.views = [cls() for cls in VIEW_CLASSES]
        self.viewTabs = QTabWidget(objectName="viewTabs")
        self.mainViews = QSplitter(Qt.Horizontal, objectName="mainViews")
        for view in self.views:
            if view.placement == "main":
                self.mainViews.addWidget(view)
            else:
                self.viewTabs.addTab(view, view.title)
        self.viewTabs.insertTab(0, self.mainViews, "Training")
        self.viewTabs.setCurrentIndex(0)
        self.viewTabs.tabBar().setVisible(self.viewTabs.count() > 1)
        for view in self.views:
            view.refreshRequested.connect(lambda v=view: self.refresh_view(v))

        right = QWidget()
        rl = QVBoxLayout(right)
        rl.setContentsMargins(6, 6, 6, 6)
        rl.addWidget(self.controls)
        rl.addWidget(self.banner)
        rl.addWidget(self.viewTabs, 1)

        self.splitter = QSplitter(Qt.Horizontal, objectName="mainSplitter")
        self.splitter.addWidget(scroll)
        self.splitter.addWidget(right)
        self.splitter.setStretchFactor(0, 0)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setSizes([self._settings_width(1500), 940])
        self.setCentralWidget(self.splitter)

        self.stateLabel = QLabel("Idle", objectName="stateLabel")
        self.modelLabel = QLabel(objectName="modelLabel")
        self.statusBar().addPermanentWidget(self.modelLabel)
        self.statusBar().addPermanentWidget(self.stateLabel)

        for name in ("trainButton", "pauseButton", "stepButton", "stopButton", "resetButton", "progressBar",
                     "stepUnitCombo"):
            setattr(self, name, getattr(self.controls, name))
        for name in ("datasetCombo",):
            setattr(self, name, getattr(self.dataset_panel, name))
        for name in ("learningRateSpin", "epochsSpin", "batchSizeSpin", "optimizerCombo"):
            setattr(self, name, getattr(self.training_panel, name))
        self.addLayerButton = self.builder.addButton
        self.removeLayerButton = self.builder.removeButton

        self.presetCombo.activated.connect(lambda i: self._apply_preset(self.presetCombo.itemData(i)))
        self.builder.changed.connect(lambda: self._on_edited("layers"))
        self.dataset_panel.edited.connect(self._on_edited)
        self.dataset_panel.openFileRequested.connect(self.open_dataset_dialog)
        self.training_panel.edited.connect(self._on_edited)
        self.trainButton.clicked.connect(self.train)
        self.pauseButton.clicked.connect(self.pause)
        self.stepButton.clicked.connect(self.step)
        self.stopButton.clicked.connect(self.stop)
        self.resetButton.clicked.connect(self.reset)

    def _build_menus(self) -> None:
        bar = self.menuBar()
        file_menu = bar.addMenu("&File")
        self.openDatasetAction = file_menu.addAction("Open dataset file…", self.open_dataset_dialog)
        self.openDatasetAction.setShortcut(QKeySequence("Ctrl+O"))
        file_menu.addSeparator()
        self.loadModelAction = file_menu.addAction("Load model…", self.load_model_dialog)
        self.loadModelAction.setShortcut(QKeySequence("Ctrl+L"))
        self.saveModelAction = file_menu.addAction("Save model…", self.save_model_dialog)
        self.saveModelAction.setShortcut(QKeySequence("Ctrl+S"))
        file_menu.addSeparator()
        self.openRunAction = file_menu.addAction("Open run…", self.open_run_dialog)
        self.saveRunAction = file_menu.addAction("Save run…", self.save_run_dialog)
        file_menu.addSeparator()
        export = file_menu.addMenu("Export plot")
        first = True
        for view in self.views:
            if view.export_item() is not None:
                action = export.addAction(f"{view.title}…", lambda v=view: self.export_plot_dialog(v))
                if first:
                    action.setShortcut(QKeySequence("Ctrl+E"))
                    first = False
        self.exportAnimationAction = file_menu.addAction("Export boundary animation…", self.export_animation_dialog)
        file_menu.addSeparator()
        quit_action = file_menu.addAction("Quit", self.close)
        quit_action.setShortcut(QKeySequence.Quit)
        quit_action.setMenuRole(quit_action.MenuRole.QuitRole)

        run_menu = bar.addMenu("&Run")
        self.trainAction = run_menu.addAction("Train / resume", self.train)
        self.trainAction.setShortcuts([QKeySequence("F5"), QKeySequence("Ctrl+Return")])
        self.pauseAction = run_menu.addAction("Pause", self.pause)
        self.pauseAction.setShortcut(QKeySequence("F6"))
        self.stepAction = run_menu.addAction("Step", self.step)
        self.stepAction.setShortcut(QKeySequence("F7"))
        self.stopAction = run_menu.addAction("Stop", self.stop)
        self.stopAction.setShortcut(QKeySequence("F8"))
        run_menu.addSeparator()
        self.resetAction = run_menu.addAction("Reset (new network)", self.reset)
        self.resetAction.setShortcut(QKeySequence("Ctrl+R"))

        view_menu = bar.addMenu("&View")
        self.presentationAction = view_menu.addAction("Presentation mode")
        self.presentationAction.setCheckable(True)
        self.presentationAction.setShortcut(QKeySequence("F11"))
        self.presentationAction.toggled.connect(self.set_presentation)
        self.settingsPanelAction = view_menu.addAction("Settings panel")
        self.settingsPanelAction.setCheckable(True)
        self.settingsPanelAction.setChecked(True)
        self.settingsPanelAction.setShortcut(QKeySequence("F9"))
        self.settingsPanelAction.toggled.connect(self.settingsPanel.setVisible)
        cost = next((v for v in self.views if v.objectName() == "costPlot"), None)
        if cost is not None:
            log_action = view_menu.addAction("Log-scale cost")
            log_action.setCheckable(True)
            log_action.toggled.connect(cost.logCheck.setChecked)
            cost.logCheck.toggled.connect(log_action.setChecked)

        help_menu = bar.addMenu("&Help")
        shortcuts = help_menu.addAction("Keyboard shortcuts", self.show_shortcuts)
        shortcuts.setShortcut(QKeySequence("F1"))
        help_menu.addAction("About nnviz", self.show_about)

        for button, action, key in ((self.trainButton, self.trainAction, "F5"), (self.pauseButton, self.pauseAction, "F6"),
                                    (self.stepButton, self.stepAction, "F7"), (self.stopButton, self.stopAction, "F8"),
                                    (self.resetButton, self.resetAction, "Ctrl+R")):
            button.setProperty("shortcut", key)

    # ------------------------------------------------------------------ config
    def current_config(self) -> RunConfig:
        """The RunConfig the panels describe now."""
        base = self._preset_config.copy() if self._preset_config is not None else RunConfig()
        values = self.training_panel.values()
        base.dataset = self.dataset_panel.dataset()
        base.dataset_options = self.dataset_panel.options()
        base.layers = self.builder.specs()
        for key in ("loss", "optimizer", "lr", "epochs", "batch_size", "init", "l2", "seed"):
            setattr(base, key, values[key])
        if self._preset_config is not None and base.optimizer != self._preset_config.optimizer:
            base.optimizer_options = {}
        return base

    def apply_config(self, config: RunConfig) -> None:
        """Fill every panel from ``config`` (one refresh at the end)."""
        self._applying = True
        try:
            self.dataset_panel.set_values(config.dataset, config.dataset_options)
            self.builder.set_specs(config.layers)
            self.training_panel.set_values(config)
        finally:
            self._applying = False
        self._refresh("config")

    def _apply_preset(self, name: str, initial: bool = False) -> None:
        try:
            preset = load_preset(name)
        except ValueError as exc:
            if initial and name != "moons":
                self._apply_preset("moons", initial=True)
                self.banner.show_message(html.escape(f"{exc} Opened the moons preset instead."), "warning")
                return
            self.banner.show_message(html.escape(str(exc)), "error")
            return
        idx = self.presetCombo.findData(name)
        if idx >= 0:
            self.presetCombo.setCurrentIndex(idx)
        self._preset_config = RunConfig.from_preset(preset)
        self.presetDescription.setText(preset.description)
        self.presetEditedLabel.clear()
        self.apply_config(self._preset_config)
        if not initial:
            self.statusBar().showMessage(f"Preset {name!r} loaded.", 5000)

    def _on_edited(self, field: str) -> None:
        if self._applying:
            return
        if field == "batch_size":
            self.training_panel.set_count_label(self.current_config().count_label)
        self._refresh(field)

    # ------------------------------------------------------------------ checking and state
    def _refresh(self, field: str | None = None) -> None:
        config = self.current_config()
        self._load_dataset_if_needed(config)
        ds = self.dataset
        self.builder.set_input(None if ds is None else ds.input_shape, "" if ds is None else "set by the dataset")
        data = None if ds is None else (ds.X_train, ds.y_train)
        shape = ds.input_shape if ds is not None else None
        if shape is not None:
            self._report = check_stack(config.layers, shape, loss=config.loss, init=config.init,
                                       dtype=config.dtype, data=data)
        else:
            self._report = check_stack(config.layers, (2,), loss=config.loss, init=config.init, dtype=config.dtype)
        self.builder.set_report(self._report)
        self._problems = config.problems()
        self.training_panel.set_problems(self._problems)
        self.dataset_panel.set_problems(self._problems)
        edited = self._preset_config is not None and config.to_dict() != self._preset_config.to_dict()
        self.presetEditedLabel.setText("(edited)" if edited else "")

        if self._state in ("running", "paused"):
            self._settings_changed_while_running(field, config)
        elif self.model is None or (self.model.history.epochs_done == 0 and self._stale(config)):
            self._new_model(quiet=True)
        elif self._stale(config):
            self._show_stale_banner("You changed the network or its data. Train starts a new network with "
                                    "these settings; Reset does so now.", "info")
        elif self.banner.tag == "stale":
            self.banner.clear()
        self._update_controls()

    def _show_stale_banner(self, text: str, level: str) -> None:
        self.banner.show_message(text, level, "Reset now", self.reset, tag="stale")

    def _stale(self, config: RunConfig) -> bool:
        return self._model_config is None or config.model_key() != self._model_config.model_key()

    def _settings_changed_while_running(self, field, config: RunConfig) -> None:
        if field == "lr":
            if "lr" in self._problems:
                self.statusBar().showMessage(self._problems["lr"], 5000)
            else:
                self.runner.set_lr(config.lr)
                self.statusBar().showMessage(f"Learning rate set to {config.lr:g}, applied now.", 5000)
        elif self._stale(config):
            self._show_stale_banner("This change needs a new network: the current run keeps its settings "
                                    "until you reset.", "warning")
        elif field in NEXT_RUN_FIELDS:
            self.statusBar().showMessage("This change applies to the next run.", 5000)

    def _dataset_key_for(self, config: RunConfig) -> tuple:
        return (config.dataset, repr(sorted(config.dataset_options.items())), str(self.data_dir))

    def _load_dataset_if_needed(self, config: RunConfig) -> None:
        key = self._dataset_key_for(config)
        if key == self._dataset_key:
            return
        self._dataset_key = key
        option_problems = [m for k, m in config.problems().items() if k in ("n_samples", "noise", "test_fraction")]
        if option_problems:
            self.dataset, self.dataset_error = None, option_problems[0]
            return
        QApplication.setOverrideCursor(Qt.WaitCursor)
        try:
            self.dataset = datasets.load(config.dataset, config.dataset_options, self.data_dir)
            self.dataset_error = None
            self.dataset_panel.show_dataset(self.dataset)
        except (datasets.DatasetError, ValueError, OSError) as exc:
            self.dataset, self.dataset_error = None, str(exc)
            self.dataset_panel.show_error(str(exc))
            self.statusBar().showMessage(f"Could not load {config.dataset}: see the Data panel.", 8000)
        finally:
            QApplication.restoreOverrideCursor()

    def train_block_reason(self) -> str | None:
        """Why Train is disabled now, or None."""
        if self._state == "paused":
            return None
        if self.series_block_reason():
            return self.series_block_reason()
        if self.dataset is None:
            return f"No dataset: {self.dataset_error or 'none loaded.'}"
        if not self._report.ok:
            where = f"layer {self._report.error_row + 1}: " if self._report.error_row is not None else ""
            return f"The network is invalid ({where}{self._report.error})"
        if self._problems:
            return next(iter(self._problems.values()))
        return None

    def _update_controls(self) -> None:
        state = self._state
        reason = self.train_block_reason() if state != "running" else None
        c = self.controls
        can_start = reason is None
        c.trainButton.setText("Resume" if state == "paused" else "Train")
        c.trainButton.setEnabled(state != "running" and can_start)
        c.pauseButton.setEnabled(state == "running")
        c.stepButton.setEnabled(state == "paused" or (state == "idle" and can_start))
        c.stopButton.setEnabled(state in ("running", "paused"))
        c.resetButton.setEnabled(True)
        if state == "idle" and reason:
            c.trainButton.setToolTip(f"Cannot train: {reason}")
            c.blockedLabel.setText(f"⚠ Cannot train: {reason}")
            c.blockedLabel.show()
        else:
            tips = {"idle": "Train the network (F5)" if self.model is None or self.model.history.epochs_done == 0
                    else "Train this network further (F5); Reset starts over",
                    "paused": "Resume training (F5)", "running": "Training…"}
            c.trainButton.setToolTip(tips[state])
            c.blockedLabel.hide()
        c.pauseButton.setToolTip("Pause after the current step (F6)")
        c.stepButton.setToolTip("Run one iteration or one epoch, then pause (F7)")
        c.stopButton.setToolTip("Stop this run; the network keeps what it learned (F8)")
        c.resetButton.setToolTip("Start again with a new, untrained network (Ctrl+R)")
        self.trainAction.setEnabled(c.trainButton.isEnabled())
        self.pauseAction.setEnabled(c.pauseButton.isEnabled())
        self.stepAction.setEnabled(c.stepButton.isEnabled())
        self.stopAction.setEnabled(c.stopButton.isEnabled())
        self.stateLabel.setText({"idle": "Idle", "running": "Training", "paused": "Paused"}[state])
        if self.model is not None:
            self.modelLabel.setText(f"{self.model.count_params():,} parameters")
        else:
            self.modelLabel.clear()

    def _view_context(self) -> ViewContext:
        return ViewContext(dataset=self.dataset, model=self.model, config=self._model_config or self.current_config())

    def _probes(self, context: ViewContext) -> list:
        return [p for view in self.views for p in view.probes(context)] + self.boundary_recorder.probes()

    def _new_model(self, quiet: bool = False) -> None:
        """Build a fresh network from the panels (or none if they are invalid) and redraw the views."""
        config = self.current_config()
        self.model = self.optimizer = None
        self._model_config = config
        if self.dataset is not None and self._report.ok and not self._problems:
            try:
                self.model = config.build_model(self.dataset.input_shape)
                self.optimizer = config.build_optimizer()
            except (ValueError, TypeError) as exc:
                self.model = self.optimizer = None
                self.banner.show_message(html.escape(str(exc)), "error")
        self._redraw_views()
        self._show_ready()
        if not quiet:
            self.statusBar().showMessage("New network: weights initialized, history cleared.", 5000)

    def _redraw_views(self, spare_busy: bool = False) -> None:
        """Reset every view for the current model; ``spare_busy`` leaves views in the middle of work alone
        (a redraw of the same model must not cancel, say, a gradient check)."""
        context = self._view_context()
        views = [v for v in self.views if not (spare_busy and v.busy)]
        for view in views:
            view.reset(context)
        self._reset_boundary_recording()
        if self.model is not None:
            snap = history_snapshot(self.model, probes=self._probes(context))
            for view in views:
                view.show_snapshot(snap)
            self._record_boundary(snap)

    def _show_ready(self) -> None:
        config = self.current_config()
        unit = self._unit(config)
        done = self.model.history.epochs_done if self.model is not None else 0
        text = f"Ready: {unit} {done:,} — {config.epochs:,} {unit}s per run" if config.epochs > 0 else "Ready"
        self.controls.show_text(text, 0.0)

    @staticmethod
    def _unit(config: RunConfig) -> str:
        return "iteration" if config.count_label == "iterations" and config.batch_size is None else "epoch"

    # ------------------------------------------------------------------ run control
    def train(self) -> None:
        """Start a run (or resume a paused one)."""
        if self._state == "paused":
            self.runner.resume()
            self._set_state("running")
            return
        if self._state == "running" or self.train_block_reason() is not None:
            return
        self._start_run(step_unit=None)

    def pause(self) -> None:
        if self._state == "running":
            self.runner.pause()
            self._set_state("paused")

    def step(self) -> None:
        unit = self.stepUnitCombo.currentData()
        if self._state == "paused":
            self.runner.step(unit)
        elif self._state == "idle" and self.train_block_reason() is None:
            self._start_run(step_unit=unit)

    def stop(self) -> None:
        if self._state in ("running", "paused"):
            self.runner.stop()
            self.statusBar().showMessage("Stopping…", 2000)

    def reset(self) -> None:
        if self.runner.active:
            self._reset_after_run = True
            self.runner.stop()
            return
        self.banner.clear()
        self._new_model()
        self._update_controls()

    def _start_run(self, step_unit: str | None) -> None:
        if self._closing:
            return
        config = self.current_config()
        if self.model is None or self._stale(config):
            self._new_model(quiet=self.model is None)
            if self.model is None:
                self._update_controls()
                return
            if self.model.history.epochs_done == 0:
                self.statusBar().showMessage("Starting a new network with the current settings.", 5000)
        self.banner.clear()
        self.optimizer.lr = config.lr
        self._run_config = config
        ds = self.dataset
        context = self._view_context()
        probes = self._probes(context)
        options = {}
        for view in self.views:
            options.update(view.session_options(context))
        self.runner.start(self.model, self.optimizer, (ds.X_train, ds.y_train, ds.X_test, ds.y_test),
                          epochs=config.epochs, batch_size=config.batch_size, probes=probes,
                          step_unit=step_unit, callbacks=[p for p in probes if hasattr(p, "on_batch_end")],
                          **options)
        notices = [n for n in (view.run_notice(context) for view in self.views) if n]
        if notices:
            self.banner.show_message(" ".join(html.escape(n, quote=False) for n in notices), "warning")
        self._set_state("paused" if step_unit else "running")
        self.controls.show_text("Starting…", 0.0)

    def refresh_view(self, view) -> None:
        """``view`` changed its probe input: the worker recomputes probes, or with no run, we do it here."""
        if self.runner.active:
            self.runner.refresh()
        elif self.model is not None:
            view.show_snapshot(history_snapshot(self.model, probes=view.probes(self._view_context())))

    def _set_state(self, state: str) -> None:
        self._state = state
        self._update_controls()

    def _on_snapshot(self, snap) -> None:
        for view in self.views:
            view.show_snapshot(snap)
        self._record_boundary(snap)
        now = time.perf_counter()
        if snap.reason != "progress" or now - self._last_progress >= PROGRESS_INTERVAL:
            unit = self._unit(self._run_config) if self._run_config else "epoch"
            self.controls.show_progress(snap, unit)
            self._last_progress = now
        self.snapshots_drawn += 1

    def _on_run_finished(self, result) -> None:
        self.last_result = result
        self._state = "idle"
        unit = self._unit(self._run_config) if self._run_config else "epoch"
        took = format_seconds(result.elapsed)
        if result.status == "completed":
            msg = f"Training completed: {unit} {result.epochs_done:,} in {took}."
            acc = self.model.history.test_accuracy[-1] if self.model and self.model.history.test_accuracy else None
            if acc is not None and acc == acc:
                msg += f" Test accuracy {acc:.1%}."
            self.statusBar().showMessage(msg)
            self.controls.show_text(msg, 1.0)
        elif result.status == "stopped":
            msg = f"Training stopped at {unit} {result.epochs_done:,} (after {took})."
            self.statusBar().showMessage(msg)
            self.controls.show_text(msg)
        elif result.status == "diverged":
            msg = f"Training diverged: {result.message}"
            self.statusBar().showMessage(msg)
            self.controls.show_text(f"Diverged at {unit} {result.epochs_done:,}")
            self.banner.show_message(html.escape(msg), "warning", "Reset", self.reset)
        else:
            msg = f"Training failed: {result.message}"
            self.statusBar().showMessage(msg)
            self.controls.show_text(f"Failed at {unit} {result.epochs_done:,}")
            self.banner.show_message(f"<b>Training failed.</b> {html.escape(result.message)}", "error")
            self.banner.setToolTip(result.details)
            log.error("training failed: %s\n%s", result.message, result.details)
        self._update_controls()
        if self._reset_after_run and not self._closing:
            self._reset_after_run = False
            self.reset()
        self.trainingFinished.emit(result)

    # ------------------------------------------------------------------ files
    def _ask_open(self, title: str, filters: str) -> str | None:
        path, _ = QFileDialog.getOpenFileName(self, title, self.settings.get("lastFileDir"), filters)
        if path:
            self.settings.set("lastFileDir", str(Path(path).parent))
        return path or None

    def _ask_save(self, title: str, file_name: str, filters: str, suffixes=(".h5", ".hdf5")) -> str | None:
        """A path to save to, proposed in the last folder used, ending in one of ``suffixes``; None if cancelled."""
        default = str(Path(self.settings.get("lastFileDir") or ".") / file_name)
        path, _ = QFileDialog.getSaveFileName(self, title, default, filters)
        if not path:
            return None
        self.settings.set("lastFileDir", str(Path(path).parent))
        return path if path.lower().endswith(suffixes) else path + suffixes[0]

    def open_dataset_dialog(self) -> None:
        path = self._ask_open("Open dataset file", "Datasets (*.h5 *.hdf5 *.gz *.mat *.npz *-ubyte);;All files (*)")
        if path:
            self.open_dataset_file(path)

    def open_dataset_file(self, path) -> bool:
        """Use the dataset a chosen file belongs to; its folder becomes the data folder."""
        path = Path(path)
        if self._state != "idle":
            self.banner.show_message("Stop training before opening another dataset.", "warning")
            return False
        QApplication.setOverrideCursor(Qt.WaitCursor)
        try:
            ds = datasets.load_file(path)
        except (datasets.DatasetError, ValueError, OSError) as exc:
            self.dataset_panel.show_error(str(exc))
            self.banner.show_message(html.escape(f"Could not open {path.name}: {exc}"), "error")
            return False
        finally:
            QApplication.restoreOverrideCursor()
        self.data_dir = path.parent
        self.settings.set("dataDir", str(path.parent))
        self._applying = True
        try:
            if ds.name in datasets.available():
                self.dataset_panel.set_values(ds.name, {})
            else:
                self.dataset_panel.add_file_dataset(str(path), f"{path.name} (file)")
        finally:
            self._applying = False
        self.dataset, self.dataset_error = ds, None
        self._dataset_key = self._dataset_key_for(self.current_config())
        self.dataset_panel.show_dataset(ds)
        self.banner.clear()
        self._refresh("dataset")
        self.statusBar().showMessage(f"Dataset {ds.name} loaded from {path.parent}.", 5000)
        return True

    def load_model_dialog(self) -> None:
        path = self._ask_open("Load model", "nnviz models (*.h5 *.hdf5);;All files (*)")
        if path:
            self.load_model_file(path)

    def load_model_file(self, path) -> bool:
        """Load a saved model (and the settings saved with it); problems are shown in the banner."""
        if self._state != "idle":
            self.banner.show_message("Stop training before loading a model.", "warning")
            return False
        try:
            model, optimizer, extra = load_model(path, with_optimizer=True, with_extra=True)
        except (ModelFileError, OSError, ValueError) as exc:
            msg = f"Could not load the model: {exc}"
            self.banner.show_message(html.escape(msg), "error")
            self.statusBar().showMessage(msg, 8000)
            return False
        saved = extra.get("run_config") if isinstance(extra, dict) else None
        config = RunConfig.from_dict(saved) if isinstance(saved, dict) else self.current_config()
        config.layers = [layer_to_spec(layer) for layer in model.layers]
        for spec in config.layers:
            spec.pop("name", None)
        config.loss, config.init, config.l2, config.seed = model.loss.name, model.init, model.l2, model.seed
        config.dtype = model.dtype.name
        if optimizer is not None:
            config.optimizer, config.lr = optimizer.name, optimizer.lr
        self.apply_config(config)
        if self.dataset is not None and tuple(self.dataset.input_shape) != tuple(model.input_shape):
            self.banner.show_message(
                html.escape(f"{Path(path).name} expects inputs of shape {model.input_shape}, but the dataset "
                            f"{config.dataset} has {tuple(self.dataset.input_shape)}: pick a matching dataset."),
                "warning")
        self.model = model
        self.optimizer = optimizer or config.build_optimizer()
        self._model_config = self.current_config()
        self._redraw_views()
        self._update_controls()
        self.statusBar().showMessage(f"Model loaded from {path}: {model.history.epochs_done:,} epochs of history.",
                                     8000)
        return True

    def save_model_dialog(self) -> None:
        path = self._ask_save("Save model", "model.h5", "nnviz models (*.h5)")
        if path:
            self.save_model_file(path)

    def save_model_file(self, path) -> bool:
        if self.model is None:
            self.banner.show_message("There is no network to save: fix the settings first.", "warning")
            return False
        if self._state == "running":
            self.banner.show_message("Pause or stop training before saving the model.", "warning")
            return False
        try:
            save_model(self.model, path, optimizer=self.optimizer,
                       extra={"app": "nnviz", "run_config": self._config_to_save().to_dict(),
                              "class_names": list(getattr(self.dataset, "class_names", []) or [])})
        except (OSError, ValueError, TypeError) as exc:
            self.banner.show_message(html.escape(f"Could not save the model to {path}: {exc}"), "error")
            return False
        self.statusBar().showMessage(f"Model saved to {path}.", 5000)
        return True

    def _config_to_save(self) -> RunConfig:
        """The model's own settings, with the run settings (lr, epochs, batch size) as the panels show them."""
        current = self.current_config()
        config = self._model_config.copy() if self._model_config is not None else current
        for field in ("lr", "epochs", "batch_size", "count_label"):
            setattr(config, field, getattr(current, field))
        return config

    # ------------------------------------------------------------------ view, help
    def set_presentation(self, on: bool) -> None:
        """Large fonts and thick lines for a projector; the settings panel steps aside (F9 brings it back)."""
        style = style_for(on)
        font = QFont(QApplication.font())
        if style.app_pt:
            font.setPointSize(style.app_pt)
        self.setFont(font)
        for view in self.views:
            view.set_view_style(style)
        self.builder.table.resizeColumnsToContents()
        self.builder.table.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 10)
        self._update_settings_min_width()
        if on and not self._presenting:
            self._panel_before_presenting = self.settingsPanelAction.isChecked()
            self.settingsPanelAction.setChecked(False)
        elif not on and self._presenting:
            self.settingsPanelAction.setChecked(self._panel_before_presenting)
        self._presenting = bool(on)
        self.settings.set("presentation", bool(on))
        if self.presentationAction.isChecked() != on:
            self.presentationAction.setChecked(on)

    def show_shortcuts(self) -> None:
        rows = "".join(f"<tr><td>{html.escape(what)}</td><td><b>{key}</b>"
                       + (f" or <b>{alt}</b>" if alt else "") + "</td></tr>" for what, key, alt in SHORTCUTS)
        box = QMessageBox(QMessageBox.Information, "Keyboard shortcuts", f"<table cellpadding=4>{rows}</table>",
                          QMessageBox.Close, self)
        box.setObjectName("shortcutsDialog")
        box.setAttribute(Qt.WA_DeleteOnClose)
        box.open()

    def show_about(self) -> None:
        from nnviz import __version__
        box = QMessageBox(QMessageBox.Information, "About nnviz",
                          f"<h3>nnviz {__version__}</h3><p>A desktop lab for learning how neural networks work: "
                          "build a network, train it, and watch it learn. Every number is computed by a small "
                          "NumPy engine you can read.</p>", QMessageBox.Close, self)
        box.setIconPixmap(app_icon().pixmap(64, 64))
        box.setAttribute(Qt.WA_DeleteOnClose)
        box.open()

    # ------------------------------------------------------------------ showing and closing
    def showEvent(self, event) -> None:
        super().showEvent(event)
        if not self._shown_once:
            self._shown_once = True
            # the views now have their real size: redraw so the boundary picture fills its plot
            QTimer.singleShot(0, self._redraw_if_idle)

    def _update_settings_min_width(self) -> None:
        """The settings panel never gets narrower than its contents (no cut-off fields)."""
        panel = self.settingsPanel
        need = panel.widget().minimumSizeHint().width() + panel.verticalScrollBar().sizeHint().width() + 4
        panel.setMinimumWidth(max(380, need))

    def _redraw_if_idle(self) -> None:
        if self._state == "idle" and not self._closing:
            self._redraw_views(spare_busy=True)

    def closeEvent(self, event) -> None:
        self._closing = True
        if self.runner.active:
            self.runner.shutdown()
        for view in self.views:
            view.shutdown()
        self._shutdown_prediction()
        self._shutdown_run_files()
        self.settings.set("geometry", self.saveGeometry())
        self.settings.set("splitter", self.splitter.saveState())
        self.settings.set("preset", self.presetCombo.currentData() or "moons")
        self.settings.set("dataset", self.dataset_panel.dataset() or "")
        if self.data_dir is not None:
            self.settings.set("dataDir", str(self.data_dir))
        self.settings.sync()
        super().closeEvent(event)

