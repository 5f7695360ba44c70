"""The real `radshare` program starts under Xvfb, shows a window titled RadShare, and closes."""

from __future__ import annotations

import os
import signal
import subprocess

import pytest

from xsession import app_env, find_window, radshare_command, skip_or_fail_without_tools, x_session, xdotool


@pytest.fixture
def xvfb():
    skip_or_fail_without_tools()
    with x_session() as display:
        yield display


def test_radshare_starts_shows_its_window_and_closes(xvfb, tmp_path):
    from dicomfactory import write_ct

    ct = write_ct(tmp_path / "slice.dcm", size=128)
    env = app_env(xvfb, tmp_path)
    app = subprocess.Popen([*radshare_command(), str(ct)], env=env, cwd=tmp_path,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        found = find_window(env, app)
        assert xdotool(env, "getwindowname", found).startswith("RadShare")
        # close it as a user would: focus the window and press Ctrl+Q (File > Quit)
        xdotool(env, "windowactivate", "--sync", found)
        xdotool(env, "key", "--clearmodifiers", "ctrl+q")
        try:
            code = app.wait(20)
        except subprocess.TimeoutExpired:
            os.kill(app.pid, signal.SIGTERM)
            code = app.wait(10)
        assert code == 0
    finally:
        if app.poll() is None:
            os.kill(app.pid, signal.SIGKILL)
            app.wait(5)
