"""File dialogs and file commands of the main window: datasets, models, runs, plot and animation exports.

:class:`FileCommands` asks for paths (remembering the last folder), calls
the lab (which reads and writes; see :class:`nnviz.lab.Lab`) and reports
the outcome in the window's banner and status bar. It is the app's one
error boundary for files: every failure becomes one sentence in the
banner, and the state of the window is left as it was.
"""

from __future__ import annotations

import html
import re
from pathlib import Path

from PySide6.QtCore import QStandardPaths
from PySide6.QtWidgets import QDialog, QFileDialog

from nnviz.data import DatasetError
from nnviz.engine.atomic import check_save_target
from nnviz.engine.io import ModelFileError
from nnviz.lab import datasets
from nnviz.lab.animation import write_gif
from nnviz.lab.export import (
    export_layers,
    export_numpy,
    export_pytorch,
    settings_from_config,
)
from nnviz.lab.export.files import check_folder
from nnviz.lab.export.standardization import from_dataset

from .plot_export import ExportDialog, export_plot_file, export_size
from .tasks import run_and_wait

RUN_FILTER = "nnviz runs (*.h5 *.hdf5);;All files (*)"
MODEL_FILTER = "nnviz models (*.h5 *.hdf5);;All files (*)"
DATASET_FILTER = ("Datasets (*.h5 *.hdf5 *.gz *.mat *.npz *-ubyte *.csv *.tsv *.tab *.txt);;"
                  "Tables (*.csv *.tsv *.tab *.txt);;All files (*)")
#: short names of the views in proposed file names ("moons-boundary-epoch-10000.png")
VIEW_NAMES = {"boundaryPlot": "boundary", "costPlot": "cost", "predictionView": "prediction",
              "comparisonView": "comparison", "featureMapView": "feature-maps", "gradCheckView": "gradient-check",
              "evaluationView": "test-results"}
#: what opening, loading or saving a file may raise; anything else is a bug and propagates
FILE_ERRORS = (ModelFileError, DatasetError, OSError, ValueError, TypeError, RuntimeError, MemoryError)


