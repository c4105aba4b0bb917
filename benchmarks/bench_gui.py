"""How smoothly the app animates while the moons preset trains, and what the live views cost.

A benchmark, not a test: it prints figures and compares them with issue 10's bars.

1. **Headless**: ``model.fit`` on the moons preset (same data, network,
   optimizer and per-epoch test evaluation as the app), no callbacks.
2. **App, Training tab**: the real main window (offscreen unless
   ``QT_QPA_PLATFORM`` says otherwise) trains the same preset with the live
   views on, while a 10 ms QTimer in the GUI thread records how late each of
   its ticks is; the decision boundary's frames per second are counted.
3. **App, Network tab**: the same with the network graph in front; its
   frames per second are counted.

4. **CPU reference**: the headless fit again while a separate process (no
   shared GIL, nothing drawn) keeps one core busy for the share of time the
   GUI thread was busy during the app runs, in 50 ms cycles. What that costs
   is what the views would cost if the GUI did its work outside Python
   entirely: on two cores the fit's second BLAS thread and the GUI share one.

Bars (issue 10, item 5): the boundary and the network graph at least 20
frames a second; the views cost at most 10 % of training throughput; the
timer's lateness under 16 ms at the 99th percentile. Runs alternate
(headless, app, headless, network, headless, …) so that load from other
programs hits all alike; each app run's throughput is divided by the mean of
the headless runs just before and after it, and the medians over the runs
are reported.

    PYTHONPATH=. python benchmarks/bench_gui.py [--epochs 10000] [--repeats 5]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

LATENESS_BAR = 0.016
COST_BAR = 0.10
FPS_BAR = 20.0
TICK = 0.010


def headless_run(epochs: int) -> float:
    """Epochs per second of plain model.fit on the moons preset."""
    from nnviz.data import load_dataset
    from nnviz.lab.presets import load_preset

    config = load_preset("moons")
    ds = load_dataset(config.dataset, **config.dataset_options)
    model = config.build_model(ds.input_shape)
    optimizer = config.build_optimizer()
    start = time.perf_counter()
    model.fit(ds.X_train, ds.y_train, optimizer=optimizer, epochs=epochs, batch_size=config.batch_size,
              validation_data=(ds.X_test, ds.y_test))
    return epochs / (time.perf_counter() - start)


def app_run(app, epochs: int, tab: str | None = None) -> dict:
    """Train in the main window (with the view ``tab``, an objectName, in front); returns throughput,
    timer lateness and drawing counts."""
    from PySide6.QtCore import QEventLoop, QSettings, Qt, QTimer

    from nnviz.gui import MainWindow
    from nnviz.gui.views import BoundaryView

    with tempfile.TemporaryDirectory() as tmp:
        settings = QSettings(str(Path(tmp) / "bench.ini"), QSettings.IniFormat)
        w = MainWindow(settings=settings, preset="moons")
        w.resize(1600, 1000)
        w.show()
        w.epochsSpin.setValue(epochs)
        if tab is not None:
            w.viewTabs.setCurrentWidget(w.view(tab))
        app.processEvents()

        lateness: list[float] = []
        last = [None]

        def tick():
            now = time.perf_counter()
            if last[0] is not None:
                lateness.append(max(0.0, now - last[0] - TICK))
            last[0] = now

        timer = QTimer()
        timer.setTimerType(Qt.PreciseTimer)
        timer.setInterval(int(TICK * 1000))
        timer.timeout.connect(tick)
        loop = QEventLoop()
        results = []
        w.trainingFinished.connect(lambda r: (results.append(r), loop.quit()))
        timer.start()
        cpu0, wall0 = time.thread_time(), time.perf_counter()
        w.train()
        loop.exec()
        gui_cpu = (time.thread_time() - cpu0) / (time.perf_counter() - wall0)
        timer.stop()
        result = results[0]
        boundary = w.findChild(BoundaryView, "boundaryPlot")
        out = {
            "status": result.status,
            "throughput": result.epochs_done / result.elapsed,
            "elapsed": result.elapsed,
            "lateness": np.array(lateness),
            "snapshots": w.snapshots_drawn,
            "frames": boundary.frames_drawn,
            "network_frames": w.view("networkView").frames_drawn,
            "gui_cpu": gui_cpu,
        }
        w.close()
        w.deleteLater()
        app.processEvents()
        return out


BUSY_LOOP = """
import sys, time
duty, period = float(sys.argv[1]), 0.05
while True:
    start = time.perf_counter()
    while time.perf_counter() - start < duty * period:
        pass
    time.sleep(period * (1 - duty))
