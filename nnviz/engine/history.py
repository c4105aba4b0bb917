"""Training history: one entry per epoch, plus per-iteration costs."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field


@dataclass
class History:
    epoch: list[int] = field(default_factory=list)
    cost: list[float] = field(default_factory=list)
    train_accuracy: list[float] = field(default_factory=list)
    test_cost: list[float] = field(default_factory=list)
    test_accuracy: list[float] = field(default_factory=list)
    iteration_cost: list[float] = field(default_factory=list)
    #: the learning rate each iteration used (NaN where unknown, e.g. a history saved before it was kept)
    lr: list[float] = field(default_factory=list)
    #: "new", "running", "completed", "stopped", "diverged" or "error"
    status: str = "new"
    message: str = ""

    @property
    def epochs_done(self) -> int:
        return len(self.cost)

    @property
    def iterations_done(self) -> int:
        return len(self.iteration_cost)

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> "History":
        known = {f: data[f] for f in cls.__dataclass_fields__ if f in data}
        return cls(**known)
