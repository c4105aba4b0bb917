"""An inline message strip above the views (no modal dialogs): errors, warnings, questions."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFont, QTextDocumentFragment
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton

from .style import ERROR_BG, ERROR_FG, INFO_BG, NORMAL, WARNING_BG, ViewStyle

COLORS = {"error": (ERROR_BG, ERROR_FG), "warning": (WARNING_BG, "#5c4400"), "info": (INFO_BG, "#0b3a66")}


class MessageBanner(QFrame):
    """``show_message(text, level, action, callback)``; the action button calls ``callback``."""

    actionTriggered = Signal()

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setObjectName("messageBanner")
        self.level = "info"
        self._callback = None
        self.tag: str | None = None
        self._plain = ""
        self.label = QLabel(objectName="messageBannerText")
        self.label.setWordWrap(True)
        self.label.setTextInteractionFlags(Qt.TextSelectableByMouse)
        self.actionButton = QPushButton(objectName="messageBannerAction")
        self.closeButton = QPushButton("Dismiss", objectName="messageBannerClose")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(10, 6, 6, 6)
        layout.addWidget(self.label, 1)
        layout.addWidget(self.actionButton)
        layout.addWidget(self.closeButton)
        self.actionButton.clicked.connect(self._on_action)
        self.closeButton.clicked.connect(self.clear)
        self.view_style = NORMAL
        self.hide()

    def set_view_style(self, style: ViewStyle) -> None:
        """The banner's text follows the window's size (large in presentation mode); set explicitly, as a
        style sheet would otherwise keep the label at the size it had when the sheet was set."""
        self.view_style = style
        font = QFont(self.font())
        font.setPointSize(style.app_pt or QFont().pointSize())
        for widget in (self.label, self.actionButton, self.closeButton):
            widget.setFont(font)

    def show_message(self, text: str, level: str = "info", action: str | None = None, callback=None,
                     tag: str | None = None) -> None:
        """Show ``text``; ``tag`` names the message kind so that its sender can take it back later."""
        bg, fg = COLORS.get(level, COLORS["info"])
        self.level = level
        self.setStyleSheet(f"QFrame#messageBanner {{ background: {bg}; border-radius: 4px; }}"
                           f" QLabel#messageBannerText {{ color: {fg}; }}")
        self.set_view_style(self.view_style)
        self.label.setText(text)
        self._plain = QTextDocumentFragment.fromHtml(text).toPlainText()
        self.actionButton.setVisible(action is not None)
        if action:
            self.actionButton.setText(action)
        self._callback = callback
        self.tag = tag
        self.show()

    def text(self) -> str:
        """The message as plain text ("" when hidden)."""
        return "" if self.isHidden() else self._plain

    def clear(self) -> None:
        self.label.clear()
        self._callback = None
        self.tag = None
        self.hide()

    def _on_action(self) -> None:
        callback = self._callback
        self.clear()
        self.actionTriggered.emit()
        if callback is not None:
            callback()
