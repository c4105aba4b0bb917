"""Input features for 2-D data (Playground's x1, x2, x1², x2², x1·x2, sin x1, sin x2), without Qt.

``RunConfig.features`` lists the chosen names (empty: the raw inputs, no
extra layer). The network then starts with the engine's parameter-free
:class:`~nnviz.engine.layers.features.InputFeatures` layer, so the dataset
stays (m, 2) and the boundary is drawn over the original plane, while the
builder's first row sees ``len(features)`` inputs. This module says what
the builder shows and checks the choice against the dataset.
"""

from __future__ import annotations

import numpy as np

from nnviz.engine.layers.features import (
    FEATURE_LABELS,
    FEATURES,
    InputFeatures,
    feature_columns,
)

#: the raw inputs: checking exactly these means "no feature layer"
RAW = ("x1", "x2")

__all__ = ["FEATURES", "FEATURE_LABELS", "RAW", "InputFeatures", "features_problem", "stack_input",
           "network_input", "split_features"]


def features_problem(features, input_shape) -> str | None:
    """A sentence if ``features`` cannot be used with samples of ``input_shape``, else None."""
    if not features:
        return None
    unknown = [n for n in features if n not in FEATURES]
    if unknown:
        return f"Unknown input feature {unknown[0]!r}; expected some of {', '.join(FEATURES)}."
    if input_shape is not None and tuple(input_shape) != (2,):
        return (f"Input features (x₁², sin x₁, …) apply to 2-D point data, but this dataset's samples have shape "
                f"{tuple(input_shape)}: untick them.")
    return None


def stack_input(features, dataset):
    """``(input_shape, (X, y) or None)`` for checking the builder's layers: what the first row receives."""
    if dataset is None:
        return ((len(features),) if features else (2,)), None
    if not features or features_problem(features, dataset.input_shape):
        return tuple(dataset.input_shape), (dataset.X_train, dataset.y_train)
    X = dataset.X_train
    return (len(features),), (feature_columns(np.asarray(X), features), dataset.y_train)


def network_input(features, dataset) -> tuple:
    """``(shape, description)`` for the builder's "Input:" line."""
    if dataset is None:
        return None, ""
    if not features or features_problem(features, dataset.input_shape):
        return tuple(dataset.input_shape), "set by the dataset"
    return (len(features),), "features " + ", ".join(FEATURE_LABELS[n] for n in features) + " of (x₁, x₂)"


def split_features(layers) -> tuple[list[str], list]:
    """A built network's layers as ``(features, the other layers)``: a leading InputFeatures becomes the names."""
    layers = list(layers)
    if layers and isinstance(layers[0], InputFeatures):
        return list(layers[0].names), layers[1:]
    return [], layers
