"""Range growth used by the live plots (fewer axis relayouts)."""

import math

from nnviz.gui.views.plot_tools import grown_range


def test_linear_range_starts_at_zero_and_grows_in_steps():
    r = grown_range(None, 0.2, 0.7)
    assert r == (0.0, 0.7 * 1.2)
    assert grown_range(r, 0.05, 0.7) is None          # a falling cost keeps the range
    assert grown_range(r, 0.05, 0.8) is None          # within the 20 % headroom
    bigger = grown_range(r, 0.05, 0.9)
    assert bigger == (0.0, 0.9 * 1.2)


def test_log_range_snaps_to_decades():
    r = grown_range(None, 0.03, 0.7, log=True)
    assert r == (-2.0, 0.0)
    assert grown_range(r, 0.011, 0.9, log=True) is None
    assert grown_range(r, 0.004, 0.9, log=True) == (-3.0, 0.0)


def test_non_finite_values_change_nothing():
    assert grown_range((0.0, 1.0), math.nan, 2.0) is None
    assert grown_range(None, 0.1, math.inf) is None
