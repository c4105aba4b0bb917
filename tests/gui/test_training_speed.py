"""Run → Training speed slows a run down (and the next ones) so a class can watch the boundary move."""

from __future__ import annotations

from .test_main_window import start_long_run, stop_and_wait


def test_the_speed_menu_slows_a_running_run_to_its_rate(make_window, qtbot):
    w = make_window()
    start_long_run(w, qtbot, frames=2)
    menu_rates = [a.data() for a in w.speedActions]
    assert menu_rates[0] is None and 10.0 in menu_rates
    ten = next(a for a in w.speedActions if a.data() == 10.0)
    ten.trigger()
    assert w.lab.control.speed == 10.0 and ten.isChecked()
    seen = []
    w.runner.snapshot.connect(lambda snap: seen.append((snap.elapsed, snap.epoch)))
    qtbot.waitUntil(lambda: len(seen) >= 2 and seen[-1][0] - seen[0][0] >= 1.5, timeout=30_000)
    (t0, e0), (t1, e1) = seen[0], seen[-1]
    assert (e1 - e0) / (t1 - t0) <= 10 * 1.1 + 1         # never faster than asked (a slow machine is slower)
    result = stop_and_wait(w, qtbot)
    assert result.status == "stopped"
    assert w.lab.speed == 10.0                            # kept for the next run
    w.speedActions[0].trigger()
    assert w.lab.speed is None
