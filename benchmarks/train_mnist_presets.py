"""Train MNIST presets on the MNIST-10k split with the engine directly (no CLI, no nnviz.data needed).

    PYTHONPATH=. python benchmarks/train_mnist_presets.py [mnist-cnn mnist-dense ...] [--data-dir DIR]

Prints the test accuracy after every epoch and a final ``test accuracy: 0.9755`` line per preset.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from mnist10k import load_mnist_10k  # noqa: E402

from nnviz.presets import load_preset  # noqa: E402


class EpochPrinter:
    def on_epoch_end(self, model, info):
        print(f"  epoch {info['epoch']:3d}  cost {info['cost']:.4f}  train accuracy {info['train_accuracy']:.4f}  "
              f"test accuracy {info['test_accuracy']:.4f}", flush=True)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("presets", nargs="*", default=["mnist-cnn", "mnist-dense"])
    parser.add_argument("--data-dir")
    args = parser.parse_args(argv)
    X_train, y_train, X_test, y_test = load_mnist_10k(args.data_dir)
    for name in args.presets:
        preset = load_preset(name)
        model = preset.build_model(X_train.shape[1:])
        print(f"{name}: {preset.optimizer}, batch {preset.batch_size}, {preset.epochs} epochs, "
              f"{model.count_params():,} parameters, MNIST-10k ({len(y_train)} train / {len(y_test)} test)")
        start = time.perf_counter()
        history = model.fit(X_train, y_train, optimizer=preset.build_optimizer(), epochs=preset.epochs,
                            batch_size=preset.batch_size, validation_data=(X_test, y_test),
                            callbacks=[EpochPrinter()])
        print(f"  {history.status} in {time.perf_counter() - start:.1f} s")
        print(f"test accuracy: {history.test_accuracy[-1]:.4f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
