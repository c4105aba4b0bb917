"""MNIST CNN training speed: nnviz against PyTorch on the CPU and against the seed's loops.

One training step (forward, backward, SGD update; batch 128, float32) of
seed 002's network: Conv2D(4, 3x3) → 2x2 max pool → Conv2D(16, 3x3) →
2x2 max pool → Flatten → Dense 256 ReLU → Dense 128 ReLU → Dense 10 softmax.
Three implementations run side by side in interleaved rounds on the same
batch of MNIST-10k images; we print the median time per step and the ratios:

* nnviz (im2col + BLAS, this repository);
* PyTorch CPU with 2 threads (skipped with a message if torch is missing);
* the seed's algorithm, re-written here (not in the package) from the blog
  post: convolution as a loop over input channels and kernel offsets, max
  pooling as loops over output pixels, the input gradient as a convolution
  of the zero-padded output gradient with the flipped kernel, the kernel
  gradient as a convolution of the input with the output gradient.

Before timing, the seed re-write's gradients are checked against nnviz's
(float64) so the three really do the same work. Then one epoch of the
`mnist-cnn` preset on the MNIST-10k split is run under tracemalloc to report
its peak memory. Run:
    PYTHONPATH=. python benchmarks/bench_cnn.py [--rounds 30] [--data-dir DIR]
"""

from __future__ import annotations

import argparse
import resource
import statistics
import sys
import time
import tracemalloc
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from mnist10k import load_mnist_10k  # noqa: E402

from nnviz.engine import (  # noqa: E402
    SGD,
    Conv2D,
    Dense,
    Flatten,
    MaxPool2D,
    Sequential,
    tune_process,
)

BATCH = 128
LR = 0.01


def seed_network(dtype="float32") -> Sequential:
    return Sequential([Conv2D(4, 3), MaxPool2D(2), Conv2D(16, 3), MaxPool2D(2), Flatten(),
                       Dense(256, activation="relu"), Dense(128, activation="relu"),
                       Dense(10, activation="softmax")],
                      input_shape=(1, 28, 28), loss="categorical_crossentropy", init="he", seed=0, dtype=dtype)


# --- nnviz ---------------------------------------------------------------------
def nnviz_stepper(X, y):
    model = seed_network()
    optimizer = SGD(LR)
    pairs = [(layer.params[k], layer.grads[k]) for _, layer, k in model.parameters()]
    Y = model.targets(y)

    def step():
        model.cost_and_gradients(X, Y)
        optimizer.step(pairs)
    return step


# --- PyTorch -------------------------------------------------------------------
def torch_stepper(X, y):
    import torch

    torch.set_num_threads(2)
    nn = torch.nn
    net = nn.Sequential(nn.Conv2d(1, 4, 3), nn.MaxPool2d(2), nn.Conv2d(4, 16, 3), nn.MaxPool2d(2), nn.Flatten(),
                        nn.Linear(400, 256), nn.ReLU(), nn.Linear(256, 128), nn.ReLU(), nn.Linear(128, 10))
    optimizer = torch.optim.SGD(net.parameters(), lr=LR)
    loss_fn = nn.CrossEntropyLoss()
    Xt, yt = torch.from_numpy(X), torch.from_numpy(y)

    def step():
        optimizer.zero_grad()
        loss_fn(net(Xt), yt).backward()
        optimizer.step()
    return step


# --- the seed's algorithm, re-written -----------------------------------------------
# Layouts as in the seed: images (N, C, H, W); kernels K (C, D, k1, k2); dense
# weights (out, in) acting on column samples (in, N).

def loop_conv(z, K, b):
    """Stride-1 'valid' convolution the seed's way: loops over channels and kernel offsets
    (or, for kernels larger than a tenth of the output, over output pixels)."""
    n, c_in, h, w = z.shape
    _, d, k1, k2 = K.shape
    oh, ow = h - k1 + 1, w - k2 + 1
    out = np.zeros((n, d, oh, ow), dtype=z.dtype)
    zx = z[:, :, None]  # (N, C, 1, H, W) broadcasts against (D, ...)
    if k1 * k2 < oh * ow * 10:
        for c in range(c_in):
            for i in range(k1):
                for j in range(k2):
                    out += zx[:, c, :, i:i + oh, j:j + ow] * K[c, :, i, j][:, None, None]
    else:
        for c in range(c_in):
            for r in range(oh):
                for s in range(ow):
                    out[:, :, r, s] += np.sum(zx[:, c, :, r:r + k1, s:s + k2] * K[c], axis=(2, 3))
    return out + b[:, None, None]


def loop_conv_backward(dz, K, z):
    """dK, db, dx the seed's way: dx = conv(pad(dz, k-1), flipped K with C and D swapped);
    dK = conv(z with N and C swapped, dz used as the kernel)."""
    _, _, k1, k2 = K.shape
    flipped = np.swapaxes(np.flip(K, (2, 3)), 0, 1)
    padded = np.pad(dz, ((0, 0), (0, 0), (k1 - 1, k1 - 1), (k2 - 1, k2 - 1)))
    dx = loop_conv(padded, np.ascontiguousarray(flipped), np.zeros(K.shape[0], dz.dtype))
    dK = loop_conv(np.swapaxes(z, 0, 1), dz, np.zeros(K.shape[1], dz.dtype))
    return dK, dz.sum(axis=(0, 2, 3)), dx


