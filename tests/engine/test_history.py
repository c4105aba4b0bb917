"""History.to_dict: every field, the lists copied (what run files and the runs log are written from)."""

from dataclasses import asdict

from nnviz.engine.history import History


def test_to_dict_is_asdict_with_the_lists_copied():
    h = History(epoch=[1, 2], cost=[0.7, 0.5], train_accuracy=[0.5, 0.6], test_cost=[0.8, 0.6],
                test_accuracy=[0.4, 0.5], iteration_cost=[0.7, 0.5], lr=[0.1, 0.1], status="completed",
                message="done")
    d = h.to_dict()
    assert d == asdict(h)
    d["cost"].append(9.0)
    assert h.cost == [0.7, 0.5]                       # a copy: the history is not changed through it
    assert History.from_dict(h.to_dict()) == h
