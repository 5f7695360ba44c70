"""Fixtures for uploader tests: a private config dir and keyring file, never the user's own."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

TESTS = Path(__file__).resolve().parent


@pytest.fixture(autouse=True)
def private_env(tmp_path_factory, monkeypatch):
    """Every uploader test gets its own config dir, keyring file and installation key."""
    root = tmp_path_factory.mktemp("env")
    monkeypatch.setenv("RADSHARE_CONFIG_DIR", str(root / "config"))
    monkeypatch.setenv("RADSHARE_KEY_FILE", str(root / "installation.key"))
    monkeypatch.setenv("XDG_DATA_HOME", str(root / "data"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(root / "xdgconfig"))
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyrings.alt.file.PlaintextKeyring")
    return root


REPO = TESTS.parents[1]
IN_CI = os.environ.get("CI", "").lower() == "true"


def skip_or_fail(reason: str) -> None:
    """Skip locally when a tool is missing; fail under CI, where the setup must have installed it."""
    if IN_CI:
        pytest.fail(f"{reason} (CI=true: scripts/setup must provide it)")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def wordpress():
    """A real WordPress (Debian packages), started by scripts/wordpress/start.sh, stopped by PID."""
    import json
    import shutil
    import subprocess

    if not Path("/usr/share/wordpress/wp-settings.php").is_file() or not shutil.which("php") or not (
        shutil.which("mariadbd") or Path("/usr/sbin/mariadbd").exists()
    ):
        skip_or_fail("WordPress, MariaDB or PHP is not installed (scripts/apt/uploaders.txt)")
    done = subprocess.run(
        [str(REPO / "scripts/wordpress/start.sh")], capture_output=True, text=True, timeout=180, stdin=subprocess.DEVNULL
    )
    if done.returncode != 0:
        pytest.fail(f"scripts/wordpress/start.sh failed ({done.returncode}): {done.stderr[-2000:]}")
    info = json.loads(done.stdout.strip().splitlines()[-1])
    try:
        yield info
    finally:
        subprocess.run([str(REPO / "scripts/wordpress/stop.sh"), info["state_dir"]], timeout=60)
