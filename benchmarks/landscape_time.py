"""Time the loss landscape of the moons preset at 41×41 (the issue asks for at most 5 s).

Usage: python benchmarks/landscape_time.py [--epochs N] [--resolution 41] [--preset moons]
Trains the preset's network for N epochs (default 200) with the path recorded, then computes the slice
around the trained weights with the path projected, and prints the seconds.
"""

from __future__ import annotations

import argparse
import os
import time

from nnviz.lab import datasets
from nnviz.lab.landscape import PathRecorder, compute_landscape, sample_subset
from nnviz.lab.presets import load_preset


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--preset", default="moons")
    parser.add_argument("--epochs", type=int, default=200)
    parser.add_argument("--resolution", type=int, default=41)
    parser.add_argument("--mode", default="random")
    args = parser.parse_args()
    cfg = load_preset(args.preset)
    ds = datasets.load(cfg.dataset, cfg.dataset_options, os.environ.get("NNVIZ_DATA_DIR"))
    model = cfg.build_model(ds.input_shape)
    path = PathRecorder()
    model.fit(ds.X_train, ds.y_train, optimizer=cfg.build_optimizer(), epochs=args.epochs,
              batch_size=cfg.batch_size, callbacks=[path])
    X, y = sample_subset(ds.X_train, ds.y_train)
    points, iterations = path.path()
    t0, c0 = time.perf_counter(), time.process_time()
    ls = compute_landscape(model, X, y, args.mode, args.resolution, points, iterations)
    seconds, cpu = time.perf_counter() - t0, time.process_time() - c0
    print(f"{args.preset} ({model.count_params():,} parameters, {len(y)} samples): {args.resolution}×"
          f"{args.resolution} landscape ({args.mode}) in {seconds:.2f} s wall, {cpu:.2f} s CPU; centre cost {ls.centre_cost:.6f}, "
          f"path of {len(points)} points ends at ({ls.path[-1, 0]:.2g}, {ls.path[-1, 1]:.2g})")


if __name__ == "__main__":
    main()
