"""How responsive the app stays while the moons preset trains, and what the live views cost.

A benchmark, not a test: it prints figures and compares them with two bars.

1. **Headless**: ``model.fit`` on the moons preset (same data, network,
   optimizer and per-epoch test evaluation as the app), no callbacks.
2. **App**: the real main window (offscreen unless ``QT_QPA_PLATFORM`` says
   otherwise) trains the same preset with the live views on, while a 10 ms
   QTimer in the GUI thread records how late each of its ticks is.
3. **Network graph**: the same, with the Network tab in front; its frames
   per second (median over the runs) are reported.

Bars: 99th percentile of the timer's lateness under 50 ms; the app's
training throughput at least 85 % of headless (the views cost under 15 %).
Runs alternate (headless, app, headless, app, …) so that load from other
programs hits both alike; the reported ratio is the median of the ratios
of each app run to the mean of the headless runs just before and after it.

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

LATENESS_BAR = 0.050
COST_BAR = 0.15
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
        w.train()
        loop.exec()
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
        }
        w.close()
        w.deleteLater()
        app.processEvents()
        return out


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--epochs", type=int, default=10_000, help="epochs per run (the preset: 10,000)")
    parser.add_argument("--repeats", type=int, default=5, help="app runs, each between two headless runs")
    args = parser.parse_args(argv)

    from PySide6.QtWidgets import QApplication

    from nnviz.engine import tune_process
    from nnviz.gui import _pyside_fix

    _pyside_fix.apply()                       # what nnviz.gui.app.run() does before the window opens
    tune_process(switch_interval=0.001)

    app = QApplication.instance() or QApplication(sys.argv[:1])
    headless, runs, graph_runs = [], [], []
    for i in range(args.repeats):
        headless.append(headless_run(args.epochs))
        print(f"run {i + 1}: headless {headless[-1]:8.1f} epochs/s", flush=True)
        runs.append(app_run(app, args.epochs))
        r = runs[-1]
        print(f"run {i + 1}: app      {r['throughput']:8.1f} epochs/s  ({r['status']}, {r['elapsed']:.1f} s, "
              f"{r['snapshots']} snapshots drawn = {r['snapshots'] / r['elapsed']:.1f}/s, "
              f"{r['frames']} boundary frames = {r['frames'] / r['elapsed']:.1f}/s)", flush=True)
        graph_runs.append(app_run(app, args.epochs, tab="networkView"))
        g = graph_runs[-1]
        print(f"run {i + 1}: network  {g['throughput']:8.1f} epochs/s  ({g['status']}, {g['elapsed']:.1f} s, "
              f"{g['network_frames']} network-graph frames = {g['network_frames'] / g['elapsed']:.1f}/s)",
              flush=True)
    headless.append(headless_run(args.epochs))
    print(f"final:  headless {headless[-1]:8.1f} epochs/s", flush=True)

    late = np.concatenate([r["lateness"] for r in runs]) * 1000
    p50, p99, worst = np.percentile(late, 50), np.percentile(late, 99), late.max()
    h = statistics.median(headless)
    a = statistics.median(r["throughput"] for r in runs)
    ratios = [r["throughput"] / ((headless[i] + headless[i + 1]) / 2) for i, r in enumerate(runs)]
    ratio = statistics.median(ratios)
    cost = 1 - ratio
    platform = os.environ.get("QT_QPA_PLATFORM", "")
    print()
    print(f"platform: {platform or 'default'}; moons preset, {args.epochs:,} full-batch epochs per run, "
          f"{args.repeats} run(s) of each")
    print(f"GUI timer lateness (10 ms QTimer, {late.size:,} ticks): p50 {p50:.1f} ms, p99 {p99:.1f} ms, "
          f"max {worst:.1f} ms  -> bar p99 < {LATENESS_BAR * 1000:.0f} ms: "
          f"{'PASS' if p99 < LATENESS_BAR * 1000 else 'FAIL'}")
    print(f"throughput: headless median {h:.1f} epochs/s, app with live views median {a:.1f} epochs/s")
    print(f"app/headless ratio per run: {', '.join(f'{x:.3f}' for x in ratios)}; median {ratio:.3f} "
          f"(views cost {cost:.1%})  -> bar < {COST_BAR:.0%}: {'PASS' if cost < COST_BAR else 'FAIL'}")
    graph_fps = statistics.median(g["network_frames"] / g["elapsed"] for g in graph_runs)
    graph_late = np.concatenate([g["lateness"] for g in graph_runs]) * 1000
    graph_ratio = statistics.median(g["throughput"] / ((headless[i] + headless[i + 1]) / 2)
                                    for i, g in enumerate(graph_runs))
    print(f"network graph (Network tab in front): median {graph_fps:.1f} frames/s; timer lateness p99 "
          f"{np.percentile(graph_late, 99):.1f} ms; throughput ratio median {graph_ratio:.3f} "
          f"(views cost {1 - graph_ratio:.1%})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
