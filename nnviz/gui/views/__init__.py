"""Live views, one module each. ``VIEW_CLASSES`` lists them in display order.

A new view (feature maps, gradient check, prediction, run comparison)
subclasses :class:`LiveView`, says where it goes (``placement``: "main"
views share the first tab side by side, others get their own tab) and is
added to ``VIEW_CLASSES``; the main window does the rest.
"""

from .base import LiveView, ViewContext
from .boundary import BoundaryView
from .comparison import ComparisonView
from .cost import CostView
from .evaluation import EvaluationView
from .feature_maps import FeatureMapView
from .gradcheck import GradCheckView
from .hidden_space import HiddenSpaceView
from .landscape import LandscapeView
from .layer_stats import LayerStatsView
from .lr_finder import LRFinderView
from .network import NetworkView
from .prediction import PredictionView
from .samples import SamplesView
from .step import StepView

VIEW_CLASSES = [BoundaryView, SamplesView, CostView, NetworkView, HiddenSpaceView, PredictionView, ComparisonView,
                FeatureMapView, StepView, GradCheckView, LandscapeView, EvaluationView, LayerStatsView]

__all__ = ["LiveView", "ViewContext", "BoundaryView", "CostView", "PredictionView", "SamplesView", "ComparisonView",
           "FeatureMapView", "GradCheckView", "EvaluationView", "LayerStatsView", "StepView", "LandscapeView",
           "LRFinderView", "NetworkView", "HiddenSpaceView", "VIEW_CLASSES"]
