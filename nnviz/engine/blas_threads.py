"""How many BLAS threads a training run should use.

OpenBLAS splits every matmul across its threads and pays a synchronisation
each time. For tiny networks (a 2-8-8-1 net on a few hundred points) that
overhead costs more than the second core gives back, so runs whose largest
matmul is under a million multiply-adds use one BLAS thread. From there on
the threads pay: on two idle cores the moons net (900 × 50 × 50, 2.25 M)
trains in 360 µs per epoch on two threads against 460 µs on one.
"""

from __future__ import annotations

import contextlib

import numpy as np
from threadpoolctl import threadpool_limits

#: multiply-adds in the largest matmul of a step below which one BLAS thread is faster
SINGLE_THREAD_BELOW = 1 << 20


def largest_matmul(model, batch_size: int) -> int:
    """Multiply-adds of the biggest weight product in one forward pass of ``batch_size`` samples."""
    biggest = 0
    for layer, out in zip(model.layers, model.output_shapes):
        W = layer.params.get("W")
        if W is not None:
            spatial = int(np.prod(out[1:])) if len(out) == 3 else 1
            biggest = max(biggest, batch_size * spatial * W.size)
    return biggest


def blas_threads(model, batch_size: int):
    """A context manager limiting BLAS to one thread when the run's matmuls are small."""
    if largest_matmul(model, batch_size) < SINGLE_THREAD_BELOW:
        return threadpool_limits(limits=1, user_api="blas")
    return contextlib.nullcontext()
