"""``nnviz`` started as a real process (a second QApplication in the pytest process would abort)."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
LAUNCH = "from nnviz.gui.app import run; raise SystemExit(run())"


def _env(tmp_path, **extra):
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(REPO)] + [p for p in env.get("PYTHONPATH", "").split(os.pathsep) if p])
    env["QT_QPA_PLATFORM"] = "offscreen"
    env["XDG_CONFIG_HOME"] = str(tmp_path / "config")      # QSettings of the child go here
    env["HOME"] = str(tmp_path)
    env.update(extra)
    return env


def test_app_shows_its_window_and_exits_cleanly(tmp_path):
    proc = subprocess.run([sys.executable, "-c", LAUNCH], env=_env(tmp_path, NNVIZ_QUIT_AFTER_MS="1500"),
                          capture_output=True, text=True, timeout=120, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "nnviz: window shown (nnviz — neural network lab, visible=True)" in proc.stderr
    assert "Traceback" not in proc.stderr
    # the window saved its settings on the way out, in the child's own config folder
    assert list((tmp_path / "config").rglob("nnviz.conf"))


def test_nnviz_command_opens_the_app_with_a_preset(tmp_path, real_data_dir):
    """``python -m nnviz gui --preset … --data-dir …``: the CLI hands over to nnviz.gui.app.run."""
    proc = subprocess.run([sys.executable, "-m", "nnviz", "gui", "--preset", "cats-deep", "--data-dir",
                           str(real_data_dir)], env=_env(tmp_path, NNVIZ_QUIT_AFTER_MS="1500"),
                          capture_output=True, text=True, timeout=120, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "window shown" in proc.stderr
    conf = next((tmp_path / "config").rglob("nnviz.conf")).read_text()
    assert "preset=cats-deep" in conf and f"dataDir={real_data_dir}" in conf


def test_unknown_preset_falls_back_to_moons_and_says_so(make_window):
    w = make_window(preset="no-such-preset")
    assert w.presetCombo.currentData() == "moons"
    assert "unknown preset 'no-such-preset'" in w.banner.text()


def test_app_quits_cleanly_in_the_middle_of_training(tmp_path):
    env = _env(tmp_path, NNVIZ_QUIT_AFTER_MS="3000", NNVIZ_AUTOSTART="1")
    proc = subprocess.run([sys.executable, "-c", LAUNCH], env=env, capture_output=True, text=True,
                          timeout=120, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "window shown" in proc.stderr
    assert "QThread: Destroyed while thread is still running" not in proc.stderr
    assert "Traceback" not in proc.stderr


def test_sigterm_closes_the_app(tmp_path):
    proc = subprocess.Popen([sys.executable, "-c", LAUNCH],
                            env=_env(tmp_path, NNVIZ_QUIT_AFTER_MS="60000", NNVIZ_AUTOSTART="1"),
                            stderr=subprocess.PIPE, text=True, cwd=tmp_path)
    try:
        line = ""
        deadline = time.monotonic() + 60
        while "window shown" not in line and time.monotonic() < deadline:
            line = proc.stderr.readline()
            if not line and proc.poll() is not None:
                break
        assert "window shown" in line
        proc.send_signal(signal.SIGTERM)
        rest = proc.communicate(timeout=60)[1]
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 0, rest
    assert "QThread: Destroyed while thread is still running" not in rest


def test_nnviz_open_restores_a_saved_run(tmp_path):
    """``nnviz open FILE`` opens the app on a run file saved by the app."""
    from nnviz.lab import Lab

    lab = Lab()
    lab.apply_preset("moons")
    config = lab.config.copy()
    config.epochs = 30
    lab.edit(config, "epochs")
    lab.run_finished(lab.start_run(emit=lambda snap: None).run())
    run_file = tmp_path / "class run.h5"
    lab.save_model(run_file, kind="run")
    proc = subprocess.run([sys.executable, "-m", "nnviz", "open", str(run_file)],
                          env=_env(tmp_path, NNVIZ_QUIT_AFTER_MS="1500"), capture_output=True, text=True,
                          timeout=120, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert f"nnviz: opened {run_file}: moons settings, 30 epochs of history" in proc.stderr


def test_nnviz_open_names_a_missing_file(tmp_path):
    proc = subprocess.run([sys.executable, "-m", "nnviz", "open", str(tmp_path / "nope.h5")],
                          env=_env(tmp_path), capture_output=True, text=True, timeout=60, cwd=tmp_path)
    assert proc.returncode == 2 and f"nnviz: error: {tmp_path / 'nope.h5'}: no such file." in proc.stderr


def test_nnviz_open_restores_a_classroom_file(tmp_path):
    """``nnviz open FILE`` on a classroom file: the run, its note and its hidden controls."""
    from nnviz.lab import Lab
    from nnviz.lab.classroom import Classroom

    lab = Lab()
    lab.apply_preset("moons")
    config = lab.config.copy()
    config.epochs = 30
    lab.edit(config, "epochs")
    lab.run_finished(lab.start_run(emit=lambda snap: None).run())
    note = "Change only the learning rate: which value trains fastest?"
    path = tmp_path / "lesson.h5"
    lab.save_model(path, kind="run", classroom=Classroom(note, {"layers", "optimizer", "tab:gradCheckView"}))
    proc = subprocess.run([sys.executable, "-m", "nnviz", "open", str(path)],
                          env=_env(tmp_path, NNVIZ_QUIT_AFTER_MS="1500"), capture_output=True, text=True,
                          timeout=120, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert f"nnviz: opened {path}: moons settings, 30 epochs of history" in proc.stderr
    assert f"nnviz: classroom mode: note {note!r}, 3 hidden controls" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_bad_screenshot_variables_are_named_and_the_app_still_opens(tmp_path):
    env = _env(tmp_path, NNVIZ_QUIT_AFTER_MS="1500", NNVIZ_EPOCHS="-5", NNVIZ_TAB="nonsense")
    proc = subprocess.run([sys.executable, "-c", LAUNCH], env=env, capture_output=True, text=True, timeout=120,
                          cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "nnviz: window shown" in proc.stderr
    assert "NNVIZ_EPOCHS must be a whole number of epochs above 0. Received: '-5'" in proc.stderr
    assert "NNVIZ_TAB='nonsense' names no view" in proc.stderr and "Compare runs" in proc.stderr
    assert "Traceback" not in proc.stderr
