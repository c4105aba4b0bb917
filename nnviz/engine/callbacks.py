"""Ready-made training callbacks (see the protocol in :mod:`nnviz.engine.training`)."""

from __future__ import annotations

import numpy as np


class GradientNorms:
    """Records ‖∂J/∂W‖ of every layer with weights, once per epoch (from its last batch).

    ``norms`` maps a layer name to a list with one float per epoch; with a
    deep sigmoid network the first layers' norms are orders of magnitude
    below the last one's: vanishing gradients, measured.
    """

    def __init__(self):
        self.norms: dict[str, list[float]] = {}

    def on_epoch_end(self, model, info):
        for layer in model.layers:
            if "W" in layer.grads:
                self.norms.setdefault(layer.name, []).append(float(np.linalg.norm(layer.grads["W"])))
