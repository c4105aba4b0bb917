"""The network, neuron by neuron (objectName ``networkView``, tab "Network").

For 2-D data every neuron is a small heatmap of its output over the input
plane (the inputs, each hidden layer, the output), joined by its weights
(colour = sign, width = magnitude) with its bias as a small square — drawn
by :class:`~.network_canvas.GraphCanvas`. Hovering names a neuron or weight
and its value; clicking a neuron shows its map large in the decision
boundary view (the Training tab). Layers wider than ``UNIT_LIMIT`` show
their most strongly wired units and say how many are left out.

For other data (images) it shows, for one test sample (or the input the
Prediction tab shows), every flat layer's values as bars and the output
probabilities; conv layers link to the Feature maps tab.

The maps are computed in the training worker by
:class:`~nnviz.lab.network_graph.NetworkGraphProbe` (only while this tab is
seen, or while the boundary view shows one of its neurons) and drawn at
most ``max_fps`` times a second, reusing the same items.
"""

from __future__ import annotations

import time

import numpy as np
from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSpinBox,
    QStackedWidget,
    QTabWidget,
)

from nnviz.lab.boundary import make_grid
from nnviz.lab.network_graph import (
    NetworkGraphProbe,
    graph_columns,
    sample_columns,
    sample_layers,
    select_units,
)
from nnviz.lab.painted import plane_points

from .base import LiveView, ViewContext, set_heading_font
from .feature_maps import class_name, describe_output
from .layout import column, page_or_message
from .live_text import LiveText
from .network_canvas import GraphCanvas
from .network_sample import SamplePanel

GRID_SIZE = 40          # grid points along the longer side of a neuron's map (a tile is one pixel per point)
UNIT_LIMIT = 64         # units shown per layer at most (the most strongly wired ones)

LEGEND = ("<span style='color:#b2182b'><b>red</b></span> = positive, "
          "<span style='color:#2166ac'><b>blue</b></span> = negative, white = 0 — for a neuron's output over "
          "the plane (each tile scaled to its own largest value), a weight line (thicker and darker = larger; "
          "between wide layers only the 1,000 strongest are drawn), and a bias (the small square). The output "
          "is shaded like the decision boundary. Mouse wheel: zoom.")


