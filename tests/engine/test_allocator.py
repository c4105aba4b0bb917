"""glibc malloc tuning: applied once, and only where it means something."""

import platform

import pytest

from nnviz.engine import allocator


@pytest.mark.skipif(platform.system() != "Linux" or platform.libc_ver()[0] != "glibc", reason="glibc only")
def test_training_keeps_scratch_memory_on_glibc():
    assert allocator.keep_scratch_memory() is True
    assert allocator.keep_scratch_memory() is True        # idempotent


def test_other_platforms_are_left_alone(monkeypatch):
    monkeypatch.setattr(allocator, "_tuned", False)
    monkeypatch.setattr(allocator.platform, "system", lambda: "Darwin")
    assert allocator.keep_scratch_memory() is False