class FileCommands:
    """See the module docstring. ``FileCommands(window)``; the window has ``lab``, ``settings``, ``banner``."""

    def __init__(self, window):
        self.window = window
        self.lab = window.lab

    # --- dialogs --------------------------------------------------------------------------
    def default_folder(self, pictures: bool = False) -> Path:
        """Where a save dialog opens: the last folder used, else the user's Pictures (for images) or
        Documents folder, else the home folder; never the folder the app happened to be started from."""
        last = self.window.settings.get("lastFileDir")
        if last:
            return Path(last)
        kinds = (QStandardPaths.PicturesLocation,) if pictures else ()
        for kind in (*kinds, QStandardPaths.DocumentsLocation):
            folder = QStandardPaths.writableLocation(kind)
            if folder and Path(folder).is_dir():
                return Path(folder)
        return Path.home()

    def file_stem(self, kind: str) -> str:
        """A readable name for what is saved now: dataset, ``kind`` and how far the network was trained,
        e.g. ``moons-boundary-epoch-10000``."""
        lab = self.lab
        dataset = getattr(lab.config, "dataset", "") or "nnviz"
        parts = [dataset, kind]
        model = lab.model
        done = model.history.epochs_done if model is not None else 0
        if done:
            parts.append(f"epoch-{done}")
        return re.sub(r"[^A-Za-z0-9._-]+", "-", "-".join(parts)).strip("-")

    def ask_open(self, title: str, filters: str) -> str | None:
        settings = self.window.settings
        path, _ = QFileDialog.getOpenFileName(self.window, title, settings.get("lastFileDir"), filters)
        if path:
            settings.set("lastFileDir", str(Path(path).parent))
        return path or None

    def ask_save(self, title: str, file_name: str, filters: str, suffixes=(".h5", ".hdf5")) -> str | None:
        """A path to save to, proposed in the last folder used, ending in one of ``suffixes``; None if cancelled."""
        settings = self.window.settings
        default = str(self.default_folder(pictures=file_name.lower().endswith((".png", ".svg", ".gif")))
                      / file_name)
        path, _ = QFileDialog.getSaveFileName(self.window, title, default, filters)
        if not path:
            return None
        settings.set("lastFileDir", str(Path(path).parent))
        return path if path.lower().endswith(suffixes) else path + suffixes[0]

    def _read(self, job):
        """Read a file off the GUI thread; the window keeps painting (see :func:`~nnviz.gui.tasks.run_and_wait`)."""
        return run_and_wait(self.window, job, "file")

    def _fail(self, text: str, level: str = "error") -> bool:
        self.window.banner.show_message(html.escape(text), level)
        self.window.statusBar().showMessage(text, 8000)
        return False

    def _status(self, text: str, ms: int = 5000) -> bool:
        self.window.statusBar().showMessage(text, ms)
        return True

    # --- datasets --------------------------------------------------------------------------
    def open_dataset_dialog(self) -> None:
        path = self.ask_open("Open dataset file", DATASET_FILTER)
        if path:
            self.open_dataset_file(path)

    def open_image_folder_dialog(self) -> None:
        settings = self.window.settings
        path = QFileDialog.getExistingDirectory(self.window, "Open image folder (one sub-folder per class)",
                                                settings.get("lastFileDir") or str(self.default_folder(True)))
        if path:
            settings.set("lastFileDir", str(Path(path).parent))
            self.open_dataset_file(path)

    def open_dataset_file(self, path) -> bool:
        """Use the dataset a chosen file belongs to; its folder becomes the data folder. A table
        (.csv, .tsv) or a folder of images is read in the background (progress and errors in the
        dataset panel)."""
        path = Path(path)
        try:
            self.lab.open_dataset_file(path, read=self._read)
        except FILE_ERRORS as exc:
            self.window.dataset_panel.show_error(str(exc))
            return self._fail(f"Could not open {path.name}: {exc}")
        if self.lab.config.dataset not in datasets.CHOSEN:
            self.window.settings.set("dataDir", str(path.parent))
        return True

    # --- models and runs -----------------------------------------------------------------------
    def load_model_dialog(self) -> None:
        path = self.ask_open("Load model", MODEL_FILTER)
        if path:
            self.load_model_file(path)

    def load_model_file(self, path) -> bool:
        """Load a saved model and the settings saved with it."""
        try:
            self.lab.load_model(path, read=self._read)
        except FILE_ERRORS as exc:
            return self._fail(f"Could not load the model: {exc}")
        history = self.lab.model.history
        return self._status(f"Model loaded from {path}: {history.epochs_done:,} epochs of history.", 8000)

    def save_model_dialog(self) -> None:
        path = self.ask_save("Save model", f"{self.file_stem('model')}.h5", "nnviz models (*.h5)")
        if path:
            self.save_model_file(path)

    def save_model_file(self, path) -> bool:
        try:
            self.lab.save_model(path)
        except FILE_ERRORS as exc:
            return self._fail(f"Could not save the model to {path}: {exc}", _level(exc))
        return self._status(f"Model saved to {path}.")

    def save_run_dialog(self) -> None:
        path = self.ask_save("Save run", f"{self.file_stem('run')}.h5", RUN_FILTER)
        if path:
            self.save_run_file(path)

    def save_run_file(self, path) -> bool:
        """Write the network, its optimizer state, history and settings to one file."""
        try:
            self.lab.save_model(path, kind="run")
        except FILE_ERRORS as exc:
            return self._fail(f"Could not save the run to {path}: {exc}", _level(exc))
        done = self.lab.model.history.epochs_done
        return self._status(f"Run saved to {path}: {done:,} epochs of history, weights and settings.", 8000)

    def open_run_dialog(self) -> None:
        path = self.ask_open("Open run", RUN_FILTER)
        if path:
            self.open_run_file(path)

    def open_run_file(self, path) -> bool:
        """Restore a saved run: panels, network, curves; it joins the runs in the comparison view.
        A classroom file also hides its controls and shows its note (see :mod:`nnviz.gui.classroom`)."""
        classroom = getattr(self.window, "classroom", None)
        try:
            room = self.lab.open_classroom(path, read=self._read,
                                           tabs=classroom.tab_names() if classroom is not None else None)
        except FILE_ERRORS as exc:
            return self._fail(f"Could not open the run: {exc}")
        if room is not None and classroom is not None:
            return classroom.enter(room, path)
        done = self.lab.model.history.epochs_done
        return self._status(f"Run opened from {path}: {done:,} epochs of history.", 8000)

    # --- exports ---------------------------------------------------------------------------------
    def export_plot_dialog(self, view) -> None:
        item = view.export_item()
        if item is None:
            return
        settings = self.window.settings
        kind = VIEW_NAMES.get(view.objectName()) or re.sub(r"(?<!^)(?=[A-Z])", "-", view.objectName()).lower()
        default = str(self.default_folder(pictures=True) / f"{self.file_stem(kind)}.png")
        dialog = ExportDialog(view.title, export_size(item), default, self.window)
        if dialog.exec() != QDialog.Accepted:
            return
        path, width = dialog.values()
        if path:
            settings.set("lastFileDir", str(Path(path).parent))
            self.export_plot(view, path, width=width)

    def export_plot(self, view, path, width: int | None = None) -> bool:
        """Save ``view``'s plot as PNG or SVG (by the file's ending), ``width`` pixels wide (default: as shown)."""
        path = str(path) if Path(path).suffix else f"{path}.png"
        try:
            w, h = export_plot_file(view.export_item(), path, width=width)
        except Exception as exc:  # noqa: BLE001  exporters raise many kinds; report them all
            self.window.banner.show_message(html.escape(f"Could not export {view.title} to {path}: {exc}"), "error")
            return False
        return self._status(f"{view.title} exported to {path} ({w} × {h}).")

    def export_animation_dialog(self) -> None:
        path = self.ask_save("Export boundary animation", f"{self.file_stem('boundary')}.gif", "GIF animation (*.gif)",
                             suffixes=(".gif",))
        if path:
            self.export_boundary_animation(path)

    def export_boundary_animation(self, path) -> bool:
        """Write the decision boundary's evolution during training as a looping GIF."""
        try:
            n = write_gif(self.lab.recorder, path)
        except (ValueError, OSError) as exc:
            return self._fail(f"Could not export the animation: {str(exc).rstrip('.')}.", "warning")
        return self._status(f"Boundary animation saved to {path}: {n} frames.", 8000)


    # --- a way out: PyTorch and NumPy -----------------------------------------------------------
    def _network_to_export(self):
        """(a copy of the network, its run settings, its dataset or None); RuntimeError saying why not."""
        lab = self.lab
        if lab.model is None:
            raise RuntimeError("There is no network to export: fix the settings (or load a model) first.")
        if lab.state == "running":
            raise RuntimeError("Pause or stop training before exporting the network.")
        model = lab.model.copy(with_history=False)
        dataset = lab.dataset
        if dataset is not None and tuple(dataset.input_shape) != tuple(model.input_shape):
            dataset = None  # the network was loaded for other data: export it without data.npz
        return model, settings_from_config(lab.config_to_save()), dataset

    def _export_title(self) -> str:
        return f"{self.lab.preset_name or getattr(self.lab.config, 'dataset', '') or 'nnviz'} network"

    def export_pytorch_dialog(self) -> None:
        path = self.ask_save("Export as PyTorch: the folder to create", self.file_stem("pytorch"),
                             "Folders (*)", suffixes=("",))
        if path:
            self.export_pytorch_folder(path)

    def export_pytorch_folder(self, path) -> bool:
        """Write the current network as a PyTorch folder (model.py, weights, train.py, data.npz, README)."""
        try:
            model, settings, dataset = self._network_to_export()
            title = self._export_title()
            check_folder(path)                 # the quick checks here, so a refusal is not a failed task
            export_layers(model)
            self._read(lambda: export_pytorch(model, path, settings=settings, dataset=dataset, title=title))
        except FILE_ERRORS as exc:
            return self._fail(f"Could not export the network to {path}: {str(exc).rstrip('.')}.", _level(exc))
        data = "model.py, weights, train.py and the data" if dataset is not None else \
            "model.py, weights and train.py (no data: the dataset does not fit the network)"
        return self._status(f"PyTorch export written to {path}: {data}.", 8000)

    def export_numpy_dialog(self) -> None:
        path = self.ask_save("Export as NumPy script", f"{self.file_stem('network').replace('-', '_')}.py",
                             "Python scripts (*.py)", suffixes=(".py",))
        if path:
            self.export_numpy_script(path)

    def export_numpy_script(self, path) -> bool:
        """Write the current network as one NumPy script, its weights in a .npz of the same name beside it."""
        try:
            model, _, dataset = self._network_to_export()
            names = list(getattr(dataset, "class_names", []) or []) or None
            title = self._export_title()
            check_save_target(path if str(path).endswith(".py") else f"{path}.py")
            export_layers(model)
            standardization = from_dataset(dataset)   # a table: the script's predict takes raw rows
            files = self._read(lambda: export_numpy(model, path, class_names=names, title=title,
                                                    standardization=standardization))
        except FILE_ERRORS as exc:
            return self._fail(f"Could not export the network to {path}: {str(exc).rstrip('.')}.", _level(exc))
        return self._status(f"NumPy script written to {files[0]}, its weights to {files[1].name} beside it.", 8000)


def _level(exc: BaseException) -> str:
    """Refusals of the moment (nothing to save, training on) are warnings; real failures are errors."""
    return "warning" if isinstance(exc, RuntimeError) and not isinstance(exc, OSError) else "error"
