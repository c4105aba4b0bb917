"""The settings column: preset, data, network and training boxes in one scroll area (objectName ``settingsScroll``).

The column is never wider than :data:`MAX_MIN_WIDTH` at its narrowest, so the
window fits a 1280×720 screen with the column shown, even with presentation
fonts: what does not fit scrolls (vertically, and sideways if it must).
"""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer
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

#: the most the column insists on (px); wider contents scroll sideways rather than push the views off screen
MAX_MIN_WIDTH = 490


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
        layout.setContentsMargins(4, 4, 4, 4)
        layout.setSpacing(4)
        for title, widgets, stretch in (("Preset", (self.presetCombo, self.presetDescription), 0),
                                        ("Data", (self.dataset_panel,), 0), ("Network", (self.builder,), 1),
                                        ("Training", (self.training_panel,), 0)):
            box = QGroupBox(title)
            box_layout = QVBoxLayout(box)
            box_layout.setContentsMargins(6, 4, 6, 6)       # compact: 1366×768 needs little scrolling
            box_layout.setSpacing(4)
            for widget in widgets:
                box_layout.addWidget(widget)
            layout.addWidget(box, stretch)
        self.setWidget(content)
        self.setWidgetResizable(True)
        # a Conv2D or Dropout row widens the table's columns: make room for Output and Params again
        self._fit_timer = QTimer(self, singleShot=True, interval=0)
        self._fit_timer.timeout.connect(self.fit_contents)
        self.builder.table.horizontalHeader().sectionResized.connect(lambda *_: self._fit_timer.start())

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
        """What the contents ask for, at most 42 % of the window (at least its minimum width)."""
        content = self.widget()
        need = max(content.sizeHint().width(), content.minimumSizeHint().width()) \
            + self.verticalScrollBar().sizeHint().width() + 8
        return int(max(self.minimumWidth(), min(need, 0.42 * window_width)))

    def content_width(self) -> int:
        """The width at which no field is cut and the layer table shows Output and Params (the contents'
        minimum and a vertical scroll bar)."""
        content = self.widget()
        # the table's share of the column: group box and panel margins around it
        table_margin = content.width() - self.builder.table.width() if content.width() > self.builder.table.width() \
            else 30
        need = max(content.minimumSizeHint().width(), self.builder.essential_width() + max(20, table_margin))
        return need + self.verticalScrollBar().sizeHint().width() + 4

    def fit_contents(self) -> None:
        """As wide as the contents need (no cut-off fields), up to MAX_MIN_WIDTH; past that the column
        scrolls sideways instead of making the window wider than a small screen."""
        self.setMinimumWidth(max(min(380, MAX_MIN_WIDTH), min(self.content_width(), MAX_MIN_WIDTH)))

    def set_view_style(self, style) -> None:
        """Presentation fonts: one field a row, two layer buttons a row, so the column stays narrow."""
        large = bool(style.app_pt)
        self.dataset_panel.set_pairs_per_row(1 if large else 2)
        self.training_panel.set_pairs_per_row(1 if large else 2)
        self.builder.set_buttons_per_row(2 if large else 4)
        self.presetDescription.setFont(self.font())       # labels with a style sheet keep their font otherwise
