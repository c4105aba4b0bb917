"""Painted 2-D data: points a student clicks onto the boundary plot, without Qt.

:class:`PaintedPoints` holds the points (float64 (n, 2)), their labels
(int64 (n,), 0 … 7) and the class names; the lab owns one and turns it into
the dataset named :data:`PAINTED` (a seeded, stratified train/test split,
:meth:`PaintedPoints.to_dataset`). Points are saved as CSV with the header
``x1,x2,label``, coordinates written with ``repr`` so that reading the file
gives back exactly the same floats, and the label written as the class name.
A bad file is refused with one sentence naming its row and column.
"""

from __future__ import annotations

import csv
import io
import math
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np

from nnviz.data.dataset import Dataset

PAINTED = "painted"
MAX_CLASSES = 8
MAX_POINTS = 100_000
MAX_FILE_BYTES = 20 * 2**20
MAX_NAME = 100
HEADER = ("x1", "x2", "label")
#: the empty canvas: the plane shown before any point is painted (and always included)
CANVAS = (-1.5, 1.5, -1.5, 1.5)
DEFAULT_NAMES = tuple(f"class {k + 1}" for k in range(MAX_CLASSES))
_DEFAULT_NAME = re.compile(r"class ([1-8])")


@dataclass(frozen=True)
class PaintEdit:
    """One thing done to the painted points, as the GUI asks the lab for it (``lab.edit_painted``).

    ``op(points)`` edits (or saves) them; ``changes``: whether the dataset must be made again;
    ``status``: a line for the status bar once done.
    """

    op: Callable[["PaintedPoints"], object]
    changes: bool = True
    status: str = ""

    def apply(self, points: "PaintedPoints") -> bool:
        """Do it; True if the points changed (an erase that removed nothing did not)."""
        result = self.op(points)
        return self.changes and result != 0

    @classmethod
    def add(cls, x: float, y: float, label: int) -> "PaintEdit":
        return cls(lambda p: p.add(x, y, label))

    @classmethod
    def erase(cls, x: float, y: float, radius: float) -> "PaintEdit":
        return cls(lambda p: p.erase(x, y, radius))

    @classmethod
    def clear(cls) -> "PaintEdit":
        return cls(lambda p: p.clear(), status="Painted points cleared.")

    @classmethod
    def load(cls, path) -> "PaintEdit":
        return cls(lambda p: p.load_csv(path), status=f"Points loaded from {Path(path).name}.")

    @classmethod
    def save(cls, path) -> "PaintEdit":
        return cls(lambda p: p.save_csv(path), changes=False, status=f"Points saved to {Path(path).name}.")

    @classmethod
    def start(cls) -> "PaintEdit":
        """Nothing edited: only switches to the painted dataset (the Draw button on another dataset)."""
        return cls(lambda p: None)


