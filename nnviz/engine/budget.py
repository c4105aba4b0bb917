"""One memory budget for everything nnviz reads or builds, and estimates to check against it.

Files from others can declare anything: a few kilobytes may describe a
network of billions of weights or an array of terabytes. Everything that
allocates from a file's description is sized first and compared with
:func:`memory_budget`, a quarter of this machine's RAM (at most 4 GiB, at
least 256 MiB; ``NNVIZ_MEMORY_BUDGET`` in bytes overrides it).

>>> est = estimate_model_memory([{"class_name": "Dense", "config": {"units": 25}},
...                              {"class_name": "Dense", "config": {"units": 1}}], (2,))
>>> est.params
101
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass

#: the budget's share of the machine's RAM, and its bounds
RAM_FRACTION = 4
MAX_BUDGET = 4 << 30
MIN_BUDGET = 256 << 20
#: the builder refuses above this multiple of the budget (it only warns between 1x and this)
REFUSE_FACTOR = 4
#: optimizer slots kept per parameter by the hungriest optimizer (Adam: m and v)
MAX_SLOTS = 2


class MemoryBudgetError(ValueError):
    """Something would need more memory than :func:`memory_budget` allows."""


def machine_ram() -> int | None:
    """This machine's physical memory in bytes, or None when it cannot be told."""
    try:
        return os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (AttributeError, ValueError, OSError):
        return None


def memory_budget() -> int:
    """Bytes nnviz may allocate for one model, dataset or image read from a file."""
    override = os.environ.get("NNVIZ_MEMORY_BUDGET", "").strip()
    if override.isdigit() and int(override) > 0:
        return int(override)
    ram = machine_ram()
    if ram is None:
        return MAX_BUDGET
    return max(MIN_BUDGET, min(ram // RAM_FRACTION, MAX_BUDGET))


def format_bytes(n: int) -> str:
    """``1536`` → ``"1.5 KiB"``; huge numbers stay readable."""
    value = float(n)
    for unit in ("bytes", "KiB", "MiB", "GiB", "TiB"):
        if abs(value) < 1024 or unit == "TiB":
            return f"{int(value)} bytes" if unit == "bytes" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{n} bytes"  # pragma: no cover


def describe_budget() -> str:
    """The budget as a sentence fragment, e.g. "the memory budget of 4.0 GiB (a quarter of RAM, at most 4 GiB)"."""
    return (f"nnviz's memory budget of {format_bytes(memory_budget())} "
            f"(a quarter of this machine's RAM, at most {format_bytes(MAX_BUDGET)})")


def check_within_budget(what: str, nbytes: int, budget: int | None = None) -> None:
    """Raise MemoryBudgetError naming ``what`` if ``nbytes`` exceeds the budget."""
    limit = memory_budget() if budget is None else budget
    if nbytes > limit:
        raise MemoryBudgetError(f"{what} would need {format_bytes(nbytes)}, more than {describe_budget()}")


@dataclass(frozen=True)
class MemoryEstimate:
    """What a network would need, computed from its configuration without building it.

    ``params``: trainable parameters; ``param_bytes``: their bytes;
    ``activation_bytes``: forward activations of one sample (all layers);
    ``itemsize``: bytes per number (4 for float32).
    """

    params: int
    param_bytes: int
    activation_bytes: int
    itemsize: int

    def load_bytes(self) -> int:
        """Weights, gradients and the hungriest optimizer's slots: what loading or building allocates."""
        return self.param_bytes * (2 + MAX_SLOTS)

    def training_bytes(self, batch_size: int) -> int:
        """``load_bytes`` plus activations and their gradients for one batch."""
        return self.load_bytes() + 2 * self.activation_bytes * max(1, int(batch_size))

    def verdict(self, batch_size: int = 1) -> str:
        """"ok", "warn" (over the budget) or "refuse" (over REFUSE_FACTOR times it), for a builder."""
        need, budget = self.training_bytes(batch_size), memory_budget()
        return "ok" if need <= budget else ("warn" if need <= REFUSE_FACTOR * budget else "refuse")

    def describe(self, batch_size: int = 1) -> str:
        return (f"{self.params:,} parameters, {format_bytes(self.training_bytes(batch_size))} to train with "
                f"batches of {batch_size}")


def _layer(spec):
    """A layer object (nothing is allocated) from a layer, a saved ``{"class_name", "config"}`` dict or a
    builder/preset ``{"type": "Dense", "units": 25, ...}`` dict."""
    from .layers import Layer, layer_from_config

    if isinstance(spec, Layer):
        return spec
    if isinstance(spec, dict) and "type" in spec and "class_name" not in spec:
        return layer_from_config(spec["type"], {k: v for k, v in spec.items() if k != "type"})
    if not isinstance(spec, dict) or not isinstance(spec.get("config", {}), dict):
        raise ValueError(f"a layer must be given as {{'class_name': ..., 'config': {{...}}}}. Received: {spec!r:.80}")
    return layer_from_config(spec.get("class_name"), dict(spec.get("config", {})))


def estimate_model_memory(layers, input_shape, dtype: str = "float32") -> MemoryEstimate:
    """Parameter count and memory of a network from its layers and input shape, without building it.

    ``layers``: layer objects, saved configs ``{"class_name", "config"}`` or
    builder specs ``{"type": ..., **arguments}``. A builder can call this on
    every edit and use ``verdict(batch_size)`` to warn or refuse.

    Works with exact Python integers, so absurd sizes (units=2**200) give an
    absurd estimate rather than an overflow. Raises ValueError naming the
    first layer that cannot take its input.
    """
    itemsize = 8 if str(dtype) == "float64" else 4
    try:
        shape = tuple(int(d) for d in input_shape)
    except (TypeError, ValueError, OverflowError):
        raise ValueError(f"input_shape must be a tuple of positive integers. Received: {input_shape!r:.80}") from None
    if not shape or any(d <= 0 for d in shape):
        raise ValueError(f"input_shape must be a tuple of positive integers. Received: {shape!r:.80}")
    params = activations = 0
    for spec in layers:
        layer = _layer(spec)
        try:
            params += sum(math.prod(int(d) for d in s) for s in layer.param_shapes(shape).values())
            shape = tuple(int(d) for d in layer.output_shape(shape))
        except (TypeError, OverflowError, ZeroDivisionError) as exc:
            raise ValueError(f"{layer.name or type(layer).__name__}: its sizes cannot be computed ({exc})") from None
        activations += math.prod(shape)
    return MemoryEstimate(params, params * itemsize, activations * itemsize, itemsize)
