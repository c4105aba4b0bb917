"""Seeded byte-mutation fuzzing of every file nnviz reads (issue 13), the fast in-suite share.

240 mutants of model, run, IDX, .npz, .mat and cats files (the nightly
benchmarks/fuzz_files.py runs thousands, each in a worker process): each
must load or be refused with ModelFileError / DatasetError, never another
exception, never a crash (libhdf5 parses in a quarantine process), never a
hang.
"""

import importlib.util
import time
from pathlib import Path

import numpy as np
import pytest

SPEC = importlib.util.spec_from_file_location(
    "fuzz_files", Path(__file__).resolve().parent.parent / "benchmarks" / "fuzz_files.py")
fuzz_files = importlib.util.module_from_spec(SPEC)
SPEC.loader.exec_module(fuzz_files)

CASES = 240


@pytest.fixture(scope="module")
def mutants(tmp_path_factory):
    folder = tmp_path_factory.mktemp("fuzz")
    seeds = fuzz_files.make_seeds(folder / "seeds")
    rng = np.random.default_rng(20261201)
    return seeds, [fuzz_files.write_case(seeds, folder, i, rng) for i in range(CASES)]


def test_the_seed_files_load(mutants):
    seeds, _ = mutants
    assert {kind: fuzz_files.run_case(kind, path) for kind, path in seeds.items()} == {
        kind: "loaded" for kind in fuzz_files.KINDS}


def test_mutants_load_or_are_refused_with_a_sentence(mutants):
    """About 13 s on an idle 2-core machine (each HDF5 or .mat case starts a quarantine process)."""
    _, cases = mutants
    outcomes, slow = {}, []
    for kind, path in cases:
        t = time.monotonic()
        outcome = fuzz_files.run_case(kind, path)
        if time.monotonic() - t > 10:
            slow.append(path.name)
        outcomes.setdefault(outcome, []).append(f"{kind} {path.name}")
    unhandled = {k: v for k, v in outcomes.items() if k not in ("refused", "loaded")}
    assert unhandled == {}
    assert slow == []
    assert len(outcomes["refused"]) > CASES // 2