class NetworkView(LiveView):
    title = "Network"
    group = "Inside the network"
    max_fps = 30.0

    #: a neuron was clicked: (NeuronMap, label); the window's boundary view shows it large
    neuronChosen = Signal(object, str)
    #: another view should be shown (its objectName), e.g. the feature maps for a conv layer
    viewRequested = Signal(str)

    def __init__(self, parent=None, unit_limit: int = UNIT_LIMIT, grid_size: int = GRID_SIZE):
        super().__init__(parent)
        self.setObjectName("networkView")
        self.unit_limit = int(unit_limit)
        self.grid_size = int(grid_size)
        self.frames_drawn = 0
        self.draw_seconds: list[float] = []
        self._probe: NetworkGraphProbe | None = None
        self._mode = None                  # "graph", "sample" or None
        self._count_label = "epochs"
        self._class_names: list[str] = []
        self._samples = self._labels = None
        self._input_shape = ()
        self._pinned = False               # the boundary view shows one of our neurons: keep computing
        self._linked = False               # unpin is connected to the boundary view's neuronMapClosed
        self._boundary = None              # the boundary view showing our neuron (once one was clicked)
        self._focus_label = ""
        self.grid = None

        self.heading = LiveText("Network", objectName="networkHeading")
        self.canvas = GraphCanvas()
        self.hoverLabel = LiveText("Hover over a neuron or a weight to read its value; click a neuron to see "
                                   "its map large.", objectName="networkHoverLabel")
        self.legend = QLabel(LEGEND, objectName="networkLegend")
        self.legend.setWordWrap(True)
        self.legend.setStyleSheet("color: #444;")
        self.graph_page = column(self.heading, (self.canvas, 1), self.hoverLabel, self.legend)

        self.sample = SamplePanel()
        self.sampleHeading = LiveText("Network", objectName="networkSampleHeading")
        self.prevButton = QPushButton("◀ Previous", objectName="networkPrevButton")
        self.nextButton = QPushButton("Next ▶", objectName="networkNextButton")
        self.sampleSpin = QSpinBox(objectName="networkSampleSpin")
        self.sampleSpin.setMinimum(1)
        bar = QHBoxLayout()
        self.sourceLabel = QLabel("Test sample")
        for w in (self.sourceLabel, self.prevButton, self.sampleSpin, self.nextButton):
            bar.addWidget(w)
        bar.addStretch(1)
        self.sample_page = column(bar, self.sampleHeading, (self.sample, 1))

        self.pages = QStackedWidget()
        self.pages.addWidget(self.graph_page)
        self.pages.addWidget(self.sample_page)
        self.message, self.stack = page_or_message(self, self.pages, "networkMessage")

        self.canvas.nodeClicked.connect(self._on_node_clicked)
        self.canvas.hovered.connect(lambda text: text and self.hoverLabel.setText(text))
        self.sample.viewRequested.connect(self.viewRequested)
        self.viewRequested.connect(self._show_view)
        self.neuronChosen.connect(self._to_boundary)
        self.prevButton.clicked.connect(lambda: self.sampleSpin.setValue(self.sampleSpin.value() - 1))
        self.nextButton.clicked.connect(lambda: self.sampleSpin.setValue(self.sampleSpin.value() + 1))
        self.sampleSpin.valueChanged.connect(lambda v: self._use_sample(v - 1))
        self.set_view_style(self.view_style)

    # --- what tests read ------------------------------------------------------------------
    @property
    def frame(self):
        return self._frame

    def heatmap_counts(self) -> list[int]:
        """Heatmaps drawn per column (inputs first), as on screen now."""
        self._draw_if_pending()
        if self._mode != "graph" or self._frame is None:
            return []
        return [m.shape[0] for m in self._frame.maps]

    # --- LiveView ---------------------------------------------------------------------------
    def probes(self, context: ViewContext) -> list:
        return [self._probe] if self._probe is not None else []

    def reset(self, context: ViewContext, snapshot=None) -> None:
        self._frame, self._pending, self._probe, self._mode, self.grid = None, False, None, None, None
        self._count_label = context.count_label
        ds, model = context.dataset, context.model
        if ds is None:
            return self._show_message("No data loaded: pick a dataset, or open one with File → Open dataset file…")
        if model is None:
            return self._show_message("There is no network yet: fix the settings in the Network panel.")
        self._class_names = list(getattr(ds, "class_names", []) or [])
        self._input_shape = tuple(model.input_shape)
        if tuple(ds.input_shape) == (2,):
            columns = graph_columns(model, getattr(ds, "feature_names", None))
            shown = select_units(model, columns, self.unit_limit)
            self.grid = make_grid(plane_points(ds), n=self.grid_size, aspect=1.0)
            self.canvas.set_layout(columns, shown, tile=self.grid_size, n_classes=max(2, len(self._class_names)))
            self._probe = NetworkGraphProbe(columns, shown, grid=self.grid)
            self._mode = "graph"
            self.pages.setCurrentIndex(0)
            hidden = sum(c.units - len(s) for c, s in zip(columns, shown))
            self.hoverLabel.setText(
                "Hover over a neuron or a weight to read its value; click a neuron to see its map large."
                + (f" Wide layers show their {self.unit_limit} most strongly wired units ({hidden:,} not shown)."
                   if hidden else ""))
        else:
            columns = sample_columns(model)
            self._probe = NetworkGraphProbe(columns, [np.arange(c.units) for c in columns])
            self.sample.set_layers(sample_layers(model), model.input_shape, self._class_names)
            self._mode = "sample"
            self.pages.setCurrentIndex(1)
            if len(ds.X_test):
                self._samples, self._labels, kind = ds.X_test, ds.y_test, "test"
            else:
                self._samples, self._labels, kind = ds.X_train, ds.y_train, "training"
            self.sourceLabel.setText(f"{kind.capitalize()} sample")
            self._sample_kind = kind
            n = len(self._samples)
            self.sampleSpin.blockSignals(True)
            self.sampleSpin.setMaximum(max(1, n))
            self.sampleSpin.setSuffix(f" of {n:,}")
            self.sampleSpin.blockSignals(False)
            self._set_sample(min(self.sampleSpin.value(), n) - 1)
        self.stack.setCurrentIndex(0)
        self._probe.set_active(self.isVisible() or self._pinned)
        if snapshot is not None:
            self.show_snapshot(snapshot)

    def show_snapshot(self, snap) -> None:
        frame = snap.probes.get(NetworkGraphProbe.key)
        if frame is None or self._probe is None or frame.columns != self._probe.columns:
            return
        if self._mode == "graph" and (frame.maps is None or frame.maps[0].shape[1:] != self.grid.shape):
            return
        if self._pinned and self._boundary is not None and getattr(self._boundary, "grid", None) is not None:
            self._probe.set_focus_grid(self._boundary.grid)      # the boundary view was resized meanwhile
        if frame.focus is not None and self._pinned and not self.running and self._boundary is not None:
            self._boundary.show_neuron_map(frame.focus, self._focus_label)   # (during a run it has the snapshot)
        self._show_frame(frame, urgent=False)

    def set_view_style(self, style) -> None:
        super().set_view_style(style)
        set_heading_font(self.heading, style)
        set_heading_font(self.sampleHeading, style)
        self.canvas.set_font_pt(style.tick_pt)

    def export_item(self):
        return self.canvas         # a plain graphics view: exported as drawn (see plot_export._export_widget)

    def set_input(self, x, label_text: str = "your image") -> bool:
        """Show the values for ``x`` (the Prediction tab's input); False for 2-D data (the plane is shown)."""
        if self._mode != "sample" or self._probe is None:
            return False
        x = np.asarray(x, dtype=np.float32)
        if x.ndim == len(self._input_shape) + 1 and x.shape[0] == 1:
            x = x[0]
        if tuple(x.shape) != self._input_shape:
            raise ValueError(f"the network view's input must have the network's input shape {self._input_shape}. "
                             f"Received an array of shape {tuple(x.shape)}.")
        self._probe.set_input(x, {"source": "given", "text": str(label_text), "x": x})
        self.refreshRequested.emit()
        return True

    # --- showing and hiding: compute only while seen -------------------------------------------
    def showEvent(self, event) -> None:
        if self._probe is not None and not self._probe_active():
            self._probe.set_active(True)
            self.refreshRequested.emit()
        super().showEvent(event)

    def hideEvent(self, event) -> None:
        super().hideEvent(event)
        if self._probe is not None and not self._pinned:
            self._probe.set_active(False)

    def _probe_active(self) -> bool:
        return bool(self._probe is not None and self._probe.active)

    def unpin(self) -> None:
        """The boundary view went back to the class boundary: no focus, and no computing while hidden."""
        self._pinned = False
        if self._probe is not None:
            self._probe.set_focus(None)
            if not self.isVisible():
                self._probe.set_active(False)

    # --- drawing ------------------------------------------------------------------------------------
    def _draw(self) -> None:
        frame = self._frame
        if frame is None:
            return
        self._pending = False
        t0 = time.perf_counter()
        unit = "iteration" if self._count_label == "iterations" else "epoch"
        count = frame.iteration if unit == "iteration" else frame.epoch
        if self._mode == "graph":
            self.canvas.draw(frame)
            self.heading.setText(f"Network, neuron by neuron — {unit} {count:,}")
        else:
            tag = frame.tag or {}
            if tag.get("source") == "given":
                where = f"<b>{tag['text']}</b>"
                x = tag.get("x")
            else:
                where = (f"<b>{tag.get('source', 'test')} sample {tag.get('index', 0) + 1:,}</b>"
                         f"<br>true class: <b>{tag.get('true', '?')}</b>")
                x = tag.get("x")
            if x is not None:
                self.sample.show_input(x)
            said = describe_output(frame.values[-1], self._class_names)
            self.sample.draw(frame, self._class_names, f"{where}<br>network says: <b>{said}</b>")
            self.sampleHeading.setText(f"What each layer makes of one input — {unit} {count:,}")
        self.frames_drawn += 1
        self.draw_seconds.append(time.perf_counter() - t0)
        del self.draw_seconds[:-200]

    # --- samples (image data) -------------------------------------------------------------------------
    def _set_sample(self, index: int) -> None:
        if self._probe is None or self._samples is None or not len(self._samples):
            return
        index = int(np.clip(index, 0, len(self._samples) - 1))
        true = class_name(self._class_names, int(self._labels[index]))
        x = np.asarray(self._samples[index], dtype=np.float32)
        self._probe.set_input(x, {"source": self._sample_kind, "index": index, "true": true, "x": x})

    def _use_sample(self, index: int) -> None:
        self._set_sample(index)
        self.refreshRequested.emit()

    # --- links to other views ----------------------------------------------------------------------
    def _on_node_clicked(self, k: int, unit: int) -> None:
        frame = self._frame
        if frame is None or frame.maps is None:
            return
        neuron = frame.neuron_map(frame.columns[k].layer_index, unit)
        if neuron is None:
            return
        c = frame.columns[k]
        if c.layer_index < 0:
            label = neuron.label
        elif neuron.output:
            label = f"output unit {unit + 1} ({c.activation})" if c.units > 1 else f"the output ({c.activation})"
        else:
            label = f"{neuron.label} ({c.activation or 'no activation'})"
        self.neuronChosen.emit(neuron, label)

    def _to_boundary(self, neuron, label: str) -> None:
        """Show ``neuron`` large in the boundary view (Training tab), first from this frame's small map,
        then computed on the boundary view's own grid (the probe's focus), live while training."""
        boundary = self._show_view("boundaryPlot")
        if boundary is None or not hasattr(boundary, "show_neuron_map"):
            return
        self._pinned, self._boundary, self._focus_label = True, boundary, label
        if hasattr(boundary, "neuronMapClosed") and not self._linked:
            boundary.neuronMapClosed.connect(self.unpin)
            self._linked = True
        boundary.show_neuron_map(neuron, label)
        if self._probe is not None and getattr(boundary, "grid", None) is not None:
            self._probe.set_active(True)
            self._probe.set_focus(neuron.layer_index, neuron.unit, boundary.grid)
            self.refreshRequested.emit()

    def _show_view(self, name: str):
        """Bring the window's view ``name`` (an objectName) to the front; returns it (None if absent)."""
        window = self.window()
        view = window.view(name) if hasattr(window, "view") else None
        tabs = window.findChild(QTabWidget, "viewTabs")
        if view is not None and tabs is not None and getattr(tabs, "group_of", lambda v: None)(view) is not None:
            tabs.show_view(view)            # a view inside a group of views (e.g. Feature maps)
        elif view is not None and tabs is not None:
            for i in range(tabs.count()):
                page = tabs.widget(i)
                if page is view or page.isAncestorOf(view):
                    tabs.setCurrentIndex(i)
                    break
        return view

    def _show_message(self, text: str) -> None:
        self.message.setText(text)
        self.stack.setCurrentIndex(1)
