"""Exports of a saved model file (what ``nnviz export`` does): read the file, find its data, write.

A model file stores the run settings the app saved (``run_config``), or the
preset ``nnviz train --save`` trained, and the name of its dataset; those
give train.py its defaults and data.npz its contents.
"""

from __future__ import annotations

from pathlib import Path

from nnviz.engine import load_model

from .. import datasets
from .layers import ExportError
from .numpy_script import export_numpy
from .pytorch import export_pytorch
from .settings import settings_from_model_file
from .standardization import from_extra


def _class_names(extra: dict, units: int) -> list[str] | None:
    names = extra.get("class_names")
    if isinstance(names, list) and len(names) == max(2, units) and all(isinstance(n, (str, int)) for n in names):
        return [str(n) for n in names]
    return None


def _title(path: Path, extra: dict) -> str:
    for key in ("preset", "dataset"):
        if isinstance(extra.get(key), str) and extra[key]:
            return f"{extra[key]} network ({path.name})"
    run = extra.get("run_config")
    if isinstance(run, dict) and isinstance(run.get("name"), str) and run["name"]:
        return f"{run['name']} network ({path.name})"
    return f"network of {path.name}"


def export_model_file_pytorch(model_path, out_dir, dataset: str | None = None, data_dir=None,
                              with_data: bool = True) -> list[Path]:
    """``nnviz export pytorch``: the PyTorch folder for a saved model, with the data it was trained on.

    ``dataset`` overrides the dataset the file names; ``with_data=False`` writes no data.npz.
    Raises ModelFileError, DatasetError, ExportError (ValueError) or SaveError (OSError), each a sentence.
    """
    path = Path(model_path)
    model, optimizer, extra = load_model(path, with_optimizer=True, with_extra=True)
    settings = settings_from_model_file(extra, optimizer, source=path.name)
    standardization = from_extra(extra, str(path))   # a table's: model.py's predict takes raw rows
    ds = None
    if with_data:
        name = dataset or settings.dataset
        if not name:
            raise ExportError(f"{path}: the file does not say which dataset the network was trained on; give "
                              "--dataset NAME (and --data-dir DIR), or --no-data to export without the data.")
        if dataset and dataset != settings.dataset:
            settings.dataset, settings.dataset_options = dataset, datasets.defaults(dataset)
        ds = datasets.load(name, settings.dataset_options, data_dir)
    names = _class_names(extra, model.output_units)
    return export_pytorch(model, out_dir, settings=settings, dataset=ds, class_names=names,
                          title=_title(path, extra), standardization=standardization)


def export_model_file_numpy(model_path, out_path) -> list[Path]:
    """``nnviz export numpy``: the standalone NumPy script (and its .npz) for a saved model; for a network
    trained on a table (``extra["standardization"]``) the script's predict takes raw rows."""
    path = Path(model_path)
    model, _, extra = load_model(path, with_extra=True)
    return export_numpy(model, out_path, class_names=_class_names(extra, model.output_units),
                        title=_title(path, extra), standardization=from_extra(extra, str(path)))
