"""Fuzz nnviz's file readers with seeded byte mutations (nightly-style; issue 13).

    python benchmarks/fuzz_files.py [--cases 5000] [--seed 0] [--workers 2] [--timeout 20]

Seed files of every kind nnviz reads are made in a temporary folder: model
files (sealed, as saved now; unsealed, as older nnviz saved them), run files
(models with the app's run settings as ``extra``), MNIST IDX (gzip and
raw), Keras ``mnist.npz``, ``mnist_all.mat`` and a cats .h5 file. Each case mutates one
of them (flipped or random bytes, a truncation, a duplicated or zeroed run;
some model mutants are re-sealed, as a forger would) and loads it in a
worker process with a time limit. Outcomes:

* refused: a ModelFileError / DatasetError (or ImageError) sentence (what nnviz promises);
* loaded: the mutant was still a valid file;
* unhandled: any other exception (a bug);
* crash: the worker died by a signal; hang: no answer within ``--timeout``.

Peak RSS is the high-water mark of the worker (reset before each case via
``/proc/self/clear_refs``) and of the quarantine processes it started.
The test suite runs a few hundred of the same cases in-process
(tests/test_fuzz_files.py).
"""

from __future__ import annotations

import argparse
import gzip
import json
import resource
import struct
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

KINDS = ("model", "old-model", "run", "idx", "idx-raw", "npz", "mat", "cats")


# --- seed files ---------------------------------------------------------------------------------
def _model():
    from nnviz.engine import Adam, BatchNorm, Dense, Dropout, Sequential

    rng = np.random.default_rng(0)
    X = rng.standard_normal((32, 2)).astype(np.float32)
    y = (X[:, 0] > 0).astype(np.int64)
    model = Sequential([Dense(6, activation="relu"), BatchNorm(), Dropout(0.9), Dense(1, activation="sigmoid")],
                       input_shape=(2,), seed=1)
    opt = Adam(0.01)
    model.fit(X, y, optimizer=opt, epochs=3)
    return model, opt


def make_seeds(folder: Path) -> dict[str, Path]:
    """One small valid file of each kind in ``folder``; kind → path."""
    import h5py
    import scipy.io

    from nnviz.engine import save_model

    folder.mkdir(parents=True, exist_ok=True)
    model, opt = _model()
    seeds = {k: folder / f"seed-{k}{ext}" for k, ext in (("model", ".h5"), ("old-model", ".h5"), ("run", ".h5"),
                                                       ("idx", ".gz"), ("idx-raw", "-ubyte"), ("npz", ".npz"),
                                                       ("mat", ".mat"),
                                                       ("cats", ".h5"))}
    save_model(model, seeds["model"], optimizer=opt, extra={"class_names": ["no", "yes"]})
    run_extra = {"app": "nnviz", "kind": "run", "dataset": "moons", "class_names": ["0", "1"],
                 "run_config": {"lr": 0.01, "epochs": 3, "batch_size": None, "seed": 1, "optimizer": "adam"},
                 "settings": {"lr": 0.01, "epochs": 3}}
    save_model(model, seeds["run"], optimizer=opt, extra=run_extra)
    with h5py.File(seeds["model"], "r") as src, h5py.File(seeds["old-model"], "w") as dst:
        for key, value in src.attrs.items():
            dst.attrs[key] = value
        for key in src:
            src.copy(key, dst)
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, (20, 28, 28), dtype=np.uint8)
    labels = rng.integers(0, 10, 20).astype(np.uint8)
    idx = struct.pack(">IIII", 2051, 20, 28, 28) + images.tobytes()
    with gzip.open(seeds["idx"], "wb") as f:
        f.write(idx)
    seeds["idx-raw"].write_bytes(idx)
    np.savez(seeds["npz"], x_train=images, y_train=labels, x_test=images[:5], y_test=labels[:5])
    scipy.io.savemat(seeds["mat"], {f"{p}{d}": images[:2].reshape(2, 784) for p in ("train", "test")
                                    for d in range(10)})
    with h5py.File(seeds["cats"], "w") as f:
        f["train_set_x"] = rng.integers(0, 256, (4, 64, 64, 3), dtype=np.uint8)
        f["train_set_y"] = np.array([0, 1, 1, 0])
        f["list_classes"] = np.array([b"non-cat", b"cat"])
    return seeds


