"""The view tabs: one tab per view, or per group of views (a tab holding tabs of its own).

Views say where they go: ``placement = "main"`` views share the Training
page (the window builds it), others get a tab, and those with a ``group``
share a tab of that name with a tab bar of its own ("Inside the network":
network graph, hidden space, feature maps, layer statistics; "Explain":
backprop step by step, gradient check, loss landscape). A dozen views then
fit the tab bar of a 1280-pixel projector. :meth:`ViewTabs.setCurrentWidget`
and :meth:`ViewTabs.show_view` reach a view wherever it is.
"""

from __future__ import annotations

from PySide6.QtGui import QFont
from PySide6.QtWidgets import QTabWidget, QWidget

#: the tab order of groups (a group's tab sits where its first view would)
GROUP_TITLES = ("Inside the network", "Explain")


class ViewTabs(QTabWidget):
    """A QTabWidget whose pages are views or groups of views (QTabWidgets named ``group:<title>``)."""

    def __init__(self, parent=None, objectName: str = "viewTabs"):
        super().__init__(parent)
        self.setObjectName(objectName)
        self.groups: dict[str, QTabWidget] = {}

    def add_view(self, view: QWidget, title: str, group: str | None = None) -> None:
        if not group:
            self.addTab(view, title)
            return
        tabs = self.groups.get(group)
        if tabs is None:
            tabs = QTabWidget(objectName=f"group:{group}")
            tabs.setDocumentMode(True)
            self.groups[group] = tabs
            self.addTab(tabs, group)
        tabs.addTab(view, title)
        tabs.setTabToolTip(tabs.count() - 1, getattr(view, "tooltip", "") or title)

    def group_of(self, widget: QWidget) -> QTabWidget | None:
        return next((tabs for tabs in self.groups.values() if tabs.indexOf(widget) >= 0), None)

    def show_view(self, widget: QWidget) -> None:
        """Bring ``widget`` (a page or a view inside a group) to the front."""
        tabs = self.group_of(widget)
        if tabs is not None:
            tabs.setCurrentWidget(widget)
            widget = tabs
        super().setCurrentWidget(widget)

    def setCurrentWidget(self, widget: QWidget) -> None:  # noqa: N802  (Qt's name)
        self.show_view(widget)

    def current_view(self) -> QWidget | None:
        """The page shown, or the view shown inside the group shown."""
        page = self.currentWidget()
        return page.currentWidget() if page in self.groups.values() else page

    def all_pages(self):
        """(title, widget) of every tab and every view inside a group, in order."""
        for index in range(self.count()):
            page = self.widget(index)
            yield self.tabText(index), page
            if page in self.groups.values():
                for sub in range(page.count()):
                    yield page.tabText(sub), page.widget(sub)

    def set_tab_font(self, font: QFont) -> None:
        self.tabBar().setFont(font)
        for tabs in self.groups.values():
            tabs.tabBar().setFont(font)