def loop_pool(z, k=2):
    n, c, h, w = z.shape
    oh, ow = (h - k) // k + 1, (w - k) // k + 1
    out = np.zeros((n, c, oh, ow), dtype=z.dtype)
    for i in range(oh):
        for j in range(ow):
            out[:, :, i, j] = np.max(z[:, :, k * i:k * i + k, k * j:k * j + k], axis=(2, 3))
    return out


def loop_pool_backward(dout, z, k=2):
    dz = np.zeros_like(z)
    for i in range(dout.shape[2]):
        for j in range(dout.shape[3]):
            window = z[:, :, k * i:k * i + k, k * j:k * j + k]
            top = np.max(window, axis=(2, 3), keepdims=True)
            dz[:, :, k * i:k * i + k, k * j:k * j + k] += np.where(window == top, dout[:, :, i:i + 1, j:j + 1], 0)
    return dz


class LoopCNN:
    """The seed's forward/backward with its layouts, sharing nnviz's initial weights."""

    def __init__(self, model: Sequential):
        conv1, _, conv2, _, _, d1, d2, d3 = model.layers
        self.p = {"K1": conv1.params["W"].transpose(1, 0, 2, 3).copy(), "Kb1": conv1.params["b"].copy(),
                  "K2": conv2.params["W"].transpose(1, 0, 2, 3).copy(), "Kb2": conv2.params["b"].copy()}
        for i, layer in enumerate((d1, d2, d3), start=1):
            self.p[f"W{i}"] = layer.params["W"].T.copy()
            self.p[f"B{i}"] = layer.params["b"][:, None].copy()

    def gradients(self, X, y):
        p, n = self.p, X.shape[0]
        c1 = loop_conv(X, p["K1"], p["Kb1"])
        p1 = loop_pool(c1)
        c2 = loop_conv(p1, p["K2"], p["Kb2"])
        p2 = loop_pool(c2)
        x2 = p2.reshape(n, -1).T  # (400, N)
        a1 = p["W1"] @ x2 + p["B1"]
        z1 = np.maximum(a1, 0)
        a2 = p["W2"] @ z1 + p["B2"]
        z2 = np.maximum(a2, 0)
        a3 = p["W3"] @ z2 + p["B3"]
        e = np.exp(a3 - a3.max(axis=0))
        da3 = e / e.sum(axis=0)
        da3[y, np.arange(n)] -= 1
        da3 /= n  # softmax cross-entropy averaged over the batch
        g = {"W3": da3 @ z2.T, "B3": da3.sum(axis=1, keepdims=True)}
        da2 = (p["W3"].T @ da3) * (a2 > 0)
        g["W2"], g["B2"] = da2 @ z1.T, da2.sum(axis=1, keepdims=True)
        da1 = (p["W2"].T @ da2) * (a1 > 0)
        g["W1"], g["B1"] = da1 @ x2.T, da1.sum(axis=1, keepdims=True)
        dp2 = (p["W1"].T @ da1).T.reshape(p2.shape)
        g["K2"], g["Kb2"], dp1 = loop_conv_backward(loop_pool_backward(dp2, c2), p["K2"], p1)
        g["K1"], g["Kb1"], _ = loop_conv_backward(loop_pool_backward(dp1, c1), p["K1"], X)
        return g

    def step(self, X, y):
        for key, grad in self.gradients(X, y).items():
            self.p[key] -= LR * grad


def check_loop_rewrite(y) -> float:
    """Largest relative difference between the loop re-write's gradients and nnviz's (float64).

    On random images: MNIST's blank margins make many pooling windows exact
    ties, which the seed splits to every tied element and nnviz gives to
    the first one, so real digits would compare two tie rules instead.
    """
    model = seed_network("float64")
    loops = LoopCNN(model)
    X64 = np.random.default_rng(0).random((y.size, 1, 28, 28))
    model.cost_and_gradients(X64, model.targets(y))
    g = loops.gradients(X64, y)
    conv1, _, conv2, _, _, d1, d2, d3 = model.layers
    pairs = [(conv1.grads["W"], g["K1"].transpose(1, 0, 2, 3)), (conv1.grads["b"], g["Kb1"]),
             (conv2.grads["W"], g["K2"].transpose(1, 0, 2, 3)), (conv2.grads["b"], g["Kb2"])]
    pairs += [(layer.grads["W"], g[f"W{i}"].T) for i, layer in enumerate((d1, d2, d3), start=1)]
    pairs += [(layer.grads["b"], g[f"B{i}"][:, 0]) for i, layer in enumerate((d1, d2, d3), start=1)]
    return max(float(np.linalg.norm(a - b) / np.linalg.norm(a)) for a, b in pairs)


def loop_stepper(X, y):
    loops = LoopCNN(seed_network())
    return lambda: loops.step(X, y)