# --- mutations and loading ------------------------------------------------------------------------
def mutate(data: bytes, rng: np.random.Generator) -> tuple[bytes, bool]:
    """A mutant of ``data`` and whether to re-seal it (only meaningful for sealed files)."""
    out = bytearray(data)
    how = int(rng.integers(6))
    if how <= 1:  # a few flipped bits / random bytes
        for _ in range(int(rng.integers(1, 9))):
            i = int(rng.integers(len(out)))
            out[i] = out[i] ^ (1 << int(rng.integers(8))) if how == 0 else int(rng.integers(256))
    elif how == 2:  # truncation
        del out[int(rng.integers(1, len(out))):]
    elif how == 3:  # a duplicated run
        i, n = int(rng.integers(len(out))), int(rng.integers(1, 64))
        out[i:i] = out[i:i + n]
    elif how == 4:  # a zeroed or 0xff run
        i, n = int(rng.integers(len(out))), int(rng.integers(1, 32))
        out[i:i + n] = bytes([0 if rng.random() < 0.5 else 255]) * len(out[i:i + n])
    else:  # a 4- or 8-byte field set to an extreme integer
        i, width = int(rng.integers(max(1, len(out) - 8))), 4 if rng.random() < 0.5 else 8
        extremes = [0, 1, 2**(8 * width) - 1, 2**(8 * width - 1), 2**31 - 1]
        value = extremes[int(rng.integers(len(extremes)))]
        out[i:i + width] = value.to_bytes(width, "little")
    return bytes(out), bool(rng.random() < 0.3)


def load(kind: str, path: Path):
    """Load ``path`` the way nnviz loads a file of ``kind``."""
    from nnviz.data.cats import read_cats_file
    from nnviz.data.mnist_files import IMAGES_MAGIC, read_idx, read_mat, read_npz
    from nnviz.engine import load_model

    if kind in ("model", "old-model", "run"):
        return load_model(path, with_optimizer=True, with_extra=True)
    if kind in ("idx", "idx-raw"):
        return read_idx(path, IMAGES_MAGIC)
    if kind == "npz":
        return read_npz(path)
    if kind == "mat":
        return read_mat(path)
    return read_cats_file(path, "train")


def run_case(kind: str, path: Path) -> str:
    """"refused", "loaded" or "unhandled: <type>: <message>" for one file, in this process."""
    from nnviz.data import DatasetError
    from nnviz.engine.io import ModelFileError

    try:
        load(kind, path)
    except (ModelFileError, DatasetError):
        return "refused"
    except Exception as exc:  # noqa: BLE001 (counting exactly these is the point)
        return f"unhandled: {type(exc).__name__}: {str(exc)[:200]}"
    return "loaded"


def write_case(seeds: dict[str, Path], folder: Path, case: int, rng: np.random.Generator) -> tuple[str, Path]:
    """Make mutant number ``case`` in ``folder``; returns (kind, path)."""
    from nnviz.engine.safe_h5 import seal_file

    kind = KINDS[case % len(KINDS)]
    data, reseal = mutate(seeds[kind].read_bytes(), rng)
    path = folder / f"case{case}{seeds[kind].suffix}"
    path.write_bytes(data)
    if reseal and kind in ("model", "run") and len(data) > 512:
        seal_file(path)  # a forger's mutant: the seal is valid, the content is not
    return kind, path


# --- the worker and the driver --------------------------------------------------------------------
def _peak_rss_kib() -> int:
    with open("/proc/self/status", encoding="ascii") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # pragma: no cover


def worker() -> None:
    """Read "kind path" lines; answer each with one JSON line (outcome, peak RSS in KiB)."""
    for line in sys.stdin:
        kind, path = line.rstrip("\n").split(" ", 1)
        try:
            with open("/proc/self/clear_refs", "w") as f:
                f.write("5")  # reset VmHWM so the peak is this case's
        except OSError:
            pass
        start = time.monotonic()
        outcome = run_case(kind, Path(path))
        children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        print(json.dumps({"outcome": outcome, "rss": _peak_rss_kib(), "children_rss": children,
                          "seconds": time.monotonic() - start}), flush=True)


