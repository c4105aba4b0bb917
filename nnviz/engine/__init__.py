"""nnviz's NumPy neural-network engine. Imports no Qt.

>>> from nnviz.engine import Sequential, Dense, Adam
>>> model = Sequential([Dense(8, activation="relu"), Dense(1, activation="sigmoid")],
...                    input_shape=(2,), loss="binary_crossentropy")
"""

from .gradcheck import GradientCheckResult, gradient_check
from .history import History
from .io import load_model, save_model
from .layers import (
                     BatchNorm,
                     Conv2D,
                     Dense,
                     Dropout,
                     Flatten,
                     InputFeatures,
                     Layer,
                     MaxPool2D,
                     layer_from_config,
)
from .model import Sequential, infer_shapes
from .optimizers import SGD, Adagrad, Adam, Momentum, Optimizer, RMSProp, get_optimizer
from .process import tune_process
from .schedules import SCHEDULES, Schedule, get_schedule
from .training import TrainingDiverged, fit

__all__ = [
    "Sequential", "infer_shapes", "Layer", "Dense", "Conv2D", "MaxPool2D", "Flatten", "Dropout",
    "BatchNorm", "InputFeatures", "layer_from_config", "SGD", "Momentum", "RMSProp", "Adagrad", "Adam",
    "Optimizer", "get_optimizer", "gradient_check", "GradientCheckResult", "History",
    "load_model", "save_model", "fit", "TrainingDiverged", "tune_process", "Schedule", "SCHEDULES",
    "get_schedule",
]
