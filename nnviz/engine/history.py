"""Training history: one entry per epoch, plus per-iteration costs."""

from __future__ import annotations

from dataclasses import dataclass, field, fields


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
        """Every field, lists copied (dataclasses.asdict would deep-copy each of their numbers: a tenth of a
        second for a 10,000-epoch run, at the end of every run)."""
        return {f.name: list(v) if isinstance(v, list) else v
                for f in fields(self) for v in (getattr(self, f.name),)}

    @classmethod
    def from_dict(cls, data: dict) -> "History":
        known = {f: data[f] for f in cls.__dataclass_fields__ if f in data}
        return cls(**known)
