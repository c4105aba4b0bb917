"""Terminal progress for headless training: a redrawn bar on a TTY, plain lines otherwise."""

from __future__ import annotations

import sys
import time


def _clock(seconds: float) -> str:
    seconds = int(max(0, seconds))
    return f"{seconds // 60:d}:{seconds % 60:02d}"


class TrainingProgress:
    """A training callback printing epoch, cost and accuracy with elapsed time and ETA.

    On a terminal one line is redrawn at most ``redraws_per_s`` times a
    second; otherwise (logs, CI) about ``lines`` plain lines are printed.
    """

    def __init__(self, stream=None, label="epoch", redraws_per_s: float = 10.0, lines: int = 10):
        self.stream = stream or sys.stdout
        self.tty = hasattr(self.stream, "isatty") and self.stream.isatty()
        self.label = label
        self.min_interval = 1.0 / redraws_per_s
        self.lines = lines

    def on_train_begin(self, model, info):
        self.start_epoch = info["start_epoch"]
        self.epochs = info["epochs"]
        self.per_epoch = info["iterations_per_epoch"]
        self.t0 = time.perf_counter()
        self.last_draw = 0.0
        self.every = max(1, self.epochs // self.lines)

    def on_batch_end(self, model, info):
        # long epochs (mini-batches on MNIST): redraw within the epoch too
        if self.tty and self.per_epoch > 1:
            now = time.perf_counter()
            if now - self.last_draw >= self.min_interval:
                done = info["epoch"] - self.start_epoch + (info["iteration"] % self.per_epoch) / self.per_epoch
                self._draw(now, done, info["epoch"] + 1, f"batch cost {info['batch_cost']:.4f}")

    def on_epoch_end(self, model, info):
        done = info["epoch"] - self.start_epoch
        text = f"cost {info['cost']:.4f}  train acc {info['train_accuracy']:.4f}"
        if info.get("test_accuracy") is not None:
            text += f"  test acc {info['test_accuracy']:.4f}"
        now = time.perf_counter()
        if self.tty:
            if now - self.last_draw >= self.min_interval or done == self.epochs:
                self._draw(now, done, info["epoch"], text)
        elif done % self.every == 0 or done == self.epochs:
            elapsed = now - self.t0
            print(f"{self.label} {info['epoch']}/{self.start_epoch + self.epochs}  {text}  "
                  f"[{_clock(elapsed)} elapsed]", file=self.stream, flush=True)

    def _draw(self, now, done, epoch, text):
        self.last_draw = now
        frac = min(1.0, done / self.epochs)
        elapsed = now - self.t0
        eta = elapsed / frac * (1 - frac) if frac > 0 else 0.0
        width = 24
        bar = "#" * int(frac * width) + "-" * (width - int(frac * width))
        line = (f"\r[{bar}] {self.label} {epoch}/{self.start_epoch + self.epochs}  {text}  "
                f"{_clock(elapsed)} elapsed, ETA {_clock(eta)}")
        self.stream.write(line.ljust(110))
        self.stream.flush()

    def on_train_end(self, model, history):
        if self.tty:
            self.stream.write("\n")
            self.stream.flush()
