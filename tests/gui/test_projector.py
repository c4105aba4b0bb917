"""Issue 14, items 5 and 8: a window that fits a projector; the layer table keeps Output and Params in view."""

import pytest
from PySide6.QtCore import QPoint, QSettings, Qt
from PySide6.QtWidgets import QApplication

from nnviz.gui.panels.layer_model import OUTPUT_COL, PARAMS_COL, TYPE_COL, column_of
from nnviz.gui.style import NORMAL, PRESENTATION
from nnviz.gui.views import BoundaryView, CostView


def settle(qtbot, ms=50):
    QApplication.processEvents()
    qtbot.wait(ms)
    QApplication.processEvents()


def fit(w, qtbot, width=1280, height=720):
    """A normal window of ``width``×``height`` (presentation fonts stay as they are)."""
    w.setWindowState(Qt.WindowNoState)
    w.resize(width, height)
    settle(qtbot)
    assert (w.width(), w.height()) == (width, height)


def inside(widget, window) -> bool:
    """``widget`` is wholly inside ``window``'s client area."""
    top_left = widget.mapTo(window, QPoint(0, 0))
    return (top_left.x() >= 0 and top_left.y() >= 0 and top_left.x() + widget.width() <= window.width()
            and top_left.y() + widget.height() <= window.height())


def assert_uncut(w):
    """Controls, progress text and every tab whole; the settings panel scrolls rather than pushing them off."""
    for widget in (w.controls, w.progressBar, w.viewTabs, w.trainButton, w.resetButton, w.stepUnitCombo):
        assert widget.isVisible() and inside(widget, w), widget.objectName()
    for button in (w.trainButton, w.pauseButton, w.stepButton, w.stopButton, w.resetButton):
        assert button.width() >= button.minimumSizeHint().width(), button.text()
    bar = w.progressBar
    sample = "Epoch 10,000 / 10,000 · 1:52 · ETA 1:52"
    assert bar.width() >= bar.fontMetrics().horizontalAdvance(sample) + 10       # the progress text is not cut
    tabs = w.viewTabs.tabBar()
    assert tabs.sizeHint().width() <= tabs.width() + 1                           # no tab behind a scroll arrow
    last = tabs.tabRect(tabs.count() - 1)
    assert last.right() <= tabs.width()


@pytest.mark.parametrize("presentation", [False, True])
def test_window_fits_1280x720_with_the_settings_panel(window, qtbot, presentation):
    w = window
    if presentation:
        w.presentationAction.trigger()
    w.settingsPanelAction.setChecked(True)
    settle(qtbot)
    hint = w.minimumSizeHint()
    assert hint.width() <= 1280 and hint.height() <= 720, hint
    assert w.minimumSize().width() <= 1280
    fit(w, qtbot)
    assert not w.settingsPanel.isHidden() and w.settingsPanel.width() >= 300
    assert_uncut(w)
    # what does not fit in the panel scrolls: every field can be reached
    panel = w.settingsPanel
    overflow = panel.widget().height() - panel.viewport().height()
    if presentation:
        assert overflow > 0                       # large fonts: the column is taller than the screen
    if overflow > 0:
        assert panel.verticalScrollBar().isVisible() and panel.verticalScrollBar().maximum() >= overflow
    assert panel.horizontalScrollBar().maximum() == 0 or not presentation    # one field a row: no sideways
    if presentation:
        assert w.font().pointSize() == PRESENTATION.app_pt


def test_window_fits_1366x768_and_the_panel_is_compact(window, qtbot):
    w = window
    fit(w, qtbot, 1366, 728)            # a 1366×768 screen less a title bar and a task bar
    assert_uncut(w)
    panel = w.settingsPanel
    # compact: at 1366×768 the moons preset's settings need no scrolling (the layer table is as tall as
    # its rows, rows as tall as their text)
    overflow = panel.widget().height() - panel.viewport().height()
    assert overflow <= 0, overflow
    table = w.builder.table
    assert table.height() >= table.horizontalHeader().height() + 5 * table.rowHeight(0)     # all 5 layers


