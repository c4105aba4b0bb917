"""How one pixel of a convolution's feature map is computed (CNN Explainer's view), without Qt.

From a :class:`~nnviz.engine.feature_maps.LayerMaps` of a Conv2D (computed on a frozen copy or in the
training worker, so never on the live network): output channel ``d``, pixel (``row``, ``col``):

    z = Σ_c Σ_(u,v) W[d, c, u, v] · x_pad[c, row·sh + u, col·sw + v]  +  b[d],      a = g(z)

The products are float32 (the engine's own precision) and are summed in float64 here. The engine
sums the same products in float32 inside a matrix product (another order), so the shown
``z`` equals the feature map's z to float32 rounding: |z_shown − z_map| ≤ (K + 1)·ε₃₂·(Σ|products| + |b|)
with K = C·kh·kw products (the standard bound for a float32 dot product). ``a`` is the activation of the
map's own z, so it is exactly the value drawn in the map.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from nnviz.engine.activations import get_activation


@dataclass
class ConvArithmetic:
    """One output pixel's arithmetic.

    ``patch``, ``kernel``, ``products`` are (C, kh, kw); ``padding`` (C, kh, kw) bool marks patch entries
    that are zero padding outside the input; ``channel_sums`` (C,) Σ of each channel's products (float64);
    ``top_left`` the patch's (row, col) in the *unpadded* input (may be negative with padding).
    """

    layer: str
    channel: int
    row: int
    col: int
    patch: np.ndarray
    kernel: np.ndarray
    products: np.ndarray
    padding: np.ndarray
    channel_sums: np.ndarray
    total: float           # Σ products (float64)
    bias: float
    z: float               # total + bias (float64)
    map_z: float           # the engine's z at this pixel (float32)
    activation: str
    value: float           # the map's value: activation(map_z)
    top_left: tuple[int, int]

    @property
    def rounding_bound(self) -> float:
        """The float32 bound on |z − map_z| (see the module docstring)."""
        k = self.products.size + 1
        return k * float(np.finfo(np.float32).eps) * (float(np.abs(self.products.astype(np.float64)).sum())
                                                       + abs(self.bias))

    def sentence(self) -> str:
        """e.g. ``Σ 36 products = 0.812 + bias −0.051 = z 0.761 → relu → 0.761 (the map's value)``"""
        text = (f"Σ of {self.products.size} products = {self.total:.4g}, + bias {self.bias:.4g} = z {self.z:.4g}")
        if self.activation != "linear":
            text += f" → {self.activation} → {self.value:.4g}"
        return text


def conv_arithmetic(layer_maps, channel: int, row: int, col: int) -> ConvArithmetic:
    """The arithmetic of pixel (``row``, ``col``) of output channel ``channel`` of a Conv2D's LayerMaps.

    Raises ValueError (one sentence naming the layer) for a pooling layer or a pixel outside the map.
    """
    lm = layer_maps
    if lm.kind != "conv" or lm.inputs is None or lm.weights is None:
        raise ValueError(f"{lm.name}: only convolution layers have kernel arithmetic to show; "
                         f"this is a {lm.description} layer.")
    d_count, oh, ow = lm.maps.shape
    if not (0 <= channel < d_count and 0 <= row < oh and 0 <= col < ow):
        raise ValueError(f"{lm.name}: pixel (channel {channel + 1}, row {row + 1}, column {col + 1}) is outside its "
                         f"{d_count} maps of {oh}×{ow}.")
    W = np.asarray(lm.weights, dtype=np.float32)
    _, c, kh, kw = W.shape
    top, bottom, left, right = lm.pads
    sh, sw = lm.stride
    x = np.asarray(lm.inputs, dtype=np.float32)
    xp = np.pad(x, ((0, 0), (top, bottom), (left, right)))
    inside = np.pad(np.ones(x.shape, bool), ((0, 0), (top, bottom), (left, right)))
    r0, c0 = row * sh, col * sw
    patch = xp[:, r0:r0 + kh, c0:c0 + kw].copy()
    padding = ~inside[:, r0:r0 + kh, c0:c0 + kw]
    kernel = W[channel].copy()
    products = patch * kernel                      # float32, as the engine multiplies
    sums = products.astype(np.float64).sum(axis=(1, 2))
    total = float(sums.sum())
    bias = float(lm.bias[channel])
    z = total + bias
    map_z = float(lm.preactivation[channel, row, col])
    act = lm.activation or "linear"
    value = float(get_activation(act).forward(np.array([[map_z]], dtype=np.float32))[0, 0])
    return ConvArithmetic(layer=lm.name, channel=channel, row=row, col=col, patch=patch, kernel=kernel,
                          products=products, padding=padding, channel_sums=sums, total=total, bias=bias, z=z,
                          map_z=map_z, activation=act, value=value, top_left=(r0 - top, c0 - left))


__all__ = ["ConvArithmetic", "conv_arithmetic"]
