"""Inverted dropout: active in training only, identity at inference."""

from __future__ import annotations

import numpy as np

from .base import Layer


class Dropout(Layer):
    """Keep each activation with probability ``keep_prob`` and scale by 1/keep_prob.

    ``freeze_mask()`` makes the next training forwards reuse the last mask,
    so a gradient check sees one fixed, differentiable function.
    """

    kind = "dropout"

    def __init__(self, keep_prob: float = 0.8, name: str | None = None, seed: int | None = None):
        super().__init__(name=name)
        keep_prob = float(keep_prob)
        if not 0.0 < keep_prob <= 1.0:
            raise ValueError(f"{name or 'Dropout'}: keep_prob must be in (0, 1]. Received: keep_prob={keep_prob}")
        self.keep_prob = keep_prob
        self.seed = seed
        self._rng = np.random.default_rng(seed)
        self._mask = None
        self.mask_frozen = False

    def build(self, input_shape, rng, dtype, default_init="he"):
        super().build(input_shape, rng, dtype, default_init)
        if self.seed is None:
            self._rng = np.random.default_rng(rng.integers(2**63))

    def forward(self, x, training=False):
        if not training or self.keep_prob == 1.0:
            self._mask = None
            return x
        if not (self.mask_frozen and self._mask is not None and self._mask.shape == x.shape):
            keep = self._rng.random(x.shape) < self.keep_prob
            self._mask = keep.astype(x.dtype) / x.dtype.type(self.keep_prob)
        return x * self._mask

    def backward(self, grad, need_input_grad=True):
        if not need_input_grad:
            return None
        return grad if self._mask is None else grad * self._mask

    @property
    def rng_state(self) -> dict:
        """The mask generator's state (plain ints and strings: JSON-safe)."""
        return self._rng.bit_generator.state

    @rng_state.setter
    def rng_state(self, state: dict) -> None:
        self._rng.bit_generator.state = state

    def freeze_mask(self, frozen: bool = True) -> None:
        self.mask_frozen = frozen

    @property
    def mask(self) -> np.ndarray | None:
        """The last training forward's mask, shaped like its input: 0 or 1/keep_prob per element.

        None after an inference forward (or with keep_prob 1). Setting it,
        then ``freeze_mask()``, replays a given mask (a gradient check's
        numerical side uses the analytic side's masks).
        """
        return self._mask

    @mask.setter
    def mask(self, mask) -> None:
        self._mask = None if mask is None else np.asarray(mask)

    def get_config(self):
        return {**super().get_config(), "keep_prob": self.keep_prob}

    def describe(self):
        return f"Dropout(keep {self.keep_prob:g})"
