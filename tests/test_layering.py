"""The one dependency rule: only radshare.gui imports Qt; core imports neither gui nor uploaders."""

from __future__ import annotations

import subprocess
import sys

import pytest

PROBE = """
import sys, importlib, pkgutil
import radshare.core, radshare.uploaders, radshare.commands, radshare.cli
for package in (radshare.core, radshare.uploaders, radshare.commands):
    for info in pkgutil.walk_packages(package.__path__, package.__name__ + "."):
        importlib.import_module(info.name)
bad = sorted(m for m in sys.modules if m.split(".")[0] in ("PySide6", "shiboken6", "PyQt5", "PyQt6") or m.startswith("radshare.gui"))
print(",".join(bad))
"""


def test_core_uploaders_commands_and_cli_load_no_qt_and_no_gui():
    result = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == ""


def test_core_never_imports_uploaders_or_commands():
    probe = "import sys, importlib, pkgutil, radshare.core\n" \
        "for i in pkgutil.walk_packages(radshare.core.__path__, 'radshare.core.'): importlib.import_module(i.name)\n" \
        "print(','.join(sorted(m for m in sys.modules if m.startswith(('radshare.uploaders', 'radshare.commands', 'radshare.gui', 'radshare.cli')))))"
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == ""


def test_import_linter_contracts_hold():
    lint = pytest.importorskip("importlinter")
    del lint
    result = subprocess.run([sys.executable, "-m", "importlinter.cli", "--config", "pyproject.toml"], capture_output=True, text=True, timeout=300)
    if "No module named importlinter.cli" in result.stderr:
        result = subprocess.run(["lint-imports"], capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
