"""Quitting after real work exits cleanly: the real program, under Xvfb and openbox, opened on a
few hundred CT slices, a long cine or a mixed folder, edited, then closed through File > Quit
(Ctrl+Q) or SIGTERM (logout). PySide6 6.12.0 aborted here (exit 134, "Fatal Python error:
bool_dealloc") because its Signal.emit() took a reference from True on every call."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
from pathlib import Path

import pytest

from dicomfactory import write_ct
from xsession import (app_env, find_window, geometry, radshare_command, skip_or_fail_without_tools, wait_until_idle,
                      x_session, xdotool)

SLICES = 300


@pytest.fixture(scope="module")
def folders(tmp_path_factory) -> dict[str, Path]:
    from radshare.core.sample import sample_photo_bytes, write_sample_case

    root = tmp_path_factory.mktemp("quit")
    series = root / "series"
    series.mkdir()
    for index in range(SLICES):
        write_ct(series / f"IM{index:04d}.dcm", size=512, instance=index + 1)
    cine = root / "cine"
    cine.mkdir()
    write_ct(cine / "cine.dcm", size=256, frames=400, series_uid="1.2.826.0.1.3680043.8.498.90")
    mixed = root / "mixed"
    write_sample_case(mixed)  # CT, ultrasound, a phone photo and case notes
    (mixed / "ct").mkdir()
    for index in range(150):
        write_ct(mixed / "ct" / f"IM{index:04d}.dcm", size=512, instance=index + 1,
                 series_uid="1.2.826.0.1.3680043.8.498.91")
    for index in range(20):
        (mixed / "photos" / f"wound{index:02d}.jpg").write_bytes(sample_photo_bytes())
    return {"series": series, "cine": cine, "mixed": mixed}


@pytest.fixture(scope="module")
def display():
    skip_or_fail_without_tools()
    with x_session() as value:
        yield value


def _sidecars(home: Path) -> list[dict]:
    return [json.loads(p.read_text()) for p in home.rglob("annotations/*.json")]


@pytest.mark.parametrize("how", ["ctrl+q", "SIGTERM"])
@pytest.mark.parametrize("which", ["series", "cine", "mixed"])
def test_quit_after_opening_and_editing_exits_cleanly_and_keeps_the_session(folders, display, tmp_path, which, how):
    home = tmp_path / "home"
    env = app_env(display, home)
    app = subprocess.Popen([*radshare_command(), str(folders[which])], env=env, cwd=tmp_path,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        window = find_window(env, app)
        assert wait_until_idle(app, 90), "the program did not finish opening the folder"
        xdotool(env, "windowactivate", "--sync", window)
        box = geometry(env, window)
        # step through the stack or the frames, then draw an arrow and mark the text reviewed
        xdotool(env, "key", "--window", window, "--repeat", "40", "--delay", "5", "Down")
        x, y = box["X"] + int(box["WIDTH"] * 0.45), box["Y"] + int(box["HEIGHT"] * 0.45)
        xdotool(env, "key", "a")
        xdotool(env, "mousemove", "--sync", str(x - 60), str(y - 60), "mousedown", "1",
                "mousemove", "--sync", str(x), str(y), "mousemove", "--sync", str(x + 40), str(y + 40), "mouseup", "1")
        xdotool(env, "key", "ctrl+Return")
        assert wait_until_idle(app, 60)
        if how == "ctrl+q":
            xdotool(env, "key", "--clearmodifiers", "ctrl+q")
        else:
            os.kill(app.pid, signal.SIGTERM)
        try:
            _out, err = app.communicate(timeout=60)
        except subprocess.TimeoutExpired:
            app.kill()
            _out, err = app.communicate()
            pytest.fail(f"RadShare did not end after {how}")
        err = err.decode(errors="replace")
        assert "Fatal Python error" not in err, err[-3000:]
        assert app.returncode == 0, err[-3000:]
        saved = _sidecars(home)
        assert any(s["annotations"] and s["annotations"][0]["kind"] == "arrow" for s in saved), saved[:3]
        assert any(s["review"] == "reviewed" for s in saved)
    finally:
        if app.poll() is None:
            app.kill()
            app.wait(10)