class PaintedPoints:
    """Points of up to :data:`MAX_CLASSES` classes. ``X`` (n, 2) float64, ``y`` (n,) int64, ``names`` (8,)."""

    def __init__(self):
        self.X = np.empty((0, 2), dtype=np.float64)
        self.y = np.empty(0, dtype=np.int64)
        self.names: list[str] = list(DEFAULT_NAMES)

    def __len__(self) -> int:
        return len(self.y)

    # --- editing ------------------------------------------------------------------------
    def add(self, x: float, y: float, label: int) -> None:
        """Add the point (x, y) of class ``label`` (0 … 7); ValueError otherwise."""
        if isinstance(label, bool) or not isinstance(label, (int, np.integer)) or not 0 <= label < MAX_CLASSES:
            raise ValueError(f"a painted point's class must be 0 to {MAX_CLASSES - 1}. Received: {label!r}.")
        if not (math.isfinite(x) and math.isfinite(y)):
            raise ValueError(f"a painted point needs finite coordinates. Received: ({x!r}, {y!r}).")
        if len(self) >= MAX_POINTS:
            raise ValueError(f"painted data holds at most {MAX_POINTS:,} points.")
        self.X = np.vstack([self.X, [[float(x), float(y)]]])
        self.y = np.append(self.y, np.int64(label))

    def erase(self, x: float, y: float, radius: float) -> int:
        """Remove the points within ``radius`` of (x, y); returns how many."""
        if not len(self):
            return 0
        keep = np.hypot(self.X[:, 0] - x, self.X[:, 1] - y) > radius
        removed = int(len(keep) - keep.sum())
        self.X, self.y = self.X[keep], self.y[keep]
        return removed

    def clear(self) -> None:
        self.X = np.empty((0, 2), dtype=np.float64)
        self.y = np.empty(0, dtype=np.int64)

    def set_points(self, X, y, names=None) -> None:
        X, y = np.asarray(X, dtype=np.float64).reshape(-1, 2), np.asarray(y, dtype=np.int64).reshape(-1)
        if len(X) != len(y) or (len(y) and (y.min() < 0 or y.max() >= MAX_CLASSES)):
            raise ValueError(f"painted points need one label (0 to {MAX_CLASSES - 1}) per point.")
        self.X, self.y = X.copy(), y.copy()
        if names is not None:
            names = [str(n) for n in names][:MAX_CLASSES]
            spare = [n for n in DEFAULT_NAMES if n not in names]
            self.names = names + spare[:MAX_CLASSES - len(names)]

    # --- what it holds ------------------------------------------------------------------
    @property
    def n_classes(self) -> int:
        """Classes 0 … the highest label painted (at least 2, so a two-class network fits at first)."""
        return max(2, int(self.y.max()) + 1 if len(self.y) else 0)

    def class_names(self) -> list[str]:
        return self.names[:self.n_classes]

    def counts(self) -> list[int]:
        """Points per class, for classes 0 … n_classes − 1."""
        return [int(c) for c in np.bincount(self.y, minlength=self.n_classes)]

    def extent(self) -> tuple[float, float, float, float]:
        """(x_min, x_max, y_min, y_max): the canvas, grown to take every point."""
        x0, x1, y0, y1 = CANVAS
        if len(self):
            lo, hi = self.X.min(axis=0), self.X.max(axis=0)
            x0, x1, y0, y1 = min(x0, lo[0]), max(x1, hi[0]), min(y0, lo[1]), max(y1, hi[1])
        return (float(x0), float(x1), float(y0), float(y1))

    def problem(self) -> str | None:
        """Why these points cannot be trained on yet (a sentence), or None."""
        used = sorted(set(self.y.tolist()))
        if not used:
            return ("No points painted yet: switch on Draw on the decision-boundary plot, pick a class and "
                    "click to add points.")
        if len(used) < 2:
            return (f"Paint points of at least two classes: all {len(self):,} points are "
                    f"{self.names[used[0]]!r}; pick another class above the plot and click.")
        return None

    def to_dataset(self, test_fraction: float = 0.2, seed: int = 0) -> Dataset:
        """The points as a Dataset named "painted": X float32 (m, 2), y int64 (m,).

        The split is stratified and seeded: of each class's n_k points, floor(test_fraction·n_k) chosen by
        ``RandomState(seed)`` go to the test part (a class of few points stays in training); both parts
        keep the painting order.
        """
        if not 0.0 < float(test_fraction) < 1.0:
            raise ValueError(f"test fraction must be between 0 and 1. Received: {test_fraction!r}.")
        rng = np.random.RandomState(int(seed))
        test = np.zeros(len(self), dtype=bool)
        for k in range(self.n_classes):
            idx = np.flatnonzero(self.y == k)
            n_test = int(math.floor(float(test_fraction) * len(idx)))
            if n_test:
                test[rng.permutation(idx)[:n_test]] = True
        X = self.X.astype(np.float32)
        return Dataset(X_train=X[~test], y_train=self.y[~test].copy(), X_test=X[test], y_test=self.y[test].copy(),
                       class_names=self.class_names(), input_shape=(2,), name=PAINTED, source="painted")

    # --- CSV ----------------------------------------------------------------------------
    def to_csv_text(self) -> str:
        """``x1,x2,label`` then one row a point: coordinates as ``repr`` (exact), the label as its class name."""
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(HEADER)
        for (a, b), k in zip(self.X.tolist(), self.y.tolist()):
            writer.writerow((repr(float(a)), repr(float(b)), self.names[k]))
        return out.getvalue()

    def save_csv(self, path) -> None:
        Path(path).write_text(self.to_csv_text(), encoding="utf-8", newline="")

    def load_csv(self, path) -> None:
        """Replace the points with those of the CSV file ``path``; ValueError naming row and column otherwise
        (the points are unchanged then)."""
        path = Path(path)
        try:
            size = path.stat().st_size
            if size > MAX_FILE_BYTES:
                raise ValueError(f"{path.name} has {size:,} bytes, more than the {MAX_FILE_BYTES:,} a points "
                                 "file may have.")
            text = path.read_bytes().decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise ValueError(f"{path.name} is not UTF-8 text (byte {exc.start + 1:,} cannot be read): "
                             "expected a CSV file with the header x1,x2,label.") from None
        X, y, names = parse_points_csv(text, path.name)
        self.set_points(X, y, names)


