"""Looking inside a network: what each convolution and pooling layer makes of one input.

:func:`feature_maps` runs one sample through the model (inference mode, as
``predict`` does) and keeps a copy of every Conv2D and MaxPool2D output,
the convolution kernels, and the network's output. :func:`filter_images`
turns a kernel tensor into small 2-D pictures a person can read.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .layers import ActivatedLayer, Conv2D, MaxPool2D


@dataclass
class LayerMaps:
    """One image layer's output for one sample.

    ``maps`` is (C, H, W): one (H, W) activation map per channel.
    ``weights`` is the kernel tensor (D, C_in, kh, kw) of a Conv2D (a
    copy), None for pooling. For a Conv2D, ``inputs`` (C_in, H_in, W_in) is
    the layer's input, ``bias`` (D,) its bias, ``preactivation`` (D, H, W)
    its z before the activation, ``pads`` (top, bottom, left, right) and
    ``stride`` its geometry and ``activation`` its activation's name: what
    the convolution arithmetic of one output pixel needs.
    """

    name: str
    kind: str            # "conv" or "maxpool"
    description: str     # e.g. "Conv2D(4, 3x3)"
    maps: np.ndarray
    weights: np.ndarray | None = None
    inputs: np.ndarray | None = None
    bias: np.ndarray | None = None
    preactivation: np.ndarray | None = None
    pads: tuple | None = None
    stride: tuple | None = None
    activation: str | None = None

    @property
    def channels(self) -> int:
        return int(self.maps.shape[0])


@dataclass
class FeatureMaps:
    """Everything a feature-map view draws for one input.

    ``input`` is the sample (C, H, W); ``layers`` the conv/pool layers in
    order; ``output`` the network's output for the sample, (k,).
    """

    input: np.ndarray
    layers: list[LayerMaps]
    output: np.ndarray


def image_layers(model) -> list:
    """The model's Conv2D and MaxPool2D layers, in order."""
    return [layer for layer in model.layers if isinstance(layer, (Conv2D, MaxPool2D))]


def feature_maps(model, x) -> FeatureMaps:
    """Run one sample ``x`` (C, H, W) — or a batch of one (1, C, H, W) — and collect every conv/pool output.

    The returned arrays are float32 copies, safe to hand to another thread.
    """
    x = np.asarray(x)
    if x.ndim == len(model.input_shape):
        x = x[None]
    if x.shape[0] != 1:
        raise ValueError(f"feature maps are computed for one sample at a time; received a batch of {x.shape[0]}.")
    a = model.check_inputs(x)
    sample = np.array(a[0], dtype=np.float32)
    collected = []
    for layer in model.layers:
        inputs = a
        a = layer.forward(a, training=False)
        if isinstance(layer, Conv2D):
            collected.append(LayerMaps(
                name=layer.name, kind=layer.kind, description=layer.describe(), maps=np.array(a[0], dtype=np.float32),
                weights=np.array(layer.params["W"], dtype=np.float32), inputs=np.array(inputs[0], dtype=np.float32),
                bias=np.array(layer.params["b"], dtype=np.float32),
                preactivation=np.array(layer.preactivation[0], dtype=np.float32), pads=tuple(layer.geometry(
                    layer.input_shape)[0]), stride=tuple(layer.stride), activation=layer.activation.name))
        elif isinstance(layer, MaxPool2D):
            collected.append(LayerMaps(name=layer.name, kind=layer.kind, description=layer.describe(),
                                       maps=np.array(a[0], dtype=np.float32), weights=None))
    return FeatureMaps(input=sample, layers=collected, output=np.array(a[0], dtype=np.float32))


def filter_images(weights: np.ndarray, rgb: bool = False) -> list[np.ndarray]:
    """Small pictures of conv kernels ``weights`` (D, C, kh, kw), one per output channel.

    With one input channel each kernel is its own (kh, kw) picture. With
    ``rgb=True`` and three input channels (a first layer on colour photos)
    each kernel is an (kh, kw, 3) colour picture. Otherwise the kernel is
    averaged over its input channels, (kh, kw): what the filter looks for
    on average across the maps it reads.
    """
    W = np.asarray(weights, dtype=np.float32)
    if W.ndim != 4:
        raise ValueError(f"conv weights must be (filters, channels, kh, kw). Received shape {W.shape}.")
    if W.shape[1] == 1:
        return [w[0].copy() for w in W]
    if rgb and W.shape[1] == 3:
        return [np.transpose(w, (1, 2, 0)).copy() for w in W]
    return [w.mean(axis=0) for w in W]


def activation_name(layer) -> str | None:
    """The activation of a layer, or None (pooling layers have none)."""
    return layer.activation.name if isinstance(layer, ActivatedLayer) else None


__all__ = ["LayerMaps", "FeatureMaps", "image_layers", "feature_maps", "filter_images", "activation_name"]
