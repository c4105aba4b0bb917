"""The decision boundary's evolution during a run, as an animated GIF. No Qt.

:class:`BoundaryRecorder` keeps one boundary frame per ``every`` training
iterations (the moons seed saved one picture per 50) and at most
``max_frames`` of them: when full, it drops every other frame and doubles
``every``, so a run of any length fits in a few megabytes. The frames are
computed in the training thread by :class:`FrameProbe`, which is both an
engine callback (it evaluates the network on the grid every ``every``
iterations) and a probe (each snapshot carries the frames made since the
last one). A frame of a small, fast network can cost as much as ten
training iterations; the probe doubles its spacing until frames take at
most ``FRAME_BUDGET`` of the run's time, so the film never slows the
training it films.
:func:`write_gif` draws each frame with Pillow (shading, class points,
the boundary line and the epoch) and writes an animation that loops.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from .boundary import boundary_frame, make_grid
from .palette import binary_lut, class_color, hex_to_rgb, multiclass_rgb

EVERY = 50
MAX_FRAMES = 200
FRAME_BUDGET = 0.01      # fraction of training time the recorded frames may take
FRAME_MS = 80
LAST_FRAME_MS = 2000
CAPTION_PX = 34
GRID_SIZE = 100


@dataclass
class RecordedFrame:
    """One moment: ``probs`` as uint8 (ny, nx) P(class 1)·255 or (ny, nx, k) class probabilities·255."""

    iteration: int
    epoch: int
    probs: np.ndarray
    contour_x: np.ndarray
    contour_y: np.ndarray


class BoundaryRecorder:
    """Collects boundary frames of the current model; see the module docstring."""

    def __init__(self, every: int = EVERY, max_frames: int = MAX_FRAMES):
        if every < 1 or max_frames < 2:
            raise ValueError(f"every must be >= 1 and max_frames >= 2. "
                             f"Received: every={every}, max_frames={max_frames}")
        self.base_every = int(every)
        self.max_frames = int(max_frames)
        self.reset(None)

    def reset(self, dataset, unit: str = "epoch", grid=None, start_epoch: int = 0) -> None:
        """Start over for a new model on ``dataset`` (recording only happens for 2-D point data).

        ``grid`` (optional) is the boundary view's grid, so that the view's
        frame of the untrained network and the recorded frames match.
        """
        self.every = self.base_every
        self.start_epoch = int(start_epoch)     # epochs the network had before recording began
        self.frames: list[RecordedFrame] = []
        self.latest: RecordedFrame | None = None
        self.unit = unit
        self.xs = self.ys = None
        ok = dataset is not None and tuple(dataset.input_shape) == (2,)
        self.dataset = dataset if ok else None
        self.class_names = list(getattr(dataset, "class_names", []) or []) if ok else []
        self.grid = None
        if ok:
            X = np.concatenate([dataset.X_train, dataset.X_test]) if len(dataset.X_test) else dataset.X_train
            self.grid = grid if grid is not None else make_grid(X, n=GRID_SIZE)

    def probes(self) -> list:
        """The worker-side half for the next run (none when the data are not 2-D points)."""
        return [FrameProbe(self.grid, self.every)] if self.enabled else []

    @property
    def enabled(self) -> bool:
        return self.dataset is not None

    def add_snapshot(self, snap) -> bool:
        """Keep ``snap``'s boundary frame if it is due; returns True if it was stored."""
        probes = snap.probes or {}
        stored = False
        for iteration, epoch, frame in probes.get(FrameProbe.key) or ():
            stored |= self.add(iteration, epoch, frame)
        live = probes.get("boundary")      # the boundary view's frame, computed at this snapshot
        if live is not None and (not self.frames or getattr(snap, "reason", "") == "final"):
            # the untrained network before a run, and the state a run ended in (the film's last frame)
            stored |= self.add(snap.iteration, snap.epoch, live)
        return stored

    def add(self, iteration: int, epoch: int, frame) -> bool:
        """Offer a :class:`~nnviz.lab.boundary.BoundaryFrame` computed after ``iteration`` iterations.

        A frame of a diverged network (NaN probabilities) is refused: the film keeps its last good state.
        """
        if not self.enabled or not np.all(np.isfinite(frame.probs)):
            return False
        if self.xs is None or len(frame.xs) != len(self.xs) or len(frame.ys) != len(self.ys):
            if self.frames:
                return False    # a grid of some other dataset
            self.xs, self.ys = np.asarray(frame.xs), np.asarray(frame.ys)
        probs = np.clip(np.rint(np.asarray(frame.probs, dtype=np.float32) * 255), 0, 255).astype(np.uint8)
        kept = RecordedFrame(int(iteration), int(epoch), probs, np.asarray(frame.contour_x, dtype=np.float32),
                             np.asarray(frame.contour_y, dtype=np.float32))
        self.latest = kept
        if self.frames and iteration < self.frames[-1].iteration + self.every:
            return False
        self.frames.append(kept)
        if len(self.frames) > self.max_frames:
            self.frames = self.frames[::2]
            self.every *= 2
        return True

    def all_frames(self) -> list[RecordedFrame]:
        """The stored frames, ending with the latest one seen (the run's final state)."""
        frames = list(self.frames)
        if self.latest is not None and (not frames or self.latest.iteration > frames[-1].iteration):
            frames.append(self.latest)
        return frames

    @property
    def nbytes(self) -> int:
        return sum(f.probs.nbytes + f.contour_x.nbytes + f.contour_y.nbytes for f in self.frames)


