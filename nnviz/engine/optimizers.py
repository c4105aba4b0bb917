"""Optimizers: each is a learning rate plus one update rule.

``step(pairs)`` takes ``(param, grad)`` array pairs and updates each param
in place. Per-parameter state (velocity, squared averages) is keyed by the
parameter array itself (its identity), never by a name like "W", so two
layers sharing an optimizer never collide.
"""

from __future__ import annotations

import numpy as np


class Optimizer:
    name = "optimizer"
    #: names of the per-parameter state arrays, in save order
    slots: tuple[str, ...] = ()

    def __init__(self, lr: float = 0.01):
        lr = float(lr)
        if not np.isfinite(lr) or lr <= 0:
            raise ValueError(f"{type(self).__name__}: learning rate must be a positive number. Received: lr={lr}")
        self.lr = lr
        self.iterations = 0
        self._state: dict[int, tuple[np.ndarray, dict[str, np.ndarray]]] = {}

    def state_for(self, param: np.ndarray) -> dict[str, np.ndarray]:
        entry = self._state.get(id(param))
        if entry is None or entry[0] is not param:
            entry = (param, {s: np.zeros_like(param) for s in self.slots})
            self._state[id(param)] = entry
        return entry[1]

    def step(self, pairs) -> None:
        self.iterations += 1
        for param, grad in pairs:
            self.update(param, grad, self.state_for(param))

    def update(self, param, grad, state) -> None:
        raise NotImplementedError

    def get_config(self) -> dict:
        return {"name": self.name, "lr": self.lr}


class SGD(Optimizer):
    name = "sgd"

    def update(self, param, grad, state):
        param -= self.lr * grad


class Momentum(Optimizer):
    name = "momentum"
    slots = ("velocity",)

    def __init__(self, lr=0.01, beta=0.9):
        super().__init__(lr)
        self.beta = float(beta)

    def update(self, param, grad, state):
        v = state["velocity"]
        v *= self.beta
        v += (1 - self.beta) * grad
        param -= self.lr * v

    def get_config(self):
        return {**super().get_config(), "beta": self.beta}


class RMSProp(Optimizer):
    name = "rmsprop"
    slots = ("square_avg",)

    def __init__(self, lr=0.001, rho=0.9, epsilon=1e-7):
        super().__init__(lr)
        self.rho, self.epsilon = float(rho), float(epsilon)

    def update(self, param, grad, state):
        s = state["square_avg"]
        s *= self.rho
        s += (1 - self.rho) * grad * grad
        param -= self.lr * grad / (np.sqrt(s) + self.epsilon)

    def get_config(self):
        return {**super().get_config(), "rho": self.rho, "epsilon": self.epsilon}


class Adagrad(Optimizer):
    name = "adagrad"
    slots = ("sum_squares",)

    def __init__(self, lr=0.01, epsilon=1e-7):
        super().__init__(lr)
        self.epsilon = float(epsilon)

    def update(self, param, grad, state):
        s = state["sum_squares"]
        s += grad * grad
        param -= self.lr * grad / (np.sqrt(s) + self.epsilon)

    def get_config(self):
        return {**super().get_config(), "epsilon": self.epsilon}


class Adam(Optimizer):
    name = "adam"
    slots = ("m", "v")

    def __init__(self, lr=0.001, beta1=0.9, beta2=0.999, epsilon=1e-8):
        super().__init__(lr)
        self.beta1, self.beta2, self.epsilon = float(beta1), float(beta2), float(epsilon)

    def update(self, param, grad, state):
        m, v = state["m"], state["v"]
        m *= self.beta1
        m += (1 - self.beta1) * grad
        v *= self.beta2
        v += (1 - self.beta2) * grad * grad
        t = self.iterations
        # Bias corrections folded into the step size (Kingma & Ba, section 2).
        step = self.lr * np.sqrt(1 - self.beta2**t) / (1 - self.beta1**t)
        param -= (step * m / (np.sqrt(v) + self.epsilon * np.sqrt(1 - self.beta2**t))).astype(param.dtype, copy=False)

    def get_config(self):
        return {**super().get_config(), "beta1": self.beta1, "beta2": self.beta2, "epsilon": self.epsilon}


OPTIMIZERS = {cls.name: cls for cls in (SGD, Momentum, RMSProp, Adagrad, Adam)}


def get_optimizer(config: dict | str, **overrides) -> Optimizer:
    """Build an optimizer from ``{"name": "adam", "lr": 0.001, ...}`` or a name."""
    cfg = {"name": config} if isinstance(config, str) else dict(config)
    cfg.update(overrides)
    name = str(cfg.pop("name", "")).lower()
    if name not in OPTIMIZERS:
        raise ValueError(f"unknown optimizer {name!r}; expected one of {', '.join(OPTIMIZERS)}.")
    return OPTIMIZERS[name](**cfg)
