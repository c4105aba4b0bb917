"""Extras of the dataset panel: the input-feature checkboxes and the per-class point counts.

``FeatureChecks`` shows Playground's x₁, x₂, x₁², x₂², x₁·x₂, sin x₁, sin x₂
(objectNames ``featureCheck_<name>``, e.g. ``featureCheck_x1^2``); its
:meth:`features` is the ``RunConfig.features`` list, empty when exactly x₁
and x₂ are ticked (the raw inputs: no feature layer). ``FeaturesButton``
(``featuresButton``, beside the dataset list) opens them in a drop-down that
stays open while you tick, so the settings column stays short; the builder's
"Input:" line says which features the network receives.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QGridLayout,
    QLabel,
    QMenu,
    QToolButton,
    QWidget,
    QWidgetAction,
)

from nnviz.lab.features import FEATURE_LABELS, FEATURES, RAW
from nnviz.lab.palette import class_color

FEATURE_TIPS = {"x1": "the first coordinate", "x2": "the second coordinate",
                "x1^2": "x₁ squared: lets a single unit draw circles and ellipses",
                "x2^2": "x₂ squared: lets a single unit draw circles and ellipses",
                "x1*x2": "x₁ times x₂: positive in two opposite quadrants (XOR)",
                "sin(x1)": "sine of x₁: waves along x₁", "sin(x2)": "sine of x₂: waves along x₂"}


class FeatureChecks(QWidget):
    """Seven checkboxes; ``changed`` when the user ticks one."""

    changed = Signal()

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setObjectName("featureChecks")
        self.checks: dict[str, QCheckBox] = {}
        grid = QGridLayout(self)
        grid.setContentsMargins(8, 6, 8, 6)
        grid.setHorizontalSpacing(10)
        grid.setVerticalSpacing(4)
        self.label = QLabel("What the network's first layer receives, computed from each point (x₁, x₂):")
        grid.addWidget(self.label, 0, 0, 1, 4)
        for i, name in enumerate(FEATURES):
            box = QCheckBox(FEATURE_LABELS[name], objectName=f"featureCheck_{name}")
            box.setToolTip(f"Feed the network {FEATURE_TIPS[name]}")
            box.setChecked(name in RAW)
            box.toggled.connect(self._on_toggled)
            self.checks[name] = box
            grid.addWidget(box, 1 + i // 4, i % 4)
        self._updating = False

    def features(self) -> list[str]:
        ticked = [n for n in FEATURES if self.checks[n].isChecked()]
        return [] if tuple(ticked) == RAW else ticked

    def set_features(self, features) -> None:
        chosen = set(features or RAW)
        self._updating = True
        try:
            for name, box in self.checks.items():
                box.setChecked(name in chosen)
        finally:
            self._updating = False

    def _on_toggled(self) -> None:
        if not self._updating:
            self.changed.emit()


class FeaturesButton(QToolButton):
    """"Inputs: x₁, x₂ ▾" beside the dataset list: a drop-down holding a :class:`FeatureChecks`."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setObjectName("featuresButton")
        self.setPopupMode(QToolButton.InstantPopup)
        self.setToolButtonStyle(Qt.ToolButtonTextOnly)
        self.checks = FeatureChecks()
        menu = QMenu(self)
        action = QWidgetAction(menu)
        action.setDefaultWidget(self.checks)
        menu.addAction(action)
        self.setMenu(menu)
        for box in self.checks.checks.values():        # ticked by hand or filled from a configuration
            box.toggled.connect(self.update_text)
        self.update_text()

    def update_text(self) -> None:
        ticked = [n for n in FEATURES if self.checks.checks[n].isChecked()]
        self.setText("Inputs: " + (", ".join(FEATURE_LABELS[n] for n in ticked) if len(ticked) <= 2
                                   else f"{len(ticked)} features"))
        self.setToolTip("Input features of 2-D data, as in TensorFlow Playground: "
                        + (", ".join(FEATURE_LABELS[n] for n in ticked) or "none") + " (click to choose)")


def class_counts_html(ds) -> str:
    """"■ class 1: 12 · ■ class 2: 9" in class colours (training + test points), or "" for image data."""
    if ds is None or tuple(ds.input_shape) != (2,) or not ds.class_names:
        return ""
    y = np.concatenate([ds.y_train, ds.y_test])
    counts = np.bincount(y, minlength=len(ds.class_names)) if len(y) else np.zeros(len(ds.class_names), int)
    parts = [f"<span style='color:{class_color(k)}'>■</span>&nbsp;{_html(name)}:&nbsp;<b>{int(c):,}</b>"
             for k, (name, c) in enumerate(zip(ds.class_names, counts))]
    return "Points per class: " + " · ".join(parts)


def _html(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