def parse_points_csv(text: str, source: str = "the points file"):
    """``(X (n, 2) float64, y (n,) int64, names)`` from CSV text; ValueError naming the row and column."""
    rows = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(rows, None)
    except csv.Error as exc:
        raise ValueError(f"{source}, row 1: {exc}; expected the header x1,x2,label.") from None
    if header is None:
        raise ValueError(f"{source} is empty: expected the header x1,x2,label and one row per point.")
    if [h.strip().lower() for h in header] != list(HEADER):
        raise ValueError(f"{source}, row 1: expected the header x1,x2,label, received {','.join(header)!r}.")
    points, labels, order = [], [], []
    r = 1
    try:
        for r, row in enumerate(rows, start=2):
            if not row or (len(row) == 1 and not row[0].strip()):
                continue            # blank line
            if len(row) != 3:
                raise ValueError(f"{source}, row {r}: expected 3 columns (x1, x2, label), received {len(row)}.")
            values = []
            for column, cell in zip(HEADER[:2], row[:2]):
                try:
                    value = float(cell)
                except ValueError:
                    value = None
                if value is None or not math.isfinite(value):
                    raise ValueError(f"{source}, row {r}, column {column}: expected a finite number, "
                                     f"received {cell[:40]!r}.")
                values.append(value)
            name = row[2]
            if not name.strip() or len(name) > MAX_NAME:
                raise ValueError(f"{source}, row {r}, column label: expected a class name of 1 to {MAX_NAME} "
                                 f"characters, received {name[:40]!r}.")
            if name not in order:
                if len(order) == MAX_CLASSES:
                    raise ValueError(f"{source}, row {r}, column label: {name[:40]!r} would be class "
                                     f"{MAX_CLASSES + 1}, but painted data has at most {MAX_CLASSES} classes.")
                order.append(name)
            points.append(values)
            labels.append(name)
            if len(points) > MAX_POINTS:
                raise ValueError(f"{source}, row {r}: more than {MAX_POINTS:,} points; painted data holds at most "
                                 f"{MAX_POINTS:,}.")
    except csv.Error as exc:
        raise ValueError(f"{source}, row {r + 1}: {exc}.") from None
    # the default names keep their classes (and colours); other names are numbered in order of appearance
    matches = [_DEFAULT_NAME.fullmatch(n) for n in order]
    if all(matches):
        names = list(DEFAULT_NAMES)
    else:
        names = order
    index = {n: names.index(n) for n in order}
    X = np.array(points, dtype=np.float64).reshape(-1, 2)
    y = np.array([index[n] for n in labels], dtype=np.int64)
    return X, y, names


def plane_points(ds) -> np.ndarray:
    """(m, 2) float32: the points a view of the input plane spans — the dataset's, plus the painting
    canvas's corners for painted data (or data with no points yet), so there is room to paint."""
    points = np.concatenate([ds.X_train, ds.X_test]) if len(ds.X_test) else np.asarray(ds.X_train)
    points = np.asarray(points, dtype=np.float32).reshape(-1, 2)
    if ds.name == PAINTED or len(points) == 0:
        points = np.concatenate([points, np.array([CANVAS[0::2], CANVAS[1::2]], dtype=np.float32)])
    return points
