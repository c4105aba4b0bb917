"""Weight initializers.

An initializer is ``f(shape, fan_in, fan_out, rng) -> float64 array``.
"small" is the cat seed's ``randn * 0.01``; "zeros" exists to show the
symmetry problem; "xavier" is Glorot's normal ``sqrt(1/fan_in)`` variant
used by the deeplearning.ai seeds; "he" is ``sqrt(2/fan_in)``.
"""

from __future__ import annotations

import numpy as np


def zeros(shape, fan_in, fan_out, rng):
    return np.zeros(shape)


def small(shape, fan_in, fan_out, rng):
    return rng.standard_normal(shape) * 0.01


def xavier(shape, fan_in, fan_out, rng):
    return rng.standard_normal(shape) * np.sqrt(1.0 / fan_in)


def he(shape, fan_in, fan_out, rng):
    return rng.standard_normal(shape) * np.sqrt(2.0 / fan_in)


INITIALIZERS = {"zeros": zeros, "small": small, "xavier": xavier, "he": he}


def get_initializer(name: str, owner: str = "layer"):
    key = str(name).lower()
    if key not in INITIALIZERS:
        raise ValueError(
            f"{owner}: unknown initializer {name!r}; expected one of "
            f"{', '.join(INITIALIZERS)}."
        )
    return INITIALIZERS[key]
