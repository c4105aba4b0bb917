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


def test_fit_leaves_the_process_alone(monkeypatch):
    import sys
    import types

    import numpy as np

    from nnviz.engine import Dense, Sequential

    monkeypatch.setattr(allocator, "_tuned", False)
    calls = []
    fake_ctypes = types.SimpleNamespace(CDLL=lambda *a: calls.append(a), c_int=int)
    monkeypatch.setattr(allocator, "ctypes", fake_ctypes)  # this module's reference only
    interval = sys.getswitchinterval()
    model = Sequential([Dense(1, activation="sigmoid")], input_shape=(2,))
    model.fit(np.zeros((4, 2)), np.array([0, 1, 0, 1]), epochs=2)
    assert calls == [] and allocator._tuned is False
    assert sys.getswitchinterval() == interval


def test_tune_process_is_what_entry_points_call(monkeypatch):
    import sys

    import pytest

    from nnviz.engine import tune_process

    monkeypatch.setattr(allocator, "_tuned", False)
    monkeypatch.setattr(allocator.platform, "system", lambda: "Darwin")
    interval = sys.getswitchinterval()
    try:
        assert tune_process() == {"malloc": False, "switch_interval": interval}
        assert tune_process(switch_interval=interval * 10)["switch_interval"] == interval  # only ever lowered
        assert tune_process(switch_interval=interval / 2)["switch_interval"] == pytest.approx(interval / 2)
        with pytest.raises(ValueError, match="switch_interval"):
            tune_process(switch_interval=0)
    finally:
        sys.setswitchinterval(interval)


@pytest.mark.skipif(platform.system() != "Linux" or platform.libc_ver()[0] != "glibc", reason="glibc only")
def test_tune_process_tunes_malloc_on_glibc():
    from nnviz.engine import tune_process

    assert tune_process()["malloc"] is True
