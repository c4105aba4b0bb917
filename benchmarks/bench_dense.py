"""Moons network training speed: nnviz against PyTorch on the CPU, side by side.

The seed-001 network 2-25-50-50-25-1 (ReLU, sigmoid output, binary
cross-entropy) trains full batch with plain gradient descent on 900 moons
points, as the `moons` preset does. Both engines run interleaved rounds
of the same number of epochs; we report the median time per epoch and the
ratio. Run:  python benchmarks/bench_dense.py [--rounds 7] [--epochs 300]
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np

from nnviz.data import load_dataset
from nnviz.engine import SGD, Dense, Sequential, tune_process

SIZES = (25, 50, 50, 25)


def nnviz_trainer(X, y, epochs):
    model = Sequential([*(Dense(n, activation="relu") for n in SIZES), Dense(1, activation="sigmoid")],
                       input_shape=(2,), loss="binary_crossentropy", seed=0)
    optimizer = SGD(0.01)

    def run():
        model.fit(X, y, optimizer=optimizer, epochs=epochs)
    return run


def torch_trainer(X, y, epochs):
    import torch

    torch.set_num_threads(2)
    layers, fan_in = [], 2
    for n in SIZES:
        layers += [torch.nn.Linear(fan_in, n), torch.nn.ReLU()]
        fan_in = n
    net = torch.nn.Sequential(*layers, torch.nn.Linear(fan_in, 1))
    optimizer = torch.optim.SGD(net.parameters(), lr=0.01)
    loss_fn = torch.nn.BCEWithLogitsLoss()
    Xt = torch.from_numpy(X)
    yt = torch.from_numpy(y.astype(np.float32).reshape(-1, 1))

    def run():
        for _ in range(epochs):
            optimizer.zero_grad()
            loss_fn(net(Xt), yt).backward()
            optimizer.step()
    return run


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--epochs", type=int, default=300)
    parser.add_argument("--pause", type=float, default=0.2,
                        help="seconds of rest before each timed block (lets the other library's threads park)")
    args = parser.parse_args(argv)
    tune_process()  # as the CLI and the app do: fit itself no longer tunes the process
    ds = load_dataset("moons", n_samples=1000, noise=0.2, test_fraction=0.1, seed=100)
    X, y = ds.X_train.astype(np.float32), ds.y_train
    runners = {"nnviz": nnviz_trainer(X, y, args.epochs)}
    try:
        runners["pytorch"] = torch_trainer(X, y, args.epochs)
    except ImportError:
        print("PyTorch is not installed (pip install torch==2.13.0): timing nnviz alone.")
    times = {name: [] for name in runners}
    for name, run in runners.items():  # warm-up
        run()
    for _ in range(args.rounds):
        for name, run in runners.items():
            # OpenBLAS and PyTorch threads spin for a while after each call; without a rest
            # each library would be timed against the other's spinning threads.
            time.sleep(args.pause)
            start = time.perf_counter()
            run()
            times[name].append((time.perf_counter() - start) / args.epochs)
    print(f"moons 2-25-50-50-25-1, full batch of {X.shape[0]}, float32, "
          f"{args.rounds} interleaved rounds of {args.epochs} epochs")
    medians = {name: statistics.median(t) for name, t in times.items()}
    for name, t in medians.items():
        print(f"  {name:8s} {t * 1e6:8.1f} µs/epoch (median)")
    if "pytorch" in medians:
        print(f"  nnviz is {medians['pytorch'] / medians['nnviz']:.2f}x as fast as PyTorch (bar: >= 1.2x)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
