"""Known backprop mistakes, kept as named alternatives for teaching.

Each bug is a function ``(model, X, Y) -> (cost, output)`` with the same
contract as ``Sequential.cost_and_gradients``: it runs a forward pass and
fills every layer's ``grads``, wrongly. ``gradient_check(..., backward=bug)``
shows the check catching it, and ``fit(..., gradient_fn=bug)`` shows what
training with it does. The real code path is never edited: each bug
reimplements only the step it gets wrong.
"""

from __future__ import annotations

from .layers import Dense


def _forward_and_output_grad(model, X, Y):
    a = model.forward(X, training=True)
    cost = float(model.data_cost(a, Y) + model.regularization_cost(X.shape[0]))
    return cost, a, model.output_gradient(a, Y)


def cat_seed_derivative(model, X, Y):
    """The cat seed's bug: every hidden layer uses the *output's* sigmoid derivative aᴸ(1−aᴸ)."""
    cost, a, grad = _forward_and_output_grad(model, X, Y)
    out_slope = a * (1 - a)  # (m, k): the output layer's sigmoid derivative
    if out_slope.shape[1] != 1:
        out_slope = out_slope.mean(axis=1, keepdims=True)
    layers = model.layers
    grad = layers[-1].backward(grad, need_input_grad=len(layers) > 1)
    for i in range(len(layers) - 2, -1, -1):
        layer = layers[i]
        if layer.activation_name is not None:  # the wrong slope replaces its activation's derivative
            dz = grad * out_slope.reshape(out_slope.shape[0], *([1] * (grad.ndim - 1)))
            grad = layer.backward_preactivation(dz, need_input_grad=i > 0)
        else:
            grad = layer.backward(grad, need_input_grad=i > 0)
    model.add_regularization_gradients(X.shape[0])
    return cost, a


def dropped_one_over_m(model, X, Y):
    """Forgets the 1/m: gradients are sums over the batch instead of means."""
    cost, a, grad = _forward_and_output_grad(model, X, Y)
    model.backward(grad * model.dtype.type(X.shape[0]))
    model.add_regularization_gradients(X.shape[0])
    return cost, a


def _misshaped_dense(layer) -> bool:
    """A Dense layer whose W (in, units) is a real matrix: reshaping it to Wᵀ's shape is not transposing it."""
    return isinstance(layer, Dense) and min(layer.params["W"].shape) > 1


def transposed_weight(model, X, Y):
    """Sends the error back through W instead of Wᵀ.

    Where W is square that is the whole bug; elsewhere W is *reshaped* to
    Wᵀ's shape instead of transposed (``W.reshape(units, in)``, the NumPy
    form of the same mistake), so every network with a hidden Dense layer
    gets it.
    """
    layers = model.layers
    hit = [i for i, layer in enumerate(layers)
           if i > 0 and _misshaped_dense(layer) and any(lay.params for lay in layers[:i])]
    if not hit:
        raise ValueError("the transposed-weight bug needs a Dense layer after a layer with weights whose W is a "
                         "real matrix (a square weight matrix is sent back untransposed, any other reshaped); "
                         "this network has none.")
    cost, a, grad = _forward_and_output_grad(model, X, Y)
    for i in range(len(layers) - 1, -1, -1):
        layer = layers[i]
        if i in hit:
            dz = layer.preactivation_grad(grad)
            layer.backward_preactivation(dz, need_input_grad=False)  # W and b gradients stay right
            W = layer.params["W"]
            grad = dz @ W.reshape(W.shape[1], W.shape[0])  # should be W.T
        else:
            grad = layer.backward(grad, need_input_grad=i > 0)
    model.add_regularization_gradients(X.shape[0])
    return cost, a


#: name -> (function, one-line description for the app)
BACKPROP_BUGS = {
    "cat-seed derivative": (cat_seed_derivative,
                            "hidden layers use the output's sigmoid derivative aᴸ(1−aᴸ) (the cat seed's bug)"),
    "dropped 1/m": (dropped_one_over_m, "gradients summed over the batch instead of averaged"),
    "transposed weight": (transposed_weight, "the error flows back through W instead of Wᵀ "
                                             "(W reshaped to Wᵀ's shape where it is not square)"),
}

for _name, (_fn, _) in BACKPROP_BUGS.items():
    _fn.bug_name = _name       # what a run's record calls the backprop it trained with


def get_bug(name: str | None):
    """The gradient function for a bug name; None or "off" means the real backprop."""
    if name in (None, "", "off"):
        return None
    if name not in BACKPROP_BUGS:
        raise ValueError(f"unknown backprop bug {name!r}; expected one of {', '.join(BACKPROP_BUGS)}.")
    return BACKPROP_BUGS[name][0]


__all__ = ["BACKPROP_BUGS", "get_bug", "cat_seed_derivative", "dropped_one_over_m", "transposed_weight"]
