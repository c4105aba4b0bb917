"""A way out of nnviz: the network as a PyTorch project or as one NumPy script (no Qt here).

``export_pytorch(model, out_dir, settings, dataset)`` writes a folder with
``model.py`` (an ``nn.Sequential``), the weights in ``.npz`` files,
``train.py`` (CPU/GPU, DistributedDataParallel under ``torchrun``), the data
and a README (:mod:`.pytorch`). ``export_numpy(model, "net.py")`` writes a
standalone script and ``net.npz`` (:mod:`.numpy_script`). Each layer type's
code comes from one function in :data:`.layers.EXPORTERS`.
"""

from .layers import EXPORTERS, ExportError, export_layers
from .numpy_script import export_numpy
from .pytorch import export_pytorch
from .settings import TrainingSettings, settings_from_config, settings_from_model_file
from .standardization import Standardization

__all__ = [
           "EXPORTERS",
           "ExportError",
           "Standardization",
           "TrainingSettings",
           "export_layers",
           "export_numpy",
           "export_pytorch",
           "settings_from_config",
           "settings_from_model_file",
]
