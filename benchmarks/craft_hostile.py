"""Find byte-mutated model files that crash or hang libhdf5 (how tests/data/hostile_*.h5 were made).

    python benchmarks/craft_hostile.py OUT_DIR [--seed 0] [--max 200000]

Writes a small model in the pre-seal layout (no user block, as older nnviz
saved it), mutates 1-4 of its bytes at random (seeded) and lets a worker
process parse each mutant with plain h5py, the way an unprotected loader
would: open, read every attribute, read every dataset. A worker that dies
by a signal marks a *segfault* mutant; one that makes no progress for 5 s
marks a *loop* mutant. Each found file is written to OUT_DIR.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

WORKER = r'''
import sys, h5py, numpy as np
def visit(g):
    for k in g.attrs: g.attrs[k]
    for name in g:
        o = g[name]
        if isinstance(o, h5py.Group): visit(o)
        else: o[()]
for line in sys.stdin:
    path = line.strip()
    print("start", path, flush=True)
    try:
        with h5py.File(path, "r") as f:
            f.attrs.get("format"); visit(f)
    except Exception:
        pass
    print("done", path, flush=True)
'''


def old_style_model(path: Path) -> None:
    """A moons-sized model written the way nnviz wrote models before the seal (no user block)."""
    import json

    import h5py

    from nnviz.engine import Adam, Dense, Sequential

    rng = np.random.default_rng(0)
    X = rng.standard_normal((64, 2)).astype(np.float32)
    y = (X[:, 0] > 0).astype(np.int64)
    model = Sequential([Dense(8, activation="relu"), Dense(1, activation="sigmoid")], input_shape=(2,))
    opt = Adam(0.01)
    model.fit(X, y, optimizer=opt, epochs=5)
    with h5py.File(path, "w") as f:
        f.attrs["format"] = "nnviz-model"
        f.attrs["format_version"] = 1
        f.attrs["config"] = json.dumps(model.get_config())
        f.attrs["history"] = json.dumps(model.history.to_dict())
        f.attrs["extra"] = json.dumps({"class_names": ["a", "b"]})
        f.attrs["rng_states"] = "{}"
        f.attrs["optimizer"] = json.dumps(opt.get_config())
        for layer in model.layers:
            for key, value in layer.params.items():
                f[f"weights/{layer.name}/{key}"] = value
        state = f.create_group("optimizer_state")
        state.attrs["iterations"] = opt.iterations
        for name, layer, key in model.parameters():
            for slot, value in opt.state_for(layer.params[key]).items():
                state[f"{name}/{slot}"] = value


def mutate(data: bytes, rng: np.random.Generator) -> bytes:
    out = bytearray(data)
    for _ in range(int(rng.integers(1, 5))):
        out[int(rng.integers(len(out)))] = int(rng.integers(256))
    return bytes(out)


def search(out_dir: Path, seed: int, limit: int, want: int = 2) -> dict[str, list[Path]]:
    out_dir.mkdir(parents=True, exist_ok=True)
    work = out_dir / "work"
    work.mkdir(exist_ok=True)
    base = work / "base.h5"
    old_style_model(base)
    data = base.read_bytes()
    rng = np.random.default_rng(seed)
    found: dict[str, list[Path]] = {"segfault": [], "loop": []}
    worker = None
    for case in range(limit):
        if all(len(v) >= want for v in found.values()):
            break
        mutant = work / f"m{case % 2}.h5"
        mutant.write_bytes(mutate(data, rng))
        if worker is None or worker.poll() is not None:
            worker = subprocess.Popen([sys.executable, "-c", WORKER], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                      stderr=subprocess.DEVNULL)
            os.set_blocking(worker.stdout.fileno(), False)
        worker.stdin.write(f"{mutant}\n".encode())
        try:
            worker.stdin.flush()
        except BrokenPipeError:
            worker = None
            continue
        deadline, buffer = time.monotonic() + 5, ""
        while "done" not in buffer:
            try:
                chunk = os.read(worker.stdout.fileno(), 65536).decode()
            except BlockingIOError:
                chunk = ""
            buffer += chunk
            if worker.poll() is not None and "done" not in buffer:
                kind = "segfault" if worker.returncode < 0 else None
                break
            if time.monotonic() > deadline:
                worker.kill()
                worker.wait()
                kind = "loop"
                break
            if not chunk:
                time.sleep(0.002)
        else:
            kind = None
        if kind and len(found[kind]) < want:
            keep = out_dir / f"hostile_{kind}_{len(found[kind]) + 1}.h5"
            keep.write_bytes(mutant.read_bytes())
            found[kind].append(keep)
            print(f"case {case}: {kind} -> {keep}", flush=True)
        if kind:
            worker = None
        if case % 500 == 0:
            print(f"{case} cases, found {({k: len(v) for k, v in found.items()})}", flush=True)
    return found


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("out_dir", type=Path)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--max", type=int, default=200_000)
    args = parser.parse_args(argv)
    found = search(args.out_dir, args.seed, args.max)
    print({k: [str(p) for p in v] for k, v in found.items()})
    return 0


if __name__ == "__main__":
    sys.exit(main())
