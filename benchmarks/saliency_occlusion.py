"""Acceptance check for the saliency maps: after training mnist-cnn, does occluding the most salient patch
lower the top class's probability more than occluding a random patch?

For each of N test digits of the MNIST-10k split (the last 2,000 t10k images): the gradient × input map of
the top class's logit (the first-order estimate of what setting pixels to 0 does), the 4×4 patch (on the
occlusion grid: stride 2, edges included) with the largest summed map, filled with 0; against one random
patch and the mean of 10 random patches of the same grid. Also the same with the |gradient| map.

    NNVIZ_DATA_DIR=/work/shared/data python benchmarks/saliency_occlusion.py [epochs] [n_digits]
"""

from __future__ import annotations

import sys
import time

import numpy as np

from nnviz.lab import datasets
from nnviz.lab.prediction import class_probabilities
from nnviz.lab.presets import load_preset
from nnviz.lab.saliency import compute_saliency, occlusion_geometry, patch_starts


def prob_after(model, x, top, r, s, patch):
    y = x.copy()
    y[:, r:r + patch, s:s + patch] = 0.0
    return class_probabilities(model.predict(y[None])[0])[top]


def main(epochs: int = 2, n: int = 20) -> None:
    cfg = load_preset("mnist-cnn")
    ds = datasets.load(cfg.dataset, cfg.dataset_options)
    model = cfg.build_model(ds.input_shape)
    t0 = time.perf_counter()
    model.fit(ds.X_train, ds.y_train, optimizer=cfg.build_optimizer(), epochs=epochs, batch_size=cfg.batch_size,
              seed=0)
    acc = model.evaluate(ds.X_test, ds.y_test)["accuracy"]
    print(f"mnist-cnn trained {epochs} epochs on {len(ds.X_train):,} images in {time.perf_counter() - t0:.1f} s: "
          f"test accuracy {acc:.4f}")
    patch, stride = occlusion_geometry(28, 28)
    spots = [(r, s) for r in patch_starts(28, patch, stride) for s in patch_starts(28, patch, stride)]
    rng = np.random.default_rng(0)
    rows = {"gradient × input": [], "|gradient|": []}
    for i in range(n):
        x = ds.X_test[i]
        sal = compute_saliency(model.copy(), x)
        p0 = sal.prob
        rand = [spots[j] for j in rng.choice(len(spots), 10, replace=False)]
        drop_rand_one = p0 - prob_after(model, x, sal.top, *rand[0], patch)
        drop_rand_mean = np.mean([p0 - prob_after(model, x, sal.top, r, s, patch) for r, s in rand])
        for name, m in (("gradient × input", sal.maps["gradient_x_input"]), ("|gradient|", np.abs(sal.maps["gradient"]))):
            best = max(spots, key=lambda rs: m[rs[0]:rs[0] + patch, rs[1]:rs[1] + patch].sum())
            drop = p0 - prob_after(model, x, sal.top, *best, patch)
            rows[name].append((drop, drop_rand_one, drop_rand_mean, int(sal.top == ds.y_test[i])))
    for name, r in rows.items():
        r = np.array(r)
        print(f"{name:>17}: most salient patch drops P(top) more than one random patch on "
              f"{int(np.sum(r[:, 0] > r[:, 1]))}/{n} digits, more than the mean of 10 random patches on "
              f"{int(np.sum(r[:, 0] > r[:, 2]))}/{n}; mean drops {r[:, 0].mean():.4f} (salient) vs "
              f"{r[:, 1].mean():.4f} (one random) and {r[:, 2].mean():.4f} (10 random); "
              f"{int(r[:, 3].sum())}/{n} digits classified correctly")


if __name__ == "__main__":
    main(*(int(a) for a in sys.argv[1:3]))
