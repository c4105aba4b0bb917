"""The settings column: preset, data, network and training boxes in one scroll area (objectName ``settingsScroll``)."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QGroupBox,
    QLabel,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from nnviz.lab.presets import list_presets, load_preset

from .builder import BuilderPanel
from .dataset_panel import DatasetPanel
from .training_panel import TrainingPanel


class SettingsPanel(QScrollArea):
    """``presetCombo`` and ``presetDescription`` above the dataset, builder and training panels."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setObjectName("settingsScroll")
        self.presetCombo = QComboBox(objectName="presetCombo")
        self.titles: dict[str, str] = {}
        for name in list_presets():
            try:
                self.titles[name] = load_preset(name).title or name
            except ValueError:
                continue
            self.presetCombo.addItem(self.titles[name], name)
            self.presetCombo.setItemData(self.presetCombo.count() - 1, f"preset {name!r}", Qt.ToolTipRole)
        self.presetCombo.setToolTip("Fill every panel from a ready-made experiment")
        self.presetCombo.setSizeAdjustPolicy(QComboBox.AdjustToMinimumContentsLengthWithIcon)
        self.presetCombo.setMinimumContentsLength(20)
        self.presetDescription = QLabel(objectName="presetDescription")
        self.presetDescription.setWordWrap(True)
        self.presetDescription.setStyleSheet("color: #555;")
        self.builder, self.dataset_panel, self.training_panel = BuilderPanel(), DatasetPanel(), TrainingPanel()

        content = QWidget(objectName="settingsPanel")
        layout = QVBoxLayout(content)
        layout.setContentsMargins(6, 6, 6, 6)
        for title, widgets, stretch in (("Preset", (self.presetCombo, self.presetDescription), 0),
                                        ("Data", (self.dataset_panel,), 0), ("Network", (self.builder,), 1),
                                        ("Training", (self.training_panel,), 0)):
            box = QGroupBox(title)
            box_layout = QVBoxLayout(box)
            for widget in widgets:
                box_layout.addWidget(widget)
            layout.addWidget(box, stretch)
        self.setWidget(content)
        self.setWidgetResizable(True)

    def show_preset(self, name: str, modified: bool, description: str) -> None:
        """Select ``name`` (no signal), its title marked "(modified)" when the settings differ from it."""
        combo = self.presetCombo
        blocked = combo.blockSignals(True)
        try:
            for i in range(combo.count()):
                title = self.titles.get(combo.itemData(i), combo.itemData(i))
                combo.setItemText(i, f"{title} (modified)" if modified and combo.itemData(i) == name else title)
            combo.setCurrentIndex(combo.findData(name))
        finally:
            combo.blockSignals(blocked)
        self.presetDescription.setText(description)

    def preferred_width(self, window_width: int) -> int:
        """What the contents ask for, at most 42 % of the window (at least 380 px)."""
        content = self.widget()
        need = max(content.sizeHint().width(), content.minimumSizeHint().width()) \
            + self.verticalScrollBar().sizeHint().width() + 8
        return int(max(380, min(need, 0.42 * window_width)))

    def fit_contents(self) -> None:
        """Never narrower than the contents (no cut-off fields)."""
        need = self.widget().minimumSizeHint().width() + self.verticalScrollBar().sizeHint().width() + 4
        self.setMinimumWidth(max(380, need))