def test_presentation_mode_is_full_screen_and_leaving_restores_everything(window, qtbot):
    w = window            # (offscreen, a maximised window would be 800 px wide: too narrow for the test)
    settle(qtbot)
    state_before = w.windowState()
    sizes_before = w.splitter.sizes()
    cost = w.findChild(CostView, "costPlot")
    legends_before = [v for lg in (cost.cost_legend, cost.acc_legend)
                      for v in (lg.boundingRect().width(), lg.boundingRect().height())]
    bar_height = w.progressBar.height()
    legend_pos = cost.cost_legend.pos()
    size_before, views_before = w.size(), w.mainViews.sizes()
    w.presentationAction.trigger()
    settle(qtbot)
    assert w.windowState() & Qt.WindowFullScreen
    assert w.settingsPanel.isHidden()
    assert w.progressBar.height() >= w.progressBar.fontMetrics().height()      # the bar grows with its text
    w.presentationAction.trigger()
    settle(qtbot, 200)
    assert not (w.windowState() & Qt.WindowFullScreen)
    assert w.windowState() == state_before
    assert w.size() == size_before and w.mainViews.sizes() == views_before      # sizes and dividers of before
    assert not w.settingsPanel.isHidden()
    assert w.splitter.sizes()[0] == pytest.approx(sizes_before[0], abs=2)
    legends_after = [v for lg in (cost.cost_legend, cost.acc_legend)
                     for v in (lg.boundingRect().width(), lg.boundingRect().height())]
    assert legends_after == pytest.approx(legends_before, abs=1)             # no presentation-sized spacing left
    assert (cost.cost_legend.pos() - legend_pos).manhattanLength() <= 2       # still in its corner
    assert w.progressBar.height() == pytest.approx(bar_height, abs=2)          # not clipped, not left tall
    assert w.progressBar.height() >= w.progressBar.fontMetrics().height()


def test_presentation_mode_is_not_remembered(make_window, settings, qtbot):
    w = make_window()
    sizes = w.splitter.sizes()
    w.presentationAction.trigger()
    settle(qtbot)
    assert w.presentationAction.isChecked() and w.settingsPanel.isHidden()
    w.close()
    settings.sync()
    again = make_window(settings=QSettings(settings.fileName(), QSettings.IniFormat))
    settle(qtbot)
    assert not again.presentationAction.isChecked()
    assert not (again.windowState() & Qt.WindowFullScreen)
    assert not again.settingsPanel.isHidden()                        # the next user finds the panel
    assert again.splitter.sizes()[0] == pytest.approx(sizes[0], abs=30)   # normal mode's sizes were kept
    assert again.font().pointSize() != PRESENTATION.app_pt


def test_old_presentation_setting_is_dropped(settings, make_window):
    settings.setValue("presentation", True)
    settings.sync()
    w = make_window()
    assert not w.presentationAction.isChecked()
    assert settings.value("presentation") is None


def test_environment_variable_starts_in_presentation_mode(monkeypatch, settings, qtbot):
    """app.run reads NNVIZ_PRESENTATION=1 (the window is created, put in presentation mode, then shown)."""
    from nnviz.gui import MainWindow
    from nnviz.gui.app import _env_flag

    monkeypatch.setenv("NNVIZ_PRESENTATION", "1")
    assert _env_flag("NNVIZ_PRESENTATION")
    w = MainWindow(settings=settings)
    qtbot.addWidget(w)
    w.set_presentation(True)
    w.show()
    qtbot.waitExposed(w)
    assert w.windowState() & Qt.WindowFullScreen and w.presentationAction.isChecked()
    w.close()


def test_banner_text_follows_the_style(window, qtbot):
    w = window
    w.banner.show_message("Training diverged: try a smaller learning rate.", "warning")
    normal = w.banner.label.font().pointSize()
    w.presentationAction.trigger()
    w.banner.show_message("Training diverged: try a smaller learning rate.", "warning")   # re-styled
    assert w.banner.label.font().pointSize() == PRESENTATION.app_pt > normal
    assert w.banner.actionButton.font().pointSize() == PRESENTATION.app_pt
    w.presentationAction.trigger()
    assert w.banner.label.font().pointSize() == normal


def test_markers_grow_less_than_text_in_presentation_mode(window, qtbot):
    w = window
    boundary = w.findChild(BoundaryView, "boundaryPlot")
    assert PRESENTATION.point_size <= 1.5 * NORMAL.point_size             # readable, not merged into blobs
    assert PRESENTATION.point_size > NORMAL.point_size
    w.presentationAction.trigger()
    sizes = {item.opts["size"] for item in boundary.scatter_items}
    assert sizes and max(sizes) <= PRESENTATION.point_size * 1.25 + 1e-9
    assert min(sizes) == pytest.approx(PRESENTATION.point_size)


