"""The application icon, from ``resources/icons`` (found through importlib.resources when installed)."""

from __future__ import annotations

from PySide6.QtGui import QIcon, QPixmap

from nnviz.resources_path import resource_root

ICON_NAME = "nnviz.svg"


def icon_path() -> str | None:
    """Filesystem path of the app icon, or None if the resources lack it."""
    try:
        path = resource_root().joinpath("icons").joinpath(ICON_NAME)
    except FileNotFoundError:
        return None
    return str(path) if path.is_file() else None


def app_icon() -> QIcon:
    """The nnviz icon (SVG, so sharp at every size); an empty icon if the file is missing."""
    path = icon_path()
    if path is None:
        return QIcon()
    icon = QIcon(path)
    if icon.isNull():   # no SVG icon engine: fall back to a rendered pixmap
        icon = QIcon(QPixmap(path))
    return icon
