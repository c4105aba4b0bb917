"""The main window's run files and exports: File → Save run… / Open run…, Export plot…, Export boundary animation….

:class:`RunFilesMixin` is mixed into :class:`~nnviz.gui.main_window.MainWindow`.
A run file is an nnviz model file (HDF5, no pickle) whose ``extra`` holds
the panels' settings, the dataset's name and class names: opening it
restores the network, its history (so the curves), the panels, and adds
the run to the comparison view. The boundary animation is recorded as the
window's snapshots arrive (:class:`~nnviz.lab.animation.BoundaryRecorder`).
"""

from __future__ import annotations

import html
from pathlib import Path

from PySide6.QtWidgets import QDialog

from nnviz.engine import save_model

from nnviz.lab.animation import BoundaryRecorder, write_gif
from .plot_export import ExportDialog, export_plot_file, export_size
from nnviz.lab.runs import settings_from_config
from .views.boundary import BoundaryView

RUN_FILTER = "nnviz runs (*.h5 *.hdf5);;All files (*)"


class RunFilesMixin:
    """See the module docstring. Uses the window's model, optimizer, dataset, banner and status bar."""

    def _setup_run_files(self) -> None:
        self.boundary_recorder = BoundaryRecorder()
        self.comparison_view = next((v for v in self.views if v.objectName() == "comparisonView"), None)
        view = self.comparison_view
        if view is not None:
            view.data_dir = lambda: self.data_dir
            view.main_busy = lambda: self.runner.active
            view.seriesActiveChanged.connect(lambda _active: self._update_controls())
            self.trainingFinished.connect(lambda _result: view.record_main_run(self.model, self._model_config
                                                                              or self.current_config()))

    def _record_boundary(self, snap) -> None:
        self.boundary_recorder.add_snapshot(snap)

    def _reset_boundary_recording(self) -> None:
        unit = "iteration" if self._model_config is not None and self._model_config.count_label == "iterations" \
            else "epoch"
        boundary = self.findChild(BoundaryView, "boundaryPlot")
        self.boundary_recorder.reset(self.dataset, unit, grid=getattr(boundary, "grid", None))

    def series_block_reason(self) -> str | None:
        """Why the main Train button must wait for the comparison view, or None."""
        if self.comparison_view is not None and self.comparison_view.series_active:
            return "A run series is training in the Compare runs tab; stop it or let it finish first."
        return None

    def _shutdown_run_files(self) -> None:
        if self.comparison_view is not None:
            self.comparison_view.shutdown()

    # --- run files ----------------------------------------------------------------------------
    def save_run_dialog(self) -> None:
        path = self._ask_save("Save run", "run.h5", RUN_FILTER)
        if path:
            self.save_run_file(path)

    def save_run_file(self, path) -> bool:
        """Write the network, its optimizer state, history and settings to one file."""
        if self.model is None:
            self.banner.show_message("There is no run to save: fix the settings and train first.", "warning")
            return False
        if self._state == "running":
            self.banner.show_message("Pause or stop training before saving the run.", "warning")
            return False
        config = self._config_to_save()
        names = list(getattr(self.dataset, "class_names", []) or [])
        extra = {"app": "nnviz", "kind": "run", "run_config": config.to_dict(),
                 "settings": settings_from_config(config), "dataset": config.dataset, "class_names": names}
        try:
            save_model(self.model, path, optimizer=self.optimizer, extra=extra)
        except (OSError, ValueError, TypeError) as exc:
            self.banner.show_message(html.escape(f"Could not save the run to {path}: {exc}"), "error")
            return False
        self.statusBar().showMessage(f"Run saved to {path}: {self.model.history.epochs_done:,} epochs of "
                                     "history, weights and settings.", 8000)
        return True

    def open_run_dialog(self) -> None:
        path = self._ask_open("Open run", RUN_FILTER)
        if path:
            self.open_run_file(path)

    def open_run_file(self, path) -> bool:
        """Restore a saved run: panels, network, curves; it joins the runs in the comparison view."""
        if not self.load_model_file(path):
            return False
        self._reset_boundary_recording()
        if self.comparison_view is not None and self.model.history.epochs_done:
            config = self._model_config or self.current_config()
            settings = settings_from_config(config)
            settings["epochs"] = self.model.history.epochs_done
            record = self.comparison_view.log.record_model(self.model, settings, f"{Path(path).name}")
            record.status = self.model.history.status
            self.comparison_view.add_record(record)
        self.statusBar().showMessage(f"Run opened from {path}: {self.model.history.epochs_done:,} epochs of "
                                     "history.", 8000)
        return True

    # --- exports ---------------------------------------------------------------------------------
    def export_plot_dialog(self, view) -> None:
        item = view.export_item()
        if item is None:
            return
        default = str(Path(self.settings.get("lastFileDir") or ".") / f"{view.objectName()}.png")
        dialog = ExportDialog(view.title, export_size(item), default, self)
        if dialog.exec() != QDialog.Accepted:
            return
        path, width = dialog.values()
        if path:
            self.settings.set("lastFileDir", str(Path(path).parent))
            self.export_plot(view, path, width=width)

    def export_plot(self, view, path, width: int | None = None) -> bool:
        """Save ``view``'s plot as PNG or SVG (by the file's ending), ``width`` pixels wide (default: as shown)."""
        path = str(path) if Path(path).suffix else f"{path}.png"
        try:
            w, h = export_plot_file(view.export_item(), path, width=width)
        except Exception as exc:  # exporters raise many kinds; report them all
            self.banner.show_message(html.escape(f"Could not export {view.title} to {path}: {exc}"), "error")
            return False
        self.statusBar().showMessage(f"{view.title} exported to {path} ({w} × {h}).", 5000)
        return True

    def export_animation_dialog(self) -> None:
        path = self._ask_save("Export boundary animation", "boundary.gif", "GIF animation (*.gif)", suffixes=(".gif",))
        if path:
            self.export_boundary_animation(path)

    def export_boundary_animation(self, path) -> bool:
        """Write the decision boundary's evolution during training as a looping GIF."""
        try:
            n = write_gif(self.boundary_recorder, path)
        except (ValueError, OSError) as exc:
            self.banner.show_message(html.escape(f"Could not export the animation: {str(exc).rstrip('.')}."), "warning")
            return False
        self.statusBar().showMessage(f"Boundary animation saved to {path}: {n} frames.", 8000)
        return True
