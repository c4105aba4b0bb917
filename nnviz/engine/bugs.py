"""Known backprop mistakes, kept as named alternatives for teaching.

Each bug is a function ``(model, X, Y) -> (cost, output)`` with the same
contract as ``Sequential.cost_and_gradients``: it runs a forward pass and
fills every layer's ``grads``, wrongly. ``gradient_check(..., backward=bug)``
shows the check catching it, and ``fit(..., gradient_fn=bug)`` shows what
training with it does. The real code path is never edited: each bug
reimplements only the step it gets wrong.
"""

from __future__ import annotations

from .layers import ActivatedLayer, Dense


def _forward_and_output_grad(model, X, Y):
    a = model.forward(X, training=True)
    last = model.layers[-1]
    fused = model.fused_output
    z = last._z if isinstance(last, ActivatedLayer) else a
    cost = float(model.loss.cost(a, z, Y, fused) + model.regularization_cost(X.shape[0]))
    return cost, a, model.loss.gradient(a, z, Y, fused), fused


def _add_l2(model, m):
    if model.l2:
        for layer in model.layers:
            for k in layer.regularized:
                layer.grads[k] += model.dtype.type(model.l2 / m) * layer.params[k]


def _backward_layers(model, grad, fused, hidden_grad=None):
    """Walk the layers backwards; ``hidden_grad(layer, grad)`` may replace dL/dz of hidden activated layers."""
    layers = model.layers
    for i in range(len(layers) - 1, -1, -1):
        layer = layers[i]
        need = i > 0
        if isinstance(layer, ActivatedLayer):
            if i == len(layers) - 1:
                grad = layer.backward(grad, need_input_grad=need, from_logits=fused)
            elif hidden_grad is not None:
                grad = layer.backward(hidden_grad(layer, grad), need_input_grad=need, from_logits=True)
            else:
                grad = layer.backward(grad, need_input_grad=need)
        else:
            grad = layer.backward(grad, need_input_grad=need)
    return grad


def cat_seed_derivative(model, X, Y):
    """The cat seed's bug: every hidden layer uses the *output's* sigmoid derivative aᴸ(1−aᴸ)."""
    cost, a, grad, fused = _forward_and_output_grad(model, X, Y)
    out_slope = a * (1 - a)  # (m, k): the output layer's sigmoid derivative
    if out_slope.shape[1] != 1:
        out_slope = out_slope.mean(axis=1, keepdims=True)

    def wrong(layer, g):
        return g * out_slope.reshape(out_slope.shape[0], *([1] * (g.ndim - 1)))

    _backward_layers(model, grad, fused, hidden_grad=wrong)
    _add_l2(model, X.shape[0])
    return cost, a


def dropped_one_over_m(model, X, Y):
    """Forgets the 1/m: gradients are sums over the batch instead of means."""
    cost, a, grad, fused = _forward_and_output_grad(model, X, Y)
    _backward_layers(model, grad * model.dtype.type(X.shape[0]), fused)
    _add_l2(model, X.shape[0])
    return cost, a


def _square_dense(layer) -> bool:
    return isinstance(layer, Dense) and layer.params["W"].shape[0] == layer.params["W"].shape[1]


def transposed_weight(model, X, Y):
    """Sends the error back through W instead of Wᵀ (possible wherever W is square)."""
    if not any(_square_dense(layer) for layer in model.layers[1:]):
        raise ValueError("the transposed-weight bug needs a hidden Dense layer with a square weight matrix "
                         "(as many inputs as units); this network has none.")
    cost, a, grad, fused = _forward_and_output_grad(model, X, Y)
    layers = model.layers
    for i in range(len(layers) - 1, -1, -1):
        layer = layers[i]
        from_logits = fused and i == len(layers) - 1
        kwargs = {"from_logits": from_logits} if isinstance(layer, ActivatedLayer) else {}
        if i > 0 and _square_dense(layer):
            layer.backward(grad, need_input_grad=False, **kwargs)  # W and b gradients stay right
            grad = layer._preactivation_grad(grad, from_logits) @ layer.params["W"]  # should be W.T
        else:
            grad = layer.backward(grad, need_input_grad=i > 0, **kwargs)
    _add_l2(model, X.shape[0])
    return cost, a


#: name -> (function, one-line description for the app)
BACKPROP_BUGS = {
    "cat-seed derivative": (cat_seed_derivative,
                            "hidden layers use the output's sigmoid derivative aᴸ(1−aᴸ) (the cat seed's bug)"),
    "dropped 1/m": (dropped_one_over_m, "gradients summed over the batch instead of averaged"),
    "transposed weight": (transposed_weight, "the error flows back through W instead of Wᵀ"),
}


def get_bug(name: str | None):
    """The gradient function for a bug name; None or "off" means the real backprop."""
    if name in (None, "", "off"):
        return None
    if name not in BACKPROP_BUGS:
        raise ValueError(f"unknown backprop bug {name!r}; expected one of {', '.join(BACKPROP_BUGS)}.")
    return BACKPROP_BUGS[name][0]


__all__ = ["BACKPROP_BUGS", "get_bug", "cat_seed_derivative", "dropped_one_over_m", "transposed_weight"]
