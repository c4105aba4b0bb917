"""Does the LR finder's suggestion train as well as the preset's own rate, in the preset's epochs?

Usage: NNVIZ_DATA_DIR=/work/shared/data python benchmarks/lr_finder_check.py moons mnist-dense
       [--epochs N] [--seeds 2,3,4] [--rules steep,lag,min10,valley]

For each preset and each seed (default: the preset's own seed; other seeds rebuild the same network with
that initialisation seed): run the finder on a copy of the freshly built network, then train copies of that
same network, one at the preset's lr and one at each rule's suggestion, for the preset's epochs (or N), on
the preset's training set, and print the test accuracies (the preset's test split), then the means over the
seeds.

The rules compared (all read the finder's bias-corrected β = 0.9 smoothed loss s against log lr):
  steep   the steepest fall of s before its minimum (what nnviz.lab.lr_finder.suggest returns, fastai's `steep`)
  lag     the same point moved back by the moving average's mean lag, β/(1 − β) = 9 iterations
  min10   the rate at the minimum of s divided by 10 (fastai's `minimum`)
  valley  fastai's `valley`: 2/5 of the way into the longest descending stretch of s
  budget  not a standard rule, an experiment: steep × √(finder iterations / training steps) when the run is
          longer than the finder (the 1/√T constant step of SGD theory for convex Lipschitz losses)
"""

from __future__ import annotations

import argparse
import dataclasses
import math
import os
import time

import numpy as np

from nnviz.lab import datasets
from nnviz.lab.lr_finder import BETA, ITERATIONS, find_lr, suggest
from nnviz.lab.presets import load_preset


def rule_steep(r) -> float:
    return float(r.lrs[suggest(r.lrs, r.smoothed)])


def rule_lag(r) -> float:
    i = suggest(r.lrs, r.smoothed)
    return float(r.lrs[max(0, i - int(round(BETA / (1 - BETA))))])


def rule_min10(r) -> float:
    return float(r.lrs[int(np.argmin(r.smoothed))] / 10)


def rule_valley(r) -> float:
    """fastai 2.7 ``valley``: the longest decreasing subsequence of s, then 2/5 of the way along it."""
    s = r.smoothed
    n = s.size
    lds, start, end = [1] * n, 0, 0
    for i in range(1, n):
        for j in range(i):
            if s[i] < s[j] and lds[i] < lds[j] + 1:
                lds[i] = lds[j] + 1
            if lds[end] < lds[i]:
                end, start = i, i - lds[i]
    sections = (end - start) / 3
    return float(r.lrs[start + int(sections) + int(sections / 2)])


def rule_budget(r, steps: int) -> float:
    return rule_steep(r) * min(1.0, math.sqrt(ITERATIONS / steps))


RULES = {"steep": rule_steep, "lag": rule_lag, "min10": rule_min10, "valley": rule_valley, "budget": rule_budget}


def check(name: str, epochs: int | None = None, data_dir=None, seeds=None, rules=("steep",)) -> list[dict]:
    """One dict per seed: the rates and test accuracies of the preset and of each rule's suggestion."""
    cfg0 = load_preset(name)
    ds = datasets.load(cfg0.dataset, cfg0.dataset_options, data_dir)
    epochs = epochs or cfg0.epochs
    rows = []
    for seed in seeds or [cfg0.seed]:
        cfg = dataclasses.replace(cfg0, seed=seed)
        model = cfg.build_model(ds.input_shape)
        t0 = time.perf_counter()
        found = find_lr(model, ds.X_train, ds.y_train, cfg.build_optimizer(), batch_size=cfg.batch_size)
        row = {"preset": name, "seed": seed, "epochs": epochs, "finder_seconds": time.perf_counter() - t0,
               "finder_status": found.status, "lr": {"preset": cfg.lr}, "accuracy": {}}
        m = ds.X_train.shape[0]
        steps = epochs * (1 if cfg.batch_size is None else math.ceil(m / cfg.batch_size))
        for rule in rules:
            row["lr"][rule] = rule_budget(found, steps) if rule == "budget" else RULES[rule](found)
        for key, lr in row["lr"].items():
            net = model.copy()
            net.fit(ds.X_train, ds.y_train, optimizer=cfg.build_optimizer(lr=lr), epochs=epochs,
                    batch_size=cfg.batch_size)
            row["accuracy"][key] = net.evaluate(ds.X_test, ds.y_test)["accuracy"]
        rows.append(row)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("presets", nargs="+")
    parser.add_argument("--epochs", type=int, default=None)
    parser.add_argument("--seeds", default=None, help="comma-separated initialisation seeds (default: the preset's)")
    parser.add_argument("--rules", default="steep", help=f"comma-separated, from {','.join(RULES)}")
    args = parser.parse_args()
    seeds = [int(s) for s in args.seeds.split(",")] if args.seeds else None
    rules = [r.strip() for r in args.rules.split(",") if r.strip()]
    for name in args.presets:
        rows = check(name, args.epochs, os.environ.get("NNVIZ_DATA_DIR"), seeds, rules)
        keys = list(rows[0]["lr"])
        print(f"\n{name}: {rows[0]['epochs']} epochs, test accuracy (lr in brackets)")
        print("seed  " + "  ".join(f"{k:>18}" for k in keys))
        for r in rows:
            cells = "  ".join(f"{r['accuracy'][k]:.4f} ({r['lr'][k]:<8.3g})" for k in keys)
            print(f"{r['seed']:>4}  {cells}    finder {r['finder_seconds']:.1f} s, {r['finder_status']}", flush=True)
        means = "  ".join(f"{np.mean([r['accuracy'][k] for r in rows]):18.4f}" for k in keys)
        wins = "  ".join(f"{sum(r['accuracy'][k] >= r['accuracy']['preset'] for r in rows):>16}/{len(rows)}"
                         for k in keys)
        print(f"mean  {means}\n≥pre  {wins}", flush=True)


if __name__ == "__main__":
    main()
