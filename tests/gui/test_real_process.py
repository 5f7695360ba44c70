"""The real `radshare` program starts under Xvfb, shows a window titled RadShare, and closes."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
NEEDED = ("Xvfb", "xdotool")


def _missing() -> list[str]:
    return [tool for tool in NEEDED if shutil.which(tool) is None]


def _command() -> list[str]:
    script = REPO / ".venv" / "bin" / "radshare"
    if script.exists():
        return [str(script)]
    return [sys.executable, "-m", "radshare"]


def _wait_for(predicate, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.2)
    return False


@pytest.fixture
def xvfb(tmp_path):
    missing = _missing()
    if missing:
        if os.environ.get("CI") == "true":
            pytest.fail(f"needed for this test but not installed: {', '.join(missing)} (scripts/apt/gui.txt)")
        pytest.skip(f"not installed here: {', '.join(missing)}")
    # -displayfd: Xvfb picks a free display itself and writes its number once it accepts
    # connections, so two suites starting at once cannot race for the same display.
    read_end, write_end = os.pipe()
    server = subprocess.Popen(["Xvfb", "-displayfd", str(write_end), "-screen", "0", "1400x900x24", "-nolisten", "tcp"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, pass_fds=(write_end,))
    os.close(write_end)
    try:
        with os.fdopen(read_end) as announced:
            number = announced.readline().strip()
        assert number, "Xvfb did not start"
        yield f":{number}"
    finally:
        os.kill(server.pid, signal.SIGTERM)
        server.wait(10)


def test_radshare_starts_shows_its_window_and_closes(xvfb, tmp_path):
    from dicomfactory import write_ct

    ct = write_ct(tmp_path / "slice.dcm", size=128)
    env = dict(os.environ, DISPLAY=xvfb, QT_QPA_PLATFORM="xcb", HOME=str(tmp_path),
               XDG_CONFIG_HOME=str(tmp_path / "config"), XDG_DATA_HOME=str(tmp_path / "data"),
               RADSHARE_KEY_FILE=str(tmp_path / "key"))
    app = subprocess.Popen([*_command(), str(ct)], env=env, cwd=tmp_path,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    found: list[str] = []

    def window_shown() -> bool:
        result = subprocess.run(["xdotool", "search", "--onlyvisible", "--name", "RadShare"], env=env,
                                capture_output=True, text=True)
        found[:] = result.stdout.split()
        return bool(found) or app.poll() is not None

    try:
        assert _wait_for(window_shown, 60), "no RadShare window appeared"
        assert app.poll() is None, app.stderr.read().decode(errors="replace")[-2000:]
        name = subprocess.run(["xdotool", "getwindowname", found[0]], env=env, capture_output=True, text=True).stdout
        assert name.startswith("RadShare")
        # close it as a user would: focus the window and press Ctrl+Q (File > Quit)
        subprocess.run(["xdotool", "windowfocus", "--sync", found[0]], env=env, check=False, timeout=10)
        subprocess.run(["xdotool", "key", "--clearmodifiers", "ctrl+q"], env=env, check=False, timeout=10)
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
