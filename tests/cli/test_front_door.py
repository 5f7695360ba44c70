"""The `radshare` program's front door: where the desktop app cannot or should not start, one
clear line and exit 2 instead of Qt's abort (exit 134, a core dump) or a window on the wrong files."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from radshare.cli import COMMANDS

RADSHARE = [sys.executable, "-m", "radshare"]
REPO = Path(__file__).resolve().parents[2]


def _run(args: list[str], tmp_path: Path, **env_changes: str | None) -> subprocess.CompletedProcess:
    env = dict(os.environ, HOME=str(tmp_path), RADSHARE_KEY_FILE=str(tmp_path / "key"),
               PYTHONPATH=os.pathsep.join(p for p in (str(REPO), os.environ.get("PYTHONPATH", "")) if p))
    for key, value in env_changes.items():
        if value is None:
            env.pop(key, None)
        else:
            env[key] = value
    return subprocess.run([*RADSHARE, *args], capture_output=True, text=True, env=env, cwd=tmp_path, timeout=60)


def _no_display(**more):
    return {"DISPLAY": None, "WAYLAND_DISPLAY": None, "QT_QPA_PLATFORM": None, **more}


def test_without_a_display_the_app_says_so_in_one_line_and_names_what_works(tmp_path):
    result = _run([], tmp_path, **_no_display())
    assert result.returncode == 2, result.stderr[-2000:]
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "no display found" in lines[0]
    for command in ("deid", "export", "post", "accounts", "selftest"):
        assert command in lines[0]
    assert "qt.qpa" not in result.stderr and "Aborted" not in result.stderr


def test_without_a_display_opening_files_says_the_same(tmp_path):
    image = tmp_path / "scan.dcm"
    image.write_bytes(b"not opened")
    result = _run([str(image)], tmp_path, **_no_display())
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and "no display found" in result.stderr


def test_a_display_that_cannot_be_reached_is_named_in_one_line(tmp_path):
    number = next(n for n in range(987, 1100) if not Path(f"/tmp/.X11-unix/X{n}").exists())
    result = _run([], tmp_path, **_no_display(DISPLAY=f":{number}"))
    assert result.returncode == 2, result.stderr[-2000:]
    assert result.stderr.strip().splitlines() == [
        f"radshare: the display :{number} cannot be reached, so the desktop app cannot start; "
        f"these commands work without one: {', '.join(COMMANDS)} "
        "(see 'radshare COMMAND --help')"]


def test_a_mistyped_command_is_named_with_the_likely_one_and_no_window_starts(tmp_path):
    # offscreen would let a window start here: the refusal must come before it
    result = _run(["delid", "scan.dcm", "-o", "out"], tmp_path, QT_QPA_PLATFORM="offscreen")
    assert result.returncode == 2
    assert result.stderr.strip() == "radshare: unknown command 'delid' (did you mean 'deid'?); see 'radshare --help'"
    assert not (tmp_path / "out").exists()


def test_an_unknown_word_that_is_no_file_is_refused(tmp_path):
    result = _run(["frobnicate"], tmp_path, QT_QPA_PLATFORM="offscreen")
    assert result.returncode == 2
    assert "unknown command 'frobnicate'" in result.stderr and result.stderr.count("\n") == 1


def test_options_given_with_files_are_refused_not_opened(tmp_path):
    image = tmp_path / "scan.dcm"
    image.write_bytes(b"x")
    result = _run([str(image), "-o", "out"], tmp_path, QT_QPA_PLATFORM="offscreen")
    assert result.returncode == 2
    assert "'-o' is not an option of the desktop app" in result.stderr


def test_the_command_line_tools_still_run_without_a_display(tmp_path):
    result = _run(["deid", "--help"], tmp_path, **_no_display())
    assert result.returncode == 0 and "-o" in result.stdout
