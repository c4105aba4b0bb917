"""The step view's cards: one step of :class:`~nnviz.lab.step_trace.StepTrace` as a heading, its formula
and its matrices, each a :class:`~nnviz.gui.views.heat_table.MatrixBox` framed by its part in the chain rule.

A card knows, for each result it shows, the matrices it is computed from
(``feeds``): selecting a result frames it blue and its inputs orange.
Bugged values (a backprop bug chosen) sit beside the correct ones, framed
red where they differ and green where they agree.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from .heat_table import FlowLayout, MatrixBox

DIFF_COLOR = "#c62828"
GAP = "&nbsp;" * 5


class StepCard(QWidget):
    """One step: a heading, its formula, and the matrices (a flow of :class:`MatrixBox`)."""

    def __init__(self, heading: str, formula: str, boxes: list, feeds: dict, hover, formula_pt: int = 11,
                 parent=None):
        super().__init__(parent)
        self.setObjectName("stepCard")
        self.boxes = {b.key: b for b in boxes}
        self.feeds = feeds
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 8, 4, 8)
        self.heading = QLabel(heading)
        self.heading.setTextFormat(Qt.RichText)
        self.heading.setWordWrap(True)
        self.formula = QLabel(formula)
        self.formula.setTextFormat(Qt.RichText)
        self.formula.setWordWrap(True)
        self.formula.setStyleSheet(f"font-family: monospace; font-size: {formula_pt}pt; color: #1a1a1a;")
        layout.addWidget(self.heading)
        layout.addWidget(self.formula)
        flow_host = QWidget()
        flow = FlowLayout(flow_host)
        flow.setContentsMargins(0, 0, 0, 0)
        for box in boxes:
            flow.addWidget(box)
            box.clicked.connect(self.select)
            box.hovered.connect(hover)
        layout.addWidget(flow_host)
        self.selected = None
        first = next((k for k in feeds if k in self.boxes), None)
        if first is not None:
            self.select(first)

    def select(self, key: str) -> None:
        """Frame ``key`` as the result and the matrices it is computed from as its feeders."""
        if key not in self.feeds:
            return
        self.selected = key
        for k, box in self.boxes.items():
            if box.role in ("differs", "same"):
                continue
            box.set_role("result" if k == key else "feeds" if k in self.feeds[key] else "")

    def feeders(self) -> list[str]:
        return [k for k, b in self.boxes.items() if b.role == "feeds"]


class CardBuilder:
    """Builds the card of one step of ``trace``; ``summaries`` maps id(array) → its precomputed summary,
    ``hover(text)`` receives hovered cell values, ``outcome_words()`` says what the network output."""

    def __init__(self, trace, summaries: dict, hover, outcome_words, formula_pt: int = 11):
        self.formula_pt = formula_pt
        self.trace = trace
        self.summaries = summaries
        self.hover = hover
        self.outcome_words = outcome_words

    def _box(self, key, title, array, note="", role=""):
        summary = self.summaries.get(id(array)) if array is not None else None
        box = MatrixBox(key, title, array, summary=summary, note=note)
        if role:
            box.set_role(role)
        return box

    def card(self, kind: str, i: int) -> StepCard:
        t = self.trace
        hover = self.hover
        if kind == "update":
            return self._update_card(hover)
        s = t.layers[i]
        L = len(t.layers)
        n = i + 1
        prev = "X" if i == 0 else f"A[{i}]"
        Wn = {k: f"{k}[{n}]" for k in s.params}
        boxes, feeds = [], {}
        if kind == "forward":
            heading = f"<b>Forward, layer {n} of {L}: {s.name}</b> — {s.description}"
            boxes.append(self._box("A_prev", f"{prev}", s.A_prev, "the input" if i == 0 else f"output of layer {i}"))
            for k, v in s.params.items():
                boxes.append(self._box(k, Wn[k], v))
            if s.Z is not None:
                boxes.append(self._box("Z", f"Z[{n}]", s.Z))
                feeds["Z"] = ["A_prev", *s.params]
            if s.mask is not None:
                boxes.append(self._box("mask", f"mask[{n}]", s.mask, "0 or 1/keep_prob, one fixed draw"))
            boxes.append(self._box("A", f"A[{n}]", s.A, f"= g(Z), {s.activation}" if s.Z is not None else ""))
            feeds["A"] = ["Z"] if s.Z is not None else ["A_prev", *s.params] + (["mask"] if s.mask is not None else [])
            formula = _forward_formula(s, prev, n)
            if i == L - 1:
                heading += f"<br>{self.outcome_words()} Next: the backward pass, from this layer down."
            order = ["Z", "A"] if s.Z is not None else ["A"]
            feeds = {k: feeds[k] for k in order}
        else:
            heading = f"<b>Backward, layer {n} of {L}: {s.name}</b> — {s.description}"
            b = s.bugged
            diff = set(s.differing)

            def bug_box(key, title, array):
                if b is None:
                    return
                same = key not in diff
                boxes.append(self._box("bug." + key, f"{title} (bug)", array,
                                       "✘ differs" if not same else "= the correct value",
                                       role="same" if same else "differs"))

            if s.fused:
                boxes.append(self._box("A", f"A[{n}]", s.A, "the output"))
                boxes.append(self._box("Y", "Y", t.Y, "the label"))
                feeds["dZ"] = ["A", "Y"]
            else:
                above = "dL/dA from the loss" if i == L - 1 else f"= dA_prev of layer {n + 1}"
                boxes.append(self._box("dA", f"dA[{n}]", s.dA, above))
                if b is not None and b.get("dA") is not None:
                    bug_box("dA", f"dA[{n}]", b["dA"])
            if s.dZ is not None:
                if not s.fused:
                    if s.gprime is not None:
                        boxes.append(self._box("gprime", f"g′(Z[{n}])", s.gprime, f"{s.activation}′"))
                        feeds["dZ"] = ["dA", "gprime"]
                    elif s.activation == "linear":
                        feeds["dZ"] = ["dA"]             # g′ = 1: dZ is dA
                    else:
                        boxes.append(self._box("Z", f"Z[{n}]", s.Z))
                        feeds["dZ"] = ["dA", "Z"]
                boxes.append(self._box("dZ", f"dZ[{n}]", s.dZ))
                if b is not None:
                    bug_box("dZ", f"dZ[{n}]", b.get("dZ"))
                src = "dZ"
            else:
                src = "dA"
            if s.params:
                boxes.append(self._box("A_prev", prev, s.A_prev))
            for k in s.grads:
                boxes.append(self._box("d" + k, f"d{k}[{n}]", s.grads[k]))
                feeds["d" + k] = ["A_prev", src] if k in ("W", "gamma") else [src]
                if b is not None:
                    bug_box(f"grads.{k}", f"d{k}[{n}]", b["grads"].get(k))
            if "W" in s.params:
                boxes.append(self._box("W", Wn["W"], s.params["W"]))
            if s.mask is not None:
                boxes.append(self._box("mask", f"mask[{n}]", s.mask))
            dprev = "dX" if i == 0 else f"dA[{i}]"
            boxes.append(self._box("dA_prev", dprev, s.dA_prev,
                                   "not needed for training" if i == 0 else f"sent back to layer {i}"))
            feeds["dA_prev"] = [src] + (["W"] if "W" in s.params else []) + (["mask"] if s.mask is not None else [])
            if b is not None and i > 0:
                bug_box("dA_prev", dprev, b.get("dA_prev"))
            formula = _backward_formula(s, prev, n, t)
            if b is not None and s.differing:
                heading += f"<br><span style='color:{DIFF_COLOR}'>The bug changes " + \
                    ", ".join(pretty(d) for d in s.differing) + " here.</span>"
            order = ["dZ"] if "dZ" in feeds else []
            order += [k for k in feeds if k not in order]
            feeds = {k: feeds[k] for k in order}
        return StepCard(heading, formula, boxes, feeds, hover, self.formula_pt)

    def _update_card(self, hover) -> StepCard:
        t = self.trace
        boxes, feeds = [], {}
        for s in t.layers:
            for k in s.params:
                n = s.index + 1
                boxes.append(self._box(f"{k}{n}", f"{k}[{n}]", s.params[k]))
                boxes.append(self._box(f"d{k}{n}", f"d{k}[{n}]", s.grads[k]))
                boxes.append(self._box(f"new{k}{n}", f"{k}[{n}]−lr·d{k}", s.updated[k]))
                feeds[f"new{k}{n}"] = [f"{k}{n}", f"d{k}{n}"]
        heading = f"<b>Update</b>: every weight moves against its gradient. It is {t.update_note}"
        formula = f"W ← W − lr·dW{GAP}b ← b − lr·db{GAP}(lr = {t.lr:g})"
        return StepCard(heading, formula, boxes, feeds, hover, self.formula_pt)


def pretty(what: str) -> str:
    return "d" + what.split(".", 1)[1] if what.startswith("grads.") else what


def _forward_formula(s, prev: str, n: int) -> str:
    act = f"A[{n}] = Z[{n}]   (no activation)" if s.activation == "linear" else f"A[{n}] = {s.activation}(Z[{n}])"
    if s.kind == "dense":
        return f"Z[{n}] = {prev}·W[{n}] + b[{n}]{GAP}{act}"
    if s.kind == "conv":
        return f"Z[{n}] = {prev} ⋆ W[{n}] + b[{n}] (cross-correlation){GAP}{act}"
    if s.kind == "flatten":
        return f"A[{n}] = {prev} reshaped to one row per sample"
    if s.kind == "maxpool":
        return f"A[{n}] = the maximum of each window of {prev}"
    if s.kind == "batchnorm":
        return (f"A[{n}] = gamma·({prev} − mean)/√(var + ε) + beta, with this batch's own mean and variance "
                "(one sample: x̂ = 0, so A = beta and nothing flows back)")
    if s.kind == "dropout":
        return f"A[{n}] = {prev} ⊙ mask[{n}]   (one fixed draw of the mask, as in a training step)"
    return f"A[{n}] = {s.kind}({prev})"


def _backward_formula(s, prev: str, n: int, t) -> str:
    reg = f"  (+ λ/m·W[{n}], λ = {t.l2:g})" if t.l2 and "W" in s.params else ""
    dprev = "dX" if n == 1 else f"dA[{n - 1}]"
    if s.kind in ("dense", "conv"):
        if s.fused:
            first = f"dZ[{n}] = (A[{n}] − Y)/m   (sigmoid/softmax + cross-entropy: the loss gives dZ directly)"
        elif s.activation == "linear":
            first = f"dZ[{n}] = dA[{n}]   (no activation: g′ = 1)"
        elif s.activation == "softmax":
            first = f"dZ[{n}] = softmax′(Z[{n}])ᵀ·dA[{n}]   (the softmax Jacobian, row by row)"
        else:
            first = f"dZ[{n}] = dA[{n}] ⊙ g′(Z[{n}])"
        if s.kind == "dense":
            return (f"{first}<br>dW[{n}] = {prev}ᵀ·dZ[{n}]{reg}{GAP}db[{n}] = Σ<sub>rows</sub> dZ[{n}]"
                    f"{GAP}{dprev} = dZ[{n}]·W[{n}]ᵀ")
        return (f"{first}<br>dW[{n}] = {prev} ⋆ dZ[{n}]{reg}{GAP}db[{n}] = Σ dZ[{n}] per filter"
                f"{GAP}{dprev} = dZ[{n}] convolved back with W[{n}]")
    if s.kind == "flatten":
        return f"{dprev} = dA[{n}] reshaped back to {prev}'s shape"
    if s.kind == "maxpool":
        return f"{dprev} = dA[{n}] sent to each window's maximum, 0 elsewhere"
    if s.kind == "dropout":
        return f"{dprev} = dA[{n}] ⊙ mask[{n}]"
    if s.kind == "batchnorm":
        return f"dgamma = Σ dA⊙x̂   dbeta = Σ dA   {dprev} = the batch-norm input gradient"
    return f"{dprev} from dA[{n}]"