# --- memory ----------------------------------------------------------------------
def mnist_cnn_epoch(data):
    """One epoch of the mnist-cnn preset: time and test accuracy, then its memory, measured on a
    fresh model under tracemalloc (which counts NumPy's buffers): the peak of the training
    steps alone and the peak of the evaluation on the test set (Sequential.evaluate, batches
    of 256, the engine default), both above what was allocated before. Also the growth of the process's maximum
    resident set size over both epochs (ru_maxrss)."""
    from nnviz.lab.presets import load_preset

    X_train, y_train, X_test, y_test = data
    preset = load_preset("mnist-cnn")
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    model = preset.build_model((1, 28, 28))
    start = time.perf_counter()
    history = model.fit(X_train, y_train, optimizer=preset.build_optimizer(), epochs=1,
                        batch_size=preset.batch_size, validation_data=(X_test, y_test))
    seconds = time.perf_counter() - start

    model = preset.build_model((1, 28, 28))
    tracemalloc.start()
    base = tracemalloc.get_traced_memory()[0]
    model.fit(X_train, y_train, optimizer=preset.build_optimizer(), epochs=1, batch_size=preset.batch_size)
    train_peak = tracemalloc.get_traced_memory()[1] - base
    tracemalloc.reset_peak()
    base = tracemalloc.get_traced_memory()[0]
    model.evaluate(X_test, y_test)
    eval_peak = tracemalloc.get_traced_memory()[1] - base
    tracemalloc.stop()
    rss_growth = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - rss_before) * 1024  # KiB on Linux
    return {"seconds": seconds, "accuracy": history.test_accuracy[-1], "batch": preset.batch_size,
            "train_peak": train_peak, "eval_peak": eval_peak, "rss_growth": rss_growth}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=30, help="interleaved rounds (median over them)")
    parser.add_argument("--steps", type=int, default=5, help="nnviz/PyTorch steps per round")
    parser.add_argument("--pause", type=float, default=0.2,
                        help="seconds of rest before each timed block (lets the other library's threads park)")
    parser.add_argument("--data-dir", help="directory holding t10k-*.gz")
    args = parser.parse_args(argv)
    tune_process()  # as the CLI and the app do: fit itself no longer tunes the process

    data = load_mnist_10k(args.data_dir)
    X, y = np.ascontiguousarray(data[0][:BATCH]), data[1][:BATCH]
    print(f"seed-002 CNN, one SGD step on a batch of {BATCH} MNIST-10k images, float32")
    print(f"  seed loop re-write vs nnviz gradients (float64): max relative difference "
          f"{check_loop_rewrite(y):.1e} (random images)")

    steppers = {"nnviz": (nnviz_stepper(X, y), args.steps)}
    try:
        steppers["pytorch"] = (torch_stepper(X, y), args.steps)
    except ImportError:
        print("  PyTorch is not installed (pip install torch==2.13.0): skipping it.")
    steppers["seed loops"] = (loop_stepper(X, y), 1)
    for step, reps in steppers.values():  # warm-up
        for _ in range(reps):
            step()
    times = {name: [] for name in steppers}
    for _ in range(args.rounds):
        for name, (step, reps) in steppers.items():
            # NumPy's OpenBLAS threads and PyTorch's OpenMP threads spin for a
            # while after each call; on two cores, whoever runs next would be
            # timed against the other's spinning threads. A short rest first
            # lets them go to sleep, so each block is timed on a quiet machine.
            time.sleep(args.pause)
            start = time.perf_counter()
            for _ in range(reps):
                step()
            times[name].append((time.perf_counter() - start) / reps)
    medians = {name: statistics.median(t) for name, t in times.items()}
    print(f"  {args.rounds} interleaved rounds ({args.steps} nnviz/PyTorch steps, 1 loop step each), "
          "median time per step:")
    for name, t in medians.items():
        print(f"    {name:10s} {t * 1e3:8.2f} ms")
    if "pytorch" in medians:
        print(f"  nnviz / PyTorch time ratio: {medians['nnviz'] / medians['pytorch']:.2f} "
              f"(bar: <= 2.0; goal: <= 1.0)")
    print(f"  seed loops / nnviz time ratio: {medians['seed loops'] / medians['nnviz']:.1f} "
          f"(nnviz is {medians['seed loops'] / medians['nnviz']:.1f}x faster)")

    r = mnist_cnn_epoch(data)
    mib = 2.0 ** 20
    print(f"one epoch of the mnist-cnn preset (8,000 images, batch {r['batch']}, Adam, then 2,000 test "
          f"images): {r['seconds']:.2f} s, test accuracy {r['accuracy']:.4f}")
    print(f"  peak memory allocated by the training steps (tracemalloc): {r['train_peak'] / mib:.1f} MiB")
    print(f"  peak memory allocated by the evaluation, batches of 256 (tracemalloc): {r['eval_peak'] / mib:.1f} MiB")
    print(f"  growth of the process's max resident set size over both epochs (ru_maxrss): "
          f"{r['rss_growth'] / mib:.1f} MiB (the dataset, loaded before: {sum(a.nbytes for a in data) / mib:.1f} MiB)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
