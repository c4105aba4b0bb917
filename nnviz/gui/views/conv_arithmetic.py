"""The feature-map view's convolution arithmetic panel (objectName ``convArithmeticPanel``).

Click a pixel of a convolution map: for each input channel the input patch, the kernel and their
products (as small tables of numbers, coloured), each channel's sum, then Σ + bias = z and the
activation, which is the value drawn in the map. The numbers come from
:func:`nnviz.lab.conv_arithmetic.conv_arithmetic` on the feature maps of the frame on screen (computed
on a frozen copy, or in the training worker between two steps), so they follow training live.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QScrollArea, QVBoxLayout, QWidget

from nnviz.lab.conv_arithmetic import ConvArithmetic

#: channels shown in full; beyond them only their sums
MAX_CHANNELS = 16
HINT = ("<b>Convolution arithmetic</b><br>Click a pixel of a convolution layer's map to see how the network "
        "computed it: the input patch under the kernel, the kernel's weights, their products and the sum.")


def _hex(rgb) -> str:
    return "#%02x%02x%02x" % tuple(int(round(v)) for v in rgb)


def _diverging(v: float, scale: float) -> str:
    """White for 0, red for +scale, blue for −scale."""
    t = 0.0 if scale <= 0 else float(np.clip(v / scale, -1, 1))
    white, red, blue = np.full(3, 255.0), np.array([214, 96, 77.0]), np.array([67, 147, 195.0])
    return _hex(white + ((red if t >= 0 else blue) - white) * abs(t))


def _grey(v: float, lo: float, hi: float) -> tuple[str, str]:
    """(background, text colour) for an input value: black (low) to white (high), as the maps are drawn."""
    t = 0.5 if hi <= lo else float(np.clip((v - lo) / (hi - lo), 0, 1))
    g = 40 + 215 * t
    return _hex((g, g, g)), ("#000" if g > 140 else "#fff")


def _num(v: float) -> str:
    a = abs(v)
    if a == 0:
        return "0"
    if a >= 100:
        return f"{v:.0f}"
    if a >= 0.995:
        return f"{v:.1f}"
    return f"{v:.2f}".replace("0.", ".", 1)


def _table(values: np.ndarray, colour, padding=None) -> str:
    rows = []
    for i, row in enumerate(values):
        cells = []
        for j, v in enumerate(row):
            bg, fg = colour(float(v))
            pad = padding is not None and padding[i, j]
            text = f"<i>{_num(v)}</i>" if pad else _num(v)
            cells.append(f"<td bgcolor='{bg}' style='color:{fg}' align='center' width='28'>{text}</td>")
        rows.append("<tr>" + "".join(cells) + "</tr>")
    return "<table cellspacing='1' cellpadding='1' bgcolor='#bbb'>" + "".join(rows) + "</table>"


def arithmetic_html(ar: ConvArithmetic, input_range: tuple[float, float]) -> str:
    """The whole panel as rich text."""
    lo, hi = input_range
    kscale = float(np.max(np.abs(ar.kernel))) or 1.0
    pscale = float(np.max(np.abs(ar.products))) or 1.0
    c, kh, kw = ar.kernel.shape
    head = (f"<b>{ar.layer}, map {ar.channel + 1}, row {ar.row + 1}, column {ar.col + 1}</b><br>"
            f"A {kh}×{kw} kernel on {c} input channel{'s' * (c != 1)}: the input patch starts at row "
            f"{ar.top_left[0] + 1}, column {ar.top_left[1] + 1} of the layer's input"
            + (" (<i>italic</i> zeros are padding)" if ar.padding.any() else "") + ".")
    rows = ["<tr><th>ch</th><th>input patch</th><th></th><th>kernel</th><th></th><th>products</th><th></th>"
            "<th>sum</th></tr>"]
    for ch in range(min(c, MAX_CHANNELS)):
        rows.append(
            f"<tr><td valign='middle'>{ch + 1}</td>"
            f"<td>{_table(ar.patch[ch], lambda v: _grey(v, lo, hi), ar.padding[ch])}</td>"
            "<td valign='middle'>×</td>"
            f"<td>{_table(ar.kernel[ch], lambda v: (_diverging(v, kscale), '#000'))}</td>"
            "<td valign='middle'>=</td>"
            f"<td>{_table(ar.products[ch], lambda v: (_diverging(v, pscale), '#000'))}</td>"
            "<td valign='middle'>Σ</td>"
            f"<td valign='middle' align='right'><b>{ar.channel_sums[ch]:.4g}</b></td></tr>")
    if c > MAX_CHANNELS:
        rest = ar.channel_sums[MAX_CHANNELS:]
        rows.append(f"<tr><td colspan='8'>… {c - MAX_CHANNELS} more channels, their sums adding "
                    f"{float(rest.sum()):.4g}</td></tr>")
    table = "<table cellspacing='3'>" + "".join(rows) + "</table>"
    total = (f"Σ of all {ar.products.size} products = <b>{ar.total:.6g}</b><br>"
             f"+ bias b = <b>{ar.bias:.6g}</b><br>"
             f"= z = <b>{ar.z:.6g}</b>")
    diff = abs(ar.z - ar.map_z)
    check = (f"The network computed z = {ar.map_z:.6g} in float32 (another summation order): they agree to "
             f"float32 rounding (difference {diff:.1e}).")
    if ar.activation != "linear":
        total += f"<br>→ {ar.activation}(z) = <b>{ar.value:.6g}</b>, the value drawn in the map."
    else:
        total += " — no activation: z is the value drawn in the map."
    return f"{head}{table}<p style='font-size:large'>{total}</p><p style='color:#555'>{check}</p>"


class ConvArithmeticPanel(QWidget):
    """A scrollable rich-text panel: :data:`HINT` until a pixel is clicked, then the arithmetic."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setObjectName("convArithmeticPanel")
        self.text = QLabel(HINT, objectName="convArithmeticText")
        self.text.setWordWrap(True)
        self.text.setTextFormat(Qt.RichText)
        self.text.setAlignment(Qt.AlignTop | Qt.AlignLeft)
        self.text.setTextInteractionFlags(Qt.TextSelectableByMouse)
        self.text.setMargin(6)
        scroll = QScrollArea()
        scroll.setWidget(self.text)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QScrollArea.NoFrame)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(scroll)
        self.setMinimumWidth(500)
        self.arithmetic: ConvArithmetic | None = None

    def show_arithmetic(self, ar: ConvArithmetic, input_range) -> None:
        self.arithmetic = ar
        self.text.setText(arithmetic_html(ar, input_range))

    def show_text(self, html: str) -> None:
        self.arithmetic = None
        self.text.setText(html)

    def reset(self) -> None:
        self.show_text(HINT)
