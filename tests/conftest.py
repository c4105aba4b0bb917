"""Shared fixtures. GUI tests run offscreen; real datasets come from NNVIZ_DATA_DIR or ../shared/data."""

import os
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

REPO = Path(__file__).resolve().parent.parent


def shared_data_dir() -> Path | None:
    """The directory holding the real datasets, or None if this machine has none."""
    env = os.environ.get("NNVIZ_DATA_DIR")
    candidates = [Path(env)] if env else []
    candidates.append(REPO.parent / "shared" / "data")
    for c in candidates:
        if (c / "train_catvnoncat.h5").is_file() or (c / "t10k-images-idx3-ubyte.gz").is_file():
            return c
    return None


# Resolved once at import, before any fixture hides the environment from the code under test.
SHARED_DATA = shared_data_dir()


@pytest.fixture
def optional_data_dir() -> Path | None:
    """The real-data folder, or None (for tests that check something first and skip later)."""
    return SHARED_DATA


@pytest.fixture
def real_data_dir() -> Path:
    d = SHARED_DATA
    if d is None:
        pytest.skip("the real datasets are not on this machine (set NNVIZ_DATA_DIR)")
    return d