class FrameProbe:
    """Training-thread half of the recorder: a frame every ``every`` iterations, handed over in snapshots.

    ``every`` starts at the recorder's spacing and doubles while a frame
    costs more than ``budget`` of the ``every`` iterations between frames.
    """

    key = "boundary_frames"

    def __init__(self, grid, every: int, budget: float = FRAME_BUDGET, clock=time.perf_counter):
        self.grid = grid
        self.every = int(every)
        self.budget = float(budget)
        self.clock = clock
        self._pending: list = []
        self._started = clock()
        self._first_iteration = 0
        self._frames = 0
        self._spent = 0.0

    def on_train_begin(self, model, info) -> None:
        self._started = self.clock()
        self._first_iteration = model.history.iterations_done

    def on_batch_end(self, model, info) -> None:
        iteration = int(info["iteration"])
        if iteration % self.every:
            return
        start = self.clock()
        epoch = int(info["epoch"]) + 1   # the epoch this step belongs to (info counts from 0 here)
        self._pending.append((iteration, epoch, boundary_frame(model.predict, self.grid)))
        training_time = start - self._started - self._spent
        self._spent += self.clock() - start
        self._frames += 1
        iterations = iteration - self._first_iteration
        if iterations <= 0 or training_time <= 0:
            return
        per_frame, per_iteration = self._spent / self._frames, training_time / iterations
        while per_frame > self.budget * per_iteration * self.every and self.every < (1 << 30):
            self.every *= 2

    def compute(self, model) -> list:
        """The frames made since the last call: [(iteration, epoch, BoundaryFrame), ...]."""
        frames, self._pending = self._pending, []
        return frames


def render_frame(recorder: BoundaryRecorder, frame: RecordedFrame, side: int = 480) -> Image.Image:
    """One frame as an RGB image: the shaded plane, the points, the boundary, and the epoch on top."""
    xs, ys = recorder.xs, recorder.ys
    dx, dy = xs[1] - xs[0], ys[1] - ys[0]
    left, bottom = xs[0] - dx / 2, ys[0] - dy / 2
    width, height = dx * len(xs), dy * len(ys)
    plot_h = max(2, int(round(side * height / width)))
    if frame.probs.ndim == 2:
        rgb = binary_lut()[frame.probs]
    else:
        rgb = multiclass_rgb(frame.probs.astype(np.float32) / 255)
    shade = Image.fromarray(np.ascontiguousarray(rgb[::-1]).astype(np.uint8), "RGB")   # row 0 is the top
    shade = shade.resize((side, plot_h), Image.BILINEAR)
    canvas = Image.new("RGB", (side, plot_h + CAPTION_PX), "white")
    canvas.paste(shade, (0, CAPTION_PX))
    draw = ImageDraw.Draw(canvas)

    def to_px(x, y):
        return (np.asarray(x) - left) / width * side, CAPTION_PX + plot_h - (np.asarray(y) - bottom) / height * plot_h

    ds = recorder.dataset
    for X, y, triangle in ((ds.X_train, ds.y_train, False), (ds.X_test, ds.y_test, True)):
        if len(X) == 0:
            continue
        px, py = to_px(X[:, 0], X[:, 1])
        for k in np.unique(y):
            fill = tuple(int(c) for c in hex_to_rgb(class_color(int(k))))
            for cx, cy in zip(px[y == k], py[y == k]):
                if triangle:
                    draw.polygon([(cx, cy - 4.5), (cx - 4, cy + 3), (cx + 4, cy + 3)], fill=fill, outline=(20, 20, 20))
                else:
                    draw.ellipse([cx - 3, cy - 3, cx + 3, cy + 3], fill=fill, outline=(30, 30, 30))
    cx, cy = to_px(frame.contour_x, frame.contour_y)
    for i in range(0, len(cx) - 1, 2):
        draw.line([(cx[i], cy[i]), (cx[i + 1], cy[i + 1])], fill=(17, 17, 17), width=3)
    font = ImageFont.load_default(size=18)
    draw.rectangle([0, 0, side, CAPTION_PX - 1], fill="white")
    count = frame.iteration if recorder.unit == "iteration" else frame.epoch
    draw.text((10, 7), f"Decision boundary, {recorder.unit} {count:,}", fill=(34, 34, 34), font=font)
    return canvas


def write_gif(recorder: BoundaryRecorder, path, side: int = 480, frame_ms: int = FRAME_MS,
              last_frame_ms: int = LAST_FRAME_MS) -> int:
    """Write the recorded frames to ``path`` as a looping GIF; returns the number of frames.

    Raises ValueError with a sentence when there is nothing to animate.
    """
    if not recorder.enabled:
        raise ValueError("the boundary animation exists for datasets of 2-D points (moons, circles, xor, spiral); "
                         "this dataset has other inputs")
    frames = recorder.all_frames()
    if len(frames) < 2 and recorder.start_epoch > 0:
        raise ValueError(f"this network arrived already trained ({recorder.start_epoch:,} epochs, from a file) and "
                         "its training was not recorded: train it further and the animation starts from here")
    if len(frames) < 2:
        raise ValueError("there is nothing to animate yet: train the network first "
                         "(the animation keeps one frame every few iterations)")
    images = [render_frame(recorder, f, side) for f in frames]
    durations = [frame_ms] * (len(images) - 1) + [last_frame_ms]
    images[0].save(Path(path), format="GIF", save_all=True, append_images=images[1:], duration=durations, loop=0)
    return len(images)