"""


def busy_headless_run(epochs: int, duty: float) -> float:
    """Epochs per second of the headless fit while another process keeps a core busy ``duty`` of the time."""
    import subprocess

    busy = subprocess.Popen([sys.executable, "-c", BUSY_LOOP, f"{duty:.4f}"])
    try:
        time.sleep(0.2)
        return headless_run(epochs)
    finally:
        busy.kill()
        busy.wait()


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--epochs", type=int, default=10_000, help="epochs per run (the preset: 10,000)")
    parser.add_argument("--repeats", type=int, default=5, help="runs of each tab, each between two headless runs")
    args = parser.parse_args(argv)

    from PySide6.QtWidgets import QApplication

    from nnviz.engine import tune_process
    from nnviz.gui import _pyside_fix, pg_setup

    _pyside_fix.apply()                       # what nnviz.gui.app.run() does before the window opens
    pg_setup.configure(antialias=True)
    tune_process(switch_interval=0.001)

    app = QApplication.instance() or QApplication(sys.argv[:1])
    headless: list[float] = []
    runs: list[tuple[str, dict]] = []         # ("boundary" | "network", result)
    for i in range(args.repeats):
        for kind, tab in (("boundary", None), ("network", "networkView")):
            headless.append(headless_run(args.epochs))
            print(f"run {len(headless)}: headless {headless[-1]:8.1f} epochs/s", flush=True)
            r = app_run(app, args.epochs, tab=tab)
            runs.append((kind, r))
            frames = r["frames"] if kind == "boundary" else r["network_frames"]
            print(f"run {len(headless)}: {kind:8} {r['throughput']:8.1f} epochs/s  ({r['status']}, "
                  f"{r['elapsed']:.1f} s, {r['snapshots']} snapshots = {r['snapshots'] / r['elapsed']:.1f}/s, "
                  f"{frames} {kind} frames = {frames / r['elapsed']:.1f}/s, timer p99 "
                  f"{np.percentile(r['lateness'], 99) * 1000:.1f} ms)", flush=True)
    headless.append(headless_run(args.epochs))
    print(f"final:  headless {headless[-1]:8.1f} epochs/s", flush=True)
    duty = statistics.median(r["gui_cpu"] for _kind, r in runs)
    busy_ratios = []
    for _ in range(max(1, args.repeats // 2)):
        busy = busy_headless_run(args.epochs, duty)
        headless.append(headless_run(args.epochs))
        busy_ratios.append(busy / ((headless[-1] + headless[-2]) / 2))
        print(f"CPU reference: headless {busy:8.1f} epochs/s beside a process busy {duty:.0%} of the time, "
              f"then headless {headless[-1]:8.1f}", flush=True)

    ratios = [r["throughput"] / ((headless[i] + headless[i + 1]) / 2) for i, (_kind, r) in enumerate(runs)]
    fps = {kind: statistics.median((r["frames"] if kind == "boundary" else r["network_frames"]) / r["elapsed"]
                                   for k, r in runs if k == kind) for kind in ("boundary", "network")}
    p99 = [np.percentile(r["lateness"], 99) * 1000 for _kind, r in runs]
    cost = 1 - statistics.median(ratios)
    late = statistics.median(p99)
    platform = os.environ.get("QT_QPA_PLATFORM", "")

    def verdict(ok: bool) -> str:
        return "PASS" if ok else "FAIL"

    print()
    print(f"platform: {platform or 'default'}; moons preset, {args.epochs:,} full-batch epochs per run, "
          f"{args.repeats} run(s) of each tab; medians over the runs")
    print(f"throughput: headless median {statistics.median(headless):.1f} epochs/s; app/headless per run: "
          f"{', '.join(f'{x:.3f}' for x in ratios)}")
    print(f"boundary frames per second (Training tab): {fps['boundary']:.1f}  -> bar >= {FPS_BAR:.0f}: "
          f"{verdict(fps['boundary'] >= FPS_BAR)}")
    print(f"network-graph frames per second (Network tab): {fps['network']:.1f}  -> bar >= {FPS_BAR:.0f}: "
          f"{verdict(fps['network'] >= FPS_BAR)}")
    print(f"views cost: {cost:.1%} of training throughput  -> bar <= {COST_BAR:.0%}: {verdict(cost <= COST_BAR)}")
    print(f"GUI thread busy {duty:.1%} of the time during the app runs (median); a separate process as busy "
          f"costs the headless fit {1 - statistics.median(busy_ratios):.1%} (the views' cost without any Python)")
    print(f"GUI timer lateness p99 (10 ms QTimer): {late:.1f} ms (per run: {', '.join(f'{x:.1f}' for x in p99)})"
          f"  -> bar < {LATENESS_BAR * 1000:.0f} ms: {verdict(late < LATENESS_BAR * 1000)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
