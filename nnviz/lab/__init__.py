"""The experiment as the app sees it, in plain Python (no Qt, no pyqtgraph).

``nnviz.lab`` sits between the engine and the widgets: one configuration
type (:class:`RunConfig`, also what a preset is), presets and exploration
series, the layer-stack validation, the training session with its controls,
the probes that compute what the views draw (boundary grids, feature maps,
evaluation, gradient check, prediction, GIF frames), the runs of a session
and the :class:`Lab` object that owns them all and tells listeners what
changed. The GUI (:mod:`nnviz.gui`) only wires widgets to it; the CLI and
tests use it directly.
"""

from .config import RunConfig
from .features import network_input
from .lab import Lab, ViewContext

__all__ = ["Lab", "RunConfig", "ViewContext", "network_input"]
