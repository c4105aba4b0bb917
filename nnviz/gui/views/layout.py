"""The few layout shapes the views share: a margin-free column, a plot beside a side panel,
and a page that gives way to a centred message when there is nothing to draw."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QLabel,
    QLayout,
    QSplitter,
    QStackedLayout,
    QVBoxLayout,
    QWidget,
)


def column(*items, margin: int = 0) -> QWidget:
    """A widget stacking ``items`` top to bottom; an item is a widget, a layout, or ``(item, stretch)``."""
    box = QWidget()
    layout = QVBoxLayout(box)
    layout.setContentsMargins(margin, margin, margin, margin)
    for item in items:
        item, stretch = item if isinstance(item, tuple) else (item, 0)
        if isinstance(item, QLayout):
            layout.addLayout(item, stretch)
        else:
            layout.addWidget(item, stretch)
    return box


def fill_with_splitter(owner: QWidget, main: QWidget, side: QWidget, stretch=(3, 1)) -> QSplitter:
    """Fill ``owner`` with ``main`` and ``side`` side by side, the user free to move the divider."""
    splitter = QSplitter(Qt.Horizontal)
    splitter.addWidget(main)
    splitter.addWidget(side)
    splitter.setStretchFactor(0, stretch[0])
    splitter.setStretchFactor(1, stretch[1])
    layout = QVBoxLayout(owner)
    layout.setContentsMargins(0, 0, 0, 0)
    layout.addWidget(splitter)
    return splitter


def page_or_message(owner: QWidget, page: QWidget, message_name: str) -> tuple[QLabel, QStackedLayout]:
    """Fill ``owner`` with ``page`` (index 0) or a centred, wrapped message label (index 1)."""
    message = QLabel(objectName=message_name)
    message.setWordWrap(True)
    message.setAlignment(Qt.AlignCenter)
    message.setMargin(24)
    stack = QStackedLayout(owner)
    stack.addWidget(page)
    stack.addWidget(message)
    return message, stack
