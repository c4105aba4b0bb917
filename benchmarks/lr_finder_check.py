"""Does the LR finder's suggestion train as well as the preset's own rate, in the preset's epochs?

Usage: NNVIZ_DATA_DIR=/work/shared/data python benchmarks/lr_finder_check.py moons mnist-dense [--epochs N]

For each preset: run the finder (on a copy of the freshly built network), then train two copies of that
same network, one at the preset's lr and one at the suggestion, for the preset's epochs (or N), and print
both test accuracies.
"""

from __future__ import annotations

import argparse
import os
import time

from nnviz.lab import datasets
from nnviz.lab.lr_finder import find_lr
from nnviz.lab.presets import load_preset


def check(name: str, epochs: int | None = None, data_dir=None) -> dict:
    cfg = load_preset(name)
    ds = datasets.load(cfg.dataset, cfg.dataset_options, data_dir)
    model = cfg.build_model(ds.input_shape)
    t0 = time.perf_counter()
    found = find_lr(model, ds.X_train, ds.y_train, cfg.build_optimizer(), batch_size=cfg.batch_size)
    finder_s = time.perf_counter() - t0
    epochs = epochs or cfg.epochs
    out = {"preset": name, "epochs": epochs, "preset_lr": cfg.lr, "suggested_lr": found.suggestion,
           "finder_seconds": finder_s, "finder_status": found.status}
    for key, lr in (("preset", cfg.lr), ("suggested", found.suggestion)):
        net = model.copy()
        net.fit(ds.X_train, ds.y_train, optimizer=cfg.build_optimizer(lr=lr), epochs=epochs,
                batch_size=cfg.batch_size)
        out[f"{key}_accuracy"] = net.evaluate(ds.X_test, ds.y_test)["accuracy"]
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("presets", nargs="+")
    parser.add_argument("--epochs", type=int, default=None)
    args = parser.parse_args()
    for name in args.presets:
        r = check(name, args.epochs, os.environ.get("NNVIZ_DATA_DIR"))
        print(f"{r['preset']}: {r['epochs']} epochs; finder {r['finder_seconds']:.1f} s ({r['finder_status']}); "
              f"preset lr {r['preset_lr']:g} → test accuracy {r['preset_accuracy']:.4f}; "
              f"suggested lr {r['suggested_lr']:.3g} → test accuracy {r['suggested_accuracy']:.4f}", flush=True)


if __name__ == "__main__":
    main()
