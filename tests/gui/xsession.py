"""A real X session for tests that run the `radshare` program itself: Xvfb with openbox (the
window manager radiologists' desktops have; without one, focus and key delivery differ), and
helpers to find the window, type, drag and tell when the program has gone idle."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
NEEDED = ("Xvfb", "xdotool", "openbox")


def missing_tools() -> list[str]:
    return [tool for tool in NEEDED if shutil.which(tool) is None]


def skip_or_fail_without_tools() -> None:
    missing = missing_tools()
    if missing:
        if os.environ.get("CI") == "true":
            pytest.fail(f"needed for this test but not installed: {', '.join(missing)} (scripts/apt/gui.txt)")
        pytest.skip(f"not installed here: {', '.join(missing)}")


def radshare_command() -> list[str]:
    """The installed program, run by this interpreter (PYTHONPATH decides which source runs)."""
    return [sys.executable, "-m", "radshare"]


def wait_for(predicate, timeout: float, interval: float = 0.2) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(interval)
    return False


@contextmanager
def x_session():
    """Yields a DISPLAY string. -displayfd: Xvfb picks a free display itself and writes its
    number once it accepts connections, so two suites starting at once cannot race."""
    read_end, write_end = os.pipe()
    server = subprocess.Popen(["Xvfb", "-displayfd", str(write_end), "-screen", "0", "1400x900x24", "-nolisten", "tcp"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, pass_fds=(write_end,))
    os.close(write_end)
    manager = None
    try:
        with os.fdopen(read_end) as announced:
            number = announced.readline().strip()
        assert number, "Xvfb did not start"
        display = f":{number}"
        if shutil.which("openbox"):
            manager = subprocess.Popen(["openbox", "--sm-disable"], env=dict(os.environ, DISPLAY=display),
                                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        yield display
    finally:
        for process in (manager, server):
            if process is not None and process.poll() is None:
                os.kill(process.pid, signal.SIGTERM)
                process.wait(10)


def app_env(display: str, home: Path) -> dict[str, str]:
    """The environment of a user with an empty home: settings, session and key all inside it."""
    return dict(os.environ, DISPLAY=display, QT_QPA_PLATFORM="xcb", HOME=str(home),
                XDG_CONFIG_HOME=str(home / "config"), XDG_DATA_HOME=str(home / "data"),
                RADSHARE_KEY_FILE=str(home / "key"), PYTHONPATH=os.pathsep.join(
                    p for p in (str(REPO), os.environ.get("PYTHONPATH", "")) if p))


def xdotool(env: dict[str, str], *args: str) -> str:
    return subprocess.run(["xdotool", *args], env=env, capture_output=True, text=True, timeout=20).stdout


def find_window(env: dict[str, str], app: subprocess.Popen, timeout: float = 60) -> str:
    found: list[str] = []

    def shown() -> bool:
        found[:] = xdotool(env, "search", "--onlyvisible", "--name", "^RadShare").split()
        return bool(found) or app.poll() is not None

    assert wait_for(shown, timeout), "no RadShare window appeared"
    assert app.poll() is None, "RadShare ended before its window appeared"
    return found[0]


def geometry(env: dict[str, str], window: str) -> dict[str, int]:
    values = dict(line.split("=", 1) for line in xdotool(env, "getwindowgeometry", "--shell", window).split())
    return {k: int(v) for k, v in values.items() if k in ("X", "Y", "WIDTH", "HEIGHT")}


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def wait_until_idle(app: subprocess.Popen, timeout: float = 60, quiet: float = 1.0) -> bool:
    """True once the program has used under 5% of a core for `quiet` seconds (its loading done)."""
    deadline = time.monotonic() + timeout
    last, since = cpu_seconds(app.pid), time.monotonic()
    while time.monotonic() < deadline and app.poll() is None:
        time.sleep(0.25)
        now = cpu_seconds(app.pid)
        if now - last > 0.05 * 0.25:
            since = time.monotonic()
        last = now
        if time.monotonic() - since >= quiet:
            return True
    return False
