"""Learning-rate schedules: the learning rate as a function of how far a run has got.

A schedule maps the run's base learning rate ``lr0`` (the optimizer's lr when
the run starts) and the position in the run to the rate used for the next
step. Positions count from the start of *this* run (a second ``fit`` starts
its schedule over). :func:`nnviz.engine.training.fit` asks before every
optimizer step and records the rate used in ``history.lr``.

Each schedule says whether it moves per epoch or per iteration (``per``):

==============  =========  ==================================================================
name            per        lr at position t (L = T − 1, the run's last position)
==============  =========  ==================================================================
constant        iteration  lr0
step            epoch      lr0 · γ^⌊t / s⌋            (s = ``step_size`` epochs, γ = ``gamma``)
exponential     epoch      lr0 · γ^t                  (γ = ``gamma``)
cosine          iteration  lr_min + ½(lr0 − lr_min)(1 + cos(π t / L)),  lr_min = ``final``·lr0
                           (Loshchilov & Hutter 2017, SGDR without restarts)
one_cycle       iteration  warm-up, t ≤ P = p·L:  a + (lr0 − a)·½(1 − cos(π t / P)),  a = lr0/d
                           then:  z + (lr0 − z)·½(1 + cos(π (t − P) / (L − P))),  z = lr0/(d·f)
                           (Smith & Topin 2018, as PyTorch's OneCycleLR with cosine annealing;
                           p = ``warmup``, d = ``div_factor`` = 25, f = ``final_div`` = 10⁴)
==============  =========  ==================================================================

t is the epoch index within the run (0 for the first epoch) for "epoch"
schedules and the iteration index within the run (0 for the first step) for
"iteration" ones; T is the run's length in the same unit. Cosine and
one-cycle reach their last value on the run's last step (t = L). With
full-batch training an epoch is one iteration, so the two units agree.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

#: the schedules, in the order a menu lists them
SCHEDULES = ("constant", "step", "exponential", "cosine", "one_cycle")
#: each schedule's unit: "epoch" or "iteration"
PER = {"constant": "iteration", "step": "epoch", "exponential": "epoch", "cosine": "iteration",
       "one_cycle": "iteration"}


@dataclass
class Schedule:
    """One schedule and its parameters (only those of ``name`` are used).

    ``step_size`` (epochs, ≥ 1) and ``gamma`` (0 < γ ≤ 1) for step and
    exponential; ``final`` (0 ≤ final < 1: lr_min as a fraction of lr0) for
    cosine; ``warmup`` (0 < p < 1, the warm-up's share of the run),
    ``div_factor`` and ``final_div`` for one-cycle.
    """

    name: str = "constant"
    step_size: int = 10
    gamma: float = 0.5
    final: float = 0.0
    warmup: float = 0.3
    div_factor: float = 25.0
    final_div: float = 1e4

    def __post_init__(self):
        problem = self.problem()
        if problem:
            raise ValueError(problem)

    # --- checks ---------------------------------------------------------------
    def problem(self) -> str:
        """A sentence naming the bad parameter, or "" when all is well."""
        if self.name not in SCHEDULES:
            return f"Unknown learning-rate schedule {self.name!r}; expected one of {', '.join(SCHEDULES)}."
        if self.name == "step" and (isinstance(self.step_size, bool) or not isinstance(self.step_size, int)
                                    or self.step_size < 1):
            return f"Step schedule: the step must be a whole number of epochs ≥ 1. Received: {self.step_size!r}."
        if self.name in ("step", "exponential") and not (_number(self.gamma) and 0 < self.gamma <= 1):
            return f"{self.name.capitalize()} schedule: γ must be in (0, 1]. Received: {self.gamma!r}."
        if self.name == "cosine" and not (_number(self.final) and 0 <= self.final < 1):
            return f"Cosine schedule: the final fraction must be in [0, 1). Received: {self.final!r}."
        if self.name == "one_cycle":
            if not (_number(self.warmup) and 0 < self.warmup < 1):
                return f"One-cycle schedule: the warm-up share must be in (0, 1). Received: {self.warmup!r}."
            if not (_number(self.div_factor) and self.div_factor >= 1) or \
                    not (_number(self.final_div) and self.final_div >= 1):
                return "One-cycle schedule: div_factor and final_div must be at least 1."
        return ""

    @property
    def per(self) -> str:
        """"epoch" or "iteration": the unit ``t`` counts in."""
        return PER[self.name]

    @property
    def constant(self) -> bool:
        return self.name == "constant"

    # --- the formula -------------------------------------------------------------
    def lr(self, lr0: float, t: int, total: int) -> float:
        """The rate at position ``t`` (0-based, in :attr:`per` units) of a run ``total`` units long."""
        name, t, total = self.name, int(t), max(1, int(total))
        if name == "constant":
            return lr0
        if name == "step":
            return lr0 * self.gamma ** (t // self.step_size)
        if name == "exponential":
            return lr0 * self.gamma ** t
        if name == "cosine":
            low = self.final * lr0
            frac = min(t, total - 1) / max(1, total - 1)
            return low + 0.5 * (lr0 - low) * (1 + math.cos(math.pi * frac))
        # one-cycle
        start, end = lr0 / self.div_factor, lr0 / (self.div_factor * self.final_div)
        last = max(1, total - 1)
        peak = self.warmup * last
        t = min(t, last)
        if t <= peak:
            return start + (lr0 - start) * 0.5 * (1 - math.cos(math.pi * t / peak)) if peak > 0 else lr0
        return end + (lr0 - end) * 0.5 * (1 + math.cos(math.pi * (t - peak) / (last - peak)))

    def at(self, lr0: float, epoch: int, iteration: int, epochs: int, iterations_per_epoch: int) -> float:
        """The rate for the step at ``iteration`` (within the run) of ``epoch`` (within the run)."""
        if self.per == "epoch":
            return self.lr(lr0, epoch, epochs)
        return self.lr(lr0, iteration, epochs * iterations_per_epoch)

    def sequence(self, lr0: float, epochs: int, iterations_per_epoch: int = 1) -> list[float]:
        """The rate of every step of a run, in order (``epochs·iterations_per_epoch`` values)."""
        return [self.at(lr0, i // iterations_per_epoch, i, epochs, iterations_per_epoch)
                for i in range(epochs * iterations_per_epoch)]

    # --- dictionaries -------------------------------------------------------------
    def to_dict(self) -> dict:
        """``{"name": ..., **the parameters name uses}`` (what a RunConfig stores)."""
        used = {"step": ("step_size", "gamma"), "exponential": ("gamma",), "cosine": ("final",),
                "one_cycle": ("warmup", "div_factor", "final_div")}.get(self.name, ())
        full = asdict(self)
        return {"name": self.name, **{k: full[k] for k in used}}

    @classmethod
    def from_dict(cls, data) -> "Schedule":
        """From :meth:`to_dict`'s form, a name, or None (constant); ValueError naming a bad key or value."""
        if data is None:
            return cls()
        if isinstance(data, str):
            return cls(name=data)
        if not isinstance(data, dict):
            raise ValueError(f"A learning-rate schedule should be a name or an object. Received: {data!r}.")
        unknown = sorted(set(data) - set(cls.__dataclass_fields__))
        if unknown:
            raise ValueError(f"Learning-rate schedule: unknown setting(s) {', '.join(unknown)}.")
        return cls(**data)


def get_schedule(spec) -> Schedule:
    """A :class:`Schedule` from a Schedule, a dict, a name or None."""
    return spec if isinstance(spec, Schedule) else Schedule.from_dict(spec)


def _number(x) -> bool:
    return isinstance(x, (int, float)) and not isinstance(x, bool) and math.isfinite(x)


__all__ = ["Schedule", "SCHEDULES", "PER", "get_schedule"]