# --- item 8: the layer table ------------------------------------------------------------------------
CONV_DROPOUT = [{"type": "Conv2D", "filters": 8, "kernel_size": 3, "stride": 1, "padding": 1, "activation": "relu"},
                {"type": "MaxPool2D", "pool_size": 2},
                {"type": "Flatten"},
                {"type": "Dropout", "keep_prob": 0.8},
                {"type": "Dense", "units": 10, "activation": "softmax"}]


@pytest.mark.parametrize("presentation", [False, True])
def test_layer_table_keeps_output_and_params_in_view(window, qtbot, presentation):
    w = window
    if presentation:
        w.presentationAction.trigger()
        w.settingsPanelAction.setChecked(True)
    fit(w, qtbot)
    w.splitter.setSizes([w.settingsPanel.minimumWidth(), 10_000])       # the panel at its narrowest
    settle(qtbot)
    w.builder.set_specs(CONV_DROPOUT)
    settle(qtbot)
    table = w.builder.table
    for key in ("kernel", "stride", "padding", "keep_prob"):
        assert not table.isColumnHidden(column_of(key))
    header = table.horizontalHeader()
    # Output and Params come right after Type, and are wholly visible in the table's viewport
    assert [header.visualIndex(c) for c in (TYPE_COL, OUTPUT_COL, PARAMS_COL)] == [1, 2, 3]
    viewport = table.viewport().width()
    for col in (OUTPUT_COL, PARAMS_COL):
        left = header.sectionViewportPosition(col)
        assert left >= 0 and left + header.sectionSize(col) <= viewport, (col, left, viewport)
    # the model's columns keep their meaning
    model = w.builder.model
    assert model.headerData(OUTPUT_COL, Qt.Horizontal) == "Output"
    assert model.headerData(PARAMS_COL, Qt.Horizontal) == "Params"


def test_a_wide_tab_page_cannot_push_the_window_off_a_small_screen(window, qtbot):
    """A page asking for more width than a 1280 screen leaves (here a long unwrapped label, as the Test results
    tab's caption is in presentation fonts) is squeezed in its own tab; the window's minimum stays ≤ 1280."""
    from PySide6.QtWidgets import QLabel

    w = window
    w.presentationAction.trigger()
    w.settingsPanelAction.setChecked(True)
    wide = QLabel("x" * 200)
    w.view("evaluationView").layout().addWidget(wide)
    settle(qtbot)
    assert wide.minimumSizeHint().width() > 1280
    assert w.minimumSizeHint().width() <= 1280
    fit(w, qtbot)
    assert_uncut(w)


def test_grouped_views_are_reached_wherever_they_sit(window, qtbot):
    """Views with a group share one tab; setCurrentWidget and show_view bring them forward all the same."""
    w = window
    fit(w, qtbot)
    tabs = w.viewTabs
    inside = tabs.groups["Inside the network"]
    for name in ("featureMapView", "layerStatsView"):
        view = w.view(name)
        assert inside.indexOf(view) >= 0 and tabs.indexOf(view) < 0
        tabs.setCurrentWidget(view)
        assert tabs.currentWidget() is inside and inside.currentWidget() is view
        settle(qtbot)
        assert tabs.current_view() is view and view.isVisible()
    tabs.show_view(w.view("gradCheckView"))
    assert tabs.current_view() is w.view("gradCheckView")
    titles = [title for title, _page in tabs.all_pages()]
    assert {"Inside the network", "Explain", "Feature maps", "Gradient check", "Layer statistics"} <= set(titles)
    for group in tabs.groups.values():           # each group's own bar fits too
        bar = group.tabBar()
        assert bar.sizeHint().width() <= bar.width() + 1


def test_the_boundary_points_bounds_follow_zoom_and_marker_size(window, qtbot):
    """The cached bounding rectangle of the boundary's static points is the one pyqtgraph computes, after a
    zoom and after the markers grow (presentation mode)."""
    import pyqtgraph as pg

    w = window
    fit(w, qtbot)
    view = w.view("boundaryPlot")
    item = view.scatter_items[0]

    def fresh():
        return pg.ScatterPlotItem.boundingRect(item)

    assert item.boundingRect() == fresh()
    view.plot.getViewBox().scaleBy((0.5, 0.5))
    settle(qtbot)
    assert item.boundingRect() == fresh()
    w.presentationAction.trigger()
    settle(qtbot)
    assert item.boundingRect() == fresh()