class Worker:
    def __init__(self):
        self.proc = subprocess.Popen([sys.executable, __file__, "--worker"], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, bufsize=1)

    def ask(self, kind: str, path: Path, timeout: float) -> dict:
        import selectors

        try:
            self.proc.stdin.write(f"{kind} {path}\n")
            self.proc.stdin.flush()
        except BrokenPipeError:
            return {"outcome": "crash"}
        with selectors.DefaultSelector() as sel:
            sel.register(self.proc.stdout, selectors.EVENT_READ)
            if not sel.select(timeout):
                self.proc.kill()
                self.proc.wait()
                return {"outcome": "hang"}
        line = self.proc.stdout.readline()
        if not line:
            self.proc.wait()
            return {"outcome": "crash", "signal": -self.proc.returncode}
        return json.loads(line)

    def close(self):
        if self.proc.poll() is None:
            self.proc.stdin.close()
            self.proc.wait(timeout=30)


def fuzz(cases: int, seed: int, workers: int, timeout: float) -> dict:
    from concurrent.futures import ThreadPoolExecutor

    rng = np.random.default_rng(seed)
    with tempfile.TemporaryDirectory(prefix="nnviz-fuzz-") as tmp:
        folder = Path(tmp)
        seeds = make_seeds(folder / "seeds")
        mutants = [write_case(seeds, folder, i, rng) for i in range(cases)]
        pool = [Worker() for _ in range(workers)]
        results: list[dict] = [{}] * cases

        def drive(w: int) -> None:
            for i in range(w, cases, workers):
                kind, path = mutants[i]
                answer = pool[w].ask(kind, path, timeout)
                if answer["outcome"] in ("crash", "hang"):
                    pool[w] = Worker()
                answer.update(kind=kind, size=path.stat().st_size, case=i)
                results[i] = answer

        with ThreadPoolExecutor(workers) as ex:
            list(ex.map(drive, range(workers)))
        for w in pool:
            w.close()
    return summarize(results)


def summarize(results: list[dict]) -> dict:
    counts = {"cases": len(results), "refused": 0, "loaded": 0, "unhandled": 0, "crash": 0, "hang": 0}
    examples: dict[str, list] = {"unhandled": [], "crash": [], "hang": []}
    for r in results:
        key = "unhandled" if r["outcome"].startswith("unhandled") else r["outcome"]
        counts[key] += 1
        if key in examples and len(examples[key]) < 5:
            examples[key].append(f"case {r['case']} ({r['kind']}): {r['outcome']}")
    small = [r for r in results if r.get("size", 0) < 1 << 20 and "rss" in r]
    counts["max_peak_rss_mib_worker"] = round(max((r["rss"] for r in small), default=0) / 1024, 1)
    counts["max_peak_rss_mib_quarantine"] = round(max((r["children_rss"] for r in small), default=0) / 1024, 1)
    counts["slowest_case_s"] = round(max((r.get("seconds", 0) for r in results), default=0), 2)
    by_kind = {}
    for r in results:
        by_kind.setdefault(r["kind"], {}).setdefault(r["outcome"].split(":")[0], 0)
        by_kind[r["kind"]][r["outcome"].split(":")[0]] += 1
    return {"counts": counts, "by_kind": by_kind, "examples": examples}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cases", type=int, default=5000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--timeout", type=float, default=20.0)
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        worker()
        return 0
    start = time.monotonic()
    report = fuzz(args.cases, args.seed, args.workers, args.timeout)
    report["counts"]["seconds"] = round(time.monotonic() - start, 1)
    print(json.dumps(report, indent=2))
    c = report["counts"]
    bad = c["unhandled"] + c["crash"] + c["hang"]
    over = max(c["max_peak_rss_mib_worker"], c["max_peak_rss_mib_quarantine"]) >= 500
    return 1 if bad or over else 0


if __name__ == "__main__":
    sys.exit(main())
