"""nnviz layers. ``LAYER_TYPES`` maps class names to classes for loading configs."""

from .base import ActivatedLayer, Layer
from .batchnorm import BatchNorm
from .conv import Conv2D
from .dense import Dense
from .dropout import Dropout
from .features import FEATURE_LABELS, FEATURES, InputFeatures
from .flatten import Flatten
from .pool import MaxPool2D

LAYER_TYPES = {cls.__name__: cls for cls in (Dense, Conv2D, MaxPool2D, Dropout, BatchNorm, Flatten, InputFeatures)}


def layer_from_config(class_name: str, config: dict) -> Layer:
    """Rebuild a layer from ``get_config()`` output (names are looked up, never evaluated)."""
    if class_name not in LAYER_TYPES:
        raise ValueError(f"unknown layer type {class_name!r}; expected one of {', '.join(LAYER_TYPES)}.")
    return LAYER_TYPES[class_name](**config)


__all__ = ["Layer", "ActivatedLayer", "Dense", "Conv2D", "MaxPool2D", "Dropout", "BatchNorm", "Flatten",
           "InputFeatures", "FEATURES", "FEATURE_LABELS",
           "LAYER_TYPES", "layer_from_config"]
